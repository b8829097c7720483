"""NeuralNetwork: a stack of layers, a loss and an optimizer, with train, test and Kaggle loops."""

import pickle
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from neural_networks.datasets import Dataset
from neural_networks.layers import initialize_layer
from neural_networks.losses import initialize_loss
from neural_networks.optimizers import initialize_optimizer
from neural_networks.utils.data_structures import AttrDict


def initialize_model(name, loss, layer_args, optimizer_args, logger=None, seed=None):
    """Factory: `name` labels the experiment; the rest goes to `NeuralNetwork`."""
    return NeuralNetwork(loss=loss, layer_args=layer_args, optimizer_args=optimizer_args, logger=logger, seed=seed)


class NeuralNetwork:
    """A feed-forward network.

    `layer_args` holds one dict (AttrDict) per layer, passed to `initialize_layer(**args)`.
    The constructor builds every layer but the last; `train` builds the output layer once it knows
    the data set's number of classes (`n_out = dataset.out_dim`) and appends it.
    `seed` is accepted and unused: seed numpy (`np.random.seed`) before building the model.
    """

    def __init__(
        self,
        loss: str,
        layer_args: Sequence[AttrDict],
        optimizer_args: AttrDict,
        logger=None,
        seed: int = None,
    ) -> None:
        self.n_layers = len(layer_args)
        self.layer_args = layer_args
        self.logger = logger
        self.epoch_log = {"loss": {}, "error": {}}
        self.loss = initialize_loss(loss)
        self.optimizer = initialize_optimizer(**optimizer_args)
        self._initialize_layers(layer_args)

    def _initialize_layers(self, layer_args: Sequence[AttrDict]) -> None:
        self.layers = [initialize_layer(**args) for args in layer_args[:-1]]

    def _log(self, loss: float, error: float, validation: bool = False) -> None:
        if self.logger is None:
            return
        split = "validate" if validation else "train"
        self.epoch_log["loss"][split] = round(loss, 4)
        self.epoch_log["error"][split] = round(error, 4)
        if validation:
            self.logger.push(self.epoch_log)
            self.epoch_log = {"loss": {}, "error": {}}

    def save_parameters(self, epoch: int) -> None:
        if self.logger is None:
            raise ValueError("Must have a logger")
        parameters = {i: layer.parameters for i, layer in enumerate(self.layers)}
        with open(self.logger.save_dir + f"parameters_epoch{epoch}", "wb") as f:
            pickle.dump(parameters, f)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """One forward pass through all the layers of the neural network.

        Parameters
        ----------
        X  design matrix whose must match the input shape required by the
           first layer

        Returns
        -------
        forward pass output, matches the shape of the output of the last layer
        """
        # BEGIN SOLUTION
        for layer in self.layers:
            X = layer.forward(X)
        return X
        # END SOLUTION

    def backward(self, target: np.ndarray, out: np.ndarray) -> float:
        """One backward pass through all the layers of the neural network.
        During this phase we calculate the gradients of the loss with respect to
        each of the parameters of the entire neural network. Most of the heavy
        lifting is done by the `backward` methods of the layers, so this method
        should be relatively simple. Also make sure to compute the loss in this
        method and NOT in `self.forward`.

        Note: Both input arrays have the same shape.

        Parameters
        ----------
        target  the targets we are trying to fit to (e.g., training labels)
        out     the predictions of the model on training data

        Returns
        -------
        the loss of the model given the training inputs and targets
        """
        # BEGIN SOLUTION
        loss = self.loss.forward(target, out)
        dLdY = self.loss.backward(target, out)
        for layer in reversed(self.layers):
            dLdY = layer.backward(dLdY)
        return loss
        # END SOLUTION

    def update(self, epoch: int) -> None:
        """One step of gradient update using the derivatives calculated by
        `self.backward`; then the layers' gradients are cleared.

        Parameters
        ----------
        epoch  the epoch we are currently on
        """
        param_log = {}
        for i, layer in enumerate(self.layers):
            for param_name, param in layer.parameters.items():
                # the optimizer keeps one momentum buffer per parameter of each layer
                delta = self.optimizer.update(param_name + str(i), param, layer.gradients[param_name], epoch)
                layer.parameters[param_name] -= delta
                if self.logger is not None:
                    param_log[f"{param_name}{i}"] = {"max": np.max(param), "min": np.min(param)}
            layer.clear_gradients()
        self.epoch_log["params"] = param_log

    def error(self, target: np.ndarray, out: np.ndarray) -> float:
        """The error of predictions `out` for `target` (same shapes): 1 - accuracy for
        cross-entropy, the mean squared error for l2."""
        if self.loss.name == "cross_entropy":
            return np.mean(np.argmax(out, axis=1) != np.argmax(target, axis=1))
        if self.loss.name == "l2":
            return np.mean((target - out) ** 2)
        raise ValueError(f"no error measure for the loss {self.loss.name!r}: cross_entropy or l2")

    def train(self, dataset: Dataset, epochs: int) -> None:
        """Train the neural network on `dataset.train` for `epochs` epochs (each as many
        minibatches as make one pass), measuring `dataset.validate` after each.

        Parameters
        ----------
        dataset  training dataset
        epochs   number of epochs to train for
        """
        # the output layer, now that the number of classes is known
        args = self.layer_args[-1]
        args["n_out"] = dataset.out_dim
        self.layers.append(initialize_layer(**args))

        for i in range(epochs):
            training_loss, training_error = [], []
            for _ in tqdm(range(dataset.train.samples_per_epoch)):
                X, Y = dataset.train.sample()
                Y_hat = self.forward(X)
                L = self.backward(np.array(Y), np.array(Y_hat))
                training_error.append(self.error(Y, Y_hat))
                self.update(i)
                training_loss.append(L)
            training_loss, training_error = np.mean(training_loss), np.mean(training_error)
            self._log(training_loss, training_error)

            validation_loss, validation_error = [], []
            for _ in range(dataset.validate.samples_per_epoch):
                X, Y = dataset.validate.sample()
                Y_hat = self.forward(X)
                validation_loss.append(self.loss.forward(Y, Y_hat))
                validation_error.append(self.error(Y, Y_hat))
            validation_loss, validation_error = np.mean(validation_loss), np.mean(validation_error)
            self._log(validation_loss, validation_error, validation=True)

            print(f"Example target: {Y[0]}")
            print(f"Example prediction: {[round(x, 4) for x in Y_hat[0]]}")
            print(
                f"Epoch {i} Training Loss: {round(training_loss, 4)} Training Accuracy: "
                f"{round(1 - training_error, 4)} Val Loss: {round(validation_loss, 4)} "
                f"Val Accuracy: {round(1 - validation_error, 4)}"
            )

    def test(self, dataset: Dataset, save_predictions: bool = False) -> dict[str, list[np.ndarray]]:
        """Loss and error of every test minibatch (and, with `save_predictions`, the predictions,
        pickled to the logger's folder).

        Returns
        -------
        a dictionary with the lists "loss", "error" (and "prediction")
        """
        test_log = {"loss": [], "error": []}
        if save_predictions:
            test_log["prediction"] = []
        for _ in range(dataset.test.samples_per_epoch):
            X, Y = dataset.test.sample()
            Y_hat, L = self.predict(X, Y)
            test_log["loss"].append(L)
            test_log["error"].append(self.error(Y, Y_hat))
            if save_predictions:
                test_log["prediction"] += list(Y_hat)
        print(
            f"Test Loss: {round(np.mean(test_log['loss']), 4)} "
            f"Test Accuracy: {round(1 - np.mean(test_log['error']), 4)}"
        )
        if save_predictions:
            with open(self.logger.save_dir + "test_predictions.p", "wb") as f:
                pickle.dump(test_log, f)
        return test_log

    def test_kaggle(self, dataset: Dataset) -> pd.DataFrame:
        """Predict the test split in order and write kaggle_predictions.csv (Id, Category) to the
        logger's folder; return the table."""
        predictions = []
        for _ in range(dataset.test.samples_per_epoch):
            X, Y = dataset.test.sample(shuffle=False)
            Y_hat, _ = self.predict(X, Y)
            predictions += list(np.argmax(Y_hat, axis=1))
        kaggle = pd.DataFrame(OrderedDict([("Id", range(len(predictions))), ("Category", predictions)]))
        kaggle.to_csv(self.logger.save_dir + "kaggle_predictions.csv", index=False)
        return kaggle

    def predict(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, float]:
        """Make a forward and backward pass to calculate the predictions and
        loss of the neural network on the given data.

        Parameters
        ----------
        X  input features
        Y  targets (same length as `X`)

        Returns
        -------
        a tuple of the prediction and loss
        """
        # BEGIN SOLUTION
        Y_hat = self.forward(X)
        L = self.backward(np.array(Y), np.array(Y_hat))  # the backward function returns the loss
        return Y_hat, L
        # END SOLUTION
