def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for conv layer."""
    pass
