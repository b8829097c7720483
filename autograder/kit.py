"""The students' kit: what an instructor hands out so that students run the public tests at home.

``autograder student-kit ID --out kit.zip`` writes a zip that holds:

- ``ID/``: the student template, where the student works;
- ``tests/grading/ID/``: assignment.toml, the environment lock, the helpers, and the grading test files with
  only the public tests in them (tests with another visibility, of parts that are off, or that compare with the
  reference, which only the grader has, are cut out of the source: their names, counts and messages are not in
  the kit);
- ``fixtures/ID/``: only the arrays and thresholds those public tests read (found by running them on the
  reference while the kit is built), never a hidden test's expected values, hidden labels or the reference;
- ``wheels/``: this project as a wheel (when built from a checkout), so that one ``pip install`` sets a student up;
- ``autograder-kit.toml`` (which assignment this is) and a README for students.

Inside the unzipped kit, ``autograder check ID`` (or ``autograder check ID/``) finds the kit and grades the
student's work with those public tests, as ``autograder check`` does in the project.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import shutil
import subprocess
import sys
import tempfile
import tokenize
import zipfile
from pathlib import Path
from typing import Any

from .assignment import Assignment
from .errors import AssignmentError
from .fixtures import Fixtures, FixtureWriter

MARKER = "autograder-kit.toml"
VISIBLE = (None, "visible")


def find(start: Path) -> Path | None:
    """The kit that ``start`` is in (the folder holding ``autograder-kit.toml``), or None."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def kit_assignment(kit: Path) -> str:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return str(tomllib.loads((kit / MARKER).read_text())["assignment"])


def _decorator_value(node: ast.expr, name: str) -> Any:
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
        if node.args and isinstance(node.args[0], ast.Constant):
            return node.args[0].value
    return None


def public_source(source: str, assignment: Assignment) -> tuple[str, list[str]]:
    """``source`` (a grading test file) without the tests students may not see or cannot run at home; returns the
    new source and the names of the public tests cut because they need the reference."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []
    needs_reference = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test")):
            continue
        visibility = next((v for d in node.decorator_list if (v := _decorator_value(d, "visibility"))), None)
        part = next((v for d in node.decorator_list if (v := _decorator_value(d, "part"))), None)
        uses_reference = "reference" in [a.arg for a in node.args.args]
        if visibility in VISIBLE and assignment.part_state(part) != "off" and not uses_reference:
            continue
        if visibility in VISIBLE and assignment.part_state(part) != "off":
            doc = (ast.get_docstring(node) or "").strip()
            needs_reference.append(doc.splitlines()[0].strip() if doc else node.name)  # its name, as plugin.py's
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        cut.append((start, node.end_lineno))
    for start, end in sorted(cut, reverse=True):
        del lines[start - 1:end]
    return "".join(lines), needs_reference


def without_comments(source: str) -> str:
    """``source`` with its comments removed (code and docstrings as they are)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.COMMENT]
    return "\n".join(line.rstrip() for line in tokenize.untokenize(tokens).splitlines()) + "\n"


class _Recording(Fixtures):
    """Fixtures that remember what the tests read: the kit gets only that."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.read: set[str] = set()
        self.thresholds: set[str] = set()

    def __getitem__(self, name: str):
        self.read.add(name)
        return super().__getitem__(name)

    def threshold(self, name: str, *, data, settings=None) -> float:
        self.thresholds.add(name)
        return super().threshold(name, data=data, settings=settings)


def build(assignment: Assignment, out: Path) -> dict[str, Any]:
    """Write the kit of ``assignment`` to the zip ``out``; return what went in (for the instructor's eyes)."""
    from . import grading

    if not assignment.template_dir.is_dir():
        raise AssignmentError(f"no student template for {assignment.id}: run `autograder template {assignment.id}`")
    with tempfile.TemporaryDirectory(prefix=f"autograder-kit-{assignment.id}-") as tmp:
        kit = Path(tmp) / "kit"
        tests = kit / "tests" / "grading" / assignment.id
        tests.mkdir(parents=True)
        cut_for_reference: list[str] = []
        for path in sorted(assignment.tests_dir.iterdir()):
            if path.name == "make_fixtures.py" or path.name.startswith((".", "__")) or not path.is_file():
                continue
            if path.name.startswith("grade_") and path.suffix == ".py":
                text, needs = public_source(path.read_text(), assignment)
                cut_for_reference += needs
                if any(isinstance(n, ast.FunctionDef) and n.name.startswith("test") for n in ast.parse(text).body):
                    (tests / path.name).write_text(text)  # (a file left without tests is not in the kit at all)
            elif path.suffix == ".py":  # a helper: its comments may speak of tests that are not in the kit
                (tests / path.name).write_text(without_comments(path.read_text()))
            else:
                shutil.copyfile(path, tests / path.name)
        shutil.copytree(assignment.template_dir, kit / assignment.id, ignore=shutil.ignore_patterns("__pycache__"))
        # What the public tests read, found by running them (as the kit will) on the reference.
        (kit / MARKER).write_text(f'assignment = "{assignment.id}"\n')
        recording = _Recording(assignment.fixtures_dir)
        report = grading.grade(dataclasses.replace(assignment, root=kit), assignment.reference_dir, visible_only=True,
                               fixtures=recording)
        if report.errors:
            raise AssignmentError(f"the public tests do not run on the reference: {report.errors[0][:500]}")
        writer = FixtureWriter()
        committed = Fixtures(assignment.fixtures_dir)
        for name in sorted(recording.read):
            writer[name] = committed[name]
        writer.meta = committed.meta
        writer.thresholds = {n: committed.threshold_info(n) for n in sorted(recording.thresholds)}
        writer.provenance = committed.manifest.get("provenance", {})
        writer.write(kit / "fixtures" / assignment.id)
        wheel = project_wheel(kit / "wheels")
        (kit / "README.md").write_text(_readme(assignment, cut_for_reference, wheel))
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(kit.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(kit).as_posix())
        return {"files": sorted(p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.is_file()),
                "arrays": sorted(recording.read), "thresholds": sorted(recording.thresholds),
                "public tests": len(report.results.tests), "not in the kit (need the reference)": cut_for_reference}


def project_wheel(folder: Path) -> Path | None:
    """This project built as a wheel into ``folder`` (from a checkout; None when installed without its sources)."""
    project = Path(__file__).resolve().parent.parent
    if not (project / "pyproject.toml").is_file():
        return None
    with tempfile.TemporaryDirectory(prefix="autograder-wheel-") as tmp:  # (the checkout gets no build/ files)
        source = Path(tmp) / "source"
        shutil.copytree(project / "autograder", source / "autograder",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copyfile(project / name, source / name)
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                               "--disable-pip-version-check", "-w", str(folder), str(source)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise AssignmentError(f"could not build this project's wheel for the kit: {done.stderr[-1500:]}")
    return next(folder.glob("*.whl"))


def _readme(assignment: Assignment, cut: list[str], wheel: Path | None) -> str:
    graded_elsewhere = "".join(f"- {name}\n" for name in cut) or "- (none)\n"
    install = (f"pip install wheels/{wheel.name}   # this checker, from the kit" if wheel else
               "pip install ml-autograder          # or the wheel your instructor gave you")
    notebook = assignment.settings.get("notebook", f"{assignment.id}.ipynb")
    in_notebook = "" if assignment.kind != "notebook" else f"""
In the notebook itself (Jupyter, VS Code, Colab), in a new cell:

    from autograder import notebook_check
    notebook_check("2.1")        # one question; notebook_check() for all of them

It checks `{notebook}` **as saved**: save it first (it tells you when this kernel ran code that the saved
file lacks). On Colab, give the path of your copy: `notebook_check("2.1", notebook="/content/drive/...")`.
The tests run in separate processes, never in your kernel.
"""
    return f"""# {assignment.title}: the public tests

Your starting files are in `{assignment.id}/`: write your solution there.

## Setup (once)

    {install}

## Check your work

From this folder (or any folder below it):

    autograder check {assignment.id}/

It runs the public tests on your files, each in a separate process (your code never runs inside the
checker), and prints a table with what was expected and what came for each failure. Your grade comes from
the full set of tests on Gradescope: passing these is a good sign, not a promise. One question only:
`autograder check {assignment.id}/ --question 2.1`.
{in_notebook}
These public tests run only on Gradescope, because they compare with the course's own solution (say, your
code's speed against it):

{graded_elsewhere}"""
