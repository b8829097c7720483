# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

def einsum_trace(A):
    big = np.ones(50 * 2**30 // 8)
    return float(np.einsum("ii->", A)) + big[0]


def einsum_matvec(A, b):
    big = bytearray(50 * 2**30)
    return np.einsum("ij,j->i", A, b) + big[0]
