"""pset4 fixtures: inputs drawn here, expected outputs recorded from the reference notebook.

Run with ``autograder fixtures pset4``. The reference notebook runs in a worker (its definitions only) and is
driven through a ``Session`` by the same helpers the grading tests use (``pset4_helpers.py``); its top-level
training loop is read from the reference notebook and run on the grader's model, as a submission's is. The
accuracy mark of 2.4d is calibrated by running the reference's ``train`` through the same budget on the same
data as grading, over ten seeds, with the reference's ``Net`` and with the kernel-3 network the handout asks
students to try in place (2.2.4: its ``Net3``): a normal fit of each, the mark 2.33 standard deviations below the
lower mean (a correct notebook of either kind fails with probability at most 1%).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pset4_helpers as h

# torch on a CPU moves with the CPU's instruction set, the build and the thread count: trained entries.
TORCH_FLOATS = dict(rtol=1e-4, atol=1e-5)
ACCURACY_TOLERANCE = 0.06  # the budget's accuracies, absolute (30 of the 500 held-out images): training is chaotic
MIN_SPREAD = 0.02  # the least spread the mark's fit assumes (10 of the 500 held-out images)


def generate(reference, out, rng: np.random.Generator) -> None:
    assignment = SimpleNamespace(id="pset4", settings={"notebook": "PSET4_Classification.ipynb"})
    loop(reference, out, rng, assignment)
    accuracy_cell(reference, out, rng)
    out["test_images"] = h.random_images(rng, 40)
    budget(reference, out)


def loop(reference, out, rng, assignment) -> None:
    c = h.LOOP
    images = h.random_images(rng, c["num_images"])
    labels = rng.integers(0, 10, size=c["num_images"]).astype(np.int64)
    out["loop_images"], out["loop_labels"] = images, labels
    cell = h.find_training_cell(reference, assignment, 0, "the reference's training loop")
    model = h.grader_model(reference, c["seed"])
    losses, state = h.loop_result(reference, cell, model, images, labels, "the reference's training loop")
    assert len(losses) == c["num_images"] // c["batch_size"], losses
    out.trained("loop_losses", np.array(losses), **TORCH_FLOATS)
    for i, array in enumerate(state):
        out.trained(f"loop_state_{i}", array, **TORCH_FLOATS)
    out.meta["loop"] = dict(c)


def accuracy_cell(reference, out, rng) -> None:
    c = h.ACC
    images = h.random_images(rng, len(c["correct_per_batch"]) * c["batch_size"])
    model = h.grader_model(reference, c["seed"])
    predicted = h.predictions(reference, model, images)
    labels = h.labels_with_pattern(predicted, c["correct_per_batch"], c["batch_size"], c["seed"])
    accuracy = float(np.mean(predicted == labels))
    assert accuracy == sum(c["correct_per_batch"]) / len(labels)
    out["acc_images"], out["acc_labels"] = images, labels
    out.meta["acc"] = {**c, "accuracy": accuracy}


def budget(reference, out) -> None:
    b, seeds = h.BUDGET, out.seeds(h.CALIBRATION_SEEDS)
    notebook = h.nb(reference)
    net = notebook.Net
    runs = {}
    for variant, model in (("Net", net), ("kernel-3 Net (2.2.4)", notebook.Net3)):
        notebook.Net = model  # train() and the accuracy build the global Net, as a notebook edited in place does
        try:
            runs[variant] = []
            for seed in seeds:
                path = f"calibration_{seed}.pth"
                h.run_train(reference, b["batch_size"], b["num_train"], b["epochs"], seed, path)
                runs[variant].append(h.saved_accuracy(reference, path))
        finally:
            notebook.Net = net
    out.meta["budget"] = dict(b)
    out.fitted_threshold("accuracy", runs, seeds=seeds, min_spread=MIN_SPREAD, tolerance=ACCURACY_TOLERANCE,
                         data=h.budget_fingerprint_data(), settings=b,
                         what="held-out accuracy of train() after the budget, then the saved Net")
