"""hw0's fixtures, from the reference notebooks: what the network of the starter is made of (its parameters and
layers at each width), which test_hw0.py compares with the facts file's numbers, and the accuracy mark of the
warm-up's training on the CPU budget (fitted over the seeds, with room for other
CPUs' floats), the robustness mark of Problem 1 on the flip task and Problem 2's marks for random_label_errors at
p = 1 (the wide network's train error at most a mark, the narrow one's at least one). Each trained mark is a normal
fit over ten seeds of each correct variant the handout leaves open (train_robust on the union of images and flips,
or on a random half flipped each epoch; the train error from evaluate() or from the last epoch's running accuracy),
2.33 standard deviations on the failing side of the worst variant's mean: a correct answer fails with probability at
most 1%. The planted bugs' side is checked at calibration: the plain recipe stays below the robust mark, the narrow
network above the wide one's. The other tests compute their expected values on the grader's side from seeded
inputs."""

import contextlib

import hw0_helpers as h

from autograder.budgets import training_settings

TOLERANCE = 0.05  # how far another machine's calibration may move a run (trained: torch's floats vary by CPU)
MIN_SPREAD = 0.02  # the least spread a mark's fit assumes (20 of the 1,000 held-out images)
SEPARATION = 0.1  # how far a mark must sit from what the planted bugs reach (the plain recipe, the narrow network)

# Other valid ways the handout leaves open, run in the reference's kernel in place of its own (the notebook's names:
# torch, DataLoader, TensorDataset, flip_vertical, train_epoch, make_cnn, ...), so that the marks fit them too.
ROBUST_HALF_FLIPPED = """
def train_robust(model, X, Y, opt, epochs, batch_size=128):
    # each epoch, a random half of the images upside down (as transforms.RandomVerticalFlip would)
    for _ in range(epochs):
        flip = (torch.rand(len(X)) < 0.5)[:, None, None, None]
        flipped = torch.where(flip, flip_vertical(X), X)
        train_epoch(model, DataLoader(TensorDataset(flipped, Y), batch_size=batch_size, shuffle=True), opt)
    return model
"""
RANDOM_LABELS_RUNNING = """
def random_label_errors(c, p, X, Y, X_test, Y_test, epochs, rng, batch_size=128, lr=0.1):
    # the train error of the last epoch, as train_epoch measured it while training (train mode)
    model = make_cnn(c)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    train_dl = make_loader(TensorDataset(X, randomize_labels(Y, p, rng)), batch_size)
    for _ in range(epochs):
        _, train_acc = train_epoch(model, train_dl, opt)
    _, test_acc = evaluate(model, make_loader(TensorDataset(X_test, Y_test), batch_size))
    return 1 - train_acc, 1 - test_acc
"""


def generate(reference, out, rng):
    p = h.probes(reference)
    nb = h.simple_train(reference)
    arch = {}
    for c in h.PARAMETERS:
        summary = p.summary(nb.make_cnn(c))
        arch[str(c)] = {"parameters": summary["parameters"], "modules": [kind for _, kind in summary["modules"]]}
    out.meta = {"make_cnn": arch}
    budget = h.declared_budgets()["cpu"]
    settings = training_settings(budget)  # stored with each mark: a budget edited later is refused
    seeds = out.seeds(h.CALIBRATION_SEEDS)
    wide, narrow = budget["random_labels_widths"]
    if out.wants("random_labels_wide_error_cpu") or out.wants("random_labels_narrow_error_cpu"):
        random_labels_marks(reference, out, budget, settings, seeds, wide, narrow)
    if out.wants("robust_min_accuracy_cpu"):
        robust_mark(reference, out, budget, settings, seeds)
    if out.wants("warmup_accuracy_cpu"):
        warmup = {"the course's recipe": [h.plain_run(reference, budget, seed)[0] for seed in seeds]}
        out.fitted_threshold("warmup_accuracy_cpu", warmup, seeds=seeds, min_spread=MIN_SPREAD, tolerance=TOLERANCE,
                             data=h.fingerprint_data(budget), settings=settings,
                             what="held-out accuracy of the warm-up's recipe (the notebook's make_cnn, make_loader "
                                  "and train_epoch) on the CPU budget")


def random_labels_marks(reference, out, budget, settings, seeds, wide, narrow):
    """Problem 2's marks: the wide network's train error on random labels at most one, the narrow one's at least
    the other, far enough apart to tell them."""
    data = h.fingerprint_data(budget, h.random_labels_data(budget))
    errors = {}
    for c in (wide, narrow):
        errors[c, "evaluate"] = [h.random_labels_run(reference, budget, c, seed)["train"] for seed in seeds]
        with replaced(reference, "random_label_errors", RANDOM_LABELS_RUNNING):
            errors[c, "running"] = [h.random_labels_run(reference, budget, c, seed)["train"] for seed in seeds]
    ways = {"evaluate": "evaluate() after training", "running": "the last epoch's running accuracy"}
    fits = out.fitted_threshold(
        "random_labels_wide_error_cpu", {ways[w]: errors[wide, w] for w in ways}, seeds=seeds, min_spread=MIN_SPREAD,
        tolerance=TOLERANCE, data=data, settings=settings, higher_passes=False,
        what=f"train error of make_cnn({wide}) on random labels (p = 1)")
    cannot = out.fitted_threshold(
        "random_labels_narrow_error_cpu", {ways[w]: errors[narrow, w] for w in ways}, seeds=seeds,
        min_spread=MIN_SPREAD, tolerance=3 * TOLERANCE, data=data, settings=settings,
        what=f"train error of make_cnn({narrow}) on random labels (p = 1)")
    if cannot <= fits + SEPARATION:
        raise ValueError(f"on random labels make_cnn({wide}) (mark {fits:.3f}) and make_cnn({narrow}) (mark "
                         f"{cannot:.3f}) are too close to tell apart: enlarge the budget")


def robust_mark(reference, out, budget, settings, seeds):
    """Problem 1's mark on the flip task, above what the plain recipe reaches on it."""
    task = h.flip_task(budget)
    plain = [min(h.plain_run(reference, budget, seed, task, budget["robust_epochs"])[:2]) for seed in seeds]
    robust = {"the union of the images and their flips": [min(h.robust_run(reference, budget, seed)[:2])
                                                         for seed in seeds]}
    with replaced(reference, "train_robust", ROBUST_HALF_FLIPPED):
        robust["a random half flipped each epoch"] = [min(h.robust_run(reference, budget, seed)[:2]) for seed in seeds]
    mark = out.fitted_threshold("robust_min_accuracy_cpu", robust, seeds=seeds, min_spread=MIN_SPREAD,
                                tolerance=TOLERANCE, data=h.fingerprint_data(budget, task), settings=settings,
                                what="min(original, flipped) held-out accuracy of train_robust on the flip task")
    if mark <= max(plain) + SEPARATION:
        raise ValueError(f"the flip task does not tell robust training (mark {mark:.3f}) from the plain recipe "
                         f"({plain})")


@contextlib.contextmanager
def replaced(reference, name, source):
    """The notebook's ``name`` replaced by the function ``source`` defines (in the notebook's names) meanwhile."""
    nb = h.simple_train(reference)  # (first: it selects simple_train's kernel, where the probes then run)
    own, p = getattr(nb, name), h.probes(reference)
    ns = p.code_namespace()
    p.run_code(ns, source, f"make_fixtures: another {name}")
    setattr(nb, name, ns[name])
    try:
        yield
    finally:
        setattr(nb, name, own)
