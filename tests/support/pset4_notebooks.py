# ruff: noqa: E501 - the notebooks' code is quoted as the course wrote it (the starter's long def line)
"""pset4 notebooks for the end-to-end tests, made from the reference: the seed write-up's answers, the course's
starter as handed out, a notebook filled in on old PyTorch, and the corpus (tests/submissions/pset4/*/case.toml).

Each edits the reference's cells by exact text (``edit`` fails when the text is not there, so a change of the
reference cannot silently empty a case) and writes the notebook to ``out``. A corpus case::

    description = "what the bug is, or how the alternative differs"
    kind = "buggy"                  # or "alternative"
    lost = ["2.3a"]                 # graded test numbers the case must fail; [] for alternatives
    message = "zero_grad"           # optional: text each lost test's message holds (an alternative's feedback)
    note = "google.colab"           # optional: text the top of results.json holds (a note of the grader's)

    [[edit]]                        # replace text in the code cell that starts with `cell`
    cell = "## for reproducibility"
    old = "        optimizer.zero_grad()\n"
    new = ""

    [[cell]]                        # or replace that cell's whole source
    cell = "class Net(nn.Module):"
    source = "..."
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import nbformat

from tests.support.ps2_variants import replace_def

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "pset4" / "PSET4_Classification.ipynb"


def cell(nb, starts: str):
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(starts)]
    assert len(found) == 1, f"{len(found)} cells start with {starts!r}"
    return found[0]


def edit(nb, starts: str, old: str, new: str) -> None:
    target = cell(nb, starts)
    assert old in target.source, f"{old!r} is not in the cell starting with {starts!r}"
    target.source = target.source.replace(old, new)


def body(nb, starts: str, header: str, new_body: str) -> None:
    """Replace the body of ``def``/``class`` line ``header`` (its indented block) in the cell by ``new_body``."""
    target = cell(nb, starts)
    target.source = replace_def(target.source, header, new_body)


def made(change: Callable) -> Callable[[Path], Path]:
    def write(out: Path) -> Path:
        nb = nbformat.read(REFERENCE, as_version=4)
        change(nb)
        nbformat.write(nb, str(out))
        return out

    write.__doc__ = change.__doc__
    return write


GRADS = "# 1.1: layout as in the handout"
BCE = "# 1.2: binary cross-entropy"
ANSWERS_21 = "# 2.1"
NET3 = "# 2.2.4"
CONV = "# 3.2"
CPU = "## for reproducibility"
GPU = "# Copy the code from (i)"
ACC = "### Accuracy on whole data set"
TRAIN = "def train("


@made
def seed_answers(nb) -> None:
    """The seed write-up's answers: dz/dA = sum of 2 a_ii (a scalar), dz/dy of Ay = A (numerator layout),
    Normalize as "image x std / mean", no dataset sizes; everything else as the reference."""
    body(nb, GRADS, "def dz_dA(A):", '"""z = trace(A^T A)."""\nreturn np.sum(2 * np.diag(A))')
    body(nb, GRADS, "def dZ_dy(A, y):", '"""z = A y."""\nreturn A')
    body(nb, ANSWERS_21, "def normalize(x, mean, std):", '''"""image = image x std / mean"""
mean = torch.as_tensor(mean, dtype=x.dtype).view(-1, 1, 1)
std = torch.as_tensor(std, dtype=x.dtype).view(-1, 1, 1)
return x * std / mean''')
    target = cell(nb, ANSWERS_21)
    target.source = target.source[:target.source.index("\n\ndef dataset_sizes")] + "\n"
    edit(nb, "transform = transforms.Compose", "print('training samples:', len(train_data))\n"
         "print('test samples:', len(test_data))\n", "")  # (2.1(ii) missing in the seed)


STARTER_CPU = """## for reproducibility
torch.manual_seed(7)
np.random.seed(7)

## Instantiating classifier
net = Net().cuda()

## Defining optimizer and loss function
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

## Defining Training Parameters
num_epochs = 1 # 2 for CPU training, 10 for GPU training
running_loss_list = [] # list to store running loss in the code below
for epoch in range(num_epochs):  # loop over the dataset multiple times
    running_loss = 0.0
    for i, data in enumerate(train_loader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data
        # Fill in the training loop here.

        # print statistics
        running_loss += loss.cpu().item()
        if i % 250 == 249:    # print every 250 mini-batches
            print('[{}, {}] loss: {:.3f}'.format(epoch + 1, i + 1, running_loss / 250))
            running_loss_list.append(running_loss)
            running_loss = 0.0

print('Training Complete')
PATH = './net.pth'
torch.save(net.state_dict(), PATH)

def plot_loss_curve(running_loss_list):
    pass
"""

STARTER_TRAIN = '''def train(train_loader=train_loader, num_epochs=2, use_gpu=False, lr=0.001, momentum=0.9, model_save_path='./net.pth'):
    """
    A function to train on the entire dataset for a given number of epochs.
    Returns:
        running_loss_list: a list of loss averaged over a minibatch of size 250
    """
    return running_loss_list

def test(test_loader=test_loader, model_path='./net.pth'):
    acc  = ## stores the accuracy computed in the above loop
    print('Accuracy of the network on the 10000 test images: %d %%' % (acc))
'''


@made
def starter(nb) -> None:
    """The course's starter as handed out: nothing filled in, its defects kept (``dataiter.next()``,
    ``Net().cuda()`` in the CPU cell, ``acc  = ##``, ``torch.load`` without ``map_location``), no answers."""
    nb.cells = [c for c in nb.cells if not c.source.startswith("# PSET4: Classification")]
    answers = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Answers the grader checks"))
    nb.cells = nb.cells[:answers]
    nb.cells = [c for c in nb.cells if not c.source.startswith("# 2.4 (ii): the four runs")]
    data = cell(nb, "transform = transforms.Compose")
    data.source = data.source[:data.source.index("\n\n# 2.1 (ii)")]
    for starts in ("# get some random training images", "dataiter = iter(test_loader)"):
        edit(nb, starts, "next(dataiter)  # fix 1", "dataiter.next()")
        if "fix 1: the starter's" in cell(nb, starts).source:
            edit(nb, starts, "  # fix 1: the starter's dataiter.next()", "")
    edit(nb, "dataiter = iter(test_loader)", "torch.load(PATH, map_location='cpu'))  # fix 4", "torch.load(PATH))")
    cell(nb, CPU).source = STARTER_CPU
    cell(nb, GPU).source = "# Copy the code from (i), and modify it to run on GPUs for 20 epochs"
    target = cell(nb, ACC)
    target.source = target.source[:target.source.index("# BEGIN SOLUTION")] + (
        "acc  = ## stores the accuracy computed in the above loop\n"
        "print('Accuracy of the network on the 10000 test images: %d %%' % (acc))")
    cell(nb, TRAIN).source = STARTER_TRAIN
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
            assert "SOLUTION" not in c.source, c.source[:80]


@made
def without_answers(nb) -> None:
    """A full solution without the answers section (a real student's notebook, written before the template had it)."""
    answers = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Answers the grader checks"))
    nb.cells = nb.cells[:answers]


@made
def old_pytorch(nb) -> None:
    """Filled in correctly on the course's PyTorch: ``dataiter.next()`` and ``Net().cuda()`` in the CPU cell,
    ``torch.load(PATH)`` without ``map_location``."""
    edit(nb, "# get some random training images", "next(dataiter)", "dataiter.next()")
    edit(nb, "dataiter = iter(test_loader)", "next(dataiter)", "dataiter.next()")
    edit(nb, "dataiter = iter(test_loader)", "torch.load(PATH, map_location='cpu')", "torch.load(PATH)")
    edit(nb, CPU, "net = Net()  # fix 2: the starter's Net().cuda() in the CPU cell", "net = Net().cuda()")
    edit(nb, CPU, "        inputs, labels = data\n", "        inputs, labels = data[0].cuda(), data[1].cuda()\n")


CASE_KINDS = ("buggy", "alternative")


def load_cases(folder: Path) -> list[Path]:
    return sorted(p.parent for p in Path(folder).glob("*/case.toml"))


def build_case(case_dir: Path, out: Path) -> dict:
    """The reference with the case's edits, written to ``out``; returns the case's table."""
    case = tomllib.loads((Path(case_dir) / "case.toml").read_text())
    assert case.get("kind") in CASE_KINDS, f"{case_dir}: kind must be one of {CASE_KINDS}"
    assert set(case) <= {"description", "kind", "lost", "message", "note", "edit", "cell"}, sorted(case)
    assert (case["kind"] == "alternative") == (case["lost"] == []), f"{case_dir}: alternatives lose nothing"
    nb = nbformat.read(REFERENCE, as_version=4)
    for change in case.get("edit", []):
        edit(nb, change["cell"], change["old"], change["new"])
    for change in case.get("cell", []):
        cell(nb, change["cell"]).source = change["source"]
    nbformat.write(nb, str(out))
    return case
