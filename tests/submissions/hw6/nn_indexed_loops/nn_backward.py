def backward(self, target: np.ndarray, out: np.ndarray) -> float:
    """Backward pass: the loss's gradient, then every layer from the last to the first."""
    grad = self.loss.backward(target, out)
    for i in range(self.n_layers - 1, -1, -1):
        grad = self.layers[i].backward(grad)
    return self.loss(target, out)
