"""The grader's side of the boundary: a ``Session`` on one submission and ``RemoteObject`` handles.

A grading test reads like ordinary code::

    layers = submission.module("neural_networks.layers")
    fc = layers.FullyConnected(n_out=5, activation="relu")   # an object living in the worker
    out = fc.forward(X)                                      # X goes over as bytes, out comes back

Attribute and item access return scalars, strings and arrays by value and anything else as another
handle; calls return plain data by value when all of it is plain. Every request has a deadline; a
worker that times out, dies or sends malformed data is stopped, the request raises a
``SubmissionError``, and the next request starts a fresh worker. Imports that failed fatally
(a syntax error, a hang at import) are remembered so later tests fail fast with the same message.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import sandbox
from .config import Limits, Timeouts
from .environments import Environment
from .errors import (
    BadOutput,
    BadSubmission,
    StaleHandle,
    StudentCodeError,
    SubmissionError,
    SubmissionTimeout,
    WorkerCrashed,
)
from .sandbox_user import SandboxUser
from .worker import wire

NOTE_PREFIX = "[autograder] "
#: What the worker's own parts may tell the grader, by code: they print ``[autograder] <code>`` and the grader
#: shows the text it holds for that code. A submission printing ``[autograder] ...`` lines can therefore only
#: repeat one of these texts; nothing it prints becomes grader text (unknown codes are dropped).
NOTES = {
    "cuda-on-cpu": "No GPU on the grader: 'cuda' ran on the CPU instead.",
    "cuda-shim-failed": "The grader could not set up its CPU fallback for CUDA; code that needs CUDA may fail.",
    "shell-skipped": "Shell commands (lines starting with !) were skipped: the grader runs none.",
    "colab-shim": "Colab's google.colab is not available on the grader: drive.mount and the other Colab calls did "
                  "nothing.",
    "colab-content": "Paths under /content (Colab's working folder) were your notebook's own folder on the grader: "
                     "files it saved there stayed there, and files only on your Drive are not there.",
}
#: Codes for the staff log only.
STAFF_NOTES = {
    "no-network-filter": "the worker could not install its seccomp filter (libseccomp or seccomp missing): only "
                         "Python's audit hook denies the network, not to child processes or native code",
}


class Worker:
    """One worker process and the framed request/reply exchange with it."""

    received = 0  # bytes the worker has sent, for the limit per run

    def __init__(self, root: Path, *, limits: Limits, start_timeout: float, python: str | None = None,
                 user: SandboxUser | None = None) -> None:
        self.limits = limits
        self.process = sandbox.spawn(root, limits=limits, python=python, user=user)
        self.info = self.request("hello", [], timeout=start_timeout, doing="starting the worker")

    def alive(self) -> bool:
        return self.process.alive()

    def stop(self) -> None:
        self.process.stop()

    def request(self, op: str, args: list, *, timeout: float, doing: str,
                make_ref: Callable[[wire.Ref], Any] | None = None,
                to_ref: Callable[[Any], wire.Ref] | None = None, release: list[int] | None = None) -> Any:
        """Send one request and wait for its reply until ``timeout`` seconds have passed; ``release``: ids of
        handles to forget first (in the same message: no round trip of their own)."""
        if not self.alive():
            raise WorkerCrashed(f"{doing}: the worker is not running")
        buffers: list[bytes] = []
        header = _header(op, args, buffers, to_ref, release)
        deadline = time.monotonic() + timeout
        sock = self.process.sock
        try:
            sock.settimeout(max(timeout, 0.001))
            sock.sendall(wire.dump_frame(header, buffers))
            reply, out = wire.read_frame(lambda n: self._read_exact(n, deadline),
                                         self.limits.message_mb << 20)
        except TimeoutError:
            self.stop()
            raise SubmissionTimeout(
                f"{doing} did not finish within {timeout:g} s (an infinite loop, or far too slow?); "
                "the worker was stopped") from None
        except (EOFError, ConnectionError, OSError):
            raise self._crashed(doing) from None
        except (wire.WireError, ValueError) as exc:
            self.stop()
            raise BadOutput(f"{doing}: the worker sent malformed data ({exc})") from None
        if type(reply) is not dict or type(reply.get("ok")) is not bool:
            self.stop()
            raise BadOutput(f"{doing}: the worker sent a malformed reply")
        try:
            if reply["ok"]:
                return wire.decode(reply.get("value"), out, make_ref)
            error = wire.decode(reply.get("error"), out)
        except (wire.WireError, ValueError, TypeError) as exc:
            self.stop()
            raise BadOutput(f"{doing}: the worker sent data that is not plain ({exc})") from None
        if type(error) is not dict:
            self.stop()
            raise BadOutput(f"{doing}: the worker sent a malformed error")
        raise StudentCodeError.from_reply(error, doing)

    def _read_exact(self, n: int, deadline: float) -> bytearray:
        """``n`` bytes from the worker, into one buffer of that size (no copies: arrays are decoded in place)."""
        sock = self.process.sock
        data = bytearray(n)
        view, got = memoryview(data), 0
        while got < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            count = sock.recv_into(view[got:], min(n - got, 1 << 20))
            if not count:
                raise EOFError
            got += count
        self.received += n
        return data

    def _crashed(self, doing: str) -> WorkerCrashed:
        proc = self.process.proc
        try:
            code = proc.wait(timeout=2)
        except Exception:  # noqa: BLE001 - still running: it closed the socket itself
            code = None
        self.stop()
        why = "closed its connection to the grader" if code is None else sandbox.describe_exit(code)
        return WorkerCrashed(f"{doing}: the worker {why}")


def _header(op: str, args: list, buffers: list[bytes], to_ref: Callable[[Any], wire.Ref] | None,
            release: list[int] | None) -> dict:
    header = {"op": op, "args": wire.encode(args, buffers, on_object=to_ref or _refuse_local)}
    if release:
        header["release"] = release
    return header


def _refuse_local(obj: Any) -> wire.Ref:
    raise TypeError(f"cannot send {type(obj).__name__} to the worker: only plain data and remote objects")


class InProcessWorker:
    """A worker that runs the request handler in this process: for the harness's own unit tests.

    Same wire round trip as the real worker, none of its isolation. Never used to grade.
    """

    received = 0  # (nothing crosses a socket)

    def __init__(self, root: Path, **_: Any) -> None:
        import importlib.util
        import sys

        spec = importlib.util.spec_from_file_location("_autograder_worker_run", sandbox.WORKER_SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault("_autograder_worker_run", module)
        spec.loader.exec_module(module)
        self.handler = module.Handler(str(root))
        self.info = {"pid": 0}
        self._alive = True

    def alive(self) -> bool:
        return self._alive

    def stop(self) -> None:
        self._alive = False

    def request(self, op: str, args: list, *, timeout: float, doing: str,
                make_ref: Callable[[wire.Ref], Any] | None = None,
                to_ref: Callable[[Any], wire.Ref] | None = None, release: list[int] | None = None) -> Any:
        buffers: list[bytes] = []
        header = _header(op, args, buffers, to_ref, release)
        reply, out = self.handler.handle(*_round_trip(header, buffers))
        reply, out = _round_trip(reply, out)
        if reply["ok"]:
            return wire.decode(reply["value"], out, make_ref)
        raise StudentCodeError.from_reply(wire.decode(reply["error"], out), doing)


def _round_trip(header: Any, buffers: list[bytes]) -> tuple[Any, list[bytes]]:
    frame = memoryview(wire.dump_frame(header, buffers))
    pos = 0

    def read_exact(n: int) -> bytes:
        nonlocal pos
        pos += n
        return bytes(frame[pos - n:pos])

    return wire.read_frame(read_exact, 1 << 40)


def _ours(missing: str, root: Path, requested: str) -> bool:
    """Whether ``missing`` names the submission's own module (a file or folder in ``root``, or what the grading
    tests asked for)."""
    top = missing.split(".")[0]
    asked = requested == missing or requested.startswith(missing + ".")
    return bool(asked or top and any(os.path.lexists(root / name) for name in (top, f"{top}.py")))  # no link followed


def environment_lacks(missing: str, root: Path, environment: Environment | None, requested: str = "") -> bool:
    """Whether ``import missing`` failed because the students' environment has no distribution for it (what
    ``autograder audit`` flags before grading): not the submission's own module, not the standard library."""
    top = missing.split(".")[0]
    return (environment is not None and bool(top) and not _ours(missing, root, requested)
            and top not in getattr(sys, "stdlib_module_names", ()) and not environment.has_module(top))


def staff_addition(missing: str, environment: Environment) -> str:
    """The staff log's line for a module the environment lacks: what to add to the environment, and how."""
    from .environments import addition

    top = missing.split(".")[0]
    return (f"the submission imports `{top}`, which {environment.spec.assignment_id}'s environment lacks (students "
            f"lost the tests that needed it); if the course's environment has it, {addition(environment.spec, top)}")


def missing_module_reason(missing: str, root: Path, environment: Environment | None, requested: str = "") -> str:
    """Why ``import missing`` failed, as what happened: a file missing from the submission in ``root``, or a
    package missing from the assignment's environment (never "not implemented"). ``requested``: the module the
    grading tests asked for, which is the submission's own."""
    top = missing.split(".")[0]
    if _ours(missing, root, requested):
        path = missing.replace(".", "/")
        return f"there is no module {missing!r}: is {path}.py in your submission, at the right place?"
    if top in getattr(sys, "stdlib_module_names", ()):  # the machine's Python was built or packaged without it
        package = " (on Debian and Ubuntu, the python3-tk package)" if top in ("tkinter", "_tkinter", "turtle") else ""
        return (f"`{top}` is part of Python's standard library, but the grading machine's Python lacks it{package}; "
                "ask your instructor")
    if environment is not None and not environment.has_module(top):
        return environment.missing_module_message(missing)
    if environment is not None:
        return f"No module named {missing!r} (the environment has {top!r}, but not this part of it)"
    return f"No module named {missing!r}: it is neither in your submission nor installed for grading"


class Session:
    """Everything the grader does with one submission: workers on demand, handles, deadlines.

    ``root`` is what the grader reads of the submission (its source for static checks, a predictions
    file, the notebook's cells); ``workdir`` is where its workers run (default: ``root``). When grading,
    ``root`` is a snapshot taken before any submission code ran, which the sandbox account cannot reach,
    so nothing the code does to its own copy (a file swapped for a link, a FIFO) reaches the grader's reads.
    """

    def __init__(self, root: Path, *, label: str = "submission", limits: Limits | None = None,
                 timeouts: Timeouts | None = None, python: str | None = None, user: SandboxUser | None = None,
                 worker_factory: Callable[..., Any] = Worker, deadline: float | None = None,
                 environment: Environment | None = None, workdir: Path | None = None) -> None:
        self.root = Path(root)
        self.workdir = Path(workdir) if workdir is not None else self.root
        self.label = label
        self.limits = limits or Limits()
        self.timeouts = timeouts or Timeouts()
        self.environment = environment  # the students' environment the worker runs in (None: the grader's)
        self.python = python or (environment.python if environment is not None else None)
        self.user = user
        self.deadline = deadline if deadline is not None else time.monotonic() + self.timeouts.total
        self._factory = worker_factory
        self._worker: Any = None
        self._generation = 0
        self._failed_imports: dict[str, SubmissionError] = {}
        self._released: list[int] = []  # handles of the current worker dropped on this side, to forget there
        self._output: list[str] = []
        self._received = 0  # bytes sent by this session's earlier workers
        self.notes: list[str] = []  # the NOTES the worker's own parts printed codes of (e.g. the CUDA fallback)
        self.staff_notes: list[str] = []  # the STAFF_NOTES likewise, for the staff log

    # -- worker lifecycle ---------------------------------------------------------------------
    @property
    def worker(self) -> Any:
        if self._worker is None or not self._worker.alive():
            self._collect_output()
            if self._worker is not None:
                self._worker.stop()
                self._received += self._worker.received
            self._generation += 1
            self._released = []  # (the stopped worker's handles went with it)
            self._worker = self._factory(self.workdir, limits=self.limits, start_timeout=self._timeout(
                self.timeouts.start, "starting the worker"), python=self.python, user=self.user)
        return self._worker

    def restart(self) -> None:
        """Stop the current worker; the next request starts a fresh one."""
        if self._worker is not None:
            self._worker.stop()
            self._collect_output()

    def close(self) -> None:
        self.restart()
        self._worker = None

    def quiesce(self) -> None:
        """Stop this session's worker and, with a sandbox account, every process the account runs: nothing of
        the submission is alive afterwards (say, to time the reference on a machine it cannot load)."""
        self.restart()
        if self.user is not None:
            from . import sandbox_user

            sandbox_user.kill_all(self.user)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _collect_output(self) -> None:
        process = getattr(self._worker, "process", None)
        if process is not None:
            text = process.output.take(wait=0.5 if not process.alive() else 0.0)
            if text:  # the grader's notes are not what the student's code printed
                printed = [line for line in text.splitlines(keepends=True) if not line.startswith(NOTE_PREFIX)]
                self._output.append("".join(printed))
                for line in text.splitlines():
                    code = line.removeprefix(NOTE_PREFIX).strip() if line.startswith(NOTE_PREFIX) else None
                    if code in NOTES and NOTES[code] not in self.notes:
                        self.notes.append(NOTES[code])
                    if code in STAFF_NOTES:
                        self._staff(STAFF_NOTES[code])
        for note in getattr(self._factory, "staff_notes", ()):  # a notebook's cells' (NotebookSpec.staff_notes)
            self._staff(note)

    def _staff(self, note: str) -> None:
        if note not in self.staff_notes:
            self.staff_notes.append(note)

    @property
    def notebook_record(self) -> Any:
        """For a notebook, what the grader learnt running its cells (``notebook.NotebookRecord``)."""
        return getattr(self._factory, "record", None)

    @property
    def notebook_records(self) -> dict[str, Any]:
        """For notebooks, each one's record by file name (one entry unless the assignment has several)."""
        return dict(getattr(self._factory, "records", None) or {})

    def take_output(self) -> str:
        """What the submission printed since the last call (bounded: head and tail kept)."""
        self._collect_output()
        text, self._output = "".join(self._output), []
        return text

    def _timeout(self, limit: float, doing: str) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise SubmissionTimeout(f"{doing}: the grading run's time budget ({self.timeouts.total:g} s) ran out")
        return min(limit, remaining)

    # -- requests -----------------------------------------------------------------------------
    def _request(self, op: str, args: list, doing: str) -> Any:
        worker = self.worker
        generation = self._generation
        if self._received + worker.received > self.limits.run_message_mb << 20:
            worker.stop()
            raise BadOutput(f"{doing}: not sent, the submission's workers have sent the grader more than "
                            f"{self.limits.run_message_mb} MiB in this run")

        def to_ref(obj: Any) -> wire.Ref:
            if not isinstance(obj, RemoteObject) or obj._session is not self:
                return _refuse_local(obj)
            if obj._generation != generation:
                raise StaleHandle(f"{doing}: {obj._label} lived in a worker that was stopped after an "
                                  "earlier failure")
            return obj._ref

        released, self._released = self._released, []  # freed in the worker before it runs this request
        try:
            return worker.request(op, args, timeout=self._timeout(self.timeouts.call, doing), doing=doing,
                                  make_ref=lambda ref: RemoteObject(self, ref, generation, _short(ref.type)),
                                  to_ref=to_ref, release=released)
        except StudentCodeError as exc:
            if exc.missing_module is None:
                raise
            requested = args[0] if op == "import" and args and type(args[0]) is str else ""
            raise self._explain_missing(exc, doing, requested) from None

    def _explain_missing(self, exc: StudentCodeError, doing: str, requested: str = "") -> StudentCodeError:
        missing = exc.missing_module or ""
        why = missing_module_reason(missing, self.root, self.environment, requested)
        if environment_lacks(missing, self.root, self.environment, requested):
            self._staff(staff_addition(missing, self.environment))
        return type(exc)(f"{doing} raised ModuleNotFoundError: {why}{exc.at}", exc_type=exc.exc_type,
                         traceback=exc.traceback, where=exc.where, missing_module=exc.missing_module)

    def module(self, name: str) -> RemoteObject:
        """Import ``name`` in the worker (relative to the submission's root) and return it.

        In an assignment of several notebooks, a notebook's name (``mnist`` for mnist.ipynb) is that notebook's
        namespace, in a kernel of its own: asking for another notebook than the running one starts its kernel.
        """
        key = name
        notebooks = getattr(self._factory, "names", None) or {}
        if name in notebooks and len(notebooks) > 1:
            if key in self._failed_imports:  # (before starting its kernel for nothing)
                raise self._failed_imports[key]
            if self._factory.select(name):
                self.restart()
            name = "__notebook__"
        elif key in self._failed_imports:
            raise self._failed_imports[key]
        try:
            return self._request("import", [name], f"importing {key}")._relabel(key)
        except StudentCodeError as exc:
            self._failed_imports[key] = exc
            raise exc from None
        except (SubmissionTimeout, WorkerCrashed, BadSubmission) as exc:
            self._failed_imports[key] = exc
            raise

    def put(self, value: Any) -> RemoteObject:
        """Send ``value`` to the worker once and keep it there (to time calls without transfers)."""
        return self._request("put", [value], "sending data to the worker")

    def fetch(self, obj: RemoteObject) -> Any:
        """The value of a remote object, which must be plain data (a dict of arrays, say)."""
        return self._request("fetch", [obj], f"reading {obj._label}")

    def plain(self, value: Any) -> Any:
        """``value`` (what a call into the worker returned) with its handles fetched as plain data where they can
        be (tensors as arrays), also inside tuples and lists; a handle that is not plain data stays a handle, for
        the checks to describe."""
        if isinstance(value, RemoteObject):
            try:
                return self.fetch(value)
            except StudentCodeError:
                return value
        if type(value) in (list, tuple):
            return type(value)(self.plain(v) for v in value)
        return value

    def seed(self, seed: int) -> None:
        """Seed ``random`` and ``numpy.random`` in the worker."""
        self._request("seed", [seed], "seeding the worker")

    def time_call(self, fn: RemoteObject, *args: Any, repeat: int = 5, **kwargs: Any) -> float:
        """Median wall time of ``fn(*args, **kwargs)`` in seconds, measured here, not in the worker."""
        fn(*args, **kwargs)  # warm-up: caches, lazy initialization
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn(*args, **kwargs)
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def _short(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


class RemoteObject:
    """A handle on an object in the worker; attribute access, items and calls go over the wire."""

    __slots__ = ("_session", "_ref", "_generation", "_label")

    def __init__(self, session: Session, ref: wire.Ref, generation: int, label: str) -> None:
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_generation", generation)
        object.__setattr__(self, "_label", label)

    def __del__(self) -> None:
        # The worker keeps every object it hands out until told otherwise: tell it (with the next request) once
        # no handle here refers to this one. A handle of a stopped worker has nothing left to free.
        try:
            if self._generation == self._session._generation:
                self._session._released.append(self._ref.id)
        except AttributeError:  # (half-built, or at interpreter exit)
            pass

    def _relabel(self, label: str) -> RemoteObject:
        object.__setattr__(self, "_label", label)
        return self

    def _sub(self, value: Any, label: str) -> Any:
        return value._relabel(label) if isinstance(value, RemoteObject) else value

    @property
    def remote_type(self) -> str:
        """The qualified name of the object's type in the worker (as the worker reports it)."""
        return self._ref.type

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # keep numpy, copy and pickle from probing the worker
        label = name if self._ref.type == "builtins.module" else f"{self._label}.{name}"
        return self._sub(self._session._request("getattr", [self, name], f"reading {label}"), label)

    def __setattr__(self, name: str, value: Any) -> None:
        self._session._request("setattr", [self, name, value], f"setting {self._label}.{name}")

    def __getitem__(self, key: Any) -> Any:
        label = f"{self._label}[{key!r}]"
        return self._sub(self._session._request("getitem", [self, key], f"reading {label}"), label)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._session._request("setitem", [self, key, value], f"setting {self._label}[{key!r}]")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session._request("call", [self, list(args), kwargs], self._label)

    def __repr__(self) -> str:
        return f"<remote {self._ref.type} {self._label}>"
