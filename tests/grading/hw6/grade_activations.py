"""1.x Activations: ReLU, Sigmoid (optional) and SoftMax forward and backward, against the reference's values;
and the course's checks of the provided Linear, TanH and ArcTan (no points: they pass before any work)."""

import hw6_helpers as h

from autograder.decorators import number, part, visibility, weight


def activation(submission, cls):
    return h.construct(submission, "activations", cls)


def check_forward(submission, fixtures, cls, key):
    out = activation(submission, cls).forward(fixtures[f"{key}_Z"])
    h.assert_array(out, fixtures[f"{key}_out"], f"{cls}.forward(Z)")


def check_backward(submission, fixtures, cls, key):
    dZ = activation(submission, cls).backward(fixtures[f"{key}_Z"], fixtures[f"{key}_dY"])
    h.assert_array(dZ, fixtures[f"{key}_dZ"], f"{cls}.backward(Z, dY)")


@weight(1)
@number("1.1")
@visibility("visible")
def test_relu_forward(submission, fixtures):
    """ReLU forward"""
    check_forward(submission, fixtures, "ReLU", "relu")


@weight(1)
@number("1.2")
@visibility("visible")
def test_relu_backward(submission, fixtures):
    """ReLU backward"""
    check_backward(submission, fixtures, "ReLU", "relu")


@weight(1)
@number("1.3")
@part("sigmoid")
@visibility("visible")
def test_sigmoid_forward(submission, fixtures):
    """Sigmoid forward"""
    check_forward(submission, fixtures, "Sigmoid", "sigmoid")


@weight(1)
@number("1.4")
@part("sigmoid")
@visibility("visible")
def test_sigmoid_backward(submission, fixtures):
    """Sigmoid backward"""
    check_backward(submission, fixtures, "Sigmoid", "sigmoid")


@weight(1)
@number("1.5")
@visibility("visible")
def test_softmax_forward(submission, fixtures):
    """SoftMax forward"""
    check_forward(submission, fixtures, "SoftMax", "softmax")


@weight(1)
@number("1.6")
@visibility("after_due_date")
def test_softmax_forward_large_inputs(submission, fixtures):
    """SoftMax forward on inputs around 1e3 (numerically stable)"""
    out = activation(submission, "SoftMax").forward(fixtures["softmax_large_Z"])
    h.assert_array(out, fixtures["softmax_large_out"], "SoftMax.forward(Z) with entries near +-1000")


@weight(2)
@number("1.7")
@visibility("visible")
def test_softmax_backward(submission, fixtures):
    """SoftMax backward"""
    check_backward(submission, fixtures, "SoftMax", "softmax")


# The course's tests of the provided activations: they pass on the starter as handed out (no points).
@weight(0)
@number("1.8")
@visibility("visible")
def test_linear_forward(submission, fixtures):
    """Linear forward (provided code; no points)"""
    check_forward(submission, fixtures, "Linear", "linear")


@weight(0)
@number("1.9")
@visibility("visible")
def test_linear_backward(submission, fixtures):
    """Linear backward (provided code; no points)"""
    check_backward(submission, fixtures, "Linear", "linear")


@weight(0)
@number("1.10")
@visibility("visible")
def test_tanh_forward(submission, fixtures):
    """TanH forward (provided code; no points)"""
    check_forward(submission, fixtures, "TanH", "tanh")


@weight(0)
@number("1.11")
@visibility("visible")
def test_tanh_backward(submission, fixtures):
    """TanH backward (provided code; no points)"""
    check_backward(submission, fixtures, "TanH", "tanh")


@weight(0)
@number("1.12")
@visibility("visible")
def test_arctan_forward(submission, fixtures):
    """ArcTan forward (provided code; no points)"""
    check_forward(submission, fixtures, "ArcTan", "arctan")


@weight(0)
@number("1.13")
@visibility("visible")
def test_arctan_backward(submission, fixtures):
    """ArcTan backward (provided code; no points)"""
    check_backward(submission, fixtures, "ArcTan", "arctan")
