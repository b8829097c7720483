def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass as one matrix product: unfold every receptive field into a row (im2col)."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    W, b = self.parameters["W"], self.parameters["b"]
    cols, out_shape = _im2col(X, self.kernel_shape, self.pad, self.stride)
    Z = (cols @ W.reshape(-1, self.n_out) + b).reshape(out_shape + (self.n_out,))
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
