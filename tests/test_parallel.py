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


def test_a_grading_read_by_several_tests_is_done_once_per_run(tmp_path, monkeypatch):
    import dataclasses
    import shutil

    from autograder import assignment
    from tests import helpers
    from tests.support.toy import build_toy

    toy = assignment.load("toy", build_toy(tmp_path / "home"))
    (tmp_path / "shared").mkdir()
    monkeypatch.setenv(helpers.SHARED_ENV, str(tmp_path / "shared"))  # (this run's folder, as the controller's)
    calls = []
    real = helpers.grade
    monkeypatch.setattr(helpers, "grade", lambda a, path, out: calls.append(path) or real(a, path, out))
    first = helpers.graded(toy, toy.reference_dir, tmp_path / "a" / "results.json")
    second = helpers.graded(toy, toy.reference_dir, tmp_path / "b" / "results.json")
    assert calls == [toy.reference_dir] and second[0] == first[0] and first[0]["score"] > 0
    assert (tmp_path / "b" / "results.json").read_text() == (tmp_path / "a" / "results.json").read_text()
    assert second[1].results == first[1].results and second[1] is not first[1]
    other = tmp_path / "other"
    shutil.copytree(toy.reference_dir, other)
    (other / "notes.txt").write_text("another file: another submission\n")
    helpers.graded(toy, other, tmp_path / "c" / "results.json")
    helpers.graded(dataclasses.replace(toy, seed=toy.seed + 1), toy.reference_dir, tmp_path / "d" / "results.json")
    assert calls == [toy.reference_dir, other, toy.reference_dir]  # other bytes, or the assignment otherwise: again


def test_the_longest_files_go_first_by_the_last_run_else_the_slow_ones(monkeypatch, tmp_path):
    from pathlib import Path
    from types import SimpleNamespace

    def item(nodeid, slow=False):
        return SimpleNamespace(nodeid=nodeid, path=Path(nodeid.split("::")[0]),
                               get_closest_marker=lambda name: slow if name == "slow" and slow else None)

    items = [item("tests/a.py::t1"), item("tests/a.py::t2"), item("tests/b.py::t", slow=True), item("tests/c.py::t")]
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    order = list(items)
    parallel.pytest_collection_modifyitems(None, order)  # no record yet: the slow file first
    assert [i.nodeid for i in order] == ["tests/b.py::t", "tests/a.py::t1", "tests/a.py::t2", "tests/c.py::t"]
    parallel.durations_file().parent.mkdir(parents=True)
    parallel.durations_file().write_text(json.dumps({"tests/a.py": 5.0, "tests/b.py": 1.0, "tests/c.py": 60.0}))
    order = list(items)
    parallel.pytest_collection_modifyitems(None, order)
    assert [i.nodeid for i in order] == ["tests/c.py::t", "tests/a.py::t1", "tests/a.py::t2", "tests/b.py::t"]
    reports = [SimpleNamespace(nodeid=f"tests/f{k}.py::t", duration=float(k)) for k in range(12)]
    reporter = SimpleNamespace(stats={"passed": reports})
    session = SimpleNamespace(config=SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: reporter),
                                                     option=SimpleNamespace(markexpr="not slow", keyword="")))
    parallel.pytest_sessionfinish(session)  # a selection (--fast): not recorded
    assert len(json.loads(parallel.durations_file().read_text())) == 3
    session.config.option.markexpr = ""
    parallel.pytest_sessionfinish(session)  # the next run's record: this run's files, the others kept
    known = json.loads(parallel.durations_file().read_text())
    assert known["tests/c.py"] == 60.0 and known["tests/f11.py"] == 11.0 and len(known) == 15
