"""A worker for notebook submissions: a sandboxed Jupyter kernel, driven by nbclient.

``NotebookWorker`` starts ``worker/kernel.py`` through ``sandbox.spawn`` (the same process
boundary, limits and environment as the plain worker), runs the planned cells with nbclient, each
under its own timeout, then turns the kernel into a request server (``_autograder_bridge``) so that
grading tests use the notebook exactly as they use a package: ``submission.module("__notebook__")``.

A cell that raises is recorded and grading goes on (its definitions are missing, as they would be
in Jupyter). A cell that hangs or kills the kernel is recorded, and the kernel is started again
without it. The ``NotebookRecord`` survives the restarts a session makes, so every later kernel skips
the bad cells at once, and the executed notebook can be saved for the instructor.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import notebook, sandbox, sandbox_user
from .config import Limits
from .environments import Environment
from .errors import SubmissionTimeout, WorkerCrashed
from .sandbox_user import SandboxUser
from .session import Worker, environment_lacks, missing_module_reason, staff_addition

KERNEL_SCRIPT = sandbox.WORKER_SCRIPT.with_name("kernel.py")
MAX_MESSAGE_BYTES = 16 << 20  # one Jupyter message from the kernel (a plot is well under 1 MB)
_KERNEL_FILE = re.compile(r"\(\d+\.py, line (\d+)\)")  # how a SyntaxError names the kernel's temporary file


@dataclass
class NotebookSpec:
    """How an assignment's notebooks are run, and what the grader learnt running this one.

    An assignment of several notebooks (``filenames``) runs one at a time, each in kernels of its own: tests
    ask for one by name (``submission.module("mnist")`` for mnist.ipynb), which ``select``s it, and each keeps
    its own ``NotebookRecord`` (``records``)."""

    filename: str
    mode: str = "definitions"
    cell_timeout: float = 60.0
    record: notebook.NotebookRecord = field(default_factory=notebook.NotebookRecord)
    environment: Environment | None = None  # the students' environment: says which imports it cannot serve
    source: Path | None = None  # where the notebook is read (the grader's snapshot); None: the kernel's folder
    filenames: tuple[str, ...] = ()  # every notebook of the assignment, when it has several
    records: dict[str, notebook.NotebookRecord] = field(default_factory=dict)
    staff_notes: list[str] = field(default_factory=list)  # for the staff log (a package the environment lacks)

    _loaded: tuple[Path, Any, list[notebook.PlannedCell]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.records.setdefault(self.filename, self.record)

    @property
    def names(self) -> dict[str, str]:
        """For several notebooks: each one's module name (its file name without .ipynb) and file name."""
        return {Path(f).stem: f for f in self.filenames}

    def select(self, name: str) -> bool:
        """Make the notebook called ``name`` (see ``names``) the one kernels run; True when that changed it."""
        filename = self.names[name]
        if filename == self.filename:
            return False
        self.filename = filename
        self.record = self.records.setdefault(filename, notebook.NotebookRecord())
        return True

    def load(self, root: Path) -> tuple[Any, list[notebook.PlannedCell]]:
        """The notebook in ``root`` (or ``source``) and what to run of it: read and planned once, not per kernel."""
        path = notebook.locate(self.source or root, self.filename, several=len(self.filenames) > 1)
        if self._loaded is None or self._loaded[0] != path:
            nb = notebook.read(path)
            self._loaded = (path, nb, notebook.plan(nb, self.mode))
            self.record.path = path
        return self._loaded[1], self._loaded[2]

    def __call__(self, root: Path, **kwargs: Any) -> NotebookWorker:
        """A fresh worker on the notebook in ``root`` (the ``worker_factory`` of a ``Session``)."""
        return NotebookWorker(root, spec=self, **kwargs)


class _KernelProcess:
    """What nbclient needs of a kernel manager, for a kernel the sandbox started."""

    def __init__(self, process: sandbox.WorkerProcess) -> None:
        self.process = process

    def is_alive(self) -> bool:
        return self.process.alive()

    def interrupt_kernel(self) -> None:
        import signal

        if self.process.alive():
            self.process.proc.send_signal(signal.SIGINT)


class NotebookWorker(Worker):
    """One kernel on one notebook: cells first, then the grader's requests."""

    def __init__(self, root: Path, *, spec: NotebookSpec, limits: Limits, start_timeout: float,
                 python: str | None = None, user: SandboxUser | None = None) -> None:
        self.limits = limits
        self.spec = spec
        source, plan = spec.load(root)
        # Each attempt gets the whole start budget for the kernel and each cell its own cell_timeout: a cell that
        # hangs costs its own time and what it defines, never the start of the kernel that runs without it.
        # Every attempt leaves at least one cell out, so there are at most len(plan) + 1 of them.
        while True:
            planned = [c for c in plan if c.index not in spec.record.excluded]
            deadline = time.monotonic() + start_timeout
            self._start(root, python, user, deadline)
            try:
                if self._run_cells(source, planned, deadline + spec.cell_timeout * len(planned)):
                    break
            except BaseException:
                self.stop()
                raise
            self.stop()  # a cell hung or killed the kernel: start again without it
        labels = {c.source: c.label for c in planned}
        self._client.kc.execute(f"import _autograder_bridge\n_autograder_bridge.serve({labels!r})",
                                store_history=False)
        self.info = self.request("hello", [], timeout=max(start_timeout, 5.0),
                                 doing="starting the notebook's kernel")
        # The kernel's start-up chatter is not the student's output; the grader's own notes are kept.
        startup = self.process.output.take()
        self.process.output.keep("".join(line for line in startup.splitlines(keepends=True)
                                         if line.startswith("[autograder] ")))

    def _start(self, root: Path, python: str | None, user: SandboxUser | None, deadline: float) -> None:
        import zmq.asyncio
        from jupyter_client.asynchronous import AsyncKernelClient
        from jupyter_client.connect import write_connection_file
        from jupyter_core.utils import ensure_event_loop
        from nbclient.util import run_sync

        self._dir = Path(tempfile.mkdtemp(prefix="agk-"))  # the kernel makes its ipc sockets here
        connection, _ = write_connection_file(str(self._dir / "kernel.json"), transport="ipc",
                                              ip=str(self._dir / "k"))
        if user is not None:
            sandbox_user.hand_over(self._dir, user)
        output_limit = self.limits.output_kb << 10
        self.process = sandbox.spawn(root, limits=self.limits, python=python, user=user, script=KERNEL_SCRIPT,
                                     args=("--connection", connection, "--cell-output", str(output_limit)))
        process = self.process
        # nbclient's tasks for a cell that timed out may end in errors nobody awaits; asyncio would log
        # them with a formatted traceback whenever the garbage collector frees them, even in the middle of
        # pytest's own ast.parse, which Python 3.11 does not survive (gh-106905). They are expected: drop.
        ensure_event_loop().set_exception_handler(lambda loop, context: None)
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # a kernel sending more is disconnected

        class Client(AsyncKernelClient):
            def is_alive(self) -> bool:  # the process, not a heartbeat that a busy kernel still sends
                return process.alive()

            async def _async_is_alive(self) -> bool:  # what wait_for_ready asks: a kernel slow to start
                return process.alive()                # (a loaded machine) misses heartbeats, yet lives

        kc = Client(context=context)
        kc.load_connection_file(connection)
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=max(deadline - time.monotonic(), 1.0))
        except RuntimeError as exc:
            output = process.output.take(wait=0.5)
            kc.stop_channels()
            context.destroy(linger=0)
            self.stop()
            if "Kernel died" in str(exc) or not process.alive():
                raise WorkerCrashed(f"starting the notebook's kernel: the kernel died\n{output[-2000:]}") from None
            raise SubmissionTimeout("starting the notebook's kernel took too long") from None
        self._client = _bounded_client_class()(
            None, km=_KernelProcess(process), timeout=int(self.spec.cell_timeout), allow_errors=True,
            interrupt_on_timeout=False, record_timing=False, iopub_timeout=2, raise_on_iopub_timeout=False)
        self._client.output_limit = output_limit
        self._client.kc = kc

    def _run_cells(self, source: Any, planned: list[notebook.PlannedCell], deadline: float) -> bool:
        """Run ``planned``; False when one hung or killed the kernel (it is recorded, to be left out)."""
        import nbformat
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        record = self.spec.record
        self._client.nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("") for _ in source.cells])
        for cell in planned:
            if time.monotonic() > deadline:
                raise SubmissionTimeout("running the notebook's cells took longer than the grader allows")
            code = nbformat.v4.new_code_cell(cell.source)
            try:
                self._client.execute_cell(code, cell.index)
            except CellTimeoutError:
                record.outcomes[cell.index] = notebook.CellOutcome(
                    cell.index, "timeout", f"over {self.spec.cell_timeout:g} s (an infinite loop?)",
                    _timeout_output(self.spec.cell_timeout), partial=not cell.whole)
                return False
            except DeadKernelError:
                printed = self.process.output.take(wait=1.0)
                record.outcomes[cell.index] = notebook.CellOutcome(
                    cell.index, "died", _death(self.process), [_stream(printed)] if printed else [],
                    partial=not cell.whole)
                return False
            errors = [o for o in code.outputs if o.get("output_type") == "error"]
            detail = _KERNEL_FILE.sub(r"(line \1)", f"{errors[0].get('ename')}: {errors[0].get('evalue')}")[:500] \
                if errors else ""
            if errors and errors[0].get("ename") == "ModuleNotFoundError":
                detail = self._missing_package(str(errors[0].get("evalue", ""))) or detail
            record.outcomes[cell.index] = notebook.CellOutcome(
                cell.index, "error" if errors else "ok", detail, list(code.outputs), partial=not cell.whole)
        return True

    def _missing_package(self, evalue: str) -> str | None:
        """A cell's ModuleNotFoundError said as the plain worker says it (``session.missing_module_reason``)."""
        match = re.match(r"No module named '([^']+)'", evalue)
        if not match:
            return None
        missing, root, environment = match.group(1), self.process.root, self.spec.environment
        if environment is not None and environment_lacks(missing, root, environment):
            note = staff_addition(missing, environment)
            if note not in self.spec.staff_notes:
                self.spec.staff_notes.append(note)
        return f"ModuleNotFoundError: {missing_module_reason(missing, root, environment)}"

    def stop(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None and client.kc is not None:
            try:
                client.kc.stop_channels()
            except Exception:  # noqa: BLE001 - closing sockets of a dead kernel
                pass
            client.kc.context.destroy(linger=0)
            client.kc = None
        if getattr(self, "process", None) is not None:
            self.process.stop()
        if getattr(self, "_dir", None) is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


@functools.cache
def _bounded_client_class() -> type:
    from nbclient import NotebookClient

    class BoundedClient(NotebookClient):
        """nbclient keeping at most ``output_limit`` characters of each cell's outputs; the rest is noted, not kept."""

        output_limit = 1 << 16

        def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
            kept = self.__dict__.setdefault("_kept", {})
            content = msg.get("content", {})
            text = content.get("text")
            size = len(text) if isinstance(text, str) else len(json.dumps(content, default=str))
            if kept.get(cell_index, 0) + size > self.output_limit:
                if kept.get(cell_index, 0) <= self.output_limit:  # note it once
                    outs.append(_stream(f"[... the rest of this cell's output (over {self.output_limit} characters) "
                                        "was dropped by the grader ...]\n"))
                kept[cell_index] = self.output_limit + 1
                return None
            kept[cell_index] = kept.get(cell_index, 0) + size
            return super().output(outs, msg, display_id, cell_index)

    return BoundedClient


def _stream(text: str) -> Any:
    import nbformat

    return nbformat.v4.new_output("stream", name="stderr", text=text[-4000:])


def _timeout_output(limit: float) -> list:
    import nbformat

    return [nbformat.v4.new_output("error", ename="CellTimeout", evalue=f"stopped by the grader after {limit:g} s",
                                   traceback=[])]


def _death(process: sandbox.WorkerProcess) -> str:
    code = process.proc.poll()
    return "the kernel stopped answering" if code is None else f"the kernel {sandbox.describe_exit(code)}"
