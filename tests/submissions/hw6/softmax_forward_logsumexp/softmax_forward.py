def forward(self, Z: np.ndarray) -> np.ndarray:
    """Forward pass through the log domain: log softmax = z - logsumexp(z), with the
    log-sum-exp computed stably around the row maximum."""
    top = Z.max(axis=1, keepdims=True)
    log_norm = top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))
    return np.exp(Z - log_norm)
