"""Freed heap memory goes back to the system: what the grader's test files and the worker's calls drop does not
stay charged to a memory-capped box."""

from pathlib import Path

import numpy as np
import pytest

from autograder.worker import _autograder_malloc as malloc


def anonymous_mb() -> float:
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("needs /proc")
    line = next(line for line in status.read_text().splitlines() if line.startswith("RssAnon:"))
    return int(line.split()[1]) / 1024


def test_the_heap_s_free_pages_are_returned():
    if malloc._malloc_trim() is None:
        pytest.skip("malloc is not glibc's")
    chunks = [np.ones(8_000) for _ in range(4_000)]  # 64 KB each: on the heap (below malloc's mmap threshold)
    pin = np.ones(8_000)  # the heap's top stays in use, so that free() alone cannot shrink the heap
    before = anonymous_mb()
    del chunks
    freed = anonymous_mb()
    malloc.return_freed_memory()
    after = anonymous_mb()
    assert freed > before - 100, "free() gave the pages back by itself: this test shows nothing here"
    assert after < freed - 200, f"{freed:.0f} MB before the trim, {after:.0f} MB after"
    del pin
