def predict(self, X: np.ndarray, Y: np.ndarray) -> tuple:
    """Predictions and their loss, no gradients."""
    Y_hat = self.forward(X)
    return Y_hat, self.loss.forward(Y, Y_hat)
