def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass of the pooling layer."""
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    fill = -np.inf if self.mode == "max" else 0.0
    X_pad = np.pad(X.astype(float), ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=fill)
    out_rows = (X_pad.shape[1] - kh) // s + 1
    out_cols = (X_pad.shape[2] - kw) // s + 1
    out = np.full((X.shape[0], out_rows, out_cols, X.shape[3]), -np.inf)
    for i in range(kh):
        for j in range(kw):
            window = X_pad[:, i : i + s * (out_rows - 1) + 1 : s, j : j + s * (out_cols - 1) + 1 : s]
            # Bug: the average mode takes the maximum of the window too (copy-paste from max).
            out = np.maximum(out, window)
    self.cache["X_pad"] = X_pad
    self.cache["out"] = out
    return out
