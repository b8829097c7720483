def _init_parameters(self, X_shape: tuple) -> None:
    """Initialize the parameters from the input shape."""
    self.n_in = X_shape[1]
    # Bug: standard-normal weights instead of the layer's Xavier-uniform initializer.
    W = np.random.randn(self.n_in, self.n_out)
    b = np.zeros((1, self.n_out))
    self.parameters = OrderedDict([("W", W), ("b", b)])
    self.gradients = OrderedDict([("W", np.zeros_like(W)), ("b", np.zeros_like(b))])
    self.cache = OrderedDict()
