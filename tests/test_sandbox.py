"""Tests for autograder/sandbox.py: output capture, the worker's environment, stopping workers."""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

import pytest

from autograder.config import Limits
from autograder.sandbox import OutputCapture, spawn, worker_env


class SlowPipe(io.RawIOBase):
    """A pipe that yields the chunks it was given, then EOF."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


def test_output_capture_keeps_everything_under_the_limit() -> None:
    capture = OutputCapture(SlowPipe([b"hello ", b"world\n"]), limit=100)
    assert capture.take(wait=2) == "hello world\n"
    assert capture.take(wait=2) == ""


def test_output_capture_keeps_head_and_tail() -> None:
    chunks = [b"HEAD"] + [b"x" * 1000] * 100 + [b"TAIL"]
    capture = OutputCapture(SlowPipe(chunks), limit=64)
    text = capture.take(wait=2)
    assert text.startswith("HEAD") and text.endswith("TAIL")
    assert f"[{4 + 100_000 + 4 - 64} bytes of output omitted]" in text


def test_output_capture_survives_bad_utf8() -> None:
    capture = OutputCapture(SlowPipe([b"ok \xff\xfe end"]), limit=100)
    assert capture.take(wait=2) == "ok \ufffd\ufffd end"


def test_worker_env_is_minimal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    env = worker_env(tmp_path)
    assert "AWS_SECRET_ACCESS_KEY" not in env and "PYTHONPATH" not in env and "AUTOGRADER_HOME" not in env
    assert env["HOME"] == env["TMPDIR"] == str(tmp_path)
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"


def test_worker_env_keeps_the_machine_s_choice_of_numeric_kernels(tmp_path: Path, monkeypatch) -> None:
    """OPENBLAS_CORETYPE is set on processors where older OpenBLAS computes wrong results without it."""
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "AVX2")
    monkeypatch.setenv("OMP_NUM_THREADS", "8")  # never: the worker's threads are pinned
    env = worker_env(tmp_path)
    assert env["OPENBLAS_CORETYPE"] == "Haswell" and env["NPY_DISABLE_CPU_FEATURES"] == "AVX2"
    assert env["OMP_NUM_THREADS"] == "1"


def test_stop_kills_the_whole_process_group(tmp_path: Path) -> None:
    worker = spawn(tmp_path, limits=Limits())
    try:
        pgid = os.getpgid(worker.proc.pid)
        assert pgid == worker.proc.pid != os.getpgid(0)  # its own group, away from the grader's
        assert worker.alive()
    finally:
        worker.stop()
    worker.stop()  # twice is fine
    assert not worker.alive() and worker.proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    else:
        pytest.fail("processes of the worker's group survived stop()")
