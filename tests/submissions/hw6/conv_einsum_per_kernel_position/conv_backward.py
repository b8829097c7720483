def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass, kernel offset by kernel offset, with einsum contractions."""
    X, Z, W = self.cache["X"], self.cache["Z"], self.parameters["W"]
    kh, kw = self.kernel_shape
    ph, pw = self.pad
    stride = self.stride
    dZ = self.activation.backward(Z, dLdY)
    n_rows, n_cols = dZ.shape[1], dZ.shape[2]
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)), mode="constant")
    dX_pad = np.zeros_like(X_pad, dtype=np.float64)
    dW = np.empty(W.shape)
    for i in range(kh):
        r = i + stride * np.arange(n_rows)
        for j in range(kw):
            c = j + stride * np.arange(n_cols)
            seen = X_pad[:, r[:, None], c[None, :], :]
            dW[i, j] = np.einsum("nhwc,nhwf->cf", seen, dZ, optimize=True)
            # Within one offset the gathered positions are distinct, so += does not lose updates.
            dX_pad[:, r[:, None], c[None, :], :] += np.einsum("nhwf,cf->nhwc", dZ, W[i, j], optimize=True)
    self.gradients["W"] = dW
    self.gradients["b"] = np.einsum("nhwf->f", dZ)[None, :]
    return dX_pad[:, ph : X_pad.shape[1] - ph, pw : X_pad.shape[2] - pw]
