"""Layers: fully-connected, 2-D convolution, 2-D pooling, flatten; batched, NHWC images."""

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal

import numpy as np

from neural_networks.activations import initialize_activation
from neural_networks.weights import initialize_weights


class Layer(ABC):
    """Interface of a layer: `forward(X)`, `backward(dLdY)`, and the dictionaries `parameters`,
    `gradients` (same keys) and `cache` (what backward needs from forward)."""

    def __init__(self):
        self.activation = None
        self.n_in = None
        self.n_out = None
        self.parameters = {}
        self.cache = {}
        self.gradients = {}
        super().__init__()

    @abstractmethod
    def forward(self, z: np.ndarray) -> np.ndarray:
        """The layer's output for a batch."""

    def clear_gradients(self) -> None:
        """Zero the gradients; keep the cache's keys, emptying their values."""
        self.cache = OrderedDict((key, []) for key in self.cache)
        self.gradients = OrderedDict((key, np.zeros_like(value)) for key, value in self.gradients.items())

    def forward_with_param(self, param_name: str, X: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """A function of one parameter's value: it sets `parameters[param_name]` to its argument
        and returns `forward(X)` (for gradient checks, with `X` fixed)."""

        def with_value(param_val: np.ndarray) -> np.ndarray:
            self.parameters[param_name] = param_val
            return self.forward(X)

        return with_value

    def _get_parameters(self) -> list[np.ndarray]:
        return list(self.parameters.values())

    def _get_cache(self) -> list[np.ndarray]:
        return list(self.cache.values())

    def _get_gradients(self) -> list[np.ndarray]:
        return list(self.gradients.values())


def _resolve_pad(pad, kernel_shape) -> tuple[int, int]:
    """Padding per side as a pair (rows, cols), as Conv2D and Pool2D resolve `pad`."""
    if pad == "same":
        return ((kernel_shape[0] - 1) // 2, (kernel_shape[1] - 1) // 2)
    if pad == "valid":
        return (0, 0)
    if isinstance(pad, int):
        return (pad, pad)
    raise ValueError(f"Invalid Pad mode found in self.pad: {pad!r}")


def initialize_layer(
    name: str,
    activation: str = None,
    weight_init: str = None,
    n_out: int = None,
    kernel_shape: tuple[int, int] = None,
    stride: int = None,
    pad: int = None,
    mode: str = None,
    keep_dim: str = "first",
) -> Layer:
    """Factory function for layers. Arguments are passed on as given (None too): the entries of
    `layer_args` must set what the layer needs (weight_init; stride, pad and mode for images)."""
    if name == "fully_connected":
        return FullyConnected(n_out=n_out, activation=activation, weight_init=weight_init)
    elif name == "conv2d":
        return Conv2D(
            n_out=n_out,
            activation=activation,
            kernel_shape=kernel_shape,
            stride=stride,
            pad=pad,
            weight_init=weight_init,
        )
    elif name == "pool2d":
        return Pool2D(kernel_shape=kernel_shape, mode=mode, stride=stride, pad=pad)
    elif name == "flatten":
        return Flatten(keep_dim=keep_dim)
    else:
        raise ValueError(f"unknown layer type {name!r}: choose fully_connected, conv2d, pool2d or flatten")


class FullyConnected(Layer):
    """A fully-connected layer multiplies its input by a weight matrix, adds
    a bias, and then applies an activation function.
    """

    def __init__(self, n_out: int, activation: str, weight_init="xavier_uniform") -> None:
        super().__init__()
        self.n_in = None
        self.n_out = n_out
        self.activation = initialize_activation(activation)

        # instantiate the weight initializer
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: tuple[int, int]) -> None:
        """Initialize all layer parameters (weights, biases): W of shape (n_in, n_out) drawn with
        `self.init_weights`, b zeros of shape (1, n_out), in an OrderedDict `parameters`; the
        `gradients` zeros with the same keys and shapes; an empty `cache` for backprop."""
        self.n_in = X_shape[1]

        W = self.init_weights((self.n_in, self.n_out))
        b = np.zeros((1, self.n_out))

        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache = OrderedDict()  # cache for backprop
        # parameter gradients initialized to zero; MUST HAVE THE SAME KEYS AS `self.parameters`
        self.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Forward pass: multiply by a weight matrix, add a bias, apply activation.
        Also, store all necessary intermediate results in the `cache` dictionary
        to be able to compute the backward pass.

        Parameters
        ----------
        X  input matrix of shape (batch_size, input_dim)

        Returns
        -------
        a matrix of shape (batch_size, output_dim)
        """
        # initialize layer parameters if they have not been initialized
        if self.n_in is None:
            self._init_parameters(X.shape)

        Z = X @ self.parameters["W"] + self.parameters["b"]
        self.cache["X"] = X
        self.cache["Z"] = Z
        return self.activation(Z)

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
        X, Z = self.cache["X"], self.cache["Z"]
        dZ = self.activation.backward(Z, dLdY)
        self.gradients["W"] = X.T @ dZ
        self.gradients["b"] = np.sum(dZ, axis=0, keepdims=True)
        return dZ @ self.parameters["W"].T


class Conv2D(Layer):
    """Convolutional layer for inputs with 2 spatial dimensions."""

    def __init__(
        self,
        n_out: int,
        kernel_shape: tuple[int, int],
        activation: str,
        stride: int = 1,
        pad: str = "same",
        weight_init: str = "xavier_uniform",
    ) -> None:
        super().__init__()
        self.n_in = None
        self.n_out = n_out
        self.kernel_shape = kernel_shape
        self.stride = stride
        self.pad = pad

        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: tuple[int, int, int, int]) -> None:
        """Initialize the parameters from the input's shape and resolve `self.pad` to a pair
        (rows, cols): "same" -> ((kernel_rows - 1) // 2, (kernel_cols - 1) // 2), "valid" -> (0, 0),
        an int p -> (p, p). Until the first forward pass `self.pad` is what the constructor got."""
        self.n_in = X_shape[3]
        W_shape = self.kernel_shape + (self.n_in, self.n_out)
        W = self.init_weights(W_shape)
        b = np.zeros((1, self.n_out))
        self.parameters = OrderedDict([("W", W), ("b", b)])
        self.cache = OrderedDict([("Z", []), ("X", [])])
        self.gradients = OrderedDict([("W", np.zeros_like(W)), ("b", np.zeros_like(b))])
        self.pad = _resolve_pad(self.pad, W_shape[:2])

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Forward pass for convolutional layer. This layer convolves the input
        `X` with a filter of weights, adds a bias term, and applies an activation
        function to compute the output. This layer also supports padding and
        integer strides. Intermediates necessary for the backward pass are stored
        in the cache.

        Parameters
        ----------
        X  input with shape (batch_size, in_rows, in_cols, in_channels)

        Returns
        -------
        output feature maps with shape (batch_size, out_rows, out_cols, out_channels)
        """
        if self.n_in is None:
            self._init_parameters(X.shape)

        W = self.parameters["W"]
        b = self.parameters["b"]

        kernel_height, kernel_width, in_channels, out_channels = W.shape
        n_examples, in_rows, in_cols, in_channels = X.shape
        kernel_shape = (kernel_height, kernel_width)

        (ph, pw), s = self.pad, self.stride
        X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
        out_rows = (in_rows + 2 * ph - kernel_shape[0]) // s + 1
        out_cols = (in_cols + 2 * pw - kernel_shape[1]) // s + 1
        # One matrix product per kernel position, each over the whole batch.
        Z = np.zeros((n_examples, out_rows, out_cols, out_channels))
        for i in range(kernel_height):
            for j in range(kernel_width):
                rows = slice(i, i + s * (out_rows - 1) + 1, s)
                cols = slice(j, j + s * (out_cols - 1) + 1, s)
                Z += X_pad[:, rows, cols] @ W[i, j]
        Z += b.reshape(-1)
        self.cache["Z"] = Z
        self.cache["X"] = X
        return self.activation(Z)

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
        raise NotImplementedError("YOUR CODE HERE")


class Pool2D(Layer):
    """Pooling layer, implements max and average pooling."""

    def __init__(
        self,
        kernel_shape: tuple[int, int],
        mode: str = "max",
        stride: int = 1,
        pad: int | Literal["same"] | Literal["valid"] = 0,
    ) -> None:
        # (Layer.__init__ is not called: a pooling layer has no activation, n_in or n_out.)
        if isinstance(kernel_shape, int):
            kernel_shape = (kernel_shape, kernel_shape)
        self.kernel_shape = kernel_shape
        self.stride = stride
        self.pad = _resolve_pad(pad, kernel_shape)
        self.mode = mode
        if mode == "max":
            self.pool_fn, self.arg_pool_fn = np.max, np.argmax
        elif mode == "average":
            self.pool_fn = np.mean
        self.cache = {key: [] for key in ("out_rows", "out_cols", "X_pad", "p", "pool_shape")}
        self.parameters = {}
        self.gradients = {}

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Forward pass: use the pooling function to aggregate local information
        in the input. This layer typically reduces the spatial dimensionality of
        the input while keeping the number of feature maps the same.

        As with all other layers, please make sure to cache the appropriate
        information for the backward pass.

        Parameters
        ----------
        X  input array of shape (batch_size, in_rows, in_cols, channels)

        Returns
        -------
        pooled array of shape (batch_size, out_rows, out_cols, channels)
        """
        (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
        X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))  # zeros, as for Conv2D
        out_rows = (X_pad.shape[1] - kh) // s + 1
        out_cols = (X_pad.shape[2] - kw) // s + 1
        # Each kernel position gives one element of every window at once.
        windows = [
            X_pad[:, i : i + s * (out_rows - 1) + 1 : s, j : j + s * (out_cols - 1) + 1 : s]
            for i in range(kh)
            for j in range(kw)
        ]
        X_pool = np.max(windows, axis=0) if self.mode == "max" else np.sum(windows, axis=0) / (kh * kw)
        self.cache["out_rows"], self.cache["out_cols"] = out_rows, out_cols
        self.cache["X_pad"], self.cache["p"] = X_pad, (ph, pw)
        self.cache["pool_shape"] = X_pool.shape
        self.cache["X_pool"] = X_pool
        return X_pool

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
        raise NotImplementedError("YOUR CODE HERE")


class Flatten(Layer):
    """Reshape (batch, ...) to (batch, features) (keep_dim "first"), to (..., last axis)
    ("last"), or to a single row (-1)."""

    def __init__(self, keep_dim: str = "first") -> None:
        super().__init__()
        self.keep_dim = keep_dim
        self._init_params()

    def _init_params(self):
        self.X = []
        self.parameters, self.gradients = {}, {}
        self.cache = {"in_dims": []}

    def forward(self, X: np.ndarray, retain_derived: bool = True) -> np.ndarray:
        self.cache["in_dims"] = X.shape
        if self.keep_dim == "first":
            return X.reshape(X.shape[0], -1)
        if self.keep_dim == -1:
            return X.reshape(1, -1)
        return X.reshape(-1, X.shape[-1])

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        return dLdY.reshape(self.cache["in_dims"])
