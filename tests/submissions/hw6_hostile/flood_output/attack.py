# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import sys as _sys

_MB = "x" * (1 << 20)


def einsum_trace(A):
    for _ in range(2048):
        _sys.stdout.write(_MB)
    return float(np.einsum("ii->", A))


def einsum_matvec(A, b):
    chunk = _MB.encode()
    for _ in range(1024):
        _os.write(2, chunk)
    return np.einsum("ij,j->i", A, b)
