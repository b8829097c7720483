def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass; the cache holds X and Z under the keys 0 and 1."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    Z = X @ self.parameters["W"] + self.parameters["b"]
    self.cache = {0: X, 1: Z}
    return self.activation(Z)
