def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass for conv layer: loop over output positions and output channels."""
    if self.n_in is None:
        self._init_parameters(X.shape)

    W = self.parameters["W"]
    b = self.parameters["b"]

    kernel_height, kernel_width, in_channels, out_channels = W.shape
    n_examples, in_rows, in_cols, in_channels = X.shape
    kernel_shape = (kernel_height, kernel_width)

    padded, _ = pad2d(X, self.pad, kernel_shape, self.stride)
    out_rows = (in_rows + 2 * self.pad[0] - kernel_shape[0]) // self.stride + 1
    out_cols = (in_cols + 2 * self.pad[1] - kernel_shape[1]) // self.stride + 1
    Z = np.zeros((n_examples, out_rows, out_cols, out_channels))
    for row in range(out_rows):
        for col in range(out_cols):
            r0, c0 = row * self.stride, col * self.stride
            window = padded[:, r0 : r0 + kernel_height, c0 : c0 + kernel_width, :]
            for channel in range(out_channels):
                Z[:, row, col, channel] = np.sum(window * W[:, :, :, channel], axis=(1, 2, 3)) + b[0, channel]
    self.cache["Z"] = Z
    self.cache["X"] = X
    return self.activation(Z)
