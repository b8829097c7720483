"""Training budgets per device class, for the runtime tests an assignment writes: what a test trains, on which
device, and how long it may take against the reference.

An assignment declares one table per device class in its assignment.toml::

    [budgets.gpu]   # a grader with a GPU: the course's recipe
    description = "make_cnn(64) for 20 epochs on the 50,000 training images"
    max_ratio = 1.5
    width = 64
    epochs = 20

    [budgets.cpu]   # a grader without one (Gradescope): a bounded budget
    ...

``description`` says the budget in words and ``max_ratio`` bounds the submission's time as a multiple of the
reference's on the same device in the same run; every other key is the assignment's own (its tests read
``budget["width"]``). The ``budget`` fixture of a grading run is the budget of the grader's device class
(``choose``: "gpu" when the submission's worker sees a CUDA device and, where the fixtures hold marks calibrated
on budgets, some on the GPU's; else "cpu", on whichever device the worker has); ``budget.note`` is the line
for the student's feedback: which budget and device applied, and which budget was skipped and why (never a
failure). ``budget.settings`` are what a mark calibrated on the budget is stored with, so that a budget edited
after the calibration is refused until ``autograder fixtures ID`` recalibrates. ``timed`` measures a call on the
grader's clock, with the device synchronized before it stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEVICE_CLASSES = ("gpu", "cpu")
OWN_KEYS = {"description": str, "max_ratio": (int, float)}


def check_table(table: Any) -> dict[str, dict[str, Any]]:
    """``[budgets]`` of assignment.toml, validated (ValueError says what is wrong)."""
    if not isinstance(table, dict):
        raise ValueError("[budgets] must hold tables [budgets.gpu] and/or [budgets.cpu]")
    for device, values in table.items():
        if device not in DEVICE_CLASSES or not isinstance(values, dict):
            raise ValueError(f"[budgets.{device}]: the device classes are {', '.join(DEVICE_CLASSES)}, each a table")
        for key, kind in OWN_KEYS.items():
            if key in values and (not isinstance(values[key], kind) or isinstance(values[key], bool)):
                raise ValueError(f"[budgets.{device}] {key} = {values[key]!r}: expected a "
                                 f"{'string' if kind is str else 'number'}")
    return {device: dict(values) for device, values in table.items()}


def training_settings(values: dict[str, Any]) -> dict[str, Any]:
    """A budget table's training settings: its keys but ``description`` (words) and ``max_ratio`` (a time limit),
    which a calibrated mark does not depend on."""
    return {key: value for key, value in values.items() if key not in OWN_KEYS}


@dataclass(frozen=True)
class Budget:
    """The budget a runtime test trains with on this grader."""

    device: str  # "gpu" or "cpu": the device class whose budget this is (its marks are named for it)
    values: dict[str, Any]
    skipped: dict[str, str] = field(default_factory=dict)  # device class -> why its budget did not apply
    gpu: bool = False  # whether the worker sees a GPU (the CPU budget may run on one)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def settings(self) -> dict[str, Any]:
        """What the budget trains with (every key but ``description`` and ``max_ratio``): the settings a mark
        calibrated on it is stored with (``FixtureWriter.threshold(..., settings=)``), and refused under others."""
        return training_settings(self.values)

    @property
    def max_ratio(self) -> float:
        return float(self.values.get("max_ratio", 2.0))

    @property
    def description(self) -> str:
        return str(self.values.get("description", ", ".join(f"{k} {v}" for k, v in self.values.items())))

    @property
    def note(self) -> str:
        device = "a GPU" if self.gpu else "the CPU (no GPU on this grader)"
        line = f"Budget: {self.description}, on {device}."
        for other, why in self.skipped.items():
            line += f" The {other.upper()} budget was skipped: {why}."
        return line


def cuda_on(session: Any) -> bool:
    """Whether the submission's worker sees a CUDA device (the CUDA shim does not count: it is the CPU)."""
    try:
        return bool(session.module("_autograder_probes").cuda_available())
    except Exception:  # noqa: BLE001 - no torch, or a broken worker: no GPU for this run
        return False


def calibrated_classes(budgets: dict[str, dict[str, Any]], fixtures: Any) -> set[str] | None:
    """The device classes some mark in ``fixtures`` was calibrated on (``Fixtures.calibrated_on`` their settings);
    None when no mark was calibrated on any of ``budgets`` (nothing to check)."""
    return {device for device, values in budgets.items() if fixtures.calibrated_on(training_settings(values))} or None


def choose(budgets: dict[str, dict[str, Any]], session: Any, calibrated: set[str] | None = None) -> Budget:
    """The budget of the grader's device class: the GPU's where the worker has CUDA and a GPU budget is declared
    (and, with ``calibrated``, the fixtures hold its marks: ``calibrated_classes``), else the CPU's, on whichever
    device the worker has. A GPU budget without its marks would fail correct work on a GPU; the CPU budget's marks
    hold there too (the submission's time is compared with the reference's on the same device)."""
    has_gpu = cuda_on(session)
    gpu_marked = calibrated is None or "gpu" in calibrated
    if has_gpu and "gpu" in budgets and (gpu_marked or "cpu" not in budgets):
        return Budget("gpu", budgets["gpu"], {"cpu": "this grader has a GPU"} if "cpu" in budgets else {}, gpu=True)
    if "cpu" not in budgets:
        raise LookupError("the assignment declares no [budgets.cpu] for a grader without a GPU")
    if not has_gpu:
        why = "this grader has no GPU"
    elif "gpu" not in budgets:
        why = "the assignment declares no GPU budget"
    else:
        why = "no mark in this assignment's fixtures was calibrated on it yet, so the CPU budget runs on the GPU"
    return Budget("cpu", budgets["cpu"], {"gpu": why} if "gpu" in budgets else {}, gpu=has_gpu)


def timed(session: Any, call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``call(*args, **kwargs)`` (a call into ``session``'s worker) and the seconds it took on the grader's clock,
    which stops only once the worker's device is done (``torch.cuda.synchronize`` there: queued GPU work counts)."""
    start = time.perf_counter()
    result = call(*args, **kwargs)
    session.module("_autograder_probes").synchronize()
    return result, time.perf_counter() - start
