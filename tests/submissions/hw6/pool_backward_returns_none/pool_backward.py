def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for pooling layer.

    Parameters
    ----------
    dLdY  gradient of loss with respect to the output of this layer
          shape (batch_size, out_rows, out_cols, channels)

    Returns
    -------
    gradient of loss with respect to the input of this layer
    shape (batch_size, in_rows, in_cols, channels)
    """
    ### YOUR CODE HERE ###
    dX = None
    return dX
