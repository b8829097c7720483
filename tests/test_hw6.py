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


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The fixtures generated afresh, as another machine would: the Kaggle models trained on one thread (the
    committed ones on two), which moves torch's floats. Written to a temporary folder, never to the checkout."""
    from autograder import fixtures

    out = tmp_path_factory.mktemp("regenerated")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(fixtures.TRAIN_THREADS_ENV, "1")
        fixtures.generate(HW6, out)
    return out


def compare_with_committed(fresh):
    from autograder import fixtures

    return fixtures.compare(fresh, HW6.fixtures_dir, fresh / fixtures.OUTPUTS, HW6.reference_dir)


def test_fixtures_regenerate_deterministic_bit_for_bit_trained_within_tolerance(regenerated):
    from autograder.fixtures import ARRAYS

    found = compare_with_committed(regenerated)
    assert found.ok, found.problems
    assert (regenerated / ARRAYS).read_bytes() == (HW6.fixtures_dir / ARRAYS).read_bytes()  # numpy: bit for bit
    fresh, committed = Fixtures(regenerated), Fixtures(HW6.fixtures_dir)
    assert fresh.meta == committed.meta
    assert fresh.manifest["provenance"]["threads"] == 1 and committed.manifest["provenance"]["threads"] == 2
    assert fresh.manifest["provenance"]["kernels"] == committed.manifest["provenance"]["kernels"], \
        "the committed fixtures come from other numeric kernels: regenerate them (`autograder fixtures hw6`)"
    for name, entry in committed.manifest["thresholds"].items():
        assert entry["data_fingerprint"] and entry["value"] <= entry["reference"]
        assert ("tolerance" in entry) == name.startswith("kaggle_"), name  # only the torch-trained marks move
        if "tolerance" not in entry:
            assert fresh.manifest["thresholds"][name] == entry, name


def test_a_changed_reference_fails_the_fixture_check(regenerated, tmp_path):
    """The other direction: what a real change of the reference produces is caught, trained or not."""
    import json
    import shutil

    from autograder import fixtures

    def mutated(edit):
        copy = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
        shutil.copytree(regenerated, copy)
        edit(copy)
        return compare_with_committed(copy)

    def manifest_edit(change):
        def edit(folder):
            manifest = json.loads((folder / fixtures.MANIFEST).read_text())
            change(manifest)
            (folder / fixtures.MANIFEST).write_text(json.dumps(manifest))
        return edit

    def nudge(name, by):  # the mark moved by ``by`` from the committed one
        committed = Fixtures(HW6.fixtures_dir).manifest["thresholds"][name]["value"]
        return manifest_edit(lambda m: m["thresholds"][name].update(value=committed + by))

    def flip_rows(share):
        def edit(folder):
            path = folder / fixtures.OUTPUTS / "predictions" / "cifar10.csv"
            header, *rows = path.read_text().splitlines()
            count = int(share * len(rows))
            rows[:count] = [f"{r.split(',')[0]},{(int(r.split(',')[1]) + 1) % 10}" for r in rows[:count]]
            path.write_text("\n".join([header, *rows]) + "\n")
        return edit

    def change_array(folder, by=None, kernels=None):  # a deterministic array moved (default: one ulp)
        writer = fixtures.FixtureWriter()
        loaded = Fixtures(folder)
        for name in loaded.manifest["arrays"]:
            writer[name] = loaded[name]
        relu = writer.arrays["relu_out"]
        writer["relu_out"] = np.nextafter(relu, np.inf) if by is None else relu * (1 + by)
        writer.meta, writer.thresholds = loaded.meta, loaded.manifest["thresholds"]
        writer.tolerances = loaded.manifest["trained"]["arrays"]
        writer.provenance = loaded.manifest["provenance"]
        if kernels:  # as if computed on another CPU
            writer.provenance = {**writer.provenance, "kernels": {**writer.provenance["kernels"], **kernels}}
        outputs = loaded.manifest["trained"]["outputs"]
        writer.outputs = {p: (folder / fixtures.OUTPUTS / p).read_bytes() for p in outputs}
        writer.output_agreement = {p: e["agreement"] for p, e in outputs.items()}
        writer.write(folder)

    assert mutated(nudge("kaggle_cifar10_full", 0.005)).ok  # within ±0.01
    assert any("kaggle_cifar10_full" in p for p in mutated(nudge("kaggle_cifar10_full", 0.011)).problems)
    assert any("iris_accuracy" in p for p in mutated(nudge("iris_accuracy", 1e-9)).problems)  # deterministic
    assert mutated(flip_rows(0.02)).ok  # another machine flips a few percent of the rows (see make_fixtures.py)
    assert any("cifar10.csv" in p and "agree" in p for p in mutated(flip_rows(0.15)).problems)
    assert any("'relu_out' differs" in p for p in mutated(change_array).problems)  # same kernels: bit for bit
    other_cpu = {"cpu": "another CPU", "NPY_DISABLE_CPU_FEATURES": "AVX2"}
    rounding = mutated(lambda folder: change_array(folder, kernels=other_cpu))
    assert rounding.ok and any("differ in rounding only" in n for n in rounding.notes)
    assert any("'relu_out' differs beyond rounding" in p  # a real change, whatever the kernels
               for p in mutated(lambda folder: change_array(folder, by=1e-9, kernels=other_cpu)).problems)
    assert any("meta differs" in p for p in mutated(manifest_edit(lambda m: m["meta"].update(seed=1))).problems)


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

    outputs = Fixtures(HW6.fixtures_dir).manifest["trained"]["outputs"]
    assert set(outputs) == {task["csv"] for task in Fixtures(HW6.fixtures_dir).meta["kaggle"].values()}
    for csv, entry in outputs.items():
        blob = (HW6.reference_dir / csv).read_bytes()
        assert hashlib.sha256(blob).hexdigest() == entry["sha256"], "run `autograder fixtures hw6`"
        assert entry["agreement"] == 0.90
        assert not (HW6.template_dir / csv).exists()
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
