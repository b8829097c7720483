"""3.x Losses: cross-entropy and the optional L2 cost, forward and backward, against the reference's values.

Each loss is built as the course builds it, with its required name: ``CrossEntropy(name="cross_entropy")``,
``L2(name="l2")``; L2 is J = 1/(2m) sum (Y_hat - Y)^2 with the gradient (Y_hat - Y) / m.
"""

import hw6_helpers as h

from autograder.decorators import number, part, visibility, weight


def loss(submission, cls, name):
    return h.construct(submission, "losses", cls, name=name)


@weight(1)
@number("3.1")
@visibility("visible")
def test_cross_entropy_forward(submission, fixtures):
    """CrossEntropy forward"""
    value = loss(submission, "CrossEntropy", "cross_entropy").forward(fixtures["ce_Y"], fixtures["ce_Y_hat"])
    h.assert_scalar(value, fixtures["ce_loss"], "CrossEntropy.forward(Y, Y_hat)")


@weight(1)
@number("3.2")
@visibility("visible")
def test_cross_entropy_backward(submission, fixtures):
    """CrossEntropy backward"""
    grad = loss(submission, "CrossEntropy", "cross_entropy").backward(fixtures["ce_Y"], fixtures["ce_Y_hat"])
    h.assert_array(grad, fixtures["ce_grad"], "CrossEntropy.backward(Y, Y_hat)")


@weight(1)
@number("3.3")
@part("l2")
@visibility("visible")
def test_l2_forward(submission, fixtures):
    """L2 forward"""
    value = loss(submission, "L2", "l2").forward(fixtures["l2_Y"], fixtures["l2_Y_hat"])
    h.assert_scalar(value, fixtures["l2_loss"], "L2.forward(Y, Y_hat) (1/(2m) times the sum of squares)")


@weight(1)
@number("3.4")
@part("l2")
@visibility("visible")
def test_l2_backward(submission, fixtures):
    """L2 backward"""
    grad = loss(submission, "L2", "l2").backward(fixtures["l2_Y"], fixtures["l2_Y_hat"])
    h.assert_array(grad, fixtures["l2_grad"], "L2.backward(Y, Y_hat) (= (Y_hat - Y) / m)")
