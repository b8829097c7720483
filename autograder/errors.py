"""Every exception the grader raises, split by who is at fault.

::

    AutograderError
    ├── SubmissionError            the submission is at fault: costs the tests that needed it, never the run
    │   ├── BadSubmission          not a zip, empty, nothing gradable found
    │   ├── StudentCodeError       submission code raised an exception (type, message, where)
    │   │   └── NotImplementedYet  ... NotImplementedError: a template stub still in place
    │   ├── SubmissionTimeout      a call did not return in time; the worker was killed
    │   ├── WorkerCrashed          the worker died or exited (os._exit, a signal, the memory limit)
    │   ├── BadOutput              the worker sent something that is not plain data
    │   └── StaleHandle            an object that lived in a worker that has since been replaced
    ├── AssignmentError            the assignment is at fault (the instructor's to fix)
    │   ├── UnknownAssignment
    │   └── FixtureError           fixtures missing, stale, or calibrated on other data
    └── HarnessError               the grader itself failed (a bug)

    GradingFailure (AssertionError)  a check failed: the submission's answer is wrong

Each carries a short ``message`` a student may read; tracebacks go to the staff log only.
"""

from __future__ import annotations


class AutograderError(Exception):
    """Base of the grader's own exceptions."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SubmissionError(AutograderError):
    """The submission is at fault."""


class BadSubmission(SubmissionError):
    """The submission cannot be read at all (not a zip, empty, nothing gradable)."""


class StudentCodeError(SubmissionError):
    """Submission code raised. ``where`` is (file, line, function) in the submission, when known."""

    def __init__(self, message: str, *, exc_type: str = "Exception", traceback: str = "",
                 where: tuple[str, int, str] | None = None, missing_module: str | None = None) -> None:
        super().__init__(message)
        self.exc_type = exc_type
        self.traceback = traceback
        self.where = where
        self.missing_module = missing_module  # ModuleNotFoundError: the module that was not found

    @property
    def at(self) -> str:
        """" (at file:line, in function)" in the submission, or nothing."""
        return f" (at {self.where[0]}:{self.where[1]}, in {self.where[2]})" if self.where else ""

    @classmethod
    def from_reply(cls, error: dict, doing: str) -> StudentCodeError:
        """Build from the worker's error reply (already decoded to plain data)."""
        exc_type = str(error.get("type", "Exception"))[:100]
        detail = str(error.get("message", ""))[:2000]
        where = None
        if error.get("where"):
            file, line, func = error["where"][0]
            where = (str(file), int(line), str(func))
        at = f" (at {where[0]}:{where[1]}, in {where[2]})" if where else ""
        kind = NotImplementedYet if exc_type == "NotImplementedError" else cls
        if kind is NotImplementedYet:
            message = f"{doing}: not implemented yet (NotImplementedError){at}"
        else:
            message = f"{doing} raised {exc_type}: {detail}{at}" if detail else f"{doing} raised {exc_type}{at}"
        missing = error.get("missing") if exc_type == "ModuleNotFoundError" else None
        return kind(message, exc_type=exc_type, traceback=str(error.get("traceback", "")), where=where,
                    missing_module=missing[:200] if type(missing) is str else None)


class NotImplementedYet(StudentCodeError):
    """The submission still raises NotImplementedError (a template stub)."""


class SubmissionTimeout(SubmissionError):
    """A call into the submission did not return within its time limit."""


class WorkerCrashed(SubmissionError):
    """The worker process ended while the grader was waiting for it."""


class BadOutput(SubmissionError):
    """The worker sent data that is not plain (malformed, oversized, a forbidden dtype)."""


class StaleHandle(SubmissionError):
    """An object handle from a worker that has been replaced since (after a crash or timeout)."""


class AssignmentError(AutograderError):
    """The assignment definition, reference or fixtures are at fault."""


class UnknownAssignment(AssignmentError):
    """No assignment of that name exists."""


class FixtureError(AssignmentError):
    """Fixtures are missing, stale, or were calibrated on other data."""


class HarnessError(AutograderError):
    """The grader itself failed."""


class GradingFailure(AssertionError):
    """A check on the submission's output failed; ``str()`` is the message the student sees."""
