"""A Gradescope-sized box for a benchmark: a memory cgroup with a hard limit and a CPU quota, as Docker gives
Gradescope's container (768 MB, half a vCPU by default; no swap).

The figures a process-tree poll gives (sums of RSS or PSS) count every file-backed page a process maps: the
shared libraries of torch alone are hundreds of MB of them. A memory cgroup charges those pages too, but
reclaims them under its limit and kills only when what it cannot reclaim (anonymous memory, mostly) does not
fit. Whether a grading fits a box is therefore best measured by grading inside one: this module makes that
cgroup, moves a child process into it, and reads back what the kernel counted: the peak charge, the peak of
anonymous memory (polled from ``memory.stat``) and the OOM kills.

Needs root and cgroup v1's ``memory`` and ``cpu`` controllers mounted writable, as on this machine (cgroup v2
names these files differently and is not handled).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MOUNTS = Path("/proc/self/mounts")


def _v1_mount(controller: str) -> Path | None:
    for line in MOUNTS.read_text().splitlines():
        _, point, kind, options, *_ = line.split()
        if kind == "cgroup" and controller in options.split(","):
            return Path(point)
    return None


def _own_v1_path(controller: str) -> str:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path.lstrip("/")
    return ""


@dataclass
class Box:
    """A memory cgroup of ``memory_mb`` (swap included) and a CPU quota of ``cpus`` cores; ``enter`` moves the
    calling process into it (use as a ``preexec_fn``), and its children stay there."""

    memory_mb: int
    cpus: float
    name: str = field(default_factory=lambda: f"autograder-box-{os.getpid()}")
    peak_anon_mb: float = 0.0
    #: each process's anonymous memory (MB, ``RssAnon``) at the box's anonymous peak, largest first; a forked
    #: child's (a DataLoader worker's) counts the pages it still shares with its parent, so these do not add up
    at_anon_peak: list[tuple[str, int]] = field(default_factory=list)
    #: where to append one JSON line per poll (seconds, the box's anonymous MB, each process's): a timeline
    trace: Path | None = None

    def __post_init__(self) -> None:
        memory, cpu = _v1_mount("memory"), _v1_mount("cpu")
        if memory is None or cpu is None:
            raise SystemExit("--box needs cgroup v1's memory and cpu controllers mounted (and root)")
        self.memory = memory / _own_v1_path("memory") / self.name
        self.cpu = cpu / _own_v1_path("cpu") / self.name
        self.memory.mkdir()
        self.cpu.mkdir()
        limit = str(self.memory_mb << 20)
        (self.memory / "memory.limit_in_bytes").write_text(limit)
        if (self.memory / "memory.memsw.limit_in_bytes").exists():  # no swap to spill into, as in Docker's default
            (self.memory / "memory.memsw.limit_in_bytes").write_text(limit)
        period = int((self.cpu / "cpu.cfs_period_us").read_text())
        (self.cpu / "cpu.cfs_quota_us").write_text(str(int(period * self.cpus)))
        self._done = threading.Event()
        self._poller = threading.Thread(target=self._poll, daemon=True)
        self._poller.start()

    def enter(self) -> None:
        """Move the calling process (a child, before it execs) into the box."""
        pid = str(os.getpid())
        (self.memory / "cgroup.procs").write_text(pid)
        (self.cpu / "cgroup.procs").write_text(pid)

    def _stat(self) -> dict[str, int]:
        rows = (line.split() for line in (self.memory / "memory.stat").read_text().splitlines())
        return {key: int(value) for key, value in rows}

    def _processes(self) -> list[tuple[str, int]]:
        """Each process in the box: a label (its script, or program, and pid) and its anonymous memory (MB)."""
        rows = []
        for pid in (self.memory / "cgroup.procs").read_text().split():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:  # it ended while we looked
                continue
            anon = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("RssAnon:")), 0)
            script = next((Path(a).name for a in argv if a.endswith(".py")), Path(argv[0]).name if argv else "?")
            rows.append((f"{script} {pid}", round(anon / 1024)))
        return sorted(rows, key=lambda row: -row[1])

    def _poll(self) -> None:
        # memory.stat's total_rss is the anonymous memory (and swap cache) of everything in the box; the kernel
        # keeps no peak of it, so it is polled. A spike shorter than the interval can be missed.
        start = time.monotonic()
        while not self._done.wait(0.1):
            stat = self._stat()
            anon = (stat["total_rss"] + stat.get("total_shmem", 0)) / 2**20
            processes = self._processes() if anon > self.peak_anon_mb or self.trace else []
            if anon > self.peak_anon_mb:
                self.peak_anon_mb, self.at_anon_peak = anon, processes
            if self.trace:
                with self.trace.open("a") as trace:
                    trace.write(json.dumps({"s": round(time.monotonic() - start, 1), "anon_mb": round(anon),
                                            "processes": dict(processes)}) + "\n")

    def close(self) -> dict[str, Any]:
        """Stop polling, read what the kernel counted, and remove the cgroups (their processes must have ended)."""
        self._done.set()
        self._poller.join()
        oom = dict(line.split() for line in (self.memory / "memory.oom_control").read_text().splitlines())
        figures = {
            "box_peak_mb": int((self.memory / "memory.max_usage_in_bytes").read_text()) / 2**20,
            "box_anon_peak_mb": self.peak_anon_mb,
            "box_oom_kills": int(oom.get("oom_kill", 0)),
            "box_at_anon_peak": self.at_anon_peak,
        }
        # what outlived the grading (a worker whose grader the box killed) is killed with the box, as Docker would
        for pid in (self.memory / "cgroup.procs").read_text().split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        for group in (self.memory, self.cpu):
            for _ in range(50):  # a killed process can take a moment to leave its cgroup
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)
        return figures
