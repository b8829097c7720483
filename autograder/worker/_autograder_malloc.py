"""Returning the memory that malloc keeps after ``free`` to the system (glibc's ``malloc_trim``).

A grading shares one memory-capped box (768 MB on Gradescope by default) between the grader and the submission's
workers. Without it, what one test file's data or one call's training allocated and dropped stays charged to the
box while the next trains, and is copied into every process a worker forks later (DataLoader workers). Used by
both sides: the grader between test files (``plugin.py``), the worker after a long call (``run.py`` loads this
file by path, as it imports nothing of the grader).
"""

from __future__ import annotations

import ctypes
from functools import cache


@cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc: nothing to call
        return None


def return_freed_memory() -> None:
    """Hand the heap's free pages back to the system; a no-op where malloc is not glibc's."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
