def _init_parameters(self, X_shape: tuple) -> None:
    """Initialize all layer parameters (weights, biases)."""
    self.n_in = X_shape[1]
    W = self.init_weights((self.n_in, self.n_out))
    b = np.ones((1, self.n_out))
    self.parameters = OrderedDict({"W": W, "b": b})
    self.cache = OrderedDict()
    self.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})
