"""The unprivileged account that runs submission code when the grader runs as root.

On Gradescope the grader runs as root in the same container as the student's code. ``setup.sh``
creates a dedicated account (``autograder-sandbox``: no home, no login shell, no supplementary
groups) and makes the grader's own files private; every worker then runs as that account, so the
submission cannot read fixtures, reference, tests or hidden labels, cannot write results.json, and
cannot signal, trace or read the memory of the grader. Stopping a worker kills every process of the
account, so nothing the submission started (a double-forked grandchild, a fork bomb) outlives it.

When the grader is not root (a student's laptop, a developer's checkout) there is no switch: the
worker keeps the process boundary, the minimal environment and the resource limits, and the grader's
log says so. ``AUTOGRADER_SANDBOX_USER`` names another account, or ``none`` to go without one.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import pwd
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import HarnessError

NAME_ENV = "AUTOGRADER_SANDBOX_USER"
DEFAULT_NAME = "autograder-sandbox"


@dataclass(frozen=True)
class SandboxUser:
    """An account to run workers as: its name, uid and (own, only) group."""

    name: str
    uid: int
    gid: int

    def popen_kwargs(self) -> dict:
        """What ``subprocess.Popen`` needs to start a process as this account, with no other groups."""
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


@dataclass(frozen=True)
class Choice:
    """Whether workers switch user, and the line that says so in the grader's log."""

    user: SandboxUser | None
    message: str


def lookup(name: str) -> SandboxUser | None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return SandboxUser(name, entry.pw_uid, entry.pw_gid)


def choose(python: str | None = None) -> Choice:
    """How this grading run isolates submission code: as the sandbox account, or without a switch.

    Raises ``HarnessError`` when the grader is root and the account exists but cannot run ``python``
    (a Python under /root, say): running the submission as root instead would be the wrong fallback.
    """
    name = os.environ.get(NAME_ENV, DEFAULT_NAME).strip()
    me = _name_of(os.geteuid())
    if name.lower() in ("", "none"):
        return Choice(None, f"{NAME_ENV}={name or '(empty)'}: submission code runs as {me}, without a user switch "
                      "(process boundary and resource limits only)")
    if os.geteuid() != 0:
        return Choice(None, f"not running as root: submission code runs as {me}, without a user switch "
                      "(process boundary and resource limits only)")
    user = lookup(name)
    if user is None:
        return Choice(None, f"WARNING: running as root, but there is no account {name!r}: submission code runs "
                      "as root. Create it with `autograder sandbox --create` (setup.sh does).")
    if user.uid == 0:
        raise HarnessError(f"the sandbox account {name!r} is root; it must be an unprivileged user")
    with exclusive(user):  # another grading run's cleanup would kill the check
        problem = _cannot_run(python or sys.executable, user)
    if problem:
        raise HarnessError(
            f"the sandbox account {name!r} cannot run {python or sys.executable}: {problem}\n"
            "Use a Python it can execute (a venv made from /usr/bin/python3, outside /root), "
            f"or set {NAME_ENV}=none to grade without the user switch.")
    return Choice(user, f"submission code runs as {name} (uid {user.uid}), an unprivileged account")


def slot_name(slot: int, base: str = DEFAULT_NAME) -> str:
    """The account of grading slot ``slot``: slot 0 is the sandbox account itself, slot k its ``-k`` sibling.

    Parallel grading runs need one account each: stopping a worker kills every process of its account.
    """
    return base if slot == 0 else f"{base}-{slot}"


def slots(base: str | None = None) -> list[SandboxUser]:
    """The slot accounts this machine has, slot 0 first (consecutive: a gap ends the list)."""
    base = base or os.environ.get(NAME_ENV, DEFAULT_NAME).strip() or DEFAULT_NAME
    found = []
    while (user := lookup(slot_name(len(found), base))) is not None:
        found.append(user)
    return found


def create_slots(count: int, base: str = DEFAULT_NAME) -> list[SandboxUser]:
    """Create (or find) the accounts of slots 0 .. count-1 (needs root for those missing)."""
    return [create(slot_name(k, base)) for k in range(count)]


def claim_free(names: list[str], purpose: str, folder: str = "/run") -> tuple[str, int] | None:
    """Claim the first of the accounts ``names`` that no other process holds for ``purpose``: its name and the
    descriptor whose lock is the claim (closing it, or the process ending, frees it); None when all are held. The
    lock files live where only root creates files, so a submission cannot plant one. (The account's own lock is the
    grading run's to take: ``exclusive``.)"""
    for name in names:
        fd = os.open(os.path.join(folder, f"autograder-{purpose}-{name}.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW,
                     0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return name, fd
    return None


def _name_of(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a container's uid without a passwd entry
        return f"uid {uid}"


@functools.lru_cache(maxsize=8)
def _cannot_run(python: str, user: SandboxUser) -> str | None:
    """Why ``user`` cannot start ``python`` and import numpy (None when it can); checked once per process."""
    try:
        done = subprocess.run([python, "-I", "-c", "import numpy"], cwd="/", env={"PATH": "/usr/bin:/bin"},
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=120, **user.popen_kwargs())
    except OSError as exc:
        return str(exc)
    except subprocess.TimeoutExpired:
        return "starting it took over 120 s"
    if done.returncode:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {done.returncode}"
    return None


def create(name: str = DEFAULT_NAME) -> SandboxUser:
    """Create the sandbox account (needs root): a system user with its own group and nothing else."""
    existing = lookup(name)
    if existing is not None:
        return existing
    if os.geteuid() != 0:
        raise HarnessError(f"creating the account {name!r} needs root")
    command = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
               "--shell", "/usr/sbin/nologin", name]
    try:
        subprocess.run(command, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise HarnessError(f"could not create the account {name!r}: {exc} {detail.decode(errors='replace')}") from None
    return lookup(name)


@contextlib.contextmanager
def exclusive(user: SandboxUser, folder: str = "/run", on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the account for one grading run: a second run on this machine waits for the first.

    Stopping a worker kills every process of the account, so two runs sharing it would kill each
    other's workers. The lock lives where only root can create files, so a submission cannot plant it.
    The holder writes who it is into the lock file; a run that has to wait says at once what it waits for
    and who holds it (``on_wait``, default: a line on stderr).
    """
    held = _held.__dict__.setdefault("names", set())
    if user.name in held:  # this thread has it already (grading checks the account's Python under it too)
        yield
        return
    fd = os.open(os.path.join(folder, f"autograder-{user.name}.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode(errors="replace").strip() or "another grading run"
            (on_wait or _say_waiting)(f"waiting for the sandbox account {user.name}, held by {holder}; one grading "
                                      "run uses it at a time (give parallel runs their own accounts)")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({' '.join(sys.argv)[:200]}) since {time.strftime('%H:%M:%S')}".encode(), 0)
        held.add(user.name)
        yield
    finally:
        held.discard(user.name)
        os.close(fd)


def _say_waiting(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_held = threading.local()


def hand_over(path: Path, user: SandboxUser) -> None:
    """Give ``user`` a tree (the submission's private copy): it may read, write and run what is in it."""
    os.chown(path, user.uid, user.gid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), user.uid, user.gid, follow_symlinks=False)


def can_read(path: Path, user: SandboxUser) -> bool:
    """Whether ``user`` can read ``path`` (list it, for a folder), asked of the kernel, not of mode bits."""
    try:
        return subprocess.run(["test", "-r", str(path)], cwd="/", env={}, timeout=30,
                              **user.popen_kwargs()).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def processes(user: SandboxUser) -> list[int]:
    """Live (not zombie) processes whose real or effective uid is ``user``'s."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path("/proc", entry, "status").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uids = fields.get("Uid", "").split()
        if str(user.uid) in uids[:2] and not fields.get("State", "").strip().startswith("Z"):
            found.append(int(entry))
    return found


def kill_all(user: SandboxUser, timeout: float = 10.0) -> list[int]:
    """SIGKILL every process of ``user``, until none is left (a fork bomb races); returns the survivors.

    ``kill -KILL -1`` run as the account itself signals exactly the processes it owns, all at once,
    which beats a fork bomb that a scan of /proc followed by one kill per pid would not.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            subprocess.run(["kill", "-KILL", "-1"], cwd="/", env={}, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, **user.popen_kwargs())
        except (OSError, subprocess.TimeoutExpired):
            for pid in processes(user):  # no kill binary: one by one, from here
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        left = processes(user)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


__all__ = ["DEFAULT_NAME", "NAME_ENV", "Choice", "SandboxUser", "can_read", "choose", "claim_free", "create",
           "create_slots",
           "exclusive", "hand_over", "kill_all", "lookup", "processes", "remove_leftovers", "slot_name", "slots"]


#: Where any account may write outside its own copy (world-writable, sticky).
SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")


def remove_leftovers(user: SandboxUser, folders: tuple[str, ...] = SHARED_TEMP) -> list[str]:
    """Delete what ``user`` left in the shared temporary folders (entries it owns, with all they hold), so that
    nothing of one submission is there for the next; returns what was removed. Call once none of its
    processes is left (``kill_all``)."""
    removed = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != user.uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed.append(entry.path)
            except OSError:
                pass
    return removed
