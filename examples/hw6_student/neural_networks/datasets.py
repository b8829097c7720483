"""Data sets in minibatches: `initialize_dataset(name, batch_size)` -> `Dataset` with `train`,
`validate` and `test` splits (`Data`), labels one-hot, `out_dim` the number of classes.

Iris comes from scikit-learn (`sklearn.datasets.load_iris`), split 90 / 30 / 30 (stratified,
fixed seed) and standardized with the training split's statistics.
"""

import numpy as np

from neural_networks.utils.data_processing import integers_to_one_hot


class Data:
    """One split: `data` (n, ...) and one-hot `labels` (n, out_dim), sampled in minibatches.

    `sample()` is stateful: each call returns the next minibatch (X, Y); after
    `samples_per_epoch` calls a new pass starts, reshuffled when `shuffle` is true.
    """

    def __init__(self, data, batch_size=50, labels=None, out_dim=None):
        self.data = np.asarray(data, dtype=float)
        self.labels = None if labels is None else np.asarray(labels, dtype=float)
        self.batch_size = batch_size
        self.out_dim = out_dim
        self.n_samples = self.data.shape[0]
        self.samples_per_epoch = int(np.ceil(self.n_samples / batch_size))
        self._order = np.arange(self.n_samples)
        self._next = 0

    def sample(self, shuffle=True):
        """The next minibatch (X, Y) (Y is None for an unlabelled split)."""
        if self._next == 0 and shuffle:
            self._order = np.random.permutation(self.n_samples)
        elif self._next == 0:
            self._order = np.arange(self.n_samples)
        index = self._order[self._next * self.batch_size : (self._next + 1) * self.batch_size]
        self._next = (self._next + 1) % self.samples_per_epoch
        return self.data[index], None if self.labels is None else self.labels[index]

    def reset(self):
        """Start the next `sample()` at a new pass."""
        self._next = 0


class Dataset:
    """The training, validation and test splits of a data set."""

    def __init__(
        self,
        training_set,
        training_labels,
        batch_size,
        validation_set=None,
        validation_labels=None,
        test_set=None,
        test_labels=None,
    ):
        training_labels = np.asarray(training_labels)
        if training_labels.ndim == 1 or training_labels.shape[-1] == 1:  # integer labels
            n_classes = int(np.max(training_labels)) + 1

            def encode(labels):
                return None if labels is None else integers_to_one_hot(labels, max_val=n_classes - 1)

        else:

            def encode(labels):
                return None if labels is None else np.asarray(labels, dtype=float)

        self.batch_size = batch_size
        self.train = Data(training_set, batch_size, encode(training_labels))
        self.out_dim = self.train.labels.shape[1]
        self.train.out_dim = self.out_dim
        self.validate = None
        self.test = None
        if validation_set is not None:
            self.validate = Data(validation_set, batch_size, encode(validation_labels), self.out_dim)
        if test_set is not None:
            self.test = Data(test_set, batch_size, encode(test_labels), self.out_dim)


def load_iris(seed=0):
    """Iris split 90 / 30 / 30 (stratified), standardized with the training split's statistics."""
    from sklearn.datasets import load_iris as sklearn_iris

    iris = sklearn_iris()
    X, y = iris.data.astype(float), iris.target.astype(int)
    rng = np.random.RandomState(seed)
    parts = {"train": [], "validate": [], "test": []}
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n = len(members)
        parts["train"].append(members[: 3 * n // 5])
        parts["validate"].append(members[3 * n // 5 : 4 * n // 5])
        parts["test"].append(members[4 * n // 5 :])
    index = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    mean, std = X[index["train"]].mean(axis=0), X[index["train"]].std(axis=0)
    return {name: ((X[i] - mean) / std, y[i]) for name, i in index.items()}


def initialize_dataset(name, batch_size=50):
    """Factory: the data set called `name` ("iris"), in minibatches of `batch_size`."""
    if name == "iris":
        splits = load_iris()
        return Dataset(
            training_set=splits["train"][0],
            training_labels=splits["train"][1],
            batch_size=batch_size,
            validation_set=splits["validate"][0],
            validation_labels=splits["validate"][1],
            test_set=splits["test"][0],
            test_labels=splits["test"][1],
        )
    raise ValueError(f"unknown dataset {name!r}: this package has 'iris'")
