def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass: affine map, then the activation; X and Z cached for backward."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    W = self.parameters["W"]
    b = self.parameters["b"]
    Z = X @ W + b
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
