"""Benchmark: the full fixture check of each assignment, the one the test suite shortens.

    python benchmarks/fixtures_check.py [ID ...] [--seeds N]

Runs `autograder fixtures ID --check` (every trained mark, all its calibration seeds unless ``--seeds``) for each
assignment (default: all) and prints its wall time and verdict. The suite's regeneration tests rerun fewer seeds
(ps2, pset4) or one mark (hw0) to stay in its budget; this is the complete proof, for an instructor after a change
of the reference or of make_fixtures.py, and for the figures in the README. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", default=["hw6", "ps2", "pset4", "hw0"])
    parser.add_argument("--seeds", type=int, help="rerun only the first N calibration seeds of each mark")
    args = parser.parse_args()
    failed = 0
    print(f"{'assignment':<12}{'seconds':>9}  verdict")
    for assignment_id in args.ids:
        command = [sys.executable, "-m", "autograder", "fixtures", assignment_id, "--check"]
        if args.seeds:
            command += ["--seeds", str(args.seeds)]
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "1000"})  # (one verdict line, unwrapped)
        seconds = time.monotonic() - started
        verdict = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        failed += done.returncode != 0
        print(f"{assignment_id:<12}{seconds:9.1f}  {'ok' if done.returncode == 0 else 'STALE'}: {verdict}", flush=True)
        if done.returncode not in (0, 1):
            print(done.stderr[-2000:], file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
