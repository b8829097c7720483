"""Shared helpers for the project's end-to-end tests."""

from __future__ import annotations

import json
from pathlib import Path

from autograder import assignment, grading, results

ROOT = Path(__file__).resolve().parent.parent


def grade(assignment_id: str | assignment.Assignment, path: Path, out: Path,
          **kwargs) -> tuple[dict, grading.GradeReport]:
    """Grade ``path``, check that results.json was written and is valid, and return it."""
    loaded = assignment.load(assignment_id, ROOT) if isinstance(assignment_id, str) else assignment_id
    report = grading.grade(loaded, path, out=out, **kwargs)
    data = json.loads(out.read_text())
    results.validate(data)
    return data, report


def failed_numbers(data: dict) -> set[str]:
    return {t["number"] for t in data["tests"] if t["status"] == "failed"}


def assert_fixtures_regenerate(assignment_id: str, out: Path, seeds_limit: int | None = None) -> None:
    """Regenerate an assignment's fixtures into ``out`` (as ``autograder fixtures ID --check`` does) and check them
    against the committed ones: deterministic entries bit for bit, trained ones within their tolerance, settings
    equal (that the grading trains with those settings, its reference-full-marks test proves: a mark is refused
    under others). ``seeds_limit``: rerun only the first seeds of each fitted mark's calibration (``--seeds N``): the
    runs are compared, the marks (which need all ten seeds: the instructor's command) are not recomputed."""
    from autograder import fixtures

    loaded = assignment.load(assignment_id, ROOT)
    fixtures.generate(loaded, out, seeds_limit=seeds_limit)
    found = fixtures.compare(out, loaded.fixtures_dir, out / fixtures.OUTPUTS, loaded.reference_dir)
    assert found.ok, found.problems
