"""The students' kit (autograder/kit.py): built for hw6, unzipped outside the project, checked with there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder import assignment, kit
from autograder.fixtures import Fixtures
from tests.helpers import ROOT

HW6 = assignment.load("hw6", ROOT)
HIDDEN_TESTS = ("test_softmax_forward_large_inputs", "test_conv_forward_valid_stride2", "test_fashion_mnist",
                "test_cifar10", "test_einsum")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit")
    out = folder / "hw6-kit.zip"
    made = kit.build(HW6, out)
    unpacked = folder / "unzipped"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(unpacked)
    return made, unpacked


def check(kit_dir, target, out):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_HOME"}
    done = subprocess.run([sys.executable, "-m", "autograder", "check", target, "--out", str(out)], cwd=kit_dir,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout, json.loads(out.read_text())


def test_the_kit_holds_no_hidden_test_expected_value_or_reference(built):
    made, unpacked = built
    names = set(made["files"])
    assert "autograder-kit.toml" in names and "README.md" in names and "hw6/neural_networks/layers.py" in names
    assert not any(n.startswith("reference/") or n.endswith("make_fixtures.py") for n in names)
    assert not any(n.startswith("hw6/predictions/") for n in names)  # the reference's outputs
    assert "tests/grading/hw6/grade_kaggle.py" not in names and "tests/grading/hw6/grade_einsum.py" not in names
    text = "\n".join((unpacked / n).read_text(errors="replace") for n in names if n.endswith((".py", ".md", ".toml")))
    assert not [name for name in HIDDEN_TESTS if name in text]
    shipped = Fixtures(unpacked / "fixtures" / "hw6")
    assert set(shipped.manifest["arrays"]) == set(made["arrays"])
    assert "softmax_large_out" not in shipped and "conv_valid_wide_out" not in shipped  # hidden tests' values
    assert "relu_out" in shipped and "conv_same_square_out" in shipped
    assert set(shipped.manifest["thresholds"]) == {"iris_accuracy"}  # no Kaggle mark (hidden labels' part)
    # what needs the reference is said, not shipped
    assert set(made["not in the kit (need the reference)"]) == {
        "FullyConnected backward agrees with finite differences", "FullyConnected is vectorized (no loop over the "
        "examples of a batch)", "Conv2D backward agrees with finite differences", "Conv2D is vectorized (no loop "
        "over the examples of a batch)", "Pool2D is vectorized (no loop over the examples of a batch)"}


@pytest.mark.slow
def test_check_in_the_kit_grades_the_template_and_the_reference(built, tmp_path):
    _, unpacked = built
    out, template = check(unpacked, "hw6/", tmp_path / "template.json")
    assert "public tests" in out and template["score"] == 0
    numbers = {t["number"] for t in template["tests"]}
    assert "1.6" not in numbers and "4.2" not in numbers and "2.7" not in numbers and "1.1" in numbers
    # the same messages as `autograder check` in the project
    project = subprocess.run([sys.executable, "-m", "autograder", "check", "hw6", "student_template/hw6", "--out",
                              str(tmp_path / "project.json")], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert project.returncode == 0, project.stderr[-2000:]
    there = {t["number"]: t.get("output", "") for t in json.loads((tmp_path / "project.json").read_text())["tests"]}
    assert all(t.get("output", "") == there[t["number"]] for t in template["tests"])
    shutil.rmtree(unpacked / "hw6")
    shutil.copytree(HW6.reference_dir, unpacked / "hw6", ignore=shutil.ignore_patterns("__pycache__", "*.csv"))
    _, solved = check(unpacked / "hw6", ".", tmp_path / "solved.json")  # from inside the student's folder
    assert solved["score"] == sum(t["max_score"] for t in solved["tests"]) > 0
