"""Test metadata decorators, compatible with gradescope-utils so instructors' habits carry over.

``@weight(points)``, ``@number("4.2")``, ``@visibility("hidden")``, ``@tags(...)``,
``@hide_errors("message")``, ``@partial_credit(points)`` (the test calls ``set_score``) and
``@leaderboard("column")`` (the test calls ``set_leaderboard_value``). Tests decorated with
gradescope-utils' own classes work the same.

``@part("name")`` (ours) puts a test in a named part of the assignment, which ``[parts]`` in
assignment.toml can make optional (reported, worth no points) or turn off (not run, not in the results).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from gradescope_utils.autograder_utils.decorators import (
    hide_errors,
    leaderboard,
    number,
    partial_credit,
    tags,
    visibility,
    weight,
)

__all__ = ["hide_errors", "leaderboard", "number", "part", "partial_credit", "tags", "visibility", "weight"]

F = TypeVar("F", bound=Callable[..., Any])


def part(name: str) -> Callable[[F], F]:
    """Put the test in the part ``name``; ``[parts] name = "graded" | "optional" | "off"`` decides its fate."""

    def mark(func: F) -> F:
        func.__part__ = name
        return func

    return mark
