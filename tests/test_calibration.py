"""Trained marks with a stated false-fail rate (autograder/calibration.py) and how a fitted mark is stored, compared
after a regeneration (a full one and a quick one over fewer seeds) and reported in standard deviations."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

from autograder import calibration
from autograder.fixtures import Fixtures, FixtureWriter, margin_lines
from tests.test_fixtures import DATA, compare_writers, make_writer

SEEDS = list(range(10))
REFERENCE = [0.60, 0.62, 0.58, 0.61, 0.59, 0.63, 0.60, 0.57, 0.62, 0.60]
VARIANT = [0.52, 0.55, 0.50, 0.56, 0.49, 0.53, 0.54, 0.51, 0.55, 0.52]


def test_the_mark_sits_z_standard_deviations_below_the_worst_variant() -> None:
    mark, record = calibration.normal_mark({"reference": REFERENCE, "variant": VARIANT}, seeds=SEEDS,
                                           min_spread=0.01)
    z = statistics.NormalDist().inv_cdf(0.99)
    assert mark == pytest.approx(statistics.fmean(VARIANT) - z * statistics.stdev(VARIANT))
    # under the fit, a correct answer of the worse variant fails with probability 1%; the reference's less
    fitted = statistics.NormalDist(statistics.fmean(VARIANT), statistics.stdev(VARIANT))
    assert fitted.cdf(mark) == pytest.approx(0.01)
    assert record["variants"]["variant"]["margin_sd"] == pytest.approx(z)
    assert record["variants"]["reference"]["margin_sd"] > z
    assert record["runs"]["variant"] == VARIANT and record["seeds"] == SEEDS and record["fit"] == "normal"


def test_an_error_rate_passes_below_its_mark() -> None:
    errors = [0.0, 0.01, 0.0, 0.02, 0.0, 0.0, 0.01, 0.0, 0.0, 0.03]
    mark, record = calibration.normal_mark({"reference": errors}, seeds=SEEDS, min_spread=0.005, higher_passes=False)
    assert mark == pytest.approx(statistics.fmean(errors) + calibration.z_score(0.01) * statistics.stdev(errors))
    assert record["passes"] == "at or below" and calibration.margins(record, mark)["reference"] == pytest.approx(
        calibration.z_score(0.01))


def test_runs_all_alike_count_the_least_spread() -> None:
    mark, record = calibration.normal_mark({"reference": [0.9] * 10}, seeds=SEEDS, min_spread=0.05)
    assert mark == pytest.approx(0.9 - calibration.z_score(0.01) * 0.05)
    assert record["variants"]["reference"]["sd"] == 0.05


def test_each_variant_needs_a_run_per_seed() -> None:
    with pytest.raises(ValueError, match="one score per seed"):
        calibration.normal_mark({"reference": REFERENCE[:9]}, seeds=SEEDS, min_spread=0.01)


def test_the_description_carries_no_trained_number() -> None:
    _, record = calibration.normal_mark({"reference": REFERENCE, "kernel-3 Net": VARIANT}, seeds=SEEDS,
                                        min_spread=0.01)
    text = calibration.describe(record)
    assert "each correct variant's runs over the seeds (reference, kernel-3 Net)" in text and "at most 1%" in text
    assert not any(f"{v:.2f}"[1:] in text for v in REFERENCE + VARIANT)  # no .60, .52 ...


# -- stored, compared, reported -------------------------------------------------------------------------------
def fitted_writer(runs: dict[str, list[float]], seeds_limit: int | None = None) -> FixtureWriter:
    writer = make_writer()
    writer.seeds_limit = seeds_limit
    seeds = writer.seeds(SEEDS)
    writer.fitted_threshold("accuracy", {k: v[:len(seeds)] for k, v in runs.items()}, seeds=seeds, what="accuracy",
                            min_spread=0.01, tolerance=0.03, data=DATA, settings={"epochs": 2})
    return writer


def test_a_fitted_mark_is_stored_with_its_runs_and_applied_like_any_mark(tmp_path: Path) -> None:
    fitted_writer({"reference": REFERENCE, "variant": VARIANT}).write(tmp_path)
    fixtures = Fixtures(tmp_path)
    mark = fixtures.threshold("accuracy", data=DATA, settings={"epochs": 2})
    assert mark == pytest.approx(calibration.normal_mark({"reference": REFERENCE, "variant": VARIANT}, seeds=SEEDS,
                                                         min_spread=0.01)[0])
    info = fixtures.threshold_info("accuracy")
    assert info["reference"] == pytest.approx(statistics.fmean(REFERENCE)) and info["how"].startswith("accuracy: ")
    [line] = margin_lines(tmp_path)
    assert line.startswith(f"accuracy: mark {mark:.4f} (at or above), 10 seeds; reference 0.602 ± 0.019")
    assert "variant 0.527 ± 0.023 (2.33 sd)" in line


def test_a_regeneration_compares_each_run_within_tolerance(tmp_path: Path) -> None:
    runs = {"reference": REFERENCE, "variant": VARIANT}
    assert compare_writers(tmp_path / "same", fitted_writer(runs), fitted_writer(runs)).ok
    moved = {"reference": list(np.add(REFERENCE, 0.02)), "variant": VARIANT}
    within = compare_writers(tmp_path / "within", fitted_writer(runs), fitted_writer(moved))
    assert within.ok, within.problems
    assert any("standard deviations from the committed mark" in note for note in within.notes)
    beyond = {"reference": REFERENCE, "variant": [*VARIANT[:3], VARIANT[3] - 0.05, *VARIANT[4:]]}
    result = compare_writers(tmp_path / "beyond", fitted_writer(runs), fitted_writer(beyond))
    assert [p.split(":")[0] for p in result.problems] == ["threshold 'accuracy'"]
    assert "a run of variant moved by 0.0500" in result.problems[0]


def test_a_quick_regeneration_reruns_the_first_seeds_and_leaves_the_mark(tmp_path: Path) -> None:
    runs = {"reference": REFERENCE, "variant": VARIANT}
    quick = fitted_writer(runs, seeds_limit=2)
    assert quick.thresholds["accuracy"]["calibration"]["seeds"] == SEEDS[:2]
    result = compare_writers(tmp_path / "quick", fitted_writer(runs), quick)
    assert result.ok, result.problems
    assert any("2 of its 10 seeds rerun" in note for note in result.notes)
    wrong = {"reference": [REFERENCE[0] + 0.1, *REFERENCE[1:]], "variant": VARIANT}
    assert not compare_writers(tmp_path / "wrong", fitted_writer(runs), fitted_writer(wrong, seeds_limit=2)).ok


def test_other_variants_or_another_fit_are_problems(tmp_path: Path) -> None:
    runs = {"reference": REFERENCE, "variant": VARIANT}
    fewer = compare_writers(tmp_path / "a", fitted_writer(runs), fitted_writer({"reference": REFERENCE}))
    assert any("its fit or its variants changed" in p for p in fewer.problems)
