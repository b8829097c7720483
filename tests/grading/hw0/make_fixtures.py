"""hw0's fixtures, from the reference notebooks: what the network of the starter is made of (its parameters and
layers at each width), which the grading tests compare with the facts file's numbers (test_hw0.py). The other
tests compute their expected values on the grader's side from seeded inputs."""

import hw0_helpers as h


def generate(reference, out, rng):
    p = h.probes(reference)
    nb = h.simple_train(reference)
    arch = {}
    for c in h.PARAMETERS:
        summary = p.summary(nb.make_cnn(c))
        arch[str(c)] = {"parameters": summary["parameters"], "modules": [kind for _, kind in summary["modules"]]}
    out.meta = {"make_cnn": arch}
