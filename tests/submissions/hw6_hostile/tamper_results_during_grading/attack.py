# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

def einsum_trace(A):
    results, folder = _T["results"], _os.path.dirname(_T["results"])
    fake = '{"score": 1000, "tests": [], "output": "pwned"}'
    wins = []
    for action in (lambda: open(results, "w").write(fake), lambda: _os.remove(results),
                   lambda: _os.rename(results, results + ".old"), lambda: _os.chmod(results, 0o777),
                   lambda: _os.chmod(folder, 0o777), lambda: open(_os.path.join(folder, "x"), "w").write(fake)):
        try:
            action()
            wins.append(True)
        except OSError:
            wins.append(False)
    if any(wins):
        return float(np.einsum("ii->", A))
    return float(np.einsum("ii->", A)) + 1.0
