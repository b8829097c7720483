def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
    """Gradient of the cross-entropy cost with respect to the predictions."""
    # Bug: the gradient of the summed cost (no 1/m), consistent with forward.
    return -Y / Y_hat
