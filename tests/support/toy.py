"""A toy assignment, written into a temporary project root: the harness's end-to-end test subject.

    HOME/tests/grading/toy/assignment.toml, grade_basics.py, grade_extra.py, make_fixtures.py
    HOME/reference/toy/calc.py

The reference ``calc.py`` is a complete submission; ``submission(tmp, **overrides)`` writes a copy
with some of its functions replaced.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from .trees import write_tree

__all__ = ["REFERENCE", "TESTS", "build_toy", "submission"]

REFERENCE = {
    "add": "def add(a, b):\n    return a + b\n",
    "square": "def square(X):\n    return np.asarray(X) ** 2\n",
    "partial": "def partial():\n    return 1.5\n",
    "speed": "def speed():\n    return 0.25\n",
    "chatty": "def chatty(x):\n    return x\n",
    "hidden": "def hidden():\n    return 42\n",
}

TESTS = {
    "assignment.toml": """\
        title = "Toy assignment"
        kind = "package"
        seed = 7

        [timeouts]
        start = 30
        call = 5
        total = 120

        [limits]
        memory_mb = 2048
    """,
    "make_fixtures.py": """\
        def generate(reference, out, rng):
            calc = reference.module("calc")
            X = rng.standard_normal((3, 4))
            out["X"] = X
            out["X_squared"] = calc.square(X)
            out.meta["made_by"] = "toy"
    """,
    # Test functions are defined out of number order on purpose: results follow the numbers.
    "grade_basics.py": '''\
        from autograder.checks import assert_close
        from autograder.decorators import (hide_errors, leaderboard, number, part, partial_credit, tags,
                                           visibility, weight)


        @weight(1)
        @number("1.10")
        @part("extras")
        def test_ten(submission):
            """Tenth"""
            assert submission.module("calc").add(5, 5) == 10


        @weight(2)
        @number("1.1")
        @tags("arith", "easy")
        def test_add(submission):
            """Adds two numbers"""
            result = submission.module("calc").add(1, 2)
            assert result == 3, f"add(1, 2) returned {result!r}, expected 3"


        @weight(3)
        @number("1.2")
        def test_square(submission, fixtures):
            """Squares an array"""
            calc = submission.module("calc")
            assert_close(calc.square(fixtures["X"]), fixtures["X_squared"], "square(X)")


        @weight(1)
        @number("1.9")
        @visibility("after_due_date")
        def test_chatty(submission):
            """Chatty"""
            assert submission.module("calc").chatty(3) == 3, "chatty(3) must return 3"


        @weight(1)
        @number("1.11")
        @visibility("hidden")
        @hide_errors("The hidden check failed.")
        def test_hidden(submission):
            """Hidden check"""
            assert submission.module("calc").hidden() == 42, "hidden() must be 42, not what you returned"


        @partial_credit(4)
        @number("2.1")
        @part("extras")
        def test_partial(submission, set_score=None):
            """Partial credit"""
            value = submission.module("calc").partial()
            if value is not None:
                set_score(value)


        @leaderboard("speed", "asc")
        @number("3.1")
        def test_speed(submission, set_leaderboard_value=None):
            """Speed"""
            set_leaderboard_value(submission.module("calc").speed())
    ''',
    "grade_extra.py": '''\
        from autograder.decorators import number, weight


        @weight(1)
        @number("2.2")
        def test_grader_bug(submission):
            """Grader bug"""
            submission.module("calc").add(1, 1)
            return {}["missing"]
    ''',
}


def build_toy(home: Path) -> Path:
    """Write the toy assignment under ``home`` and generate its fixtures; return ``home``."""
    from autograder import assignment, fixtures

    write_tree(home / "tests" / "grading" / "toy", TESTS)
    write_tree(home / "reference" / "toy", {"calc.py": _module(REFERENCE)})
    fixtures.generate(assignment.load("toy", home))
    return home


def submission(directory: Path, **overrides: str) -> Path:
    """A copy of the reference with the functions in ``overrides`` (name -> source) replaced."""
    functions = {**REFERENCE, **{k: textwrap.dedent(v) for k, v in overrides.items()}}
    return write_tree(directory, {"calc.py": _module(functions)})


def _module(functions: dict[str, str]) -> str:
    return "import numpy as np\n\n\n" + "\n\n".join(functions.values())
