"""Finding assignments and reading their definitions.

An assignment ``ID`` is data that plugs in; the harness knows none by name::

    tests/grading/ID/assignment.toml   title, kind, settings ([timeouts], [limits], [environment], [parts])
    tests/grading/ID/environment.lock  the students' environment, locked (``autograder env ID --lock``)
    tests/grading/ID/grade_*.py        grading tests (pytest, with points)
    tests/grading/ID/make_fixtures.py  generate(reference, out, rng): fixtures from the reference
    reference/ID/                      the complete solution, itself a valid submission
    student_template/ID/               generated from the reference (``autograder template ID``)
    fixtures/ID/                       generated from the reference (``autograder fixtures ID``)

The project root is ``$AUTOGRADER_HOME`` when set, else the folder holding the ``autograder``
package when it has ``tests/grading``, else the current directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import budgets
from .config import Limits, Resources, Timeouts, replace_from
from .environments import Spec
from .errors import AssignmentError, UnknownAssignment

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Gradescope's Ubuntu 22.04)
    import tomli as tomllib


# [parts] in assignment.toml: "graded" (the default) counts; "optional" is run and reported but worth no
# points (what the course calls optional); "off" is not run and not in the results (a part the course
# collects elsewhere, e.g. in a write-up, until the instructor turns it on).
PART_STATES = ("graded", "optional", "off")


#: The keys of assignment.toml: (type, default, meaning). The one declaration load() checks against.
KEYS: dict[str, tuple[type, Any, str]] = {
    "title": (str, None, "the assignment's name, shown above results (default: its id)"),
    "kind": (str, None, 'required: "package" (a folder of .py files) or "notebook" (a .ipynb)'),
    "seed": (int, 0, "seed of the generator make_fixtures.generate gets"),
    "timeouts": (dict, {}, "[timeouts]: start, call, total, in seconds (config.Timeouts)"),
    "limits": (dict, {}, "[limits]: the worker's resource limits (config.Limits)"),
    "resources": (dict, {}, "[resources]: what one grading run needs, for bulk --jobs and Ray (config.Resources)"),
    "budgets": (dict, {}, "[budgets.gpu], [budgets.cpu]: training budgets per device class for runtime tests "
                          "(budgets.py): description, max_ratio, and the assignment's own keys"),
    "settings": (dict, {}, "[settings]: see SETTINGS"),
    "environment": (dict, None, "[environment] packages = [...]: the students' environment (environments.Spec)"),
    "parts": (dict, {}, '[parts]: part = "graded", "optional" or "off", for tests marked @part'),
    "manual": (list, [], "[[manual]]: questions graded by hand (number, points, rubric, question): shown by "
                         "`autograder list` and in the bundle's README, never in results.json"),
}
KINDS = ("package", "notebook")
#: [settings] keys the harness reads: (type, default, meaning). Others are the assignment's own tests' to read.
SETTINGS: dict[str, tuple[type | tuple[type, ...], Any, str]] = {
    "notebook": (str, "ID.ipynb", "notebook assignments: the notebook's file name in submissions and the reference"),
    "notebooks": (list, [], "notebook assignments of several notebooks: their file names; each runs in kernels of "
                            'its own, and tests ask for one by name: submission.module("mnist") for mnist.ipynb'),
    "notebook_mode": (str, "definitions", 'notebook assignments: "definitions" (imports, defs, classes, constants '
                                          'and cells tagged grader:run) or "all" (every cell)'),
    "cell_timeout": ((int, float), 60, "notebook assignments: seconds one cell may run"),
    "template_exclude": (list, [], "shell patterns of reference files the template leaves out (e.g. outputs)"),
}


def _check_keys(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ValueError(f"unknown key {', '.join(map(repr, unknown))} (known: {', '.join(KEYS)})")
    for key, value in data.items():
        if not isinstance(value, KEYS[key][0]) or isinstance(value, bool) and KEYS[key][0] is int:
            wanted = {str: "a string", int: "an integer", dict: "a table ([...])",
                      list: "an array of tables ([[...]])"}[KEYS[key][0]]
            raise ValueError(f"{key} must be {wanted}, got {value!r}")
    if "kind" not in data:
        raise ValueError('kind is missing: say kind = "package" or kind = "notebook"')
    if data["kind"] not in KINDS:
        raise ValueError(f"kind = {data['kind']!r}: choose one of {', '.join(KINDS)}")
    # [settings] is also the assignment's own: its grading tests may read keys of their own (``assignment``)
    for key, value in data.get("settings", {}).items():
        if key in SETTINGS and not isinstance(value, SETTINGS[key][0]):
            raise ValueError(f"[settings] {key} = {value!r}: expected {SETTINGS[key][2]}")


def _parts(table: Any) -> dict[str, str]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ValueError("[parts] must be a table of part = \"graded\" | \"optional\" | \"off\"")
    for name, state in table.items():
        if state not in PART_STATES:
            raise ValueError(f"[parts] {name} = {state!r}: choose one of {', '.join(PART_STATES)}")
    return dict(table)


@dataclass(frozen=True)
class ManualQuestion:
    """A question graded by hand (a written answer): listed for the instructor, not graded by a test."""

    number: str
    points: float
    rubric: str
    question: str = ""


MANUAL_KEYS = {"number": str, "points": (int, float), "rubric": str, "question": str}


def _manual(entries: Any) -> tuple[ManualQuestion, ...]:
    questions = []
    for entry in entries or []:
        if not isinstance(entry, dict) or set(entry) - set(MANUAL_KEYS) or not {"number", "points", "rubric"} <= set(
                entry):
            raise ValueError(f"[[manual]] entries take number, points, rubric and optionally question, got {entry!r}")
        for key, kind in MANUAL_KEYS.items():
            if key in entry and (not isinstance(entry[key], kind) or isinstance(entry[key], bool)):
                raise ValueError(f"[[manual]] {key} = {entry[key]!r}: the wrong type")
        if entry["points"] < 0:
            raise ValueError(f"[[manual]] {entry['number']}: points must not be negative")
        questions.append(ManualQuestion(entry["number"], float(entry["points"]), entry["rubric"],
                                        entry.get("question", "")))
    numbers = [q.number for q in questions]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"[[manual]] numbers repeat: {numbers}")
    return tuple(questions)


def manual_markdown(assignment: Assignment) -> str:
    """The questions graded by hand, as Markdown for the instructor (empty when there are none)."""
    if not assignment.manual:
        return ""
    total = sum(q.points for q in assignment.manual)
    rows = "\n".join(f"| {q.number} | {q.points:g} | {q.question} | {q.rubric} |" for q in assignment.manual)
    return (f"## {assignment.id}: questions graded by hand ({total:g} points, not in results.json)\n\n"
            f"| # | points | question | rubric |\n|---|---|---|---|\n{rows}\n")


def project_root() -> Path:
    if os.environ.get("AUTOGRADER_HOME"):
        return Path(os.environ["AUTOGRADER_HOME"]).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "tests" / "grading").is_dir():
        return here
    return Path.cwd()


@dataclass(frozen=True)
class Assignment:
    id: str
    root: Path
    title: str
    kind: str = "package"
    seed: int = 0
    timeouts: Timeouts = field(default_factory=Timeouts)
    limits: Limits = field(default_factory=Limits)
    resources: Resources = field(default_factory=Resources)
    budgets: dict[str, dict[str, Any]] = field(default_factory=dict)  # [budgets]: device class -> budget
    settings: dict[str, Any] = field(default_factory=dict)
    environment: Spec | None = None  # None: submission code runs with the grader's own Python
    parts: dict[str, str] = field(default_factory=dict)  # [parts]: part name -> one of PART_STATES
    manual: tuple[ManualQuestion, ...] = ()  # [[manual]]: questions graded by hand

    def part_state(self, name: str | None) -> str:
        """How the tests of part ``name`` (``@part``) count: "graded" unless ``[parts]`` says otherwise."""
        return self.parts.get(name, "graded") if name else "graded"

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests" / "grading" / self.id

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference" / self.id

    @property
    def template_dir(self) -> Path:
        return self.root / "student_template" / self.id

    @property
    def fixtures_dir(self) -> Path:
        return self.root / "fixtures" / self.id


def load(assignment_id: str, root: Path | None = None) -> Assignment:
    """The assignment ``assignment_id`` under ``root`` (default: ``project_root()``)."""
    root = Path(root) if root else project_root()
    path = root / "tests" / "grading" / assignment_id / "assignment.toml"
    if not assignment_id.replace("_", "").replace("-", "").isalnum() or not path.is_file():
        known = ", ".join(a for a in available(root)) or "none"
        raise UnknownAssignment(f"no assignment {assignment_id!r} (known: {known})")
    try:
        data = tomllib.loads(path.read_text())
        _check_keys(data)
        kind = data["kind"]
        environment = Spec.from_table(assignment_id, data.get("environment"), path.parent, kind)
        loaded = Assignment(
            id=assignment_id, root=root, title=data.get("title", assignment_id), kind=kind,
            seed=int(data.get("seed", 0)), timeouts=replace_from(Timeouts(), data.get("timeouts")),
            limits=replace_from(Limits(), data.get("limits")), settings=data.get("settings", {}),
            resources=replace_from(Resources(), data.get("resources")),
            budgets=budgets.check_table(data.get("budgets", {})),
            environment=environment, parts=_parts(data.get("parts")), manual=_manual(data.get("manual")),
        )
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        raise AssignmentError(f"{path}: {exc}") from None
    if kind == "notebook" and loaded.reference_dir.is_dir():  # (a student's kit has no reference)
        names = loaded.settings.get("notebooks") or [str(loaded.settings.get("notebook", f"{assignment_id}.ipynb"))]
        for name in names:
            if not (loaded.reference_dir / str(name)).is_file():
                raise AssignmentError(f"{path}: the notebook {name!r} ([settings] notebook{'s' * (len(names) > 1)})"
                                      f" is not in {loaded.reference_dir}")
    elif kind == "package" and ("notebook" in loaded.settings or "notebooks" in loaded.settings):
        raise AssignmentError(f"{path}: [settings] notebook is set but kind = \"package\": did you mean "
                              'kind = "notebook"?')
    return loaded


def available(root: Path | None = None) -> list[str]:
    """The ids of every assignment under ``root``."""
    base = (Path(root) if root else project_root()) / "tests" / "grading"
    return sorted(p.parent.name for p in base.glob("*/assignment.toml"))


def keys_markdown() -> str:
    """Every assignment.toml key the harness reads, with its type, default and meaning, as Markdown tables:
    the reference in docs/authoring.md, generated from the declarations load() checks against."""
    import dataclasses

    def table(rows: list[tuple[str, str, str, str]]) -> list[str]:
        return ["| key | type | default | meaning |", "|---|---|---|---|",
                *(f"| `{k}` | {t} | {d} | {m} |" for k, t, d, m in rows)]

    def type_name(kind: Any) -> str:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        return " or ".join({str: "string", int: "integer", float: "number", dict: "table", list: "list",
                            bool: "boolean"}[k] for k in kinds)

    lines = ["Top level:", "", *table([(k, type_name(t), "required" if k == "kind" else f"`{d!r}`" if d is not None
                                        else "none", m) for k, (t, d, m) in KEYS.items()])]
    for title, cls in (("[timeouts]", Timeouts), ("[limits]", Limits), ("[resources]", Resources)):
        lines += ["", f"`{title}`:", "", *table([(f.name, type_name(type(f.default)), f"`{f.default!r}`",
                                                  f.metadata.get("help", "")) for f in dataclasses.fields(cls)])]
    lines += ["", "`[settings]` (the harness reads these; other keys are the assignment's own, for its tests):", "",
              *table([(k, type_name(t), f"`{d!r}`", m) for k, (t, d, m) in SETTINGS.items()])]
    return "\n".join(lines)
