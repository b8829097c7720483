"""Costs over a batch: `forward(Y, Y_hat) -> float`, `backward(Y, Y_hat) -> dL/dY_hat`."""

from abc import ABC, abstractmethod

import numpy as np


class Loss(ABC):
    """Interface of a loss; `name` is the key used by `initialize_loss`."""

    name = ""

    def __call__(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        return self.forward(Y, Y_hat)

    @abstractmethod
    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """Return the cost of predictions `Y_hat` for targets `Y` (same shapes)."""

    @abstractmethod
    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """Return the gradient of the cost with respect to `Y_hat`."""


class CrossEntropy(Loss):
    """Cross-entropy J = -(1/m) sum_i sum_k Y[i, k] ln Y_hat[i, k] over a batch of m."""

    name = "cross_entropy"

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """Compute the cross-entropy cost of the predictions.

        Parameters
        ----------
        Y      one-hot encoded labels of shape (batch_size, num_classes)
        Y_hat  predicted class probabilities of shape (batch_size, num_classes)

        Returns
        -------
        a single float, the cost averaged over the batch
        """
        m = Y.shape[0]
        return float(-np.sum(Y * np.log(Y_hat)) / m)

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """Gradient of the cross-entropy cost with respect to the predictions.

        Parameters
        ----------
        Y      one-hot encoded labels of shape (batch_size, num_classes)
        Y_hat  predicted class probabilities of shape (batch_size, num_classes)

        Returns
        -------
        dJ/dY_hat, of shape (batch_size, num_classes)
        """
        m = Y.shape[0]
        return -Y / Y_hat / m


class L2(Loss):
    """Squared error J = (1/m) sum_i ||Y_hat[i] - Y[i]||^2: summed over the outputs,
    averaged over the batch of m (no factor 1/2)."""

    name = "l2"

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """Compute the L2 cost of the predictions.

        Parameters
        ----------
        Y      targets of shape (batch_size, num_outputs)
        Y_hat  predictions of shape (batch_size, num_outputs)

        Returns
        -------
        a single float, (1/m) * sum((Y_hat - Y) ** 2)
        """
        raise NotImplementedError("YOUR CODE HERE")

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """Gradient of the L2 cost with respect to the predictions.

        Parameters
        ----------
        Y      targets of shape (batch_size, num_outputs)
        Y_hat  predictions of shape (batch_size, num_outputs)

        Returns
        -------
        dJ/dY_hat = (2/m) * (Y_hat - Y), of shape (batch_size, num_outputs)
        """
        raise NotImplementedError("YOUR CODE HERE")


_LOSSES = {CrossEntropy.name: CrossEntropy, L2.name: L2}


def initialize_loss(name: str) -> Loss:
    """Factory: the loss called `name` ("cross_entropy" or "l2")."""
    if name not in _LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(_LOSSES)}")
    return _LOSSES[name]()
