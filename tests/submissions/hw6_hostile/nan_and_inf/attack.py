# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

def einsum_trace(A):
    return float(np.einsum("ii->", A)) * float("nan")


def einsum_matvec(A, b):
    return np.einsum("ij,j->i", A, b) * np.inf


def einsum_outer(a, b):
    return np.full_like(np.einsum("i,j->ij", a, b), np.nan)
