"""7.x np.einsum warm-ups: values against the reference's, and each function must call np.einsum."""

import hw6_helpers as h

from autograder import codecheck
from autograder.decorators import number, part, visibility, weight


def einsum_path(submission):
    return submission.root / "neural_networks" / "einsum_tasks.py"


@weight(1)
@number("7.1")
@part("einsum")
@visibility("visible")
def test_einsum_trace(submission, fixtures):
    """einsum_trace: trace of a matrix with np.einsum"""
    tasks = h.module(submission, "einsum_tasks")
    h.assert_scalar(tasks.einsum_trace(fixtures["einsum_trace_A"]), fixtures["einsum_trace"], "einsum_trace(A)")
    codecheck.assert_calls(einsum_path(submission), "einsum_trace", "einsum")


@weight(1)
@number("7.2")
@part("einsum")
@visibility("visible")
def test_einsum_matvec(submission, fixtures):
    """einsum_matvec: matrix-vector product with np.einsum"""
    tasks = h.module(submission, "einsum_tasks")
    result = tasks.einsum_matvec(fixtures["einsum_matvec_A"], fixtures["einsum_matvec_b"])
    h.assert_array(result, fixtures["einsum_matvec"], "einsum_matvec(A, b) for A of shape (4, 6)")
    codecheck.assert_calls(einsum_path(submission), "einsum_matvec", "einsum")


@weight(1)
@number("7.3")
@part("einsum")
@visibility("visible")
def test_einsum_outer(submission, fixtures):
    """einsum_outer: outer product with np.einsum"""
    tasks = h.module(submission, "einsum_tasks")
    result = tasks.einsum_outer(fixtures["einsum_outer_a"], fixtures["einsum_outer_b"])
    h.assert_array(result, fixtures["einsum_outer"], "einsum_outer(a, b) for a of shape (5,), b of shape (4,)")
    codecheck.assert_calls(einsum_path(submission), "einsum_outer", "einsum")
