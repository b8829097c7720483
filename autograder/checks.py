"""Comparisons the grader makes on its side, with messages a student can act on.

Each ``assert_*`` raises ``GradingFailure`` saying what was expected and what came: shape, dtype,
how many elements differ, the largest absolute and relative error, the first mismatching index.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import GradingFailure

__tracebackhide__ = True


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    from .session import RemoteObject

    if isinstance(value, RemoteObject):
        return f"an object of type {value.remote_type} (not plain numbers)"
    return f"{type(value).__name__} {value!r:.80}"


def as_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a numeric ndarray, converted as numpy's testing converts what it compares (a list or tuple of
    numbers or of arrays, nested, a 0-d array, a number), or a failure saying what it was instead.

    Plain data only: this runs on the grader's side on what the worker sent (numpy scalars arrive as numbers).
    """
    __tracebackhide__ = True
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, np.generic) and value.dtype.kind in "biufc":
        array = np.asarray(value)
    elif type(value) in (int, float, bool, complex) or (type(value) in (list, tuple) and _numeric_nested(value)):
        try:
            array = np.asarray(value)
        except ValueError:  # (numpy >= 1.24 refuses ragged nesting)
            raise GradingFailure(f"{name}: expected numbers in the shape of an array, got a {type(value).__name__} "
                                 f"whose items have different shapes ({_item_shapes(value)})") from None
    else:
        raise GradingFailure(f"{name}: expected numbers, got {_describe(value)}")
    if array.dtype.kind not in "biufc":
        raise GradingFailure(f"{name}: expected numbers, got an array of dtype {array.dtype}")
    return array


def _numeric_nested(value: Any, depth: int = 0) -> bool:
    """A list or tuple of numbers, numeric arrays, or such lists: what ``np.asarray`` makes a numeric array of."""
    if depth > 32:
        return False
    return all(type(v) in (int, float, bool, complex)
               or (isinstance(v, (np.ndarray, np.generic)) and v.dtype.kind in "biufc")
               or (type(v) in (list, tuple) and _numeric_nested(v, depth + 1)) for v in value)


def _item_shapes(value: Any) -> str:
    shapes = [np.shape(v) if type(v) is np.ndarray or type(v) not in (list, tuple) else f"{len(v)} items"
              for v in value[:4]]
    return ", ".join(str(s) for s in shapes) + (", ..." if len(value) > 4 else "")


def assert_shape(actual: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    """Fail unless ``actual`` is an array of exactly ``shape``."""
    __tracebackhide__ = True
    array = as_array(actual, name)
    if array.shape != tuple(shape):
        raise GradingFailure(f"{name}: expected shape {tuple(shape)}, got shape {array.shape}")
    return array


def assert_dtype(actual: Any, kind: str, name: str) -> np.ndarray:
    """Fail unless the dtype kind is in ``kind`` (numpy kinds: 'f' float, 'i' int, 'b' bool...)."""
    __tracebackhide__ = True
    array = as_array(actual, name)
    kinds = {"f": "floating point", "i": "integer", "u": "unsigned integer", "b": "boolean", "c": "complex"}
    if array.dtype.kind not in kind:
        wanted = " or ".join(kinds.get(k, k) for k in kind)
        raise GradingFailure(f"{name}: expected a {wanted} array, got dtype {array.dtype}")
    return array


def assert_finite(actual: Any, name: str) -> np.ndarray:
    """Fail when ``actual`` holds NaN or infinity, pointing at the first one."""
    __tracebackhide__ = True
    array = as_array(actual, name)
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise GradingFailure(f"{name}: {int(bad.sum())} of {array.size} values are NaN or infinite "
                             f"(first at index {index}: {array[index].item()!r}); is something overflowing?")
    return array


def assert_close(actual: Any, expected: Any, name: str, *, rtol: float = 1e-6, atol: float = 1e-8,
                 says: str | None = None) -> None:
    """Fail unless ``actual`` matches ``expected`` in shape and within ``atol + rtol * |expected|``.

    ``says``: the tolerance in words for the message (say, "within 1.5e-4, the course's tolerance").
    """
    __tracebackhide__ = True
    expected = np.asarray(expected)
    actual = assert_shape(actual, expected.shape, name)
    assert_finite(actual, name)
    if actual.dtype.kind == "c" and expected.dtype.kind != "c":
        raise GradingFailure(f"{name}: expected real numbers, got complex dtype {actual.dtype}")
    got = actual.astype(np.complex128 if expected.dtype.kind == "c" else np.float64)
    want = expected.astype(got.dtype)
    error = np.abs(got - want)
    bad = error > atol + rtol * np.abs(want)
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape)) if error.ndim else ()
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(np.abs(want) > 0, error / np.abs(want), np.where(error > 0, np.inf, 0.0))
    lines = [
        f"{name}: values differ from the expected ones ({says or f'rtol={rtol:g}, atol={atol:g}'})",
        f"  shape {actual.shape}, dtype {actual.dtype}; {int(bad.sum())} of {bad.size} elements differ",
        f"  largest absolute error {float(error.max()):.4g} at index {worst}: "
        f"got {_fmt(got[worst])}, expected {_fmt(want[worst])}",
        f"  largest relative error {float(rel.max()):.4g}",
        f"  first mismatch at index {first}: got {_fmt(got[first])}, expected {_fmt(want[first])}",
    ]
    raise GradingFailure("\n".join(lines))


def _fmt(x: Any) -> str:
    return f"{complex(x):.6g}" if np.iscomplexobj(x) else f"{float(np.real(x)):.6g}"


def assert_true(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds (``assert`` that survives ``python -O``)."""
    __tracebackhide__ = True
    if not condition:
        raise GradingFailure(message)
