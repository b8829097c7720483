"""Warm-up: the starter's own code (make_cnn, Flatten, load_cifar, make_loader, train_epoch, evaluate), which
students run and may tune but do not write: checked so that a broken copy is said, worth no points; then the
warm-up's recipe trained on the grader's budget (the runtime test)."""

import hw0_helpers as h
import numpy as np

from autograder import checks
from autograder.decorators import number, visibility, weight


@weight(0)
@number("0.1")
@visibility("visible")
def test_make_cnn_is_the_starters_network(submission):
    """make_cnn(c): the starter's 5-layer CNN (Myrtle5), 6,666 / 99,210 / 1,558,026 parameters at c = 4 / 16 / 64"""
    p = h.probes(submission)
    for c, count in h.PARAMETERS.items():
        summary = p.summary(h.simple_train(submission).make_cnn(c))
        checks.assert_true(summary["parameters"] == count, f"make_cnn({c}) has {summary['parameters']:,} trainable "
                           f"parameters; the starter's network has {count:,}")
        kinds = [kind for _, kind in summary["modules"]]
        checks.assert_true(kinds == h.LAYERS, f"make_cnn({c})'s layers are {kinds}; the starter's are {h.LAYERS}")
    model = h.simple_train(submission).make_cnn(4)
    model.eval()
    out = p.forward(model, h.images(np.random.default_rng(0), 3))
    checks.assert_shape(out, (3, 10), "make_cnn(4) on 3 images of shape (3, 32, 32): the logits")


@weight(0)
@number("0.1b")
@visibility("visible")
def test_load_cifar_reads_cifar10_as_the_starter_does(submission):
    """load_cifar(datadir): CIFAR-10 through torchvision, as float NCHW tensors in [0, 1] and integer labels"""
    rng = np.random.default_rng(12)
    train, test = rng.integers(0, 256, (50, 32, 32, 3), np.uint8), rng.integers(0, 256, (20, 32, 32, 3), np.uint8)
    Y_train, Y_test = rng.integers(0, 10, 50), rng.integers(0, 10, 20)
    folder = h.probes(submission).cifar10_folder(train, Y_train, test, Y_test)
    got = submission.plain(h.simple_train(submission).load_cifar(folder))
    checks.assert_true(isinstance(got, (tuple, list)) and len(got) == 4, "load_cifar(datadir) should return "
                       f"(X_tr, Y_tr, X_te, Y_te), as the starter's does; got {got!r:.200}")
    for name, X, images in (("X_tr", got[0], train), ("X_te", got[2], test)):
        X = checks.assert_shape(X, (len(images), 3, 32, 32), f"load_cifar(...)'s {name} for {len(images)} images")
        checks.assert_close(X, images.transpose(0, 3, 1, 2) / 255, f"load_cifar(...)'s {name}: the pixels in "
                            "[0, 1], channels first (N, C, H, W)", rtol=0, atol=1e-6)
    for name, Y, labels in (("Y_tr", got[1], Y_train), ("Y_te", got[3], Y_test)):
        Y = checks.assert_shape(Y, labels.shape, f"load_cifar(...)'s {name}")
        checks.assert_true(np.issubdtype(Y.dtype, np.integer) and np.array_equal(Y, labels), f"load_cifar(...)'s "
                           f"{name} should be the labels as integers (long, for the loss); got {Y.dtype}")


@weight(0)
@number("0.1c")
@visibility("visible")
def test_make_loader_train_epoch_and_evaluate_return_what_the_starters_do(submission):
    """make_loader(dataset, batch_size) batches every example; train_epoch and evaluate return (average loss,
    accuracy) over what they ran"""
    p, nb = h.probes(submission), h.simple_train(submission)
    rng = np.random.default_rng(13)
    X, Y = h.images(rng, 100), rng.integers(0, 10, 100)
    summary = p.batch_summary(nb.make_loader(p.tensor_dataset(X, Y), 32))
    checks.assert_true([s[0] for s in summary["shapes"]] == [32, 32, 32, 4], "make_loader(dataset, 32) over 100 "
                       f"examples gave batches of {[s[0] for s in summary['shapes']]}; expected 32, 32, 32 and 4")
    checks.assert_true(sorted(summary["labels"]) == sorted(Y), "make_loader(dataset, 32): one pass should give "
                       "every example once")
    model, X = h.glyph_model(submission, 4, 14, 100)  # trained by the grader: its predictions vary
    Y = rng.integers(0, 10, 100)
    eval_logits = p.predict_logits(model, p.tensor(X))
    check_loss_and_accuracy(submission, "evaluate", nb.evaluate(model, p.loader(p.tensor_dataset(X, Y), 32)),
                            eval_logits, Y, "in eval mode")
    model.train()  # one batch of everything at learning rate 0: train_epoch reports that batch's loss and accuracy
    train_logits = p.forward(model, p.tensor(X))
    check_loss_and_accuracy(submission, "train_epoch", nb.train_epoch(model, nb.make_loader(
        p.tensor_dataset(X, Y), 100), p.optimizer(model, "SGD", lr=0.0)), train_logits, Y,
        "in train mode, one batch of 100, learning rate 0")


def check_loss_and_accuracy(submission, name, returned, logits, Y, where):
    """``returned`` is (average cross-entropy, accuracy) of ``logits`` against ``Y``, as the starter's helpers give."""
    returned = submission.plain(returned)
    checks.assert_true(isinstance(returned, (tuple, list)) and len(returned) == 2, f"{name}(...) should return "
                       f"(average loss, accuracy), as the starter's does; got {returned!r:.200}")
    logits = np.asarray(logits, dtype=float)
    shifted = logits - logits.max(axis=1, keepdims=True)
    loss = float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(Y)), Y]))
    accuracy = float(np.mean(logits.argmax(axis=1) == Y))
    got = [h.scalar(submission, returned[i], f"{name}(...)[{i}]") for i in (0, 1)]
    checks.assert_close(np.array(got), np.array([loss, accuracy]), f"{name}(...) on 100 images with a make_cnn(4) "
                        f"the grader trained ({where}): (average cross-entropy, accuracy)", rtol=1e-4, atol=1e-5)


@weight(0)
@number("0.2")
@visibility("visible")
def test_warmup_training_reaches_the_mark_within_the_time_budget(submission, reference, fixtures, budget, feedback):
    """The warm-up's recipe with the notebook's make_cnn, make_loader and train_epoch: the accuracy the reference
    reaches on the same budget and device, the model and every batch on the device, in at most max_ratio times
    the reference's time

    The time ratio is checked last, only once the network reaches the accuracy mark and every batch went to the
    device: a stub (a train_epoch that trains nothing, and is fast) never gets there."""
    feedback(budget.note)
    accuracy, _, seconds = h.plain_run(submission, budget, h.GRADING_SEED)
    mark = fixtures.threshold(f"warmup_accuracy_{budget.device}", data=h.fingerprint_data(budget),
                              settings=budget.settings)
    feedback(f"Held-out accuracy {accuracy:.3f} (the mark: {mark:.3f}); training took {seconds:.1f} s.")
    checks.assert_true(accuracy >= mark, f"after the budget the network classifies {accuracy:.1%} of the held-out "
                       f"images; the reference's recipe reaches at least {mark:.1%} on the same budget")
    problem = h.placement_problem(submission, budget, h.GRADING_SEED)
    checks.assert_true(not problem, problem)
    feedback("The model and every batch went to the device" + (" (counted on this grader, which has no GPU: .cuda() "
             "runs on the CPU)." if budget.device == "cpu" else "."))
    submission.quiesce()  # the reference trains alone: one kernel at a time fits the memory, and a fair clock
    _, _, reference_s = h.plain_run(reference, budget, h.GRADING_SEED)
    checks.assert_true(seconds <= budget.max_ratio * reference_s, f"training took {seconds:.1f} s, "
                       f"{seconds / reference_s:.1f} times the reference's {reference_s:.1f} s on this grader (at most "
                       f"{budget.max_ratio:g} times): is something synchronizing or copying data every batch?")
