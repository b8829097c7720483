"""Inside the notebook kernel: serve the grader's requests once the notebook's cells have run.

``kernel.py`` sets ``FD`` and ``ROOT``; the grader then executes ``serve(labels)`` as the kernel's
last cell. ``serve`` never returns: the kernel answers requests over fd ``FD`` with ``run.py``'s
handler (the same protocol as the plain worker), the notebook's namespace importable as
``__notebook__``, until the grader closes its end.

``labels`` maps the code of each executed cell to what the student calls it ("cell 7"), so that
tracebacks point at notebook cells instead of the kernel's temporary files.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path

FD: int | None = None
ROOT: str | None = None


def _load_run():
    spec = importlib.util.spec_from_file_location("_autograder_worker_run", Path(__file__).with_name("run.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["_autograder_worker_run"] = module
    spec.loader.exec_module(module)
    return module


run = _load_run()


class NotebookHandler(run.Handler):
    """The plain worker's handler, with tracebacks that name notebook cells."""

    def __init__(self, root: str, cell_files: dict[str, str]) -> None:
        super().__init__(root)
        self.cell_files = cell_files

    def op_getattr(self, target, name: str, *, out: list):
        if target is sys.modules.get("__notebook__") and not hasattr(target, name):
            raise AttributeError(f"your notebook does not define {name!r}")
        return super().op_getattr(target, name, out=out)

    def _frame_name(self, filename: str) -> str | None:
        return self.cell_files.get(filename) or super()._frame_name(filename)


def serve(labels: dict[str, str]) -> None:
    from ipykernel.compiler import get_file_name
    from IPython import get_ipython

    shell = get_ipython()
    sys.modules["__notebook__"] = shell.user_module
    cell_files = {get_file_name(code): label for code, label in labels.items()}
    # From here on, what submission code prints goes to the process's own stdout, which the grader
    # captures, rather than to the (no longer read) Jupyter output channel.
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    sock = socket.socket(fileno=FD)
    run.serve(sock, NotebookHandler(ROOT, cell_files))
    run._flush_output()
    os._exit(0)
