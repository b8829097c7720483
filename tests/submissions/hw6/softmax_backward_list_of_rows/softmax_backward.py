def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
    """Per example: the Jacobian diag(s) - s s^T times dY's row; the rows returned as a list."""
    S = self.forward(Z)
    rows = []
    for s, dy in zip(S, dY):
        jacobian = np.diag(s) - np.outer(s, s)
        rows.append(jacobian @ dy)
    return rows
