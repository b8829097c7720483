def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass: a strided view of every window of the padded input, contracted with W."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    W, b = self.parameters["W"], self.parameters["b"]
    (ph, pw), s = self.pad, self.stride
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    windows = sliding_window_view(X_pad, self.kernel_shape, axis=(1, 2))[:, ::s, ::s]
    Z = np.einsum("nhwcij,ijcf->nhwf", windows, W, optimize=True) + b
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
