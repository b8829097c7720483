"""Training budgets per device class (autograder/budgets.py): which applies, what the feedback says, the clock."""

from __future__ import annotations

import pytest

from autograder import budgets
from autograder.fixtures import Fixtures, FixtureWriter

BUDGETS = budgets.check_table({"gpu": {"description": "make_cnn(64) for 20 epochs", "max_ratio": 1.5, "width": 64},
                               "cpu": {"description": "make_cnn(16) for 2 epochs", "width": 16}})


class FakeSession:
    def __init__(self, cuda):
        self.cuda, self.calls = cuda, []

    def module(self, name):
        assert name == "_autograder_probes"
        return self

    def cuda_available(self):
        if isinstance(self.cuda, Exception):
            raise self.cuda
        return self.cuda

    def synchronize(self):
        self.calls.append("synchronize")


def test_a_grader_without_a_gpu_takes_the_cpu_budget_and_says_the_gpu_one_was_skipped():
    budget = budgets.choose(BUDGETS, FakeSession(False))
    assert budget.device == "cpu" and budget["width"] == 16 and budget.max_ratio == 2.0  # (the default)
    assert budget.note == ("Budget: make_cnn(16) for 2 epochs, on the CPU (no GPU on this grader). The GPU budget "
                           "was skipped: this grader has no GPU.")
    assert budgets.choose(BUDGETS, FakeSession(RuntimeError("no torch"))).device == "cpu"


def test_a_grader_with_a_gpu_takes_the_gpu_budget():
    budget = budgets.choose(BUDGETS, FakeSession(True))
    assert budget.device == "gpu" and budget["width"] == 64 and budget.max_ratio == 1.5
    assert "on a GPU" in budget.note and "CPU budget was skipped: this grader has a GPU" in budget.note
    only_cpu = {"cpu": BUDGETS["cpu"]}
    assert budgets.choose(only_cpu, FakeSession(True)).device == "cpu"
    with pytest.raises(LookupError, match="no \\[budgets.cpu\\]"):
        budgets.choose({"gpu": BUDGETS["gpu"]}, FakeSession(False))


def test_a_budgets_settings_are_what_it_trains_with_not_its_words_or_time_limit():
    budget = budgets.choose(BUDGETS, FakeSession(True))
    assert budget.settings == {"width": 64} == budgets.training_settings(BUDGETS["gpu"])


def marks(directory, **settings):
    """Fixtures in ``directory`` with a mark per device class named in ``settings`` (its stored settings), and one
    deterministic mark stored without any."""
    writer = FixtureWriter()
    writer.threshold("exact", 1.0, data=[], reference=1.0, how="exact")
    for device, values in settings.items():
        writer.threshold(f"mark_{device}", 0.5, data=[], reference=0.6, how="trained", tolerance=0.1, settings=values)
    writer.write(directory)
    return Fixtures(directory)


def test_a_gpu_budget_without_calibrated_marks_gives_way_to_the_cpu_budget_on_the_gpu(tmp_path):
    cpu_marks = marks(tmp_path / "cpu", cpu={"width": 16})
    assert budgets.calibrated_classes(BUDGETS, cpu_marks) == {"cpu"}
    budget = budgets.choose(BUDGETS, FakeSession(True), budgets.calibrated_classes(BUDGETS, cpu_marks))
    assert budget.device == "cpu" and budget["width"] == 16 and budget.gpu is True
    assert budget.note == ("Budget: make_cnn(16) for 2 epochs, on a GPU. The GPU budget was skipped: no mark in this "
                           "assignment's fixtures was calibrated on it yet, so the CPU budget runs on the GPU.")
    both = marks(tmp_path / "both", cpu={"width": 16}, gpu={"width": 64})
    assert budgets.calibrated_classes(BUDGETS, both) == {"cpu", "gpu"}
    assert budgets.choose(BUDGETS, FakeSession(True), {"cpu", "gpu"}).device == "gpu"
    # marks calibrated on no budget (or none at all): nothing tells, so the device decides as before
    assert budgets.calibrated_classes(BUDGETS, marks(tmp_path / "none")) is None
    assert budgets.calibrated_classes(BUDGETS, marks(tmp_path / "stale", cpu={"width": 8})) is None
    assert budgets.choose(BUDGETS, FakeSession(True), None).device == "gpu"
    assert budgets.choose({"gpu": BUDGETS["gpu"]}, FakeSession(True), {"cpu"}).device == "gpu"  # nothing else
    assert budgets.choose(BUDGETS, FakeSession(False), {"gpu"}).device == "cpu"


def test_the_clock_stops_after_the_device_is_synchronized():
    session = FakeSession(True)
    result, seconds = budgets.timed(session, lambda x: session.calls.append("call") or x * 2, 21)
    assert result == 42 and seconds >= 0 and session.calls == ["call", "synchronize"]


@pytest.mark.parametrize(("table", "message"), [
    ({"tpu": {}}, "the device classes are gpu, cpu"), ({"cpu": 3}, "each a table"),
    ({"cpu": {"max_ratio": "fast"}}, "max_ratio = 'fast': expected a number")])
def test_budgets_are_checked_when_the_assignment_loads(table, message):
    with pytest.raises(ValueError, match=message):
        budgets.check_table(table)
