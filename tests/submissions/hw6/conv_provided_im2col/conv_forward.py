def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass with im2col: one matrix product for the whole batch."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    W = self.parameters["W"]
    b = self.parameters["b"]
    kernel_height, kernel_width, in_channels, out_channels = W.shape
    n_examples, in_rows, in_cols, _ = X.shape
    out_rows = (in_rows + 2 * self.pad[0] - kernel_height) // self.stride + 1
    out_cols = (in_cols + 2 * self.pad[1] - kernel_width) // self.stride + 1
    X_col, _ = im2col(X, W.shape, self.pad, self.stride)
    Z = (W.reshape(-1, out_channels).T @ X_col).reshape(out_channels, n_examples, out_rows, out_cols)
    Z = Z.transpose(1, 2, 3, 0) + b.reshape(1, 1, 1, -1)
    self.cache["X"] = X
    self.cache["Z"] = Z
    self.cache["X_col"] = X_col
    return self.activation(Z)
