"""The suite's own parallel run (tests/support/parallel.py): one sandbox account per test process, serial tests
alone on the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from autograder import sandbox_user
from tests.helpers import ROOT
from tests.support import parallel


def test_each_test_process_claims_its_own_slot_account(monkeypatch, tmp_path):
    accounts = [sandbox_user.SandboxUser(sandbox_user.slot_name(k), 900 + k, 900 + k) for k in range(2)]
    monkeypatch.setattr(sandbox_user, "slots", lambda base=None: accounts)
    monkeypatch.setattr(parallel, "_CLAIMS", str(tmp_path))
    monkeypatch.setattr(parallel, "_held", {})
    first = parallel._claim_slot()
    held = dict(parallel._held)
    monkeypatch.setattr(parallel, "_held", {})  # (as another process would: its own open file)
    second = parallel._claim_slot()
    assert {first, second} == {a.name for a in accounts}
    with pytest.raises(pytest.UsageError, match="held by another test process"):
        parallel._claim_slot()
    os.close(held["claim"])  # the first process ends: its account is free again
    assert parallel._claim_slot() == first


def test_a_serial_test_runs_alone_and_the_others_in_parallel(tmp_path):
    """Under ``-n 2``: the two plain tests overlap each other, and nothing overlaps the serial one."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ("tests.support.parallel",)\n')
    (tmp_path / "test_spans.py").write_text(textwrap.dedent(f"""\
        import json, time, pytest

        def record(name):
            start = time.monotonic()
            time.sleep(1.5)
            with open({str(tmp_path / "spans.jsonl")!r}, "a") as f:
                f.write(json.dumps([name, start, time.monotonic()]) + "\\n")

        @pytest.mark.parametrize("i", range(2))
        def test_plain(i):
            record(f"plain{{i}}")

        @pytest.mark.serial
        def test_alone():
            record("serial")

        @pytest.mark.parametrize("i", range(2, 4))
        def test_plain_after(i):
            record(f"plain{{i}}")
        """))
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), sandbox_user.NAME_ENV: "none", "TMPDIR": str(tmp_path / "tmp")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", "-p",
                           "no:randomly", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    spans = {name: (start, end) for name, start, end in map(json.loads, (tmp_path / "spans.jsonl").open())}
    serial = spans.pop("serial")
    assert all(end <= serial[0] or start >= serial[1] for start, end in spans.values()), spans
    overlapping = [(a, b) for a in spans for b in spans if a < b and spans[a][0] < spans[b][1] and
                   spans[b][0] < spans[a][1]]
    assert overlapping, spans  # (two workers did run at once)
    assert list((tmp_path / "tmp").glob("autograder-pytest-*")) == []  # the run's lock files went with it
