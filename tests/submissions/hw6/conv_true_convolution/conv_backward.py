def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass of the flipped-kernel convolution: consistent with its own forward."""
    X, Z = self.cache["X"], self.cache["Z"]
    W = self.parameters["W"][::-1, ::-1]
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    dZ = self.activation.backward(Z, dLdY)
    out_rows, out_cols = dZ.shape[1:3]
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    dX_pad = np.zeros(X_pad.shape)
    dW_flipped = np.zeros(W.shape)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + s * (out_rows - 1) + 1, s)
            cols = slice(j, j + s * (out_cols - 1) + 1, s)
            dW_flipped[i, j] = np.tensordot(X_pad[:, rows, cols], dZ, axes=([0, 1, 2], [0, 1, 2]))
            dX_pad[:, rows, cols] += dZ @ W[i, j].T
    # The stored weights are the unflipped ones, so their gradient is flipped back.
    self.gradients["W"] = dW_flipped[::-1, ::-1]
    self.gradients["b"] = np.sum(dZ, axis=(0, 1, 2)).reshape(1, -1)
    return dX_pad[:, ph : ph + X.shape[1], pw : pw + X.shape[2]]
