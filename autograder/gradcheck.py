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


def assert_directional_gradients(evaluate: Callable[[str, np.ndarray], object], base: dict[str, np.ndarray],
                                 analytic: dict[str, object], weights: np.ndarray, what: str, *,
                                 trusted: Callable[[str, np.ndarray], np.ndarray] | None = None,
                                 directions: int = 6, tol: float = 1e-4,
                                 rng: np.random.Generator | None = None) -> None:
    """Check gradients of the objective sum(output * weights) along random directions, hard to game.

    ``evaluate(name, value)`` is the submission's output with the variable ``name`` set to ``value`` (the
    others at ``base``); ``analytic[name]`` its claimed gradient of the objective with respect to that variable.
    For each variable, ``directions`` random unit directions d with random steps h (3e-6 to 3e-5, times the
    variable's scale) give central differences (f(x + h d) - f(x - h d)) / 2h, compared with <analytic, d>: the
    error relative to the larger of the two, or to 1% of the gradient's norm for a direction nearly orthogonal
    to it (where both are small and the differences' truncation would dominate), must be below ``tol``.
    Every evaluation is made in an order drawn here, each one after an evaluation at an unrelated random point,
    so that a forward that recognizes inputs near its last call cannot answer from memory. With ``trusted``
    (the reference's ``evaluate``), an output that stays exactly what it was at another of the points (the
    unmoved input, or the other side of the step) while the reference's changes is reported as answered
    from memory; a forward that is merely wrong is not judged here (its own tests do that).
    """
    __tracebackhide__ = True
    from .checks import as_array, assert_finite

    rng = rng or np.random.default_rng()
    plan = []
    for name, value in base.items():
        value = np.asarray(value, dtype=np.float64)
        scale = max(float(np.max(np.abs(value))), 1.0)
        for _ in range(directions):
            d = rng.normal(size=value.shape)
            d /= np.linalg.norm(d)
            plan.append((name, value, d, scale * 10 ** rng.uniform(-5.5, -4.5)))
    evaluations = [(i, sign) for i in range(len(plan)) for sign in (1, 0, -1)]
    outputs: dict[tuple[int, int], np.ndarray] = {}
    for k in rng.permutation(len(evaluations)):
        i, sign = evaluations[k]
        name, value, d, h = plan[i]
        evaluate(name, value + rng.normal(size=value.shape))  # an unrelated point in between
        outputs[(i, sign)] = as_array(evaluate(name, value + sign * h * d), f"{what}.forward")
    for i, (name, value, d, h) in enumerate(plan):
        if trusted is not None:
            expected = {sign: np.asarray(trusted(name, value + sign * h * d)) for sign in (1, 0, -1)}
            for a, b in ((1, 0), (-1, 0), (1, -1)):
                if np.array_equal(outputs[(i, a)], outputs[(i, b)]) and not np.array_equal(expected[a], expected[b]):
                    raise GradingFailure(
                        f"{what}: forward gave exactly the same output for two different inputs (moved by {h:.2g} "
                        f"along a direction of {name}), where the computation differs: the output must be "
                        "computed from the input every time, not recalled")
        grad = assert_finite(as_array(analytic[name], f"{what}: gradient of {name}"), f"{what}: gradient of {name}")
        if grad.size != d.size:
            raise GradingFailure(f"{what}: the gradient of {name} has shape {grad.shape}, expected {d.shape}")
        numeric = float(np.sum((outputs[(i, 1)] - outputs[(i, -1)]) * weights)) / (2 * h)
        claimed = float(np.sum(grad.reshape(d.shape) * d))
        error = abs(numeric - claimed) / max(abs(numeric), abs(claimed), 0.01 * float(np.linalg.norm(grad)), 1e-8)
        if not error <= tol:
            raise GradingFailure(
                f"{what}: the gradient of {name} disagrees with the grader's finite differences along a random "
                f"direction (relative error {error:.3g} > {tol:g}: the backward pass gives {claimed:.6g}, finite "
                f"differences {numeric:.6g})")
