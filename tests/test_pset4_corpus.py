"""The pset4 corpus: each planted bug loses exactly the points of the part it breaks, and each correct-but-different
notebook keeps full marks (tests/submissions/pset4/*/case.toml, built by tests/support/pset4_notebooks.py).

Each case is one grading run (about 15 s on two cores: the bounded training budget included).
"""

from __future__ import annotations

import pytest

from tests.helpers import ROOT, failed_numbers, grade
from tests.support.pset4_notebooks import build_case, load_cases

pytest.importorskip("torch")
pytest.importorskip("torchvision")

CASES = load_cases(ROOT / "tests" / "submissions" / "pset4")


def test_the_corpus_has_both_kinds():
    from tests.support.pset4_notebooks import tomllib

    kinds = [tomllib.loads((c / "case.toml").read_text())["kind"] for c in CASES]
    assert kinds.count("alternative") >= 5 and kinds.count("buggy") >= 5, kinds


@pytest.mark.slow
@pytest.mark.parametrize("case_dir", CASES, ids=[c.name for c in CASES])
def test_case_loses_exactly_its_parts(case_dir, tmp_path):
    case = build_case(case_dir, tmp_path / "PSET4_Classification.ipynb")
    data, report = grade("pset4", tmp_path / "PSET4_Classification.ipynb", tmp_path / "results.json")
    assert report.ok, report.errors
    lost = failed_numbers(data)
    said = {t["number"]: t.get("output", "") for t in data["tests"]}
    assert lost == set(case["lost"]), f"{case['description']}\nmessages: { {n: said[n][:300] for n in lost} }"
    for number in lost:
        assert said[number], f"test {number} failed without saying why"
        assert case.get("message", "") in said[number], f"test {number}: {said[number]}"
    if case["kind"] == "alternative" and case.get("message"):
        assert any(case["message"] in text for text in said.values()), said
    assert case.get("note", "") in data.get("output", ""), data.get("output")
