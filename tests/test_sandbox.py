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


# -- the network, denied by the kernel to the worker and every process it starts -------------------------
NETWORK_PROBE = '''
import socket, subprocess, sys

def attempts(port):
    found = {}
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        found["socket"] = "opened"
    except OSError as exc:
        found["socket"] = type(exc).__name__
    connect = ("import socket\\ntry:\\n    socket.create_connection(('127.0.0.1', %d), timeout=5)\\n"
               "    print('connected')\\nexcept OSError as exc:\\n    print(exc.errno)" % port)
    child = subprocess.run([sys.executable, "-c", connect], capture_output=True, text=True, timeout=30)
    found["python child"] = child.stdout.strip()
    bash = subprocess.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d && echo connected" % port],
                          capture_output=True, text=True, timeout=30)
    found["bash /dev/tcp"] = "connected" if "connected" in bash.stdout else "refused"
    found["unix socketpair"] = len(socket.socketpair())
    return found
'''


def test_the_network_is_denied_to_the_worker_and_its_children(tmp_path: Path) -> None:
    import ctypes.util
    import errno
    import socket

    if ctypes.util.find_library("seccomp") is None:
        pytest.skip("libseccomp is not installed here (setup.sh installs it on Gradescope)")

    from autograder.session import Session

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    (tmp_path / "probe.py").write_text(NETWORK_PROBE)
    with Session(tmp_path) as session:
        found = session.module("probe").attempts(port)
        assert session.staff_notes == []  # the filter was installed
    with pytest.raises(TimeoutError):
        listener.accept()  # nothing ever connected
    assert found == {"socket": "PermissionError", "python child": str(errno.EACCES), "bash /dev/tcp": "refused",
                     "unix socketpair": 2}
