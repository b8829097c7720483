"""Benchmark: time and peak memory to grade one submission end to end (ps2's notebook by default).

    python benchmarks/grade_memory.py [--assignment ps2] [--submission reference/ps2] [--runs 3]

Each run grades in a fresh Python process, so its peaks are its own. Reported per run and as
medians: wall time, the grader's peak resident memory (the trusted process: pytest, the fixtures,
the comparisons) and the largest peak among the worker processes (the sandboxed kernel or worker
that runs the submission, plus the reference's worker when a test measures a runtime ratio), both
from ``getrusage`` (``ru_maxrss``), which the kernel keeps for every process. Not a timed test: the
figures go in the issue note.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_RUN = """
import json, resource, sys, time
from pathlib import Path
from autograder import assignment, grading
a = assignment.load(sys.argv[1])
start = time.perf_counter()
report = grading.grade(a, Path(sys.argv[2]), out=Path(sys.argv[3]))
elapsed = time.perf_counter() - start
print(json.dumps({
    "seconds": elapsed, "score": report.results.score, "max_score": report.results.max_score,
    "errors": report.errors,
    "grader_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def run_once(assignment_id: str, submission: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", ONE_RUN, assignment_id, str(submission),
                               str(Path(tmp) / "results.json")], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"grading failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="ps2")
    parser.add_argument("--submission", type=Path, help="default: reference/ASSIGNMENT")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    submission = (args.submission or ROOT / "reference" / args.assignment).resolve()
    runs = []
    for number in range(1, args.runs + 1):
        run = run_once(args.assignment, submission)
        runs.append(run)
        print(f"run {number}: {run['seconds']:.1f} s, score {run['score']:g}/{run['max_score']:g}, "
              f"grader peak {run['grader_mb']:.0f} MB, worker peak {run['worker_mb']:.0f} MB"
              + (f", errors: {run['errors']}" if run["errors"] else ""), flush=True)
    median = {key: statistics.median(r[key] for r in runs) for key in ("seconds", "grader_mb", "worker_mb")}
    print(f"{args.assignment} {submission.name}, {args.runs} runs: median {median['seconds']:.1f} s "
          f"(min {min(r['seconds'] for r in runs):.1f}, max {max(r['seconds'] for r in runs):.1f}); "
          f"grader peak {median['grader_mb']:.0f} MB; worker peak {median['worker_mb']:.0f} MB")


if __name__ == "__main__":
    main()
