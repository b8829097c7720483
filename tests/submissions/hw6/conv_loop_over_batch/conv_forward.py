def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass, convolving one image of the batch at a time."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    W, b = self.parameters["W"], self.parameters["b"]
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    out_rows = (X_pad.shape[1] - kh) // s + 1
    out_cols = (X_pad.shape[2] - kw) // s + 1
    Z = np.zeros((X.shape[0], out_rows, out_cols, self.n_out))
    # Not vectorized: a Python loop over the examples of the batch.
    for n in range(X.shape[0]):
        for r in range(out_rows):
            for c in range(out_cols):
                patch = X_pad[n, r * s : r * s + kh, c * s : c * s + kw, :]
                Z[n, r, c] = np.tensordot(patch, W, axes=([0, 1, 2], [0, 1, 2])) + b[0]
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
