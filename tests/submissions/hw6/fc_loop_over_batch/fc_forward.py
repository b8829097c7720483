def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass, one training example at a time."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    W, b = self.parameters["W"], self.parameters["b"]
    # Not vectorized: a Python loop over the examples of the batch.
    Z = np.zeros((X.shape[0], self.n_out))
    for n in range(X.shape[0]):
        Z[n] = X[n] @ W + b[0]
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
