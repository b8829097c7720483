"""The notebook worker: an IPython kernel inside the same sandbox as ``run.py``.

Started by the grader as ``python -I kernel.py --fd N --root DIR --limits JSON --connection FILE``.
It applies its resource limits and denies the network first, like ``run.py``, then becomes an
ordinary ipykernel that the grader drives with nbclient over the connection file's sockets. Two
things differ from a stock kernel:

- shell escapes (``!pip install``, ``!nvidia-smi``, ``x = !ls``) print a notice instead of running,
  so a notebook written for Colab neither hangs on the network nor breaks grading;
- ``_autograder_cudashim`` maps ``'cuda'`` to the CPU when there is no GPU (and says so once).

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
    print(f"[autograder] shell command skipped by the grader: !{cmd}", file=sys.stderr)


def _no_shell_output(cmd: str, *args: object, **kwargs: object) -> list:
    _no_shell(cmd)
    return []


def main(argv: list[str]) -> None:
    fd = int(argv[argv.index("--fd") + 1])
    root = argv[argv.index("--root") + 1]
    limits = json.loads(argv[argv.index("--limits") + 1]) if "--limits" in argv else {}
    connection = argv[argv.index("--connection") + 1]

    sys.path.insert(0, str(HERE))  # _autograder_bridge, _autograder_probes, _autograder_cudashim
    import _autograder_bridge

    _autograder_bridge.run.apply_limits(limits)
    _autograder_bridge.run.deny_network()
    os.chdir(root)
    os.environ["IPYTHONDIR"] = os.path.join(root, ".ipython")
    if root not in sys.path:
        sys.path.insert(1, root)

    import _autograder_cudashim

    _autograder_bridge.FD = fd
    _autograder_bridge.ROOT = root
    _autograder_cudashim.install()

    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection, "--IPKernelApp.capture_fd_output=False", "--HistoryManager.enabled=False",
                    "--IPKernelApp.quiet=True"])
    app.shell.system = _no_shell
    app.shell.system_piped = _no_shell
    app.shell.system_raw = _no_shell
    app.shell.getoutput = _no_shell_output
    app.start()


if __name__ == "__main__":
    main(sys.argv)
