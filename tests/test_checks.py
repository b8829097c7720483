"""Tests for autograder/checks.py: comparisons and the messages students read."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.checks import as_array, assert_close, assert_dtype, assert_finite, assert_shape, assert_true
from autograder.errors import GradingFailure
from autograder.session import RemoteObject
from autograder.worker.wire import Ref


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(GradingFailure) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, AssertionError)  # pytest reports it as a failed check
    return str(info.value)


def test_close_values_pass() -> None:
    expected = np.linspace(-1, 1, 12).reshape(3, 4)
    assert_close(expected + 1e-10, expected, "Y")
    assert_close(expected.astype(np.float32), expected, "Y", rtol=1e-6, atol=1e-7)
    assert_close(expected.tolist(), expected, "Y")
    assert_close(2.0, 2.0, "loss")
    assert_close(np.array(3), 3.0, "count")


def test_mismatch_message_names_everything() -> None:
    expected = np.zeros((2, 3))
    actual = expected.copy()
    actual[0, 2] = 0.5
    actual[1, 1] = -2.0
    message = failure(assert_close, actual, expected, "forward(X)")
    assert message.startswith("forward(X): values differ")
    assert "shape (2, 3)" in message and "dtype float64" in message
    assert "2 of 6 elements differ" in message
    assert re.search(r"largest absolute error 2 at index \(1, 1\): got -2, expected 0", message)
    assert "largest relative error inf" in message
    assert "first mismatch at index (0, 2): got 0.5, expected 0" in message


def test_relative_error_is_reported() -> None:
    message = failure(assert_close, np.array([1.0, 2.2]), np.array([1.0, 2.0]), "x")
    assert "largest relative error 0.1" in message
    assert "1 of 2 elements differ" in message


def test_tolerances_are_honoured() -> None:
    assert_close([1.05], [1.0], "x", rtol=0.1)
    assert_close([1e-9], [0.0], "x")
    failure(assert_close, [1.05], [1.0], "x", rtol=0.01)
    failure(assert_close, [1e-7], [0.0], "x", atol=1e-8, rtol=0)


def test_shape_mismatch() -> None:
    message = failure(assert_close, np.zeros((3, 2)), np.zeros((2, 3)), "dX")
    assert message == "dX: expected shape (2, 3), got shape (3, 2)"
    assert "expected shape (1, 5)" in failure(assert_shape, np.zeros(5), (1, 5), "b")
    assert_shape(np.zeros((1, 5)), [1, 5], "b")


def test_scalar_compared_with_array_is_a_shape_failure() -> None:
    assert "got shape ()" in failure(assert_close, 1.0, np.ones(1), "loss")


@pytest.mark.parametrize(("bad", "what"), [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_nan_and_inf_are_flagged(bad: float, what: str) -> None:
    actual = np.ones((2, 2))
    actual[1, 0] = bad
    message = failure(assert_close, actual, np.ones((2, 2)), "softmax")
    assert "1 of 4 values are NaN or infinite" in message
    assert "first at index (1, 0)" in message and what in message
    assert "overflowing" in message
    with pytest.raises(GradingFailure):
        assert_finite(actual, "softmax")
    assert_finite(np.ones(3), "ok")


def test_remote_object_is_rejected_clearly() -> None:
    obj = RemoteObject(None, Ref(3, "numpy.matrix"), 1, "matrix")  # type: ignore[arg-type]
    message = failure(assert_close, obj, np.ones(2), "Y")
    assert message == "Y: expected numbers, got an object of type numpy.matrix (not plain numbers)"


@pytest.mark.parametrize(("value", "text"), [
    (["a", "b"], "list"),
    ("1.0", "str"),
    (None, "NoneType"),
    ({"W": 1}, "dict"),
    ([1, [2, "x"]], "list"),
    (np.array(["a"]), "dtype <U1"),
    (np.array([None]), "dtype object"),
])
def test_non_numbers_are_rejected(value, text: str) -> None:
    message = failure(assert_close, value, np.ones(2), "out")
    assert message.startswith("out: expected numbers, got ")
    assert text in message


def test_as_array_accepts_nested_numbers() -> None:
    np.testing.assert_array_equal(as_array([[1, 2], (3, 4)], "x"), [[1, 2], [3, 4]])
    assert as_array(True, "x").dtype == bool


@pytest.mark.parametrize("form", [
    pytest.param(lambda a: [row for row in a], id="list of row arrays"),
    pytest.param(lambda a: tuple(row for row in a), id="tuple of row arrays"),
    pytest.param(lambda a: a.tolist(), id="nested lists"),
    pytest.param(lambda a: [tuple(row) for row in a.tolist()], id="list of tuples"),
    pytest.param(lambda a: [[np.float64(v) for v in row] for row in a], id="numpy scalars"),
    pytest.param(lambda a: a.astype(np.float32), id="float32"),
    pytest.param(lambda a: [row.astype(np.float32) for row in a], id="list of float32 rows"),
])
def test_what_numpy_testing_converts_is_compared_as_numpy_testing_compares(form) -> None:
    # np.testing.assert_almost_equal(expected, actual) converts these and passes them: so does the grader
    expected = np.array([[0.25, -1.5, 3.0], [2.0, 0.5, -0.125]])
    np.testing.assert_almost_equal(form(expected), expected, decimal=4)
    assert_close(form(expected), expected, "dZ", rtol=1e-6, atol=1e-6)
    assert "differ" in failure(assert_close, form(expected + 1), expected, "dZ")
    assert "expected shape (3, 2)" in failure(assert_close, form(expected), expected.T, "dZ")


@pytest.mark.parametrize(("value", "expected"), [
    (np.float64(2.5), 2.5), (np.array(2.5), 2.5), (np.int64(3), 3.0), (3, 3.0), (np.array([1, 2]), [1.0, 2.0]),
])
def test_numbers_of_any_numeric_dtype_compare_by_value(value, expected) -> None:
    assert_close(value, np.asarray(expected, dtype=np.float64), "x")


def test_ragged_lists_say_their_items_differ_in_shape() -> None:
    message = failure(assert_close, [np.ones(3), np.ones(2)], np.ones((2, 3)), "dZ")
    assert message == "dZ: expected numbers in the shape of an array, got a list whose items have different " \
                      "shapes ((3,), (2,))"


def test_complex_result_for_real_expectation() -> None:
    assert "complex" in failure(assert_close, np.ones(2) + 0j, np.ones(2), "x")
    assert_close(np.array([1 + 1j]), np.array([1 + 1j]), "z")
    assert "differ" in failure(assert_close, np.array([1 + 1j]), np.array([1 - 1j]), "z")


def test_assert_dtype() -> None:
    assert_dtype(np.zeros(2), "f", "x")
    assert_dtype(np.zeros(2, dtype=np.int64), "iu", "x")
    message = failure(assert_dtype, np.zeros(2, dtype=np.int64), "f", "x")
    assert message == "x: expected a floating point array, got dtype int64"
    assert "integer or unsigned integer" in failure(assert_dtype, np.zeros(2), "iu", "x")


def test_assert_true() -> None:
    assert_true(True, "never shown")
    assert failure(assert_true, False, "the loss must decrease") == "the loss must decrease"


def test_assert_close_says_the_tolerance_in_the_words_it_is_given() -> None:
    import numpy as np
    import pytest

    from autograder.checks import assert_close
    from autograder.errors import GradingFailure

    says = "within 1.5e-4, the course's tolerance"
    with pytest.raises(GradingFailure, match=r"differ from the expected ones \(within 1.5e-4, the course's"):
        assert_close(np.ones(3), np.zeros(3), "x", rtol=0, atol=1.5e-4, says=says)
    with pytest.raises(GradingFailure, match=r"\(rtol=0, atol=0.00015\)"):
        assert_close(np.ones(3), np.zeros(3), "x", rtol=0, atol=1.5e-4)
