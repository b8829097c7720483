def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass: one window position at a time, every example and channel at once."""
    kernel_height, kernel_width = self.kernel_shape
    X_pad = np.pad(X, ((0, 0), (self.pad[0], self.pad[0]), (self.pad[1], self.pad[1]), (0, 0)))
    out_rows = (X_pad.shape[1] - kernel_height) // self.stride + 1
    out_cols = (X_pad.shape[2] - kernel_width) // self.stride + 1
    X_pool = np.zeros((X.shape[0], out_rows, out_cols, X.shape[3]))
    for r in range(out_rows):
        for c in range(out_cols):
            r0, c0 = r * self.stride, c * self.stride
            window = X_pad[:, r0 : r0 + kernel_height, c0 : c0 + kernel_width, :]
            X_pool[:, r, c, :] = self.pool_fn(window, axis=(1, 2))
    self.cache["X"] = X
    self.cache["X_pad"] = X_pad
    self.cache["out_rows"], self.cache["out_cols"] = out_rows, out_cols
    return X_pool
