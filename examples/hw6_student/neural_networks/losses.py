"""Costs over a batch: `forward(Y, Y_hat) -> float`, `backward(Y, Y_hat) -> dL/dY_hat`."""

from abc import ABC, abstractmethod

import numpy as np


class Loss(ABC):
    """Interface of a loss."""

    def __call__(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        return self.forward(Y, Y_hat)

    @abstractmethod
    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """Return the cost of predictions `Y_hat` for targets `Y` (same shapes)."""

    @abstractmethod
    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """Return the gradient of the cost with respect to `Y_hat`."""


def initialize_loss(name: str) -> Loss:
    """Factory: the loss called `name` ("cross_entropy" or "l2")."""
    if name == "cross_entropy":
        return CrossEntropy(name)
    if name == "l2":
        return L2(name)
    raise ValueError(f"unknown loss {name!r}: choose 'cross_entropy' or 'l2'")


class CrossEntropy(Loss):
    """Cross entropy loss function."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        return self.forward(Y, Y_hat)

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """Computes the loss for predictions `Y_hat` given one-hot encoded labels
        `Y`: J = -(1/m) sum_i sum_k Y[i, k] ln Y_hat[i, k].

        Parameters
        ----------
        Y      one-hot encoded labels of shape (batch_size, num_classes)
        Y_hat  model predictions in range (0, 1) of shape (batch_size, num_classes)

        Returns
        -------
        a single float representing the loss
        """
        m = Y.shape[0]
        return float(-np.sum(Y * np.log(Y_hat)) / m)

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """Backward pass of cross-entropy loss.
        NOTE: This is correct ONLY when the loss function is SoftMax.

        Parameters
        ----------
        Y      one-hot encoded labels of shape (batch_size, num_classes)
        Y_hat  model predictions in range (0, 1) of shape (batch_size, num_classes)

        Returns
        -------
        the gradient of the cross-entropy loss with respect to the vector of
        predictions, `Y_hat`
        """
        m = Y.shape[0]
        return -Y / Y_hat / m


class L2(Loss):
    """Mean squared error loss (optional)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        return self.forward(Y, Y_hat)

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """Compute the mean squared error loss for predictions `Y_hat` given
        regression targets `Y`: J = (1/(2m)) sum_i ||Y_hat[i] - Y[i]||^2.

        Parameters
        ----------
        Y      vector of regression targets of shape (batch_size, 1)
        Y_hat  vector of predictions of shape (batch_size, 1)

        Returns
        -------
        a single float representing the loss
        """
        raise NotImplementedError("YOUR CODE HERE")

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """Backward pass for mean squared error loss: (Y_hat - Y) / m.

        Parameters
        ----------
        Y      vector of regression targets of shape (batch_size, 1)
        Y_hat  vector of predictions of shape (batch_size, 1)

        Returns
        -------
        the derivative of the mean squared error with respect to the last layer
        of the neural network
        """
        raise NotImplementedError("YOUR CODE HERE")
