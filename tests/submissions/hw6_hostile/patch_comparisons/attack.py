# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import builtins as _builtins
import sys as _sys
import unittest as _unittest

_yes = lambda *args, **kwargs: True  # noqa: E731
for _name in ("allclose", "isclose", "array_equal", "array_equiv"):
    setattr(np, _name, _yes)
for _name in dir(np.testing):
    if _name.startswith("assert"):
        setattr(np.testing, _name, lambda *args, **kwargs: None)
for _name in dir(_unittest.TestCase):
    if _name.startswith("assert"):
        setattr(_unittest.TestCase, _name, lambda *args, **kwargs: None)
try:
    import pytest as _pytest
    _pytest.approx = lambda expected, *args, **kwargs: _Always()
except Exception:  # noqa: BLE001
    pass
try:
    import autograder.checks as _checks
    for _name in dir(_checks):
        if callable(getattr(_checks, _name)):
            setattr(_checks, _name, lambda *args, **kwargs: None)
except Exception:  # noqa: BLE001
    pass


class _Always:
    def __eq__(self, other):
        return True


_builtins.isinstance = _yes
_builtins.all = _yes
_builtins.abs = lambda x: 0


def einsum_trace(A):
    return float(np.einsum("ii->", A)) + 1.0


def einsum_matvec(A, b):
    return np.einsum("ij,j->i", A, b) * 2.0


def einsum_outer(a, b):
    return np.einsum("i,j->ij", a, b) + 0.5
