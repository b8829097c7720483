"""Weight initializers: `initialize_weights(name, activation, mode)` returns an object called as
`init(shape)` that draws a float64 array from numpy's global random state (seed it with
`np.random.seed`).

Fans are the first and last dimensions of the shape: a fully-connected weight (n_in, n_out) has
fan_in n_in and fan_out n_out; a conv kernel (kernel_rows, kernel_cols, in_channels, out_channels)
has fan_in kernel_rows and fan_out out_channels. Gains: relu sqrt(2), tanh 5/3, any other 1.
"""

from abc import ABC, abstractmethod

import numpy as np


def _calculate_gain(activation):
    if activation == "relu":
        return np.sqrt(2.0)
    if activation == "tanh":
        return 5.0 / 3.0
    return 1.0


def _calculate_fans(shape):
    return shape[0], shape[-1]


class WeightInitializer(ABC):
    """Base of the initializers: `activation` sets the gain, `mode` the fan of the He initializers."""

    def __init__(self, activation=None, mode="fan_in"):
        if mode not in ("fan_in", "fan_out"):
            raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
        self.activation = activation
        self.mode = mode
        self.gain = _calculate_gain(activation)

    def _fan(self, shape):
        fan_in, fan_out = _calculate_fans(shape)
        return fan_in if self.mode == "fan_in" else fan_out

    def __call__(self, shape):
        return self.init(tuple(shape))

    @abstractmethod
    def init(self, shape):
        """Draw an array of `shape`."""


class Zeros(WeightInitializer):
    def init(self, shape):
        return np.zeros(shape)


class Ones(WeightInitializer):
    def init(self, shape):
        return np.ones(shape)


class Identity(WeightInitializer):
    """The identity matrix (zeros off the diagonal) of a 2-D shape."""

    def init(self, shape):
        if len(shape) != 2:
            raise ValueError(f"the identity initializer needs a 2-D shape, got {shape}")
        return np.eye(shape[0], shape[1])


class Uniform(WeightInitializer):
    """U(-1, 1)."""

    def init(self, shape):
        return np.random.uniform(-1.0, 1.0, size=shape)


class Normal(WeightInitializer):
    """N(0, 1)."""

    def init(self, shape):
        return np.random.normal(0.0, 1.0, size=shape)


class Constant(WeightInitializer):
    """Every weight 0.5."""

    def __init__(self, activation=None, mode="fan_in", value=0.5):
        super().__init__(activation, mode)
        self.value = value

    def init(self, shape):
        return np.full(shape, self.value)


class Sparse(WeightInitializer):
    """N(0, 0.01^2) weights of which a random 90% along the first axis are zero, per column."""

    def __init__(self, activation=None, mode="fan_in", sparsity=0.9, std=0.01):
        super().__init__(activation, mode)
        self.sparsity, self.std = sparsity, std

    def init(self, shape):
        W = np.random.normal(0.0, self.std, size=shape)
        n_zero = int(np.ceil(self.sparsity * shape[0]))
        for column in np.ndindex(*shape[1:]):
            rows = np.random.permutation(shape[0])[:n_zero]
            W[(rows, *column)] = 0.0
        return W


class HeUniform(WeightInitializer):
    """U(-a, a) with a = sqrt(3) * gain / sqrt(fan)."""

    def init(self, shape):
        bound = np.sqrt(3.0) * self.gain / np.sqrt(self._fan(shape))
        return np.random.uniform(-bound, bound, size=shape)


class HeNormal(WeightInitializer):
    """N(0, std^2) with std = gain / sqrt(fan)."""

    def init(self, shape):
        return np.random.normal(0.0, self.gain / np.sqrt(self._fan(shape)), size=shape)


class XavierUniform(WeightInitializer):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""

    def init(self, shape):
        fan_in, fan_out = _calculate_fans(shape)
        bound = self.gain * np.sqrt(6.0 / (fan_in + fan_out))
        return np.random.uniform(-bound, bound, size=shape)


class XavierNormal(WeightInitializer):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""

    def init(self, shape):
        fan_in, fan_out = _calculate_fans(shape)
        return np.random.normal(0.0, self.gain * np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


_INITIALIZERS = {
    "zeros": Zeros,
    "ones": Ones,
    "identity": Identity,
    "uniform": Uniform,
    "normal": Normal,
    "constant": Constant,
    "sparse": Sparse,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "xavier_uniform": XavierUniform,
    "xavier_normal": XavierNormal,
}


def initialize_weights(name, activation=None, mode="fan_in"):
    """Factory: the initializer called `name`, for a layer with `activation`."""
    if name not in _INITIALIZERS:
        raise ValueError(f"unknown weight initializer {name!r}: choose one of {', '.join(_INITIALIZERS)}")
    return _INITIALIZERS[name](activation=activation, mode=mode)
