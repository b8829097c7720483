def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Backward pass, one example at a time, with axis=1 reductions."""
    S = self.forward(Z)
    dZ = np.zeros_like(S)
    for i in range(S.shape[0]):
        s = S[i : i + 1]
        dZ[i] = (s * (dY[i : i + 1] - np.sum(dY[i : i + 1] * s, axis=1, keepdims=True)))[0]
    return dZ
