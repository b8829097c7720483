"""One grading run: submission in, results.json out.

``grade`` copies the submission to a private folder, opens a ``Session`` on it (and, lazily, one on
the reference), runs the assignment's grading tests through pytest with ``GradingPlugin``, and writes
results.json atomically. Whatever the submission does, the run ends with a valid file: a submission
that cannot be read at all scores 0 on every test with the reason as the message.

As root, the submission's copy is handed to the sandbox account and its workers run as that account
(``sandbox_user``); the reference is trusted and runs as the grader. results.json is written only
after every process of the account is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import environments, sandbox_user
from . import results as results_mod
from .assignment import Assignment
from .environments import Environment
from .errors import AssignmentError, BadSubmission, HarnessError
from .plugin import GradingContext, GradingPlugin, TestInfo
from .results import Results, TestResult
from .sandbox_user import SandboxUser
from .session import Session, Worker
from .submission import unpack


@dataclass
class GradeReport:
    results: Results
    staff_log: str
    errors: list[str]
    notebook: Any = None  # the NotebookRecord, for notebook assignments
    notebooks: dict[str, Any] = field(default_factory=dict)  # by file name, for assignments of several notebooks
    log: list[str] = field(default_factory=list)  # how the run was isolated, and warnings for staff

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
    with tests_importable(assignment):
        return pytest.main(pytest_args(assignment, *extra), plugins=[plugin])


@contextlib.contextmanager
def tests_importable(assignment: Assignment) -> Iterator[None]:
    """While running, an assignment's own helper modules (``tests/grading/ID/ID_helpers.py``) are
    importable by name from its grading tests and ``make_fixtures.py``; afterwards they are forgotten."""
    folder = str(assignment.tests_dir)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
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


def collect(assignment: Assignment, *, visible_only: bool = False, questions: Sequence[str] = ()) -> list[TestInfo]:
    """The assignment's grading tests, in order, without running them."""
    with tempfile.TemporaryDirectory() as tmp:
        context = GradingContext(assignment, Session(Path(tmp)), lambda: Session(Path(tmp)),
                                 visible_only=visible_only, questions=tuple(questions))
        plugin = GradingPlugin(context)
        code = _run_pytest(assignment, plugin, "--collect-only")  # no -q: the terminal plugin is off
        if context.errors or code not in (0, 5):
            raise HarnessError("could not collect the grading tests:\n" + "\n".join(context.errors))
        return plugin.collected


def worker_factory(assignment: Assignment, environment: Environment | None = None,
                   source: Path | None = None) -> Callable[..., Any]:
    """What starts a worker for this assignment's submissions: a plain worker, or a notebook kernel.

    A notebook's factory also keeps what was learnt running it (``.record``), so make one per session;
    ``source``: where it reads the notebook (the snapshot; default: the folder the kernel runs in).
    """
    if assignment.kind != "notebook":
        return Worker
    from .notebook_worker import NotebookSpec

    settings = assignment.settings
    several = tuple(str(n) for n in settings.get("notebooks", []))
    return NotebookSpec(several[0] if several else str(settings.get("notebook", f"{assignment.id}.ipynb")),
                        str(settings.get("notebook_mode", "definitions")), float(settings.get("cell_timeout", 60)),
                        environment=environment, source=source, filenames=several)


def students_environment(assignment: Assignment) -> Environment | None:
    """The environment the assignment's submission code runs in, built on first use (None: the grader's)."""
    return environments.ensure(assignment.environment) if assignment.environment is not None else None


def open_session(assignment: Assignment, root: Path, *, label: str, user: SandboxUser | None = None,
                 deadline: float | None = None, environment: Environment | None = None,
                 workdir: Path | None = None) -> Session:
    """A ``Session`` on ``root`` with the assignment's limits, timeouts, environment and kind of worker.

    ``environment``: the one this run resolved (``students_environment``); None resolves it here.
    ``workdir``: where the workers run, when the grader reads a snapshot (``root``) instead.
    """
    environment = environment or students_environment(assignment)
    return Session(root, label=label, limits=assignment.limits, timeouts=assignment.timeouts, user=user,
                   worker_factory=worker_factory(assignment, environment, source=root), deadline=deadline,
                   environment=environment, workdir=workdir)


def grade(assignment: Assignment, submission: Path, *, out: Path | None = None, visible_only: bool = False,
          on_result: Callable[[TestResult], None] | None = None, on_collected: Callable[[int], None] | None = None,
          save_notebook: Path | None = None, fixtures: Any = None, questions: Sequence[str] = ()) -> GradeReport:
    """Grade ``submission`` (a folder, a .zip or a notebook) and, with ``out``, write results.json there.

    ``on_collected(n)`` is called once the number of tests to run is known; ``on_result`` after each.
    ``save_notebook``: for notebook assignments, where to write the executed notebook with feedback.
    ``fixtures``: the tests' ``Fixtures`` (default: the assignment's fixtures folder).
    ``questions``: only the tests of these question numbers ("2.1" runs 2.1, 2.1a.i, ...; default: all).
    """
    questions = tuple(questions)
    started = time.monotonic()
    try:
        environment = students_environment(assignment)
    except AssignmentError as exc:  # every test fails with the reason; results.json is still written
        report = _all_failed(assignment, "the grader could not set up this assignment's Python environment; "
                             "your instructor has been told", visible_only, on_result, on_collected, questions)
        report.errors.append(exc.message)
        report.staff_log = exc.message
        if out is not None:
            results_mod.write(report.results, out)
        return report
    choice = sandbox_user.choose(environment.python if environment else None)
    log = [f"sandbox: {choice.message}"]
    if environment is not None:
        log.append(f"environment: {environment.path} (Python {environment.python_version}; "
                   f"{', '.join(environment.declared())})")
    work = Path(tempfile.mkdtemp(prefix=f"autograder-{assignment.id}-"))
    with sandbox_user.exclusive(choice.user) if choice.user else contextlib.nullcontext():
        if choice.user is not None:
            log += _exposed(assignment, out, choice.user)
        try:
            report = _run(assignment, Path(submission), work, visible_only, on_result, on_collected, choice.user,
                          environment, fixtures, questions)
            if save_notebook is not None and report.notebook is not None:
                _save_notebook(report, Path(save_notebook))
        finally:
            if choice.user is not None:  # nothing the submission started may outlive grading, nor what it wrote
                survivors = sandbox_user.kill_all(choice.user)
                if survivors:
                    log.append(f"WARNING: processes of {choice.user.name} survived SIGKILL: {survivors}")
                left = sandbox_user.remove_leftovers(choice.user)
                if left:
                    log.append(f"removed what the submission left in shared temporary folders: {', '.join(left[:20])}")
            shutil.rmtree(work, ignore_errors=True)
    report.log = log
    report.staff_log = "\n".join(log + [report.staff_log]).strip()
    report.results.execution_time = time.monotonic() - started
    if out is not None:
        results_mod.write(report.results, out)
    return report


def _exposed(assignment: Assignment, out: Path | None, user: SandboxUser) -> list[str]:
    """Warnings for the grader's private files that the sandbox account can read."""
    private = [assignment.tests_dir, assignment.fixtures_dir, assignment.reference_dir]
    if out is not None:
        private.append(Path(out).absolute().parent)
    readable = [str(path) for path in private if path.exists() and sandbox_user.can_read(path, user)]
    if not readable:
        return []
    return [f"WARNING: {user.name} can read {', '.join(readable)}: a submission could read expected values "
            "there. Make the project private (chmod 700 on its folder; setup.sh does so on Gradescope)."]


def _run(assignment: Assignment, submission: Path, work: Path, visible_only: bool,
         on_result: Callable[[TestResult], None] | None, on_collected: Callable[[int], None] | None,
         user: SandboxUser | None, environment: Environment | None, fixtures: Any = None,
         questions: tuple[str, ...] = ()) -> GradeReport:
    intake: list[str] = []
    try:
        root = unpack(submission, work / "submission", intake)
        # What the grader reads of the submission, taken before any of its code runs, where the sandbox
        # account cannot reach: the live copy may become links, FIFOs or huge files while it runs.
        snapshot = unpack(root, work / "snapshot")
        (work / "snapshot").chmod(0o700)
        if user is not None:  # the account may use its copy (and only that: work stays root's, 0711)
            work.chmod(0o711)
            sandbox_user.hand_over(work / "submission", user)
        if assignment.kind == "notebook" and not assignment.settings.get("notebooks"):
            from . import notebook  # an unreadable notebook fails every test with the reason (with several
            # notebooks, one missing or unreadable costs only the tests of that one)

            notebook.read(notebook.locate(snapshot, worker_factory(assignment).filename))
    except BadSubmission as exc:
        return _all_failed(assignment, exc.message, visible_only, on_result, on_collected, questions)
    except Exception as exc:  # noqa: BLE001 - whatever intake hit, results.json must still be written
        report = _all_failed(assignment, "the grader could not read your submission "
                             f"({type(exc).__name__}); your instructor has been told", visible_only, on_result,
                             on_collected, questions)
        report.errors.append(f"intake failed: {type(exc).__name__}: {exc}")
        return report

    def session(path: Path, label: str, user: SandboxUser | None) -> Session:
        return open_session(assignment, path, label=label, user=user, deadline=deadline, environment=environment)

    def reference() -> Session:  # trusted code: runs as the grader, in a copy the account cannot read
        copy = unpack(assignment.reference_dir, work / "reference")
        (work / "reference").chmod(0o700)
        return session(copy, "reference", None)

    deadline = time.monotonic() + assignment.timeouts.total
    submission_session = open_session(assignment, snapshot, label="submission", user=user, deadline=deadline,
                                      environment=environment, workdir=root)
    context = GradingContext(assignment, submission_session, reference,
                             visible_only=visible_only, questions=questions, on_result=on_result,
                             on_collected=on_collected, _fixtures=fixtures)
    plugin = GradingPlugin(context)
    try:
        code = _run_pytest(assignment, plugin)
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            context.errors.append(f"pytest ended with {code!r}")
    finally:
        context.close()
    results = Results(tests=context.results, leaderboard=context.leaderboard)
    record = context.submission.notebook_record
    records = context.submission.notebook_records
    for each in records.values():  # for the executed notebooks' feedback cells
        each.notes = list(context.submission.notes)
    named = len(records) > 1 or bool(assignment.settings.get("notebooks"))
    notes = [r.summary(brief=True, name=name if named else None) for name, r in sorted(records.items())
             if r.summary()]
    notes += [f"Note: {n}" for n in intake + context.submission.notes]
    if context.errors:
        notes.append("Some grading tests could not run; your instructor has been told.")
    if notes:
        results.output = "\n\n".join(notes)
    staff = [f"WARNING: {n}" for n in context.submission.staff_notes] + context.staff_log
    return GradeReport(results, "\n".join(staff), context.errors, record, notebooks=records if named else {})


def _save_notebook(report: GradeReport, path: Path) -> None:
    """The executed notebook with feedback at ``path``; with several notebooks, each in the folder ``path``."""
    import nbformat

    from . import notebook

    feedback = [(t.name, t.score, t.max_score, t.output) for t in report.results.tests]
    targets = ([(r, path / name) for name, r in sorted(report.notebooks.items())] if report.notebooks else
               [(report.notebook, path)])
    for record, target in targets:
        if record.path is None:
            continue
        executed = notebook.annotate(notebook.read(record.path), record, feedback)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(executed, str(target))


def _all_failed(assignment: Assignment, message: str, visible_only: bool,
                on_result: Callable[[TestResult], None] | None,
                on_collected: Callable[[int], None] | None, questions: tuple[str, ...] = ()) -> GradeReport:
    infos = collect(assignment, visible_only=visible_only, questions=questions)
    results = all_failed(infos, message)
    if on_collected:
        on_collected(len(results.tests))
    for result in results.tests:
        if on_result:
            on_result(result)
    return GradeReport(results, "", [])


def all_failed(infos: list[TestInfo], message: str) -> Results:
    """The results of a submission that could not be graded: every test (of ``infos``) at 0, saying why."""
    tests = [TestResult(name=info.name, number=info.number, max_score=info.weight, score=0.0, output=message,
                        visibility=info.visibility, tags=info.tags, status="failed") for info in infos if info.scored]
    return Results(tests=tests, output=f"Your submission could not be graded: {message}")
