"""Starting and stopping worker processes: the process boundary around submission code.

A worker is a fresh interpreter (``python -I worker/run.py``) in its own session and process group,
with a minimal environment, its working directory in the submission copy, BLAS threads pinned to one,
and resource limits it applies to itself before any submission code runs. Its stdout and stderr are
captured by a thread that keeps only a bounded head and tail. Stopping a worker kills its whole
process group, and, when it ran as the sandbox account (``sandbox_user``), every process of that
account. Such a worker runs the worker scripts from a root-owned, read-only copy, never from the
project, which stays private.
"""

from __future__ import annotations

import atexit
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import Limits
from .sandbox_user import SandboxUser, kill_all

WORKER_SCRIPT = Path(__file__).with_name("worker") / "run.py"

#: Pinned so that numpy's thread pools neither fight the limits nor the grader for cores.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1",
}


class OutputCapture:
    """Drains a pipe on a thread, keeping at most ``limit`` bytes: the head and the tail."""

    def __init__(self, stream, limit: int) -> None:
        self._stream = stream
        self._half = max(limit // 2, 1)
        self._lock = threading.Lock()
        self._reset()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _reset(self) -> None:
        self._head = bytearray()
        self._tail = bytearray()
        self._dropped = 0

    def _settle(self, limit: float = 0.25) -> None:
        deadline = time.monotonic() + limit
        try:
            while self._thread.is_alive() and time.monotonic() < deadline:
                if not select.select([self._stream], [], [], 0)[0]:
                    break
                time.sleep(0.001)
        except (OSError, ValueError):  # the pipe was closed
            pass
        time.sleep(0)  # let the pump append what it has just read

    def _pump(self) -> None:
        while True:
            chunk = self._stream.read1(65536) if hasattr(self._stream, "read1") else self._stream.read(65536)
            if not chunk:
                return
            with self._lock:
                room = self._half - len(self._head)
                if room > 0:
                    self._head += chunk[:room]
                    chunk = chunk[room:]
                if chunk:
                    self._tail += chunk
                    excess = len(self._tail) - self._half
                    if excess > 0:
                        self._dropped += excess
                        del self._tail[:excess]

    def keep(self, text: str) -> None:
        """Put ``text`` back in front of what comes next (after a ``take`` that filtered it)."""
        if text:
            with self._lock:
                self._head[:0] = text.encode()

    def take(self, wait: float = 0.0) -> str:
        """The output captured since the last ``take`` (head, an elision note, tail).

        ``wait``: seconds to wait for the writer to close the pipe (a stopped worker); without it,
        waits briefly until what is already in the pipe has been drained (a live, idle worker).
        """
        if wait:
            self._thread.join(wait)
        else:
            self._settle()
        with self._lock:
            head, tail, dropped = bytes(self._head), bytes(self._tail), self._dropped
            self._reset()
        text = head.decode(errors="replace")
        if dropped:
            text += f"\n... [{dropped} bytes of output omitted] ...\n"
        return text + tail.decode(errors="replace")


@dataclass
class WorkerProcess:
    """A running worker: its process, the grader's end of the socket, and its captured output."""

    proc: subprocess.Popen
    sock: socket.socket
    output: OutputCapture
    root: Path
    user: SandboxUser | None = None
    stopped: bool = field(default=False)

    def alive(self) -> bool:
        return not self.stopped and self.proc.poll() is None

    def stop(self) -> None:
        """Kill the worker's whole process group (and every process of its account) and reap it;
        safe to call twice."""
        if self.stopped:
            return
        self.stopped = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        if self.user is not None:  # what left the process group: a double fork, a fork bomb
            kill_all(self.user)
        self.proc.wait()
        self.sock.close()


def describe_exit(code: int) -> str:
    """Why a worker ended, from its exit status, for a student's message ("was killed by SIGSEGV ...")."""
    if code >= 0:
        return f"exited with status {code} (sys.exit or os._exit in the code?)"
    name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
    hint = {"SIGKILL": " (killed: over the memory or CPU limit?)", "SIGSEGV": " (a crash in native code)",
            "SIGABRT": " (os.abort or a failed assertion in native code)",
            "SIGXCPU": " (over the CPU-time limit)", "SIGXFSZ": " (wrote a file over the size limit)"}
    return f"was killed by {name}{hint.get(name, '')}"


#: The machine's choice of numeric kernels, passed on as it is (no secrets): some processors need
#: OPENBLAS_CORETYPE for correct results, and the others select (or, to emulate another CPU, restrict) the SIMD
#: code paths of numpy and torch.
KERNEL_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES", "ATEN_CPU_CAPABILITY")


def worker_env(root: Path) -> dict[str, str]:
    """The whole environment the worker gets: nothing of the grader's leaks through."""
    kernels = {name: os.environ[name] for name in KERNEL_ENV if os.environ.get(name)}
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(root), "TMPDIR": str(root),
            "LANG": "C.UTF-8", "MPLBACKEND": "Agg", **kernels, **THREAD_ENV}


_staged: Path | None = None


def staged_scripts() -> Path:
    """A copy of the worker scripts that any account can read and none but root can change.

    Made once per grader process, removed at its exit. A sandboxed worker runs these, so the
    project (with fixtures, reference and tests beside the scripts) can stay private.
    """
    global _staged
    if _staged is None or not _staged.is_dir():
        folder = Path(tempfile.mkdtemp(prefix="autograder-worker-"))
        for source in WORKER_SCRIPT.parent.glob("*.py"):
            shutil.copyfile(source, folder / source.name)
            (folder / source.name).chmod(0o644)
        folder.chmod(0o755)
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _staged = folder
    return _staged


def spawn(root: Path, *, limits: Limits, python: str | None = None, user: SandboxUser | None = None,
          script: Path = WORKER_SCRIPT, args: tuple[str, ...] = ()) -> WorkerProcess:
    """Start a worker serving the submission copy in ``root``.

    ``user``: the unprivileged account to run as (the grader must be root, and ``root`` must be the
    account's: ``sandbox_user.hand_over``); ``None`` keeps the grader's user.
    ``script`` is what the interpreter runs (the request server, or the notebook kernel); it gets
    ``--fd N --root DIR --limits JSON`` and then ``args``.
    """
    import json

    root = Path(root).absolute()  # the worker gets it both as its cwd and as --root
    if user is not None:
        script = staged_scripts() / script.name
    parent, child = socket.socketpair()
    try:
        proc = subprocess.Popen(
            [python or sys.executable, "-I", str(script), "--fd", str(child.fileno()),
             "--root", str(root), "--limits", json.dumps(limits.rlimits()), *args],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=root, env=worker_env(root), start_new_session=True,
            close_fds=True, **(user.popen_kwargs() if user else {}),
        )
    finally:
        child.close()
    return WorkerProcess(proc, parent, OutputCapture(proc.stdout, limits.output_kb << 10), root, user)
