def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
    """Cross-entropy cost of the predictions."""
    # Bug: summed over the batch instead of averaged (no 1/m).
    return float(-np.sum(Y * np.log(Y_hat)))
