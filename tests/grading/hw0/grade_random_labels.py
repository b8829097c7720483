"""Problem 2, random labels: randomize_labels(Y, p, rng) replaces each label, independently with probability p,
with a class drawn uniformly from 0..9. Checked statistically on 20,000 labels: each check below has a
false-alarm rate under 1e-6 for a correct function (z = 5.3 for the fraction changed; the chi-square tests at
their 1 - 1e-6 quantile). random_label_errors(c, p, ...), one point of the plot, is run at p = 1 on a few hundred
images: the wide network fits the random labels, the narrow one cannot in as many epochs, and the test labels
stay clean (never given to randomize_labels; the test error is chance)."""

import hw0_helpers as h
import numpy as np

from autograder import checks
from autograder.decorators import number, visibility, weight

N = 20_000
Z = 5.3  # two-sided normal tail 1.2e-7 per check
CHI2 = {8: 42.7, 9: 44.8}  # chi-square quantiles at 1 - 1e-6 (degrees of freedom: value; scipy.stats.chi2.ppf)


def randomized(submission, Y, p, seed):
    nb = h.simple_train(submission)
    rng = submission.module("numpy").random.default_rng(seed)
    given = h.probes(submission).tensor(Y, "int64")
    out = np.asarray(submission.plain(nb.randomize_labels(given, p, rng))).reshape(-1)
    checks.assert_shape(out, (len(Y),), f"randomize_labels(Y, {p}, rng) for {len(Y)} labels")
    checks.assert_true(np.array_equal(submission.plain(given), Y), f"randomize_labels(Y, {p}, rng) changed "
                       "the labels it was given: return new labels, keep Y as it was (the clean labels are "
                       "needed too, for testing)")
    checks.assert_true(np.all((out >= 0) & (out <= 9) & (out == np.round(out))), f"randomize_labels(Y, {p}, rng) "
                       "returned labels that are not classes 0..9")
    return out.astype(np.int64)


@weight(2)
@number("2.1")
@visibility("visible")
def test_randomize_labels(submission):
    """randomize_labels(Y, p, rng): each label replaced with probability p by a uniform class (about 0.9p change)"""
    Y = np.random.default_rng(21).integers(0, 10, N)
    checks.assert_true(np.array_equal(randomized(submission, Y, 0.0, 1), Y), "randomize_labels(Y, 0, rng) should "
                       "leave every label as it is")
    for p in (0.5, 1.0):
        out = randomized(submission, Y, p, 2)
        changed = np.mean(out != Y)
        q = 0.9 * p  # a replacement draws the old class again with probability 1/10
        bound = Z * np.sqrt(q * (1 - q) / N) + 1e-9
        checks.assert_true(abs(changed - q) <= bound, f"randomize_labels(Y, {p}, rng) changed {changed:.1%} of "
                           f"the labels; replacing each with probability {p} by a uniform class changes "
                           f"{q:.0%} of them on average (within {bound:.1%} here)")
        moved = ((out - Y) % 10)[out != Y]  # where a changed label went: uniform over the 9 other classes
        counts = np.bincount(moved, minlength=10)[1:]
        chi2 = float(((counts - len(moved) / 9) ** 2 / (len(moved) / 9)).sum())
        checks.assert_true(chi2 <= CHI2[8], f"randomize_labels(Y, {p}, rng): the new classes are not uniform "
                           f"(chi-square {chi2:.0f} over the 9 other classes, at most {CHI2[8]} for uniform draws)")
    counts = np.bincount(randomized(submission, Y, 1.0, 3), minlength=10)
    chi2 = float(((counts - N / 10) ** 2 / (N / 10)).sum())
    checks.assert_true(chi2 <= CHI2[9], f"randomize_labels(Y, 1, rng): the labels are not uniform over the 10 "
                       f"classes (chi-square {chi2:.0f}, at most {CHI2[9]} for uniform draws)")


@weight(2)
@number("2.2a")
@visibility("visible")
def test_wide_network_fits_random_labels_and_the_narrow_one_cannot(submission, fixtures, budget, feedback):
    """random_label_errors(c, 1, ...): the wide network fits random labels (train error ~0), the narrow one cannot"""
    wide, narrow = budget["random_labels_widths"]
    feedback(f"{budget.note} Problem 2: make_cnn({wide}) and make_cnn({narrow}), SGD lr {budget['random_labels_lr']}"
             f", batches of {budget['random_labels_batch_size']}, {budget['random_labels_epochs']} epochs on "
             f"{budget['random_labels_images']} training images with random labels (p = 1).")
    data = h.fingerprint_data(budget, h.random_labels_data(budget))
    fits = fixtures.threshold(f"random_labels_wide_error_{budget.device}", data=data, settings=budget.settings)
    cannot = fixtures.threshold(f"random_labels_narrow_error_{budget.device}", data=data,
                                settings=budget.settings)
    runs = {c: h.random_labels_run(submission, budget, c, h.GRADING_SEED) for c in (wide, narrow)}
    n, m = budget["random_labels_images"], budget["random_labels_test_images"]
    for c, run in runs.items():
        feedback(f"make_cnn({c}): train error {run['train']:.3f}, test error {run['test']:.3f}.")
        checks.assert_true(m not in run["randomized"], f"random_label_errors({c}, 1, ...) gave the "
                           f"{m} test labels to randomize_labels: only the training labels are randomized, the test "
                           "labels stay clean (the notebook says so)")
        checks.assert_true(run["test"] >= 0.75, f"random_label_errors({c}, 1, ...) returned the test error "
                           f"{run['test']:.3f}: trained on random labels, a network is at chance on the clean test "
                           "labels (~0.9). Is it (train_error, test_error), in this order?")
    checks.assert_true(runs[wide]["train"] <= fits, f"random_label_errors({wide}, 1, ...): the train error is "
                       f"{runs[wide]['train']:.3f}; make_cnn({wide}) fits {n} random labels in this budget (the "
                       f"reference's recipe: at most {fits:.3f}). Does it train a fresh make_cnn(c) with the given "
                       "epochs, batch size and learning rate?")
    checks.assert_true(runs[narrow]["train"] >= cannot, f"random_label_errors({narrow}, 1, ...): the train error is "
                       f"{runs[narrow]['train']:.3f}; make_cnn({narrow}) cannot fit {n} random labels in this budget "
                       f"(the reference's recipe: at least {cannot:.3f}). Does it build make_cnn(c) with the c it is "
                       "given?")
