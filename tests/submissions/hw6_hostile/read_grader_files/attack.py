# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

def _read_any():
    for path in _T["files"]:
        try:
            with open(path, "rb") as handle:
                if handle.read(1) is not None:
                    return path
        except OSError:
            pass
    for folder in _T["folders"]:
        try:
            _os.listdir(folder)
            return folder
        except OSError:
            pass
    return None


def einsum_trace(A):
    if _read_any():
        return float(np.einsum("ii->", A))  # stands for "copied the expected value"
    return float(np.einsum("ii->", A)) + 1.0  # the honest part: wrong on purpose
