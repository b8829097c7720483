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

from .config import Limits, Timeouts, replace_from
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


def _parts(table: Any) -> dict[str, str]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ValueError("[parts] must be a table of part = \"graded\" | \"optional\" | \"off\"")
    for name, state in table.items():
        if state not in PART_STATES:
            raise ValueError(f"[parts] {name} = {state!r}: choose one of {', '.join(PART_STATES)}")
    return dict(table)


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
    settings: dict[str, Any] = field(default_factory=dict)
    environment: Spec | None = None  # None: submission code runs with the grader's own Python
    parts: dict[str, str] = field(default_factory=dict)  # [parts]: part name -> one of PART_STATES

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
        kind = data.get("kind", "package")
        environment = Spec.from_table(assignment_id, data.get("environment"), path.parent, kind)
        return Assignment(
            id=assignment_id, root=root, title=data.get("title", assignment_id), kind=kind,
            seed=int(data.get("seed", 0)), timeouts=replace_from(Timeouts(), data.get("timeouts")),
            limits=replace_from(Limits(), data.get("limits")), settings=data.get("settings", {}),
            environment=environment, parts=_parts(data.get("parts")),
        )
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        raise AssignmentError(f"{path}: {exc}") from None


def available(root: Path | None = None) -> list[str]:
    """The ids of every assignment under ``root``."""
    base = (Path(root) if root else project_root()) / "tests" / "grading"
    return sorted(p.parent.name for p in base.glob("*/assignment.toml"))
