"""The command line as users run it: `autograder ...` and Gradescope's `run_autograder`."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from autograder import results, sandbox_user
from tests.helpers import ROOT


def run(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=600)


def test_help_explains_every_command():
    out = run("--help").stdout
    for command in ("list", "grade", "check", "bulk", "fixtures", "template", "bundle", "data", "sandbox"):
        assert command in out


def test_list_shows_parts_and_points():
    proc = run("list", "hw6")
    assert proc.returncode == 0, proc.stderr
    assert "Conv2D" in proc.stdout and "Total" in proc.stdout


def test_fixtures_margins_state_each_trained_marks_fit():
    proc = run("fixtures", "pset4", "--margins")
    assert proc.returncode == 0, proc.stderr
    line = " ".join(proc.stdout.split())  # (rich folds long lines)
    assert line.startswith("accuracy: mark 0.3") and "(at or above), 10 seeds; Net 0." in line
    assert "kernel-3 Net (2.2.4)" in line and "(2.33 sd)" in line
    proc = run("fixtures", "pset4", "--seeds", "2")
    assert proc.returncode == 2 and "--seeds N and --marks are for --check" in " ".join(proc.stdout.split())


def test_unknown_assignment_is_a_clear_error(tmp_path):
    proc = run("grade", "nope", str(tmp_path))
    assert proc.returncode == 2
    assert "no assignment 'nope'" in proc.stdout and "hw6" in proc.stdout


def test_grade_writes_results_and_table(tmp_path):
    out = tmp_path / "results.json"
    proc = run("grade", "hw6", "student_template/hw6", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Total" in proc.stdout
    data = json.loads(out.read_text())
    results.validate(data)
    assert data["score"] == 0


def test_check_runs_public_tests_only_and_explains(tmp_path):
    proc = run("check", "hw6", "student_template/hw6")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "public tests" in proc.stdout and "not implemented yet" in proc.stdout
    assert "(hidden)" not in proc.stdout


def test_check_one_question_and_an_unknown_one_says_which_there_are(tmp_path):
    proc = run("check", "hw6", "student_template/hw6", "--question", "1.2", "--out", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [t["number"] for t in json.loads((tmp_path / "r.json").read_text())["tests"]] == ["1.2"]
    assert "question 1.2" in proc.stdout and "ReLU backward" in proc.stdout
    proc = run("check", "hw6", "student_template/hw6", "-q", "4.2")  # after the due date: not public
    assert proc.returncode == 2 and "no public test of hw6 is numbered 4.2" in proc.stdout
    assert "4.1, 4.3" in proc.stdout.replace("\n", " ")


def test_not_a_zip_still_gets_valid_results(tmp_path):
    bogus = tmp_path / "submission.zip"
    bogus.write_text("this is not a zip")
    out = tmp_path / "results.json"
    proc = run("grade", "hw6", str(bogus), "--out", str(out))
    assert proc.returncode == 0
    data = json.loads(out.read_text())
    results.validate(data)
    assert data["score"] == 0 and data["tests"]
    assert all("not a readable .zip" in t["output"] for t in data["tests"])


def test_text_from_the_submission_is_never_read_as_markup(tmp_path):
    """A name the grader quotes (here in a note on what intake left out) holding Rich markup ([/]) is printed
    as it is: it once crashed `autograder grade` after results.json was written."""
    submission = tmp_path / "submission"
    shutil.copytree(ROOT / "examples" / "hw6_student", submission)
    (submission / "notes[").mkdir()
    (submission / "notes[" / "]x.py").symlink_to(submission / "README.md")  # quoted as 'notes[/]x.py'
    out = tmp_path / "results.json"
    proc = run("grade", "hw6", str(submission), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "'notes[/]x.py' was left out of your submission" in proc.stdout
    assert "'notes[/]x.py'" in json.loads(out.read_text())["output"]


def test_run_autograder_as_gradescope_does(tmp_path):
    """The bundle unzipped in /autograder/source, run_autograder copied to /autograder, the upload a zip."""
    root = tmp_path / "autograder"
    assert run("bundle", "hw6", "--out", str(tmp_path / "bundle.zip")).returncode == 0
    zipfile.ZipFile(tmp_path / "bundle.zip").extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    submission = root / "submission"
    with zipfile.ZipFile(tmp_path / "upload.zip", "w") as archive:
        for path in (ROOT / "reference" / "hw6").rglob("*"):  # the package and the predictions CSVs
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(ROOT / "reference").as_posix())
    submission.mkdir(parents=True)
    shutil.copy(tmp_path / "upload.zip", submission / "upload.zip")
    (root / "results").mkdir()
    (root / "results" / "results.json").write_text('{"score": 100}')  # planted: must be replaced
    env = {"AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": os.path.dirname(os.path.dirname(sys.executable))}
    proc = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True, env={**os.environ, **env},
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    results.validate(data)
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0
    assert stat.S_IMODE((root / "source").stat().st_mode) == 0o700  # the grader's files: root's alone
    assert stat.S_IMODE((root / "results").stat().st_mode) == 0o700
    log = (root / "results" / "staff_log.txt").read_text()
    account = sandbox_user.choose().user  # (this test process's slot account: tests/support/parallel.py)
    if account is not None:
        assert f"sandbox: submission code runs as {account.name} " in log and "WARNING" not in log


def test_run_autograder_without_an_assignment_still_writes_valid_results(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    env = {"AUTOGRADER_ROOT": str(root), "AUTOGRADER_ASSIGNMENT": "missing",
           "AUTOGRADER_VENV": os.path.dirname(os.path.dirname(sys.executable))}
    proc = subprocess.run([str(ROOT / "run_autograder")], capture_output=True, text=True, env={**os.environ, **env},
                          timeout=120)
    assert proc.returncode == 0
    data = json.loads((root / "results" / "results.json").read_text())
    results.validate(data)
    assert data["score"] == 0 and "could not run" in data["output"]


def test_bundle_holds_what_gradescope_needs(tmp_path):
    out = tmp_path / "hw6.zip"
    proc = run("bundle", "hw6", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = set(zipfile.ZipFile(out).namelist())
    for needed in ("setup.sh", "run_autograder", "pyproject.toml", "README.md", "ASSIGNMENT",
                   "autograder/worker/run.py", "autograder/schemas/results.schema.json",
                   "fixtures/hw6/manifest.json", "tests/grading/hw6/hw6_helpers.py",
                   "reference/hw6/neural_networks/layers.py"):
        assert needed in names, needed
    assert not any("__pycache__" in n or n.startswith("student_template/") for n in names)


def test_sandbox_says_how_submission_code_runs_here():
    proc = run("sandbox", env={"AUTOGRADER_SANDBOX_USER": "none"})
    assert proc.returncode == 0
    assert "AUTOGRADER_SANDBOX_USER=none: submission code runs as" in " ".join(proc.stdout.split())


def test_data_prepares_datasets_offline_and_says_what_they_are(tmp_path):
    proc = run("data", "mnist", "--root", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "mnist: synthetic stand-in" in " ".join(proc.stdout.split())  # rich may wrap the line
    assert (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file()
    assert sorted(p.name.split("-")[1] for p in (tmp_path / "MNIST" / "raw" / ".autograder-cache").glob("mnist-*")) \
        == ["test", "train"]  # cached for the grader
    proc = run("data", "imagenet", "--root", str(tmp_path))
    assert proc.returncode == 2 and "unknown dataset 'imagenet'" in proc.stdout


MALLORY = '''

def _neighbour_readable():
    """Find the class folder in the grader's command line (any account may read /proc/PID/cmdline) and read
    another student's work there."""
    import os
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
        except OSError:
            continue
        if b"bulk" in argv:
            folder = argv[argv.index(b"bulk") + 2].decode()
            try:
                return bool(open(os.path.join(folder, "alice", "neural_networks", "layers.py")).read())
            except OSError:
                return False
    return False


_STOLE = _neighbour_readable()
_honest_forward = ReLU.forward
ReLU.forward = lambda self, Z: _honest_forward(self, Z) if _STOLE else _honest_forward(self, Z) + 1.0
'''


def test_bulk_keeps_each_submission_from_the_others(tmp_path):
    """A submission that reads the grader's command line finds the class folder, but cannot read it: the folder
    is private while the class is graded (and its mode is back afterwards)."""
    import tempfile
    from pathlib import Path

    user = sandbox_user.choose().user
    if user is None:
        pytest.skip("needs root and the sandbox account")
    base = Path(tempfile.mkdtemp(prefix="autograder-class-"))  # where the account could reach, unlike tmp_path
    try:
        base.chmod(0o755)
        folder = base / "class"
        for name in ("alice", "mallory"):
            shutil.copytree(ROOT / "reference" / "hw6", folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        with open(folder / "mallory" / "neural_networks" / "activations.py", "a") as handle:
            handle.write(MALLORY)
        folder.chmod(0o755)
        assert sandbox_user.can_read(folder / "alice" / "neural_networks" / "layers.py", user)  # the way in
        proc = run("bulk", "hw6", str(folder), "--out", str(tmp_path / "out"))
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "made private (0700) while the class is graded" in proc.stdout
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    finally:
        shutil.rmtree(base, ignore_errors=True)
    scores = {name: json.loads((tmp_path / "out" / name / "results.json").read_text()) for name in ("alice", "mallory")}
    assert scores["alice"]["score"] == 58
    lost = {t["number"] for t in scores["mallory"]["tests"] if t["status"] == "failed"}
    assert lost == {"1.1", "6.1", "6.2", "6.3", "6.4"}, lost
