"""The sandbox account: who runs submission code, what it can reach, and that nothing it starts survives.

The tests that switch user need root and the account (``autograder sandbox --create``); CI has both.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder import sandbox_user
from autograder.errors import HarnessError, StudentCodeError
from autograder.session import Session
from tests.support.hostile import SANDBOX
from tests.support.trees import write_tree

needs_account = pytest.mark.skipif(SANDBOX is None, reason="needs root and the sandbox account (CI has both)")

MODULES = {
    "probe.py": """\
        import os
        import socket


        def who():
            return [os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), sorted(os.environ)]


        def can_open(path):
            try:
                open(path, "rb").close()
                return True
            except OSError:
                return False


        def escape():
            '''Leave a detached grandchild behind (new session, out of the process group).'''
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    import time
                    time.sleep(600)
                os._exit(0)
            os.wait()
            return True


        def connect(port):
            socket.create_connection(("127.0.0.1", port), timeout=30)


        def resolve():
            socket.getaddrinfo("example.com", 80)


        def local_pipes():
            import multiprocessing
            a, b = socket.socketpair()
            a.sendall(b"ok")
            reader, writer = multiprocessing.Pipe()
            writer.send([1, 2])
            return [b.recv(2).decode(), reader.recv()]
    """,
}


@pytest.fixture
def shared_root():
    """A submission copy the account may use: in a 0711 folder, handed over to it (as grading does)."""
    work = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    work.chmod(0o711)
    root = work / "submission"
    write_tree(root, MODULES)
    if SANDBOX is not None:
        sandbox_user.hand_over(root, SANDBOX)
    yield root
    shutil.rmtree(work, ignore_errors=True)


def test_without_root_there_is_no_switch_and_the_log_says_so(monkeypatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 4321)
    choice = sandbox_user.choose()
    assert choice.user is None
    assert choice.message.startswith("not running as root: submission code runs as uid 4321, without a user switch")


def test_the_switch_can_be_turned_off_by_name(monkeypatch) -> None:
    monkeypatch.setenv(sandbox_user.NAME_ENV, "none")
    choice = sandbox_user.choose()
    assert choice.user is None and "AUTOGRADER_SANDBOX_USER=none" in choice.message


@pytest.mark.skipif(os.geteuid() != 0, reason="what root does without the account")
def test_root_without_the_account_warns_loudly(monkeypatch) -> None:
    monkeypatch.setenv(sandbox_user.NAME_ENV, "autograder-no-such-account")
    choice = sandbox_user.choose()
    assert choice.user is None
    assert choice.message.startswith("WARNING: running as root, but there is no account")
    assert "autograder sandbox --create" in choice.message


@needs_account
def test_a_python_the_account_cannot_run_is_an_error_not_a_fallback_to_root() -> None:
    private = Path(tempfile.mkdtemp(prefix="autograder-private-"))  # 0700: the account cannot enter
    try:
        (private / "python").symlink_to(sys.executable)
        with pytest.raises(HarnessError, match="(?s)cannot run .*python.*AUTOGRADER_SANDBOX_USER=none"):
            sandbox_user.choose(python=str(private / "python"))
    finally:
        shutil.rmtree(private)


@needs_account
def test_the_worker_runs_as_the_account_with_no_groups_and_no_inherited_environment(shared_root) -> None:
    with Session(shared_root, user=SANDBOX) as session:
        uid, euid, gid, groups, env = session.module("probe").who()
        assert (uid, euid, gid) == (SANDBOX.uid, SANDBOX.uid, SANDBOX.gid)
        assert set(groups) <= {SANDBOX.gid}
        assert "AUTOGRADER_SANDBOX_USER" not in env and "PYTEST_CURRENT_TEST" not in env
        assert session.module("probe").can_open(str(shared_root / "probe.py")) is True
        private = Path(tempfile.mkdtemp(prefix="autograder-private-"))  # 0700, root's: like fixtures on Gradescope
        try:
            (private / "expected.npz").write_bytes(b"answers")
            assert session.module("probe").can_open(str(private / "expected.npz")) is False
        finally:
            shutil.rmtree(private)


@needs_account
def test_stopping_a_worker_kills_what_escaped_its_process_group(shared_root) -> None:
    session = Session(shared_root, user=SANDBOX)
    assert session.module("probe").escape() is True
    deadline = time.monotonic() + 5
    while len(sandbox_user.processes(SANDBOX)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sandbox_user.processes(SANDBOX)) >= 2  # the worker and its detached grandchild
    session.close()
    assert sandbox_user.processes(SANDBOX) == []


@needs_account
def test_what_the_account_can_read_is_asked_of_the_kernel() -> None:
    folder = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    try:
        assert sandbox_user.can_read(folder, SANDBOX) is False  # mkdtemp: 0700
        folder.chmod(0o755)
        assert sandbox_user.can_read(folder, SANDBOX) is True
    finally:
        shutil.rmtree(folder)


@needs_account
def test_one_grading_run_per_account_at_a_time() -> None:
    held = threading.Event()

    def hold() -> None:
        with sandbox_user.exclusive(SANDBOX):
            held.set()
            time.sleep(0.5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    started = time.monotonic()
    said = []
    with sandbox_user.exclusive(SANDBOX, on_wait=lambda line: said.append((time.monotonic() - started, line))):
        waited = time.monotonic() - started
    thread.join()
    assert waited > 0.3
    assert len(said) == 1 and said[0][0] < 2  # said at once, not after the wait
    assert said[0][1].startswith(f"waiting for the sandbox account {SANDBOX.name}, held by pid {os.getpid()} (")


def test_the_network_is_refused_at_once_and_local_pipes_still_work(shared_root) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    try:
        with Session(shared_root, user=SANDBOX) as session:
            probe = session.module("probe")
            started = time.monotonic()
            for call in (lambda: probe.connect(server.getsockname()[1]), probe.resolve):
                with pytest.raises(StudentCodeError, match="PermissionError: network access .*disabled"):
                    call()
            assert time.monotonic() - started < 5
            assert probe.local_pipes() == ["ok", [1, 2]]  # multiprocessing and DataLoader workers need these
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()
