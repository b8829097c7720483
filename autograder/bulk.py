"""Grading a class: every submission in a folder, several at once, each in a grading process of its own.

``grade_class`` runs ``autograder grade`` once per submission as a child process, at most ``jobs`` at a time, each
with a sandbox slot of its own (``sandbox_user.slots``): two runs never share an account, because stopping a
worker kills every process of its account. What one submission does (hangs, crashes, kills its worker or its
grader) costs only its own row: each child has a wall-clock limit, and a grading that ends without a results.json
gets one saying why. For each submission, ``out/NAME/`` gets ``results.json`` (written atomically as its grading
ends), the grader's log, and last ``status.json`` (how it went, how long, peak memory, the submission's
fingerprint): a submission whose status.json matches its fingerprint is done, so an interrupted run picks up
where it stopped (``regrade=True`` grades everything again).

The runner (``run_local`` here, ``ray_grading`` on a cluster) grades one submission; this module orders the work,
hands out slots, keeps score and writes the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import results as results_mod
from . import sandbox_user
from .assignment import Assignment

SUBMISSION_SUFFIXES = (".zip", ".ipynb")
STATUSES = ("passed", "failed", "errored")  # every test passed / graded, some lost / the grader could not grade it
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # where `python -m autograder` finds this same package


@dataclass
class Outcome:
    """How one submission's grading went (``status.json``)."""

    name: str
    status: str  # one of STATUSES
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    peak_mb: float = 0.0  # the grading process and its workers, at their peak (0: not measured)
    slot: str = ""  # the sandbox account, or the Ray node, it ran on
    problem: str = ""  # errored: why
    fingerprint: str = ""
    resumed: bool = field(default=False, compare=False)  # finished in an earlier run, not graded again

    @classmethod
    def read(cls, path: Path) -> Outcome | None:
        try:
            data = json.loads(path.read_text())
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            return None


@dataclass(frozen=True)
class Job:
    """One submission to grade: where it is, the name of its row, and where its files go."""

    name: str
    path: Path
    dest: Path
    fingerprint: str


def submissions(folder: Path) -> list[tuple[str, Path]]:
    """The submissions in ``folder`` (a folder, a .zip or a notebook each), by name: a file's name without its
    suffix unless two would share it."""
    found = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and (
        p.is_dir() or p.suffix.lower() in SUBMISSION_SUFFIXES))
    stems = [p.stem if p.is_file() else p.name for p in found]
    return [(stem if stems.count(stem) == 1 else p.name, p) for stem, p in zip(stems, found, strict=True)]


def fingerprint(path: Path) -> str:
    """A hash of what the submission holds (names and bytes), to tell a finished grading of it from a stale one."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    for file in files:
        digest.update(file.relative_to(path if path.is_dir() else path.parent).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def plan(folder: Path, out: Path, *, regrade: bool = False) -> tuple[list[Job], list[Outcome]]:
    """What is left to grade, and what an earlier run finished (same submission, status.json written)."""
    todo, done = [], []
    for name, path in submissions(folder):
        job = Job(name, path, out / name, fingerprint(path))
        previous = None if regrade else Outcome.read(job.dest / "status.json")
        if previous and previous.fingerprint == job.fingerprint and (job.dest / "results.json").is_file():
            previous.resumed = True
            done.append(previous)
        else:
            todo.append(job)
    return todo, done


# -- how many at once --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Capacity:
    """What this machine offers for grading in parallel, and the jobs that follow for an assignment."""

    cores: int
    memory_mb: float
    slots: list[str] | None  # the sandbox accounts; None: no user switch here (not root), so no limit from them
    jobs: int
    reason: str


def capacity(assignment: Assignment, wanted: int | None = None) -> Capacity:
    """How many of ``assignment``'s gradings to run at once here: ``wanted``, or what cores, memory and sandbox
    accounts allow (``[resources]`` says what one grading needs); the reason, said at start."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = _available_mb()
    switch = sandbox_user.choose().user is not None
    slots = [u.name for u in sandbox_user.slots()] if switch else None
    need = assignment.resources
    by_cores = max(1, int(cores // max(need.cpus, 1e-9)))
    by_memory = max(1, int(memory * 0.9 // need.memory_mb))
    jobs = wanted or min(by_cores, by_memory)
    reason = (f"{cores} cores and {memory / 1024:.1f} GiB available; one grading of {assignment.id} needs "
              f"{need.cpus:g} core(s) and {need.memory_mb} MiB ([resources])")
    if wanted:
        reason = f"--jobs {wanted}; {reason}"
    if slots is not None and jobs > len(slots):
        reason += (f"; only {len(slots)} sandbox account(s) here, one per grading at once: create more with "
                   f"`autograder sandbox --create --slots {jobs}`")
        jobs = max(1, len(slots))
    return Capacity(cores, memory, slots, jobs, reason)


def _available_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 4096.0


# -- grading one submission here ---------------------------------------------------------------------------------
def run_local(assignment: Assignment, job: Job, slot: str | None, timeout: float) -> Outcome:
    """Grade ``job`` with ``autograder grade`` in a child process (as the sandbox account ``slot``), within
    ``timeout`` seconds; its results.json lands in ``job.dest``."""
    job.dest.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "AUTOGRADER_HOME": str(assignment.root)}
    if slot is not None:
        env[sandbox_user.NAME_ENV] = slot
    command = [sys.executable, "-m", "autograder", "grade", assignment.id, str(job.path),
               "--out", str(job.dest / "results.json"), "--staff-log", str(job.dest / "staff.log"), "--quiet"]
    (job.dest / "results.json").unlink(missing_ok=True)
    started = time.monotonic()
    with open(job.dest / "grader.log", "wb") as log:
        child = subprocess.Popen(command, cwd=PACKAGE_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            _kill_group(child.pid)

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if slot is not None:  # what the submission started dies with its grading, whatever stopped it
        user = sandbox_user.lookup(slot)
        if user is not None:
            sandbox_user.kill_all(user)
            sandbox_user.remove_leftovers(user)
    outcome = Outcome(job.name, "errored", seconds=seconds, peak_mb=round(usage.ru_maxrss / 1024, 1),
                      slot=slot or "", fingerprint=job.fingerprint)
    code = child.returncode
    if stopped.is_set():
        outcome.problem = f"grading took longer than {timeout:g} s and was stopped"
    elif code not in (0, 2) or not (job.dest / "results.json").is_file():
        how = f"was killed by signal {signal.Signals(-code).name}" if code < 0 else f"exited with status {code}"
        outcome.problem = f"the grading process {how}" + (" (out of memory?)" if code == -signal.SIGKILL else "")
        outcome.problem += f"; its log: {job.dest / 'grader.log'}"
    elif code == 2:  # graded, but some test could not run: the grader's problem, not the student's
        lines = (job.dest / "grader.log").read_text(errors="replace").splitlines()
        outcome.problem = "\n".join(line for line in lines if line.startswith("grader problem")) or \
            "the grader reported a problem (see grader.log)"
    return outcome


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


# -- a class --------------------------------------------------------------------------------------------------
Runner = Callable[[Assignment, Job, "str | None", float], Outcome]


def grade_class(assignment: Assignment, jobs: list[Job], *, parallel: int, slots: list[str] | None,
                timeout: float, fallback: Callable[[str], dict[str, Any]],
                on_done: Callable[[Outcome], None] | None = None, runner: Runner = run_local) -> list[Outcome]:
    """Grade ``jobs``, ``parallel`` at a time, each with one of ``slots`` (None: no user switch); returns their
    outcomes in the order of ``jobs``. ``fallback(message)``: the results.json of a grading that wrote none."""
    free: queue.Queue[str | None] = queue.Queue()
    for slot in (slots or [None] * parallel)[:parallel]:
        free.put(slot)

    def one(job: Job) -> Outcome:
        slot = free.get()
        try:
            try:
                outcome = runner(assignment, job, slot, timeout)
            except Exception as exc:  # noqa: BLE001 - a runner's failure is this row's, not the class's
                outcome = Outcome(job.name, "errored", slot=slot or "", fingerprint=job.fingerprint,
                                  problem=f"the grader could not grade it: {type(exc).__name__}: {exc}")
            finish(job, outcome, fallback)
        finally:
            free.put(slot)
        if on_done:
            on_done(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="grading") as pool:
        return list(pool.map(one, jobs))


def finish(job: Job, outcome: Outcome, fallback: Callable[[str], dict[str, Any]]) -> None:
    """Complete ``outcome`` from the results.json (or write one that says why there is none), then status.json."""
    path = job.dest / "results.json"
    data = _read_results(path)
    if data is None:
        problem = outcome.problem or "the grading wrote no results"
        outcome.status, outcome.problem = "errored", problem
        data = results_mod.write(fallback(f"This submission could not be graded: {problem.splitlines()[0]}. "
                                          "Your instructor has been told."), path)
    outcome.score = float(data.get("score", 0))
    outcome.max_score = float(sum(t.get("max_score", 0) for t in data.get("tests", [])))
    if outcome.status != "errored" or not outcome.problem:
        failed = any(t.get("status") == "failed" for t in data.get("tests", []))
        outcome.status = "failed" if failed else "passed"
    write_json_atomic(job.dest / "status.json", {k: v for k, v in asdict(outcome).items() if k != "resumed"})


def _read_results(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
        results_mod.validate(data)
        return data
    except Exception:  # noqa: BLE001 - missing, cut short, invalid: all mean "no results"
        return None


def write_json_atomic(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def counts(outcomes: Iterator[Outcome] | list[Outcome]) -> dict[str, int]:
    tally = dict.fromkeys(STATUSES, 0)
    for outcome in outcomes:
        tally[outcome.status] = tally.get(outcome.status, 0) + 1
    return tally
