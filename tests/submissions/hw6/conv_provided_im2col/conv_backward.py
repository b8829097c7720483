def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass with im2col / col2im."""
    X, Z, X_col = self.cache["X"], self.cache["Z"], self.cache["X_col"]
    W = self.parameters["W"]
    out_channels = W.shape[3]
    dLdZ = self.activation.backward(Z, dLdY)
    dZ_col = dLdZ.transpose(3, 0, 1, 2).reshape(out_channels, -1)
    self.gradients["W"] = (dZ_col @ X_col.T).T.reshape(W.shape)
    self.gradients["b"] = dZ_col.sum(axis=1).reshape(1, -1)
    dX_col = W.reshape(-1, out_channels) @ dZ_col
    return col2im(dX_col, X.shape, W.shape, self.pad, self.stride)
