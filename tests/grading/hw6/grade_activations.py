"""1.x Activations: ReLU, Sigmoid and SoftMax, forward and backward, against the reference's values."""

import hw6_helpers as h

from autograder.decorators import number, visibility, weight


def activation(submission, cls):
    return getattr(h.module(submission, "activations"), cls)()


@weight(1)
@number("1.1")
@visibility("visible")
def test_relu_forward(submission, fixtures):
    """ReLU forward"""
    relu = activation(submission, "ReLU")
    h.assert_array(relu.forward(fixtures["relu_Z"]), fixtures["relu_out"], "ReLU.forward(Z)")


@weight(1)
@number("1.2")
@visibility("visible")
def test_relu_backward(submission, fixtures):
    """ReLU backward"""
    relu = activation(submission, "ReLU")
    dZ = relu.backward(fixtures["relu_Z"], fixtures["relu_dY"])
    h.assert_array(dZ, fixtures["relu_dZ"], "ReLU.backward(Z, dY)")


@weight(1)
@number("1.3")
@visibility("visible")
def test_sigmoid_forward(submission, fixtures):
    """Sigmoid forward"""
    sigmoid = activation(submission, "Sigmoid")
    h.assert_array(sigmoid.forward(fixtures["sigmoid_Z"]), fixtures["sigmoid_out"], "Sigmoid.forward(Z)")


@weight(1)
@number("1.4")
@visibility("visible")
def test_sigmoid_backward(submission, fixtures):
    """Sigmoid backward"""
    sigmoid = activation(submission, "Sigmoid")
    dZ = sigmoid.backward(fixtures["sigmoid_Z"], fixtures["sigmoid_dY"])
    h.assert_array(dZ, fixtures["sigmoid_dZ"], "Sigmoid.backward(Z, dY)")


@weight(1)
@number("1.5")
@visibility("visible")
def test_softmax_forward(submission, fixtures):
    """SoftMax forward"""
    softmax = activation(submission, "SoftMax")
    h.assert_array(softmax.forward(fixtures["softmax_Z"]), fixtures["softmax_out"], "SoftMax.forward(Z)")


@weight(1)
@number("1.6")
@visibility("after_due_date")
def test_softmax_forward_large_inputs(submission, fixtures):
    """SoftMax forward on inputs around 1e3 (numerically stable)"""
    softmax = activation(submission, "SoftMax")
    out = softmax.forward(fixtures["softmax_large_Z"])
    h.assert_array(out, fixtures["softmax_large_out"], "SoftMax.forward(Z) with entries near +-1000")


@weight(2)
@number("1.7")
@visibility("visible")
def test_softmax_backward(submission, fixtures):
    """SoftMax backward"""
    softmax = activation(submission, "SoftMax")
    dZ = softmax.backward(fixtures["softmax_Z"], fixtures["softmax_dY"])
    h.assert_array(dZ, fixtures["softmax_dZ"], "SoftMax.backward(Z, dY)")
