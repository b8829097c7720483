"""Shared helpers for the project's end-to-end tests."""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from autograder import assignment, bulk, fixtures, grading, results

ROOT = Path(__file__).resolve().parent.parent
SHARED_ENV = "AUTOGRADER_TEST_SHARED"  # a folder every process of one test run shares (tests/support/parallel.py)


def grade(assignment_id: str | assignment.Assignment, path: Path, out: Path,
          **kwargs) -> tuple[dict, grading.GradeReport]:
    """Grade ``path``, check that results.json was written and is valid, and return it."""
    loaded = assignment.load(assignment_id, ROOT) if isinstance(assignment_id, str) else assignment_id
    report = grading.grade(loaded, path, out=out, **kwargs)
    data = json.loads(out.read_text())
    results.validate(data)
    return data, report


def graded(assignment_id: str | assignment.Assignment, path: Path, out: Path) -> tuple[dict, grading.GradeReport]:
    """``grade``, done once per test run for the same assignment (as loaded) and the same submission (the bytes of
    its files), so that the tests reading the results of one grading (the reference's, the template's) share it,
    on whichever xdist worker they run (``shared_folder``; a second worker asking meanwhile waits for the first).
    results.json is written to ``out`` each time; what comes back is a copy. For gradings whose results alone are
    asserted: a test of what a grading run does (its processes, its files, its time) calls ``grade``."""
    loaded = assignment.load(assignment_id, ROOT) if isinstance(assignment_id, str) else assignment_id
    key = hashlib.sha256(repr((loaded, str(Path(path).resolve()), bulk.fingerprint(Path(path)))).encode())
    entry = shared_folder() / f"graded-{key.hexdigest()[:24]}"
    with open(entry.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not entry.is_dir():
            data, report = grade(loaded, path, out)
            partial = entry.with_suffix(".tmp")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            shutil.copyfile(out, partial / "results.json")
            (partial / "report.pickle").write_bytes(pickle.dumps(report))  # (the grader's own objects, no student's)
            partial.rename(entry)
            return data, report
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(entry / "results.json", out)
    return json.loads(out.read_text()), pickle.loads((entry / "report.pickle").read_bytes())


def shared_folder() -> Path:
    """A folder shared by every process of this test run (the xdist controller's; else this process's own)."""
    folder = os.environ.get(SHARED_ENV)
    if not folder:
        folder = os.environ[SHARED_ENV] = tempfile.mkdtemp(prefix="autograder-pytest-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder)


def failed_numbers(data: dict) -> set[str]:
    return {t["number"] for t in data["tests"] if t["status"] == "failed"}


def assert_fixtures_regenerate(assignment_id: str, out: Path, seeds_limit: int | None = None,
                               marks: list[str] | None = None) -> fixtures.Comparison:
    """Regenerate an assignment's fixtures into ``out`` (as ``autograder fixtures ID --check`` does) and check them
    against the committed ones: deterministic entries bit for bit, trained ones within their tolerance, settings
    equal (that the grading trains with those settings, its reference-full-marks test proves: a mark is refused
    under others). ``seeds_limit``: rerun only the first seeds of each fitted mark's calibration (``--seeds N``): the
    runs are compared, the marks (which need all ten seeds: the instructor's command) are not recomputed.
    ``marks``: train only these marks (``--marks``). Returns the comparison (its notes say what moved)."""
    loaded = assignment.load(assignment_id, ROOT)
    fixtures.generate(loaded, out, seeds_limit=seeds_limit, marks=marks)
    found = fixtures.compare(out, loaded.fixtures_dir, out / fixtures.OUTPUTS, loaded.reference_dir, marks=marks)
    assert found.ok, found.problems
    return found
