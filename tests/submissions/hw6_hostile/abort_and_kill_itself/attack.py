# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import signal as _signal


def einsum_trace(A):
    np.einsum("ii->", A)
    _os.abort()


def einsum_matvec(A, b):
    np.einsum("ij,j->i", A, b)
    _os.kill(_os.getpid(), _signal.SIGKILL)


def einsum_outer(a, b):
    np.einsum("i,j->ij", a, b)
    _os.killpg(0, _signal.SIGKILL)
