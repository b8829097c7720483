"""Data loading: Iris from scikit-learn, standardized, with one-hot labels, in minibatches."""

from collections.abc import Iterator

import numpy as np


def one_hot(labels: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Encode integer labels (n,) as a float64 one-hot matrix (n, n_classes)."""
    labels = np.asarray(labels, dtype=int)
    n_classes = int(labels.max()) + 1 if n_classes is None else n_classes
    return np.eye(n_classes)[labels]


def load_iris_data() -> tuple[np.ndarray, np.ndarray]:
    """The 150 Iris flowers: features (150, 4) and labels (150,) in {0, 1, 2}."""
    # Imported here so that the layers never need scikit-learn.
    from sklearn.datasets import load_iris

    iris = load_iris()
    return iris.data.astype(float), iris.target.astype(int)


_LOADERS = {"iris": load_iris_data}


class Data:
    """One split of a data set: inputs X (n, ...) and targets Y (n, k), in minibatches.

    Iterating over it yields (X_batch, Y_batch) pairs covering the split once; with
    `shuffle` the order is redrawn, from a seeded generator, on every pass.
    """

    def __init__(
        self, X: np.ndarray, Y: np.ndarray, batch_size: int = 25, shuffle: bool = False, seed: int | None = None
    ) -> None:
        if len(X) != len(Y):
            raise ValueError(f"X has {len(X)} rows but Y has {len(Y)}")
        self.X = np.asarray(X, dtype=float)
        self.Y = np.asarray(Y, dtype=float)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)

    @property
    def n_samples(self) -> int:
        return len(self.X)

    @property
    def samples_per_epoch(self) -> int:
        """Number of minibatches in one pass over the split."""
        return -(-self.n_samples // self.batch_size)

    def __len__(self) -> int:
        return self.samples_per_epoch

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order = self._rng.permutation(self.n_samples) if self.shuffle else np.arange(self.n_samples)
        for start in range(0, self.n_samples, self.batch_size):
            index = order[start : start + self.batch_size]
            yield self.X[index], self.Y[index]


class Dataset:
    """Train / validate / test splits of a named data set ("iris").

    The split is stratified and fixed by `seed` (by default 60% / 20% / 20%, that is
    90 / 30 / 30 Iris flowers). Features are standardized with the training split's mean
    and standard deviation; labels are one-hot. `in_dim` and `out_dim` give the numbers
    of features and classes.
    """

    def __init__(
        self, name: str = "iris", batch_size: int = 25, val_frac: float = 0.2, test_frac: float = 0.2, seed: int = 0
    ) -> None:
        from sklearn.model_selection import train_test_split

        if name not in _LOADERS:
            raise ValueError(f"unknown data set {name!r}; choose one of {sorted(_LOADERS)}")
        X, labels = _LOADERS[name]()
        X_rest, X_test, y_rest, y_test = train_test_split(
            X, labels, test_size=test_frac, stratify=labels, random_state=seed
        )
        X_train, X_val, y_train, y_val = train_test_split(
            X_rest, y_rest, test_size=val_frac / (1.0 - test_frac), stratify=y_rest, random_state=seed
        )
        self.mean = X_train.mean(axis=0)
        self.std = X_train.std(axis=0)
        n_classes = int(labels.max()) + 1

        def split(X_part: np.ndarray, y_part: np.ndarray, shuffle: bool) -> Data:
            X_std = (X_part - self.mean) / self.std
            return Data(X_std, one_hot(y_part, n_classes), batch_size, shuffle=shuffle, seed=seed)

        self.name = name
        self.train = split(X_train, y_train, shuffle=True)
        self.validate = split(X_val, y_val, shuffle=False)
        self.test = split(X_test, y_test, shuffle=False)
        self.in_dim = X.shape[1]
        self.out_dim = n_classes


def initialize_dataset(name: str = "iris", batch_size: int = 25, seed: int = 0) -> Dataset:
    """Factory: the named data set, split, standardized, in `batch_size` minibatches."""
    return Dataset(name=name, batch_size=batch_size, seed=seed)
