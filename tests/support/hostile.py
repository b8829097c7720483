"""What the hostile corpora share: the grader's secrets and private files, and ways to see an attack land.

An attack that works must change something a test can see: a score, a file, a connection, a process.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import site
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from autograder import sandbox, sandbox_user

SANDBOX = sandbox_user.choose().user  # None without root and the account: attacks needing it are skipped
SECRET = "s3cret-token-the-worker-must-never-see"
STALE = {"score": 999, "tests": [], "output": "a stale results.json planted before grading"}


class Listener:
    """A TCP server on localhost that records every connection (none may arrive)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, address = self.server.accept()
            except OSError:
                continue
            self.connections.append(address)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` with a hash of its content and its mode."""
    found = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() + oct(path.stat().st_mode)
    return found


def pwned_files() -> list[Path]:
    """Files an attack planted where the next interpreter would run them (worker scripts, site-packages)."""
    folders = [sandbox.staged_scripts(), *map(Path, site.getsitepackages())]
    return [path for folder in folders for path in folder.glob("zz_autograder_pwned*")]


@pytest.fixture
def results_dir():
    """Like /autograder/results: root's, readable by all, writable by root only, with a stale file."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-results-"))
    folder.chmod(0o755)
    (folder / "results.json").write_text(json.dumps(STALE))
    (folder / "results.json").chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def listener():
    """A localhost server that must see no connection from the submission."""
    server = Listener()
    yield server
    server.close()
