"""Tests for autograder/notebook.py: reading, locating and planning notebooks, and the annotated copy.

No kernel here: everything is pure Python (the kernels are in test_notebook_worker.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder.errors import BadSubmission
from autograder.notebook import CellOutcome, NotebookRecord, annotate, definitions, locate, plan, read
from tests.support.toy_notebook import cell, make


def write(path: Path, content: str | bytes | dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def good() -> dict:
    return json.loads(nbformat.writes(make("import numpy as np", "def f(x):\n    return x")))


def bad_submission(path: Path) -> str:
    with pytest.raises(BadSubmission) as info:
        read(path)
    return info.value.message


# -- read ------------------------------------------------------------------------------------------
def test_read_a_valid_notebook(tmp_path: Path) -> None:
    nb = read(write(tmp_path / "ps.ipynb", good()))
    assert nb.nbformat == 4
    assert [c.source for c in nb.cells] == ["import numpy as np", "def f(x):\n    return x"]


@pytest.mark.parametrize("content", [b"hello", b"{\"cells\": [", b"", b"\xff\xfe{}"])
def test_not_json_says_download_again(tmp_path: Path, content: bytes) -> None:
    message = bad_submission(write(tmp_path / "ps2.ipynb", content))
    assert message.startswith("ps2.ipynb is not a Jupyter notebook: it is not valid JSON (")
    assert message.endswith("Download it again with File > Download > Download .ipynb")


@pytest.mark.parametrize("content", ["[1, 2]", '{"a": 1}', '"cells"', "3"])
def test_json_but_not_a_notebook(tmp_path: Path, content: str) -> None:
    assert bad_submission(write(tmp_path / "ps2.ipynb", content)) == \
        "ps2.ipynb is JSON but not a Jupyter notebook (it has no cells)"


@pytest.mark.parametrize("version", [5, 2, None])
def test_unsupported_nbformat_version(tmp_path: Path, version) -> None:
    data = {k: v for k, v in good().items() if k != "nbformat"}
    if version is not None:
        data["nbformat"] = version
    assert bad_submission(write(tmp_path / "ps2.ipynb", data)) == (
        f"ps2.ipynb has nbformat version {version!r}; the grader reads versions 3 and 4 (what Jupyter and Colab save)")


def test_version_2_notebook_with_worksheets_is_refused_by_version(tmp_path: Path) -> None:
    message = bad_submission(write(tmp_path / "old.ipynb", {"nbformat": 2, "worksheets": [], "metadata": {}}))
    assert message.startswith("old.ipynb has nbformat version 2;")


def test_version_3_notebook_is_converted(tmp_path: Path) -> None:
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""}, "worksheets": [{"metadata": {}, "cells": [
        {"cell_type": "heading", "level": 1, "source": "Old notebook", "metadata": {}},
        {"cell_type": "code", "input": "def f():\n    return 1", "language": "python", "metadata": {},
         "outputs": [], "collapsed": False},
    ]}]}
    nb = read(write(tmp_path / "old.ipynb", v3))
    assert nb.nbformat == 4
    assert [(c.cell_type, c.source) for c in nb.cells] == [("markdown", "# Old notebook"),
                                                          ("code", "def f():\n    return 1")]
    nbformat.validate(nb)
    assert [c.source for c in plan(nb)] == ["def f():\n    return 1"]


@pytest.mark.parametrize("damage, says", [
    (lambda d: d["cells"][0].pop("source"), "'source' is a required property"),
    (lambda d: d["cells"][0].update(cell_type="bogus"), "is not valid under any of the given schemas"),
    (lambda d: d["cells"][0].update(outputs=[{"output_type": "weird"}]), "is not valid under any of the given"),
])
def test_invalid_notebook_names_the_problem(tmp_path: Path, damage, says: str) -> None:
    data = good()
    damage(data)
    message = bad_submission(write(tmp_path / "ps2.ipynb", data))
    assert message.startswith("ps2.ipynb is not a valid notebook: ") and says in message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    data = good()
    data["cells"][0]["source"] = "# café\nimport numpy as np"
    nb = read(write(tmp_path / "bom.ipynb", b"\xef\xbb\xbf" + json.dumps(data, ensure_ascii=False).encode()))
    assert nb.cells[0].source == "# café\nimport numpy as np"


def test_unreadable_file(tmp_path: Path) -> None:
    assert bad_submission(tmp_path / "gone.ipynb").startswith("gone.ipynb could not be read (")


# -- locate ----------------------------------------------------------------------------------------
def test_locate_prefers_the_expected_name(tmp_path: Path) -> None:
    write(tmp_path / "scratch.ipynb", "{}")
    expected = write(tmp_path / "ps2.ipynb", "{}")
    assert locate(tmp_path, "ps2.ipynb") == expected


@pytest.mark.parametrize("name", ["ps2 (1).ipynb", "Copy of ps2.ipynb", "work/ps2.ipynb"])
def test_locate_takes_the_only_notebook_whatever_its_name(tmp_path: Path, name: str) -> None:
    only = write(tmp_path / name, "{}")
    write(tmp_path / ".ipynb_checkpoints" / "ps2-checkpoint.ipynb", "{}")  # Jupyter's autosave: not a notebook
    write(tmp_path / "notes.txt", "hi")
    assert locate(tmp_path, "ps2.ipynb") == only


def test_locate_without_a_notebook(tmp_path: Path) -> None:
    write(tmp_path / "ps2.py", "x = 1")
    with pytest.raises(BadSubmission, match=r"^no notebook in the submission: expected ps2\.ipynb$"):
        locate(tmp_path, "ps2.ipynb")


def test_locate_with_several_notebooks_asks_for_the_name(tmp_path: Path) -> None:
    for name in ("b.ipynb", "a.ipynb", "sub/c.ipynb"):
        write(tmp_path / name, "{}")
    with pytest.raises(BadSubmission) as info:
        locate(tmp_path, "ps2.ipynb")
    assert info.value.message == ("the submission has several notebooks (a.ipynb, b.ipynb, sub/c.ipynb); "
                                  "name the one to grade ps2.ipynb")


@pytest.mark.parametrize(("found", "same"), [
    ("mnist.ipynb", True), ("Copy of mnist.ipynb", True), ("mnist (1).ipynb", True), ("mnist-Copy1.ipynb", True),
    ("MNIST_copy.ipynb", True), ("mnist.ipynb - Colab.ipynb", True), ("mnist2.ipynb", False),
    ("simple_train.ipynb", False), ("my mnist.ipynb", False)])
def test_a_notebook_is_known_under_the_names_copies_get(found: str, same: bool) -> None:
    from autograder.notebook import same_notebook

    assert same_notebook(found, "mnist.ipynb") is same


def test_locate_among_several_notebooks_finds_each_by_its_name_or_a_copy_of_it(tmp_path: Path) -> None:
    first = write(tmp_path / "Copy of simple_train.ipynb", "{}")
    second = write(tmp_path / "hw" / "mnist (2).ipynb", "{}")
    assert locate(tmp_path, "simple_train.ipynb", several=True) == first
    assert locate(tmp_path, "mnist.ipynb", several=True) == second
    second.unlink()
    with pytest.raises(BadSubmission, match=r"no notebook mnist\.ipynb in the submission .* its notebooks: Copy "):
        locate(tmp_path, "mnist.ipynb", several=True)  # (never the other notebook, though it is the only one)


# -- plan and definitions --------------------------------------------------------------------------
CELL = """\
%matplotlib inline
import numpy as np
from math import pi
!pip install tqdm
files = !ls
LR = 0.1
SIZES = [1, 2, (3, -4)]
NAME: str = "ps2"
print("hello")
plt.plot([1, 2])
for epoch in range(100):
    LR *= 0.9
model = train()
device = torch.device("cuda")


@functools.lru_cache(
    maxsize=None)
def f(x, d=device):
    return x


class Net:
    size = 3
x = f(3)
"""

KEPT = """\

import numpy as np
from math import pi


LR = 0.1
SIZES = [1, 2, (3, -4)]
NAME: str = "ps2"





device = torch.device("cuda")


@functools.lru_cache(
    maxsize=None)
def f(x, d=device):
    return x


class Net:
    size = 3
"""


def test_definitions_keep_what_defines_and_blank_the_rest() -> None:
    used = {"device"}  # what plan() finds the definitions of the notebook read
    assert definitions(CELL, used) == KEPT


def test_definitions_keep_line_numbers() -> None:
    kept = definitions(CELL, {"device"}).splitlines()
    original = CELL.splitlines()
    for line in ("def f(x, d=device):", "class Net:", "LR = 0.1", "@functools.lru_cache("):
        assert kept.index(line) == original.index(line)


def test_assignment_not_used_by_a_definition_is_dropped() -> None:
    assert definitions("model = train()\ndevice = torch.device('cuda')\n", set()) is None
    assert definitions("model = train()\ndevice = torch.device('cuda')\n", {"device"}) == \
        "\ndevice = torch.device('cuda')\n"


@pytest.mark.parametrize("source", [
    "print('hi')", "train(model)", "plt.show()", "for i in range(3):\n    print(i)", "while True:\n    pass",
    "%matplotlib inline", "!pip install torch", "x = !ls", "%%capture\ntrain()", "model = train()",
    "# just a comment", "if True:\n    import os",
])
def test_cells_without_definitions_are_left_out(source: str) -> None:
    assert definitions(source, set()) is None


def test_colab_import_guard_is_kept() -> None:
    source = "try:\n    import google.colab\n    IN_COLAB = True\nexcept ImportError:\n    IN_COLAB = False\n"
    assert definitions(source, set()) == source


def test_syntax_error_cell_is_returned_whole() -> None:
    source = "import numpy as np\ndef f(x:\n    return x\nprint(f(1))"
    assert definitions(source, set()) == source


def plan_of(*cells, mode: str = "definitions") -> list[tuple[str, str, bool]]:
    return [(c.label, c.source, c.whole) for c in plan(make(*cells), mode)]


def test_plan_keeps_an_assignment_a_function_in_another_cell_uses() -> None:
    planned = plan_of(
        "import torch\ndevice = torch.device('cuda' if torch.cuda.is_available() else 'cpu')",
        "model = Net().to(device)\nhistory = train(model)",
        "def predict(model, X):\n    return model(X.to(device))",
    )
    assert planned == [
        ("cell 1", "import torch\ndevice = torch.device('cuda' if torch.cuda.is_available() else 'cpu')", True),
        ("cell 3", "def predict(model, X):\n    return model(X.to(device))", True),
    ]


def test_a_parameter_or_local_is_not_a_use_of_the_global() -> None:
    # ``model`` and ``history`` here are the functions' own: the notebook's training run is not needed
    planned = plan_of(
        "device = torch.device('cuda')\nmodel = Net().to(device)\nhistory = train(model, 100)\nSCALE = scale()",
        "def train(model, epochs, device=device):\n    history = []\n    for _ in range(epochs):\n"
        "        history.append(model.step())\n    return [h * SCALE for h in history]",
        "class Trainer:\n    def fit(self, model):\n        return model",
    )
    assert planned[0] == ("cell 1", "device = torch.device('cuda')\n\n\nSCALE = scale()\n", False)
    assert [label for label, _, _ in planned] == ["cell 1", "cell 2", "cell 3"]


def test_globals_a_function_declares_and_lambdas_are_kept() -> None:
    planned = plan_of("counter = make_counter()\nrelu = lambda z: np.maximum(z, 0)\nrun()",
                      "def tick():\n    global counter\n    counter += 1")
    assert planned[0][1] == "counter = make_counter()\nrelu = lambda z: np.maximum(z, 0)\n"


def test_plan_labels_count_markdown_and_skip_empty_cells() -> None:
    planned = plan_of(("md", "# Title"), "   \n", "def f():\n    return 1", ("md", "text"), "SEED = 0")
    assert [label for label, _, _ in planned] == ["cell 3", "cell 5"]


@pytest.mark.parametrize("source", [
    "import numpy as np\n\n\ndef f(x):\n    return np.abs(x)",  # saved by Jupyter: no final newline
    "# Part 1\ndef f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION",
])
def test_cell_of_only_definitions_and_comments_runs_whole(source: str) -> None:
    assert plan_of(source) == [("cell 1", source, True)]


def test_cell_with_more_than_definitions_is_partial() -> None:
    [(_, source, whole)] = plan_of("def f(x):\n    return x\n\nf(2)")
    assert (source, whole) == ("def f(x):\n    return x\n", False)


def test_magics_are_dropped_from_kept_cells() -> None:
    [(_, source, whole)] = plan_of("%load_ext autoreload\n%autoreload 2\nimport numpy as np")
    assert (source, whole) == ("\n\nimport numpy as np\n", False)


def test_tags_override_the_mode() -> None:
    planned = plan_of(
        cell("data = load()\nprint(data)", "grader:run"),
        cell("def slow():\n    return 1", "grader:skip"),
        cell("def fast():\n    return 2", "other-tag"),
        "train()",
    )
    assert planned == [("cell 1", "data = load()\nprint(data)", True), ("cell 3", "def fast():\n    return 2", True)]


def test_mode_all_runs_every_code_cell_whole() -> None:
    cells = ["%matplotlib inline\nimport numpy as np", ("md", "# Part 1"), "!nvidia-smi", "train()",
             cell("def f():\n    pass", "grader:skip"), ""]
    assert plan_of(*cells, mode="all") == [
        ("cell 1", "%matplotlib inline\nimport numpy as np", True),
        ("cell 3", "!nvidia-smi", True),
        ("cell 4", "train()", True),
    ]


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match=r"unknown notebook mode 'fast' \(known: definitions, all\)"):
        plan(make("x = 1"), "fast")


# -- the record and the annotated copy ------------------------------------------------------------
def sample_record() -> NotebookRecord:
    record = NotebookRecord(Path("ps2.ipynb"))
    out = nbformat.v4.new_output("stream", name="stdout", text="hi\n")
    record.outcomes = {
        1: CellOutcome(1, "ok", outputs=[out]),
        2: CellOutcome(2, "ok", partial=True),
        4: CellOutcome(4, "error", "ValueError: bad shape"),
        5: CellOutcome(5, "timeout", "over 5 s (an infinite loop?)"),
        6: CellOutcome(6, "died", "the kernel was killed by SIGABRT"),
    }
    record.notes = ["No GPU on the grader: 'cuda' ran on the CPU instead."]
    return record


def test_outcomes_describe_themselves() -> None:
    record = sample_record()
    assert [o.describe() for o in record.failures()] == [
        "cell 5 raised: ValueError: bad shape",
        "cell 6 did not finish in time: over 5 s (an infinite loop?)",
        "cell 7 stopped the kernel: the kernel was killed by SIGABRT",
    ]
    assert CellOutcome(0, "died").describe() == "cell 1 stopped the kernel"
    assert record.excluded == {5, 6}  # raised cells run again in the next kernel; hung and fatal ones do not


def test_summary() -> None:
    assert NotebookRecord(outcomes={0: CellOutcome(0, "ok")}).summary() == ""
    summary = sample_record().summary()
    assert summary.splitlines() == [
        "Some cells of your notebook failed when the grader ran their definitions; what they define is missing, "
        "so the tests that need it fail:",
        "- cell 5 raised: ValueError: bad shape",
        "- cell 6 did not finish in time: over 5 s (an infinite loop?)",
        "- cell 7 stopped the kernel: the kernel was killed by SIGABRT",
    ]
    many = NotebookRecord(outcomes={i: CellOutcome(i, "error", "E") for i in range(25)})
    assert len(many.summary().splitlines()) == 11


def test_annotate() -> None:
    nb = make("import numpy as np", "def f():\n    pass", "def h():\n    pass\nh()", ("md", "# Part 2"), "def g(:",
              "while True: pass", "import os; os.abort()")
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale\n")]
    nb.cells[0].execution_count = 9
    feedback = [("1.1 f", 2.0, 2.0, ""), ("1.2 g", 0.0, 3.0, "reading g raised AttributeError\n\nmore lines")]
    executed = annotate(nb, sample_record(), feedback)
    nbformat.validate(executed)
    assert nb.cells[0].execution_count == 9 and len(nb.cells) == 7  # the original is left as it was

    head = executed.cells[0]
    assert head.cell_type == "markdown" and head.metadata["autograder"] == {"feedback": True}
    assert head.source.startswith("# Grader feedback: 2 / 5\n\n| Test | Score | Feedback |\n|---|---|---|\n")
    assert "| 1.1 f | 2 / 2 |  |" in head.source
    assert "| 1.2 g | 0 / 3 | reading g raised AttributeError |" in head.source and "more lines" not in head.source
    assert "- cell 5 raised: ValueError: bad shape" in head.source
    assert "- No GPU on the grader: 'cuda' ran on the CPU instead." in head.source

    cells = executed.cells[1:]
    status = [(c.metadata.get("autograder", {}).get("status"), c.metadata.get("autograder", {}).get("note"))
              for c in cells]
    assert status == [
        ("not run", "not run by the grader"),
        ("ok", "ran"),
        ("ok", "ran (definitions only)"),
        (None, None),  # markdown
        ("error", "cell 5 raised: ValueError: bad shape"),
        ("timeout", "cell 6 did not finish in time: over 5 s (an infinite loop?)"),
        ("died", "cell 7 stopped the kernel: the kernel was killed by SIGABRT"),
    ]
    assert cells[1].outputs[0].text == "hi\n"
    assert cells[0].outputs == [] and cells[0].execution_count is None  # stale outputs are not the grader's


def test_annotate_without_failures_or_notes() -> None:
    executed = annotate(make("x = 1"), NotebookRecord(outcomes={0: CellOutcome(0, "ok")}), [("t", 1.0, 1.0, "")])
    assert executed.cells[0].source == "# Grader feedback: 1 / 1\n\n| Test | Score | Feedback |\n|---|---|---|\n" \
                                       "| t | 1 / 1 |  |\n"


def test_a_default_read_from_data_the_grader_does_not_load_is_a_stand_in() -> None:
    # pset4's starter: `def train(train_loader=train_loader)`; the dataset cell is not a definition
    planned = plan_of(
        "import torch\ntrain_data = torchvision.datasets.CIFAR10(root='./data', download=True)\n"
        "batch_size = 4\ntrain_loader = torch.utils.data.DataLoader(train_data,\n    batch_size=batch_size)\n"
        "size = len(train_loader)",
        "def train(train_loader=train_loader, size=size):\n    return len(train_loader)",
    )
    assert planned[0][1] == (
        "import torch\n\nbatch_size = 4\ntrain_loader = __import__('_autograder_standin').stand_in(('train_loader',), "
        "('train_data',))\n\nsize = __import__('_autograder_standin').stand_in(('size',), ('train_loader',))\n")
    assert planned[0][2] is False and planned[1] == ("cell 2", planned[1][1], True)


def test_a_stand_in_says_why_when_used() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "autograder" / "worker"))
    try:
        from _autograder_standin import stand_in
    finally:
        sys.path.pop(0)
    loader = stand_in(("train_loader",), ("train_data",))
    with pytest.raises(NameError, match=r"`train_loader` is not available while the notebook is graded.*`train_data`"):
        iter(loader)
    with pytest.raises(NameError, match="take `train_loader` as an argument"):
        loader.dataset  # noqa: B018 - the access is the test
    assert "not made while the notebook is graded" in repr(loader)
