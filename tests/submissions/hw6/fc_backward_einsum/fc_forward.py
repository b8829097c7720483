def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass with einsum: Z[n, j] = sum_i X[n, i] W[i, j] + b[j]."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    Z = np.einsum("ni,ij->nj", X, self.parameters["W"], optimize=True) + self.parameters["b"]
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
