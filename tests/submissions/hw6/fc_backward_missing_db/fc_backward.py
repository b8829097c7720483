def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for the fully-connected layer."""
    X, Z = self.cache["X"], self.cache["Z"]
    dZ = self.activation.backward(Z, dLdY)
    self.gradients["W"] = X.T @ dZ
    # Bug: the bias gradient is never computed; it stays zero.
    self.gradients["b"] = np.zeros_like(self.parameters["b"])
    return dZ @ self.parameters["W"].T
