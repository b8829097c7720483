"""ps2 fixtures: inputs drawn here, expected outputs recorded from the reference notebook.

Run with ``autograder fixtures ps2``. The reference notebook runs in a worker (its definitions only)
and is driven through a ``Session`` by the same helpers the grading tests use (``ps2_helpers.py``).
Model weights are not stored: they are drawn from seeds kept in the metadata (``model_state``), and
only the reference's outputs with them are. The accuracy thresholds of 2.3d-f are calibrated by
running the reference's models, as the notebook defines them, through the same training budget on the same data
as grading over ten seeds: a normal fit of each model's accuracies, the mark 2.33 standard deviations below the
mean (a correct model fails with probability at most 1%).
"""

from __future__ import annotations

import numpy as np
import ps2_helpers as h  # importable while fixtures are generated (grading.tests_importable)

# What torch computes on a CPU moves with the CPU's instruction set, the build and the thread count (see the
# README's "Where fixtures come from"): such entries are trained ones, checked within these tolerances. Measured
# between the fixtures an earlier session committed (its machine and versions unrecorded) and this machine's:
# forward passes moved by up to 1.2e-6, an epoch's weights by 6e-8, the budget's accuracies by up to 0.006 (3 of
# the 500 validation images).
TORCH_FLOATS = dict(rtol=1e-4, atol=1e-5)  # forward passes and one epoch of a tiny model, float32
FLIPS = 2                                  # predictions that may flip in a loop's accuracy
ACCURACY_TOLERANCE = 0.03                  # trained accuracies (and the marks made from them), absolute
MIN_SPREAD = 0.01                          # the least spread a mark's fit assumes (5 of the 500 held-out images)

ARCH_SEEDS = {"MLP": 101, "CNN": 102, "ResNet": 103, "block_identity": 104, "block_projection": 105}


def generate(reference, out, rng: np.random.Generator) -> None:
    distances(reference, out, rng)
    votes(reference, out, rng)
    grid_search(reference, out, rng)
    softmax(reference, out, rng)
    linear_classifier(reference, out, rng)
    transform(reference, out, rng)
    architectures(reference, out, rng)
    loops(reference, out, rng)
    topk(reference, out, rng)
    budget(reference, out)


# -- 2.1 ------------------------------------------------------------------------------------------------
def distances(reference, out, rng) -> None:
    c = h.KNN
    X_train = rng.integers(0, 256, size=(c["num_train"], c["dim"]), dtype=np.uint8)
    X_test = rng.integers(0, 256, size=(c["num_test"], c["dim"]), dtype=np.uint8)
    y_train = rng.integers(0, 10, size=c["num_train"]).astype(np.int64)
    out["knn_X_train"], out["knn_X_test"], out["knn_y_train"] = X_train, X_test, y_train
    classifier = h.knn(reference, X_train, y_train)
    X = X_test.astype(np.float64)
    for method in ("two_loops", "one_loops", "no_loops"):
        out[f"knn_dists_{method}"] = getattr(classifier, f"compute_distance_{method}")(X)


def votes(reference, out, rng) -> None:
    dists, y_train, ks = h.vote_case_dists(rng)
    out["vote_dists"], out["vote_y_train"], out["vote_k"] = dists, y_train, np.array(ks)
    classifier = h.knn(reference, np.zeros((len(y_train), 2)), y_train)
    predicted = np.zeros(len(ks), dtype=np.int64)
    for k in sorted(set(ks)):
        rows = np.flatnonzero(np.array(ks) == k)
        predicted[rows] = classifier.predict_labels(dists[rows], k=k)
    expected = np.concatenate([h.knn_votes(dists[i:i + 1], y_train, k) for i, k in enumerate(ks)])
    assert np.array_equal(predicted, expected), (predicted, expected)  # the reference follows the rule
    out["vote_pred"] = predicted


def grid_search(reference, out, rng) -> None:
    c = h.GRID
    centers = rng.normal(0.0, 1.2, size=(c["classes"], c["dim"]))
    y_train = rng.integers(0, c["classes"], size=c["num_train"]).astype(np.int64)
    y_val = rng.integers(0, c["classes"], size=c["num_val"]).astype(np.int64)
    X_train = centers[y_train] + rng.normal(size=(c["num_train"], c["dim"]))
    X_val = centers[y_val] + rng.normal(size=(c["num_val"], c["dim"]))
    for name, value in (("X_train", X_train), ("y_train", y_train), ("X_val", X_val), ("y_val", y_val)):
        out[f"grid_{name}"] = value
    out["grid_dists"] = dists = h.knn(reference, X_train, y_train).compute_distance_no_loops(X_val)
    best_k, best_accuracy = h.nb(reference).grid_search_k(X_train, y_train, X_val, y_val, c["k_choices"])
    accuracies = h.grid_accuracies(dists, y_train, y_val, c["k_choices"])
    assert best_accuracy == accuracies.max() and best_k == c["k_choices"][int(np.argmax(accuracies))]
    out.meta["grid"] = {"k_choices": c["k_choices"], "accuracies": accuracies.tolist(), "reference_best_k": best_k}


# -- 2.2 ------------------------------------------------------------------------------------------------
def softmax(reference, out, rng) -> None:
    c = h.SOFTMAX
    W, X, y = h.softmax_problem(rng, c["classes"], c["dim"], c["batch"])
    out["sm_W"], out["sm_X"], out["sm_y"] = W, X, y
    out["sm_loss"], out["sm_dW"] = h.loss_and_grad(reference, W, X, y, "softmax_loss_naive")
    # every score shifted by 1000 (a constant feature with weight 1000): exp overflows unless the
    # maximum score is subtracted first (Equation 3); the loss is the same as without the shift
    big_W = np.hstack([W, np.full((len(W), 1), 1000.0)])
    big_X = np.hstack([X, np.ones((len(X), 1))])
    out["sm_big_W"], out["sm_big_X"] = big_W, big_X
    out["sm_big_loss"], _ = h.loss_and_grad(reference, big_W, big_X, y, "softmax_loss_naive")
    assert np.isclose(out.arrays["sm_big_loss"], out.arrays["sm_loss"], rtol=1e-12)
    c = h.SANITY
    out["sm_sanity_W"], out["sm_sanity_X"], out["sm_sanity_y"] = h.softmax_problem(
        rng, c["classes"], c["dim"], c["batch"], scale=c["scale"])
    c = h.SOFTMAX_GC
    out["sm_gc_W"], out["sm_gc_X"], out["sm_gc_y"] = h.softmax_problem(rng, c["classes"], c["dim"], c["batch"])


def linear_classifier(reference, out, rng) -> None:
    for name, value in h.sgd_problem(rng).items():
        out[f"sgd_{name}"] = value
    W, X, _ = h.softmax_problem(rng, 10, 20, 40, scale=1.0)
    clf = h.nb(reference).LinearClassifier()
    clf.W = W
    out["lc_W"], out["lc_X"], out["lc_pred"] = W, X, clf.predict(X)


# -- 2.3 ------------------------------------------------------------------------------------------------
def transform(reference, out, rng) -> None:
    images = h.random_images(rng, 8)
    out["tf_images"] = images
    tensor = h.probes(reference).apply_transform(h.nb(reference).get_transform(), images)
    out.trained("tf_expected", reference.fetch(tensor), **TORCH_FLOATS)


def architectures(reference, out, rng) -> None:
    p, notebook = h.probes(reference), h.nb(reference)
    meta = {}
    models = {"MLP": notebook.MLP(), "CNN": notebook.CNN(), "ResNet": notebook.ResNet(),
              "block_identity": notebook.ResidualBlock(*h.BLOCKS["identity"]),
              "block_projection": notebook.ResidualBlock(*h.BLOCKS["projection"])}
    for name, model in models.items():
        seed = ARCH_SEEDS[name]
        spec = h.state_spec(reference, model)
        block = name.startswith("block")  # blocks take feature maps of any size: small ones keep the fixtures small
        shape = (h.ARCH_BATCH, h.BLOCKS[name.split("_")[1]][0], 8, 8) if block else (h.ARCH_BATCH, 3, 32, 32)
        x = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
        p.load_state_by_shape(model, h.model_state(spec, seed))
        model.eval()
        out[f"arch_{name}_x"] = x
        out.trained(f"arch_{name}_out", p.forward(model, x), **TORCH_FLOATS)
        summary = p.summary(model)
        meta[name] = {"seed": seed, "state": spec, "parameters": summary["parameters"],
                      "modules": sorted({kind for _, kind in summary["modules"]})}
    out.meta["arch"] = meta


def loops(reference, out, rng) -> None:
    c = h.LOOP
    images = h.random_images(rng, c["num_images"])
    labels = rng.integers(0, 10, size=c["num_images"]).astype(np.int64)
    out["loop_images"], out["loop_labels"] = images, labels
    p, notebook = h.probes(reference), h.nb(reference)
    spec = h.state_spec(reference, p.sequential(h.TINY_MODEL))
    out.meta["loop"] = {**c, "state": spec}
    model, loader, optimizer, criterion, device = h.loop_setup(reference, images, labels, spec, c["seed"])
    loss, accuracy = h.epoch_result(reference, notebook.train_epoch(model, loader, optimizer, criterion, device),
                                    "train_epoch")
    out.trained("loop_train_loss", loss, **TORCH_FLOATS)
    out.trained("loop_train_accuracy", accuracy, rtol=0, atol=FLIPS / c["num_images"])
    for i, array in enumerate(p.state_arrays(model)):
        out.trained(f"loop_train_state_{i}", array, **TORCH_FLOATS)
    model, loader, _, criterion, device = h.loop_setup(reference, images, labels, spec, c["seed"] + 1)
    loss, accuracy = h.epoch_result(reference, notebook.validate(model, loader, criterion, device), "validate")
    out.trained("loop_val_loss", loss, **TORCH_FLOATS)
    out.trained("loop_val_accuracy", accuracy, rtol=0, atol=FLIPS / c["num_images"])


def topk(reference, out, rng) -> None:
    logits = rng.normal(size=(50, 10)).astype(np.float32)
    labels = rng.integers(0, 10, size=50).astype(np.int64)
    p = h.probes(reference)
    out["topk_logits"], out["topk_labels"] = logits, labels
    out["topk_expected"] = np.array(reference.plain(h.nb(reference).topk_accuracy(
        p.tensor(logits), p.tensor(labels), [1, 3, 5])), dtype=np.float64)


def budget(reference, out) -> None:
    data = h.budget_fingerprint_data()
    seeds = out.seeds(h.CALIBRATION_SEEDS)
    assert seeds[0] == h.BUDGET["seed"]
    out.meta["budget"] = dict(h.BUDGET)
    for name in h.MODELS:
        runs = {name: [h.trained_accuracy(reference, name, seed) for seed in seeds]}
        out.fitted_threshold(f"accuracy_{name}", runs, seeds=seeds, min_spread=MIN_SPREAD,
                             tolerance=ACCURACY_TOLERANCE, data=data, settings=h.BUDGET,
                             what=f"held-out accuracy of the notebook's {name} after the training budget")
