"""Activation functions (element-wise; row-wise for SoftMax) and their backward passes."""

from abc import ABC, abstractmethod

import numpy as np


class Activation(ABC):
    """Interface of an activation: `forward(Z) -> Y` and `backward(Z, dY) -> dZ`."""

    def __init__(self) -> None:
        super().__init__()

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.forward(Z)

    @abstractmethod
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Apply the activation to the pre-activations `Z`."""

    @abstractmethod
    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """Given `dY = dL/dY` for `Y = forward(Z)`, return `dL/dZ` (shaped like `Z`)."""


class Linear(Activation):
    """The identity f(z) = z."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Forward pass for f(z) = z."""
        return Z

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """Backward pass for f(z) = z: the gradient passes through unchanged."""
        return dY


class Sigmoid(Activation):
    """The logistic function f(z) = 1 / (1 + exp(-z))."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Forward pass for the sigmoid, computed without overflow for large |z|.

        Parameters
        ----------
        Z  input pre-activations (any shape)

        Returns
        -------
        f(Z) as described above, applied element-wise to `Z`
        """
        raise NotImplementedError("YOUR CODE HERE")

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """Backward pass for the sigmoid: f'(z) = f(z) (1 - f(z)).

        Parameters
        ----------
        Z   input to `forward`
        dY  gradient of the loss with respect to the output of this layer

        Returns
        -------
        gradient of the loss with respect to the input `Z`
        """
        raise NotImplementedError("YOUR CODE HERE")


class TanH(Activation):
    """The hyperbolic tangent f(z) = tanh(z)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Forward pass for f(z) = tanh(z)."""
        return np.tanh(Z)

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """Backward pass for tanh: f'(z) = 1 - tanh(z)^2."""
        return dY * (1.0 - np.tanh(Z) ** 2)


class ReLU(Activation):
    """The rectified linear unit f(z) = max(z, 0)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Forward pass for relu activation: f(z) = z if z >= 0, 0 otherwise.

        Parameters
        ----------
        Z  input pre-activations (any shape)

        Returns
        -------
        f(Z) as described above, applied element-wise to `Z`
        """
        return np.maximum(Z, 0.0)

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """Backward pass for relu activation: dL/dZ = dY where Z > 0, 0 elsewhere.

        Parameters
        ----------
        Z   input to `forward`
        dY  gradient of the loss with respect to the output of this layer

        Returns
        -------
        gradient of the loss with respect to the input `Z`
        """
        return dY * (Z > 0)


class SoftMax(Activation):
    """Softmax over the last axis: f(z)_i = exp(z_i) / sum_j exp(z_j)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Forward pass for softmax, shifting each row by its maximum for
        numerical stability (exp never overflows).

        Parameters
        ----------
        Z  input pre-activations of shape (batch_size, num_classes)

        Returns
        -------
        row-wise probabilities of shape (batch_size, num_classes)
        """
        E = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
        return E / np.sum(E, axis=-1, keepdims=True)

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """Backward pass for softmax. We recommend vectorizing it over the batch; for this
        method only, a loop over the examples of the batch is allowed.

        The Jacobian of one row is d sigma_i / d z_j = sigma_i (delta_ij - sigma_j).

        Parameters
        ----------
        Z   input to `forward`, shape (batch_size, num_classes)
        dY  gradient of the loss with respect to the output of this layer

        Returns
        -------
        gradient of the loss with respect to the input `Z`
        """
        S = self.forward(Z)
        # Row-wise Jacobian-vector product: dZ_j = sum_i dY_i S_i (delta_ij - S_j).
        return S * (dY - np.einsum("...i,...i->...", dY, S)[..., None])


class ArcTan(Activation):
    """The inverse tangent f(z) = arctan(z)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Forward pass for f(z) = arctan(z)."""
        return np.arctan(Z)

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """Backward pass for arctan: f'(z) = 1 / (1 + z^2)."""
        return dY / (1.0 + Z**2)


_ACTIVATIONS = {"linear": Linear, "sigmoid": Sigmoid, "tanh": TanH, "arctan": ArcTan, "relu": ReLU, "softmax": SoftMax}


def initialize_activation(name: str) -> Activation:
    """Factory: the activation called `name` (linear, sigmoid, tanh, arctan, relu, softmax)."""
    if name not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]()
