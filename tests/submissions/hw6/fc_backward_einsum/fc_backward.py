def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass with einsum contractions over the batch index n."""
    X, Z = self.cache["X"], self.cache["Z"]
    W = self.parameters["W"]
    dZ = self.activation.backward(Z, dLdY)
    self.gradients["W"] = np.einsum("ni,nj->ij", X, dZ, optimize=True)
    self.gradients["b"] = np.einsum("nj->j", dZ).reshape(1, -1)
    return np.einsum("nj,ij->ni", dZ, W, optimize=True)
