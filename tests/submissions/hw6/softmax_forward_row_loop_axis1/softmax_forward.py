def forward(self, Z: np.ndarray) -> np.ndarray:
    """Softmax, one row at a time."""
    out = np.zeros_like(Z, dtype=float)
    for i in range(Z.shape[0]):
        e = np.exp(Z[i] - np.max(Z[i]))
        out[i] = e / np.sum(e)
    return out
