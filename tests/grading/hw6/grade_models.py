"""6.x NeuralNetwork: forward, backward and predict of a small two-layer network whose parameters the grader
sets, and training on Iris driven by the grader (the test labels never reach the worker).

The network is built as the course builds it: ``NeuralNetwork(loss, layer_args, optimizer_args)`` makes the
layers of ``layer_args[:-1]`` and the output layer is appended as ``train`` does. It is fully connected: ReLU
hidden layer, softmax output, cross-entropy loss, so these tests also rely on FullyConnected, ReLU, SoftMax
and CrossEntropy.
"""

import hw6_helpers as h
import numpy as np

from autograder import checks
from autograder.decorators import number, visibility, weight
from autograder.errors import GradingFailure


def fixture_network(submission, fixtures):
    params = [{"W": fixtures[f"net_W{i}"], "b": fixtures[f"net_b{i}"]} for i in range(len(h.NETWORK_LAYERS))]
    return h.network(submission, fixtures["net_X"], params)


@weight(2)
@number("6.1")
@visibility("visible")
def test_network_forward(submission, fixtures):
    """NeuralNetwork forward"""
    model = fixture_network(submission, fixtures)
    h.assert_array(model.forward(fixtures["net_X"]), fixtures["net_out"], "NeuralNetwork.forward(X)")


@weight(3)
@number("6.2")
@visibility("visible")
def test_network_backward(submission, fixtures):
    """NeuralNetwork backward: the loss and every layer's gradients"""
    model = fixture_network(submission, fixtures)
    X = fixtures["net_X"]
    for i in range(len(h.NETWORK_LAYERS)):  # the layers' own forward passes fill their caches,
        X = model.layers[i].forward(X)      # so that this test does not rely on NeuralNetwork.forward
    loss = model.backward(fixtures["net_Y"], fixtures["net_out"])
    h.assert_scalar(loss, fixtures["net_loss"], "NeuralNetwork.backward(Y, Y_hat) (the loss it returns)")
    for i, args in enumerate(h.NETWORK_LAYERS):
        layer, what = model.layers[i], f"layer {i} after NeuralNetwork.backward"
        h.assert_array(h.gradient(layer, "W", what), fixtures[f"net_dW{i}"], f'{what}: gradients["W"]')
        h.assert_array(h.gradient(layer, "b", what), fixtures[f"net_db{i}"], f'{what}: gradients["b"]',
                       shapes=h.bias_shapes(args["n_out"]))


@weight(2)
@number("6.3")
@visibility("visible")
def test_network_predict(submission, fixtures):
    """NeuralNetwork predict"""
    model = fixture_network(submission, fixtures)
    result = model.predict(fixtures["net_X"], fixtures["net_Y"])
    checks.assert_true(isinstance(result, (tuple, list)) and len(result) == 2,
                       f"NeuralNetwork.predict(X, Y) should return a pair (Y_hat, loss), got {result!r:.200}")
    h.assert_array(result[0], fixtures["net_predict_out"], "NeuralNetwork.predict(X, Y)[0] (predictions)")
    h.assert_scalar(result[1], fixtures["net_predict_loss"], "NeuralNetwork.predict(X, Y)[1] (loss)")


@weight(3)
@number("6.4")
@visibility("visible")
def test_iris_accuracy(submission, fixtures):
    """Two-layer network trained on Iris follows the reference's training and reaches the target accuracy"""
    arrays = {name: fixtures[name] for name in h.IRIS_ARRAYS}
    target = fixtures.threshold("iris_accuracy", data=[arrays[name] for name in h.IRIS_ARRAYS],
                                settings=h.IRIS)
    accuracy, curve = h.iris_training(submission, arrays)
    setup = fixtures.meta["iris"]
    budget = (f"training a {setup['hidden']}-unit ReLU / softmax network for {setup['epochs']} epochs (SGD, lr "
              f"{setup['lr']}, momentum {setup['momentum']}, minibatches of {setup['batch_size']}) on "
              f"{setup['n_train']} Iris flowers from the grader's initial parameters")
    check = "check the backward passes (FullyConnected, ReLU, SoftMax, CrossEntropy, NeuralNetwork.backward)"
    expected, rtol = fixtures["iris_curve"], setup["curve_rtol"]
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.flatnonzero(~(np.abs(curve - expected) <= rtol * expected))  # NaN counts as off
    if off.size:
        epoch = int(off[0])
        raise GradingFailure(
            f"after {budget}, the training does not follow the reference's: in epoch {epoch} the mean training loss "
            f"is {curve[epoch]:.4g}, the reference's {expected[epoch]:.4g} (allowed: within {rtol:.0%}; a correct "
            f"implementation differs from the reference only in rounding); {check}")
    checks.assert_true(accuracy >= target, f"test accuracy {accuracy:.3f} is below the target {target:.3f} after "
                                           f"{budget}; {check}")
