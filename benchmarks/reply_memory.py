"""Benchmark: how much of the grader's memory a worker's replies can take, whatever the worker sends.

    python benchmarks/reply_memory.py

Each attack runs in a fresh Python process that starts one worker and asks it for one value: a reply whose
header claims 100 GB, a dict of 10 million keys, a 2 GB string, a 1 GB array, a 100 MB array (under the
limit, for comparison). Reported: how the grader refused it (or what it got), and the rise of the grader's
peak resident memory (``ru_maxrss``). Not a timed test: the figures go in the issue note and the README.
"""

from __future__ import annotations

import subprocess
import sys

RUN = r"""
import resource, sys, tempfile
from pathlib import Path
from autograder.errors import SubmissionError
from autograder.session import Session

folder = Path(tempfile.mkdtemp())
(folder / "attack.py").write_text('''
import numpy as np, socket, struct, sys
def forged_header():
    sock = [o for o in __import__("gc").get_objects() if isinstance(o, socket.socket)][0]
    sock.sendall(struct.pack("!QI", 100 << 30, 0))
    import time; time.sleep(30)
def big_dict():
    return {i: i for i in range(10_000_000)}
def big_string():
    return "x" * (2 << 30)
def big_array():
    return np.zeros(1 << 27)
def ok_array():
    return np.zeros(100 << 17)
''')
session = Session(folder)
attack = session.module("attack")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    value = getattr(attack, sys.argv[1])()
    outcome = f"returned {type(value).__name__} of {getattr(value, 'nbytes', len(value)) >> 20} MiB"
except SubmissionError as exc:
    outcome = f"refused: {exc.message[:110]}"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
session.close()
print(f"{sys.argv[1]:14s} +{(after - before) / 1024:7.1f} MiB peak  {outcome}")
"""


def main() -> None:
    for attack in ("forged_header", "big_dict", "big_string", "big_array", "ok_array"):
        done = subprocess.run([sys.executable, "-c", RUN, attack], capture_output=True, text=True, timeout=600)
        print(done.stdout.strip() or done.stderr.strip()[-500:])


if __name__ == "__main__":
    main()
