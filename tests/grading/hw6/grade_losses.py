"""3.x Losses: cross-entropy and L2 cost, forward and backward, against the reference's values."""

import hw6_helpers as h

from autograder.decorators import number, visibility, weight


@weight(1)
@number("3.1")
@visibility("visible")
def test_cross_entropy_forward(submission, fixtures):
    """CrossEntropy forward"""
    loss = h.module(submission, "losses").CrossEntropy()
    value = loss.forward(fixtures["ce_Y"], fixtures["ce_Y_hat"])
    h.assert_scalar(value, fixtures["ce_loss"], "CrossEntropy.forward(Y, Y_hat)")


@weight(1)
@number("3.2")
@visibility("visible")
def test_cross_entropy_backward(submission, fixtures):
    """CrossEntropy backward"""
    loss = h.module(submission, "losses").CrossEntropy()
    grad = loss.backward(fixtures["ce_Y"], fixtures["ce_Y_hat"])
    h.assert_array(grad, fixtures["ce_grad"], "CrossEntropy.backward(Y, Y_hat)")


@weight(1)
@number("3.3")
@visibility("visible")
def test_l2_forward(submission, fixtures):
    """L2 forward"""
    loss = h.module(submission, "losses").L2()
    value = loss.forward(fixtures["l2_Y"], fixtures["l2_Y_hat"])
    h.assert_scalar(value, fixtures["l2_loss"], "L2.forward(Y, Y_hat)")


@weight(1)
@number("3.4")
@visibility("visible")
def test_l2_backward(submission, fixtures):
    """L2 backward"""
    loss = h.module(submission, "losses").L2()
    grad = loss.backward(fixtures["l2_Y"], fixtures["l2_Y_hat"])
    h.assert_array(grad, fixtures["l2_grad"], "L2.backward(Y, Y_hat)")
