"""pset4 end to end: the reference notebook scores full marks on every automatic part, the generated template
zero, the seed write-up's answers lose exactly their parts, the course's starter as handed out grades to 0 with
clear messages, and a notebook filled in on old PyTorch keeps its marks on a CPU grader. Correct-but-different
notebooks and planted bugs: tests/test_pset4_corpus.py.

Each grading run takes about 15 s on two cores (it trains the small network on a bounded budget).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import grading
from autograder.template import stale_files
from tests import helpers

pytest.importorskip("torch")
pytest.importorskip("torchvision")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "PSET4_Classification.ipynb"
pytestmark = pytest.mark.slow


def grade(path: Path, out: Path) -> tuple[dict, grading.GradeReport]:
    return helpers.grade("pset4", path, out)


def lost(data: dict) -> set[str]:
    return {t["number"] for t in data["tests"] if t["score"] < t["max_score"]}


def outputs(data: dict) -> dict[str, str]:
    return {t["number"]: t.get("output", "") for t in data["tests"]}


def automatic_points(data: dict) -> float:
    return sum(t["max_score"] for t in data["tests"])


def test_reference_scores_full_marks(tmp_path):
    data, report = helpers.graded("pset4", ROOT / "reference" / "pset4" / NOTEBOOK, tmp_path / "results.json")
    assert report.ok, report.errors
    assert lost(data) == set(), {n: o[:300] for n, o in outputs(data).items() if n in lost(data)}
    assert data["score"] == pytest.approx(automatic_points(data)) and automatic_points(data) == pytest.approx(20.2)
    said = outputs(data)
    assert "a percent" in said["2.4a"] and "returned" in said["2.3b"]


def test_template_is_generated_and_scores_zero(tmp_path):
    assert stale_files(ROOT / "reference" / "pset4", ROOT / "student_template" / "pset4") == []
    data, report = helpers.graded("pset4", ROOT / "student_template" / "pset4", tmp_path / "results.json")
    assert report.ok, report.errors
    graded = [t for t in data["tests"] if t["max_score"] > 0]
    assert graded and all(t["score"] == 0 for t in graded), [(t["number"], t["score"]) for t in graded]
    said = outputs(data)
    assert "the training loop of Q3 (i)" in said["2.3a"] and "not implemented yet" in said["2.3a"]
    assert "acc is None" in said["2.4a"]
    assert "CONV_OUTPUT_SHAPE" in said["3.2a"]


def test_the_seed_answers_lose_exactly_their_parts(tmp_path):
    from tests.support.pset4_notebooks import seed_answers

    data, report = grade(seed_answers(tmp_path / NOTEBOOK), tmp_path / "results.json")
    assert report.ok, report.errors
    assert lost(data) == {"1.1b", "1.1d", "2.1a", "2.1c"}, {n: o[:200] for n, o in outputs(data).items()}
    said = outputs(data)
    assert "returned a scalar" in said["1.1b"]
    assert "numerator layout" in said["1.1d"]
    assert "(x - mean) / std" in said["2.1a"]
    assert "not answered" in said["2.1c"] and "dataset_sizes" in said["2.1c"]
    tests = {t["number"]: t for t in data["tests"]}
    assert data["score"] == pytest.approx(20.2 - sum(tests[n]["max_score"] for n in lost(data)))


def test_the_starter_as_handed_out_scores_zero_with_clear_messages(tmp_path):
    from tests.support.pset4_notebooks import starter

    data, report = grade(starter(tmp_path / "PSET4-Students.ipynb"), tmp_path / "results.json")
    assert report.ok, report.errors
    graded = [t for t in data["tests"] if t["max_score"] > 0]
    assert all(t["score"] == 0 for t in graded), [(t["number"], t["score"], t["output"][:200]) for t in graded]
    said = outputs(data)
    for number in ("1.1a", "1.2a", "2.1a", "2.1c", "2.2d", "3.2a"):
        assert "not answered" in said[number], (number, said[number])
    assert "NameError" in said["2.3a"] and "loss" in said["2.3a"]  # the starter's loop uses loss before it exists
    assert "no line" in said["2.3b"]  # the stub returns None and draws nothing
    assert "no second cell with a training loop" in said["2.3c"]
    assert "do not parse" in said["2.4a"]  # acc  = ##
    assert "does not define 'train'" in said["2.4b"]
    assert "SyntaxError" in data["output"]
    assert not any("not implemented" in said[n] for n in said)  # nothing raised NotImplementedError


def test_a_notebook_filled_in_on_old_pytorch_keeps_its_marks_on_a_cpu_grader(tmp_path):
    from tests.support.pset4_notebooks import old_pytorch

    data, report = grade(old_pytorch(tmp_path / NOTEBOOK), tmp_path / "results.json")
    assert report.ok, report.errors
    assert lost(data) == set(), {n: o[:300] for n, o in outputs(data).items() if n in lost(data)}


def test_a_notebook_without_the_answers_section_grades_its_code(tmp_path):
    from tests.support.pset4_notebooks import without_answers

    data, report = grade(without_answers(tmp_path / NOTEBOOK), tmp_path / "results.json")
    assert report.ok, report.errors
    answers = {"1.1a", "1.1b", "1.1c", "1.1d", "1.2a", "1.2b", "2.1a", "2.1b", "2.1c", "2.2d", "3.2a", "3.2b"}
    assert lost(data) == answers, sorted(lost(data))
    said = outputs(data)
    assert all("not answered" in said[n] for n in answers), {n: said[n][:120] for n in answers}


def test_fixtures_regenerate_deterministic_bit_for_bit_trained_within_tolerance(tmp_path):
    """`autograder fixtures pset4 --check --seeds 1` runs (make_fixtures.py trains only then) and gives the committed
    fixtures again: deterministic parts bit for bit, the first seed's run of each variant of each trained mark within
    tolerance (all ten: the instructor's `autograder fixtures pset4 --check`; benchmarks/fixtures_check.py)."""
    helpers.assert_fixtures_regenerate("pset4", tmp_path / "fresh", seeds_limit=1)
