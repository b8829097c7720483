"""Test metadata decorators, compatible with gradescope-utils so instructors' habits carry over.

``@weight(points)``, ``@number("4.2")``, ``@visibility("hidden")``, ``@tags(...)``,
``@hide_errors("message")``, ``@partial_credit(points)`` (the test calls ``set_score``) and
``@leaderboard("column")`` (the test calls ``set_leaderboard_value``). Tests decorated with
gradescope-utils' own classes work the same.
"""

from gradescope_utils.autograder_utils.decorators import (
    hide_errors,
    leaderboard,
    number,
    partial_credit,
    tags,
    visibility,
    weight,
)

__all__ = ["hide_errors", "leaderboard", "number", "partial_credit", "tags", "visibility", "weight"]
