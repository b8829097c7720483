def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass for softmax."""
    S = self.forward(Z)
    # Bug: only the diagonal of the Jacobian, s_i (1 - s_i), as if softmax were element-wise
    # like the sigmoid; the off-diagonal terms -s_i s_j are dropped.
    return dY * S * (1.0 - S)
