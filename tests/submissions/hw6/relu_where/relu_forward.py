def forward(self, Z: np.ndarray) -> np.ndarray:
    """Forward pass for relu, selecting with np.where."""
    return np.where(Z > 0, Z, 0.0)
