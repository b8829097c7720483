"""Benchmark: what a notebook cell that floods its output costs the grader's memory.

    python benchmarks/cell_output_memory.py [--mb 200] [--runs 3]

A cell writes one message of ``--mb`` MB past the kernel's own output cap (the stream class's write,
not the capped one). Each run, in a fresh Python process, starts a kernel on that notebook, calls a
function defined after the cell, and reports the rise of the grader's peak resident memory
(``ru_maxrss``) and the wall time: once as the grader runs, once with the limit on one Jupyter message
lifted (``MAX_MESSAGE_BYTES``), to show what that limit saves. Not a timed test: the figures go in the
issue note.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

RUN = """
import resource, shutil, sys, tempfile, time
from pathlib import Path
import nbformat
from autograder import notebook_worker, sandbox_user
from autograder.config import Limits, Timeouts
from autograder.session import Session

mb, lifted = int(sys.argv[1]), sys.argv[2] == "lifted"
if lifted:
    notebook_worker.MAX_MESSAGE_BYTES = 1 << 31
user = sandbox_user.choose().user
work = Path(tempfile.mkdtemp())
work.chmod(0o711)
root = work / "submission"
root.mkdir()
cells = ["import sys", f"class _Flood:\\n    type(sys.stdout).write(sys.stdout, 'x' * ({mb} << 20))\\n"
         "    sys.stdout.flush()", "def f():\\n    return 1"]
nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), str(root / "t.ipynb"))
if user is not None:
    sandbox_user.hand_over(root, user)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
spec = notebook_worker.NotebookSpec("t.ipynb", cell_timeout=60)
with Session(root, limits=Limits(memory_mb=4096), timeouts=Timeouts(start=120, call=30, total=300),
             worker_factory=spec, user=user) as session:
    assert session.module("__notebook__").f() == 1
elapsed = time.monotonic() - started
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, elapsed)
shutil.rmtree(work)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200, help="size of the flooding message, in MB")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for mode in ("grader", "lifted"):
        rises, times = [], []
        for _ in range(args.runs):
            done = subprocess.run([sys.executable, "-c", RUN, str(args.mb), mode], capture_output=True, text=True,
                                  check=True)
            rise, elapsed = map(float, done.stdout.split()[-2:])
            rises.append(rise)
            times.append(elapsed)
        label = "as graded" if mode == "grader" else "message limit lifted"
        print(f"{label:>22}: grader peak RSS +{statistics.median(rises):.0f} MB, {statistics.median(times):.1f} s "
              f"(median of {args.runs}; rises {', '.join(f'{r:.0f}' for r in rises)} MB)")


if __name__ == "__main__":
    main()
