"""ps2 end to end: the reference notebook scores full marks, the generated template zero, and a
notebook with some parts broken (a syntax error, an exception, a dead kernel, wrong values) loses
exactly those parts and keeps the rest.

Each grading run takes a few minutes on two cores (it trains three small networks on a bounded
budget), so one notebook carries several independent breakages.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder import assignment, grading, results
from autograder.session import NOTES
from autograder.template import stale_files
from tests import helpers

pytest.importorskip("torch")
pytest.importorskip("torchvision")

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def grade(path: Path, out: Path) -> tuple[dict, grading.GradeReport]:
    report = grading.grade(assignment.load("ps2", ROOT), path, out=out)
    data = json.loads(out.read_text())
    results.validate(data)
    return data, report


def lost(data: dict) -> set[str]:
    return {t["number"] for t in data["tests"] if t["score"] < t["max_score"]}


def cell_index(nb, starts: str) -> int:
    matches = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.lstrip().startswith(starts)]
    assert len(matches) == 1, f"expected one cell starting with {starts!r}, found {len(matches)}"
    return matches[0]


def test_reference_scores_full_marks(tmp_path):
    data, report = helpers.graded("ps2", ROOT / "reference" / "ps2" / "ps2.ipynb", tmp_path / "results.json")
    assert report.ok, report.errors
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) == 19  # the seed's points
    assert lost(data) == set()


def test_template_is_generated_and_scores_zero(tmp_path):
    assert stale_files(ROOT / "reference" / "ps2", ROOT / "student_template" / "ps2") == []
    data, report = helpers.graded("ps2", ROOT / "student_template" / "ps2", tmp_path / "results.json")
    assert report.ok, report.errors
    graded = [t for t in data["tests"] if t["max_score"] > 0]
    assert graded and all(t["score"] == 0 for t in graded), [(t["number"], t["score"]) for t in graded]
    assert any("not implemented yet" in t["output"] for t in graded)


def test_broken_parts_cost_exactly_their_points(tmp_path):
    nb = nbformat.read(ROOT / "reference" / "ps2" / "ps2.ipynb", as_version=4)
    # 2.1: an import that fails stops the kNN cell: KNearestNeighbor is never defined
    knn = nb.cells[cell_index(nb, "class KNearestNeighbor")]
    knn.source = "import numpy_typo_that_does_not_exist\n" + knn.source
    # 2.2(b): the LinearClassifier cell kills the kernel while the class is defined
    linear = nb.cells[cell_index(nb, "class LinearClassifier")]
    linear.source = linear.source.replace('    def __init__(self):', '    import os\n    os._exit(1)\n\n'
                                          '    def __init__(self):', 1)
    # 2.3(e): a syntax error in the CNN cell
    cnn = nb.cells[cell_index(nb, "class CNN")]
    cnn.source = cnn.source.replace("def __init__(self, num_classes=10):", "def __init__(self, num_classes=10)", 1)
    # 2.3(a): the transform forgets to normalize (values, not a crash)
    transform = nb.cells[cell_index(nb, "CIFAR_MEAN")]
    assert "transforms.Normalize(CIFAR_MEAN, CIFAR_STD)" in transform.source
    transform.source = transform.source.replace("transforms.Normalize(CIFAR_MEAN, CIFAR_STD)",
                                                "transforms.Lambda(lambda x: x)")
    path = tmp_path / "ps2 (1).ipynb"  # as Colab names a second download
    nbformat.write(nb, str(path))

    data, report = grade(path, tmp_path / "results.json")
    assert report.ok, report.errors
    tests = {t["number"]: t for t in data["tests"]}
    broken = lost(data)
    knn_parts = {n for n in tests if n.startswith("2.1")}
    linear_parts = {n for n in tests if n.startswith("2.2b")}
    cnn_parts = {n for n in tests if n.startswith("2.3e")}
    assert knn_parts and linear_parts and cnn_parts
    assert broken == knn_parts | linear_parts | cnn_parts | {"2.3a.1"}, sorted(broken)
    # what each student reads
    assert "numpy_typo_that_does_not_exist" in tests["2.1a.i"]["output"]  # inside the tests that needed it,
    assert "numpy_typo_that_does_not_exist" not in data["output"]  # not at the top everyone sees
    assert "ModuleNotFoundError" in data["output"]
    assert "stopped the kernel" in data["output"] and "SyntaxError" in data["output"]
    assert "KNearestNeighbor" in tests["2.1a.i"]["output"]
    assert data["score"] == 19 - sum(tests[n]["max_score"] for n in broken)


def test_a_train_epoch_that_never_steps_fails_its_part_and_every_trained_mark(tmp_path):
    """The planted training bug the fitted marks (ten seeds, 1% false-fail) must still catch: no optimizer.step(), so
    the models keep their initial weights and stay near chance on the held-out images."""
    nb = nbformat.read(ROOT / "reference" / "ps2" / "ps2.ipynb", as_version=4)
    cell = nb.cells[cell_index(nb, "def train_epoch")]
    assert "        optimizer.step()\n" in cell.source
    cell.source = cell.source.replace("        optimizer.step()\n", "", 1)
    path = tmp_path / "ps2.ipynb"
    nbformat.write(nb, str(path))
    data, report = grade(path, tmp_path / "results.json")
    assert report.ok, report.errors
    assert lost(data) == {"2.3c.1", "2.3d", "2.3e.2", "2.3f.2"}, sorted(lost(data))
    tests = {t["number"]: t for t in data["tests"]}
    assert all("below the pass mark" in tests[n]["output"] for n in ("2.3d", "2.3e.2", "2.3f.2"))


def test_correct_but_different_notebook_keeps_full_marks(tmp_path):
    from tests.support.ps2_variants import alternative

    path = alternative(ROOT / "reference" / "ps2" / "ps2.ipynb", tmp_path / "ps2.ipynb")
    data, report = grade(path, tmp_path / "results.json")
    assert report.ok, report.errors
    assert lost(data) == set(), {t["number"]: t["output"][:300] for t in data["tests"] if t["score"] < t["max_score"]}
    assert f"Note: {NOTES['colab-shim']}" in data["output"]  # the Drive lines did nothing, and the student is told


def test_fixtures_regenerate_deterministic_bit_for_bit_trained_within_tolerance(tmp_path):
    """`autograder fixtures ps2 --check --seeds 1` runs (make_fixtures.py trains only then) and gives the committed
    fixtures again: deterministic parts bit for bit, the first seed's run of each variant of each trained mark within
    tolerance (all ten: the instructor's `autograder fixtures ps2 --check`; benchmarks/fixtures_check.py)."""
    helpers.assert_fixtures_regenerate("ps2", tmp_path / "fresh", seeds_limit=1)


def swap_method(nb, template_nb, cls: str, method: str, body: str | None = None) -> None:
    """Put the template's ``cls.method`` (or, with ``body``, one with that body) in place of the reference's."""
    import ast

    def span(source: str) -> tuple[int, int, str]:
        tree = ast.parse(source)
        klass = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
        func = next(n for n in klass.body if isinstance(n, ast.FunctionDef) and n.name == method)
        return func.lineno - 1, func.end_lineno, source

    cell = nb.cells[cell_index(nb, f"class {cls}")]
    start, end, source = span(cell.source)
    lines = source.split("\n")
    if body is None:
        t_start, t_end, t_source = span(template_nb.cells[cell_index(template_nb, f"class {cls}")].source)
        new = t_source.split("\n")[t_start:t_end]
    else:
        new = [lines[start]] + [" " * 8 + line for line in body.split("\n")]
    cell.source = "\n".join(lines[:start] + new + lines[end:])


@pytest.mark.parametrize("stub", ["template", "returns_none"])
def test_a_stub_of_the_timed_method_loses_the_timing_test(tmp_path, stub):
    """compute_distance_no_loops left as the template's stub, or one that runs and returns None, is fast and
    loop-free: it loses 2.1a.ii.2 (values, loops and speed); the one-loop method beside it keeps 2.1a.ii.1."""
    nb = nbformat.read(ROOT / "reference" / "ps2" / "ps2.ipynb", as_version=4)
    template = nbformat.read(ROOT / "student_template" / "ps2" / "ps2.ipynb", as_version=4)
    swap_method(nb, template, "KNearestNeighbor", "compute_distance_no_loops",
                None if stub == "template" else "# YOUR CODE HERE\ndists = None\nreturn dists")
    path = tmp_path / "ps2.ipynb"
    nbformat.write(nb, str(path))
    report = grading.grade(assignment.load("ps2", ROOT), path, out=tmp_path / "results.json",
                           questions=("2.1a.ii",))
    data = json.loads((tmp_path / "results.json").read_text())
    assert report.ok, report.errors
    tests = {t["number"]: t for t in data["tests"]}
    assert set(tests) == {"2.1a.ii.1", "2.1a.ii.2"}
    assert tests["2.1a.ii.1"]["score"] == 0.5 and tests["2.1a.ii.2"]["score"] == 0, tests
    said = tests["2.1a.ii.2"]["output"]
    assert ("not implemented yet (NotImplementedError)" in said) == (stub == "template"), said
