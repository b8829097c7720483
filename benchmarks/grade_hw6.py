"""Benchmark: how long grading hw6 takes end to end, against its floor.

    python benchmarks/grade_hw6.py [--runs 5] [--submission reference/hw6]

Reports medians of several runs of (1) grading the submission end to end (copy, every test, every
worker start, results.json), and (2) the floor: starting one worker and importing the submission's
modules once. Their ratio says how much of grading is the tests' own work. Not a timed test: the
figures go in the issue note.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from autograder import assignment, grading
from autograder.session import Session

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["neural_networks.activations", "neural_networks.layers", "neural_networks.losses",
           "neural_networks.models", "neural_networks.einsum_tasks"]


def floor_once(path: Path) -> float:
    start = time.perf_counter()
    with Session(path) as session:
        for name in MODULES:
            session.module(name)
    return time.perf_counter() - start


def grade_once(hw6: assignment.Assignment, path: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = grading.grade(hw6, path, out=Path(tmp) / "results.json")
        elapsed = time.perf_counter() - start
    if report.errors:
        raise SystemExit(f"grading failed: {report.errors}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--submission", type=Path, default=ROOT / "reference" / "hw6")
    args = parser.parse_args()
    hw6 = assignment.load("hw6", ROOT)
    floors = [floor_once(args.submission) for _ in range(args.runs)]
    totals = [grade_once(hw6, args.submission) for _ in range(args.runs)]
    floor, total = statistics.median(floors), statistics.median(totals)
    print(f"submission: {args.submission}  runs: {args.runs}")
    print(f"floor (start a worker, import the submission once): median {floor:.3f} s "
          f"(min {min(floors):.3f}, max {max(floors):.3f})")
    print(f"grade end to end:                                   median {total:.3f} s "
          f"(min {min(totals):.3f}, max {max(totals):.3f})")
    print(f"ratio end-to-end / floor: {total / floor:.1f}")


if __name__ == "__main__":
    main()
