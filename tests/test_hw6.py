"""hw6 end to end: the reference scores full marks, the template zero, nothing generated is stale."""

from __future__ import annotations

import pytest

from autograder import assignment, template
from autograder.fixtures import Fixtures
from tests.helpers import ROOT, failed_numbers, grade

HW6 = assignment.load("hw6", ROOT)


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory):
    return grade("hw6", HW6.reference_dir, tmp_path_factory.mktemp("ref") / "results.json")


def test_reference_scores_full_marks(reference_results):
    data, report = reference_results
    assert report.ok, report.errors
    failures = {t["name"]: t.get("output") for t in data["tests"] if t["status"] == "failed"}
    assert failures == {}
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0


def test_every_part_of_hw6_is_graded(reference_results):
    data, _ = reference_results
    parts = {t["number"].split(".")[0] for t in data["tests"]}
    assert parts == {"1", "2", "3", "4", "5", "6", "7"}
    assert all(t["max_score"] > 0 for t in data["tests"])


def test_template_scores_zero_on_every_graded_test(tmp_path):
    data, report = grade("hw6", HW6.template_dir, tmp_path / "results.json")
    assert report.ok, report.errors
    assert data["score"] == 0
    assert failed_numbers(data) == {t["number"] for t in data["tests"]}
    stub_messages = [t["output"] for t in data["tests"] if "not implemented yet" in t.get("output", "")]
    assert len(stub_messages) >= len(data["tests"]) // 2, "stubs should be reported as not implemented"


def test_template_is_generated_from_the_reference():
    assert template.stale_files(HW6.reference_dir, HW6.template_dir) == []


def test_reference_has_no_stub_and_template_has_stubs():
    reference_text = "".join(p.read_text() for p in HW6.reference_dir.rglob("*.py"))
    template_text = "".join(p.read_text() for p in HW6.template_dir.rglob("*.py"))
    assert "NotImplementedError" not in reference_text
    assert "BEGIN SOLUTION" not in template_text
    assert template_text.count("NotImplementedError") >= 15


def test_fixtures_regenerate_bit_for_bit(tmp_path):
    from autograder import fixtures

    fixtures.generate(HW6, tmp_path)
    for name in ("arrays.npz", "manifest.json"):
        assert (tmp_path / name).read_bytes() == (HW6.fixtures_dir / name).read_bytes(), name
    loaded = Fixtures(HW6.fixtures_dir)
    assert loaded.manifest["thresholds"], "accuracy thresholds are stored with the fixtures"
    for entry in loaded.manifest["thresholds"].values():
        assert entry["data_fingerprint"] and entry["value"] <= entry["reference"]


def test_example_submission_loses_exactly_its_unfinished_parts(tmp_path):
    """The Quick start's demo: Sigmoid, L2, Conv2D and Pool2D backward left as stubs, einsum_outer via np.outer."""
    data, report = grade("hw6", ROOT / "examples" / "hw6_student", tmp_path / "results.json")
    assert report.ok, report.errors
    assert failed_numbers(data) == {"1.3", "1.4", "3.3", "3.4", "4.3", "4.4", "4.5", "4.6",
                                    "5.2", "5.4", "5.5", "7.3"}


def test_example_submission_ships_the_template_s_provided_files_unchanged():
    """The example is a student's copy: only files with solution regions may differ from the template."""
    example = ROOT / "examples" / "hw6_student"
    for path in HW6.template_dir.rglob("*.py"):
        text = path.read_text()
        if "NotImplementedError" not in text:
            assert (example / path.relative_to(HW6.template_dir)).read_text() == text, path.name
