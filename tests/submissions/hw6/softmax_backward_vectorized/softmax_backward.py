def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass without forming the Jacobian: dZ = dY * s - s * sum(dY * s) row by row."""
    s = self.forward(Z)
    weighted = dY * s
    return weighted - s * weighted.sum(axis=1, keepdims=True)
