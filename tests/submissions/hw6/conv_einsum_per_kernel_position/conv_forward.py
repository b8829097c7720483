def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass: for each kernel offset (i, j), gather the input pixel that offset sees
    in every window and contract its channels with W[i, j] using einsum."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    W, b = self.parameters["W"], self.parameters["b"]
    kh, kw = self.kernel_shape
    ph, pw = self.pad
    stride = self.stride
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)), mode="constant")
    n_rows = 1 + (X_pad.shape[1] - kh) // stride
    n_cols = 1 + (X_pad.shape[2] - kw) // stride
    Z = np.broadcast_to(b.reshape(1, 1, 1, -1), (X.shape[0], n_rows, n_cols, self.n_out)).copy()
    for i in range(kh):
        r = i + stride * np.arange(n_rows)
        for j in range(kw):
            c = j + stride * np.arange(n_cols)
            seen = X_pad[:, r[:, None], c[None, :], :]
            Z += np.einsum("nhwc,cf->nhwf", seen, W[i, j], optimize=True)
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
