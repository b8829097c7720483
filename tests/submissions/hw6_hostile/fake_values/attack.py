# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

class _Always:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 0.0

    def __array__(self, dtype=None, copy=None):
        return np.zeros(1)


class _Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(1)


def einsum_trace(A):
    np.einsum("ii->", A)
    return _Always()


def einsum_matvec(A, b):
    return (np.einsum("ij,j->i", A, b) * 0.0).view(_Liar)


def einsum_outer(a, b):
    out = np.empty((a.shape[0], b.shape[0]), dtype=object)
    out[...] = _Always()
    np.einsum("i,j->ij", a, b)
    return out
