"""Benchmark: time and peak memory to grade one submission end to end (ps2's notebook by default).

    python benchmarks/grade_memory.py [--assignment ps2] [--submission reference/ps2] [--runs 3] [--sample 0.2]

Each run grades in a fresh Python process, so its peaks are its own. Reported per run and as
medians: wall time, the grader's peak resident memory (the trusted process: pytest, the fixtures,
the comparisons) and the largest peak among the worker processes (the sandboxed kernel or worker
that runs the submission, plus the reference's worker when a test measures a runtime ratio), both
from ``getrusage`` (``ru_maxrss``), which the kernel keeps for every process. Not a timed test: the
figures go in the issue note.

Per-process peaks do not say what a memory-capped container sees: the sum over the processes alive at
the same moment. ``--sample SECONDS`` (needs psutil and, for other accounts' processes, root) polls the
grading's whole process tree at that interval and reports the largest sum of PSS (proportional set size:
pages shared between processes, such as a kernel and the DataLoader workers it forks, counted once
between them, as a cgroup charges them), the largest sum of RSS (shared pages counted in every process:
an upper bound), the most processes alive at once, and what was alive at the PSS peak. A poll can miss a
spike shorter than its interval; the ``ru_maxrss`` figures cannot.

Neither says whether the grading fits Gradescope's box, since both count file-backed pages (torch's shared
libraries) that a memory cgroup reclaims under its limit instead of killing. ``--box MB:CPUS`` (root, cgroup
v1; see ``box.py``) grades inside such a box, 768:0.5 being Gradescope's default, after dropping the page
cache so that every page the grading reads is charged to the box: a grading fits when it scores as it does
unboxed with no OOM kill. Reported: the box's peak charge, its peak of anonymous memory (polled every 0.1 s)
with each process's share at that moment, and the OOM kills. ``--trace FILE`` appends the box's timeline
there (one JSON line per poll: each process's anonymous memory), to see which part of the grading peaks.
``--timeout`` (default 30 minutes) kills a grading that never ends: a box far too small can keep it reclaiming
pages without end, never OOM-killed. Killed itself (SIGTERM), the benchmark still closes the box.

With the CPU wheels (what setup.sh installs), where this machine's students' environments have the CUDA build:
copy the environment to another root under the same name, swap torch and torchvision, and point the grader
there (the README's figures were made so):

    cp -a /opt/autograder-envs/hw0-DIGEST /opt/cpu-envs/ && cd /opt/cpu-envs/hw0-DIGEST/lib/python3.11/site-packages
    rm -rf cuda* nvidia* triton* torch* functorch && sed -i s#autograder-envs#cpu-envs# ../../../pyvenv.cfg
    ../../../bin/python -m pip install --no-deps /opt/wheels/torch-2.13.0+cpu-*.whl torchvision-0.28.0-*.whl
    AUTOGRADER_ENVS=/opt/cpu-envs python benchmarks/grade_memory.py --assignment hw0 --box 768:0.5

PyPI's torchvision 0.28.0 is a CUDA build whose compiled ops do not load beside the CPU wheel; its import then
fails registering fake kernels for them, so those registrations were skipped by hand in
``torchvision/_meta_registrations.py`` (``torch.library.register_fake`` only when ``_has_ops()``).
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from box import Box

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
    "lost": [f"{t.name}: {t.output.strip().splitlines()[-1][:300] if t.output.strip() else ''}"
             for t in report.results.tests if t.score < t.max_score],
    "grader_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def run_once(assignment_id: str, submission: Path, sample: float | None = None,
             box: tuple[int, float] | None = None, trace: Path | None = None,
             timeout: float | None = None) -> dict[str, Any]:
    """Grade once in a fresh process; with ``sample``, poll its process tree every ``sample`` seconds; with
    ``box`` (MB, cores), inside a memory cgroup and CPU quota of that size (``trace``: its timeline, as JSON
    lines). A grading still running after ``timeout`` seconds is killed (a box far too small can keep it
    reclaiming pages without end, never OOM-killed)."""
    cage = None
    if box:
        Path("/proc/sys/vm/drop_caches").write_text("3")
        cage = Box(*box, trace=trace)
    timed_out = False
    tree: dict[str, Any] = {}
    output: dict[str, str] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.Popen([sys.executable, "-c", ONE_RUN, assignment_id, str(submission),
                                     str(Path(tmp) / "results.json")], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                    preexec_fn=cage.enter if cage else None)
            # drained by threads, so that polling the tree meanwhile cannot leave a chatty grading blocked on a pipe
            drains = [threading.Thread(target=lambda k=key, f=stream: output.__setitem__(k, f.read()), daemon=True)
                      for key, stream in (("out", proc.stdout), ("err", proc.stderr))]
            for thread in drains:
                thread.start()
            deadline = time.monotonic() + timeout if timeout else None
            tree = _sample_tree(proc, sample, deadline) if sample else {}
            try:
                proc.wait(max(deadline - time.monotonic(), 0) if deadline else None)
            except subprocess.TimeoutExpired:
                timed_out = True
                proc.kill()
                proc.wait()
            for thread in drains:
                thread.join(5)
    finally:  # the box (and whatever still runs in it) goes, however the run ended
        if cage:
            tree.update(cage.close())
    if timed_out or proc.returncode != 0:
        why = f"still running after {timeout:g} s" if timed_out else f"failed with exit status {proc.returncode}"
        boxed = f" in the box ({tree})" if cage else ""  # an OOM kill of the grader itself shows here
        raise SystemExit(f"grading {why}{boxed}:\n{output.get('err', '')[-3000:]}")
    return {**json.loads(output["out"].strip().splitlines()[-1]), **tree}


def _label(process: Any, root_pid: int) -> str:
    """What a process of the grading is: the grader, a kernel or worker script, or a child one of them forked."""
    try:
        cmdline, parent = process.cmdline(), process.ppid()
    except Exception:  # noqa: BLE001 - it ended while we looked
        return "gone"
    if process.pid == root_pid:
        return "grader"
    script = next((Path(a).name for a in cmdline if a.endswith(".py")), Path(cmdline[0]).name if cmdline else "?")
    return script if parent == root_pid else f"{script} (forked by {parent})"


def _sample_tree(proc: subprocess.Popen, interval: float, deadline: float | None = None) -> dict[str, Any]:
    """Poll ``proc`` and its descendants until it exits (or ``deadline``, on the monotonic clock): the peak sums of
    PSS and RSS, the most processes at once, the PSS of each process alive at the PSS peak (MB) and when that was
    (seconds after the start)."""
    import psutil

    root = psutil.Process(proc.pid)
    best: dict[str, Any] = {"tree_pss_mb": 0.0, "tree_rss_mb": 0.0, "processes": 0, "at_peak": [], "peak_s": 0.0}
    start = time.monotonic()
    while proc.poll() is None and (deadline is None or time.monotonic() < deadline):
        try:
            members = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rows = []
        for member in members:
            try:
                info = member.memory_full_info()
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            rows.append((_label(member, proc.pid), info.pss / 2**20, info.rss / 2**20))
        pss, rss = sum(r[1] for r in rows), sum(r[2] for r in rows)
        best["processes"] = max(best["processes"], len(rows))
        best["tree_rss_mb"] = max(best["tree_rss_mb"], rss)
        if pss > best["tree_pss_mb"]:
            best["tree_pss_mb"], best["peak_s"] = pss, time.monotonic() - start
            best["at_peak"] = sorted(((r[0], round(r[1])) for r in rows), key=lambda r: -r[1])
        time.sleep(interval)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="ps2")
    parser.add_argument("--submission", type=Path, help="default: reference/ASSIGNMENT")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=float, metavar="SECONDS",
                        help="poll the process tree's memory at this interval (sums of PSS and RSS)")
    parser.add_argument("--box", metavar="MB:CPUS", help="grade in a memory cgroup and CPU quota of this size "
                        "(Gradescope's default: 768:0.5); needs root and cgroup v1")
    parser.add_argument("--trace", type=Path, metavar="FILE", help="with --box: append the box's timeline to FILE, "
                        "one JSON line per 0.1 s poll (seconds, anonymous MB in all and per process)")
    parser.add_argument("--timeout", type=float, default=1800, metavar="SECONDS",
                        help="kill a grading still running after this long (default: %(default)g)")
    args = parser.parse_args()
    # killed (say, by an outer timeout): exit through the finally blocks, which close the box and kill what runs in it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    box = None
    if args.box:
        memory, _, cpus = args.box.partition(":")
        box = (int(memory), float(cpus or 1))
    submission = (args.submission or ROOT / "reference" / args.assignment).resolve()
    runs = []
    for number in range(1, args.runs + 1):
        run = run_once(args.assignment, submission, args.sample, box, args.trace, args.timeout)
        runs.append(run)
        tree = (f"; tree peak {run['tree_pss_mb']:.0f} MB PSS ({run['tree_rss_mb']:.0f} MB RSS), at most "
                f"{run['processes']} processes at once, at the peak ({run['peak_s']:.0f} s in): {run['at_peak']}"
                if args.sample else "")
        if box:
            tree += (f"; box {args.box}: peak charge {run['box_peak_mb']:.0f} MB, anonymous "
                     f"{run['box_anon_peak_mb']:.0f} MB ({run['box_at_anon_peak']}), {run['box_oom_kills']} OOM "
                     "kills")
        print(f"run {number}: {run['seconds']:.1f} s, score {run['score']:g}/{run['max_score']:g}, "
              f"grader peak {run['grader_mb']:.0f} MB, worker peak {run['worker_mb']:.0f} MB{tree}"
              + (f", errors: {run['errors']}" if run["errors"] else "")
              + "".join(f"\n  lost: {line}" for line in run["lost"]), flush=True)
    keys = (("seconds", "grader_mb", "worker_mb") + (("tree_pss_mb", "tree_rss_mb", "processes") if args.sample else ())
            + (("box_peak_mb", "box_anon_peak_mb", "box_oom_kills") if box else ()))
    median = {key: statistics.median(r[key] for r in runs) for key in keys}
    tree = (f"; tree peak {median['tree_pss_mb']:.0f} MB PSS, {median['tree_rss_mb']:.0f} MB RSS; "
            f"{median['processes']:g} processes at once" if args.sample else "")
    if box:
        tree += (f"; box {args.box}: peak charge {median['box_peak_mb']:.0f} MB, anonymous "
                 f"{median['box_anon_peak_mb']:.0f} MB, OOM kills {median['box_oom_kills']:g}")
    print(f"{args.assignment} {submission.name}, {args.runs} runs: median {median['seconds']:.1f} s "
          f"(min {min(r['seconds'] for r in runs):.1f}, max {max(r['seconds'] for r in runs):.1f}); "
          f"grader peak {median['grader_mb']:.0f} MB; worker peak {median['worker_mb']:.0f} MB{tree}")


if __name__ == "__main__":
    main()
