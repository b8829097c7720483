"""Shared by hw0's grading tests and make_fixtures.py: the notebooks' handles, the cases, and the checks that
read what students' functions return (tensors or arrays, fractions or percents, lists or dicts).

Student code runs in the notebooks' kernels (``submission.module("simple_train")``, ``"mnist"``); torch helpers
run there too (``_autograder_probes``). Expected values are computed here, on the grader's side.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from autograder import checks
from autograder.errors import GradingFailure
from autograder.session import RemoteObject, Session

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
#: make_cnn(c)'s trainable parameters: 378c² + 152c + 10 (the facts file; BatchNorm's running statistics are
#: buffers, not parameters).
PARAMETERS = {4: 6_666, 16: 99_210, 64: 1_558_026}
LAYERS = ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d",
          "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "MaxPool2d", "Flatten", "Linear"]
PER_CLASS_MODEL = dict(c=4, seed=4242, n=600)  # the model and images of the per-class test


def simple_train(session: Session) -> RemoteObject:
    return session.module("simple_train")


def mnist(session: Session) -> RemoteObject:
    return session.module("mnist")


def probes(session: Session) -> RemoteObject:
    return session.module("_autograder_probes")


def scalar(session: Session, value: Any, what: str) -> float:
    """A single number: a float, a 0-d tensor or array, or one of one element (a list of one too, as numpy's
    testing reads it)."""
    value = session.plain(value)
    try:
        array = checks.as_array(value, what)
    except GradingFailure:
        array = None
    checks.assert_true(array is not None and array.size == 1 and array.dtype.kind != "c",
                       f"{what} should be a number, got {value!r:.200}")
    return float(array.reshape(()))


def per_class(session: Session, value: Any, what: str) -> np.ndarray:
    """Ten per-class accuracies as fractions, from an array, list or tuple of 10 (fractions or percents), or a
    dict keyed by class index or name."""
    value = session.plain(value)
    if isinstance(value, dict):
        keys = list(value)
        by_index = {int(k): v for k, v in value.items() if isinstance(k, (int, np.integer))}
        by_name = {CLASSES.index(str(k).lower()): v for k, v in value.items() if str(k).lower() in CLASSES}
        table = by_index if len(by_index) == 10 else by_name
        checks.assert_true(len(table) == 10, f"{what}: a dict should have the 10 classes as keys (0-9 or their "
                           f"names), it has {keys[:12]!r}")
        value = [session.plain(table[k]) for k in range(10)]
    array = np.asarray(value, dtype=float).reshape(-1)
    checks.assert_true(array.size == 10, f"{what} should give 10 accuracies (one per class), got {array.size}")
    return array / 100 if array.max(initial=0) > 1 + 1e-9 else array


def images(rng: np.random.Generator, n: int) -> np.ndarray:
    """Float32 NCHW images in [0, 1], as load_cifar returns them."""
    return rng.random((n, 3, 32, 32), dtype=np.float32)


def glyph_model(session: Session, c: int, seed: int, n: int) -> tuple[RemoteObject, np.ndarray]:
    """The submission's make_cnn(c) trained by the grader's own loop (probes.fit, seeded) for two epochs on the flip
    task's upright glyphs, in eval mode, and ``n`` held-out glyph images: a model whose predictions spread over the
    classes and change upside down (random weights predict one class for every image)."""
    task = _flip_task(2000, n)
    p = probes(session)
    p.seed(seed)
    model = simple_train(session).make_cnn(c)
    p.fit(model, p.tensor(task["X"]), p.tensor(task["Y"], "int64"), epochs=2, lr=0.1, batch_size=64, seed=seed)
    return model, task["X_test"]


# -- Problem 3 -------------------------------------------------------------------------------------
def digits(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Stand-in MNIST (images in [0, 1] (n, 28, 28), digit labels): sparse random strokes, so that n = 500 of them
    have full rank (their condition number, ~46, is far below the real set's ~7e3: a step valid here is valid
    there too, scaled by λmax)."""
    X = (rng.random((n, 28, 28)) < 0.18) * rng.random((n, 28, 28))
    return X, rng.integers(0, 10, n)


def pm1(Y: np.ndarray) -> np.ndarray:
    return (Y % 2) * 2.0 - 1


# -- training budgets (runtime tests) ------------------------------------------------------------------
CALIBRATION_SEEDS = tuple(range(1, 11))  # the reference's calibration runs (make_fixtures.py)
GRADING_SEED = CALIBRATION_SEEDS[0]  # the seed a test trains with


def declared_budgets() -> dict[str, dict[str, Any]]:
    """[budgets] of this assignment's assignment.toml (for make_fixtures.py, which gets no assignment)."""
    from pathlib import Path

    from autograder import assignment

    here = Path(__file__).resolve()
    return assignment.load(here.parent.name, here.parents[3]).budgets


def budget_data(budget: Any) -> dict[str, np.ndarray]:
    """The budget's CIFAR-10 subsets (the real data where installed, else the synthetic stand-in), as load_cifar
    gives them: float32 NCHW in [0, 1], int64 labels. Read on the grader's side; test labels stay here."""
    return _cifar_subsets(budget["train_images"], budget["test_images"])


@lru_cache(maxsize=1)  # read once per test file (conftest.py frees it): a test asks for them several times
def _cifar_subsets(train_images: int, test_images: int) -> dict[str, np.ndarray]:
    from autograder import datasets

    train = datasets.subset(datasets.load("cifar10", "train"), train_images, seed=7)
    test = datasets.subset(datasets.load("cifar10", "test"), test_images, seed=8)

    def nchw(images: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255)

    return {"X": nchw(train.images), "Y": train.labels.astype(np.int64), "X_test": nchw(test.images),
            "Y_test": test.labels.astype(np.int64)}


def flip_task(budget: Any) -> dict[str, np.ndarray]:
    """Problem 1's robustness task, made on the grader's side: ten classes of glyphs in mirror pairs (class 2i is
    glyph i, class 2i + 1 the same glyph upside down) at random places on noise. Turning an image upside down
    turns its class into its partner's, so a network trained on upright images only scores near chance on them
    flipped, and one trained to handle both cannot tell a pair apart once flipped: at best half of each. (The
    CIFAR-10 stand-in's textures look alike upside down, and the real CIFAR-10 is not there to grade with.)"""
    return _flip_task(budget["train_images"], budget["test_images"])


@lru_cache(maxsize=1)  # (one at a time: the grader's memory shares the box with the kernel's)
def _flip_task(train_images: int, test_images: int) -> dict[str, np.ndarray]:
    shapes_rng = np.random.default_rng(5)
    glyphs: list[np.ndarray] = []
    while len(glyphs) < 5:
        glyph = shapes_rng.random((11, 11)) < 0.45
        if (glyph != glyph[::-1]).sum() > 30:  # far from symmetric upside down
            glyphs.append(glyph)
    shapes = [g for glyph in glyphs for g in (glyph, glyph[::-1])]

    def draw(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        X = (rng.random((n, 3, 32, 32)) * 0.15).astype(np.float32)
        Y = rng.integers(0, 10, n)
        for i in range(n):
            r, c = rng.integers(0, 32 - 11, 2)
            color = (rng.random(3) * 0.4 + 0.6).astype(np.float32)
            X[i, :, r:r + 11, c:c + 11] = np.where(shapes[Y[i]], color[:, None, None], X[i, :, r:r + 11, c:c + 11])
        return X, Y.astype(np.int64)

    X, Y = draw(train_images, 1)
    X_test, Y_test = draw(test_images, 2)
    return {"X": X, "Y": Y, "X_test": X_test, "Y_test": Y_test}


def clear_caches() -> None:
    """Free the budget's data and the flip task held for the tests of one file (conftest.py, after each file)."""
    _cifar_subsets.cache_clear()
    _flip_task.cache_clear()


def fingerprint_data(budget: Any, data: dict[str, np.ndarray] | None = None) -> list[np.ndarray]:
    data = data or budget_data(budget)
    return [data["X"], data["Y"], data["X_test"], data["Y_test"]]


def accuracies(session: Session, model: RemoteObject, data: dict[str, np.ndarray]) -> tuple[float, float]:
    """Accuracy on the held-out images, and on them flipped upside down (labels never leave the grader)."""
    p = probes(session)
    model.eval()
    original = np.asarray(p.predict_logits(model, p.tensor(data["X_test"]))).argmax(axis=1)
    flipped = np.asarray(p.predict_logits(model, p.tensor(data["X_test"][:, :, ::-1, :].copy()))).argmax(axis=1)
    return float(np.mean(original == data["Y_test"])), float(np.mean(flipped == data["Y_test"]))


def plain_run(session: Session, budget: Any, seed: int, data: dict[str, np.ndarray] | None = None,
              epochs: int | None = None) -> tuple[float, float, float]:
    """The warm-up's recipe with the notebook's own helpers (make_cnn, make_loader, train_epoch) on the budget
    (``data``: the budget's CIFAR-10 by default; ``epochs``: the budget's by default): (accuracy, flipped
    accuracy, seconds on the grader's clock)."""
    from autograder.budgets import timed

    data, p, nb = data or budget_data(budget), probes(session), simple_train(session)
    p.seed(seed)
    model = nb.make_cnn(budget["width"])
    loader = nb.make_loader(p.tensor_dataset(data["X"], data["Y"]), budget["batch_size"])
    opt = p.optimizer(model, "SGD", lr=budget["lr"])
    seconds = 0.0
    for epoch in range(epochs or budget["epochs"]):
        result, spent = timed(session, nb.train_epoch, model, loader, opt)
        seconds += spent
        loss = scalar(session, result[0], f"train_epoch(...)[0] (the average loss) in epoch {epoch + 1}")
        checks.assert_true(np.isfinite(loss), f"train_epoch returned the loss {loss} in epoch {epoch + 1}")
    return (*accuracies(session, model, data), seconds)


def placement_problem(session: Session, budget: Any, seed: int) -> str:
    """Why one epoch of the notebook's train_epoch does not run the model and every batch on the device ("" when
    it does): from the tensors the model gets on a GPU; from what the CUDA shim saw sent to the device on a CPU
    grader (where .cuda() runs on the CPU)."""
    data, p, nb = budget_data(budget), probes(session), simple_train(session)
    p.seed(seed)
    model = nb.make_cnn(budget["width"])
    size = budget["batch_size"]
    loader = nb.make_loader(p.tensor_dataset(data["X"], data["Y"]), size)
    cuda = bool(p.cuda_available())
    shim = None if cuda else session.module("_autograder_cudashim")
    if shim is not None:
        shim.reset()
    watch = p.watch_forward(model)
    nb.train_epoch(model, loader, p.optimizer(model, "SGD", lr=budget["lr"]))
    forwards = session.fetch(watch.calls)
    if cuda:
        devices = sorted({d for f in forwards for d in f["devices"]})
        return "" if devices and all(d.startswith("cuda") for d in devices) else (
            f"train_epoch ran the model on inputs on {devices}: every batch belongs on the GPU")
    placed = session.fetch(shim.placements)
    # the images moved, in batches of whatever size the notebook's make_loader gives (a loop may also run the model
    # twice on a batch, for its accuracy): all of them, but for at most one batch
    batches = [(int(key[len("tensor ("):].split(",")[0]), count) for key, count in placed.items()
               if key.startswith("tensor (") and key.endswith(", 3, 32, 32)")]
    moved = sum(n * count for n, count in batches)
    if placed.get("module Sequential", 0) < 1:
        return (f"train_epoch never moves the model to the device (.cuda() or .to(device)); it moved "
                f"{sorted(placed)[:4] or 'nothing'}")
    if moved < len(data["X"]) - max((n for n, _ in batches), default=0):
        return (f"of the {len(data['X'])} training images, train_epoch moved {moved} to the device (.cuda() or "
                f".to(device)) in {len(forwards)} forward passes: each batch should be")
    return ""


def robust_run(session: Session, budget: Any, seed: int) -> tuple[float, float, float]:
    """The notebook's train_robust on the budget and the flip task, from a fresh make_cnn: (accuracy, flipped
    accuracy, seconds)."""
    from autograder.budgets import timed

    data, p, nb = flip_task(budget), probes(session), simple_train(session)
    p.seed(seed)
    model = nb.make_cnn(budget["width"])
    opt = p.optimizer(model, "SGD", lr=budget["lr"])
    returned, seconds = timed(session, nb.train_robust, model, p.tensor(data["X"]), p.tensor(data["Y"], "int64"),
                              opt, budget["robust_epochs"], budget["batch_size"])
    trained = returned if isinstance(returned, RemoteObject) else model  # (a procedure that trains in place)
    return (*accuracies(session, trained, data), seconds)


def error(session: Session, value: Any, what: str) -> float:
    """An error rate as a fraction (a percent, above 1, is read as one)."""
    rate = scalar(session, value, what)
    checks.assert_true(0 <= rate <= 100, f"{what} should be an error rate (a fraction of 1, or a percent), got "
                       f"{rate!r}")
    return rate / 100 if rate > 1 + 1e-9 else rate


def random_labels_data(budget: Any) -> dict[str, np.ndarray]:
    """Problem 2's few hundred training and test images: the first of the budget's CIFAR-10 subsets (a different
    number of each, so that a call on the test labels shows by its length)."""
    data = budget_data(budget)
    n, m = budget["random_labels_images"], budget["random_labels_test_images"]
    if n == m:
        raise ValueError("[budgets] random_labels_images and random_labels_test_images must differ (2.2a tells a "
                         "call on the test labels by its length)")
    return {"X": data["X"][:n], "Y": data["Y"][:n], "X_test": data["X_test"][:m], "Y_test": data["Y_test"][:m]}


def random_labels_run(session: Session, budget: Any, c: int, seed: int) -> dict[str, Any]:
    """The notebook's random_label_errors(c, p=1, ...) on Problem 2's images with the budget's recipe: its
    (train error, test error) as fractions, and the label counts of the calls it made to randomize_labels."""
    data, p, nb = random_labels_data(budget), probes(session), simple_train(session)
    p.seed(seed)
    recorder = p.record_calls(nb, "randomize_labels")
    rng = session.module("numpy").random.default_rng(seed)
    try:
        returned = session.plain(nb.random_label_errors(
            c, 1.0, p.tensor(data["X"]), p.tensor(data["Y"], "int64"), p.tensor(data["X_test"]),
            p.tensor(data["Y_test"], "int64"), budget["random_labels_epochs"], rng,
            batch_size=budget["random_labels_batch_size"], lr=budget["random_labels_lr"]))
    finally:
        calls = session.fetch(recorder.calls)
        recorder.restore()
    what = f"random_label_errors({c}, 1, ...)"
    checks.assert_true(isinstance(returned, (tuple, list)) and len(returned) == 2,
                       f"{what} should return (train_error, test_error), got {returned!r:.200}")
    return {"train": error(session, returned[0], f"{what}[0] (the train error)"),
            "test": error(session, returned[1], f"{what}[1] (the test error)"),
            "randomized": [(call["shapes"][0] or [None])[0] for call in calls if call["shapes"]]}
