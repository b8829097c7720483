"""hw0's fixtures, from the reference notebooks: what the network of the starter is made of (its parameters and
layers at each width), which test_hw0.py compares with the facts file's numbers, and the accuracy mark of the
warm-up's training on the CPU budget (the lowest of the reference's runs over SEEDS, minus a margin for other
CPUs' floats), and the robustness mark of Problem 1 on the flip task (from the best the plain recipe
reaches in min(original, flipped) accuracy to the worst the reference's train_robust does: a quarter of the way,
since other valid procedures, such as flipping half of each batch, see fewer flipped images). The other tests
compute their expected values on the grader's side from seeded inputs."""

import hw0_helpers as h

MARGIN = 0.05  # below the reference's lowest accuracy over the seeds (chance is 0.10)
TOLERANCE = 0.05  # how far another machine's calibration may move (trained: torch's floats vary by CPU)


def generate(reference, out, rng):
    p = h.probes(reference)
    nb = h.simple_train(reference)
    arch = {}
    for c in h.PARAMETERS:
        summary = p.summary(nb.make_cnn(c))
        arch[str(c)] = {"parameters": summary["parameters"], "modules": [kind for _, kind in summary["modules"]]}
    out.meta = {"make_cnn": arch}
    budget = h.declared_budgets()["cpu"]
    runs = [h.plain_run(reference, budget, seed) for seed in h.SEEDS]
    accuracies = [accuracy for accuracy, _, _ in runs]
    out.threshold("warmup_accuracy_cpu", min(accuracies) - MARGIN, data=h.fingerprint_data(budget),
                  reference=accuracies[0], tolerance=TOLERANCE,
                  how=f"lowest held-out accuracy of the reference's warm-up recipe on the CPU budget over the seeds "
                      f"{list(h.SEEDS)} ({', '.join(f'{a:.3f}' for a in accuracies)}), minus {MARGIN}")
    task = h.flip_task(budget)
    plain = [min(h.plain_run(reference, budget, seed, task, budget["robust_epochs"])[:2]) for seed in h.SEEDS]
    robust = [min(h.robust_run(reference, budget, seed)[:2]) for seed in h.SEEDS]
    if min(robust) <= max(plain) + 0.1:
        raise ValueError(f"the flip task does not tell robust training ({robust}) from the plain recipe ({plain})")
    out.threshold("robust_min_accuracy_cpu", max(plain) + (min(robust) - max(plain)) / 4,
                  data=h.fingerprint_data(budget, task),
                  reference=robust[0], tolerance=TOLERANCE,
                  how=f"a quarter of the way from the plain recipe's best min(original, flipped) accuracy over the "
                      f"seeds {list(h.SEEDS)} ({', '.join(f'{a:.3f}' for a in plain)}) to the reference "
                      f"train_robust's worst ({', '.join(f'{a:.3f}' for a in robust)}), on the flip task")
