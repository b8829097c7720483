"""NeuralNetwork: a stack of layers, a loss and an optimizer, with train and test loops."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from .layers import FullyConnected, initialize_layer
from .losses import initialize_loss
from .optimizers import initialize_optimizer


def initialize_model(
    name: str,
    loss: str,
    layer_args: Sequence[dict[str, Any]],
    optimizer_args: dict[str, Any],
    logger=None,
    seed: int | None = None,
) -> "NeuralNetwork":
    """Factory: `name` labels the experiment; the rest goes to `NeuralNetwork`."""
    return NeuralNetwork(loss=loss, layer_args=layer_args, optimizer_args=optimizer_args, logger=logger, seed=seed)


class NeuralNetwork:
    """A feed-forward network.

    Parameters
    ----------
    loss            name of the loss ("cross_entropy" or "l2")
    layer_args      one dict per layer, passed to `initialize_layer(**args)`; the output
                    layer's n_out may be None, in which case `train` sets it to the
                    data set's number of classes
    optimizer_args  keyword arguments of `initialize_optimizer`
                    (name, lr, lr_scheduler, momentum, ...)
    logger          an optional `Logger`
    seed            seeds numpy's global random state, which the weight initializers use
    """

    def __init__(
        self,
        loss: str,
        layer_args: Sequence[dict[str, Any]],
        optimizer_args: dict[str, Any],
        logger=None,
        seed: int | None = None,
    ) -> None:
        if seed is not None:
            np.random.seed(seed)
        self.loss = initialize_loss(loss)
        self.optimizer = initialize_optimizer(**optimizer_args)
        self.layer_args = [dict(args) for args in layer_args]
        self.layers = [initialize_layer(**args) for args in self.layer_args]
        self.n_layers = len(self.layers)
        self.logger = logger
        self.history: list[dict[str, float]] = []

    def forward(self, X: np.ndarray) -> np.ndarray:
        """One forward pass through all the layers of the network.

        Parameters
        ----------
        X  a batch of inputs, e.g. of shape (batch_size, n_features) or
           (batch_size, rows, cols, channels)

        Returns
        -------
        the output of the last layer, e.g. class probabilities (batch_size, num_classes)
        """
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, target: np.ndarray, out: np.ndarray) -> float:
        """One backward pass through all the layers of the network: compute the loss of
        `out` against `target`, then backpropagate its gradient through the layers in
        reverse order so that every layer's `gradients` are filled. Call after `forward`.

        Parameters
        ----------
        target  the targets, e.g. one-hot labels (same shape as `out`)
        out     the network's predictions returned by `forward`

        Returns
        -------
        the loss (a float)
        """
        loss = self.loss.forward(target, out)
        dLdY = self.loss.backward(target, out)
        for layer in reversed(self.layers):
            dLdY = layer.backward(dLdY)
        return float(loss)

    def predict(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, float]:
        """Predict for inputs `X` and compute the loss against targets `Y`, without
        computing gradients or updating any parameter.

        Parameters
        ----------
        X  a batch of inputs
        Y  the matching targets

        Returns
        -------
        a tuple (predictions, loss)
        """
        Y_hat = self.forward(X)
        return Y_hat, float(self.loss.forward(Y, Y_hat))

    def update(self, epoch: int) -> None:
        """Take one optimizer step with the gradients from `backward`; clear them."""
        for i, layer in enumerate(self.layers):
            for param_name, param in layer.parameters.items():
                delta = self.optimizer.update(f"{param_name}{i}", param, layer.gradients[param_name], epoch)
                param -= delta
            layer.clear_gradients()

    def error(self, target: np.ndarray, out: np.ndarray) -> float:
        """Classification error (1 - accuracy) for cross-entropy; the MSE for l2."""
        if self.loss.name == "cross_entropy":
            return float(np.mean(np.argmax(out, axis=1) != np.argmax(target, axis=1)))
        return float(np.mean((target - out) ** 2))

    def train(self, dataset, epochs: int, verbose: bool = True) -> list[dict[str, float]]:
        """Train with minibatch SGD on `dataset.train` for `epochs` passes, measuring
        `dataset.validate` after each; returns (and keeps in `history`) the epoch logs."""
        last = self.layers[-1]
        if isinstance(last, FullyConnected) and last.n_out is None:
            last.n_out = dataset.out_dim
        for epoch in range(epochs):
            loss_sum = error_sum = 0.0
            for X, Y in dataset.train:
                Y_hat = self.forward(X)
                loss_sum += self.backward(Y, Y_hat) * len(X)
                error_sum += self.error(Y, Y_hat) * len(X)
                self.update(epoch)
            val_loss, val_error = self._evaluate(dataset.validate)
            entry = {
                "epoch": epoch,
                "train_loss": loss_sum / dataset.train.n_samples,
                "train_error": error_sum / dataset.train.n_samples,
                "val_loss": val_loss,
                "val_error": val_error,
            }
            self.history.append(entry)
            if self.logger is not None:
                self.logger.push(entry)
            if verbose:
                print(
                    f"Epoch {epoch}: train loss {entry['train_loss']:.4f}, "
                    f"train error {entry['train_error']:.4f}, "
                    f"val loss {val_loss:.4f}, val error {val_error:.4f}"
                )
        if self.logger is not None:
            self.logger.save_parameters(epochs, self.parameters())
        return self.history

    def test(self, dataset, verbose: bool = True) -> dict[str, float]:
        """Loss and error on `dataset.test` (plus accuracy for classification)."""
        loss, error = self._evaluate(dataset.test)
        result = {"loss": loss, "error": error}
        if self.loss.name == "cross_entropy":
            result["accuracy"] = 1.0 - error
        if verbose:
            print("Test " + ", ".join(f"{key} {value:.4f}" for key, value in result.items()))
        return result

    def parameters(self) -> dict[int, dict[str, np.ndarray]]:
        """Copies of every layer's parameters, keyed by layer index."""
        return {i: {k: v.copy() for k, v in layer.parameters.items()} for i, layer in enumerate(self.layers)}

    def _evaluate(self, data) -> tuple[float, float]:
        """Sample-weighted mean loss and error over all minibatches of `data`."""
        loss_sum = error_sum = 0.0
        for X, Y in data:
            Y_hat, loss = self.predict(X, Y)
            loss_sum += loss * len(X)
            error_sum += self.error(Y, Y_hat) * len(X)
        return loss_sum / data.n_samples, error_sum / data.n_samples
