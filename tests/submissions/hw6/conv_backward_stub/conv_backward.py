def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for conv layer. Computes the gradients of the output
    with respect to the input feature maps as well as the filter weights and
    biases.

    Parameters
    ----------
    dLdY  derivative of loss with respect to output of this layer
          shape (batch_size, out_rows, out_cols, out_channels)

    Returns
    -------
    derivative of the loss with respect to the input of this layer
    shape (batch_size, in_rows, in_cols, in_channels)
    """
    pass
