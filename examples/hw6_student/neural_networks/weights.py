"""Weight initializers: `initialize_weights(name)` returns a function shape -> array.

All initializers draw from numpy's global random state (seed it with `np.random.seed`)
and return float64 arrays.
"""

from collections.abc import Callable, Sequence

import numpy as np

Initializer = Callable[[Sequence[int]], np.ndarray]


def _calculate_fan(shape: Sequence[int]) -> tuple[int, int]:
    """Return (fan_in, fan_out) of a weight array of shape (..., n_in, n_out).

    A fully-connected weight (n_in, n_out) has fans n_in and n_out; a conv kernel
    (kh, kw, c_in, c_out) has fans kh * kw * c_in and kh * kw * c_out.
    """
    if len(shape) < 2:
        raise ValueError(f"cannot compute fans of a weight with shape {tuple(shape)}")
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _calculate_gain(activation: str | None) -> float:
    """Scale of the He initializers for the layer's activation (as in PyTorch)."""
    if activation in (None, "relu"):
        return np.sqrt(2.0)
    if activation == "tanh":
        return 5.0 / 3.0
    return 1.0


def _select_fan(shape: Sequence[int], mode: str) -> int:
    fan_in, fan_out = _calculate_fan(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")


def xavier_uniform(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out))."""

    def init(shape: Sequence[int]) -> np.ndarray:
        fan_in, fan_out = _calculate_fan(shape)
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return np.random.uniform(-bound, bound, size=shape)

    return init


def xavier_normal(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """Glorot normal: N(0, std^2) with std = sqrt(2 / (fan_in + fan_out))."""

    def init(shape: Sequence[int]) -> np.ndarray:
        fan_in, fan_out = _calculate_fan(shape)
        return np.random.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)

    return init


def he_uniform(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """He uniform: U(-a, a) with a = gain * sqrt(3 / fan); gain is sqrt(2) for ReLU."""
    gain = _calculate_gain(activation)

    def init(shape: Sequence[int]) -> np.ndarray:
        bound = gain * np.sqrt(3.0 / _select_fan(shape, mode))
        return np.random.uniform(-bound, bound, size=shape)

    return init


def he_normal(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """He normal: N(0, std^2) with std = gain / sqrt(fan); gain is sqrt(2) for ReLU."""
    gain = _calculate_gain(activation)

    def init(shape: Sequence[int]) -> np.ndarray:
        return np.random.normal(0.0, gain / np.sqrt(_select_fan(shape, mode)), size=shape)

    return init


def uniform(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """Small uniform weights, U(-0.05, 0.05)."""

    def init(shape: Sequence[int]) -> np.ndarray:
        return np.random.uniform(-0.05, 0.05, size=shape)

    return init


def normal(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """Small normal weights, N(0, 0.05^2)."""

    def init(shape: Sequence[int]) -> np.ndarray:
        return np.random.normal(0.0, 0.05, size=shape)

    return init


def zeros(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """All-zero weights."""
    return lambda shape: np.zeros(shape)


def ones(activation: str | None = None, mode: str = "fan_in") -> Initializer:
    """All-one weights."""
    return lambda shape: np.ones(shape)


_INITIALIZERS = {
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "uniform": uniform,
    "normal": normal,
    "zeros": zeros,
    "ones": ones,
}


def initialize_weights(
    name: str | None = "xavier_uniform", activation: str | None = None, mode: str = "fan_in"
) -> Initializer:
    """Factory: the initializer called `name` (None means "xavier_uniform").

    `activation` (the layer's activation name) sets the gain of the He initializers;
    `mode` ("fan_in" or "fan_out") picks the fan they scale by.
    """
    key = "xavier_uniform" if name is None else name
    if key not in _INITIALIZERS:
        raise ValueError(f"unknown weight initializer {name!r}; choose one of {sorted(_INITIALIZERS)}")
    return _INITIALIZERS[key](activation=activation, mode=mode)
