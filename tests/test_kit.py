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
    return build_kit(HW6, tmp_path_factory.mktemp("kit"))


def build_kit(a, folder):
    """The kit of ``a`` unzipped in ``folder``, and the project installed from the kit's own wheel alone (into a
    folder put first on PYTHONPATH: its dependencies are this venv's)."""
    out = folder / f"{a.id}-kit.zip"
    made = kit.build(a, out)
    unpacked = folder / "unzipped"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(unpacked)
    wheels = sorted((unpacked / "wheels").glob("ml_autograder-*.whl"))
    assert len(wheels) == 1 and f"pip install wheels/{wheels[0].name}" in (unpacked / "README.md").read_text()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--disable-pip-version-"
                    "check", "--target", str(folder / "installed"), str(wheels[0])], check=True, timeout=300)
    return made, unpacked


def kit_env(kit_dir):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_HOME"}
    env["PYTHONPATH"] = str(kit_dir.parent / "installed")
    return env


def check(kit_dir, target, out, *extra):
    env = kit_env(kit_dir if (kit_dir / kit.MARKER).is_file() else kit_dir.parent)
    where = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"], cwd=kit_dir,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(env["PYTHONPATH"]), where  # the kit's wheel, not this checkout
    done = subprocess.run([sys.executable, "-m", "autograder", "check", target, "--out", str(out), *extra],
                          cwd=kit_dir, env=env, capture_output=True, text=True, timeout=900)
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
    assert "# 4.2" not in text  # (the helpers' comments speak of tests by number: not shipped)
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
    assert not [name for name in ("Softmax forward: large", "stride 2, several shapes", "4.2") if name in out]
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


@pytest.mark.slow
def test_what_students_see_of_results_json_never_reveals_hidden_tests(tmp_path):
    """Graded with every test, the template's results.json shows students (by Gradescope's rules, before the due
    date) no hidden or after-due-date test: not its name, its message, nor the total they make up."""
    from autograder import results
    from tests.helpers import graded

    data, _ = graded(HW6, ROOT / "student_template" / "hw6", tmp_path / "results.json")  # (test_hw6 reads it too)
    view = results.student_view(data)
    shown = json.dumps(view)
    withheld = [t for t in data["tests"] if t not in view["tests"]]
    assert withheld and {t.get("visibility") for t in withheld} <= {"hidden", "after_due_date", "after_published"}
    assert "score" not in view
    visible_messages = "\n".join(t.get("output", "") for t in view["tests"])
    for test in withheld:
        assert test["name"] not in shown and test["name"].split(" ", 1)[1] not in shown
        own_lines = [line for line in test.get("output", "").splitlines() if line.strip() and line not in
                     visible_messages]
        assert not [line for line in own_lines if line in shown], test["name"]


PS2 = assignment.load("ps2", ROOT)


@pytest.fixture(scope="module")
def ps2_kit(tmp_path_factory):
    pytest.importorskip("torch")
    return build_kit(PS2, tmp_path_factory.mktemp("ps2kit"))[1]


@pytest.mark.slow
def test_ps2_kit_checks_the_template_as_the_project_does_and_the_reference_to_full_marks(ps2_kit, tmp_path):
    names = {p.relative_to(ps2_kit).as_posix() for p in ps2_kit.rglob("*") if p.is_file()}
    assert "ps2/ps2.ipynb" in names and not any(n.endswith("make_fixtures.py") or "reference" in n for n in names)
    _, template = check(ps2_kit, "ps2/ps2.ipynb", tmp_path / "template.json")
    project = subprocess.run([sys.executable, "-m", "autograder", "check", "ps2", "student_template/ps2", "--out",
                              str(tmp_path / "project.json")], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert project.returncode == 0, project.stderr[-2000:]
    there = json.loads((tmp_path / "project.json").read_text())
    assert [(t["number"], t.get("output", "")) for t in template["tests"]] == [
        (t["number"], t.get("output", "")) for t in there["tests"] if not t["name"].startswith(
            "2.1a.ii.2 ")]  # (compares speed with the reference: not in the kit)
    graded = [t for t in template["tests"] if t["max_score"] > 0]
    assert graded and all(t["score"] == 0 for t in graded)
    shutil.copyfile(PS2.reference_dir / "ps2.ipynb", ps2_kit / "ps2" / "solved.ipynb")
    _, solved = check(ps2_kit, "ps2/solved.ipynb", tmp_path / "solved.json")
    assert solved["score"] == sum(t["max_score"] for t in solved["tests"]) > 0


CHECK_CELLS = [
    "import sys\nbefore = set(sys.modules)",
    "from autograder import notebook_check\nresult = notebook_check('2.1a')\nresult",
    "ran_here = sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('pytest', '_pytest', 'grade_knn', "
    "'ps2_helpers') or m in ('autograder.grading', 'autograder.plugin', 'autograder.session'))\n"
    "print('RAN HERE:', ran_here, 'TESTS:', [t['number'] for t in result.tests])",
]


@pytest.mark.slow
def test_notebook_check_in_a_jupyter_kernel_grades_the_saved_file_and_runs_no_test_in_the_kernel(ps2_kit,
                                                                                                monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    saved = ps2_kit / "ps2" / "ps2.ipynb"
    nb = nbformat.read(str(saved), as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(source) for source in CHECK_CELLS]
    nbformat.write(nb, str(saved))  # the student's notebook, with the check in it, as saved
    # The kernel runs only those cells (the template's own would load CIFAR-10): all of them are in the saved file.
    run = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CHECK_CELLS],
                                   metadata=nb.metadata)
    monkeypatch.setenv("PYTHONPATH", kit_env(ps2_kit)["PYTHONPATH"])
    monkeypatch.setenv("JPY_SESSION_NAME", str(saved))  # as Jupyter Server tells its kernels
    NotebookClient(run, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(saved.parent)}}
                   ).execute()
    shown = run.cells[1].outputs
    html = "".join(o.get("data", {}).get("text/html", "") for o in shown)
    assert "<table" in html and "compute_distance_two_loops" in html and "Total" in html
    assert "0/1" in html and "not implemented yet" in html  # the template's stubs, as `check` says
    assert "unsaved" not in html
    printed = "".join(o.get("text", "") for o in run.cells[2].outputs)
    assert "RAN HERE: []" in printed, printed  # no test machinery, test module or helper was imported here
    assert "'2.1a.i'" in printed and "'2.1c'" not in printed  # the question's tests, and only those


def test_unsaved_cells_are_those_the_saved_file_lacks():
    from autograder.jupyter import unsaved_sources

    saved = ["import numpy as np", "def f(x):\n    return 2 * x   "]
    assert unsaved_sources(["import numpy as np", "def f(x):\n    return 2 * x", "notebook_check('1')"], saved) == []
    assert unsaved_sources(["def f(x):\n    return 3 * x", ""], saved) == ["def f(x):\n    return 3 * x"]


def test_notebook_check_shows_a_failed_zero_point_test_as_failed():
    from autograder.jupyter import CheckResult

    result = CheckResult(None, tests=[
        {"name": "2.3g topk_accuracy", "number": "2.3g", "score": 0, "max_score": 0, "status": "failed",
         "output": "topk_accuracy(...) returned 3"},
        {"name": "2.3d MLP trains", "number": "2.3d", "score": 1, "max_score": 1, "status": "passed"},
    ])
    text = str(result)
    assert "FAIL  2.3g topk_accuracy  0/0" in text and "returned 3" in text
    assert "pass  2.3d MLP trains  1/1" in text
    assert not result.passed and "FAIL" in result._repr_html_()
