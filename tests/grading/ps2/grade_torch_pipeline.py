"""2.3a-c: the data pipeline, the MLP and the training loops.

2.3a get_transform on images against the reference's tensors, and build_dataloaders: batch shapes and
types, the validation order kept, the training order shuffled at every epoch. 2.3b the MLP's
architecture (see ``ps2_helpers.check_architecture``). 2.3c train_epoch and validate on a small model
built by the grader, so that the loops are tested apart from the student's models.
"""

import numpy as np
import ps2_helpers as h

from autograder import checks
from autograder.decorators import number, visibility, weight


@weight(1)
@number("2.3a.1")
@visibility("visible")
def test_transform(submission, fixtures):
    """get_transform: tensors of shape (3, 32, 32), float32, normalized per channel"""
    images, expected = fixtures["tf_images"], fixtures["tf_expected"]
    transform = h.nb(submission).get_transform()
    got = submission.plain(h.probes(submission).apply_transform(transform, images))
    name = f"get_transform() applied to {len(images)} CIFAR-10 images (32x32 RGB PIL images), stacked"
    got = checks.assert_shape(got, expected.shape, name)
    checks.assert_true(got.dtype == np.float32, f"{name}: expected float32 tensors, got {got.dtype}")
    checks.assert_close(got, expected, f"{name} (ToTensor, then Normalize(CIFAR_MEAN, CIFAR_STD))",
                        rtol=1e-5, atol=1e-5)


@weight(1)
@number("2.3a.2")
@visibility("visible")
def test_dataloaders(submission):
    """build_dataloaders: batches of batch_size, training set shuffled, validation set in order"""
    c = h.LOADER
    p = h.probes(submission)
    rng = np.random.default_rng(c["seed"])
    # the labels are the examples' positions, so the order of the batches shows in them
    train_set = p.array_dataset(h.random_images(rng, c["num_train"]), np.arange(c["num_train"]))
    val_set = p.array_dataset(h.random_images(rng, c["num_val"]), np.arange(c["num_val"]))
    p.seed(c["seed"])
    name = f"build_dataloaders(train_set, val_set, batch_size={c['batch_size']})"
    loaders = h.nb(submission).build_dataloaders(train_set, val_set, batch_size=c["batch_size"])
    checks.assert_true(isinstance(loaders, (tuple, list)) and len(loaders) == 2,
                       f"{name} should return a tuple (train_loader, val_loader), got {checks._describe(loaders)}")
    train_loader, val_loader = loaders
    batch = c["batch_size"]
    for label, loader, size in (("train_loader", train_loader, c["num_train"]), ("val_loader", val_loader,
                                                                                   c["num_val"])):
        seen = p.batch_summary(loader)
        shapes, dtypes = seen["shapes"], seen["dtypes"]
        checks.assert_true(len(shapes) > 0, f"{name}: {label} yields no batches")
        checks.assert_true(shapes[0] == [batch, 3, 32, 32],
                           f"{name}: the first batch of {label} has inputs of shape {tuple(shapes[0])}, "
                           f"expected {(batch, 3, 32, 32)}")
        checks.assert_true(all(d == "float32" for d in dtypes),
                           f"{name}: {label} yields inputs of dtype {dtypes[0]}, expected float32")
        labels = np.asarray(seen["labels"])
        if label == "val_loader":
            checks.assert_true(np.array_equal(labels, np.arange(size)),
                               f"{name}: val_loader should go through all {size} validation examples in their "
                               "order (shuffle=False)")
        else:
            complete = len(labels) == size or size - batch < len(labels) < size  # drop_last is fine
            checks.assert_true(complete and len(set(labels.tolist())) == len(labels),
                               f"{name}: one pass over train_loader should give each of the {size} training "
                               f"examples once; it gave {len(labels)} examples, {len(set(labels.tolist()))} different")
            checks.assert_true(not np.array_equal(labels, np.arange(len(labels))),
                               f"{name}: train_loader gives the training examples in their order; shuffle them")
            again = np.asarray(p.batch_summary(loader)["labels"])
            checks.assert_true(not np.array_equal(labels, again),
                               f"{name}: train_loader gives the same order in every epoch; it should shuffle "
                               "anew at each pass (shuffle=True)")


@weight(1)
@number("2.3b")
@visibility("visible")
def test_mlp(submission, fixtures):
    """MLP: 3072-256-128-10 with ReLU"""
    h.check_architecture(submission, fixtures, "MLP", lambda nb: nb.MLP(), "MLP()")


def loop_inputs(fixtures, seed_offset):
    meta = fixtures.meta["loop"]
    return fixtures["loop_images"], fixtures["loop_labels"], meta["state"], meta["seed"] + seed_offset


def described_loop(what):
    c = h.LOOP
    return (f"{what} on a small conv-BN-linear model with the grader's weights, {c['num_images']} images in "
            f"batches of {c['batch_size']} (not shuffled)")


def assert_epoch_values(loss, accuracy, expected_loss, expected_accuracy, what):
    checks.assert_close(np.asarray(loss, dtype=np.float64), expected_loss, f"{what}: the mean loss",
                        rtol=h.TORCH_RTOL, atol=1e-6)
    accuracy = h.as_fraction(accuracy, float(expected_accuracy))
    checks.assert_close(np.asarray(accuracy, dtype=np.float64), expected_accuracy,
                        f"{what}: the accuracy (a fraction of the examples)", rtol=0, atol=1e-6)


@weight(1)
@number("2.3c.1")
@visibility("visible")
def test_train_epoch(submission, fixtures):
    """train_epoch: one epoch of SGD with momentum, its mean loss and accuracy"""
    images, labels, spec, seed = loop_inputs(fixtures, 0)
    p = h.probes(submission)
    model, loader, optimizer, criterion, device = h.loop_setup(submission, images, labels, spec, seed)
    watch = p.watch_forward(model)
    what = described_loop("train_epoch(model, loader, optimizer, criterion, device)")
    loss, accuracy = h.epoch_result(submission, h.nb(submission).train_epoch(model, loader, optimizer, criterion,
                                                                           device), what)
    batches = -(-len(images) // h.LOOP["batch_size"])
    training = [f for f in submission.fetch(watch.calls) if f["training"] and f["grad_enabled"]]
    checks.assert_true(len(training) == batches,
                       f"{what}: the model ran {len(training)} forward passes in training mode with autograd on; "
                       f"one per batch, {batches}, is expected")
    state = p.state_arrays(model)
    for i, value in enumerate(state):
        checks.assert_close(value, fixtures[f"loop_train_state_{i}"],
                            f"{what}: the model's parameters and buffers after the epoch (entry {i}); one "
                            "optimizer step per batch: zero_grad, forward, loss, backward, step",
                            rtol=h.TORCH_RTOL, atol=1e-5)
    assert_epoch_values(loss, accuracy, fixtures["loop_train_loss"], fixtures["loop_train_accuracy"], what)


@weight(1)
@number("2.3c.2")
@visibility("visible")
def test_validate(submission, fixtures):
    """validate: loss and accuracy in eval mode, without gradients or updates"""
    images, labels, spec, seed = loop_inputs(fixtures, 1)
    p = h.probes(submission)
    model, loader, _, criterion, device = h.loop_setup(submission, images, labels, spec, seed)
    before = p.state_arrays(model)
    watch = p.watch_forward(model)
    what = described_loop("validate(model, loader, criterion, device)")
    loss, accuracy = h.epoch_result(submission, h.nb(submission).validate(model, loader, criterion, device), what)
    after = p.state_arrays(model)
    for i, (old, new) in enumerate(zip(before, after, strict=True)):
        checks.assert_true(np.array_equal(old, new),
                           f"{what} changed the model (state entry {i}: a parameter, or a BatchNorm running "
                           "statistic updated in training mode); validation must not change the model")
    forwards = submission.fetch(watch.calls)
    checks.assert_true(len(forwards) > 0, f"{what} never ran the model")
    checks.assert_true(not any(f["training"] for f in forwards),
                       f"{what}: the model ran in training mode; put it in evaluation mode (model.eval())")
    checks.assert_true(not any(f["grad_enabled"] for f in forwards),
                       f"{what}: the model ran with autograd on; compute no gradients (with torch.no_grad())")
    assert_epoch_values(loss, accuracy, fixtures["loop_val_loss"], fixtures["loop_val_accuracy"], what)
