"""Benchmark: grading a class of hw6 submissions with `autograder bulk`, one at a time, two at a time, and on a
local Ray cluster.

    python benchmarks/class_throughput.py [--count 40] [--ray]

The class: the reference, the template and the corpus cases of tests/submissions/hw6 (cycled to ``--count``).
For each way it reports the wall time, the median time per submission, the speed-up over one job, and the
peak memory of one grading (the grader and its workers, from each slot's status.json); with ``--ray``, Ray's
overhead per submission (its wall time per submission minus the two-job run's, over the same two slots).
Not a timed test: the figures go in the issue note.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.splice import build_submission, load_cases  # noqa: E402


def make_class(folder: Path, count: int) -> None:
    sources = [("reference", None), ("template", None)] + [(c.name, c) for c in
                                                           load_cases(ROOT / "tests" / "submissions" / "hw6")]
    for i in range(count):
        name, case = sources[i % len(sources)]
        dest = folder / f"{i:02d}_{name}"
        if case is None:
            shutil.copytree(ROOT / ("reference" if name == "reference" else "student_template") / "hw6", dest,
                            ignore=shutil.ignore_patterns("__pycache__", "*.csv"))
        else:
            build_submission(case, ROOT / "reference" / "hw6", dest)
    subprocess.run(["chmod", "-R", "a+rX", str(folder.parent)], check=True)


def bulk(folder: Path, out: Path, *extra: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder", "bulk", "hw6", str(folder), "--out", str(out),
                           "--regrade", *extra], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    statuses = [json.loads(p.read_text()) for p in out.glob("*/status.json")]
    return {"wall_s": wall, "median_s": statistics.median(s["seconds"] for s in statuses),
            "peak_mb": max(s["peak_mb"] for s in statuses), "count": len(statuses),
            "scores": {s["name"]: s["score"] for s in statuses}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--ray", action="store_true", help="also through a local Ray cluster (ray start --head)")
    parser.add_argument("--report", type=Path, help="keep the two-job run's report.html here")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="autograder-bench-class-"))
    base.chmod(0o755)
    try:
        folder = base / "class"
        make_class(folder, args.count)
        runs = {"jobs 1": bulk(folder, base / "one", "--jobs", "1"),
                "jobs 2": bulk(folder, base / "two", "--jobs", "2")}
        if args.ray:
            ray = str(Path(sys.executable).with_name("ray"))
            subprocess.run([ray, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", "6391",
                            "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats"],
                           check=True, capture_output=True)
            try:
                runs["ray (2 cpus)"] = bulk(folder, base / "ray", "--ray", "127.0.0.1:6391")
            finally:
                subprocess.run([ray, "stop", "--force"], capture_output=True)
        if args.report:
            shutil.copyfile(base / "two" / "report.html", args.report)
        one = runs["jobs 1"]
        for name, run in runs.items():
            assert run["scores"] == one["scores"], f"{name} graded differently from one job"
            print(f"{name:13} {run['count']} submissions: wall {run['wall_s']:6.1f} s, median "
                  f"{run['median_s']:5.2f} s/submission, speed-up {one['wall_s'] / run['wall_s']:4.2f}x, peak "
                  f"{run['peak_mb']:.0f} MiB per grading")
        if "ray (2 cpus)" in runs:
            overhead = (runs["ray (2 cpus)"]["wall_s"] - runs["jobs 2"]["wall_s"]) / args.count
            print(f"Ray's overhead: {overhead:+.2f} s per submission (wall, against --jobs 2 on the same 2 cores)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
