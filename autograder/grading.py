"""One grading run: submission in, results.json out.

``grade`` copies the submission to a private folder, opens a ``Session`` on it (and, lazily, one on
the reference), runs the assignment's grading tests through pytest with ``GradingPlugin``, and writes
results.json atomically. Whatever the submission does, the run ends with a valid file: a submission
that cannot be read at all scores 0 on every test with the reason as the message.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import results as results_mod
from .assignment import Assignment
from .errors import BadSubmission, HarnessError
from .plugin import GradingContext, GradingPlugin, TestInfo
from .results import Results, TestResult
from .session import Session
from .submission import unpack


@dataclass
class GradeReport:
    results: Results
    staff_log: str
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


def pytest_args(assignment: Assignment, *extra: str) -> list[str]:
    """How the grader runs an assignment's tests: its own config, none of the project's."""
    return [str(assignment.tests_dir), "-c", os.devnull,
            "--rootdir", str(assignment.tests_dir), "--confcutdir", str(assignment.tests_dir),
            "-o", "python_files=grade_*.py",
            "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:stepwise", "--import-mode=importlib",
            "-W", "ignore::pytest.PytestConfigWarning", *extra]


def _run_pytest(assignment: Assignment, plugin: GradingPlugin, *extra: str) -> int | pytest.ExitCode:
    try:
        return pytest.main(pytest_args(assignment, *extra), plugins=[plugin])
    finally:
        _forget_test_modules(assignment.tests_dir)


def _forget_test_modules(tests_dir: Path) -> None:
    """Drop the modules pytest imported from ``tests_dir`` (grading tests, conftest, helpers).

    With ``--import-mode=importlib`` pytest reuses a module already in ``sys.modules`` under the
    same name, so without this a later run in this process (another assignment with a
    ``grade_layers.py`` too, or an edited test) would silently run the old module's tests.
    """
    base = os.path.join(os.path.realpath(tests_dir), "")
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and os.path.realpath(file).startswith(base):
            del sys.modules[name]


def collect(assignment: Assignment, *, visible_only: bool = False) -> list[TestInfo]:
    """The assignment's grading tests, in order, without running them."""
    with tempfile.TemporaryDirectory() as tmp:
        context = GradingContext(assignment, Session(Path(tmp)), lambda: Session(Path(tmp)),
                                 visible_only=visible_only)
        plugin = GradingPlugin(context)
        code = _run_pytest(assignment, plugin, "--collect-only")  # no -q: the terminal plugin is off
        if context.errors or code not in (0, 5):
            raise HarnessError("could not collect the grading tests:\n" + "\n".join(context.errors))
        return plugin.collected


def grade(assignment: Assignment, submission: Path, *, out: Path | None = None, visible_only: bool = False,
          on_result: Callable[[TestResult], None] | None = None, on_collected: Callable[[int], None] | None = None,
          user: str | None = None) -> GradeReport:
    """Grade ``submission`` (a folder or a .zip) and, when ``out`` is given, write results.json there.

    ``on_collected(n)`` is called once the number of tests to run is known; ``on_result`` after each.
    """
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f"autograder-{assignment.id}-"))
    try:
        report = _run(assignment, Path(submission), work, visible_only, on_result, on_collected, user)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.results.execution_time = time.monotonic() - started
    if out is not None:
        results_mod.write(report.results, out)
    return report


def _run(assignment: Assignment, submission: Path, work: Path, visible_only: bool,
         on_result: Callable[[TestResult], None] | None, on_collected: Callable[[int], None] | None,
         user: str | None) -> GradeReport:
    try:
        root = unpack(submission, work / "submission")
    except BadSubmission as exc:
        return _all_failed(assignment, exc.message, visible_only, on_result, on_collected)

    def session(path: Path, label: str) -> Session:
        return Session(path, label=label, limits=assignment.limits, timeouts=assignment.timeouts, user=user,
                       deadline=deadline)

    def reference() -> Session:
        copy = unpack(assignment.reference_dir, work / "reference")
        return session(copy, "reference")

    deadline = time.monotonic() + assignment.timeouts.total
    context = GradingContext(assignment, session(root, "submission"), reference,
                             visible_only=visible_only, on_result=on_result, on_collected=on_collected)
    plugin = GradingPlugin(context)
    try:
        code = _run_pytest(assignment, plugin)
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            context.errors.append(f"pytest ended with {code!r}")
    finally:
        context.close()
    results = Results(tests=context.results, leaderboard=context.leaderboard)
    if context.errors:
        results.output = "Some grading tests could not run; your instructor has been told."
    return GradeReport(results, "\n".join(context.staff_log), context.errors)


def _all_failed(assignment: Assignment, message: str, visible_only: bool,
                on_result: Callable[[TestResult], None] | None,
                on_collected: Callable[[int], None] | None) -> GradeReport:
    tests = []
    infos = [info for info in collect(assignment, visible_only=visible_only) if info.scored]
    if on_collected:
        on_collected(len(infos))
    for info in infos:
        result = TestResult(name=info.name, number=info.number, max_score=info.weight, score=0.0,
                            output=message, visibility=info.visibility, tags=info.tags, status="failed")
        tests.append(result)
        if on_result:
            on_result(result)
    return GradeReport(Results(tests=tests, output=f"Your submission could not be graded: {message}"), "", [])
