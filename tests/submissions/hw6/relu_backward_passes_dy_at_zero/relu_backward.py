def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass for relu, counting z = 0 as active."""
    return dY * (Z >= 0)
