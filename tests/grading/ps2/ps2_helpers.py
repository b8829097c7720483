"""What ps2's grading tests and make_fixtures.py share: cases, budgets, notebook access and checks.

Loaded by path under this unique name (conftest.py for the tests, make_fixtures.py for the
generator), since pytest's importlib mode does not put this folder on ``sys.path``.

The notebook's namespace is ``session.module("__notebook__")``; generic torch helpers that run in the
worker are ``session.module("_autograder_probes")``. Everything here drives a ``Session`` (the
submission's or the reference's) the same way, so the fixtures come from the code path that grades.
Models get their weights from the grader (``model_state``: drawn from a seed, matched to the
student's layers by shape), so that architectures are compared by their outputs, not by their names.
Hidden labels (the held-out images of the training budget) never go to the worker.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from autograder import checks
from autograder.errors import GradingFailure, StudentCodeError
from autograder.session import RemoteObject, Session

__tracebackhide__ = True

# -- 2.1 k-nearest neighbors -------------------------------------------------------------------------
KNN = dict(num_train=60, num_test=15, dim=3072)  # uint8-valued images, sent as float64
DIST_RTOL, DIST_ATOL = 1e-5, 1e-3  # distances are ~5000: room for float32 and the expansion trick
# Vectorization: many test points, few training points and dimensions, so that a Python loop over
# the test points costs far more than any batched implementation (broadcasting included).
KNN_SPEED = dict(num_test=5000, num_train=5, dim=3)
MAX_RATIO = 10.0  # at most this many times the reference's time ...
FLOOR_S = 0.01  # ... unless faster than this anyway (timer noise)
TIMING_ROUNDS = 3
GRID = dict(num_train=300, num_val=80, dim=16, classes=5, k_choices=[1, 3, 5, 8, 10, 12, 15, 20, 50, 100])
# 2.1a.iii: (k, labels of the neighbors from nearest to farthest) where the vote ties or k = 1; the
# nearest label is the larger one, so "first seen wins" differs from "smallest label wins"
VOTE_CASES = [(1, [4]), (2, [7, 2]), (4, [6, 3, 6, 3]), (5, [9, 1, 9, 1, 5]), (3, [8, 8, 1]), (3, [5, 0, 2])]

# -- 2.2 softmax ---------------------------------------------------------------------------------------
SOFTMAX = dict(classes=10, dim=50, batch=30)
SOFTMAX_GC = dict(classes=10, dim=20, batch=8)
SANITY = dict(classes=10, dim=100, batch=40, scale=1e-4)  # loss close to ln 10
SGD = dict(classes=10, dim=20, num_train=60, batch_size=16, num_iters=6, lr=0.05)
RTOL, ATOL = 1e-6, 1e-8

# -- 2.3 PyTorch -----------------------------------------------------------------------------------------
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
TORCH_RTOL, TORCH_ATOL = 1e-4, 1e-4
LOADER = dict(num_train=100, num_val=40, batch_size=16, seed=7)
# 2.3c: a small model built by the grader, so that the loops are tested apart from the student's models
TINY_MODEL = [["Conv2d", [3, 8, 3], {"stride": 2, "padding": 1}], ["BatchNorm2d", [8]], ["ReLU"],
              ["AdaptiveAvgPool2d", [1]], ["Flatten"], ["Linear", [8, 10]]]
LOOP = dict(num_images=64, batch_size=16, lr=0.05, momentum=0.9, seed=11)
ARCH_BATCH = 4
BLOCKS = {"identity": [16, 16, 1], "projection": [16, 32, 2]}  # ResidualBlock(in, out, stride)
# The training budget of 2.3d-f: the student's model and train_epoch, the grader's data and optimizer.
BUDGET = dict(num_train=2000, num_test=500, epochs=2, batch_size=64, lr=0.01, momentum=0.9, seed=2023,
              train_subset_seed=1, test_subset_seed=2)
# The pass mark: a normal fit of the reference's accuracies over CALIBRATION_SEEDS runs (the grading seed first: a
# student's model initializes differently, like another seed); make_fixtures.py. Measured spread of the
# reference over six seeds: MLP 0.24-0.27, CNN 0.26-0.33, ResNet 0.30-0.42 (chance: 0.10).
CALIBRATION_SEEDS = tuple(range(2023, 2033))
MODELS = ("MLP", "CNN", "ResNet")


def nb(session: Session) -> RemoteObject:
    """The notebook's namespace in the worker."""
    return session.module("__notebook__")


def probes(session: Session) -> RemoteObject:
    return session.module("_autograder_probes")


# -- the notebook's source, read on the grader's side ------------------------------------------------------
def notebook_path(session: Session, assignment: Any) -> Any:
    """The submitted notebook (read as text by ``codecheck``, never executed here)."""
    from autograder import notebook

    return notebook.locate(session.root, str(assignment.settings.get("notebook", f"{assignment.id}.ipynb")))


def assert_loops(session: Session, assignment: Any, qualname: str, at_most: int) -> None:
    from autograder import codecheck

    codecheck.assert_max_loops(notebook_path(session, assignment), qualname, at_most)


# -- 2.1 ------------------------------------------------------------------------------------------------
def knn(session: Session, X_train: np.ndarray, y_train: np.ndarray) -> RemoteObject:
    classifier = nb(session).KNearestNeighbor()
    classifier.train(np.asarray(X_train, dtype=np.float64), np.asarray(y_train, dtype=np.int64))
    return classifier


def vote_case_dists(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Training labels, a distance matrix and the k of each row: row i of VOTE_CASES has its own
    training points, at distances 1, 2, 3... (plus jitter) with the labels of the case, and every
    other point farther than 50; four more rows are random. No two distances in a row tie."""
    labels = [np.array(case, dtype=np.int64) for _, case in VOTE_CASES]
    y_train = np.concatenate(labels + [rng.integers(0, 10, size=12)])
    num_train, rows, ks, start = len(y_train), [], [], 0
    for k, case in VOTE_CASES:
        row = rng.uniform(50.0, 100.0, size=num_train)
        row[start:start + len(case)] = np.arange(1, len(case) + 1) + rng.uniform(0.0, 0.5, size=len(case))
        rows.append(row)
        ks.append(k)
        start += len(case)
    for k in (1, 3, 5, 7):
        rows.append(1.0 + rng.permutation(num_train) + rng.uniform(0.0, 0.5, size=num_train))
        ks.append(k)
    return np.array(rows), y_train, ks


def knn_votes(dists: np.ndarray, y_train: np.ndarray, k: int) -> np.ndarray:
    """The assignment's rule on the grader's side: majority of the k nearest, smallest label on ties."""
    nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]
    return np.array([np.argmax(np.bincount(y_train[row], minlength=10)) for row in nearest])


def grid_accuracies(dists: np.ndarray, y_train: np.ndarray, y_val: np.ndarray, k_choices: list[int]) -> np.ndarray:
    return np.array([np.mean(knn_votes(dists, y_train, k) == y_val) for k in k_choices])


def scalar(value: Any, name: str) -> float:
    """``value`` as one float, or a failure saying what it was instead."""
    array = checks.as_array(value, name)
    checks.assert_true(array.size == 1, f"{name}: expected a single number, got an array of shape {array.shape}")
    return float(array.reshape(()))


def as_fraction(value: float, expected: float) -> float:
    """An accuracy given as a percentage (37.5 for 0.375) read as a fraction, when that is what it is."""
    if value > 1.0 + 1e-9 and abs(value / 100.0 - expected) <= 1e-6:
        return value / 100.0
    return value


def assert_as_fast_as_reference(submission: Session, reference: Session, assignment: Any, method: str,
                                X_train: np.ndarray, X_test: np.ndarray, described: str) -> None:
    """Time ``method`` on the same input in both workers, alternating; fail on a large ratio
    (each side keeps its best time over up to TIMING_ROUNDS rounds, stopping once one passes), or when the
    submission's method does not return distances of the right shape or is the template's stub (a stub is fast;
    its values are checked apart: a wrong but vectorized method passes this part)."""
    from autograder import codecheck

    sides = {}
    for label, session in (("reference", reference), ("submission", submission)):
        classifier = knn(session, X_train, np.zeros(len(X_train), dtype=np.int64))
        sides[label] = (session, getattr(classifier, method), session.put(X_test))
    fn, data = sides["submission"][1:]
    codecheck.assert_implemented(lambda: fn(data), (len(X_test), len(X_train)),
                                 f"KNearestNeighbor.{method}(X) on {described}", returns="dists",
                                 test="the speed check", source=(notebook_path(submission, assignment),
                                                                 f"KNearestNeighbor.{method}"))
    best = {"reference": math.inf, "submission": math.inf}
    for _ in range(TIMING_ROUNDS):
        for label, (session, fn, data) in sides.items():
            best[label] = min(best[label], session.time_call(fn, data, repeat=3))
        if best["submission"] <= max(FLOOR_S, MAX_RATIO * best["reference"]):
            break
    codecheck.assert_runtime_ratio(best["submission"], best["reference"], f"KNearestNeighbor.{method} on "
                                   f"{described}", max_ratio=MAX_RATIO, floor_s=FLOOR_S)


# -- 2.2 ------------------------------------------------------------------------------------------------
def softmax_problem(rng: np.random.Generator, classes: int, dim: int, batch: int, scale: float = 0.1
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = rng.normal(0.0, scale, size=(classes, dim))
    X = rng.normal(size=(batch, dim))
    y = rng.permutation(np.arange(batch) % classes).astype(np.int64)
    return W, X, y


def loss_and_grad(session: Session, W: np.ndarray, X: np.ndarray, y: np.ndarray, what: str) -> tuple[float, Any]:
    result = session.plain(nb(session).softmax_loss_naive(W, X, y))
    checks.assert_true(isinstance(result, (tuple, list)) and len(result) == 2,
                       f"{what} should return a tuple (loss, dW), got {checks._describe(result)}")
    return scalar(result[0], f"{what}: the loss"), result[1]


def sgd_problem(rng: np.random.Generator) -> dict[str, Any]:
    """Data, initial W and the (loss, gradient) pairs the stubbed LinearClassifier.loss returns."""
    c = SGD
    X = rng.normal(size=(c["num_train"], c["dim"]))
    y = rng.permutation(np.arange(c["num_train"]) % c["classes"]).astype(np.int64)
    W0 = rng.normal(0.0, 0.01, size=(c["classes"], c["dim"]))
    grads = rng.normal(size=(c["num_iters"], c["classes"], c["dim"]))
    losses = np.linspace(2.3, 1.1, c["num_iters"]) + rng.uniform(0, 0.01, c["num_iters"])
    return {"X": X, "y": y, "W0": W0, "grads": grads, "losses": losses}


def run_sgd(session: Session, problem: dict[str, Any]) -> tuple[Any, list[dict], Any]:
    """Train a LinearClassifier whose loss is stubbed: returns (history, the calls to loss, final W)."""
    c = SGD
    clf = nb(session).LinearClassifier()
    clf.W = problem["W0"].copy()
    returns = [(float(loss), grad) for loss, grad in zip(problem["losses"], problem["grads"], strict=True)]
    recorder = probes(session).record_calls(clf, "loss", snapshot=("W",), returns=returns)
    history = clf.train(problem["X"], problem["y"], learning_rate=c["lr"], num_iters=c["num_iters"],
                        batch_size=c["batch_size"])
    calls = session.fetch(recorder.calls)
    return session.plain(history), calls, session.plain(clf.W)


def batch_of(call: dict) -> tuple[Any, Any]:
    """(X_batch, y_batch) of one recorded call of loss(X_batch, y_batch), however it was passed."""
    args, kwargs = list(call["args"]), call["kwargs"]
    X = args[0] if args else kwargs.get("X_batch", kwargs.get("X"))
    y = args[1] if len(args) > 1 else kwargs.get("y_batch", kwargs.get("y"))
    return X, y


# -- 2.3 ------------------------------------------------------------------------------------------------
def random_images(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)


def model_state(state: list[list], seed: int) -> list[np.ndarray]:
    """Values for a model's state entries ``[name, shape, dtype]`` (in the reference's order), drawn
    from ``seed``: weights N(0, 1/fan_in), biases and BatchNorm shifts and running means N(0, 0.1),
    BatchNorm scales and running variances U(0.5, 1.5)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for name, shape, dtype in state:
        shape = tuple(shape)
        leaf = name.rsplit(".", 1)[-1]
        if dtype.startswith("int"):
            value = np.zeros(shape, dtype=np.int64)
        elif leaf == "running_var" or (leaf == "weight" and len(shape) == 1):
            value = rng.uniform(0.5, 1.5, size=shape)
        elif leaf == "weight":
            value = rng.normal(0.0, 1.0 / math.sqrt(max(1, math.prod(shape[1:]))), size=shape)
        else:
            value = rng.normal(0.0, 0.1, size=shape)
        arrays.append(np.asarray(value, dtype=np.int64 if dtype.startswith("int") else np.float32))
    return arrays


def state_spec(session: Session, model: RemoteObject) -> list[list]:
    """``[name, shape, dtype]`` of each state entry of ``model`` (for the fixtures' meta)."""
    arrays = probes(session).state_arrays(model)
    names = [name for name, _ in probes(session).summary(model)["state"]]
    return [[name, list(a.shape), str(a.dtype)] for name, a in zip(names, arrays, strict=True)]


def load_weights(session: Session, model: RemoteObject, spec: list[list], seed: int, what: str) -> None:
    """Give ``model`` the grader's weights for the architecture ``spec``, matched by shape."""
    try:
        probes(session).load_state_by_shape(model, model_state(spec, seed))
    except StudentCodeError as exc:
        if exc.exc_type == "ValueError":
            raise GradingFailure(f"{what}: {exc.message}") from None
        raise


def epoch_result(session: Session, result: Any, what: str) -> tuple[float, float]:
    """(mean loss, accuracy) returned by train_epoch or validate, as two floats."""
    result = session.plain(result)
    checks.assert_true(isinstance(result, (tuple, list)) and len(result) == 2,
                       f"{what} should return a tuple (mean loss, accuracy), got {checks._describe(result)}")
    return scalar(result[0], f"{what}: the mean loss"), scalar(result[1], f"{what}: the accuracy")


def loop_setup(session: Session, images: np.ndarray, labels: np.ndarray, spec: list[list], seed: int
               ) -> tuple[RemoteObject, RemoteObject, RemoteObject, RemoteObject, RemoteObject]:
    """The grader's small model (with ``spec``'s weights from ``seed``), a non-shuffled loader over
    ``images``, SGD with momentum, cross-entropy and the CPU device, for train_epoch and validate."""
    p = probes(session)
    model = p.sequential(TINY_MODEL)
    p.load_state_by_shape(model, model_state(spec, seed))
    data = p.array_dataset(images, labels, mean=list(CIFAR_MEAN), std=list(CIFAR_STD))
    loader = p.loader(data, batch_size=LOOP["batch_size"], shuffle=False)
    optimizer = p.optimizer(model, "SGD", lr=LOOP["lr"], momentum=LOOP["momentum"])
    return model, loader, optimizer, p.loss("CrossEntropyLoss"), p.device("cpu")


@lru_cache(maxsize=1)
def budget_data() -> dict[str, np.ndarray]:
    """The training budget's data: CIFAR-10 subsets from ``autograder.datasets`` (the real data where
    it is installed, else the synthetic stand-in), read on the grader's side."""
    from autograder import datasets

    b = BUDGET
    train = datasets.subset(datasets.load("cifar10", "train"), b["num_train"], seed=b["train_subset_seed"])
    test = datasets.subset(datasets.load("cifar10", "test"), b["num_test"], seed=b["test_subset_seed"])
    return {"train_images": train.images, "train_labels": train.labels, "test_images": test.images,
            "test_labels": test.labels}


def budget_fingerprint_data() -> list[np.ndarray]:
    data = budget_data()
    return [data["train_images"], data["train_labels"], data["test_images"], data["test_labels"]]


def trained_accuracy(session: Session, model_name: str, seed: int | None = None) -> float:
    """Accuracy on the held-out images of the notebook's ``model_name`` after the training budget,
    trained by the notebook's train_epoch with the grader's data, loader and optimizer (``seed``: the
    initialization and the shuffling; the budget's by default). The labels of the held-out images
    stay here: the worker returns logits."""
    b, data = BUDGET, budget_data()
    seed = b["seed"] if seed is None else seed
    p, notebook = probes(session), nb(session)
    p.seed(seed)
    model = getattr(notebook, model_name)()
    train_set = p.array_dataset(data["train_images"], data["train_labels"], mean=list(CIFAR_MEAN),
                                std=list(CIFAR_STD))
    loader = p.loader(train_set, batch_size=b["batch_size"], shuffle=True, seed=seed)
    optimizer = p.optimizer(model, "SGD", lr=b["lr"], momentum=b["momentum"])
    criterion, device = p.loss("CrossEntropyLoss"), p.device("cpu")
    for epoch in range(b["epochs"]):
        epoch_result(session, notebook.train_epoch(model, loader, optimizer, criterion, device),
                     f"train_epoch({model_name}, ...) in epoch {epoch + 1}")
    hidden = np.zeros(len(data["test_images"]), dtype=np.int64)  # the real labels stay here
    test_set = p.array_dataset(data["test_images"], hidden, mean=list(CIFAR_MEAN), std=list(CIFAR_STD))
    logits = checks.assert_shape(p.predict_logits(model, test_set), (len(hidden), 10),
                                 f"{model_name}'s outputs on the held-out images")
    checks.assert_finite(logits, f"{model_name}'s outputs on the held-out images")
    return float(np.mean(np.argmax(logits, axis=1) == data["test_labels"]))


def describe_budget(model_name: str) -> str:
    b = BUDGET
    return (f"{model_name}() trained by your train_epoch for {b['epochs']} epochs on {b['num_train']} CIFAR-10 "
            f"images (SGD lr={b['lr']}, momentum={b['momentum']}, batches of {b['batch_size']}), "
            f"tested on {b['num_test']} other images")


# -- architectures (2.3b, e, f) ----------------------------------------------------------------------------
ARCH_MODULES = {  # layer types whose number the architecture fixes
    "MLP": {"Linear": 3},
    "CNN": {"Conv2d": 3, "BatchNorm2d": 3, "Linear": 1},
    "ResNet": {"BatchNorm2d": 9, "Linear": 1},
}


def check_architecture(submission: Session, fixtures: Any, name: str, make: Any, described: str) -> RemoteObject:
    """Parameter count, layer types, then the outputs in eval mode with the grader's weights (loaded by
    shape) against the reference's outputs with the same weights; returns the model."""
    meta = fixtures.meta["arch"][name]
    p = probes(submission)
    model = make(nb(submission))
    summary = p.summary(model)
    checks.assert_true(summary["parameters"] == meta["parameters"],
                       f"{described} has {summary['parameters']:,} trainable parameters; the architecture of the "
                       f"assignment has {meta['parameters']:,}")
    kinds = [kind for _, kind in summary["modules"]]
    for kind, count in ARCH_MODULES.get(name, {}).items():
        checks.assert_true(kinds.count(kind) == count,
                           f"{described} should have {count} {kind} layer(s), it has {kinds.count(kind)}")
    x = fixtures[f"arch_{name}_x"]
    expected = fixtures[f"arch_{name}_out"]
    load_weights(submission, model, meta["state"], meta["seed"], described)
    model.eval()
    out = checks.assert_shape(p.forward(model, x), expected.shape,
                              f"{described} on a batch of shape {x.shape} (eval mode)")
    checks.assert_close(out, expected, f"{described}: the outputs in eval mode with the grader's weights (the "
                        "same for the reference); are the layers and their order as specified?",
                        rtol=TORCH_RTOL, atol=TORCH_ATOL)
    return model
