def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass for relu activation."""
    # Bug: the mask is taken on the ReLU's output with >=, and max(z, 0) >= 0 always holds,
    # so the gradient passes everywhere, also where the unit was off (Z < 0).
    Y = self.forward(Z)
    return dY * (Y >= 0)
