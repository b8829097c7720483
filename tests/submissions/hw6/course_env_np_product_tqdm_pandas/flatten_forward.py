def forward(self, X: np.ndarray, retain_derived: bool = True) -> np.ndarray:
    """Flatten `X` with np.product, as numpy 1.x allows."""
    self.cache["in_dims"] = X.shape
    if self.keep_dim == "first":
        return X.reshape(X.shape[0], int(np.product(X.shape[1:])))
    if self.keep_dim == "last":
        return X.reshape(int(np.product(X.shape[:-1])), X.shape[-1])
    return X.reshape(1, int(np.product(X.shape)))
