"""2.x FullyConnected, 4.x Conv2D and 5.x Pool2D (and Flatten): values against the reference's, the grader's
finite differences, and vectorization (no Python loop over the examples of a batch).

Vectorization (2.7, 4.6, 5.5) gives its points only to a layer that is implemented: forward and backward,
called once on the timed batch, return arrays of the right shapes without raising, and neither body is a stub
(a stub has no loop and is fast: it gets nothing). Values are the other tests' business: a wrong but vectorized
layer keeps its vectorization points.

Layers are built as the course's tests build them: constructed with the course's arguments, ``forward`` once
(the layer's own ``_init_parameters`` runs), then W and b replaced with the fixtures' values. They use the
provided activations (linear, tanh), never the student's own. Bias gradients may be (n,) or (1, n) (or
(1, 1, 1, n) for Conv2D), as the course's students store them.
"""

import hw6_helpers as h
import numpy as np

from autograder import checks
from autograder.decorators import number, visibility, weight


# -- 2.x FullyConnected -----------------------------------------------------------------------------------
def fc_forward_backward(submission, fixtures):
    """A FullyConnected layer with the fixtures' W, b after forward(X) and backward(dLdY); and dX."""
    layer = h.fc_layer(submission, fixtures["fc_W"], fixtures["fc_b"], h.FC_CASE["activation"], fixtures["fc_X"])
    layer.forward(fixtures["fc_X"])
    return layer, layer.backward(fixtures["fc_dLdY"])


@weight(1)
@number("2.1")
@visibility("visible")
def test_fc_init_parameters(submission, fixtures):
    """FullyConnected._init_parameters: shapes, zero gradients, weights from the layer's initializer"""
    spec = fixtures.meta["fc_init"]
    n_in, n_out, limit = spec["n_in"], spec["n_out"], spec["limit"]
    submission.seed(spec["seed"])
    layer = h.construct(submission, "layers", "FullyConnected", n_out=n_out, activation=spec["activation"])
    layer._init_parameters((-1, n_in))
    where = f"after FullyConnected(n_out={n_out}, activation={spec['activation']!r})._init_parameters((-1, {n_in}))"
    params = layer.parameters
    W = checks.assert_shape(params["W"], (n_in, n_out), f'{where}: parameters["W"]')
    checks.assert_shape(params["b"], (1, n_out), f'{where}: parameters["b"]')
    h.assert_array(h.gradient(layer, "W", where), np.zeros((n_in, n_out)), f'{where}: gradients["W"] (zeros)')
    h.assert_array(h.gradient(layer, "b", where), np.zeros((1, n_out)), f'{where}: gradients["b"] (zeros)',
                   shapes=h.bias_shapes(n_out))
    checks.assert_true(np.abs(W).max() <= limit,
                       f'{where}: parameters["W"] has values up to {np.abs(W).max():.4g} in absolute value, '
                       f"outside the layer's Xavier-uniform range +-{limit:.4g}; draw W with self.init_weights")
    checks.assert_true(abs(W.mean()) <= spec["mean_atol"] and
                       abs(W.var() - spec["variance"]) <= spec["variance_rtol"] * spec["variance"],
                       f'{where}: parameters["W"] has mean {W.mean():.3g} and variance {W.var():.4g}; the layer\'s '
                       f"Xavier-uniform weights have mean 0 and variance {spec['variance']:.4g}: draw W with "
                       "self.init_weights")


@weight(2)
@number("2.2")
@visibility("visible")
def test_fc_forward(submission, fixtures):
    """FullyConnected forward"""
    layer = h.fc_layer(submission, fixtures["fc_W"], fixtures["fc_b"], h.FC_CASE["activation"], fixtures["fc_X"])
    h.assert_array(layer.forward(fixtures["fc_X"]), fixtures["fc_out"], "FullyConnected.forward(X)")


@weight(2)
@number("2.3")
@visibility("visible")
def test_fc_backward_dx(submission, fixtures):
    """FullyConnected backward: dL/dX"""
    _, dX = fc_forward_backward(submission, fixtures)
    h.assert_array(dX, fixtures["fc_dX"], "FullyConnected.backward(dLdY) (= dL/dX)")


@weight(2)
@number("2.4")
@visibility("visible")
def test_fc_backward_dw(submission, fixtures):
    """FullyConnected backward: dL/dW"""
    layer, _ = fc_forward_backward(submission, fixtures)
    h.assert_array(h.gradient(layer, "W", "FullyConnected"), fixtures["fc_dW"],
                   'FullyConnected gradients["W"] after backward')


@weight(1)
@number("2.5")
@visibility("visible")
def test_fc_backward_db(submission, fixtures):
    """FullyConnected backward: dL/db"""
    layer, _ = fc_forward_backward(submission, fixtures)
    h.assert_array(h.gradient(layer, "b", "FullyConnected"), fixtures["fc_db"],
                   'FullyConnected gradients["b"] after backward (summed over the batch)',
                   shapes=h.bias_shapes(h.FC_CASE["n_out"]))


@weight(2)
@number("2.6")
@visibility("visible")
def test_fc_gradient_check(submission, reference, fixtures):
    """FullyConnected backward agrees with finite differences"""
    W, b, X = fixtures["fc_gc_W"], fixtures["fc_gc_b"], fixtures["fc_gc_X"]
    layer, trusted = (h.fc_layer(session, W, b, "tanh", X) for session in (submission, reference))
    h.check_layer_gradients(layer, X, fixtures["fc_gc_G"], {"W": W, "b": b}, "FullyConnected", trusted)


@weight(2)
@number("2.7")
@visibility("visible")
def test_fc_vectorized(submission, reference):
    """FullyConnected is vectorized (no loop over the examples of a batch)

    Only for an implemented layer: forward and backward return outputs of the right shapes on the timed batch and
    are not stubs. A wrong but vectorized layer keeps these points; a stub gets none.
    """
    h.assert_no_batch_loops(submission, "FullyConnected")
    X, dLdY, params = h.speed_inputs("fc")
    activation = h.SPEED["fc"]["activation"]
    h.assert_as_fast_as_reference(submission, reference,
                                  lambda s: h.fc_layer(s, params["W"], params["b"], activation, X[:2]),
                                  X, dLdY, "FullyConnected", f"X of shape {X.shape}")


# -- 4.x Conv2D -----------------------------------------------------------------------------------------------
def conv_case(submission, fixtures, name):
    """The Conv2D layer of the case ``name`` with the fixtures' W, b; and the case's description."""
    case, p = h.CONV_CASES[name], f"conv_{name}_"
    return h.conv_layer(submission, case, fixtures[p + "W"], fixtures[p + "b"], fixtures[p + "X"]), h.describe(case)


def check_conv_forward(submission, fixtures, names):
    for name in names:
        layer, described = conv_case(submission, fixtures, name)
        out = layer.forward(fixtures[f"conv_{name}_X"])
        h.assert_array(out, fixtures[f"conv_{name}_out"], f"Conv2D.forward(X) with {described}")


def conv_backward(submission, fixtures, name):
    layer, described = conv_case(submission, fixtures, name)
    layer.forward(fixtures[f"conv_{name}_X"])
    return layer, layer.backward(fixtures[f"conv_{name}_dLdY"]), described


@weight(3)
@number("4.1")
@visibility("visible")
def test_conv_forward_same(submission, fixtures):
    """Conv2D forward, "same" padding, stride 1"""
    check_conv_forward(submission, fixtures, h.CONV_SAME)


@weight(3)
@number("4.2")
@visibility("after_due_date")
def test_conv_forward_valid_stride2(submission, fixtures):
    """Conv2D forward, "valid" padding, stride 2, several shapes"""
    check_conv_forward(submission, fixtures, h.CONV_VALID)


@weight(3)
@number("4.3")
@visibility("visible")
def test_conv_backward_dx(submission, fixtures):
    """Conv2D backward: dL/dX"""
    for name in h.CONV_BACKWARD:
        _, dX, described = conv_backward(submission, fixtures, name)
        h.assert_array(dX, fixtures[f"conv_{name}_dX"], f"Conv2D.backward(dLdY) (= dL/dX) with {described}")


@weight(3)
@number("4.4")
@visibility("visible")
def test_conv_backward_dw_db(submission, fixtures):
    """Conv2D backward: dL/dW and dL/db"""
    for name in h.CONV_BACKWARD:
        layer, _, described = conv_backward(submission, fixtures, name)
        h.assert_array(h.gradient(layer, "W", "Conv2D"), fixtures[f"conv_{name}_dW"],
                       f'Conv2D gradients["W"] after backward, with {described}')
        h.assert_array(h.gradient(layer, "b", "Conv2D"), fixtures[f"conv_{name}_db"],
                       f'Conv2D gradients["b"] after backward (summed over the batch and positions), with {described}',
                       shapes=h.bias_shapes(h.CONV_CASES[name]["n_out"], conv=True))


@weight(3)
@number("4.5")
@visibility("visible")
def test_conv_gradient_check(submission, reference, fixtures):
    """Conv2D backward agrees with finite differences"""
    for name, case in h.CONV_GRADCHECK.items():
        p = f"conv_gc_{name}_"
        W, b = fixtures[p + "W"], fixtures[p + "b"]
        layer, trusted = (h.conv_layer(session, case, W, b, fixtures[p + "X"]) for session in (submission, reference))
        h.check_layer_gradients(layer, fixtures[p + "X"], fixtures[p + "G"], {"W": W, "b": b},
                                f"Conv2D with {h.describe(case)}", trusted)


@weight(3)
@number("4.6")
@visibility("visible")
def test_conv_vectorized(submission, reference):
    """Conv2D is vectorized (no loop over the examples of a batch)

    Only for an implemented layer: forward and backward return outputs of the right shapes on the timed batch and
    are not stubs. A wrong but vectorized layer keeps these points; a stub gets none.
    """
    h.assert_no_batch_loops(submission, "Conv2D")
    X, dLdY, params = h.speed_inputs("conv")
    case = h.SPEED["conv"]
    h.assert_as_fast_as_reference(submission, reference,
                                  lambda s: h.conv_layer(s, case, params["W"], params["b"], X[:2]),
                                  X, dLdY, "Conv2D", h.describe(case))


# -- 5.x Pool2D -------------------------------------------------------------------------------------------------
def check_pool(submission, fixtures, mode, backward):
    for name, case in h.POOL_CASES.items():
        if mode not in case["modes"]:
            continue
        layer, p = h.pool_layer(submission, case, mode), f"pool_{name}_"
        described = f"Pool2D(mode={mode!r}) with {h.describe(case)}"
        out = layer.forward(fixtures[p + "X"])
        if backward:
            h.assert_array(layer.backward(fixtures[p + "dLdY"]), fixtures[f"{p}{mode}_dX"],
                           f"{described}: backward(dLdY) (= dL/dX)")
        else:
            h.assert_array(out, fixtures[f"{p}{mode}_out"], f"{described}: forward(X)")


@weight(2)
@number("5.1")
@visibility("visible")
def test_max_pool_forward(submission, fixtures):
    """Pool2D max forward (stride equal to, smaller and larger than the kernel)"""
    check_pool(submission, fixtures, "max", backward=False)


@weight(2)
@number("5.2")
@visibility("visible")
def test_max_pool_backward(submission, fixtures):
    """Pool2D max backward"""
    check_pool(submission, fixtures, "max", backward=True)


@weight(2)
@number("5.3")
@visibility("visible")
def test_average_pool_forward(submission, fixtures):
    """Pool2D average forward (stride equal to and smaller than the kernel, zero padding)"""
    check_pool(submission, fixtures, "average", backward=False)


@weight(2)
@number("5.4")
@visibility("visible")
def test_average_pool_backward(submission, fixtures):
    """Pool2D average backward"""
    check_pool(submission, fixtures, "average", backward=True)


@weight(2)
@number("5.5")
@visibility("visible")
def test_pool_vectorized(submission, reference):
    """Pool2D is vectorized (no loop over the examples of a batch)

    Only for an implemented layer: forward and backward return outputs of the right shapes on the timed batch and
    are not stubs. A wrong but vectorized layer keeps these points; a stub gets none.
    """
    h.assert_no_batch_loops(submission, "Pool2D")
    X, dLdY, _ = h.speed_inputs("pool")
    case = h.SPEED["pool"]
    for mode in ("max", "average"):
        h.assert_as_fast_as_reference(submission, reference, lambda s, mode=mode: h.pool_layer(s, case, mode),
                                      X, dLdY, f"Pool2D(mode={mode!r})", h.describe(case))


# -- Flatten: the course's checks of provided code (no points: they pass before any work) ----------------------
@weight(0)
@number("5.6")
@visibility("visible")
def test_flatten_forward(submission, fixtures):
    """Flatten forward (provided code; no points)"""
    layer = h.construct(submission, "layers", "Flatten")
    h.assert_array(layer.forward(fixtures["flatten_X"]), fixtures["flatten_out"], "Flatten.forward(X)")


@weight(0)
@number("5.7")
@visibility("visible")
def test_flatten_backward(submission, fixtures):
    """Flatten backward (provided code; no points)"""
    layer = h.construct(submission, "layers", "Flatten")
    layer.forward(fixtures["flatten_X"])
    h.assert_array(layer.backward(fixtures["flatten_dLdY"]), fixtures["flatten_dX"], "Flatten.backward(dLdY)")
