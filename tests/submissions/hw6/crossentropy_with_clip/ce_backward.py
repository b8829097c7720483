def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
    """Gradient of the (clipped) cross-entropy with respect to the predictions."""
    P = np.clip(Y_hat, 1e-15, 1.0)
    return -(Y / P) / len(Y)
