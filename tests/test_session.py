"""Tests for autograder/session.py: handles, errors and worker lifecycle, in-process and real."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.config import Limits, Timeouts
from autograder.errors import (
    BadOutput,
    NotImplementedYet,
    StaleHandle,
    StudentCodeError,
    SubmissionTimeout,
    WorkerCrashed,
)
from autograder.session import InProcessWorker, RemoteObject, Session, Worker
from tests.support.trees import write_tree

CORE = '''\
import json
import os
import socket
import sys

import numpy as np

SCALE = 2.0
NAMES = ["a", "b"]


class Layer:
    def __init__(self, n):
        self.n = n
        self.parameters = {"W": np.ones((n, n)), "b": np.zeros((1, n))}

    def forward(self, X):
        return X @ self.parameters["W"] * SCALE + self.parameters["b"]

    def stats(self, X):
        return X.sum(axis=0), X.shape


class Items(list):
    pass


def add(a, b=10):
    return a + b


def weight_sum(layer):
    return float(layer.parameters["W"].sum())


def stub():
    raise NotImplementedError("YOUR CODE HERE")


def boom(x):
    y = x + 1
    raise ValueError(f"bad value {y}")  # BOOM LINE


def spin():
    while True:
        pass


def exit_hard():
    os._exit(0)


def abort():
    os.abort()


def segfault():
    import ctypes

    ctypes.string_at(0)


def kill9():
    os.kill(os.getpid(), 9)


def polite_exit():
    sys.exit(0)


def env(name):
    return os.environ.get(name)


def chatter(n):
    sys.stdout.write("HEAD" + "x" * n + "TAIL\\n")
    return n


def say(text):
    print(text)


def allocate(mb):
    return float(np.ones(mb << 17).sum())


def matrix():
    return np.matrix([[1.0, 2.0]])


def objects():
    return np.array([1, "a"], dtype=object)


def custom():
    return Layer(2)


def items():
    return Items([1, 2])


def mixed():
    return np.arange(3), np.array([None], dtype=object)


def scalars():
    return np.float64(1.5), np.int32(7), np.bool_(True)


def big(n):
    return np.zeros(n)


def forge(payload):
    """Write a frame of our own on the worker's socket, as a hostile submission could."""
    fd = int(sys.argv[sys.argv.index("--fd") + 1])
    sock = socket.socket(fileno=os.dup(fd))
    header = json.dumps(payload).encode()
    sock.sendall(struct.pack("!QI", len(header), 1) + header + struct.pack("!Q", 8) + bytes(8))
    import time

    time.sleep(60)
'''.replace("import socket\n", "import socket\nimport struct\n")

FILES = {
    "toypkg/__init__.py": "",
    "toypkg/core.py": CORE,
    "bad_syntax.py": "def f(:\n    pass\n",
    "raises_at_import.py": "X = 1\nraise RuntimeError('import failed on purpose')\n",
    "hangs_at_import.py": "while True:\n    pass\n",
}
BOOM_LINE = next(i for i, line in enumerate(CORE.splitlines(), 1) if "# BOOM LINE" in line)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # InProcessWorker imports into this process: undo its sys.path entry and imported modules.
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield write_tree(tmp_path / "submission", FILES)
    for name in set(sys.modules) - before:
        if str(tmp_path) in str(getattr(sys.modules[name], "__file__", None) or ""):
            del sys.modules[name]


@pytest.fixture(params=["inprocess", "subprocess"])
def session(request: pytest.FixtureRequest, root: Path):
    factory = InProcessWorker if request.param == "inprocess" else Worker
    with Session(root, worker_factory=factory, timeouts=Timeouts(call=20)) as s:
        yield s


def real_session(root: Path, **kwargs) -> Session:
    kwargs.setdefault("timeouts", Timeouts(call=10))
    return Session(root, **kwargs)


# -- both workers: the wire round trip --------------------------------------------------------------


def test_module_attributes_come_back_by_value(session: Session) -> None:
    core = session.module("toypkg.core")
    assert isinstance(core, RemoteObject)
    assert core.remote_type == "builtins.module"
    assert core.SCALE == 2.0 and type(core.SCALE) is float
    names = core.NAMES  # a list is not a leaf: it stays in the worker
    assert isinstance(names, RemoteObject)
    assert names[1] == "b"
    assert session.fetch(names) == ["a", "b"]


def test_objects_methods_and_arrays(session: Session) -> None:
    core = session.module("toypkg.core")
    layer = core.Layer(3)
    assert isinstance(layer, RemoteObject) and layer.remote_type == "toypkg.core.Layer"
    assert layer.n == 3
    X = np.arange(6, dtype=np.float64).reshape(2, 3)
    out = layer.forward(X)
    assert type(out) is np.ndarray and out.dtype == np.float64
    np.testing.assert_array_equal(out, X @ np.ones((3, 3)) * 2.0)
    sums, shape = layer.stats(X)
    np.testing.assert_array_equal(sums, X.sum(axis=0))
    assert shape == (2, 3) and type(shape) is tuple


def test_setattr_and_setitem_change_the_worker_object(session: Session) -> None:
    core = session.module("toypkg.core")
    layer = core.Layer(2)
    layer.n = 5
    assert layer.n == 5
    params = layer.parameters
    params["W"] = np.full((2, 2), 3.0)
    np.testing.assert_array_equal(layer.forward(np.ones((1, 2))), np.full((1, 2), 12.0))
    core.SCALE = 1.0
    np.testing.assert_array_equal(layer.forward(np.ones((1, 2))), np.full((1, 2), 6.0))


def test_keyword_arguments_and_remote_objects_as_arguments(session: Session) -> None:
    core = session.module("toypkg.core")
    assert core.add(1, b=2) == 3
    assert core.add(1) == 11
    layer = core.Layer(4)
    assert core.weight_sum(layer) == 16.0
    fetched = session.fetch(layer.parameters)
    assert set(fetched) == {"W", "b"}
    np.testing.assert_array_equal(fetched["W"], np.ones((4, 4)))


def test_put_keeps_a_value_in_the_worker(session: Session) -> None:
    core = session.module("toypkg.core")
    X = session.put(np.ones((2, 2)))
    assert isinstance(X, RemoteObject)
    np.testing.assert_array_equal(core.Layer(2).forward(X), np.full((2, 2), 4.0))


def test_a_dropped_handle_frees_its_object_in_the_worker(session: Session) -> None:
    X = session.put(np.ones((2, 2)))
    alive = session.module("weakref").ref(X)  # a handle on a weak reference to the worker's array
    kept = session.put(np.zeros(3))
    assert alive() is not None
    del X  # its release goes with the next request
    assert alive() is None
    np.testing.assert_array_equal(session.fetch(kept), np.zeros(3))  # the others stay


def test_releases_ride_on_the_next_request(session: Session) -> None:
    core = session.module("toypkg.core")
    worker, sent = session.worker, []
    request = worker.request
    worker.request = lambda op, *args, **kwargs: sent.append((op, kwargs.get("release"))) or request(
        op, *args, **kwargs)
    for _ in range(3):
        assert core.Layer(2).forward(np.ones((2, 2))).shape == (2, 2)  # a Layer handle dropped each time
    assert [op for op, _ in sent] == ["getattr", "call", "getattr", "call"] * 3  # no message of their own
    assert any(release for _, release in sent)


def test_handles_of_a_stopped_worker_release_nothing_in_the_next(session: Session) -> None:
    stale = session.put(np.ones(2))
    session.restart()
    fresh = session.put(np.zeros(2))
    del stale  # its id may name another object in the fresh worker: nothing is sent
    np.testing.assert_array_equal(session.fetch(fresh), np.zeros(2))


def test_local_objects_cannot_be_sent(session: Session) -> None:
    core = session.module("toypkg.core")
    with pytest.raises(TypeError, match="cannot send"):
        core.add(object(), 1)


@pytest.mark.parametrize("fn", ["matrix", "objects", "custom", "items"])
def test_non_plain_results_arrive_as_remote_objects(session: Session, fn: str) -> None:
    value = getattr(session.module("toypkg.core"), fn)()
    assert isinstance(value, RemoteObject)
    assert not isinstance(value, np.ndarray)


def test_plain_and_non_plain_parts_of_one_result(session: Session) -> None:
    plain, objs = session.module("toypkg.core").mixed()
    np.testing.assert_array_equal(plain, [0, 1, 2])
    assert isinstance(objs, RemoteObject) and objs.remote_type == "numpy.ndarray"


def test_numpy_scalars_become_python_scalars(session: Session) -> None:
    result = session.module("toypkg.core").scalars()
    assert result == (1.5, 7, True)
    assert [type(v) for v in result] == [float, int, bool]


def test_student_exception_points_into_the_submission(session: Session) -> None:
    core = session.module("toypkg.core")
    with pytest.raises(StudentCodeError) as info:
        core.boom(1)
    exc = info.value
    assert exc.exc_type == "ValueError"
    assert exc.where == (os.path.join("toypkg", "core.py"), BOOM_LINE, "boom")
    assert "bad value 2" in exc.message
    assert f"toypkg/core.py:{BOOM_LINE}" in exc.message
    assert "boom" in exc.traceback


def test_not_implemented_stub(session: Session) -> None:
    with pytest.raises(NotImplementedYet, match="not implemented yet"):
        session.module("toypkg.core").stub()


def test_sys_exit_is_a_student_error_and_the_session_goes_on(session: Session) -> None:
    core = session.module("toypkg.core")
    with pytest.raises(StudentCodeError) as info:
        core.polite_exit()
    assert info.value.exc_type == "SystemExit"
    assert not isinstance(info.value, WorkerCrashed)
    assert session.module("toypkg.core").add(1, 1) == 2


def test_missing_module_says_where_it_should_be(session: Session) -> None:
    with pytest.raises(StudentCodeError, match=r"no module .toypkg.nothing.: is toypkg/nothing\.py in your submission"):
        session.module("toypkg.nothing")


@pytest.mark.parametrize(("name", "exc_type", "text"), [
    ("bad_syntax", "SyntaxError", "bad_syntax.py"),
    ("raises_at_import", "RuntimeError", "import failed on purpose"),
])
def test_failed_import_is_remembered(session: Session, name: str, exc_type: str, text: str) -> None:
    with pytest.raises(StudentCodeError) as first:
        session.module(name)
    assert first.value.exc_type == exc_type and text in first.value.message
    if exc_type == "RuntimeError":
        assert first.value.where == ("raises_at_import.py", 2, "<module>")
    session.restart()  # even on a fresh worker, the import is not tried again
    start = time.monotonic()
    with pytest.raises(StudentCodeError) as second:
        session.module(name)
    assert time.monotonic() - start < 0.5
    assert second.value.message == first.value.message


def test_time_call_returns_a_positive_duration(session: Session) -> None:
    core = session.module("toypkg.core")
    seconds = session.time_call(core.add, 1, b=2, repeat=3)
    assert type(seconds) is float and 0 < seconds < 5


def test_seed_makes_worker_randomness_repeatable(session: Session, root: Path) -> None:
    write_tree(root, {"rand.py": "import numpy as np\n\ndef draw():\n    return np.random.rand(3)\n"})
    rand = session.module("rand")
    session.seed(3)
    first = rand.draw()
    session.seed(3)
    np.testing.assert_array_equal(rand.draw(), first)


# -- the real worker: isolation, limits, crashes ---------------------------------------------------


@pytest.mark.parametrize(("fn", "expected"), [
    ("exit_hard", "exited with status 0"),
    ("abort", "SIGABRT"),
    ("segfault", "SIGSEGV"),
    ("kill9", "SIGKILL"),
])
def test_worker_crash_then_fresh_worker(root: Path, fn: str, expected: str) -> None:
    with real_session(root) as s:
        core = s.module("toypkg.core")
        layer = core.Layer(2)
        first_pid = s.worker.info["pid"]
        with pytest.raises(WorkerCrashed, match=expected) as info:
            getattr(core, fn)()
        assert info.value.message.startswith(fn)
        fresh = s.module("toypkg.core")
        assert fresh.add(2, 3) == 5
        assert s.worker.info["pid"] != first_pid
        with pytest.raises(StaleHandle):
            layer.forward(np.ones((1, 2)))
        with pytest.raises(StaleHandle):
            fresh.weight_sum(layer)


def test_infinite_loop_times_out_and_the_next_request_works(root: Path) -> None:
    with real_session(root, timeouts=Timeouts(call=1)) as s:
        core = s.module("toypkg.core")
        start = time.monotonic()
        with pytest.raises(SubmissionTimeout, match="did not finish within 1 s"):
            core.spin()
        assert time.monotonic() - start < 5
        with pytest.raises(StaleHandle):
            core.add(1, 2)
        assert s.module("toypkg.core").add(1, 2) == 3


def test_import_that_hangs_is_remembered(root: Path) -> None:
    with real_session(root, timeouts=Timeouts(call=1)) as s:
        with pytest.raises(SubmissionTimeout) as first:
            s.module("hangs_at_import")
        start = time.monotonic()
        with pytest.raises(SubmissionTimeout) as second:
            s.module("hangs_at_import")
        assert time.monotonic() - start < 0.5
        assert second.value.message == first.value.message
        assert s.module("toypkg.core").add(1, 1) == 2


def test_total_deadline_makes_later_requests_fail_fast(root: Path) -> None:
    with real_session(root, timeouts=Timeouts(call=30, total=3)) as s:
        core = s.module("toypkg.core")
        with pytest.raises(SubmissionTimeout):
            core.spin()
        start = time.monotonic()
        with pytest.raises(SubmissionTimeout, match="time budget"):
            s.module("toypkg.core")
        assert time.monotonic() - start < 0.5


def test_worker_does_not_see_grader_environment(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", "hunter2")
    with real_session(root) as s:
        core = s.module("toypkg.core")
        assert core.env("AUTOGRADER_TEST_SECRET") is None
        assert core.env("OMP_NUM_THREADS") == "1"
        assert core.env("HOME") == str(root)


HEAP = """
import time

import numpy as np

kept = []

def churn():
    time.sleep(0.1)  # long enough a call to be followed by a trim
    chunks = [np.ones(8_000) for _ in range(4_000)]  # 64 KB each: on malloc's heap, 256 MB in all
    kept.append(np.ones(8_000))  # the heap's top stays in use: free() alone cannot shrink the heap
    del chunks
"""


def test_memory_a_call_freed_goes_back_to_the_system(root: Path) -> None:
    (root / "heap.py").write_text(HEAP)
    with real_session(root) as s:
        s.module("heap").churn()
        s.module("heap")  # (the trim follows the reply: wait for it)
        status = Path(f"/proc/{s.worker.info['pid']}/status").read_text()
        anonymous = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("RssAnon:"))
        assert anonymous < 150 << 10, f"the worker keeps {anonymous >> 10} MB after freeing 256 MB"


def test_memory_limit_applies_in_the_worker_only(root: Path) -> None:
    with real_session(root, limits=Limits(memory_mb=1024)) as s:
        core = s.module("toypkg.core")
        try:
            core.allocate(4096)
        except StudentCodeError as exc:
            assert exc.exc_type == "MemoryError"
        except WorkerCrashed:
            pass
        else:
            pytest.fail("allocating 4 GiB under a 1 GiB limit succeeded")
        assert s.module("toypkg.core").allocate(8) == float(8 << 17)
    assert np.ones(1 << 20).sum() == 1 << 20  # the grader itself is not limited


def test_cpu_limit_kills_the_worker(root: Path) -> None:
    with real_session(root, limits=Limits(cpu_seconds=1), timeouts=Timeouts(call=10)) as s:
        with pytest.raises(WorkerCrashed, match="SIGXCPU|SIGKILL"):
            s.module("toypkg.core").spin()


def test_output_is_captured_per_request(root: Path) -> None:
    with real_session(root) as s:
        core = s.module("toypkg.core")
        core.say("first line")
        assert s.take_output() == "first line\n"
        assert s.take_output() == ""
        core.say("second line")
        assert s.take_output() == "second line\n"


def test_output_capture_keeps_head_and_tail(root: Path) -> None:
    with real_session(root, limits=Limits(output_kb=4)) as s:
        assert s.module("toypkg.core").chatter(3 << 20) == 3 << 20
        s.restart()  # stopping the worker collects everything it wrote
        text = s.take_output()
    assert text.startswith("HEAD")
    assert text.endswith("TAIL\n")
    assert "bytes of output omitted" in text
    assert len(text) < 5000


def test_oversized_reply_is_bad_output(root: Path) -> None:
    with real_session(root, limits=Limits(message_mb=1)) as s:
        core = s.module("toypkg.core")
        np.testing.assert_array_equal(core.big(10), np.zeros(10))
        with pytest.raises(BadOutput, match="larger than the limit"):
            core.big(1 << 18)  # 2 MiB of float64
        assert s.module("toypkg.core").add(1, 2) == 3


@pytest.mark.parametrize("payload", [
    {"ok": True, "value": {"$nd": 0, "dtype": "|O", "shape": [1]}},
    {"ok": True, "value": {"$pickle": 0}},
    {"ok": "yes"},
])
def test_forged_reply_is_rejected(root: Path, payload: dict) -> None:
    with real_session(root, timeouts=Timeouts(call=5)) as s:
        core = s.module("toypkg.core")
        start = time.monotonic()
        with pytest.raises(BadOutput):
            core.forge(payload)
        assert time.monotonic() - start < 3
        assert not s._worker.alive()
        assert s.module("toypkg.core").add(1, 2) == 3


def test_worker_hello_reports_its_own_process(root: Path) -> None:
    with real_session(root) as s:
        s.module("toypkg.core")
        assert s.worker.info["pid"] not in (0, os.getpid())
        proc = s.worker.process
    assert proc.stopped and proc.proc.poll() is not None


def test_relative_root_works(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root.parent)
    with real_session(Path(root.name)) as s:
        assert s.module("toypkg.core").add(1, 1) == 2

