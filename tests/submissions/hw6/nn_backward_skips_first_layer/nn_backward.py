def backward(self, target: np.ndarray, out: np.ndarray) -> float:
    """Backward pass through the network."""
    loss = self.loss.forward(target, out)
    dLdY = self.loss.backward(target, out)
    # Bug: off by one, the first layer is never backpropagated (its gradients stay zero).
    for i in range(self.n_layers - 1, 0, -1):
        dLdY = self.layers[i].backward(dLdY)
    return float(loss)
