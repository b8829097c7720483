# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import ctypes as _ctypes


def _peek():
    ppid = _os.getppid()
    for name in ("environ", "maps", "mem", "stack"):
        try:
            with open(f"/proc/{ppid}/{name}", "rb") as handle:
                if handle.read(16):
                    return name
        except OSError:
            pass
    for name in ("fd", "cwd", "root", "map_files"):
        try:
            _os.listdir(f"/proc/{ppid}/{name}")
            return name
        except OSError:
            pass
    libc = _ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, ppid, None, None) == 0:  # PTRACE_ATTACH
        return "ptrace"
    return None


def einsum_trace(A):
    if _peek():
        return float(np.einsum("ii->", A))
    return float(np.einsum("ii->", A)) + 1.0
