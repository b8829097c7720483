def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass with im2col: dW = cols^T dZ, and dX folds dZ W^T back (col2im)."""
    X, Z, W = self.cache["X"], self.cache["Z"], self.parameters["W"]
    dZ = self.activation.backward(Z, dLdY)
    cols, _ = _im2col(X, self.kernel_shape, self.pad, self.stride)
    dZ_rows = dZ.reshape(-1, self.n_out)
    self.gradients["W"] = (cols.T @ dZ_rows).reshape(W.shape)
    self.gradients["b"] = dZ_rows.sum(axis=0, keepdims=True)
    dcols = dZ_rows @ W.reshape(-1, self.n_out).T
    return _col2im(dcols, X.shape, self.kernel_shape, self.pad, self.stride)
