"""Running the suite in parallel (pytest-xdist, ``./dev test`` runs ``-n auto``) without two tests sharing what
only one may hold. A pytest plugin, loaded by tests/conftest.py.

- **One sandbox account per test process.** Stopping a grading worker kills every process of its account, so two
  processes grading at once must never share one. As root, each test process (each xdist worker, or the one process
  of a plain run) claims a free slot account (``autograder sandbox --create --slots N``; the accounts ``bulk`` uses)
  by a lock it holds for the session, and grades as it (``$AUTOGRADER_SANDBOX_USER``). ``-n auto`` starts as many
  workers as there are cores, but no more than accounts.
- **Tests that need the whole machine** (``@pytest.mark.serial``: the bulk and Ray tests, which start their own
  grading slots on every account and time submissions out) run alone: every test holds a shared lock on the
  machine while it runs (its setup, fixtures included, and teardown), a serial test an exclusive one, taken through
  a turnstile so that a waiting serial test is not starved by the others. Meanwhile the other workers wait, and the
  serial test sees every slot account, as a plain run would. (The grading tests' runtime ratios need no such mark:
  the reference and the submission are timed in the same run, taking turns, so a neighbour slows both.)
- **Long files first**: under xdist each file is one unit (``--dist loadscope``: its module fixtures are made once),
  handed out longest first (the seconds of the last run on this machine, else the files with slow tests first), so
  that the run does not end on one long file while the other workers idle.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder import sandbox_user
from tests.helpers import SHARED_ENV

_LOCKS_ENV = SHARED_ENV  # one run's folder (its machine locks, tests.helpers.graded's results), made by the controller
_CLAIMS = "/run"  # (sandbox_user.claim_free's folder; the tests point it elsewhere)
_held: dict[str, int] = {}


def _claim_slot() -> str:
    """Claim a free slot account for this process's session (its lock is released when the process ends)."""
    names = [user.name for user in sandbox_user.slots(sandbox_user.DEFAULT_NAME)]
    claimed = sandbox_user.claim_free(names, "test-claim", _CLAIMS)
    if claimed is not None:
        _held["claim"] = claimed[1]
        return claimed[0]
    raise pytest.UsageError(
        f"every sandbox slot account ({', '.join(names) or 'none'}) is held by another test process: run fewer "
        f"workers (-n {max(1, len(names))}) or create more accounts (`autograder sandbox --create --slots N`)")


def _switches_user() -> bool:
    return os.geteuid() == 0 and sandbox_user.NAME_ENV not in os.environ and bool(sandbox_user.slots())


def _is_controller(config: pytest.Config) -> bool:
    """The xdist controller: it starts the workers and runs no test."""
    return not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", None)) \
        and getattr(config.option, "dist", "no") != "no"


def pytest_configure(config: pytest.Config) -> None:
    if _is_controller(config):
        os.environ[_LOCKS_ENV] = tempfile.mkdtemp(prefix="autograder-pytest-")  # the workers inherit it
        _held["locks"] = 1
    elif _switches_user():
        # set before collection: test modules read the account at import (tests/support/hostile.py: SANDBOX)
        os.environ[sandbox_user.NAME_ENV] = _claim_slot()
        _held["claimed"] = 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker per core, capped by the slot accounts when grading switches user."""
    if _switches_user():
        return max(1, min(len(os.sched_getaffinity(0)), len(sandbox_user.slots())))
    return None  # xdist's own count


def _lock_files() -> tuple[Path, Path] | None:
    folder = os.environ.get(_LOCKS_ENV)
    if not folder or "PYTEST_XDIST_WORKER" not in os.environ:
        return None  # a plain run: one test at a time already
    return Path(folder) / "machine.lock", Path(folder) / "turnstile.lock"


def _open(path: Path) -> int:
    fd = _held.get(str(path))
    if fd is None:
        fd = _held[str(path)] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    return fd


@contextlib.contextmanager
def _machine(exclusive: bool) -> Iterator[None]:
    files = _lock_files()
    if files is None:
        yield
        return
    machine, turnstile = (_open(path) for path in files)
    fcntl.flock(turnstile, fcntl.LOCK_EX)  # a serial test waiting holds it: no new shared holder gets in
    if not exclusive:
        fcntl.flock(turnstile, fcntl.LOCK_UN)
    fcntl.flock(machine, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(machine, fcntl.LOCK_UN)
        if exclusive:
            fcntl.flock(turnstile, fcntl.LOCK_UN)


def durations_file() -> Path:
    """Where each run leaves the seconds each test file took (outside the checkout), for the next run's order."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ml-autograder" / "test-file-seconds.json"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the longest files go first (each file is one unit, ``--dist loadscope``; its tests keep their
    order), so that the run does not end on one long file while the other workers idle: by the seconds each file
    took in the last run on this machine, else the files with slow tests first."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    try:
        seconds = json.loads(durations_file().read_text())
    except (OSError, ValueError):
        seconds = {}
    slow = {item.path for item in items if item.get_closest_marker("slow")}

    def cost(item: pytest.Item) -> tuple[float, bool]:
        return -float(seconds.get(item.nodeid.split("::")[0], 0)), item.path not in slow

    items.sort(key=cost)  # (a stable sort: within a file, the order stays)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or a plain run of the whole suite) records the seconds per file for the next run's order."""
    option = session.config.option
    if hasattr(session.config, "workerinput") or getattr(option, "markexpr", "") or getattr(option, "keyword", ""):
        return  # (a worker, or a run of a selection, --fast say: its files' seconds are not theirs)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    per_file: dict[str, float] = {}
    for reports in (reporter.stats.values() if reporter else ()):
        for report in reports:
            if getattr(report, "nodeid", "") and hasattr(report, "duration"):
                path = report.nodeid.split("::")[0]
                per_file[path] = per_file.get(path, 0.0) + report.duration
    if len(per_file) < 10:
        return  # a run of a few files says little about the rest
    try:
        known = json.loads(durations_file().read_text())
    except (OSError, ValueError):
        known = {}
    known.update({path: round(seconds, 1) for path, seconds in per_file.items()})
    try:
        durations_file().parent.mkdir(parents=True, exist_ok=True)
        durations_file().write_text(json.dumps(dict(sorted(known.items())), indent=1) + "\n")
    except OSError:
        pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    serial = item.get_closest_marker("serial") is not None
    with _machine(exclusive=serial), contextlib.ExitStack() as stack:
        if serial and _held.get("claimed"):
            # alone on the machine: every slot is free, and the test's own bulk run (or Ray) hands them out
            patch = stack.enter_context(pytest.MonkeyPatch.context())
            patch.delenv(sandbox_user.NAME_ENV)
        yield


def pytest_unconfigure(config: pytest.Config) -> None:
    if _held.pop("locks", None):
        shutil.rmtree(os.environ.pop(_LOCKS_ENV), ignore_errors=True)
