def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass for relu: pass dY where the unit was active, 0 elsewhere."""
    return np.where(Z > 0, dY, 0.0)
