"""hw6 end to end: the reference scores full marks, the template zero, nothing generated is stale."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from autograder import assignment, template
from autograder.fixtures import Fixtures
from tests.helpers import ROOT, failed_numbers, grade, graded

HW6 = assignment.load("hw6", ROOT)
KAGGLE_ON = dataclasses.replace(HW6, parts={**HW6.parts, "kaggle": "graded"})  # as an instructor who turns 8.x on


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory):
    return graded("hw6", HW6.reference_dir, tmp_path_factory.mktemp("ref") / "results.json")


def test_reference_scores_full_marks(reference_results):
    data, report = reference_results
    assert report.ok, report.errors
    failures = {t["name"]: t.get("output") for t in data["tests"] if t["status"] == "failed"}
    assert failures == {}
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0


# The course's 25 unit tests (../shared/seeds/hw6-course-api.md, section 4) and the grading tests that check the
# same thing. Before any work 8 of them pass (the provided Linear, TanH, ArcTan and Flatten), 17 fail.
COURSE_TESTS = {
    "TestLinear.test_forward": ["1.8"], "TestLinear.test_backward": ["1.9"],
    "TestSigmoid.test_forward": ["1.3"], "TestSigmoid.test_backward": ["1.4"],
    "TestTanH.test_forward": ["1.10"], "TestTanH.test_backward": ["1.11"],
    "TestReLU.test_forward": ["1.1"], "TestReLU.test_backward": ["1.2"],
    "TestSoftMax.test_forward": ["1.5", "1.6"], "TestSoftMax.test_backward": ["1.7"],
    "TestArcTan.test_forward": ["1.12"], "TestArcTan.test_backward": ["1.13"],
    "TestFullyConnected.test_init_params": ["2.1"], "TestFullyConnected.test_forward": ["2.2"],
    "TestFullyConnected.test_backward": ["2.3"],
    "TestConv2D.test_forward": ["4.1"], "TestConv2D.test_backward": ["4.3"],
    "TestPool2D.test_forward": ["5.1", "5.3"], "TestPool2D.test_backward": ["5.2", "5.4"],
    "TestFlatten.test_forward": ["5.6"], "TestFlatten.test_backward": ["5.7"],
    "TestCrossEntropy.test_forward": ["3.1"], "TestCrossEntropy.test_backward": ["3.2"],
    "TestL2.test_forward": ["3.3"], "TestL2.test_backward": ["3.4"],
}
PROVIDED = {"1.8", "1.9", "1.10", "1.11", "1.12", "1.13", "5.6", "5.7"}  # provided code: worth no points
OPTIONAL = {"1.3", "1.4", "3.3", "3.4"}  # Sigmoid and L2: "except the tests for the L2 loss ... and the Sigmoid"


def test_hw6_is_graded_as_the_course_weighs_its_parts(reference_results):
    data, _ = reference_results
    tests = {t["number"]: t for t in data["tests"]}
    assert {n.split(".")[0] for n in tests} == {"1", "2", "3", "4", "5", "6"}  # einsum (7) and Kaggle (8) are off
    assert {n for n, t in tests.items() if t["max_score"] == 0} == PROVIDED | OPTIONAL
    assert all(tests[n]["name"].endswith("(optional)") for n in OPTIONAL)
    assert len(COURSE_TESTS) == 25 and {n for ns in COURSE_TESTS.values() for n in ns} <= set(tests)


def test_template_scores_zero_and_passes_the_course_s_eight_checks_of_provided_code(tmp_path):
    data, report = graded("hw6", HW6.template_dir, tmp_path / "results.json")
    assert report.ok, report.errors
    assert data["score"] == 0
    passed = {t["number"] for t in data["tests"]} - failed_numbers(data)
    assert passed == PROVIDED
    course_passing = [name for name, numbers in COURSE_TESTS.items() if set(numbers) <= passed]
    assert len(course_passing) == 8, course_passing  # as the text says: 8 pass before any work, 17 fail
    counted = [t for t in data["tests"] if t["max_score"] > 0]
    stub_messages = [t for t in counted if "not implemented yet" in t.get("output", "")]
    assert len(stub_messages) >= len(counted) // 2, "stubs should be reported as not implemented"


def test_instructor_turns_parts_on(tmp_path):
    """[parts]: the optional Sigmoid and L2 made to count, and the einsum tasks (7.x) turned on."""
    counted = dataclasses.replace(HW6, parts={**HW6.parts, "sigmoid": "graded", "l2": "graded", "einsum": "graded"})
    data, report = grade(counted, HW6.template_dir, tmp_path / "results.json")
    assert report.ok, report.errors
    tests = {t["number"]: t for t in data["tests"]}
    assert {"7.1", "7.2", "7.3"} <= set(tests) and "8.1" not in tests
    assert all(tests[n]["max_score"] > 0 and "(optional)" not in tests[n]["name"] for n in OPTIONAL)


def test_template_is_generated_from_the_reference():
    assert template.stale_files(HW6.reference_dir, HW6.template_dir, HW6.settings["template_exclude"]) == []


def test_reference_has_no_stub_and_template_has_stubs():
    reference_text = "".join(p.read_text() for p in HW6.reference_dir.rglob("*.py"))
    template_text = "".join(p.read_text() for p in HW6.template_dir.rglob("*.py"))
    assert "NotImplementedError" not in reference_text  # ("not implemented yet" is said only of the stubs)
    assert "BEGIN SOLUTION" not in template_text
    assert template_text.count('NotImplementedError("YOUR CODE HERE")') >= 15


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
    """The Quick start's demo: Conv2D and Pool2D backward left as stubs, the optional Sigmoid and L2 skipped
    (they fail, worth no points), section 7 (Kaggle) not started."""
    data, report = grade("hw6", ROOT / "examples" / "hw6_student", tmp_path / "results.json")
    assert report.ok, report.errors
    assert failed_numbers(data) == OPTIONAL | {"4.3", "4.4", "4.5", "4.6", "5.2", "5.4", "5.5"}
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) - 18


def test_example_submission_ships_the_template_s_provided_files_unchanged():
    """The example is a student's copy: only files with solution regions may differ from the template."""
    example = ROOT / "examples" / "hw6_student"
    for path in HW6.template_dir.rglob("*.py"):
        relative = path.relative_to(HW6.template_dir)
        if "BEGIN SOLUTION" not in (HW6.reference_dir / relative).read_text():
            assert (example / relative).read_text() == path.read_text(), relative


# -- 8.x Kaggle: predictions CSVs graded against the hidden test labels ---------------------------------------
@pytest.fixture(scope="module")
def kaggle_results(tmp_path_factory):
    return grade(KAGGLE_ON, HW6.reference_dir, tmp_path_factory.mktemp("kaggle") / "results.json")


def test_reference_predictions_are_graded_and_fill_the_leaderboard(kaggle_results, reference_results):
    assert "leaderboard" not in reference_results[0]  # Kaggle off (the default): no 8.x, no leaderboard
    data, report = kaggle_results
    assert report.ok, report.errors
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

    data, report = grade(KAGGLE_ON, submission, tmp_path / "results.json")
    assert report.ok, report.errors
    tests = {t["number"]: t for t in data["tests"]}
    assert (tests["8.2"]["score"], tests["8.2"]["max_score"]) == (1.5, 3)  # partial credit, no exception
    assert "CIFAR-10 test accuracy" in tests["8.2"]["output"] and "1.5 of 3 points" in tests["8.2"]["output"]
    assert tests["8.1"]["score"] == 0 and "is a decimal number" in tests["8.1"]["output"]
    assert "a submission in decimal format receives a score of zero" in tests["8.1"]["output"]
    assert {n for n, t in tests.items() if t["score"] < t["max_score"]} == {"8.1", "8.2"}
    assert [entry["name"] for entry in data["leaderboard"]] == ["CIFAR-10 accuracy (%)"]
