"""Finite-difference gradient checks computed by the grader, calling the submission's forward.

The grader perturbs inputs on its own side, in float64, and asks the worker only for forward values,
so a backward pass cannot pass by agreeing with itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .errors import GradingFailure


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar function ``f`` at ``x`` (not modified), in float64."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        plus = float(f(x.copy()))
        x[index] = old - eps
        minus = float(f(x.copy()))
        x[index] = old
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a|, |b|, tiny): scale-free, as in the course's gradient-check notebook."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-8)))


def assert_gradient(analytic: object, numeric: np.ndarray, name: str, *, tol: float = 1e-5) -> None:
    """Fail unless the submission's ``analytic`` gradient agrees with the grader's ``numeric`` one."""
    __tracebackhide__ = True
    from .checks import assert_finite, assert_shape

    analytic = assert_shape(analytic, numeric.shape, name)
    assert_finite(analytic, name)
    error = relative_error(analytic, numeric)
    if not error <= tol:
        worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
        worst = tuple(int(i) for i in worst)
        raise GradingFailure(
            f"{name}: disagrees with the grader's finite-difference gradient (relative error "
            f"{error:.3g} > {tol:g}); at index {worst} the backward pass gives "
            f"{float(analytic[worst]):.6g}, finite differences give {float(numeric[worst]):.6g}")
