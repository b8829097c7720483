"""A toy notebook assignment, written into a temporary project root: end-to-end subject for notebooks.

    HOME/tests/grading/toynb/assignment.toml  (kind = "notebook", notebook = "toy.ipynb")
    HOME/tests/grading/toynb/grade_notebook.py, make_fixtures.py
    HOME/reference/toynb/toy.ipynb

The reference notebook defines ``add``, ``square`` and ``scale`` in cells of their own (solution regions
marked, so ``template.generate`` stubs them), between cells the grader must not run: a demo call, a
"training" loop that never ends and a ``!pip install``. ``notebook(directory, square=...)`` writes a
variant with some cells replaced: the way to build broken submissions.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from .trees import write_tree

__all__ = ["ASSIGNMENT", "CELLS", "FILENAME", "TESTS", "TESTS_OF_CELL", "build_toy_notebook", "cell", "cell_number",
           "make", "notebook"]

ASSIGNMENT = "toynb"
FILENAME = "toy.ipynb"

# name -> (source, tags); code cells, in order. Markdown cells are put between them by ``make``.
CELLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "imports": ("%matplotlib inline\nimport numpy as np", ()),
    "add": ("def add(a, b):\n    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION", ()),
    "demo": ("print(add(1, 2))", ()),
    "square": ("def square(X):\n    # BEGIN SOLUTION\n    return np.asarray(X) ** 2\n    # END SOLUTION", ()),
    "scale": ("SCALE = 3\n\n\ndef scale(X):\n    # BEGIN SOLUTION\n    return np.asarray(X) * SCALE\n"
              "    # END SOLUTION", ()),
    "train": ("losses = []\nwhile True:  # 'training' that never ends: the grader must not run it\n"
              "    losses.append(0.0)", ()),
    "shell": ("!pip install nothing-at-all\nprint('done')", ()),
}

TESTS = {
    "assignment.toml": """\
        title = "Toy notebook"
        kind = "notebook"
        seed = 3

        [settings]
        notebook = "toy.ipynb"
        cell_timeout = 5

        [timeouts]
        start = 60
        call = 5
        total = 180

        [limits]
        memory_mb = 2048
    """,
    "make_fixtures.py": """\
        def generate(reference, out, rng):
            nb = reference.module("__notebook__")
            X = rng.standard_normal((3, 4))
            out["X"] = X
            out["X_squared"] = nb.square(X)
    """,
    "grade_notebook.py": '''\
        from autograder.checks import assert_close
        from autograder.decorators import number, weight


        @weight(1)
        @number("1.1")
        def test_add(submission):
            """add"""
            result = submission.module("__notebook__").add(1, 2)
            assert result == 3, f"add(1, 2) returned {result!r}, expected 3"


        @weight(2)
        @number("1.2")
        def test_square(submission, fixtures):
            """square"""
            nb = submission.module("__notebook__")
            assert_close(nb.square(fixtures["X"]), fixtures["X_squared"], "square(X)")


        @weight(2)
        @number("1.3")
        def test_scale(submission, reference, fixtures):
            """scale"""
            expected = reference.module("__notebook__").scale(fixtures["X"])
            assert_close(submission.module("__notebook__").scale(fixtures["X"]), expected, "scale(X)")
    ''',
}

# which test needs which cell
TESTS_OF_CELL = {"add": "1.1", "square": "1.2", "scale": "1.3"}


def cell(source: str, *tags: str) -> Any:
    """A code cell (dedented source) with ``tags``."""
    import nbformat

    return nbformat.v4.new_code_cell(textwrap.dedent(source).strip("\n"),
                                     metadata={"tags": list(tags)} if tags else {})


def make(*cells: Any) -> Any:
    """A v4 notebook of ``cells``: code cells given as nodes or source strings, markdown as ("md", text)."""
    import nbformat

    nodes = []
    for c in cells:
        if isinstance(c, str):
            c = cell(c)
        elif isinstance(c, tuple):
            c = nbformat.v4.new_markdown_cell(c[1])
        nodes.append(c)
    return nbformat.v4.new_notebook(cells=nodes, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                          "display_name": "Python 3"}})


def _reference(overrides: dict[str, str | tuple[str, tuple[str, ...]]]) -> Any:
    import nbformat

    cells: list[Any] = [("md", "# Toy notebook\n\nFill in the functions below.")]
    for name, (source, tags) in CELLS.items():
        override = overrides.get(name, (source, tags))
        source, tags = (override, ()) if isinstance(override, str) else override
        code = cell(source, *tags)
        if name == "demo":  # as saved by Jupyter: an output the template must clear
            code.execution_count = 3
            code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="3\n")]
        cells += [("md", f"## {name}"), code]
    return make(*cells)


def notebook(directory: Path, *, filename: str = FILENAME, **overrides: str | tuple[str, tuple[str, ...]]) -> Path:
    """Write the reference notebook with the cells in ``overrides`` replaced; return its path.

    An override is the cell's new source, or (source, tags). For example ``notebook(tmp, square="def
    square(X:\\n    pass")`` breaks the ``square`` cell only; ``add=(source, ("grader:run",))`` runs all of it.
    """
    import nbformat

    unknown = set(overrides) - set(CELLS)
    if unknown:
        raise KeyError(f"no cells {sorted(unknown)} in the toy notebook (cells: {', '.join(CELLS)})")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    nbformat.write(_reference(overrides), str(path))
    return path


def cell_number(name: str) -> int:
    """The number a student sees for the code cell ``name`` ("cell N": 1-based, markdown cells counted)."""
    return 1 + 2 * (list(CELLS).index(name) + 1)


def build_toy_notebook(home: Path) -> Path:
    """Write the toy notebook assignment under ``home`` and generate its fixtures; return ``home``."""
    from autograder import assignment, fixtures

    write_tree(home / "tests" / "grading" / ASSIGNMENT, TESTS)
    notebook(home / "reference" / ASSIGNMENT)
    fixtures.generate(assignment.load(ASSIGNMENT, home))
    return home
