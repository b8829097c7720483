"""Warm-up: the starter's own code (make_cnn, Flatten), which students run and may tune but do not write: checked
so that a broken copy is said, worth no points (the training budget of the warm-up comes with the runtime
tests)."""

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
@number("0.2")
@visibility("visible")
def test_warmup_training_reaches_the_mark_within_the_time_budget(submission, reference, fixtures, budget, feedback):
    """The warm-up's recipe with the notebook's make_cnn, make_loader and train_epoch: the accuracy the reference
    reaches on the same budget and device, the model and every batch on the device, in at most max_ratio times
    the reference's time"""
    feedback(budget.note)
    if budget.device != "cpu":
        checks.assert_true(False, "the GPU budget has no calibrated mark yet: run `autograder fixtures hw0` on a GPU")
    accuracy, _, seconds = h.plain_run(submission, budget, h.SEEDS[0])
    mark = fixtures.threshold(f"warmup_accuracy_{budget.device}", data=h.fingerprint_data(budget))
    feedback(f"Held-out accuracy {accuracy:.3f} (the mark: {mark:.3f}); training took {seconds:.1f} s.")
    checks.assert_true(accuracy >= mark, f"after the budget the network classifies {accuracy:.1%} of the held-out "
                       f"images; the reference's recipe reaches at least {mark:.1%} on the same budget")
    problem = h.placement_problem(submission, budget, h.SEEDS[0])
    checks.assert_true(not problem, problem)
    feedback("The model and every batch went to the device" + (" (counted on this grader, which has no GPU: .cuda() "
             "runs on the CPU)." if budget.device == "cpu" else "."))
    submission.quiesce()  # the reference trains alone: one kernel at a time fits the memory, and a fair clock
    _, _, reference_s = h.plain_run(reference, budget, h.SEEDS[0])
    checks.assert_true(seconds <= budget.max_ratio * reference_s, f"training took {seconds:.1f} s, "
                       f"{seconds / reference_s:.1f} times the reference's {reference_s:.1f} s on this grader (at most "
                       f"{budget.max_ratio:g} times): is something synchronizing or copying data every batch?")
