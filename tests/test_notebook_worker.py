"""Tests for autograder/notebook_worker.py with real kernels, and notebook assignments graded end to end.

Kernels are slow to start (about a second each), so sessions are shared by the tests of a module-scoped
fixture; every test takes fresh handles from ``session.module("__notebook__")``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import assignment as assignments
from autograder import template
from autograder.config import Limits, Timeouts
from autograder.errors import StudentCodeError, SubmissionTimeout
from autograder.grading import GradeReport, grade
from autograder.notebook_worker import NotebookSpec
from autograder.session import Session
from tests.support import toy_notebook
from tests.support.toy_notebook import ASSIGNMENT, FILENAME, build_toy_notebook, cell, cell_number, make
from tests.support.trees import load_validated, write_tree

CELL_TIMEOUT = 2


def session_on(folder: Path, spec: NotebookSpec, *, memory_mb: int = 2048, call: float = 10) -> Session:
    return Session(folder, limits=Limits(memory_mb=memory_mb), timeouts=Timeouts(start=60, call=call, total=300),
                   worker_factory=spec)


def notebook_folder(folder: Path, *cells) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(make(*cells), str(folder / "t.ipynb"))
    return folder


def describe(spec: NotebookSpec) -> dict[str, str]:
    return {o.label: o.describe() for o in spec.record.failures()}


# -- a notebook with every kind of bad cell ---------------------------------------------------------
BROKEN = [
    ("md", "# Problem set"),                                                            # cell 1
    "import os\nimport numpy as np\nSCALE = 2",                                         # cell 2
    "def f(x):\n    return np.asarray(x) * SCALE",                                     # cell 3
    "def g(:\n    pass",                                                                # cell 4: syntax error
    "def boom(x):\n    raise ValueError(f'bad value {x + 1}')",                        # cell 5
    "import missing_package_xyz\n\n\ndef needs_pkg():\n    return 1",                  # cell 6: raises
    cell("open('loop.txt', 'a').write('x')\ndef after_loop():\n    return 1\nwhile True:\n    pass",
         "grader:run"),                                                                 # cell 7: hangs
    cell("open('exit.txt', 'a').write('x')\nos._exit(3)", "grader:run"),               # cell 8: exits
    cell("open('abort.txt', 'a').write('x')\nos.abort()", "grader:run"),               # cell 9: aborts
    "def k(n):\n    print('called with', n)\n    return n + 1",                        # cell 10
    "def spin():\n    while True:\n        pass",                                       # cell 11
    "def later():\n    return 'defined after the bad cells'",                          # cell 12
]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory):
    folder = notebook_folder(tmp_path_factory.mktemp("broken"), *BROKEN)
    spec = NotebookSpec("t.ipynb", cell_timeout=CELL_TIMEOUT)
    with session_on(folder, spec, call=CELL_TIMEOUT) as session:
        session.module("__notebook__")  # runs the cells: three kernels fail on the way
        yield session, spec, folder


def test_each_failed_cell_is_described(broken) -> None:
    _, spec, _ = broken
    failures = describe(spec)
    assert list(failures) == ["cell 4", "cell 6", "cell 7", "cell 8", "cell 9"]
    assert failures["cell 4"].startswith("cell 4 raised: SyntaxError: ")
    assert failures["cell 4"].endswith("(line 1)") and ".py" not in failures["cell 4"]  # not the kernel's temp file
    assert failures["cell 6"] == ("cell 6 raised: ModuleNotFoundError: No module named 'missing_package_xyz': it is "
                                  "neither in your submission nor installed for grading")
    assert failures["cell 7"] == f"cell 7 did not finish in time: over {CELL_TIMEOUT} s (an infinite loop?)"
    assert failures["cell 8"] == ("cell 8 stopped the kernel: the kernel exited with status 3 "
                                  "(sys.exit or os._exit in the code?)")
    assert failures["cell 9"] == ("cell 9 stopped the kernel: the kernel was killed by SIGABRT "
                                  "(os.abort or a failed assertion in native code)")
    assert spec.record.excluded == {6, 7, 8}
    assert {o.label for o in spec.record.outcomes.values() if o.status == "ok"} == {
        "cell 2", "cell 3", "cell 5", "cell 10", "cell 11", "cell 12"}
    summary = spec.record.summary()
    assert summary.startswith("Some cells of your notebook failed when the grader ran their definitions")
    assert "\n- cell 9 stopped the kernel: the kernel was killed by SIGABRT" in summary


def test_the_other_cells_keep_their_definitions(broken) -> None:
    session, _, _ = broken
    nb = session.module("__notebook__")
    np.testing.assert_array_equal(nb.f(np.array([[1.0, 2.0], [3.0, 4.0]])), [[2.0, 4.0], [6.0, 8.0]])
    np.testing.assert_array_equal(nb.f([1, 2]), [2, 4])
    assert nb.SCALE == 2
    assert nb.later() == "defined after the bad cells"
    for name in ("g", "needs_pkg", "after_loop"):
        with pytest.raises(StudentCodeError) as info:
            getattr(nb, name)
        assert info.value.message == f"reading {name} raised AttributeError: your notebook does not define {name!r}"
        assert info.value.exc_type == "AttributeError"


def test_cells_that_hung_or_killed_the_kernel_are_not_run_again(broken) -> None:
    session, spec, folder = broken
    session.restart()
    started = time.monotonic()
    assert session.module("__notebook__").f(1) == 2
    elapsed = time.monotonic() - started
    # each of these cells ran once, in the first kernels, and never again
    assert [(folder / name).read_text() for name in ("loop.txt", "exit.txt", "abort.txt")] == ["x", "x", "x"]
    assert elapsed < 20, f"restarting took {elapsed:.1f} s"
    assert list(describe(spec)) == ["cell 4", "cell 6", "cell 7", "cell 8", "cell 9"]


def test_traceback_names_the_notebook_cell(broken) -> None:
    session, _, _ = broken
    with pytest.raises(StudentCodeError) as info:
        session.module("__notebook__").boom(1)
    error = info.value
    assert error.message == "boom raised ValueError: bad value 2 (at cell 5:2, in boom)"
    assert error.where == ("cell 5", 2, "boom")
    assert 'File "cell 5", line 2, in boom' in error.traceback
    assert "ipykernel" not in error.traceback and ".py" not in error.traceback


def test_printed_output_is_captured_without_the_kernel_banner(broken) -> None:
    session, _, _ = broken
    session.restart()
    nb = session.module("__notebook__")
    assert session.take_output() == ""  # nothing of the kernel's start-up
    assert nb.k(3) == 4
    assert session.take_output() == "called with 3\n"
    assert session.notes == []


def test_call_that_hangs_times_out_and_the_next_call_works(broken) -> None:
    session, _, _ = broken
    nb = session.module("__notebook__")
    with pytest.raises(SubmissionTimeout, match=rf"^spin did not finish within {CELL_TIMEOUT} s \(an infinite loop"):
        nb.spin()
    assert session.module("__notebook__").f(5) == 10  # a fresh kernel


# -- mode "all", magics and shell escapes -----------------------------------------------------------
def test_mode_all_runs_magics_and_skips_shell_commands(tmp_path: Path) -> None:
    folder = notebook_folder(
        tmp_path,
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nprint('plotted')",
        "!nvidia-smi\nfiles = !ls\nprint('files:', files)",
        "def count():\n    return len(files)",
    )
    spec = NotebookSpec("t.ipynb", mode="all", cell_timeout=60)
    with session_on(folder, spec) as session:
        assert session.module("__notebook__").count() == 0
        assert session.take_output() == ""  # what the cells printed is in their outputs, not the student's output
    assert spec.record.failures() == []
    outcomes = spec.record.outcomes
    assert [o.partial for o in outcomes.values()] == [False, False, False]
    texts = [o.get("text", "") for o in outcomes[1].outputs if o.output_type == "stream"]
    assert "shell command skipped by the grader: !nvidia-smi\n" in "".join(texts)
    assert "[autograder]" not in "".join(texts)
    assert "files: []\n" in texts
    assert "plotted\n" in "".join(o.get("text", "") for o in outcomes[0].outputs if o.output_type == "stream")


# -- CUDA on a grader without a GPU ------------------------------------------------------------------
def test_cuda_notebook_runs_on_the_cpu(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is available: nothing falls back")
    folder = notebook_folder(
        tmp_path,
        "import torch\ndevice = torch.device('cuda')",
        "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = torch.nn.Linear(2, 1)\n\n    def forward(self, x):\n        return self.fc(x)",
        "def run():\n    x = torch.zeros(2).to(device)\n    model = Net().cuda()\n    return model(x).detach()",
        "def twos():\n    return torch.ones(3).cuda() * 2",
        "def where():\n    return str(device)",
    )
    spec = NotebookSpec("t.ipynb", cell_timeout=60)
    with session_on(folder, spec, memory_mb=8192, call=30) as session:
        nb = session.module("__notebook__")
        assert nb.where() == "cpu"
        assert session.fetch(nb.run()).shape == (1,)
        twos = session.fetch(nb.twos())
        assert isinstance(twos, np.ndarray) and twos.dtype == np.float32
        np.testing.assert_array_equal(twos, [2.0, 2.0, 2.0])
        assert session.take_output() == ""  # the note is the grader's, not something the student printed
        assert session.notes == ["No GPU on the grader: 'cuda' ran on the CPU instead."]
    assert spec.record.failures() == []


# -- notebook assignments, graded end to end ----------------------------------------------------------
@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    root = build_toy_notebook(tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUTOGRADER_HOME", str(root))
        yield root


@pytest.fixture(scope="module")
def toy(home: Path) -> assignments.Assignment:
    return assignments.load(ASSIGNMENT)  # found through $AUTOGRADER_HOME


def run(toy, source: Path, out: Path, **kwargs) -> tuple[dict, GradeReport]:
    report = grade(toy, source, out=out, **kwargs)
    data = load_validated(out)
    assert data["score"] == pytest.approx(report.results.score)
    assert report.ok, report.errors
    return data, report


def outputs(data: dict) -> dict[str, tuple[float, str]]:
    return {t["number"]: (t["score"], t.get("output", "")) for t in data["tests"]}


def test_toy_notebook_assignment_is_a_notebook(toy) -> None:
    assert toy.kind == "notebook" and toy.settings == {"notebook": FILENAME, "cell_timeout": 5}
    assert (toy.fixtures_dir / "manifest.json").is_file()  # made by running the reference notebook


def test_reference_notebook_gets_full_marks(toy, tmp_path: Path) -> None:
    data, report = run(toy, toy.reference_dir, tmp_path / "results.json")
    assert outputs(data) == {"1.1": (1.0, ""), "1.2": (2.0, ""), "1.3": (2.0, "")}
    assert data["score"] == 5 and "output" not in data
    assert report.notebook.failures() == []


def test_template_scores_zero(toy, tmp_path: Path) -> None:
    stubbed = template.generate(toy.reference_dir, tmp_path / "template")
    assert stubbed == [Path(FILENAME)]
    nb = nbformat.read(str(tmp_path / "template" / FILENAME), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert 'raise NotImplementedError("YOUR CODE HERE")' in code[1].source and "a + b" not in code[1].source

    data, _ = run(toy, tmp_path / "template", tmp_path / "results.json")
    assert data["score"] == 0
    add = cell_number("add")
    assert outputs(data)["1.1"] == (0.0, f"add: not implemented yet (NotImplementedError) (at cell {add}:2, in add)")
    assert all(t["status"] == "failed" for t in data["tests"])


@pytest.fixture(scope="module")
def broken_run(toy, tmp_path_factory: pytest.TempPathFactory):
    """A bare notebook file with Colab's name for a second download, its ``square`` cell broken.

    ``scale`` works but runs a shell command, which the grader skips and notes.
    """
    tmp = tmp_path_factory.mktemp("broken-run")
    path = toy_notebook.notebook(tmp / "upload", filename="toy (1).ipynb",
                                 square="def square(X):\n    return np.asarray(X) ** 2 +",
                                 scale="SCALE = 3\n\n\ndef scale(X):\n    !echo scaling\n"
                                       "    return np.asarray(X) * SCALE")
    saved = tmp / "out" / "executed.ipynb"
    data, report = run(toy, path, tmp / "results.json", save_notebook=saved)
    return data, report, saved


def test_broken_cell_loses_exactly_the_tests_of_its_functions(broken_run) -> None:
    data, _, _ = broken_run
    tests = outputs(data)
    assert tests["1.1"] == (1.0, "") and tests["1.3"] == (2.0, "")
    score, message = tests["1.2"]
    square = cell_number("square")
    assert score == 0
    assert message.startswith("reading square raised AttributeError: your notebook does not define 'square'\n\n"
                              "Some cells of your notebook failed")
    assert f"\n- cell {square} raised: SyntaxError: " in message
    assert data["score"] == 3


def test_results_output_carries_the_notebook_summary_and_notes(broken_run) -> None:
    data, report, _ = broken_run
    assert data["output"] == (report.notebook.summary(brief=True) +
                              "\n\nNote: Shell commands (lines starting with !) were skipped: the grader runs none.")
    assert data["output"].splitlines()[1] == f"- cell {cell_number('square')} raised SyntaxError"  # no cell text


def test_saved_notebook_has_the_feedback_and_each_cells_status(broken_run) -> None:
    _, _, saved = broken_run
    nb = nbformat.read(str(saved), as_version=4)
    nbformat.validate(nb)
    head = nb.cells[0]
    assert head.cell_type == "markdown" and head.source.startswith("# Grader feedback: 3 / 5\n")
    assert "| 1.1 add | 1 / 1 |  |" in head.source and "| 1.3 scale | 2 / 2 |  |" in head.source
    assert "\n- Shell commands (lines starting with !) were skipped: the grader runs none.\n" in head.source
    assert "| 1.2 square | 0 / 2 | reading square raised AttributeError: your notebook does not define 'square' |" \
        in head.source
    status = {name: nb.cells[cell_number(name)].metadata["autograder"] for name in toy_notebook.CELLS}
    assert {name: s["status"] for name, s in status.items()} == {
        "imports": "ok", "add": "ok", "demo": "not run", "square": "error", "scale": "ok", "train": "ok",
        "shell": "not run"}
    assert status["add"]["note"] == status["scale"]["note"] == "ran"
    assert status["imports"]["note"] == status["train"]["note"] == "ran (definitions only)"
    assert status["square"]["note"].startswith(f"cell {cell_number('square')} raised: SyntaxError: ")
    assert nb.cells[cell_number("demo")].outputs == []  # the student's stale output is not the grader's
    error = [o for o in nb.cells[cell_number("square")].outputs if o.output_type == "error"]
    assert error and error[0].ename == "SyntaxError"


def test_a_cell_that_hangs_is_reported_and_the_rest_is_graded(toy, tmp_path: Path) -> None:
    hang = "def add(a, b):\n    return a + b\n\n\nwhile True:\n    pass"
    source = toy_notebook.notebook(tmp_path / "sub", add=(hang, ("grader:run",)))
    data, report = run(toy, source.parent, tmp_path / "results.json")
    tests = outputs(data)
    assert tests["1.2"] == (2.0, "") and tests["1.3"] == (2.0, ""), tests
    assert tests["1.1"][0] == 0 and tests["1.1"][1].startswith(
        "reading add raised AttributeError: your notebook does not define 'add'")
    assert f"- cell {cell_number('add')} did not finish in time: over 5 s (an infinite loop?)" in tests["1.1"][1]


def test_a_hung_cell_as_long_as_the_kernel_start_budget_costs_only_what_it_defines(toy, tmp_path: Path) -> None:
    """The cell's timeout equal to the kernel's start timeout: the restarted kernel still gets its own start budget."""
    import dataclasses

    tight = dataclasses.replace(toy, timeouts=Timeouts(start=5, call=10, total=120))
    hang = "def add(a, b):\n    return a + b\n\n\nimport time\ntime.sleep(600)"
    source = toy_notebook.notebook(tmp_path / "sub", add=(hang, ("grader:run",)))
    data, report = run(tight, source.parent, tmp_path / "results.json")
    tests = outputs(data)
    assert tests["1.2"] == (2.0, "") and tests["1.3"] == (2.0, ""), tests
    assert tests["1.1"][0] == 0 and "did not finish in time" in tests["1.1"][1]


@pytest.mark.parametrize("files, reason", [
    ({FILENAME: "this is not json"}, "toy.ipynb is not a Jupyter notebook: it is not valid JSON"),
    ({"answers.py": "def add(a, b):\n    return a + b\n"}, "no notebook in the submission: expected toy.ipynb"),
    ({FILENAME: '{"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}'},
     "toy.ipynb has nbformat version 5; the grader reads versions 3 and 4"),
])
def test_unreadable_notebook_fails_every_test_with_the_reason(toy, tmp_path: Path, files: dict, reason: str) -> None:
    saved = tmp_path / "executed.ipynb"
    data, report = run(toy, write_tree(tmp_path / "sub", files), tmp_path / "results.json", save_notebook=saved)
    assert [t["number"] for t in data["tests"]] == ["1.1", "1.2", "1.3"]
    assert all(t["score"] == 0 and t["status"] == "failed" and t["output"].startswith(reason) for t in data["tests"])
    assert data["output"].startswith(f"Your submission could not be graded: {reason}")
    assert not saved.exists()


# -- several notebooks ----------------------------------------------------------------------------------
TWO = {
    "assignment.toml": """\
        title = "Two notebooks"
        kind = "notebook"

        [settings]
        notebooks = ["first.ipynb", "second.ipynb"]
        cell_timeout = 10

        [timeouts]
        start = 60
        call = 10
        total = 240

        [limits]
        memory_mb = 2048
    """,
    "grade_first.py": """\
        from autograder.decorators import number, weight

        @weight(1)
        @number("1")
        def test_first(submission):
            assert submission.module("first").f(2) == 4, "f(2) is not 4"
    """,
    "grade_second.py": """\
        from autograder.decorators import number, weight

        @weight(1)
        @number("2.1")
        def test_second(submission):
            assert submission.module("second").g(2) == 5, "g(2) is not 5"

        @weight(1)
        @number("2.2")
        def test_both(submission):  # one test may use both notebooks: each in its own kernel, in turn
            second = submission.module("second").g(1)
            assert submission.module("first").f(second) == 2 * second
    """,
}


@pytest.fixture(scope="module")
def two_notebooks(tmp_path_factory):
    import textwrap

    home = tmp_path_factory.mktemp("two")
    write_tree(home / "tests" / "grading" / "twonb", {k: textwrap.dedent(v) for k, v in TWO.items()})
    (home / "reference" / "twonb").mkdir(parents=True)
    for name, source in (("first", "def f(x):\n    return 2 * x"), ("second", "def g(x):\n    return x + 3")):
        nbformat.write(make(source), str(home / "reference" / "twonb" / f"{name}.ipynb"))
    return assignments.load("twonb", home)


def test_several_notebooks_each_in_its_own_kernel_found_under_colabs_names(two_notebooks, tmp_path):
    shutil.copyfile(two_notebooks.reference_dir / "first.ipynb", tmp_path / "first (1).ipynb")
    shutil.copyfile(two_notebooks.reference_dir / "second.ipynb", tmp_path / "Copy of second.ipynb")
    data = grade(two_notebooks, tmp_path, out=tmp_path / "r.json").results.to_dict()
    assert data["score"] == 3, data
    (tmp_path / "Copy of second.ipynb").unlink()  # one notebook missing: only its tests fail, and say why
    report = grade(two_notebooks, tmp_path, out=tmp_path / "r.json")
    by = {t.number: t for t in report.results.tests}
    assert by["1"].passed and not by["2.1"].passed and not by["2.2"].passed
    assert "no notebook second.ipynb in the submission" in by["2.1"].output and "first (1).ipynb" in by["2.1"].output
    broken = make("import no_such_module_here\n\n\ndef f(x):\n    return 2 * x")  # the cell fails: no f
    nbformat.write(broken, str(tmp_path / "first (1).ipynb"))
    shutil.copyfile(two_notebooks.reference_dir / "second.ipynb", tmp_path / "second.ipynb")
    report = grade(two_notebooks, tmp_path, out=tmp_path / "r.json")
    assert [t.number for t in report.results.tests if t.passed] == ["2.1"]
    assert "Some cells of first.ipynb failed" in report.results.output  # which notebook, said
