def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for pooling layer."""
    ### YOUR CODE HERE ###
    dX = None
    return dX
