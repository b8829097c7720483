"""2.1 k-nearest neighbors: the three distance methods against the reference's values, the loops they
may use (read from the notebook, never executed here) and the run time of the vectorized one,
predict_labels on crafted votes, and grid_search_k against accuracies the grader recomputes.
"""

import numpy as np
import ps2_helpers as h

from autograder import checks
from autograder.decorators import number, visibility, weight
from autograder.errors import GradingFailure


def check_distances(submission, fixtures, method):
    classifier = h.knn(submission, fixtures["knn_X_train"], fixtures["knn_y_train"])
    X_test = fixtures["knn_X_test"].astype(np.float64)
    dists = getattr(classifier, f"compute_distance_{method}")(X_test)
    n_test, n_train = len(X_test), len(fixtures["knn_X_train"])
    name = (f"compute_distance_{method}(X) with {n_test} test and {n_train} training images of "
            f"{X_test.shape[1]} pixel values")
    checks.assert_shape(dists, (n_test, n_train), name)
    checks.assert_close(dists, fixtures[f"knn_dists_{method}"], name, rtol=h.DIST_RTOL, atol=h.DIST_ATOL)


@weight(1)
@number("2.1a.i")
@visibility("visible")
def test_distance_two_loops(submission, fixtures):
    """KNearestNeighbor.compute_distance_two_loops"""
    check_distances(submission, fixtures, "two_loops")


@weight(0.5)
@number("2.1a.ii.1")
@visibility("visible")
def test_distance_one_loop(submission, fixtures, assignment):
    """KNearestNeighbor.compute_distance_one_loops: values, and a single loop"""
    check_distances(submission, fixtures, "one_loops")
    h.assert_loops(submission, assignment, "KNearestNeighbor.compute_distance_one_loops", 1)


@weight(0.5)
@number("2.1a.ii.2")
@visibility("visible")
def test_distance_no_loops(submission, reference, fixtures, assignment):
    """KNearestNeighbor.compute_distance_no_loops: values, no loop, and vectorized speed

    One test: the speed counts only for distances of the right values (a stub, fast and loop-free, gets nothing;
    a wrong but vectorized method loses this test for its values, as ps2 has no separate points for speed), and
    the timed call itself must return distances of the right shape (``codecheck.assert_implemented``).
    """
    check_distances(submission, fixtures, "no_loops")
    h.assert_loops(submission, assignment, "KNearestNeighbor.compute_distance_no_loops", 0)
    c = h.KNN_SPEED
    rng = np.random.default_rng(5)
    X_train, X_test = rng.normal(size=(c["num_train"], c["dim"])), rng.normal(size=(c["num_test"], c["dim"]))
    h.assert_as_fast_as_reference(submission, reference, assignment, "compute_distance_no_loops", X_train, X_test,
                                  f"{c['num_test']} test points, {c['num_train']} training points")


@weight(1)
@number("2.1a.iii")
@visibility("visible")
def test_predict_labels(submission, fixtures):
    """KNearestNeighbor.predict_labels: majority vote of the k nearest, ties to the smaller label"""
    dists, y_train, ks = fixtures["vote_dists"], fixtures["vote_y_train"], fixtures["vote_k"]
    expected = fixtures["vote_pred"]
    classifier = h.knn(submission, np.zeros((len(y_train), 2)), y_train)
    for k in sorted(set(ks.tolist())):
        rows = np.flatnonzero(ks == k)
        got = classifier.predict_labels(dists[rows], k=int(k))
        name = f"predict_labels(dists, k={k}) on {len(rows)} test points"
        got = checks.assert_shape(got, (len(rows),), name)
        for row, value, want in zip(rows, got, expected[rows], strict=True):
            if value != want:
                nearest = y_train[np.argsort(dists[row])[:k]].tolist()
                raise GradingFailure(
                    f"{name}: for a test point whose {k} nearest neighbors have the labels {nearest} "
                    f"(nearest first), expected {want}, got {value:g}"
                    + (" (on a tie, choose the smaller label)" if k > 1 else ""))


@weight(1)
@number("2.1c")
@visibility("visible")
def test_grid_search_k(submission, fixtures):
    """grid_search_k: the k with the best validation accuracy, and that accuracy"""
    meta = fixtures.meta["grid"]
    k_choices = meta["k_choices"]
    accuracies = h.grid_accuracies(fixtures["grid_dists"], fixtures["grid_y_train"], fixtures["grid_y_val"],
                                   k_choices)
    result = submission.plain(h.nb(submission).grid_search_k(
        fixtures["grid_X_train"], fixtures["grid_y_train"], fixtures["grid_X_val"], fixtures["grid_y_val"],
        k_choices))
    name = f"grid_search_k(X_train, y_train, X_val, y_val, {k_choices})"
    checks.assert_true(isinstance(result, (tuple, list)) and len(result) == 2,
                       f"{name} should return a tuple (best_k, best_accuracy), got {checks._describe(result)}")
    best_k, best_accuracy = result
    table = ", ".join(f"k={k}: {a:.4f}" for k, a in zip(k_choices, accuracies, strict=True))
    checks.assert_true(type(best_k) in (int, float) and best_k in k_choices,
                       f"{name}: best_k should be one of k_choices, got {checks._describe(best_k)}")
    best_k = int(best_k)
    best = float(accuracies.max())
    accuracy = h.as_fraction(h.scalar(best_accuracy, f"{name}: best_accuracy"), best)
    checks.assert_true(abs(accuracies[k_choices.index(best_k)] - best) < 1e-9,
                       f"{name}: k={best_k} is not the best choice; the validation accuracies are {table}")
    checks.assert_true(abs(accuracy - best) < 1e-6,
                       f"{name}: best_accuracy should be the validation accuracy of k={best_k}, {best:.4f} "
                       f"(a fraction of the validation points), got {accuracy:.6g}")
