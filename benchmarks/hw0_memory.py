"""Benchmark: the memory of hw0's notebook kernel with the CPU wheels of torch, in parts that can be measured here.

    python benchmarks/hw0_memory.py --python /tmp/hw0-cpu-venv/bin/python \
        --python /opt/autograder-envs/hw0-*/bin/python [--runs 3] [--workers 4]

Gradescope's default box has 768 MB for everything alive at once; setup.sh installs the CPU wheels of torch.
This machine's students' environment has the CUDA build, and no CPU build of torchvision matches the one CPU
torch wheel here (/opt/wheels: torch 2.13.0+cpu), so a CPU-wheel kernel cannot be built whole. What costs the
kernel memory is measured instead, in a fresh process per run, with each interpreter given (a scratch venv
with the CPU wheel, under /tmp; the students' environment with the CUDA build):

- ``python_mb``: the resident memory (RSS) of the interpreter with numpy;
- ``torch_mb``: after ``import torch``; ``torchvision_mb``: after ``import torchvision`` too (where it imports);
  ``triton_mb``: what of it is libtriton.so, which torchvision's import maps beside the CUDA build only;
- ``train_peak_mb``: the process's peak RSS (``ru_maxrss``) after hw0's CPU budget: ``make_cnn(16)`` and
  ``Flatten`` from reference/hw0/simple_train.ipynb's own cell, SGD lr 0.1, batches of 64, 2 epochs on 3,000
  32x32 images, then the logits of 1,000 in batches of 256, as the grader's probes ask for them (random pixels:
  memory does not depend on their values);
- ``tree_pss_mb``: the largest sum of PSS over the process and its children while it trains: the notebook's
  ``make_loader`` asks for ``num_workers=4``, so each epoch forks four DataLoader workers (``--workers``);
  PSS counts the pages they share with the kernel once, as a cgroup charges them.

The CPU-wheel kernel is then composed as the CPU interpreter's own figures plus torchvision's increment measured
beside the CUDA build: with libtriton.so, an upper bound; without it, still on the high side (the rest is mostly
Python modules, the same in both builds, and CUDA kernels in torchvision's own libraries). Medians of ``--runs``
runs. The end-to-end figure for a whole grading (every process alive at once) comes from
``benchmarks/grade_memory.py --sample``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "reference" / "hw0" / "simple_train.ipynb"

PROBE = r"""
import json, os, resource, sys, threading, time
import numpy as np
import psutil

me = psutil.Process()
def rss(): return me.memory_info().rss / 2**20
out = {"python_mb": rss()}
import torch
torch.set_num_threads(1)  # as the sandbox runs the kernel: one thread
out["torch_mb"] = rss()
def triton_mb():  # libtriton.so, which only the CUDA build loads (torchvision's import pulls it in)
    with open("/proc/self/smaps") as maps:
        lines = maps.read().splitlines()
    total, inside = 0, False
    for line in lines:
        fields = line.split()
        if "-" in fields[0] and not fields[0].endswith(":"):
            inside = fields[-1].endswith("libtriton.so")
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total / 1024
try:
    import torchvision  # noqa: F401
    out["torchvision_mb"], out["triton_mb"] = rss(), triton_mb()
except Exception as exc:  # the CPU wheel here has no matching torchvision
    out["torchvision_mb"], out["triton_mb"] = None, None
    out["torchvision_error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
namespace = {"torch": torch, "nn": nn}
exec(sys.argv[1], namespace)  # the notebook's cell with Flatten and make_cnn
workers, peak = int(sys.argv[2]), [0.0]

def sample():  # the kernel and the DataLoader workers it forks, pages shared between them counted once
    while not done.is_set():
        total = 0.0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_full_info().pss / 2**20
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)
        time.sleep(0.05)

done = threading.Event()
watcher = threading.Thread(target=sample, daemon=True)
watcher.start()
torch.manual_seed(1)
X, Y = torch.rand(3000, 3, 32, 32), torch.randint(0, 10, (3000,))
model = namespace["make_cnn"](16)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(TensorDataset(X, Y), batch_size=64, shuffle=True, num_workers=workers)
loss_func = nn.CrossEntropyLoss()
for epoch in range(2):
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss_func(model(xb), yb).backward()
        opt.step()
model.eval()
with torch.no_grad():  # in batches of 256, as the grader's probes.predict_logits does
    torch.cat([model(x) for x in torch.rand(1000, 3, 32, 32).split(256)]).argmax(1)
done.set()
watcher.join()
out["train_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["tree_pss_mb"] = peak[0]
out["torch_version"] = torch.__version__
print(json.dumps(out))
"""


def make_cnn_cell(notebook: Path = NOTEBOOK) -> str:
    """The source of the notebook's code cell that defines ``make_cnn`` (and ``Flatten``)."""
    cells = json.loads(notebook.read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return next(s for s in sources if "def make_cnn" in s)


def probe(python: str, workers: int) -> dict[str, Any]:
    """One fresh process of ``python``: its memory at each stage (MB)."""
    env = {"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([python, "-c", PROBE, make_cnn_cell(), str(workers)], capture_output=True, text=True,
                          env=env, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", action="append", required=True, help="an interpreter to measure (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="DataLoader workers (the notebook's make_loader: 4)")
    args = parser.parse_args()
    keys = ("python_mb", "torch_mb", "torchvision_mb", "triton_mb", "train_peak_mb", "tree_pss_mb")
    for python in args.python:
        runs = [probe(python, args.workers) for _ in range(args.runs)]
        median = {k: statistics.median(r[k] for r in runs) if all(r[k] is not None for r in runs) else None
                  for k in keys}
        shown = ", ".join(f"{k} {v:.0f}" for k, v in median.items() if v is not None)
        vision = (f"; torchvision +{median['torchvision_mb'] - median['torch_mb']:.0f} MB, of which libtriton.so "
                  f"{median['triton_mb']:.0f} MB"
                  if median["torchvision_mb"] is not None else f"; no torchvision ({runs[0].get('torchvision_error')})")
        print(f"{python} (torch {runs[0]['torch_version']}), median of {args.runs}: {shown}{vision}; per run: "
              f"{[{k: round(r[k]) for k in keys if r[k] is not None} for r in runs]}", flush=True)


if __name__ == "__main__":
    main()
