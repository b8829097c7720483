"""Finite-difference gradient checks (central differences, float64).

They cover activations, losses, layers and whole models.

Relative errors around 1e-7 or smaller mean the backward pass is right; errors near 1
mean it is wrong. Example::

    import numpy as np
    from neural_networks.layers import FullyConnected
    from neural_networks.gradient_check import check_layer_gradients

    np.random.seed(0)
    X = np.random.randn(6, 4)
    print(check_layer_gradients(FullyConnected(n_out=3, activation="relu"), X))
    # {'X': 1.05e-10, 'W': 3.32e-11, 'b': 3.49e-11}
"""

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dLdf: np.ndarray | None = None, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of L(x) = sum(f(x) * dLdf) with respect to `x`.

    `x` (a float64 array) is perturbed in place, one entry at a time, and restored.
    With `dLdf` None, L(x) = sum(f(x)), e.g. when `f` returns a scalar loss.
    """
    if x.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 arrays, got {x.dtype}")
    weight = 1.0 if dLdf is None else dLdf
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = np.sum(f(x) * weight)
        x[index] = original - eps
        minus = np.sum(f(x) * weight)
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||analytic - numeric|| / (||analytic|| + ||numeric||); 0 when both are zero."""
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / denominator)


def check_gradients(
    fn: Callable[[np.ndarray], np.ndarray], grad: np.ndarray, x: np.ndarray, dLdf: np.ndarray | None, eps: float = 1e-6
) -> float:
    """Relative error of `grad` against the numerical gradient of sum(fn(x) * dLdf)."""
    return relative_error(grad, numerical_gradient(fn, x, dLdf, eps))


def check_activation_gradients(activation, Z: np.ndarray, eps: float = 1e-6, seed: int = 0) -> float:
    """Check `activation.backward(Z, dY)` against finite differences (random dY)."""
    Z = np.array(Z, dtype=np.float64)
    dY = np.random.default_rng(seed).normal(size=activation.forward(Z).shape)
    return check_gradients(activation.forward, activation.backward(Z, dY), Z, dY, eps)


def check_loss_gradients(loss, Y: np.ndarray, Y_hat: np.ndarray, eps: float = 1e-6) -> float:
    """Check `loss.backward(Y, Y_hat)` against finite differences of `loss.forward`."""
    Y_hat = np.array(Y_hat, dtype=np.float64)
    return check_gradients(lambda y_hat: loss.forward(Y, y_hat), loss.backward(Y, Y_hat), Y_hat, None, eps)


def check_layer_gradients(
    layer, X: np.ndarray, dLdY: np.ndarray | None = None, eps: float = 1e-6, seed: int = 0
) -> dict[str, float]:
    """Relative errors of a layer's backward pass: {"X": ..., then one per parameter}.

    Runs `forward(X)` (initializing the parameters if needed) and `backward(dLdY)`,
    with a random `dLdY` unless one is given, then compares dL/dX and every entry of
    `layer.gradients` with central differences of L = sum(forward(X) * dLdY).
    """
    X = np.array(X, dtype=np.float64)
    out = layer.forward(X)
    if dLdY is None:
        dLdY = np.random.default_rng(seed).normal(size=out.shape)
    analytic = {"X": layer.backward(dLdY)}
    analytic.update({name: np.array(grad, copy=True) for name, grad in layer.gradients.items()})
    errors = {"X": relative_error(analytic["X"], numerical_gradient(layer.forward, X, dLdY, eps))}
    for name, param in layer.parameters.items():
        numeric = numerical_gradient(lambda _: layer.forward(X), param, dLdY, eps)
        errors[name] = relative_error(analytic[name], numeric)
    return errors


def check_model_gradients(model, X: np.ndarray, Y: np.ndarray, eps: float = 1e-6) -> dict[str, float]:
    """Relative errors of a NeuralNetwork's parameter gradients, keyed "W0", "b0", ...

    Compares the gradients filled by `model.backward` with central differences of
    the loss.
    """
    X = np.array(X, dtype=np.float64)
    model.backward(Y, model.forward(X))
    analytic = {
        f"{name}{i}": np.array(grad, copy=True)
        for i, layer in enumerate(model.layers)
        for name, grad in layer.gradients.items()
    }
    errors = {}
    for i, layer in enumerate(model.layers):
        for name, param in layer.parameters.items():
            numeric = numerical_gradient(lambda _: model.loss.forward(Y, model.forward(X)), param, None, eps)
            errors[f"{name}{i}"] = relative_error(analytic[f"{name}{i}"], numeric)
    return errors
