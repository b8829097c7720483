"""Problem 2, random labels: randomize_labels(Y, p, rng) replaces each label, independently with probability p,
with a class drawn uniformly from 0..9. Checked statistically on 20,000 labels: each check below has a
false-alarm rate under 1e-6 for a correct function (z = 5.3 for the fraction changed; the chi-square tests at
their 1 - 1e-6 quantile)."""

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
