# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import ctypes as _ctypes
import sys as _sys


def einsum_trace(A):
    np.einsum("ii->", A)
    _sys.exit(0)


def einsum_matvec(A, b):
    np.einsum("ij,j->i", A, b)
    _os._exit(0)


def einsum_outer(a, b):
    np.einsum("i,j->ij", a, b)
    return _ctypes.string_at(0)
