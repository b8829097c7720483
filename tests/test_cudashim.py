"""worker/_autograder_cudashim.py on a machine without CUDA: 'cuda' means the CPU, and what code sends to a
device is counted. Run in a subprocess: the shim patches torch for the whole process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
WORKER = Path(__file__).resolve().parent.parent / "autograder" / "worker"

SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import _autograder_cudashim as shim
shim.install()
import torch
net = torch.nn.Linear(3, 2).cuda()
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
for _ in range(3):
    x, y = torch.zeros(4, 3).to(device), torch.zeros(4, dtype=torch.long).cuda()
    net(x)
net.to(torch.float64)  # a dtype: not a placement
counts = dict(shim.placements)
shim.reset()
print(json.dumps({"counts": counts, "after_reset": shim.placements, "device": str(device)}))
"""


@pytest.mark.skipif(torch.cuda.is_available(), reason="the shim does nothing where CUDA is available")
def test_placements_are_counted_on_a_cpu_grader():
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(WORKER)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["counts"] == {"module Linear": 1, "tensor (4, 3)": 3, "tensor (4,)": 3}
    assert seen["after_reset"] == {} and seen["device"] == "cpu"
