"""[[manual]] in assignment.toml: questions graded by hand, listed for the instructor (``autograder list``, the
Gradescope bundle's README), never in results.json."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.assignment import ManualQuestion, load, manual_markdown
from autograder.errors import AssignmentError

ROOT = Path(__file__).resolve().parent.parent
TOML = '''kind = "package"

[[manual]]
number = "1.3"
points = 2
question = "Why does it overfit?"
rubric = "more data, L2"

[[manual]]
number = "3.4"
points = 1.5
rubric = "weight sharing"
'''


def make(root: Path, text: str) -> None:
    folder = root / "tests" / "grading" / "hw1"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(text)


def test_manual_questions_load_and_read_as_markdown(tmp_path: Path) -> None:
    make(tmp_path, TOML)
    a = load("hw1", tmp_path)
    assert a.manual == (ManualQuestion("1.3", 2.0, "more data, L2", "Why does it overfit?"),
                        ManualQuestion("3.4", 1.5, "weight sharing"))
    text = manual_markdown(a)
    assert text.startswith("## hw1: questions graded by hand (3.5 points, not in results.json)")
    assert "| 1.3 | 2 | Why does it overfit? | more data, L2 |" in text


@pytest.mark.parametrize("entry, message", [
    ('number = "1"\npoints = 1\n', "number, points, rubric"),
    ('number = "1"\npoints = 1\nrubric = "r"\nextra = 2\n', "number, points, rubric"),
    ('number = 1\npoints = 1\nrubric = "r"\n', "number = 1"),
    ('number = "1"\npoints = -1\nrubric = "r"\n', "negative"),
])
def test_bad_manual_entries_are_the_instructor_s_errors(tmp_path: Path, entry: str, message: str) -> None:
    make(tmp_path, f'kind = "package"\n\n[[manual]]\n{entry}')
    with pytest.raises(AssignmentError, match=message):
        load("hw1", tmp_path)


def test_without_manual_questions_nothing_is_listed(tmp_path: Path) -> None:
    make(tmp_path, 'kind = "package"\n')
    assert manual_markdown(load("hw1", tmp_path)) == ""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "200"}, timeout=300)


def test_list_and_the_bundle_readme_show_pset4_s_written_questions(tmp_path: Path) -> None:
    proc = run("list", "pset4")
    assert proc.returncode == 0, proc.stderr
    assert "pset4: questions graded by hand (19.8 points, not in results.json)" in proc.stdout
    assert "| 3.3 | 4 |" in proc.stdout
    out = tmp_path / "pset4.zip"
    proc = run("bundle", "pset4", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    readme = zipfile.ZipFile(out).read("README.md").decode()
    assert readme.startswith((ROOT / "README.md").read_text()[:200])
    assert "| 2.2.5 | 1.2 |" in readme and "the pooling layers" in readme
