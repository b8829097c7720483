"""hw0's fixtures, from the reference notebooks: what the network of the starter is made of (its parameters and
layers at each width), which test_hw0.py compares with the facts file's numbers, and the accuracy mark of the
warm-up's training on the CPU budget (the lowest of the reference's runs over SEEDS, minus a margin for other
CPUs' floats), and the robustness mark of Problem 1 on the flip task (from the best the plain recipe
reaches in min(original, flipped) accuracy to the worst the reference's train_robust does: a quarter of the way,
since other valid procedures, such as flipping half of each batch, see fewer flipped images), and Problem 2's
marks for random_label_errors at p = 1 (the wide network's train error at most the reference's worst plus a
margin, the narrow one's at least its best minus one). The other tests compute their expected values on the
grader's side from seeded inputs."""

import hw0_helpers as h

from autograder.budgets import training_settings

MARGIN = 0.05  # below the reference's lowest accuracy over the seeds (chance is 0.10)
TOLERANCE = 0.05  # how far another machine's calibration may move (trained: torch's floats vary by CPU)
FITS_MARGIN = 0.1  # above the wide network's worst train error on random labels (another valid way to measure it,
#                    the last epoch's running accuracy in train mode, reads a little higher than evaluate's)
CANNOT_MARGIN = 0.2  # below the narrow network's best (its error after 20 epochs varies by seed: 0.43-0.66 here)


def generate(reference, out, rng):
    p = h.probes(reference)
    nb = h.simple_train(reference)
    arch = {}
    for c in h.PARAMETERS:
        summary = p.summary(nb.make_cnn(c))
        arch[str(c)] = {"parameters": summary["parameters"], "modules": [kind for _, kind in summary["modules"]]}
    out.meta = {"make_cnn": arch}
    budget = h.declared_budgets()["cpu"]
    settings = training_settings(budget)  # stored with each mark: a budget edited later is refused
    runs = [h.plain_run(reference, budget, seed) for seed in h.SEEDS]
    accuracies = [accuracy for accuracy, _, _ in runs]
    out.threshold("warmup_accuracy_cpu", min(accuracies) - MARGIN, data=h.fingerprint_data(budget),
                  reference=accuracies[0], tolerance=TOLERANCE, settings=settings,
                  how=f"lowest held-out accuracy of the reference's warm-up recipe on the CPU budget over the seeds "
                      f"{list(h.SEEDS)} ({', '.join(f'{a:.3f}' for a in accuracies)}), minus {MARGIN}")
    task = h.flip_task(budget)
    plain = [min(h.plain_run(reference, budget, seed, task, budget["robust_epochs"])[:2]) for seed in h.SEEDS]
    robust = [min(h.robust_run(reference, budget, seed)[:2]) for seed in h.SEEDS]
    if min(robust) <= max(plain) + 0.1:
        raise ValueError(f"the flip task does not tell robust training ({robust}) from the plain recipe ({plain})")
    out.threshold("robust_min_accuracy_cpu", max(plain) + (min(robust) - max(plain)) / 4,
                  data=h.fingerprint_data(budget, task),
                  reference=robust[0], tolerance=TOLERANCE, settings=settings,
                  how=f"a quarter of the way from the plain recipe's best min(original, flipped) accuracy over the "
                      f"seeds {list(h.SEEDS)} ({', '.join(f'{a:.3f}' for a in plain)}) to the reference "
                      f"train_robust's worst ({', '.join(f'{a:.3f}' for a in robust)}), on the flip task")

    wide, narrow = budget["random_labels_widths"]
    data = h.fingerprint_data(budget, h.random_labels_data(budget))
    errors = {c: [h.random_labels_run(reference, budget, c, seed)["train"] for seed in h.SEEDS] for c in (wide, narrow)}
    fits, cannot = max(errors[wide]) + FITS_MARGIN, min(errors[narrow]) - CANNOT_MARGIN
    if cannot <= fits + 0.1:
        raise ValueError(f"on random labels make_cnn({wide}) ({errors[wide]}) and make_cnn({narrow}) "
                         f"({errors[narrow]}) are too close to tell apart: enlarge the budget")
    seeds = f"the seeds {list(h.SEEDS)}"
    out.threshold("random_labels_wide_error_cpu", fits, data=data, reference=errors[wide][0], tolerance=TOLERANCE,
                  settings=settings,
                  how=f"the reference's worst train error of make_cnn({wide}) on random labels over {seeds} "
                      f"({', '.join(f'{e:.3f}' for e in errors[wide])}), plus {FITS_MARGIN}")
    out.threshold("random_labels_narrow_error_cpu", cannot, data=data, reference=errors[narrow][0],
                  tolerance=3 * TOLERANCE, settings=settings,
                  how=f"the reference's best train error of make_cnn({narrow}) on random labels over {seeds} "
                      f"({', '.join(f'{e:.3f}' for e in errors[narrow])}), minus {CANNOT_MARGIN}")
