"""The hw6 corpus: each buggy submission loses exactly the points of the part it breaks, and each
correct-but-different implementation keeps full marks (tests/submissions/hw6/*/case.toml).

A case may set ``[parts]`` (as assignment.toml's) to be graded with parts turned on, as an instructor would:
the einsum cases grade with ``einsum = "graded"``. Otherwise optional parts (Sigmoid, L2) still fail when
broken, worth no points: ``lost`` lists the tests that fail.
"""

from __future__ import annotations

import dataclasses

import pytest

from autograder import assignment
from tests.helpers import ROOT, failed_numbers, grade
from tests.support.splice import build_submission, load_cases

CASES = load_cases(ROOT / "tests" / "submissions" / "hw6")


@pytest.mark.slow
@pytest.mark.parametrize("case_dir", CASES, ids=[c.name for c in CASES])
def test_case_loses_exactly_its_part(case_dir, tmp_path):
    case = build_submission(case_dir, ROOT / "reference" / "hw6", tmp_path / "submission")
    hw6 = assignment.load("hw6", ROOT)
    hw6 = dataclasses.replace(hw6, parts={**hw6.parts, **case.get("parts", {})})
    data, report = grade(hw6, tmp_path / "submission", tmp_path / "results.json")
    assert report.ok, report.errors
    lost = failed_numbers(data)
    messages = {t["number"]: t.get("output", "") for t in data["tests"] if t["number"] in lost}
    assert lost == set(case["lost"]), f"{case['description']}\nmessages: {messages}"
    for number in lost:
        assert messages[number], f"test {number} failed without saying why"
        assert case.get("message", "") in messages[number], f"test {number}: {messages[number]}"

