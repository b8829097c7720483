"""The notebook worker: an IPython kernel inside the same sandbox as ``run.py``.

Started by the grader as ``python -I kernel.py --fd N --root DIR --limits JSON --connection FILE
--cell-output CHARS``. It applies its resource limits and denies the network first, like ``run.py``,
then becomes an ordinary ipykernel that the grader drives with nbclient over the connection file's
sockets. Three things differ from a stock kernel:

- what each cell prints is capped (``--cell-output``), so a flood cannot fill the grader's memory;
- shell escapes (``!pip install``, ``!nvidia-smi``, ``x = !ls``) print a notice instead of running,
  so a notebook written for Colab neither hangs on the network nor breaks grading;
- ``_autograder_cudashim`` maps ``'cuda'`` to the CPU when there is no GPU (and says so once);
- ``_autograder_colab`` makes ``google.colab`` importable, its calls (``drive.mount``, ...) doing nothing, and
  ``/content`` (Colab's working folder) mean the kernel's own folder (each said once).

When the grader has run the cells it wants, it executes ``import _autograder_bridge; ...serve()``
in the kernel: from then on the kernel answers the grader's requests on fd N (the same protocol as
``run.py``) with the notebook's namespace importable as ``__notebook__``.

This file is run as a script and imports nothing of the grader.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _no_shell(cmd: str, *args: object, **kwargs: object) -> None:
    print(f"shell command skipped by the grader: !{cmd}", file=sys.stderr)  # in the cell's own output
    print("[autograder] shell-skipped", file=sys.__stderr__, flush=True)  # to the grader: a code for its note


def _no_shell_output(cmd: str, *args: object, **kwargs: object) -> list:
    _no_shell(cmd)
    return []


def _cap_cell_output(shell, limit: int) -> None:
    """Each cell may print ``limit`` characters (stdout and stderr together); the rest is dropped, noted once.

    What a cell prints travels to the grader as Jupyter messages; without a cap, a cell that prints
    until it times out would fill the grader's memory. The grader caps on its side too.
    """
    state = {"left": limit, "noted": False}

    def reset(*_: object) -> None:
        state.update(left=limit, noted=False)

    shell.events.register("pre_execute", reset)
    for stream in (sys.stdout, sys.stderr):
        def capped(text: str, _write=stream.write) -> int:
            if len(text) <= state["left"]:
                state["left"] -= len(text)
                return _write(text)
            if state["left"] > 0:
                _write(text[:state["left"]])
                state["left"] = 0
            if not state["noted"]:
                state["noted"] = True
                _write(f"\n[... the rest of this cell's output (over {limit} characters) was dropped ...]\n")
            return len(text)

        stream.write = capped


def main(argv: list[str]) -> None:
    fd = int(argv[argv.index("--fd") + 1])
    root = argv[argv.index("--root") + 1]
    limits = json.loads(argv[argv.index("--limits") + 1]) if "--limits" in argv else {}
    connection = argv[argv.index("--connection") + 1]
    cell_output = int(argv[argv.index("--cell-output") + 1]) if "--cell-output" in argv else 1 << 16

    sys.path.insert(0, str(HERE))  # _autograder_bridge, _autograder_probes, _autograder_cudashim, _autograder_colab
    import _autograder_bridge

    _autograder_bridge.run.apply_limits(limits)
    _autograder_bridge.run.deny_network()
    os.chdir(root)
    os.environ["IPYTHONDIR"] = os.path.join(root, ".ipython")
    if root not in sys.path:
        sys.path.insert(1, root)

    import _autograder_colab
    import _autograder_cudashim

    _autograder_bridge.FD = fd
    _autograder_bridge.ROOT = root
    _autograder_cudashim.install()
    # Before IPython is imported: the `open` it gives the notebook wraps io.open as it finds it then.
    _autograder_colab.install(root)

    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection, "--IPKernelApp.capture_fd_output=False", "--HistoryManager.enabled=False",
                    "--IPKernelApp.quiet=True"])
    # The kernel's own sockets to the grader are bound now; from here no process may open a network socket.
    _autograder_bridge.run.deny_network_to_processes()
    app.shell.system = _no_shell
    app.shell.system_piped = _no_shell
    app.shell.system_raw = _no_shell
    app.shell.getoutput = _no_shell_output
    _cap_cell_output(app.shell, cell_output)
    app.start()


if __name__ == "__main__":
    main(sys.argv)
