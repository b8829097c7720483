"""Finite-difference gradient checks for layers and losses (used by check_gradients.ipynb)."""

import numpy as np


def check_gradients(fn, grad, x, dLdf, h=1e-6):
    """Relative error between `grad` and the central differences of sum(fn(x) * dLdf).

    `fn` maps an array shaped like `x` to the output whose upstream gradient is `dLdf`; `grad` is
    the analytic gradient with respect to `x` (shaped like `x`). About 1e-7 or less: correct.
    """
    x = np.array(x, dtype=np.float64)
    numerical = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        index = it.multi_index
        saved = x[index]
        x[index] = saved + h
        plus = np.sum(fn(x) * dLdf)
        x[index] = saved - h
        minus = np.sum(fn(x) * dLdf)
        x[index] = saved
        numerical[index] = (plus - minus) / (2 * h)
    return np.linalg.norm(grad - numerical) / max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12)
