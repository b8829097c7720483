"""Label and feature processing for the data sets."""

import numpy as np


def integers_to_one_hot(integer_vector, max_val=None):
    """One-hot rows for a vector of integer labels: (n,) -> (n, max_val + 1).

    `max_val` defaults to the largest label present.
    """
    integer_vector = np.squeeze(np.asarray(integer_vector)).astype(int).reshape(-1)
    if max_val is None:
        max_val = int(np.max(integer_vector))
    one_hot = np.zeros((integer_vector.shape[0], max_val + 1))
    one_hot[np.arange(integer_vector.shape[0]), integer_vector] = 1.0
    return one_hot


def center(X, axis=0):
    """Subtract the mean along `axis`."""
    return X - np.mean(X, axis=axis)


def normalize(X, axis=0, max_val=None):
    """Scale to [0, 1] by the maximum absolute value (along `axis`, or `max_val`)."""
    X = X - np.min(X, axis=axis)
    scale = np.max(np.abs(X), axis=axis) if max_val is None else max_val
    return X / np.where(scale == 0, 1, scale)


def standardize(X, axis=0):
    """Zero mean and unit standard deviation along `axis`."""
    std = np.std(X, axis=axis)
    return (X - np.mean(X, axis=axis)) / np.where(std == 0, 1, std)
