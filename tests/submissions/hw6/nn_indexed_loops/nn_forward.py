def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass, layer by layer through their indices."""
    out = X
    for i in range(self.n_layers):
        out = self.layers[i].forward(out)
    return out
