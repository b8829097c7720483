"""Tests for autograder/errors.py: the exception tree and building errors from worker replies."""

from __future__ import annotations

import pytest

from autograder import errors
from autograder.errors import (
    AssignmentError,
    AutograderError,
    GradingFailure,
    NotImplementedYet,
    StudentCodeError,
    SubmissionError,
)


def test_tree_by_who_is_at_fault() -> None:
    for name in ("BadSubmission", "StudentCodeError", "NotImplementedYet", "SubmissionTimeout", "WorkerCrashed",
                 "BadOutput", "StaleHandle"):
        assert issubclass(getattr(errors, name), SubmissionError), name
    for name in ("UnknownAssignment", "FixtureError"):
        assert issubclass(getattr(errors, name), AssignmentError), name
    assert issubclass(errors.HarnessError, AutograderError)
    assert issubclass(GradingFailure, AssertionError) and not issubclass(GradingFailure, AutograderError)
    assert errors.WorkerCrashed("boom").message == "boom"


def test_from_reply_with_location() -> None:
    exc = StudentCodeError.from_reply({"type": "ValueError", "message": "shapes (2,3) and (4,)",
                                       "traceback": "tb", "where": [["pkg/layers.py", 12, "forward"]]},
                                      "FullyConnected.forward")
    assert type(exc) is StudentCodeError
    assert exc.message == ("FullyConnected.forward raised ValueError: shapes (2,3) and (4,) "
                           "(at pkg/layers.py:12, in forward)")
    assert (exc.exc_type, exc.traceback, exc.where) == ("ValueError", "tb", ("pkg/layers.py", 12, "forward"))


def test_from_reply_without_message_or_location() -> None:
    exc = StudentCodeError.from_reply({"type": "KeyError"}, "reading model.layers")
    assert exc.message == "reading model.layers raised KeyError" and exc.where is None


def test_not_implemented_is_its_own_kind() -> None:
    exc = StudentCodeError.from_reply({"type": "NotImplementedError", "message": "YOUR CODE HERE",
                                       "where": [["a.py", 3, "f"]]}, "ReLU.forward")
    assert isinstance(exc, NotImplementedYet)
    assert exc.message == "ReLU.forward: not implemented yet (NotImplementedError) (at a.py:3, in f)"


@pytest.mark.parametrize("field", ["type", "message"])
def test_from_reply_bounds_what_the_worker_sends(field: str) -> None:
    exc = StudentCodeError.from_reply({field: "x" * 100_000}, "f")
    assert len(exc.message) < 2200
