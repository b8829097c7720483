def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass for fully connected layer.
    Compute the gradients of the loss with respect to:
        1. the weights of this layer (mutate the `gradients` dictionary)
        2. the bias of this layer (mutate the `gradients` dictionary)
        3. the input of this layer (return this)

    Parameters
    ----------
    dLdY  derivative of the loss with respect to the output of this layer
          shape (batch_size, output_dim)

    Returns
    -------
    derivative of the loss with respect to the input of this layer
    shape (batch_size, input_dim)
    """
    return ...
