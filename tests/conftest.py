"""The project's own tests. Grading tests (tests/grading/) and the submission corpus
(tests/submissions/) are data for the grader, not tests of this project: pytest skips them here.

Two session-wide rules live here:

- **The checkout is read-only to the suite.** Every tracked file (reference/, fixtures/, student_template/,
  examples/ and the rest) is stat'ed before and after each test; a test that changed, added over or deleted one
  fails, naming the files. Tests write into their own tmp_path.
- **Time per test file** is reported at the end of the run (setup, call and teardown of its tests added up), so
  the suite's budget is visible where it goes.
"""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

collect_ignore_glob = ["grading/*", "submissions/*"]
pytest_plugins = ("tests.support.parallel",)  # one sandbox account per test process; serial tests run alone

ROOT = Path(__file__).resolve().parent.parent


def _tracked_files() -> list[Path]:
    try:
        done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):  # not a git checkout (an unpacked bundle): nothing to guard
        return []
    return [ROOT / name for name in done.stdout.decode().split("\0") if name]


TRACKED = _tracked_files()


def _snapshot() -> dict[Path, tuple[int, int] | None]:
    state: dict[Path, tuple[int, int] | None] = {}
    for path in TRACKED:
        try:
            stat = os.stat(path)
            state[path] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            state[path] = None
    return state


@pytest.fixture(autouse=True)
def _checkout_is_read_only():
    before = _snapshot()
    yield
    after = _snapshot()
    changed = sorted(str(p.relative_to(ROOT)) for p in TRACKED if before[p] != after[p])
    if changed:
        pytest.fail(f"this test changed tracked files of the checkout: {', '.join(changed)} (tests write into "
                    "tmp_path; generating commands take an output folder)", pytrace=False)


def pytest_terminal_summary(terminalreporter) -> None:
    per_file: dict[str, float] = defaultdict(float)
    counts: dict[str, set[str]] = defaultdict(set)
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            if nodeid and hasattr(report, "duration"):
                path = nodeid.split("::")[0]
                per_file[path] += report.duration
                counts[path].add(nodeid)
    if not per_file:
        return
    terminalreporter.write_sep("-", "time per test file (setup + call + teardown)")
    for path, seconds in sorted(per_file.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:8.1f} s  {len(counts[path]):4d} tests  {path}")
