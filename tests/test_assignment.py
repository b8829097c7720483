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
    make(tmp_path, "hw2", 'kind = "package"\n')
    a = load("hw2", tmp_path)
    assert (a.title, a.kind, a.seed) == ("hw2", "package", 0)


@pytest.mark.parametrize(("toml", "message"), [
    ("", 'kind is missing: say kind = "package" or kind = "notebook"'),
    ('kind = "notebok"\n', "kind = 'notebok': choose one of package, notebook"),
    ('kind = "package"\ntittle = "x"\n', "unknown key 'tittle' \\(known: title, kind, seed"),
    ('kind = "package"\n[setings]\nx = 1\n', "unknown key 'setings'"),
    ('kind = "package"\nseed = "7"\n', "seed must be an integer"),
    ('kind = "notebook"\n[settings]\ncell_timeout = "1m"\n', "cell_timeout = '1m'"),
    ('kind = "package"\n[settings]\nnotebook = "hw.ipynb"\n', 'did you mean kind = "notebook"'),
])
def test_an_instructor_s_mistake_in_assignment_toml_is_said_at_load(tmp_path: Path, toml: str, message: str) -> None:
    make(tmp_path, "hw1", toml)
    with pytest.raises(AssignmentError, match=message):
        load("hw1", tmp_path)


def test_a_notebook_assignment_whose_notebook_is_not_in_the_reference(tmp_path: Path) -> None:
    make(tmp_path, "nb", 'kind = "notebook"\n[settings]\nnotebook = "nb.ipynb"\n')
    assert load("nb", tmp_path).kind == "notebook"  # no reference here (a student's kit): nothing to check
    write_tree(tmp_path, {"reference/nb/other.ipynb": "{}"})
    with pytest.raises(AssignmentError, match="the notebook 'nb.ipynb' .* is not in"):
        load("nb", tmp_path)


@pytest.mark.parametrize("name", ["nope", "../hw1", "hw1/..", ""])
def test_unknown_assignment_lists_the_known_ones(tmp_path: Path, name: str) -> None:
    make(tmp_path, "hw1", 'kind = "package"\n')
    make(tmp_path, "hw-2_b", 'kind = "package"\n')
    with pytest.raises(UnknownAssignment, match=r"known: hw-2_b, hw1"):
        load(name, tmp_path)


@pytest.mark.parametrize(("toml", "message"), [
    ("title = \n", "assignment.toml"),
    ('kind = "package"\n[timeouts]\nwall = 3\n', "unknown settings"),
    ('kind = "package"\n[limits]\nmemory_mb = \'lots\'\n', "'memory_mb' must be a positive int"),
    ('kind = "package"\nseed = \'x\'\n', "assignment.toml"),
])
def test_bad_assignment_toml_is_an_assignment_error(tmp_path: Path, toml: str, message: str) -> None:
    make(tmp_path, "hw1", toml)
    with pytest.raises(AssignmentError, match=message):
        load("hw1", tmp_path)


def test_available_and_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "b", 'kind = "package"\n')
    make(tmp_path, "a", 'kind = "package"\n')
    (tmp_path / "tests" / "grading" / "not_an_assignment").mkdir()
    monkeypatch.setenv("AUTOGRADER_HOME", str(tmp_path))
    assert project_root() == tmp_path.resolve()
    assert available() == ["a", "b"]
    assert load("a").root == tmp_path.resolve()


def test_the_authoring_guide_lists_every_key_as_the_code_declares_it() -> None:
    from autograder.assignment import keys_markdown

    doc = (Path(__file__).resolve().parent.parent / "docs" / "authoring.md").read_text()
    block = doc.split("<!-- keys:begin", 1)[1].split("-->", 1)[1].split("<!-- keys:end -->", 1)[0].strip()
    assert block == keys_markdown(), "regenerate docs/authoring.md's block from autograder.assignment.keys_markdown()"


def test_the_authoring_guide_s_worked_example_grades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's files, taken from the guide as written, make an assignment that grades."""
    import json
    import re

    from autograder import assignment, fixtures, grading, template

    doc = (Path(__file__).resolve().parent.parent / "docs" / "authoring.md").read_text()
    example = doc.split("## A worked example", 1)[1]
    files = dict(re.findall(r"`([\w/.]+)`:\n\n```\w+\n(.*?)```", example, flags=re.S))
    assert set(files) == {"tests/grading/adder/assignment.toml", "reference/adder/adder.py",
                          "tests/grading/adder/make_fixtures.py", "tests/grading/adder/grade_adder.py"}
    write_tree(tmp_path, files)
    monkeypatch.setenv("AUTOGRADER_HOME", str(tmp_path))
    adder = assignment.load("adder")
    template.generate(adder.reference_dir, adder.template_dir)
    fixtures.generate(adder).write(adder.fixtures_dir)
    for folder, score in ((adder.reference_dir, 2), (adder.template_dir, 0)):
        grading.grade(adder, folder, out=tmp_path / "results.json")
        data = json.loads((tmp_path / "results.json").read_text())
        assert data["score"] == score, data


@pytest.mark.parametrize("kind", ["package", "notebook"])
def test_new_then_template_fixtures_and_grade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    import json
    import subprocess
    import sys

    env = {**__import__("os").environ, "AUTOGRADER_HOME": str(tmp_path)}

    def autograder(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    autograder("new", "starter", "--kind", kind)
    autograder("template", "starter")
    autograder("fixtures", "starter")
    for folder, score in (("reference", 2), ("student_template", 0)):
        autograder("grade", "starter", f"{folder}/starter", "--out", str(tmp_path / "results.json"))
        assert json.loads((tmp_path / "results.json").read_text())["score"] == score
    with pytest.raises(AssertionError, match="exists already"):
        autograder("new", "starter")
