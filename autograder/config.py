"""Settings the grader runs under: timeouts, the worker's resource limits, what one grading run needs.

Each setting is declared once, with its default and help; assignments override them in their
``assignment.toml`` (``[timeouts]``, ``[limits]`` and ``[resources]`` tables) and the CLI builds its options from
these declarations.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Timeouts:
    """Wall-clock limits in seconds, enforced by the grader (never by the worker itself)."""

    start: float = setting(30.0, "starting a worker and its hand-shake")
    call: float = setting(30.0, "one call into the submission (a method, an attribute, an import)")
    total: float = setting(540.0, "the whole grading run; tests left when it runs out fail fast")


@dataclass(frozen=True)
class Limits:
    """Resource limits applied inside the worker before any submission code runs."""

    memory_mb: int = setting(3072, "address space of the worker, in MiB")
    cpu_seconds: int = setting(600, "CPU time of one worker, in seconds")
    processes: int = setting(64, "processes of the sandbox user (enforced for a non-root worker)")
    open_files: int = setting(256, "open file descriptors")
    file_size_mb: int = setting(64, "largest file the worker may write, in MiB")
    output_kb: int = setting(64, "captured stdout/stderr kept per worker (head and tail), in KiB")
    message_mb: int = setting(128, "largest reply the grader accepts from the worker, in MiB (its JSON part: 4 MiB)")
    run_message_mb: int = setting(4096, "most the grader accepts from one submission's workers in a run, in MiB")

    def rlimits(self) -> dict[str, int]:
        """The limits as the worker applies them (``worker/run.py::apply_limits``)."""
        return {
            "address_space": self.memory_mb << 20,
            "cpu_seconds": self.cpu_seconds,
            "processes": self.processes,
            "open_files": self.open_files,
            "file_size": self.file_size_mb << 20,
            "core": 0,
        }


@dataclass(frozen=True)
class Resources:
    """What one grading run of the assignment needs, for grading a class: how many run at once here
    (``bulk --jobs``' default) and what a Ray node must offer (``bulk --ray``)."""

    cpus: float = setting(1.0, "cores one grading run keeps busy (the grader and its worker together)")
    memory_mb: int = setting(1024, "resident memory one grading run needs at its peak, in MiB (grader and worker)")
    gpus: float = setting(0.0, "GPUs one grading run uses (0: none; Ray places it on a node that has them)")


def replace_from(obj: Any, values: dict[str, Any] | None) -> Any:
    """A copy of the dataclass ``obj`` with ``values`` applied; unknown keys are an error."""
    values = values or {}
    if not isinstance(values, dict):
        raise ValueError(f"expected a table of settings, got {values!r}")
    names = {f.name for f in dataclasses.fields(obj)}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(names)}")
    for name, value in values.items():  # a wrong type would only fail later, in the middle of grading
        kind = type(getattr(obj, name))
        zero_ok = getattr(obj, name) == 0  # (a setting whose default is 0, such as gpus)
        if not (type(value) is kind or (kind is float and type(value) is int)) or value < 0 or (value == 0
                                                                                                 and not zero_ok):
            raise ValueError(f"setting {name!r} must be a positive {kind.__name__}, got {value!r}")
    return dataclasses.replace(obj, **values)
