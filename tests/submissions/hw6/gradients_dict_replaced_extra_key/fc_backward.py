def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for the fully connected layer."""
    X = self.cache["X"]
    Z = self.cache["Z"]
    W = self.parameters["W"]
    dLdZ = self.activation.backward(Z, dLdY)
    dLdX = dLdZ @ W.T
    dLdW = X.T @ dLdZ
    dLdb = dLdZ.sum(axis=0, keepdims=True)
    self.gradients = {"W": dLdW, "b": dLdb, "X": dLdX}
    return dLdX
