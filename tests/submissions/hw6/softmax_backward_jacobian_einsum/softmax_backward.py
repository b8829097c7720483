def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass: the whole batch of Jacobians as one (m, k, k) array, built and applied with einsum."""
    S = self.forward(Z)
    k = S.shape[-1]
    jacobians = np.einsum("ni,ij->nij", S, np.eye(k)) - np.einsum("ni,nj->nij", S, S)
    return np.einsum("ni,nij->nj", dY, jacobians)
