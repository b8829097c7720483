def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
    """Cross-entropy, with predictions clipped away from 0 so that log never gives -inf."""
    P = np.clip(Y_hat, 1e-15, 1.0)
    per_example = -np.sum(Y * np.log(P), axis=1)
    return float(np.mean(per_example))
