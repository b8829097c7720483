"""Grading a class on a Ray cluster (``autograder bulk ID FOLDER --out DIR --ray ADDRESS``).

Each submission becomes one Ray task, with the resources the assignment declares (``[resources]``: cpus, memory,
gpus), so Ray places it on a node that has room for it. On the node the task grades exactly as ``bulk`` does
here: ``autograder grade`` in a child process, as a free sandbox slot account of that node, within the time
limit. The submission travels in the task's arguments (its bytes: the file, or a zip of its folder), and the
results.json and logs come back as text to the head, which writes them: only the head's ``--out`` holds results.
A task whose node is lost is retried on another (``max_retries``).

What each node needs: this project installed with the same version (``pip install .[ray]``), the assignment's
files at the same path as on the head (or ``AUTOGRADER_HOME`` pointing at a checkout), its students'
environment built (``autograder env ID``), and, as root, its sandbox accounts (``autograder sandbox --create
--slots N``, N at least the tasks Ray runs there at once). docs/class-grading.md says how to start a cluster.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
import zipfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import sandbox_user
from .assignment import Assignment
from .bulk import Job, Outcome, Runner, run_local
from .errors import HarnessError

RETRIES = 3


def available() -> str | None:
    """Why Ray cannot be used here (None when it can)."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return "Ray is not installed: `pip install .[ray]` (here and on every node of the cluster)"
    return None


def pack(path: Path) -> bytes:
    """The submission as bytes for the task: a file as it is, a folder as a zip of its files."""
    if path.is_file():
        return path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            zf.write(file, file.relative_to(path).as_posix())
    return buffer.getvalue()


def runner(assignment: Assignment, address: str, console: Any = None) -> Runner:
    """A bulk runner that sends each submission to the Ray cluster at ``address`` ("auto": the one this machine
    is part of)."""
    problem = available()
    if problem:
        raise HarnessError(problem)
    import ray

    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    need = assignment.resources
    task = ray.remote(grade_on_node).options(num_cpus=need.cpus, memory=int(need.memory_mb) << 20,
                                             num_gpus=need.gpus, max_retries=RETRIES)

    def run(assignment: Assignment, job: Job, slot: str | None, timeout: float) -> Outcome:
        reply = ray.get(task.remote(assignment.id, str(assignment.root), job.name, job.path.name, pack(job.path),
                                    job.fingerprint, job.path.is_dir(), timeout))
        job.dest.mkdir(parents=True, exist_ok=True)
        for name, text in reply["files"].items():  # results.json, grader.log, staff.log: written here, the head
            _write_atomic(job.dest / name, text)
        return Outcome(**reply["outcome"])

    return run


def grade_on_node(assignment_id: str, root: str, name: str, filename: str, payload: bytes, fingerprint: str,
                  is_folder: bool, timeout: float) -> dict[str, Any]:
    """The Ray task: grade one submission on this node; returns its outcome and files as plain data."""
    from . import assignment as assignments

    home = os.environ.get("AUTOGRADER_HOME") or root
    a = assignments.load(assignment_id, Path(home))
    with tempfile.TemporaryDirectory(prefix="autograder-ray-") as tmp:
        os.chmod(tmp, 0o700)
        path = Path(tmp) / (filename + (".zip" if is_folder else ""))
        path.write_bytes(payload)
        job = Job(name, path, Path(tmp) / "out" / name, fingerprint)
        with _free_slot() as slot:
            started = time.monotonic()
            outcome = run_local(a, job, slot, timeout)
        outcome.slot = f"{os.uname().nodename}:{slot or 'no user switch'}"
        outcome.seconds = time.monotonic() - started
        files = {n: (job.dest / n).read_text(errors="replace") for n in ("results.json", "grader.log", "staff.log")
                 if (job.dest / n).is_file()}
    return {"outcome": {k: v for k, v in asdict(outcome).items() if k != "resumed"}, "files": files}


@contextmanager
def _free_slot(folder: str = "/run"):
    """One of this node's sandbox slot accounts that no other task holds (None without a user switch)."""
    if sandbox_user.choose().user is None:
        yield None
        return
    names = [u.name for u in sandbox_user.slots()]
    while (claimed := sandbox_user.claim_free(names, "claim", folder)) is None:
        time.sleep(0.2)  # more tasks than accounts on this node: wait for one
    name, fd = claimed
    try:
        yield name
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
