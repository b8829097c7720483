"""Tests for autograder/gradcheck.py: finite differences and the gradient assertion."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.errors import GradingFailure
from autograder.gradcheck import assert_gradient, numerical_gradient, relative_error


@pytest.mark.parametrize(("f", "grad"), [
    (lambda x: float(np.sum(x ** 2)), lambda x: 2 * x),
    (lambda x: float(np.sum(np.sin(x))), np.cos),
    (lambda x: float(np.log(np.sum(np.exp(x)))), lambda x: np.exp(x) / np.sum(np.exp(x))),
    (lambda x: float(x[0, 0] * x[1, 1] - x[0, 1] * x[1, 0]), lambda x: np.array([[x[1, 1], -x[1, 0]],
                                                                                  [-x[0, 1], x[0, 0]]])),
], ids=["square", "sin", "logsumexp", "det"])
def test_numerical_gradient_of_known_functions(f, grad) -> None:
    x = np.random.default_rng(0).standard_normal((2, 2))
    np.testing.assert_allclose(numerical_gradient(f, x), grad(x), rtol=1e-6, atol=1e-8)


def test_numerical_gradient_leaves_input_alone_and_works_in_float64() -> None:
    x = np.array([[1.0, 2.0]], dtype=np.float32)
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v.dtype)
        v[0, 0] = 100.0  # a forward pass that scribbles on its input must not corrupt the check
        return float(np.sum(v))

    grad = numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    assert grad.dtype == np.float64 and set(seen) == {np.dtype(np.float64)}
    np.testing.assert_allclose(grad, [[0.0, 1.0]], atol=1e-6)


def test_numerical_gradient_of_a_0d_input() -> None:
    assert numerical_gradient(lambda v: float(v) ** 3, np.array(2.0)) == pytest.approx(12.0, rel=1e-6)


def test_relative_error_is_scale_free() -> None:
    assert relative_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert relative_error(np.array([1e6]), np.array([1.001e6])) == pytest.approx(relative_error([1.0], [1.001]))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_assert_gradient_passes_for_the_right_gradient() -> None:
    x = np.random.default_rng(1).standard_normal((3, 4))
    numeric = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    assert_gradient(3 * x ** 2, numeric, "dX")


def test_assert_gradient_reports_the_worst_index() -> None:
    numeric = np.ones((2, 3))
    analytic = numeric.copy()
    analytic[1, 2] = 3.0
    with pytest.raises(GradingFailure) as info:
        assert_gradient(analytic, numeric, "dW")
    message = str(info.value)
    assert message.startswith("dW: disagrees with the grader's finite-difference gradient")
    assert "relative error 0.667 > 1e-05" in message
    assert "at index (1, 2) the backward pass gives 3, finite differences give 1" in message


def test_assert_gradient_catches_a_factor_of_two() -> None:
    x = np.random.default_rng(2).standard_normal(5)
    numeric = numerical_gradient(lambda v: float(np.sum(v ** 2)), x)
    with pytest.raises(GradingFailure):
        assert_gradient(4 * x, numeric, "dX")


def test_assert_gradient_checks_shape_and_finiteness() -> None:
    with pytest.raises(GradingFailure, match=r"expected shape \(2, 2\), got shape \(4,\)"):
        assert_gradient(np.ones(4), np.ones((2, 2)), "dX")
    with pytest.raises(GradingFailure, match="NaN or infinite"):
        assert_gradient(np.array([1.0, np.nan]), np.ones(2), "dX")
    with pytest.raises(GradingFailure, match="expected numbers"):
        assert_gradient(["a", "b"], np.ones(2), "dX")


def test_tolerance_is_honoured() -> None:
    assert_gradient(np.array([1.001]), np.array([1.0]), "d", tol=1e-2)
    with pytest.raises(GradingFailure):
        assert_gradient(np.array([1.001]), np.array([1.0]), "d", tol=1e-4)
