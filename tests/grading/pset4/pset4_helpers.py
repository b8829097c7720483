"""What pset4's grading tests and make_fixtures.py share: cases, budgets, notebook access and checks.

Loaded by path under this unique name (conftest.py for the tests, make_fixtures.py for the generator).
The notebook's namespace is ``session.module("__notebook__")``; generic torch helpers that run in the worker
are ``session.module("_autograder_probes")``. The course's top-level cells (the training loop of Q3(i), its
GPU copy, the accuracy cell) are not functions: they are found in the saved notebook on the grader's side
(``notebook_cells``, ``training_cells``, ``assignment_cell``) and their code runs in the worker on the grader's
model and batches (``probes.code_namespace`` / ``probes.run_code``). Expected values and hidden labels never
go to the worker.
"""

from __future__ import annotations

import ast
import math
import re
from functools import lru_cache
from typing import Any

import numpy as np

from autograder import checks
from autograder.errors import GradingFailure, StudentCodeError
from autograder.session import RemoteObject, Session

__tracebackhide__ = True

# -- the answers section -------------------------------------------------------------------------------
GRAD = dict(m=4, n=3, seed=41)
BCE_CASES = [(1.0, 0.9), (0.0, 0.9), (1.0, 0.2), (0.0, 0.35), (1.0, 0.5), (0.0, 0.05), (1.0, 0.73)]
NORMALIZE = dict(shape=(3, 4, 5), mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616), seed=43)
SIZES = (50000, 10000)  # CIFAR-10's training and test sets
NET3_BATCHES = (4, 16, 25)  # 25: the unchanged view(-1, 400) silently regroups such a batch
CONV = dict(c_in=32, c_out=64, k=3, h=64, w=64, want=(64, 32, 32))

# -- the code parts --------------------------------------------------------------------------------------
MEAN, STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)  # the starter's Normalize
# The grader's model for the loops: the starter's Net as torch.nn layers (its own weights, from a seed), so
# that the loops are tested apart from the student's Net (a real student changed it to kernel size 3).
NET_LAYERS = [["Conv2d", [3, 6, 5]], ["ReLU"], ["MaxPool2d", [2, 2]], ["Conv2d", [6, 16, 5]], ["ReLU"],
              ["MaxPool2d", [2, 2]], ["Flatten"], ["Linear", [400, 120]], ["ReLU"], ["Linear", [120, 84]],
              ["ReLU"], ["Linear", [84, 10]]]
LOOP = dict(num_images=24, batch_size=4, lr=0.01, momentum=0.9, seed=11)
ACC = dict(batch_size=4, correct_per_batch=[4, 3, 2, 1, 0, 4, 3, 2, 1, 2], seed=12)  # 22 of 40; the last 2 of 4
# train(): a bounded budget of the starter's recipe (SGD, momentum 0.9) on CIFAR-10 images (the synthetic
# stand-in offline); running_loss_list gets one entry per 250 mini-batches.
# Measured spread of the reference's held-out accuracy over 8 seeds (2026-2033): 2,000 images at lr 0.01, 0.19-0.41
# (too wide: a correct notebook could fall under any useful mark); 4,000 images at lr 0.005, 0.52-0.67 (chance 0.10;
# a train that never calls backward stays near it). About 5 s per run on one thread.
BUDGET = dict(num_train=4000, num_test=500, batch_size=4, epochs=2, lr=0.005, momentum=0.9, seed=2023,
              train_subset_seed=1, test_subset_seed=2)
BIG_BATCH = dict(num_train=4000, batch_size=16, epochs=1)
# The mark: a normal fit of the reference's accuracies over these seeds, and of the kernel-3 Net's (the grading seed
# first: a student's train initializes differently, or seeds itself, like another seed); make_fixtures.py.
CALIBRATION_SEEDS = tuple(range(2023, 2033))
EVERY = 250  # the starter appends running_loss every 250 mini-batches


def nb(session: Session) -> RemoteObject:
    return session.module("__notebook__")


def probes(session: Session) -> RemoteObject:
    return session.module("_autograder_probes")


def answer(session: Session, name: str, question: str) -> Any:
    """The notebook's ``name`` from the answers section, or a failure saying that ``question`` is not answered."""
    try:
        value = getattr(nb(session), name)
    except StudentCodeError as exc:
        if exc.exc_type == "AttributeError" and "does not define" in exc.message:
            raise GradingFailure(f"{question}: not answered (the notebook defines no `{name}`; the template's "
                                 "answers section has a cell for it)") from None
        raise
    if isinstance(value, RemoteObject) and value.remote_type in ("builtins.tuple", "builtins.list"):
        return session.plain(value)  # (1, 2) as a value, not a handle
    return value


def scalar(value: Any, name: str) -> float:
    array = checks.as_array(value, name)
    checks.assert_true(array.size == 1, f"{name}: expected a single number, got an array of shape {array.shape}")
    return float(array.reshape(()))


def assert_number(got: float, expected: float, name: str, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    checks.assert_close(np.array([got], dtype=np.float64), np.array([expected], dtype=np.float64), name,
                        rtol=rtol, atol=atol)


def as_fraction(value: float, expected: float, tolerance: float) -> tuple[float, str]:
    """An accuracy read as a fraction, and how it was given: "a percent" (55.0) or "a fraction" (0.55)."""
    if value > 1.0 + 1e-9 or (abs(value / 100.0 - expected) <= tolerance and abs(value - expected) > tolerance):
        return value / 100.0, "a percent"
    return value, "a fraction"


# -- the notebook's cells, read on the grader's side ---------------------------------------------------------
def notebook_cells(session: Session, assignment: Any) -> list[tuple[int, str, ast.Module | None]]:
    """(index, code as Python, parsed tree or None) of each code cell of the submitted notebook."""
    from autograder import notebook

    path = notebook.locate(session.root, str(assignment.settings.get("notebook", f"{assignment.id}.ipynb")))
    cells = []
    for index, cell in enumerate(notebook.read(path).cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        python = notebook.as_python(cell.source)
        try:
            tree = ast.parse(python)
        except notebook.UNPARSABLE:
            tree = None
        cells.append((index, python, tree))
    return cells


def _iterates(loop: ast.For, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(loop.iter))


def training_cells(cells: list) -> list[tuple[int, str, int]]:
    """The cells with a top-level training loop (a ``for`` holding a ``for`` over ``train_loader``), in order:
    (index, source, position of that loop statement in the cell's body)."""
    found = []
    for index, python, tree in cells:
        if tree is None:
            continue
        for position, node in enumerate(tree.body):
            if isinstance(node, ast.For) and any(isinstance(n, ast.For) and _iterates(n, "train_loader")
                                                 for n in ast.walk(node)):
                found.append((index, python, position))
                break
    return found


def unparsable_cells(cells: list) -> list[int]:
    return [index for index, _, tree in cells if tree is None]


def assignment_cell(cells: list, name: str) -> tuple[int, str] | None:
    """The first cell that assigns ``name`` at its top level, outside definitions."""
    for index, python, tree in cells:
        if tree is not None and any(isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and name in {
                n.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                for n in ast.walk(t) if isinstance(n, ast.Name)} for node in tree.body):
            return index, python
    return None


def split_at(python: str, position: int) -> tuple[str, str]:
    """The code before the statement at ``position`` (line numbers kept) and that statement alone (likewise)."""
    tree = ast.parse(python)
    lines = python.splitlines()
    node = tree.body[position]
    before = "\n".join(lines[:node.lineno - 1])
    statement = "\n" * (node.lineno - 1) + "\n".join(lines[node.lineno - 1:node.end_lineno])
    return before + "\n", statement + "\n"


GRADERS_NAMES = frozenset({"Net", "net", "train_loader", "test_loader"})  # bound by the grader: never replaced


def earlier_settings(cells: list, index: int) -> list[tuple[int, str]]:
    """Settings an earlier cell makes that cell ``index`` reads (``device = torch.device('cuda' if ...)`` in a cell
    of its own): top-level assignments whose values read only imported modules and builtins, the last one of each
    name, as (cell index, code with its line numbers kept). The grader runs them first, as Jupyter had. Names the
    grader binds (``GRADERS_NAMES``) are left alone."""
    import builtins

    imported = {(a.asname or a.name).split(".")[0] for _, _, tree in cells if tree is not None for node in tree.body
                if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names}
    tree = next(t for i, _, t in cells if i == index)
    reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    binds = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    found: dict[str, tuple[int, str]] = {}
    for i, python, other in cells:
        if i >= index or other is None:
            continue
        lines = python.splitlines()
        for node in other.body:
            if not (isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets)):
                continue
            names = {t.id for t in node.targets}
            free = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            if names & (reads - binds) and not names & GRADERS_NAMES and free <= imported | set(dir(builtins)):
                code = "\n" * (node.lineno - 1) + "\n".join(lines[node.lineno - 1:node.end_lineno]) + "\n"
                found.update({name: (i, code) for name in names})
    return sorted(set(found.values()))


def run_settings(session: Session, ns: RemoteObject, cells: list, index: int, what: str) -> None:
    for i, code in earlier_settings(cells, index):
        run_cell_code(session, ns, code, i, what)


def run_cell_code(session: Session, ns: RemoteObject, source: str, index: int, what: str) -> None:
    """Run code of cell ``index`` in ``ns``; the student's exception is said as the cell's."""
    try:
        probes(session).run_code(ns, source, f"cell {index + 1}")
    except StudentCodeError as exc:
        raise relabeled(exc, "run_code", what) from None


def relabeled(exc: StudentCodeError, doing: str, what: str) -> Exception:
    """``exc`` (raised while the grader's helper ``doing`` ran the student's code) said of ``what`` instead."""
    if exc.exc_type == "NotImplementedError":
        return type(exc)(f"{what}: not implemented yet (NotImplementedError){exc.at}", exc_type=exc.exc_type,
                         traceback=exc.traceback, where=exc.where)
    detail = str(exc).removeprefix(f"{doing} raised ").removesuffix(exc.at)
    return GradingFailure(f"{what} raised {detail}{exc.at}")


def call_capturing(session: Session, fn: RemoteObject, what: str, **kwargs: Any) -> dict:
    """``fn(**kwargs)`` in the worker with what it prints: ``{"result": ..., "printed": text}``."""
    try:
        return probes(session).call_capturing(fn, **kwargs)
    except StudentCodeError as exc:
        raise relabeled(exc, "call_capturing", what) from None


# -- models, data ---------------------------------------------------------------------------------------
def model_state(state: list[list], seed: int) -> list[np.ndarray]:
    """Weights N(0, 1/fan_in) and biases N(0, 0.1) for ``[name, shape, dtype]`` entries, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    arrays = []
    for name, shape, _ in state:
        shape = tuple(shape)
        if name.endswith("weight"):
            value = rng.normal(0.0, 1.0 / math.sqrt(max(1, math.prod(shape[1:]))), size=shape)
        else:
            value = rng.normal(0.0, 0.1, size=shape)
        arrays.append(value.astype(np.float32))
    return arrays


def state_spec(session: Session, model: RemoteObject) -> list[list]:
    arrays = probes(session).state_arrays(model)
    names = [name for name, _ in probes(session).summary(model)["state"]]
    return [[name, list(a.shape), str(a.dtype)] for name, a in zip(names, arrays, strict=True)]


def grader_model(session: Session, seed: int) -> RemoteObject:
    """The grader's Net (torch.nn layers) with weights drawn from ``seed``."""
    p = probes(session)
    model = p.sequential(NET_LAYERS)
    p.load_state_by_shape(model, model_state(state_spec(session, model), seed))
    return model


def random_images(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)


def loader(session: Session, images: np.ndarray, labels: np.ndarray, batch_size: int, shuffle: bool = False,
           seed: int = 0) -> RemoteObject:
    """A DataLoader over ``images`` as the starter's transform gives them (ToTensor, Normalize 0.5)."""
    p = probes(session)
    data = p.array_dataset(images, labels, mean=list(MEAN), std=list(STD))
    return p.loader(data, batch_size=batch_size, shuffle=shuffle, seed=seed)


def predictions(session: Session, model: RemoteObject, images: np.ndarray) -> np.ndarray:
    """The model's predicted classes for ``images`` (no labels sent)."""
    p = probes(session)
    data = p.array_dataset(images, np.zeros(len(images), dtype=np.int64), mean=list(MEAN), std=list(STD))
    logits = checks.assert_shape(p.predict_logits(model, data), (len(images), 10),
                                 "the model's outputs on the test images")
    checks.assert_finite(logits, "the model's outputs on the test images")
    return np.argmax(logits, axis=1)


def labels_with_pattern(predicted: np.ndarray, correct_per_batch: list[int], batch_size: int,
                        seed: int) -> np.ndarray:
    """Labels that the given predictions get right ``correct_per_batch[b]`` times in batch ``b`` (the first ones
    of each batch), wrong elsewhere: an accuracy computed over one batch, or a wrong count, shows."""
    rng = np.random.default_rng(seed)
    labels = predicted.copy()
    for b, right in enumerate(correct_per_batch):
        for i in range(b * batch_size + right, (b + 1) * batch_size):
            labels[i] = (predicted[i] + rng.integers(1, 10)) % 10
    return labels.astype(np.int64)


@lru_cache(maxsize=1)
def budget_data() -> dict[str, np.ndarray]:
    """CIFAR-10 subsets from ``autograder.datasets`` (the real data where installed, else the stand-in)."""
    from autograder import datasets

    b = BUDGET
    n_train = max(b["num_train"], BIG_BATCH["num_train"])
    train = datasets.subset(datasets.load("cifar10", "train"), n_train, seed=b["train_subset_seed"])
    test = datasets.subset(datasets.load("cifar10", "test"), b["num_test"], seed=b["test_subset_seed"])
    return {"train_images": train.images, "train_labels": train.labels, "test_images": test.images,
            "test_labels": test.labels}


def budget_fingerprint_data() -> list[np.ndarray]:
    d = budget_data()
    return [d["train_images"], d["train_labels"], d["test_images"], d["test_labels"]]


def expected_length(num_images: int, batch_size: int, epochs: int) -> int:
    return epochs * (math.ceil(num_images / batch_size) // EVERY)


def run_train(session: Session, batch_size: int, num_train: int, epochs: int, seed: int, path: str) -> Any:
    """The notebook's ``train`` on the budget's images (shuffled, seeded), as the starter calls it: returns
    what it returned, plain."""
    d, b = budget_data(), BUDGET
    probes(session).seed(seed)
    train_loader = loader(session, d["train_images"][:num_train], d["train_labels"][:num_train], batch_size,
                          shuffle=True, seed=seed)
    return session.plain(nb(session).train(train_loader=train_loader, num_epochs=epochs, use_gpu=False,
                                            lr=b["lr"], momentum=b["momentum"], model_save_path=path))


def saved_accuracy(session: Session, path: str) -> float:
    """Accuracy on the held-out images of the notebook's ``Net()`` loaded from ``path`` (labels stay here)."""
    d = budget_data()
    model = nb(session).Net()
    probes(session).load_state(model, path)
    return float(np.mean(predictions(session, model, d["test_images"]) == d["test_labels"]))


def describe_budget(batch_size: int, num_train: int, epochs: int) -> str:
    b = BUDGET
    return (f"train(train_loader, num_epochs={epochs}, use_gpu=False, lr={b['lr']}, momentum={b['momentum']}, "
            f"model_save_path=...) on {num_train} CIFAR-10 images in batches of {batch_size}")


NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*%?")


def printed_accuracy(text: str) -> tuple[float, bool] | None:
    """The accuracy printed: the last number followed by a % sign, else the last number; and whether it had one."""
    found = [f.strip() for f in NUMBER.findall(text)]
    if not found:
        return None
    percents = [f for f in found if f.endswith("%")]
    last = (percents or found)[-1]
    return float(last.rstrip("%").strip()), last.endswith("%")


# -- the top-level training loop (Q3 (i) and its GPU copy) ------------------------------------------------------
def find_training_cell(session: Session, assignment: Any, which: int, what: str) -> tuple[int, str, int, list]:
    """(index, source, position of the loop, every cell) of the ``which``-th training cell."""
    cells = notebook_cells(session, assignment)
    found = training_cells(cells)
    if len(found) <= which:
        broken = unparsable_cells(cells)
        note = (f"; cells {', '.join(str(i + 1) for i in broken)} do not parse (a syntax error), so the grader "
                "could not look inside them") if broken else ""
        raise GradingFailure(f"{what}: no {'first' if which == 0 else 'second'} cell with a training loop (a "
                             f"`for` over `train_loader` inside the loop over the epochs) at its top level{note}")
    return (*found[which], cells)


def run_training_cell(session: Session, cell: tuple[int, str, int, list], model: RemoteObject, images: np.ndarray,
                      labels: np.ndarray, *, own_setup: bool, what: str,
                      feedback: Any = None) -> tuple[RemoteObject, str, int]:
    """Run a training cell on the grader's ``model`` and batches: first the cell's code before its loop (with
    ``Net`` standing for the grader's model and ``train_loader`` the grader's batches), then the loop for one
    epoch. ``own_setup``: keep the cell's ``criterion`` and ``optimizer`` (the GPU copy, whose model may be
    moved first); else the grader's cross-entropy and SGD (lr, momentum of ``LOOP``) take their place.
    Returns the namespace (a handle), the loop's code and the cell's index."""
    p = probes(session)
    index, python, position, cells = cell
    before, loop = split_at(python, position)
    train_loader = loader(session, images, labels, LOOP["batch_size"])
    ns = p.code_namespace({"Net": p.returning(model), "train_loader": train_loader})
    try:
        run_settings(session, ns, cells, index, what)
        run_cell_code(session, ns, before, index, what)
    except GradingFailure as exc:  # the setup is not what is graded: say so and run the loop all the same
        if feedback is not None:
            feedback(f"(the code before the loop: {exc})")
    if not own_setup or not ns.has("optimizer") or not ns.has("criterion"):
        ns.bind(net=model, criterion=p.loss("CrossEntropyLoss"),
                optimizer=p.optimizer(model, "SGD", lr=LOOP["lr"], momentum=LOOP["momentum"]))
    elif not ns.has("net"):
        ns.bind(net=model)
    ns.bind(num_epochs=1, running_loss_list=[], train_loader=train_loader)
    return ns, loop, index


def loop_result(session: Session, cell: tuple[int, str, int, list], model: RemoteObject, images: np.ndarray,
                labels: np.ndarray, what: str, feedback: Any = None) -> tuple[list[float], list[np.ndarray]]:
    """(the loss of each batch, as the criterion computed it; the model's state after one epoch) of the training
    loop of ``cell`` on the grader's model, batches, criterion and optimizer."""
    p = probes(session)
    ns, loop, index = run_training_cell(session, cell, model, images, labels, own_setup=False, what=what,
                                        feedback=feedback)
    recorder = p.record_calls(ns["criterion"], "forward")
    run_cell_code(session, ns, loop, index, what)
    losses = [float(np.asarray(c["result"])) for c in session.fetch(recorder.calls) if c["error"] is None]
    return losses, p.state_arrays(model)
