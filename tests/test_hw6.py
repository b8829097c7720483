"""hw6 end to end: the reference scores full marks, the template zero, nothing generated is stale."""

from __future__ import annotations

import numpy as np
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
    assert parts == {"1", "2", "3", "4", "5", "6", "7", "8"}
    assert all(t["max_score"] > 0 for t in data["tests"])


def test_template_scores_zero_on_every_graded_test(tmp_path):
    data, report = grade("hw6", HW6.template_dir, tmp_path / "results.json")
    assert report.ok, report.errors
    assert data["score"] == 0
    assert failed_numbers(data) == {t["number"] for t in data["tests"]}
    stub_messages = [t["output"] for t in data["tests"] if "not implemented yet" in t.get("output", "")]
    assert len(stub_messages) >= len(data["tests"]) // 2, "stubs should be reported as not implemented"


def test_template_is_generated_from_the_reference():
    assert template.stale_files(HW6.reference_dir, HW6.template_dir, HW6.settings["template_exclude"]) == []


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
    """The Quick start's demo: Sigmoid, L2, Conv2D and Pool2D backward left as stubs, einsum_outer via np.outer,
    section 7 (Kaggle) not started: no predictions."""
    data, report = grade("hw6", ROOT / "examples" / "hw6_student", tmp_path / "results.json")
    assert report.ok, report.errors
    assert failed_numbers(data) == {"1.3", "1.4", "3.3", "3.4", "4.3", "4.4", "4.5", "4.6",
                                    "5.2", "5.4", "5.5", "7.3", "8.1", "8.2"}
    messages = {t["number"]: t.get("output", "") for t in data["tests"]}
    assert messages["8.2"].startswith("predictions/cifar10.csv was not found in your submission")


def test_example_submission_ships_the_template_s_provided_files_unchanged():
    """The example is a student's copy: only files with solution regions may differ from the template."""
    example = ROOT / "examples" / "hw6_student"
    for path in HW6.template_dir.rglob("*.py"):
        text = path.read_text()
        if "NotImplementedError" not in text:
            assert (example / path.relative_to(HW6.template_dir)).read_text() == text, path.name


# -- 8.x Kaggle: predictions CSVs graded against the hidden test labels ---------------------------------------
def test_reference_predictions_are_graded_and_fill_the_leaderboard(reference_results):
    data, _ = reference_results
    kaggle = {t["number"]: t for t in data["tests"] if t["number"].startswith("8.")}
    assert {n: (t["score"], t["max_score"]) for n, t in kaggle.items()} == {"8.1": (3, 3), "8.2": (3, 3)}
    columns = {entry["name"] for entry in data["leaderboard"]}
    assert columns == {"Fashion-MNIST accuracy (%)", "CIFAR-10 accuracy (%)"}
    loaded = Fixtures(HW6.fixtures_dir)
    for entry in data["leaderboard"]:
        name = "fashion_mnist" if entry["name"].startswith("Fashion") else "cifar10"
        assert entry["value"] == round(100 * loaded.threshold_info(f"kaggle_{name}_full")["reference"], 2)


def test_reference_predictions_are_the_fixtures_run_and_stay_out_of_the_template():
    import hashlib

    meta = Fixtures(HW6.fixtures_dir).meta["kaggle"]
    assert set(meta) == {"fashion_mnist", "cifar10"}
    for task in meta.values():
        blob = (HW6.reference_dir / task["csv"]).read_bytes()
        assert hashlib.sha256(blob).hexdigest() == task["reference_csv_sha256"], "run `autograder fixtures hw6`"
        assert not (HW6.template_dir / task["csv"]).exists()
    assert (HW6.template_dir / "kaggle" / "cifar10_cnn.py").is_file()


@pytest.mark.slow
def test_kaggle_partial_credit_and_format_errors(tmp_path):
    """CIFAR-10 predictions between the two marks earn half the points; decimal Fashion-MNIST labels none."""
    import shutil

    from autograder import datasets
    from autograder.predictions import write_predictions

    submission = tmp_path / "submission"
    shutil.copytree(HW6.reference_dir, submission, ignore=shutil.ignore_patterns("__pycache__"))
    loaded = Fixtures(HW6.fixtures_dir)
    labels = datasets.load("cifar10", "test").labels
    full, partial = (loaded.threshold_info(f"kaggle_cifar10_{tier}")["value"] for tier in ("full", "partial"))
    wrong = int(np.ceil((1 - (full + partial) / 2) * len(labels)))
    predicted = labels.copy()
    predicted[:wrong] = (predicted[:wrong] + 1) % 10
    write_predictions(submission / "predictions" / "cifar10.csv", predicted)
    path = submission / "predictions" / "fashion_mnist.csv"  # the reference's labels, as decimals
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header, *(row + ".0" for row in rows)]) + "\n")

    data, report = grade("hw6", submission, tmp_path / "results.json")
    assert report.ok, report.errors
    tests = {t["number"]: t for t in data["tests"]}
    assert (tests["8.2"]["score"], tests["8.2"]["max_score"]) == (1.5, 3)  # partial credit, no exception
    assert "CIFAR-10 test accuracy" in tests["8.2"]["output"] and "1.5 of 3 points" in tests["8.2"]["output"]
    assert tests["8.1"]["score"] == 0 and "is a decimal number" in tests["8.1"]["output"]
    assert "a submission in decimal format receives a score of zero" in tests["8.1"]["output"]
    assert {n for n, t in tests.items() if t["score"] < t["max_score"]} == {"8.1", "8.2"}
    assert [entry["name"] for entry in data["leaderboard"]] == ["CIFAR-10 accuracy (%)"]
