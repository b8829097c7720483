"""Trained pass marks with a stated false-fail rate: a normal fit of correct runs' scores.

A mark a grading test earns by training (an accuracy after a bounded budget, a train error on random labels) is
set from correct runs: the reference, and each variant the handout invites (pset4's kernel-3 ``Net``, say), each
over the same seeds. Each variant's scores get a normal fit (mean, sample standard deviation); the mark sits
``z`` standard deviations on the failing side of the worst variant's mean, with ``z`` the normal quantile of the
false-fail rate (1%: 2.326), so that a correct answer of any variant falls on the failing side with probability
at most that rate under the fit. A spread below ``min_spread`` (all seeds alike, or fewer than two seeds) counts
as ``min_spread``: the fit cannot claim more certainty than the data's resolution and other machines' floats.

``normal_mark`` returns the mark and the record the manifest keeps (the runs, each variant's fit, the margin of
each in standard deviations); ``margins`` recomputes the margins of a committed mark from fresh runs, for
``autograder fixtures ID --check``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

#: The false-fail rate every trained mark is set for, unless its assignment says otherwise.
FALSE_FAIL = 0.01


def z_score(false_fail: float) -> float:
    """The normal quantile a mark sits from the mean at, for a one-sided ``false_fail`` rate."""
    return statistics.NormalDist().inv_cdf(1.0 - false_fail)


def fit(values: Sequence[float], min_spread: float) -> tuple[float, float]:
    """Mean and standard deviation (sample, at least ``min_spread``) of ``values``."""
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, max(sd, min_spread)


def normal_mark(runs: Mapping[str, Sequence[float]], *, seeds: Sequence[int], min_spread: float,
                higher_passes: bool = True, false_fail: float = FALSE_FAIL) -> tuple[float, dict[str, Any]]:
    """The mark for correct runs ``runs`` (variant name -> score per seed, in the order of ``seeds``; the first
    variant is the reference) and its record.

    ``higher_passes``: a score at or above the mark passes (an accuracy); else at or below (an error rate).
    """
    if not runs or any(len(values) != len(seeds) for values in runs.values()):
        raise ValueError(f"each variant needs one score per seed ({len(seeds)}): {dict(runs)}")
    z, sign = z_score(false_fail), 1.0 if higher_passes else -1.0
    fits = {name: fit(values, min_spread) for name, values in runs.items()}
    marks = [mean - sign * z * sd for mean, sd in fits.values()]
    mark = min(marks) if higher_passes else max(marks)
    record = {
        "fit": "normal", "false_fail": false_fail, "z": round(z, 4), "min_spread": min_spread,
        "passes": "at or above" if higher_passes else "at or below", "seeds": list(seeds),
        "runs": {name: [float(v) for v in values] for name, values in runs.items()},
        "variants": {name: {"mean": mean, "sd": sd, "margin_sd": sign * (mean - mark) / sd}
                     for name, (mean, sd) in fits.items()},
    }
    return mark, record


def margins(record: Mapping[str, Any], mark: float) -> dict[str, float]:
    """Each variant's margin in standard deviations (of its own runs in ``record``) to ``mark``: how far on the
    passing side its mean sits. At the calibration, the worst is ``z``."""
    sign = 1.0 if record["passes"] == "at or above" else -1.0
    out = {}
    for name, values in record["runs"].items():
        mean, sd = fit(values, record["min_spread"])
        out[name] = sign * (mean - mark) / sd
    return out


def describe(record: Mapping[str, Any]) -> str:
    """The fit in words without any trained number (those move with the machine; they live in the record)."""
    variants = list(record["runs"])
    return (f"a normal fit of each correct variant's runs over the seeds ({', '.join(variants)}): the "
            f"worst variant's mean {'minus' if record['passes'] == 'at or above' else 'plus'} {record['z']:g} "
            f"standard deviations (at least {record['min_spread']:g} each), so that a correct answer fails with "
            f"probability at most {record['false_fail']:.0%} under the fit")
