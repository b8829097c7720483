def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass, one image of the batch at a time."""
    X, Z, W = self.cache["X"], self.cache["Z"], self.parameters["W"]
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    dZ = self.activation.backward(Z, dLdY)
    out_rows, out_cols = dZ.shape[1:3]
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    dX_pad = np.zeros(X_pad.shape)
    dW = np.zeros(W.shape)
    # Not vectorized: a Python loop over the examples of the batch.
    for n in range(X.shape[0]):
        for r in range(out_rows):
            for c in range(out_cols):
                patch = X_pad[n, r * s : r * s + kh, c * s : c * s + kw, :]
                dW += patch[:, :, :, None] * dZ[n, r, c]
                dX_pad[n, r * s : r * s + kh, c * s : c * s + kw, :] += W @ dZ[n, r, c]
    self.gradients["W"] = dW
    self.gradients["b"] = np.sum(dZ, axis=(0, 1, 2)).reshape(1, -1)
    return dX_pad[:, ph : ph + X.shape[1], pw : pw + X.shape[2]]
