"""``autograder new ID``: a new assignment that grades from the start, to edit into the real one.

A package assignment gets a module with one function to write, a notebook assignment a notebook with one
cell to write; each gets its assignment.toml, its fixtures script and one grading test. Then ``autograder
template ID`` and ``autograder fixtures ID`` make the rest, and the reference grades full marks.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from .errors import AssignmentError

KINDS = ("package", "notebook")

_TOML = '''\
title = "{id}: a new assignment (edit me)"
kind = "{kind}"
{settings}
# Until [environment] is set, submission code runs with the grader's own Python. To give students' code
# their course's packages, pinned, uncomment and run `autograder env {id} --lock`:
# [environment]
# packages = ["numpy==1.26.4"]
'''

_PACKAGE = '''\
"""{id}: the student's module. Parts between BEGIN / END SOLUTION are what students write."""

import numpy as np


def add(a, b):
    """Element-wise sum of two arrays."""
    # BEGIN SOLUTION
    return np.asarray(a) + np.asarray(b)
    # END SOLUTION
'''

_FIXTURES = '''\
"""{id} fixtures: inputs drawn here, expected values computed by the reference (`autograder fixtures {id}`)."""


def generate(reference, out, rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    out["a"], out["b"] = a, b
    out["sum"] = reference.module("{module}").add(a, b)
'''

_TEST = '''\
"""{id}: grading tests. See docs/authoring.md for the fixtures, checks and decorators."""

from autograder.checks import assert_close
from autograder.decorators import number, visibility, weight


@weight(2)
@number("1.1")
@visibility("visible")
def test_add(submission, fixtures):
    """add sums two arrays"""
    result = submission.module("{module}").add(fixtures["a"], fixtures["b"])
    assert_close(result, fixtures["sum"], "add(a, b)")
'''


def _notebook(assignment_id: str) -> str:
    def cell(kind: str, source: str) -> dict:
        entry = {"cell_type": kind, "metadata": {}, "source": source}
        return {**entry, "execution_count": None, "outputs": []} if kind == "code" else entry

    cells = [cell("markdown", f"# {assignment_id}\n\nWrite `add` below, then run the cell."),
             cell("code", "import numpy as np"),
             cell("code", "def add(a, b):\n    \"\"\"Element-wise sum of two arrays.\"\"\"\n    # BEGIN SOLUTION\n"
                          "    return np.asarray(a) + np.asarray(b)\n    # END SOLUTION")]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                   "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def create(root: Path, assignment_id: str, kind: str) -> list[Path]:
    """Write the new assignment ``assignment_id`` under the project ``root``; return the files written."""
    if kind not in KINDS:
        raise AssignmentError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not assignment_id.replace("_", "").isalnum() or not assignment_id[0].isalpha():
        raise AssignmentError(f"an assignment id is letters, digits and _, starting with a letter: {assignment_id!r}")
    tests = root / "tests" / "grading" / assignment_id
    if tests.exists() or (root / "reference" / assignment_id).exists():
        raise AssignmentError(f"assignment {assignment_id!r} exists already ({tests})")
    notebook = kind == "notebook"
    module = "__notebook__" if notebook else assignment_id
    values = {"id": assignment_id, "kind": kind, "module": module,
              "settings": f'\n[settings]\nnotebook = "{assignment_id}.ipynb"\n' if notebook else ""}
    files = {
        tests / "assignment.toml": _TOML.format(**values),
        tests / "make_fixtures.py": _FIXTURES.format(**values),
        tests / f"grade_{assignment_id}.py": _TEST.format(**values),
    }
    if notebook:
        files[root / "reference" / assignment_id / f"{assignment_id}.ipynb"] = _notebook(assignment_id)
    else:
        files[root / "reference" / assignment_id / f"{assignment_id}.py"] = _PACKAGE.format(**values)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return sorted(files)
