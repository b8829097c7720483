def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass, accumulating the gradients one training example at a time."""
    X, Z = self.cache["X"], self.cache["Z"]
    W = self.parameters["W"]
    dZ = self.activation.backward(Z, dLdY)
    dW = np.zeros(W.shape)
    db = np.zeros((1, self.n_out))
    dX = np.zeros(X.shape)
    # Not vectorized: a Python loop over the examples of the batch.
    for n in range(X.shape[0]):
        dW += np.outer(X[n], dZ[n])
        db[0] += dZ[n]
        dX[n] = W @ dZ[n]
    self.gradients["W"] = dW
    self.gradients["b"] = db
    return dX
