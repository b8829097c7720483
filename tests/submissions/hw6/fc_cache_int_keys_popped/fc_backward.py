def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass; takes X and Z out of the cache."""
    X = self.cache.pop(0)
    Z = self.cache.pop(1)
    dLdZ = self.activation.backward(Z, dLdY)
    self.gradients["W"] = X.T @ dLdZ
    self.gradients["b"] = np.sum(dLdZ, axis=0, keepdims=True)
    return dLdZ @ self.parameters["W"].T
