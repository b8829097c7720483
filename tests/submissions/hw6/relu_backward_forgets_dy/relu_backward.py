def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass for relu activation."""
    # Bug: returns the local derivative f'(Z) alone and forgets the chain rule (no dY).
    return (Z > 0).astype(float)
