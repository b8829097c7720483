"""8.x Kaggle (section 7 of the assignment): the test-set predictions of the Fashion-MNIST MLP and the
CIFAR-10 CNN, scored against the hidden test labels.

The submission's ``predictions/fashion_mnist.csv`` and ``predictions/cifar10.csv`` are data: they are read
here, strictly (``autograder.predictions``: header ``Id,Category``, one row per test image, integer labels),
and no submission code runs. The test labels are loaded on this side and never reach a worker.

Points per dataset (``POINTS``): all of them at the reference's test accuracy minus a small margin, half of
them from halfway between chance and that mark (both thresholds calibrated by make_fixtures.py on this
exact test data), none below. Each accuracy also fills a leaderboard column.
"""

from functools import cache

from autograder import datasets, predictions
from autograder.decorators import leaderboard, number, part, partial_credit, visibility
from autograder.errors import AssignmentError, GradingFailure

POINTS = 3
PARTIAL_SHARE = 0.5  # of POINTS, for the lower tier
TITLES = {"fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}


@cache
def hidden_test_set(name: str) -> datasets.Dataset:
    try:
        return datasets.load(name, "test", datasets.data_root())
    except AssignmentError:
        raise
    except Exception as exc:  # e.g. torchvision missing: the grader's set-up, not the student's work
        raise AssignmentError(f"the {TITLES[name]} test labels could not be loaded ({type(exc).__name__}: "
                              f"{exc})") from exc


def kaggle_accuracy(submission, fixtures, name: str) -> tuple[float, float, float]:
    """The accuracy of the submission's predictions for ``name``, with the full and the partial marks."""
    task = fixtures.meta["kaggle"][name]
    test = hidden_test_set(name)
    data = [test.images, test.labels]
    full = fixtures.threshold(f"kaggle_{name}_full", data=data)  # refused unless calibrated on this data
    partial = fixtures.threshold(f"kaggle_{name}_partial", data=data)
    labels = predictions.read_predictions(submission.root / task["csv"], n=len(test), num_classes=test.num_classes,
                                          shown_as=task["csv"])
    return predictions.accuracy(labels, test.labels), full, partial


def score(submission, fixtures, name: str, set_score, feedback) -> None:
    accuracy, full, partial = kaggle_accuracy(submission, fixtures, name)
    if accuracy >= full:
        set_score(POINTS)
    elif accuracy >= partial:
        set_score(POINTS * PARTIAL_SHARE)
        feedback(f"{TITLES[name]} test accuracy {accuracy:.2%}: {POINTS * PARTIAL_SHARE:g} of {POINTS} points "
                 f"(all {POINTS} from {full:.2%})")
    else:
        csv = fixtures.meta["kaggle"][name]["csv"]
        raise GradingFailure(
            f"{TITLES[name]} test accuracy of {csv}: {accuracy:.2%}, below {partial:.2%}, the lowest mark that earns "
            f"points ({POINTS * PARTIAL_SHARE:g} points from {partial:.2%}, all {POINTS} from {full:.2%})")


@partial_credit(POINTS)
@number("8.1")
@part("kaggle")
@visibility("visible")
def test_fashion_mnist_predictions(submission, fixtures, feedback, set_score=None):
    """Fashion-MNIST MLP: test-set predictions (predictions/fashion_mnist.csv)"""
    score(submission, fixtures, "fashion_mnist", set_score, feedback)


@partial_credit(POINTS)
@number("8.2")
@part("kaggle")
@visibility("visible")
def test_cifar10_predictions(submission, fixtures, feedback, set_score=None):
    """CIFAR-10 CNN: test-set predictions (predictions/cifar10.csv)"""
    score(submission, fixtures, "cifar10", set_score, feedback)


# Leaderboard columns: weightless tests, so they add no line to the results (gradescope-utils' decorators
# cannot put @leaderboard and @partial_credit on one test: each keeps its value on its own wrapper).
@part("kaggle")
@leaderboard("Fashion-MNIST accuracy (%)")
def test_fashion_mnist_leaderboard(submission, fixtures, set_leaderboard_value=None):
    """Leaderboard: Fashion-MNIST test accuracy (%)"""
    set_leaderboard_value(round(100 * kaggle_accuracy(submission, fixtures, "fashion_mnist")[0], 2))


@part("kaggle")
@leaderboard("CIFAR-10 accuracy (%)")
def test_cifar10_leaderboard(submission, fixtures, set_leaderboard_value=None):
    """Leaderboard: CIFAR-10 test accuracy (%)"""
    set_leaderboard_value(round(100 * kaggle_accuracy(submission, fixtures, "cifar10")[0], 2))
