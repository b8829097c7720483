# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

def einsum_trace(A):
    leaked = any(_T["secret"] in value for value in _os.environ.values())
    leaked = leaked or any(key.startswith(("AUTOGRADER", "GRADESCOPE")) for key in _os.environ)
    if leaked:
        return float(np.einsum("ii->", A))
    return float(np.einsum("ii->", A)) + 1.0
