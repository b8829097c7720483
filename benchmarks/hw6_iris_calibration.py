"""Calibration: does hw6's Iris test (6.4) tell correct training from broken backward passes, on any split?

    python benchmarks/hw6_iris_calibration.py [--seeds 10]

For each seed, a new Iris split and new initial parameters are drawn (``hw6_helpers.iris_split``) and a new
minibatch order; the reference and every hw6 corpus case that touches what the network trains with
(activations, FullyConnected, losses, NeuralNetwork) are trained by the grader's own loop
(``hw6_helpers.iris_training``), each in its worker. Printed per case: the range of its test accuracy, and of
its training curve's largest relative deviation from the reference's on the same seed; 6.4 passes a curve
within ``IRIS_CURVE_RTOL``. Not a timed test: the figures go in the issue note and in hw6_helpers.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOUCHES = ("activations.py::ReLU", "activations.py::SoftMax", "layers.py::FullyConnected", "losses.py::CrossEntropy",
           "models.py::NeuralNetwork")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()

    from autograder import assignment, grading
    from tests.support.splice import build_submission, load_case, load_cases

    hw6 = assignment.load("hw6", ROOT)
    with grading.tests_importable(hw6):
        import hw6_helpers as h

        cases = [c for c in load_cases(ROOT / "tests" / "submissions" / "hw6")
                 if any(t in r["target"] for r in load_case(c).get("replace", []) for t in TOUCHES)]
        with tempfile.TemporaryDirectory() as tmp:
            roots = {"reference": hw6.reference_dir}
            for case in cases:
                build_submission(case, hw6.reference_dir, Path(tmp) / case.name)
                roots[case.name] = Path(tmp) / case.name
            kinds = {"reference": "reference", **{c.name: load_case(c)["kind"] for c in cases}}
            found: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
            for seed in range(args.seeds):
                arrays = h.iris_split(np.random.default_rng(1000 + seed))
                h.IRIS["shuffle_seed"] = seed
                curves = {}
                for name, root in roots.items():
                    with grading.open_session(hw6, root, label=name) as session:
                        try:
                            accuracy, curve = h.iris_training(session, arrays)
                        except Exception as exc:  # noqa: BLE001 - a broken case may fail in any way
                            accuracy, curve = float("nan"), np.full(h.IRIS["epochs"], np.inf)
                            print(f"  seed {seed} {name}: {type(exc).__name__}", file=sys.stderr)
                    curves[name] = curve
                    with np.errstate(all="ignore"):
                        deviation = float(np.nanmax(np.abs(curve - curves["reference"]) / curves["reference"]))
                    found[name].append((accuracy, deviation if np.isfinite(deviation) else np.inf))
    print(f"{'case':45s} {'kind':12s} {'accuracy':>15s} {'curve deviation':>22s}  6.4 passes")
    for name, rows in found.items():
        acc, dev = np.array(rows).T
        passes = int(np.sum((dev <= h.IRIS_CURVE_RTOL) & np.isfinite(acc)))
        low, high = (np.nanmin(acc), np.nanmax(acc)) if np.isfinite(acc).any() else (np.nan, np.nan)
        print(f"{name:45s} {kinds[name]:12s} {low:6.3f} - {high:6.3f} "
              f"{np.min(dev):10.3g} - {np.max(dev):9.3g}  {passes}/{len(rows)} seeds")


if __name__ == "__main__":
    main()
