"""Tests for autograder/assignment.py: finding assignments and reading assignment.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.assignment import available, load, project_root
from autograder.errors import AssignmentError, UnknownAssignment
from tests.support.trees import write_tree


def make(root: Path, name: str, toml: str) -> Path:
    return write_tree(root, {f"tests/grading/{name}/assignment.toml": toml})


def test_load_reads_settings(tmp_path: Path) -> None:
    make(tmp_path, "hw1", """\
        title = "HW1"
        kind = "notebook"
        seed = 12

        [timeouts]
        call = 3

        [limits]
        memory_mb = 1024

        [settings]
        margin = 0.1
    """)
    a = load("hw1", tmp_path)
    assert (a.id, a.title, a.kind, a.seed) == ("hw1", "HW1", "notebook", 12)
    assert a.timeouts.call == 3 and a.limits.memory_mb == 1024 and a.settings == {"margin": 0.1}
    assert a.tests_dir == tmp_path / "tests" / "grading" / "hw1"
    assert a.reference_dir == tmp_path / "reference" / "hw1"
    assert a.template_dir == tmp_path / "student_template" / "hw1"
    assert a.fixtures_dir == tmp_path / "fixtures" / "hw1"


def test_defaults(tmp_path: Path) -> None:
    make(tmp_path, "hw2", "")
    a = load("hw2", tmp_path)
    assert (a.title, a.kind, a.seed) == ("hw2", "package", 0)


@pytest.mark.parametrize("name", ["nope", "../hw1", "hw1/..", ""])
def test_unknown_assignment_lists_the_known_ones(tmp_path: Path, name: str) -> None:
    make(tmp_path, "hw1", "")
    make(tmp_path, "hw-2_b", "")
    with pytest.raises(UnknownAssignment, match=r"known: hw-2_b, hw1"):
        load(name, tmp_path)


@pytest.mark.parametrize(("toml", "message"), [
    ("title = \n", "assignment.toml"),
    ("[timeouts]\nwall = 3\n", "unknown settings"),
    ("[limits]\nmemory_mb = 'lots'\n", "'memory_mb' must be a positive int"),
    ("seed = 'x'\n", "assignment.toml"),
])
def test_bad_assignment_toml_is_an_assignment_error(tmp_path: Path, toml: str, message: str) -> None:
    make(tmp_path, "hw1", toml)
    with pytest.raises(AssignmentError, match=message):
        load("hw1", tmp_path)


def test_available_and_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "b", "")
    make(tmp_path, "a", "")
    (tmp_path / "tests" / "grading" / "not_an_assignment").mkdir()
    monkeypatch.setenv("AUTOGRADER_HOME", str(tmp_path))
    assert project_root() == tmp_path.resolve()
    assert available() == ["a", "b"]
    assert load("a").root == tmp_path.resolve()
