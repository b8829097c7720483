"""Layers: fully-connected, 2-D convolution, 2-D pooling, flatten; batched, NHWC images."""

from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Literal

import numpy as np

from .activations import Activation, initialize_activation
from .weights import initialize_weights

Pad = int | tuple[int, int] | Literal["same", "valid"]


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """Turn `k` into `(k, k)`; leave pairs unchanged."""
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    rows, cols = value
    return (int(rows), int(cols))


def _resolve_pad(pad: Pad, kernel_shape: tuple[int, int]) -> tuple[int, int]:
    """Padding (rows, cols) per side: "same" -> ((kh-1)//2, (kw-1)//2), "valid" -> 0."""
    if isinstance(pad, str):
        if pad == "same":
            return ((kernel_shape[0] - 1) // 2, (kernel_shape[1] - 1) // 2)
        if pad == "valid":
            return (0, 0)
        raise ValueError(f"pad must be 'same', 'valid' or a non-negative int, got {pad!r}")
    rows, cols = _pair(pad)
    if rows < 0 or cols < 0:
        raise ValueError(f"pad must be non-negative, got {pad!r}")
    return (rows, cols)


class Layer(ABC):
    """Interface of a layer.

    Attributes
    ----------
    activation  the `Activation` applied by the layer (None for layers without one)
    n_in        number of input units (input channels for images), set by the first
                forward pass
    n_out       number of output units (output channels for images)
    parameters  OrderedDict of the learnable arrays ("W", "b", ...)
    gradients   OrderedDict of dL/d(parameter), with the same keys as `parameters`
    cache       OrderedDict of forward-pass intermediates needed by `backward`
    """

    def __init__(self) -> None:
        self.activation: Activation | None = None
        self.n_in: int | None = None
        self.n_out: int | None = None
        self.parameters: OrderedDict = OrderedDict()
        self.gradients: OrderedDict = OrderedDict()
        self.cache: OrderedDict = OrderedDict()

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)

    @abstractmethod
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute the layer's output for a batch `X`, caching what `backward` needs."""

    @abstractmethod
    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """Given dL/d(output), fill `gradients` and return dL/d(input)."""

    def clear_gradients(self) -> None:
        """Zero the gradients and empty the cache (done after every optimizer step)."""
        self.cache = OrderedDict()
        self.gradients = OrderedDict((k, np.zeros_like(v)) for k, v in self.gradients.items())


def initialize_layer(
    name: str,
    activation: str | None = None,
    weight_init: str | None = None,
    n_out: int | None = None,
    kernel_shape: tuple[int, int] | None = None,
    stride: int | None = None,
    pad: Pad | None = None,
    mode: str | None = None,
    keep_dim: str | int = "first",
) -> Layer:
    """Factory: build a layer from keyword arguments (one entry of `layer_args`).

    `name` is "fully_connected", "conv2d", "pool2d" or "flatten". Arguments left as None
    take the layer's defaults (stride 1, conv pad "same", pool pad 0, mode "max").
    """
    stride = 1 if stride is None else stride
    if name == "fully_connected":
        return FullyConnected(n_out=n_out, activation=activation, weight_init=weight_init)
    if name == "conv2d":
        return Conv2D(
            n_out=n_out,
            kernel_shape=kernel_shape,
            activation=activation,
            stride=stride,
            pad="same" if pad is None else pad,
            weight_init=weight_init,
        )
    if name == "pool2d":
        return Pool2D(kernel_shape=kernel_shape, mode=mode or "max", stride=stride, pad=0 if pad is None else pad)
    if name == "flatten":
        return Flatten(keep_dim=keep_dim)
    raise ValueError(f"unknown layer {name!r}; choose fully_connected, conv2d, pool2d or flatten")


class FullyConnected(Layer):
    """Y = activation(X W + b) for X of shape (batch_size, n_in)."""

    def __init__(self, n_out: int, activation: str | None, weight_init: str | None = "xavier_uniform") -> None:
        super().__init__()
        self.n_out = n_out
        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: tuple[int, int]) -> None:
        """Initialize the parameters from the input shape (batch_size, n_in).

        Sets `parameters` to an OrderedDict with W of shape (n_in, n_out) drawn with
        `self.init_weights` and b of zeros of shape (1, n_out); `gradients` to zeros
        with the same keys and shapes; and `cache` to an empty OrderedDict.
        """
        self.n_in = X_shape[1]
        W = self.init_weights((self.n_in, self.n_out))
        b = np.zeros((1, self.n_out))
        self.parameters = OrderedDict([("W", W), ("b", b)])
        self.gradients = OrderedDict([("W", np.zeros_like(W)), ("b", np.zeros_like(b))])
        self.cache = OrderedDict()

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Forward pass: multiply by the weights, add the bias, apply the activation.

        Stores the input X and the pre-activation Z in `cache` for the backward pass.

        Parameters
        ----------
        X  input matrix of shape (batch_size, n_in)

        Returns
        -------
        output matrix of shape (batch_size, n_out)
        """
        if self.n_in is None:
            self._init_parameters(X.shape)
        Z = X @ self.parameters["W"] + self.parameters["b"]
        self.cache["X"] = X
        self.cache["Z"] = Z
        return self.activation(Z)

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """Backward pass: compute the gradients of the loss with respect to
            1. the weights W (store in `gradients["W"]`, summed over the batch),
            2. the bias b (store in `gradients["b"]`, shape (1, n_out)),
            3. the input X (return it).

        Parameters
        ----------
        dLdY  gradient of the loss with respect to the output, shape (batch_size, n_out)

        Returns
        -------
        gradient of the loss with respect to the input, shape (batch_size, n_in)
        """
        X, Z = self.cache["X"], self.cache["Z"]
        dZ = self.activation.backward(Z, dLdY)
        self.gradients["W"] = X.T @ dZ
        self.gradients["b"] = np.sum(dZ, axis=0, keepdims=True)
        return dZ @ self.parameters["W"].T


class Conv2D(Layer):
    """2-D cross-correlation (no kernel flip) of NHWC inputs, plus bias and activation.

    Weights W have shape (kernel_rows, kernel_cols, n_in, n_out), the bias b (1, n_out).
    `pad` is "same" ((kh-1)//2, (kw-1)//2 zeros on each side), "valid" (none) or an
    int; the output has (in_rows + 2 * pad_rows - kernel_rows) // stride + 1 rows, and
    likewise for columns.
    """

    def __init__(
        self,
        n_out: int,
        kernel_shape: int | tuple[int, int],
        activation: str | None,
        stride: int = 1,
        pad: Pad = "same",
        weight_init: str | None = "xavier_uniform",
    ) -> None:
        super().__init__()
        self.n_out = n_out
        self.kernel_shape = _pair(kernel_shape)
        self.stride = int(stride)
        self.pad = _resolve_pad(pad, self.kernel_shape)
        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: tuple[int, int, int, int]) -> None:
        """Initialize the parameters from the input shape (batch_size, rows, cols, n_in).

        Sets `parameters` to an OrderedDict with W of shape
        (kernel_rows, kernel_cols, n_in, n_out) drawn with `self.init_weights` and b of
        zeros of shape (1, n_out); `gradients` to zeros with the same keys and shapes;
        and `cache` to an empty OrderedDict.
        """
        self.n_in = X_shape[3]
        W = self.init_weights(self.kernel_shape + (self.n_in, self.n_out))
        b = np.zeros((1, self.n_out))
        self.parameters = OrderedDict([("W", W), ("b", b)])
        self.gradients = OrderedDict([("W", np.zeros_like(W)), ("b", np.zeros_like(b))])
        self.cache = OrderedDict()

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Forward pass: cross-correlate the zero-padded input with each filter (with
        `self.stride`), add the bias, apply the activation. Cache what backward needs.

        Parameters
        ----------
        X  input of shape (batch_size, in_rows, in_cols, n_in)

        Returns
        -------
        feature maps of shape (batch_size, out_rows, out_cols, n_out)
        """
        if self.n_in is None:
            self._init_parameters(X.shape)
        W, b = self.parameters["W"], self.parameters["b"]
        (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
        X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
        out_rows = (X_pad.shape[1] - kh) // s + 1
        out_cols = (X_pad.shape[2] - kw) // s + 1
        # One matrix product per kernel position, each over the whole batch.
        Z = np.zeros((X.shape[0], out_rows, out_cols, self.n_out))
        for i in range(kh):
            for j in range(kw):
                rows = slice(i, i + s * (out_rows - 1) + 1, s)
                cols = slice(j, j + s * (out_cols - 1) + 1, s)
                Z += X_pad[:, rows, cols] @ W[i, j]
        Z += b
        self.cache["X"] = X
        self.cache["Z"] = Z
        return self.activation(Z)

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """Backward pass: compute dL/dW and dL/db (store them in `gradients`, summed
        over the batch) and return dL/dX.

        Parameters
        ----------
        dLdY  gradient of the loss with respect to the output,
              shape (batch_size, out_rows, out_cols, n_out)

        Returns
        -------
        gradient of the loss with respect to the input,
        shape (batch_size, in_rows, in_cols, n_in)
        """
        raise NotImplementedError("YOUR CODE HERE")


class Pool2D(Layer):
    """Max or average pooling over each channel of NHWC inputs; no parameters.

    `pad` is as in Conv2D. Max pooling pads with -inf (padding never wins a window);
    average pooling pads with zeros and always divides by kernel_rows * kernel_cols.
    """

    def __init__(
        self,
        kernel_shape: int | tuple[int, int],
        mode: Literal["max", "average"] = "max",
        stride: int = 1,
        pad: Pad = 0,
    ) -> None:
        super().__init__()
        if mode not in ("max", "average"):
            raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
        self.kernel_shape = _pair(kernel_shape)
        self.mode = mode
        self.stride = int(stride)
        self.pad = _resolve_pad(pad, self.kernel_shape)
        if mode == "max" and (self.pad[0] >= self.kernel_shape[0] or self.pad[1] >= self.kernel_shape[1]):
            raise ValueError("max pooling pad must be smaller than the kernel")

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Forward pass: aggregate each kernel_shape window of each channel with the max
        or the mean, moving the window by `self.stride`. Cache what backward needs.

        Parameters
        ----------
        X  input of shape (batch_size, in_rows, in_cols, channels)

        Returns
        -------
        pooled array of shape (batch_size, out_rows, out_cols, channels)
        """
        (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
        fill = -np.inf if self.mode == "max" else 0.0
        X_pad = np.pad(X.astype(float), ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=fill)
        out_rows = (X_pad.shape[1] - kh) // s + 1
        out_cols = (X_pad.shape[2] - kw) // s + 1
        # Each kernel position gives one element of every window at once.
        out = np.full((X.shape[0], out_rows, out_cols, X.shape[3]), fill)
        for i in range(kh):
            for j in range(kw):
                rows = slice(i, i + s * (out_rows - 1) + 1, s)
                cols = slice(j, j + s * (out_cols - 1) + 1, s)
                window = X_pad[:, rows, cols]
                if self.mode == "max":
                    out = np.maximum(out, window)
                else:
                    out += window / (kh * kw)
        self.cache["X_pad"] = X_pad
        self.cache["out"] = out
        return out

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """Backward pass: max pooling routes each window's gradient to the position(s)
        holding the window's maximum; average pooling spreads it evenly over the window.
        Gradients from overlapping windows add up.

        Parameters
        ----------
        dLdY  gradient of the loss with respect to the output,
              shape (batch_size, out_rows, out_cols, channels)

        Returns
        -------
        gradient of the loss with respect to the input,
        shape (batch_size, in_rows, in_cols, channels)
        """
        raise NotImplementedError("YOUR CODE HERE")


class Flatten(Layer):
    """Reshape (batch_size, ...) to (batch_size, prod(...)) ("first"), keep the last
    axis ("last"), or flatten everything into one row (-1)."""

    def __init__(self, keep_dim: str | int = "first") -> None:
        super().__init__()
        if keep_dim not in ("first", "last", -1):
            raise ValueError(f"keep_dim must be 'first', 'last' or -1, got {keep_dim!r}")
        self.keep_dim = keep_dim

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Flatten `X`, remembering its shape for the backward pass."""
        self.cache["in_shape"] = X.shape
        if self.keep_dim == "first":
            return X.reshape(X.shape[0], -1)
        if self.keep_dim == "last":
            return X.reshape(-1, X.shape[-1])
        return X.reshape(1, -1)

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """Reshape the gradient back to the input's shape."""
        return dLdY.reshape(self.cache["in_shape"])
