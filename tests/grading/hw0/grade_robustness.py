"""Problem 1, robustness: flip_vertical flips along H (not a mirror, not a rotation); per_class_accuracy gives
each true class's accuracy of a make_cnn(4) the grader trained (its own loop, seeded, on the flip task's glyphs, so
that its predictions vary and change upside down), computed here from that model's own predictions (so the same
floats, whatever the CPU), upright and upside down; train_robust, on the training budget, does better on the
worse of original and flipped images than the plain recipe can (the flip task of hw0_helpers)."""

import hw0_helpers as h
import numpy as np

from autograder import checks
from autograder.decorators import number, visibility, weight


@weight(1)
@number("1.1")
@visibility("visible")
def test_flip_vertical(submission):
    """flip_vertical(X): each image upside down (along H), as torch.flip(X, [2])"""
    X = h.images(np.random.default_rng(11), 4)
    got = submission.plain(h.simple_train(submission).flip_vertical(h.probes(submission).tensor(X)))
    got = checks.assert_shape(got, X.shape, "flip_vertical(X) for X of shape (4, 3, 32, 32)")
    if not np.array_equal(got, X[:, :, ::-1, :]):
        if np.array_equal(got, X[:, :, :, ::-1]):
            raise AssertionError("flip_vertical(X) flipped the images left to right (along W, a mirror); "
                                 "upside down is along H (dimension 2 of N, C, H, W)")
        if np.array_equal(got, X[:, :, ::-1, ::-1]):
            raise AssertionError("flip_vertical(X) flipped along both H and W: that is a 180° rotation, not "
                                 "upside down (only dimension 2 of N, C, H, W)")
        checks.assert_close(got, X[:, :, ::-1, :], "flip_vertical(X): the images upside down", rtol=0, atol=0)


@weight(1)
@number("1.2")
@visibility("visible")
def test_per_class_accuracy(submission, feedback):
    """per_class_accuracy(model, X, Y): each true class's accuracy (10 values), upright and upside down"""
    p = h.probes(submission)
    case = h.PER_CLASS_MODEL
    model, X = h.glyph_model(submission, case["c"], case["seed"], case["n"])
    rng = np.random.default_rng(case["seed"])
    predicted = np.asarray(p.predict_logits(model, p.tensor(X))).argmax(axis=1)
    Y = np.where(rng.random(case["n"]) < 0.5, predicted, rng.integers(0, 10, case["n"]))
    Y[:10] = np.arange(10)  # every class present
    expected = np.array([np.mean(predicted[Y == k] == k) for k in range(10)])
    got = h.per_class(submission, h.simple_train(submission).per_class_accuracy(model, p.tensor(X), p.tensor(
        Y, "int64")), "per_class_accuracy(model, X, Y)")
    checks.assert_close(got, expected, f"per_class_accuracy(model, X, Y) on {case['n']} images, a make_cnn(4) the "
                        "grader trained, in eval mode (class order 0-9)", rtol=0, atol=1e-6)
    # The drop the write-up reports: the same model on the images upside down (flipped here, not by flip_vertical,
    # which 1.1 grades), and the accuracy over all of them.
    flipped = np.ascontiguousarray(X[:, :, ::-1, :])
    predicted_flipped = np.asarray(p.predict_logits(model, p.tensor(flipped))).argmax(axis=1)
    expected_flipped = np.array([np.mean(predicted_flipped[Y == k] == k) for k in range(10)])
    got_flipped = h.per_class(submission, h.simple_train(submission).per_class_accuracy(
        model, p.tensor(flipped), p.tensor(Y, "int64")), "per_class_accuracy(model, flipped X, Y)")
    checks.assert_close(got_flipped, expected_flipped, "per_class_accuracy(model, X, Y) on the same images upside "
                        "down (class order 0-9)", rtol=0, atol=1e-6)
    feedback(f"On these images the model's accuracy is {np.mean(predicted == Y):.3f}, upside down "
             f"{np.mean(predicted_flipped == Y):.3f}; the drop per class (points): "
             f"{', '.join(f'{100 * d:.1f}' for d in expected - expected_flipped)}.")


@weight(2)
@number("1.3")
@visibility("visible")
def test_robust_training(submission, fixtures, budget, feedback):
    """train_robust(model, X, Y, opt, epochs): min(original, flipped) accuracy above what the plain recipe reaches"""
    feedback(budget.note.replace("training images", "training images of the flip task"))
    original, flipped, seconds = h.robust_run(submission, budget, h.GRADING_SEED)
    mark = fixtures.threshold(f"robust_min_accuracy_{budget.device}",
                              data=h.fingerprint_data(budget, h.flip_task(budget)), settings=budget.settings)
    feedback(f"Held-out accuracy {original:.3f} on upright images, {flipped:.3f} upside down (the mark for the "
             f"worse of the two: {mark:.3f}); training took {seconds:.1f} s.")
    checks.assert_true(min(original, flipped) >= mark, f"after train_robust the network classifies {original:.1%} "
                       f"of upright and {flipped:.1%} of upside-down held-out images; the worse of the two should "
                       f"reach {mark:.1%}, above what training on upright images alone reaches (did it train on "
                       "flipped images too?)")
