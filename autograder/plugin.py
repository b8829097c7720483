"""The pytest plugin that turns an assignment's grading tests into scored results.

Grading tests are ordinary pytest functions in ``tests/grading/ID/grade_*.py``, with points and
metadata from gradescope-utils' decorators (``@weight``, ``@number``, ``@visibility``, ``@tags``,
``@hide_errors``, ``@partial_credit``, ``@leaderboard``), re-exported by ``autograder.decorators``, and
``@part``: a test of a part that assignment.toml's ``[parts]`` makes "optional" is reported worth 0 points
("(optional)" after its name); one whose part is "off" is not collected at all.
They receive these fixtures:

- ``submission``: a ``Session`` on the student's submission (its worker is fresh for each test file);
- ``reference``:  a ``Session`` on the reference solution (for runtime ratios measured in the same run);
- ``fixtures``:   the assignment's ``Fixtures`` (expected values, thresholds; never sent to a worker);
- ``assignment``: the ``Assignment``;
- ``feedback``:   ``feedback(text)`` adds to the test's message even when it passes (say, why partial credit).

Each test's outcome becomes a ``TestResult`` with a message the student can read; tracebacks go to
the staff log.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from .assignment import Assignment
from .errors import AssignmentError, FixtureError, GradingFailure, StudentCodeError, SubmissionError
from .fixtures import Fixtures
from .results import TestResult
from .session import Session
from .worker import _autograder_malloc as malloc


@dataclass
class TestInfo:
    """What the decorators say about one grading test."""

    nodeid: str
    name: str
    number: str | None
    weight: float
    visibility: str | None
    tags: list[str]
    hide_errors: str | None
    leaderboard: str | None
    leaderboard_order: str | None
    part: str | None = None
    optional: bool = False
    part_state: str = "graded"
    declares_points: bool = True  # False: no @weight, @partial_credit or @leaderboard (worth 0 without saying so)

    @property
    def scored(self) -> bool:
        """Whether the test yields a result; a weightless leaderboard test only fills its column."""
        return bool(self.weight) or not self.leaderboard

    @property
    def off(self) -> bool:
        return self.part_state == "off"

    @classmethod
    def from_item(cls, item: pytest.Item, assignment: Assignment | None = None) -> TestInfo:
        func = getattr(item, "obj", None)
        get = lambda attr, default=None: getattr(func, attr, default)  # noqa: E731
        doc = (func.__doc__ or "").strip().splitlines() if func else []
        name = doc[0].strip() if doc else item.name.removeprefix("test_").replace("_", " ")
        number = get("__number__")
        part = get("__part__")
        state = assignment.part_state(part) if assignment is not None else "graded"
        optional = state == "optional"
        weight = 0.0 if optional else float(get("__weight__", 0.0) or 0.0)
        name = f"{name} (optional)" if optional else name
        declared = get("__weight__") is not None or get("__leaderboard_column__") is not None
        return cls(item.nodeid, f"{number} {name}" if number else name, number, weight, get("__visibility__"),
                   list(get("__tags__", ()) or ()), get("__hide_errors__"), get("__leaderboard_column__"),
                   get("__leaderboard_sort_order__"), part, optional, state, declared)


def number_key(number: str | None) -> tuple:
    """Sort "2.10" after "2.9"; tests without numbers last."""
    if not number:
        return (1,)
    parts = re.split(r"[.\-]", number)  # each by its leading number, then its letters ("4e" after "4", before "5")
    return (0, *[(int(m.group()) if (m := re.match(r"\d+", p)) else -1, p) for p in parts])


def in_question(number: str | None, question: str) -> bool:
    """Whether a test numbered ``number`` answers ``question``: the same number, or one below it ("2.1" holds
    2.1a.i and 2.1.2, not 2.10; "2.1a.ii" holds 2.1a.ii.1, not 2.1a.iii)."""
    if not number:
        return False
    rest = number.removeprefix(question)
    if rest == number:
        return False
    if not rest or not question:
        return True
    # the question's last part must end where it ends: no more digits after a digit, no more letters after a letter
    return not (rest[0].isdigit() if question[-1].isdigit() else (question[-1].isalpha() and rest[0].isalpha()))


@dataclass
class GradingContext:
    """Everything one grading run shares: sessions, fixtures, options, and what it produced."""

    assignment: Assignment
    submission: Session
    reference_factory: Callable[[], Session]
    visible_only: bool = False
    questions: tuple[str, ...] = ()  # only the tests with these numbers, or numbered below them ("2.1": 2.1a.i)
    on_result: Callable[[TestResult], None] | None = None
    on_collected: Callable[[int], None] | None = None
    results: list[TestResult] = field(default_factory=list)
    leaderboard: list[dict[str, Any]] = field(default_factory=list)
    staff_log: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _reference: Session | None = None
    _fixtures: Fixtures | None = None

    @property
    def reference(self) -> Session:
        if self._reference is None:
            self._reference = self.reference_factory()
        return self._reference

    @property
    def fixtures(self) -> Fixtures:
        if self._fixtures is None:
            self._fixtures = Fixtures(self.assignment.fixtures_dir)
        return self._fixtures

    def close(self) -> None:
        self.submission.close()
        if self._reference is not None:
            self._reference.close()


def student_message(exc: BaseException) -> str:
    """The line a student sees for a failed test."""
    if isinstance(exc, GradingFailure):
        return str(exc)
    if isinstance(exc, SubmissionError):
        return exc.message
    if isinstance(exc, AssignmentError):
        return f"This test could not run because of a problem in the assignment, not in your work: {exc.message}"
    if isinstance(exc, AssertionError):  # a bare assert: pytest's first line, without its introspection
        return (str(exc).splitlines() or ["A check on your output failed."])[0]
    return (f"The grader could not check your result ({type(exc).__name__}: {str(exc)[:300]}). "
            "Check that your function returns what the assignment asks for.")


class GradingPlugin:
    def __init__(self, context: GradingContext) -> None:
        self.ctx = context
        self._module: str | None = None
        self._failures: dict[str, BaseException] = {}
        self._feedback: dict[str, list[str]] = {}
        self._budget: Any = None
        self.collected: list[TestInfo] = []

    # -- fixtures offered to grading tests ------------------------------------------------------
    @pytest.fixture
    def submission(self) -> Session:
        return self.ctx.submission

    @pytest.fixture
    def reference(self) -> Session:
        return self.ctx.reference

    @pytest.fixture
    def fixtures(self) -> Fixtures:
        return self.ctx.fixtures

    @pytest.fixture
    def feedback(self, request: pytest.FixtureRequest) -> Callable[[str], None]:
        """``feedback(text)`` adds a line to the test's message, shown whatever its score (partial credit)."""
        return self._feedback.setdefault(request.node.nodeid, []).append

    @pytest.fixture
    def assignment(self) -> Assignment:
        return self.ctx.assignment

    @pytest.fixture
    def budget(self) -> Any:
        """The training budget of this grader's device class (``budgets.Budget``): its ``note`` goes in feedback."""
        from . import budgets

        if self._budget is None:
            declared = self.ctx.assignment.budgets
            try:
                calibrated = budgets.calibrated_classes(declared, self.ctx.fixtures)
            except FixtureError:  # no fixtures: no marks to look for (a test that needs one says so)
                calibrated = None
            self._budget = budgets.choose(declared, self.ctx.submission, calibrated)
        return self._budget

    # -- collection ------------------------------------------------------------------------------
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        infos = {item.nodeid: TestInfo.from_item(item, self.ctx.assignment) for item in items}
        unused = set(self.ctx.assignment.parts) - {info.part for info in infos.values()}
        in_kit = (self.ctx.assignment.root / "autograder-kit.toml").is_file()  # (a kit leaves out what is off)
        if unused and items and not in_kit:  # an instructor's typo would otherwise leave a part graded in silence
            self.ctx.errors.append(f"[parts] in assignment.toml names {', '.join(sorted(unused))}, but no grading "
                                   "test is marked @part with that name")
        items[:] = [i for i in items if not infos[i.nodeid].off]
        if self.ctx.visible_only:
            items[:] = [i for i in items if infos[i.nodeid].visibility in (None, "visible")]
        if self.ctx.questions:
            items[:] = [i for i in items if any(in_question(infos[i.nodeid].number, q) for q in self.ctx.questions)]
        items.sort(key=lambda i: number_key(infos[i.nodeid].number))
        self.collected = [infos[i.nodeid] for i in items]
        if self.ctx.on_collected:
            self.ctx.on_collected(sum(info.scored for info in self.collected))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.ctx.errors.append(f"could not collect {report.nodeid}:\n{report.longreprtext}")

    # -- running -----------------------------------------------------------------------------------
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        module = item.nodeid.split("::")[0]
        if module != self._module:  # each test file starts on a fresh worker
            self._module = module
            self.ctx.submission.restart()
            if self.ctx._reference is not None:  # and the reference's worker is not kept around (memory)
                self.ctx._reference.restart()
            malloc.return_freed_memory()  # what the last file's data cost here (its module fixtures are done)
        func = getattr(item, "obj", None)
        for attr in ("__score__", "__leaderboard_value__"):
            if func is not None and attr in getattr(func, "__dict__", {}):
                delattr(func, attr)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        report = yield
        if call.excinfo is not None and item.nodeid not in self._failures:
            self._failures[item.nodeid] = call.excinfo.value
        if call.when == "teardown":
            self._record(item)
        return report

    def _record(self, item: pytest.Item) -> None:
        info = TestInfo.from_item(item, self.ctx.assignment)
        exc = self._failures.pop(item.nodeid, None)
        func = getattr(item, "obj", None)
        printed = self.ctx.submission.take_output()
        if info.leaderboard:
            value = getattr(func, "__leaderboard_value__", None)
            if type(value) in (int, float, str) and value == value:
                entry = {"name": info.leaderboard, "value": value}
                if info.leaderboard_order in ("asc", "desc"):
                    entry["order"] = info.leaderboard_order
                self.ctx.leaderboard.append(entry)
            if not info.scored:
                return
        score = getattr(func, "__score__", None)
        if exc is not None:
            score = 0.0
            message = info.hide_errors or student_message(exc)
            self.ctx.staff_log.append(f"--- {info.name} ({item.nodeid})\n" + "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)))
        else:
            score = info.weight if score is None else min(max(float(score), 0.0), info.weight)
            message = ""
        if info.optional:
            message = "\n".join(["Optional part: it is not counted in your score.", message])
        message = "\n".join([*self._feedback.pop(item.nodeid, []), message]).strip()
        record = self.ctx.submission.notebook_record
        if (isinstance(exc, StudentCodeError) and exc.exc_type in ("AttributeError", "NameError")
                and record is not None and record.failures()):
            message += "\n\n" + record.summary()
        if printed.strip() and exc is not None:
            message += f"\n\nYour code printed:\n{printed[-1500:]}"
        result = TestResult(name=info.name, number=info.number, max_score=info.weight, score=score,
                            output=message.strip(), visibility=info.visibility, tags=info.tags,
                            status="failed" if exc is not None else None)
        self.ctx.results.append(result)
        if self.ctx.on_result:
            self.ctx.on_result(result)
