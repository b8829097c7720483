"""Problem 3, linear regression on even/odd MNIST (mnist.ipynb): the rank, a zero-loss solution, the test set
mapped as the training set is, the loss and its gradient, gradient descent, minibatch SGD and the condition
number. Inputs are the grader's stand-in digits (seeded); expected values are computed here with numpy.

The handout writes the objective both as ||Xβ − Y||² and as the 1/n mean: either is accepted, as long as the
loss and its gradient agree with each other (the gradient without its factor 2 matches neither)."""

import hw0_helpers as h
import numpy as np

from autograder import checks
from autograder.decorators import number, visibility, weight

N = 500


def data(seed=31, n=N):
    raw, digits = h.digits(np.random.default_rng(seed), n)
    return raw.reshape(n, -1), h.pm1(digits)


def vector(submission, value, what, size=784):
    array = np.asarray(submission.plain(value), dtype=float)
    checks.assert_true(array.size == size, f"{what} should have {size} values (shape ({size},) or ({size}, 1)), "
                       f"got shape {array.shape}")
    return array.reshape(-1)


@weight(1)
@number("3.0")
@visibility("visible")
def test_numeric_rank(submission):
    """numeric_rank(X): the numeric rank of the 500 x 784 data matrix (and of one with repeated rows)"""
    X, _ = data()
    nb = h.mnist(submission)
    for matrix, label in ((X, "X (500 x 784)"), (np.vstack([X[:300], X[:200]]), "X with 200 rows repeated")):
        expected = int(np.linalg.matrix_rank(matrix))
        got = h.scalar(submission, nb.numeric_rank(matrix), f"numeric_rank({label})")
        checks.assert_true(got == expected, f"numeric_rank({label}) = {got:g}; its numeric rank is {expected}")


@weight(2)
@number("3.1a")
@visibility("visible")
def test_zero_loss_solution(submission, feedback):
    """min_norm_solution(X, Y): a β with zero training loss (pinv or solve); its norm is said"""
    X, Y = data()
    beta = vector(submission, h.mnist(submission).min_norm_solution(X, Y), "min_norm_solution(X, Y)")
    train_mse = float(np.mean((X @ beta - Y) ** 2))
    checks.assert_true(train_mse < 1e-12, f"min_norm_solution(X, Y) has training MSE {train_mse:.3g}; with 500 "
                       "examples and 784 unknowns (rank 500) a solution with zero loss exists")
    least = np.linalg.pinv(X) @ Y
    feedback(f"||β|| = {np.linalg.norm(beta):.4g} (the minimum norm is {np.linalg.norm(least):.4g}"
             + (": yours is the minimum-norm solution)" if np.allclose(beta, least, rtol=1e-6, atol=1e-9) else ")"))


@weight(1)
@number("3.1b")
@visibility("visible")
def test_test_set_and_mse(submission):
    """test_set(X_te, Y_te) maps the test split as the training set (flattened, odd +1, even -1); mse(X, Y, β)"""
    raw, digits = h.digits(np.random.default_rng(32), 300)
    nb = h.mnist(submission)
    mapped = nb.test_set(raw, digits)
    X_test = checks.assert_shape(submission.plain(mapped[0]), (300, 784), "test_set(X_te, Y_te)[0], for 300 "
                                 "images of 28 x 28")
    Y_test = np.asarray(submission.plain(mapped[1]), dtype=float).reshape(-1)
    checks.assert_close(X_test, raw.reshape(300, -1), "test_set(X_te, Y_te)[0]: the images flattened", rtol=0,
                        atol=0)
    if np.array_equal(Y_test, digits):
        raise AssertionError("test_set(X_te, Y_te)[1] are the raw digits: map them as the training labels are "
                             "(odd -> +1, even -> -1), or ±1 predictions are scored against 0..9")
    checks.assert_close(Y_test, h.pm1(digits), "test_set(X_te, Y_te)[1]: odd -> +1, even -> -1", rtol=0, atol=0)
    X, Y = data()
    beta = np.random.default_rng(33).standard_normal(784) * 0.05
    got = h.scalar(submission, nb.mse(X, Y, beta), "mse(X, Y, beta)")
    checks.assert_close(got, np.mean((X @ beta - Y) ** 2), "mse(X, Y, beta): the mean squared error", rtol=1e-9)


@weight(2)
@number("3.2a")
@visibility("visible")
def test_loss_and_gradient(submission):
    """loss(X, Y, β) and gradient(X, Y, β): L = ||Xβ − Y||² (or its 1/n mean) and ∇L = 2Xᵀ(Xβ − Y) (or /n)"""
    X, Y = data()
    nb = h.mnist(submission)
    beta = np.random.default_rng(34).standard_normal(784) * 0.05
    value = h.scalar(submission, nb.loss(X, Y, beta), "loss(X, Y, beta)")
    total = float(np.sum((X @ beta - Y) ** 2))
    scale = 1.0 if np.isclose(value, total, rtol=1e-9) else 1 / N if np.isclose(value, total / N, rtol=1e-9) else 0
    checks.assert_true(scale != 0, f"loss(X, Y, beta) = {value:.6g}; ||Xβ − Y||² is {total:.6g} (and its mean "
                       f"{total / N:.6g})")
    grad = vector(submission, nb.gradient(X, Y, beta), "gradient(X, Y, beta)")
    expected = scale * 2 * X.T @ (X @ beta - Y)
    if np.allclose(grad, expected / 2, rtol=1e-7, atol=1e-10):
        raise AssertionError("gradient(X, Y, beta) is half of the gradient of your loss: the derivative of a "
                             "square brings a factor 2 (∇||Xβ − Y||² = 2Xᵀ(Xβ − Y))")
    checks.assert_close(grad, expected, "gradient(X, Y, beta): the gradient of your loss(X, Y, beta)", rtol=1e-7,
                        atol=1e-9)
    step = np.random.default_rng(35).standard_normal(784)  # and along a random direction, by finite differences
    eps = 1e-6
    slope = (scale * np.sum((X @ (beta + eps * step) - Y) ** 2) - scale * np.sum((X @ (beta - eps * step) - Y) ** 2)
             ) / (2 * eps)
    checks.assert_close(float(grad @ step), slope, "gradient(X, Y, beta) · d against finite differences of the "
                        "loss along a random direction d", rtol=1e-5)


def falls(submission, run, X, Y, what):
    """Whether ``run(lr)`` (β after some steps from 0) lowers ||Xβ − Y||² by 10% for some step size on a ladder from
    0.25 / λmax(XᵀX) up by factors of 4: gradients scaled as sums, means or rescaled minibatches each have steps
    there that are valid (the ladder stops where none could be: 4^6 times the first step). Returns the message."""
    lam = float(np.linalg.eigvalsh(X.T @ X).max())
    start = float(np.sum(Y ** 2))
    tried = []
    for k in range(7):
        lr = 0.25 / lam * 4 ** k
        beta = vector(submission, run(lr), what.format(lr=f"{lr:.3g}"))
        end = float(np.sum((X @ beta - Y) ** 2))
        if np.isfinite(end) and end < 0.9 * start:
            return ""
        tried.append(f"{lr:.3g}: {end:.4g}")
    return (f"{what.format(lr='lr')} never lowered the loss ||Xβ − Y||² from {start:.4g} (at β = 0) by 10%, for "
            f"steps from {0.25 / lam:.3g} to {0.25 / lam * 4 ** 6:.3g} (loss after: {'; '.join(tried)})")


@weight(1)
@number("3.2b")
@visibility("visible")
def test_gradient_descent(submission):
    """gradient_descent(X, Y, lr, steps): lowers ||Xβ − Y||² at a valid step"""
    X, Y = data()
    nb = h.mnist(submission)
    problem = falls(submission, lambda lr: nb.gradient_descent(X, Y, lr, 100)[0], X, Y,
                    "gradient_descent(X, Y, {lr}, 100)[0]")
    checks.assert_true(not problem, problem)


@weight(1)
@number("3.2c")
@visibility("visible")
def test_sgd_uses_minibatches(submission):
    """sgd(X, Y, lr, steps, batch_size, rng): each step uses batch_size examples, and the loss falls"""
    X, Y = data()
    nb = h.mnist(submission)
    numpy = submission.module("numpy")
    lr = 0.25 / np.linalg.eigvalsh(X.T @ X).max()
    first = vector(submission, nb.sgd(X, Y, lr, 1, 10, numpy.random.default_rng(1), np.zeros(784))[0],
                   "sgd(X, Y, lr, 1, 10, rng, beta0=0)[0]")
    # From β0 = 0 one step moves β along Σ y_i x_i over the examples it used: those are found back exactly,
    # since the 500 rows of X are independent.
    weights = np.linalg.lstsq(X.T, first, rcond=None)[0]
    used = int(np.sum(np.abs(weights) > 1e-8 * np.abs(weights).max(initial=1e-300)))
    checks.assert_true(0 < used <= 10, f"one step of sgd(..., batch_size=10, ...) used {used} examples; a step of "
                       "SGD uses a minibatch of batch_size examples, not the whole training set")
    problem = falls(submission, lambda lr: nb.sgd(X, Y, lr, 300, 25, numpy.random.default_rng(2), np.zeros(784))[0],
                    X, Y, "sgd(X, Y, {lr}, 300, 25, rng, beta0=0)[0]")
    checks.assert_true(not problem, problem)


@weight(1)
@number("3.3")
@visibility("visible")
def test_condition_number(submission):
    """condition_number(X): σmax / σmin over the nonzero singular values of X (of X, not XᵀX)"""
    X, _ = data()
    s = np.linalg.svd(X, compute_uv=False)
    expected = float(s.max() / s.min())
    got = h.scalar(submission, h.mnist(submission).condition_number(X), "condition_number(X)")
    if np.isclose(got, expected ** 2, rtol=1e-4):
        raise AssertionError(f"condition_number(X) = {got:.4g}, the square of X's ({expected:.4g}): that is the "
                             "condition number of XᵀX (over its nonzero eigenvalues), not of X")
    checks.assert_close(got, expected, "condition_number(X) = σmax / σmin of X", rtol=1e-6)
