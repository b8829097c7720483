"""Tests for autograder/plugin.py (through autograder/grading.py): grading tests become scored results."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from autograder import assignment as assignments
from autograder.config import Timeouts
from autograder.errors import AssignmentError, BadSubmission, GradingFailure, StudentCodeError
from autograder.grading import GradeReport, collect, grade
from autograder.plugin import in_question, number_key, student_message
from tests.support.toy import TESTS, build_toy, submission
from tests.support.trees import load_validated, write_tree, write_zip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    root = build_toy(tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUTOGRADER_HOME", str(root))
        yield root


@pytest.fixture
def toy(home: Path) -> assignments.Assignment:
    return assignments.load("toy")  # found through $AUTOGRADER_HOME


def run(toy, source: Path, out: Path, **kwargs) -> tuple[dict, GradeReport]:
    report = grade(toy, source, out=out, **kwargs)
    data = load_validated(out)
    assert data["score"] == pytest.approx(report.results.score)
    return data, report


def by_number(data: dict) -> dict[str, dict]:
    return {t["number"]: t for t in data["tests"]}


def test_assignment_is_found_through_autograder_home(toy, home: Path) -> None:
    assert toy.root == home.resolve() and toy.title == "Toy assignment" and toy.seed == 7
    assert toy.timeouts.call == 5 and toy.limits.memory_mb == 2048
    assert assignments.available() == ["toy"]


def test_reference_results(toy, tmp_path: Path) -> None:
    data, report = run(toy, toy.reference_dir, tmp_path / "results.json")
    assert report.ok, report.errors
    tests = by_number(data)
    # sorted by number, across files: "1.10" after "1.9", "1.11" after "1.10"
    assert [t["number"] for t in data["tests"]] == ["1.1", "1.2", "1.9", "1.10", "1.11", "2.1", "2.2"]
    assert tests["1.1"] == {"name": "1.1 Adds two numbers", "score": 2.0, "max_score": 2.0, "status": "passed",
                            "number": "1.1", "tags": ["arith", "easy"]}
    assert tests["1.2"]["max_score"] == 3.0 and tests["1.2"]["status"] == "passed"
    assert tests["1.9"]["visibility"] == "after_due_date"
    assert tests["1.11"]["visibility"] == "hidden"
    assert "visibility" not in tests["1.1"]
    # partial credit: the test called set_score(1.5) out of 4
    assert (tests["2.1"]["score"], tests["2.1"]["max_score"], tests["2.1"]["status"]) == (1.5, 4.0, "failed")
    # a bug in the grading test itself: a readable message, never the traceback
    assert tests["2.2"]["score"] == 0 and tests["2.2"]["status"] == "failed"
    assert tests["2.2"]["output"].startswith("The grader could not check your result (KeyError: 'missing')")
    assert "Traceback" not in tests["2.2"]["output"]
    assert "KeyError" in report.staff_log and "grade_extra.py" in report.staff_log
    # the leaderboard test has no weight: a leaderboard entry, not a test
    assert data["leaderboard"] == [{"name": "speed", "value": 0.25, "order": "asc"}]
    assert "3.1" not in tests
    assert data["score"] == 2 + 3 + 1 + 1 + 1 + 1.5 + 0
    assert data["execution_time"] > 0


def test_failing_tests_say_why(toy, tmp_path: Path) -> None:
    source = submission(
        tmp_path / "sub",
        add="def add(a, b):\n    return a + b + 1\n",
        square="def square(X):\n    return np.asarray(X) * 2\n",
        chatty="def chatty(x):\n    print('debugging', x)\n    raise ValueError('chatty is broken')\n",
        hidden="def hidden():\n    return 0\n",
    )
    data, report = run(toy, source, tmp_path / "results.json")
    assert report.ok
    tests = by_number(data)
    assert tests["1.1"]["output"] == "add(1, 2) returned 4, expected 3"
    assert tests["1.10"]["status"] == "failed" and tests["1.10"]["score"] == 0
    square = tests["1.2"]["output"]
    assert square.startswith("square(X): values differ from the expected ones")
    assert "shape (3, 4), dtype float64" in square and "first mismatch at index" in square
    chatty = tests["1.9"]["output"]
    assert chatty.startswith("chatty raised ValueError: chatty is broken (at calc.py:")
    assert "Your code printed:\ndebugging 3" in chatty
    assert tests["1.11"]["output"] == "The hidden check failed."
    assert tests["2.1"]["score"] == 1.5  # the others still ran
    assert data["score"] == 1.5


def test_set_score_does_not_leak_between_runs(toy, tmp_path: Path) -> None:
    first, _ = run(toy, submission(tmp_path / "a", partial="def partial():\n    return 0.5\n"), tmp_path / "a.json")
    second, _ = run(toy, submission(tmp_path / "b", partial="def partial():\n    return None\n"),
                    tmp_path / "b.json")
    third, _ = run(toy, submission(tmp_path / "c", partial="def partial():\n    return 99\n"), tmp_path / "c.json")
    assert by_number(first)["2.1"]["score"] == 0.5
    assert by_number(second)["2.1"]["score"] == 4.0  # passed without set_score: full marks, not 0.5
    assert by_number(third)["2.1"]["score"] == 4.0   # clipped to the weight
    assert by_number(third)["2.1"]["status"] == "passed"


def test_visible_only_drops_hidden_tests(toy, tmp_path: Path) -> None:
    seen = []
    data, _ = run(toy, toy.reference_dir, tmp_path / "results.json", visible_only=True, on_result=seen.append)
    numbers = [t["number"] for t in data["tests"]]
    assert numbers == ["1.1", "1.2", "1.10", "2.1", "2.2"]
    assert [r.number for r in seen] == numbers
    counted = []
    run(toy, toy.reference_dir, tmp_path / "again.json", visible_only=True, on_collected=counted.append)
    assert counted == [len(numbers)], "the count reported up front must match the results that follow"
    assert [t.number for t in collect(toy, visible_only=True)] == numbers + ["3.1"]
    assert [t.number for t in collect(toy)] == ["1.1", "1.2", "1.9", "1.10", "1.11", "2.1", "2.2", "3.1"]


@pytest.mark.parametrize("kind", ["garbage_zip", "text_file"])
def test_unreadable_submission_scores_zero_everywhere(toy, tmp_path: Path, kind: str) -> None:
    if kind == "garbage_zip":
        source = tmp_path / "submission.zip"
        source.write_bytes(b"this is not a zip archive")
    else:
        source = tmp_path / "answers.txt"
        source.write_text("42")
    counted = []
    data, report = run(toy, source, tmp_path / "results.json", on_collected=counted.append)
    assert data["score"] == 0
    assert len(data["tests"]) == 7 and counted == [7]
    assert {t["score"] for t in data["tests"]} == {0}
    assert {t["status"] for t in data["tests"]} == {"failed"}
    reasons = {t["output"] for t in data["tests"]}
    assert len(reasons) == 1
    reason = reasons.pop()
    expected = "not a readable .zip archive" if kind == "garbage_zip" else "nor a notebook"
    assert expected in reason
    assert data["output"].startswith("Your submission could not be graded")
    assert by_number(data)["1.11"]["visibility"] == "hidden"


def test_zip_submission_is_graded(toy, tmp_path: Path) -> None:
    source = write_zip(tmp_path / "upload.zip",
                       {"hw/calc.py": (toy.reference_dir / "calc.py").read_text(), "__MACOSX/._calc.py": b"\0"})
    data, _ = run(toy, source, tmp_path / "results.json")
    assert by_number(data)["1.2"]["status"] == "passed"


def test_what_intake_leaves_out_is_noted_and_the_rest_graded(toy, tmp_path: Path) -> None:
    source = write_tree(tmp_path / "upload", {"calc.py": (toy.reference_dir / "calc.py").read_text()})
    (source / "answers.py").symlink_to(toy.reference_dir / "calc.py")
    data, report = run(toy, source, tmp_path / "results.json")
    assert report.ok and data["score"] == run(toy, toy.reference_dir, tmp_path / "ref.json")[0]["score"]
    assert "Note: 'answers.py' was left out of your submission: it is a symbolic link" in data["output"]


def test_an_intake_crash_still_writes_results(toy, tmp_path: Path, monkeypatch) -> None:
    from autograder import grading

    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(grading, "unpack", explode)
    data, report = run(toy, toy.reference_dir, tmp_path / "results.json")
    assert data["score"] == 0 and data["tests"] and all(t["status"] == "failed" for t in data["tests"])
    assert "could not read your submission (RecursionError)" in data["tests"][0]["output"]
    assert any("intake failed: RecursionError" in e for e in report.errors)


def test_crash_and_timeout_cost_only_their_tests(toy, tmp_path: Path) -> None:
    fast = dataclasses.replace(toy, timeouts=Timeouts(call=1, total=60))
    source = submission(
        tmp_path / "sub",
        add="def add(a, b):\n    import os\n    os._exit(3)\n",
        chatty="def chatty(x):\n    while True:\n        pass\n",
    )
    data, report = run(fast, source, tmp_path / "results.json")
    assert report.ok
    tests = by_number(data)
    assert "the worker exited with status 3" in tests["1.1"]["output"]
    assert "did not finish within 1 s" in tests["1.9"]["output"]
    for number in ("1.2", "1.11"):
        assert tests[number]["status"] == "passed", tests[number]


def test_missing_fixtures_blame_the_assignment(toy, tmp_path: Path) -> None:
    bare = dataclasses.replace(toy, root=tmp_path / "home")
    write_tree(bare.tests_dir, TESTS)
    shutil.copytree(toy.reference_dir, bare.reference_dir)
    data, _ = run(bare, toy.reference_dir, tmp_path / "results.json")
    tests = by_number(data)
    assert tests["1.2"]["output"].startswith("This test could not run because of a problem in the assignment")
    assert "autograder fixtures" in tests["1.2"]["output"]
    assert tests["1.1"]["status"] == "passed"


def test_broken_grading_file_is_reported(toy, tmp_path: Path) -> None:
    broken = dataclasses.replace(toy, root=tmp_path / "home")
    write_tree(broken.tests_dir, {**TESTS, "grade_extra.py": "def test_oops(:\n"})
    shutil.copytree(toy.fixtures_dir, broken.fixtures_dir)
    data, report = run(broken, toy.reference_dir, tmp_path / "results.json")
    assert not report.ok
    assert any("grade_extra.py" in error for error in report.errors)
    assert data["output"] == "Some grading tests could not run; your instructor has been told."
    # pytest stops at a collection error: no partial total that would look like full marks
    assert data["tests"] == [] and data["score"] == 0


def test_grading_the_same_file_names_in_another_assignment(toy, tmp_path: Path) -> None:
    # pytest caches test modules by name; a second assignment with a grade_extra.py of its own
    # must run its own tests, not the first one's.
    other = dataclasses.replace(toy, root=tmp_path / "home")
    write_tree(other.tests_dir, {"grade_extra.py": TESTS["grade_extra.py"].replace("Grader bug", "Other")})
    grade(toy, toy.reference_dir)
    data, _ = run(other, toy.reference_dir, tmp_path / "results.json")
    assert [t["name"] for t in data["tests"]] == ["2.2 Other"]


# -- pieces -----------------------------------------------------------------------------------------

def test_optional_parts_are_reported_worth_nothing_and_parts_off_are_left_out(toy, tmp_path: Path) -> None:
    """[parts] in assignment.toml: "optional" keeps a test (failed or passed) at 0 points, "off" drops it."""
    graded, _ = run(toy, toy.reference_dir, tmp_path / "graded.json")
    optional, report = run(dataclasses.replace(toy, parts={"extras": "optional"}), toy.reference_dir,
                           tmp_path / "optional.json")
    assert report.ok, report.errors
    tests = by_number(optional)
    assert tests["1.10"]["name"] == "1.10 Tenth (optional)" and tests["1.10"]["max_score"] == 0
    assert tests["1.10"]["status"] == "passed" and "not counted in your score" in tests["1.10"]["output"]
    assert tests["2.1"]["max_score"] == tests["2.1"]["score"] == 0  # partial credit capped at no points
    assert optional["score"] == graded["score"] - by_number(graded)["1.10"]["score"] - by_number(graded)["2.1"]["score"]
    wrong = submission(tmp_path / "wrong", add="def add(a, b):\n    return a - b\n")
    failing, _ = run(dataclasses.replace(toy, parts={"extras": "optional"}), wrong, tmp_path / "failing.json")
    ten = by_number(failing)["1.10"]
    assert (ten["status"], ten["score"], ten["max_score"]) == ("failed", 0, 0)
    assert ten["output"].startswith("Optional part: it is not counted in your score.")
    off, report = run(dataclasses.replace(toy, parts={"extras": "off"}), toy.reference_dir, tmp_path / "off.json")
    assert report.ok and set(by_number(off)) == set(by_number(graded)) - {"1.10", "2.1"}
    assert [t.number for t in collect(dataclasses.replace(toy, parts={"extras": "off"}))].count("1.10") == 0


def test_a_parts_entry_no_test_uses_is_an_assignment_error(toy, tmp_path: Path) -> None:
    _, report = run(dataclasses.replace(toy, parts={"extra": "off"}), toy.reference_dir, tmp_path / "results.json")
    assert any("[parts] in assignment.toml names extra" in e for e in report.errors)


def test_parts_states_are_checked_when_the_assignment_loads(tmp_path: Path) -> None:
    folder = tmp_path / "tests" / "grading" / "x"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text('title = "x"\nkind = "package"\n[parts]\nbonus = "maybe"\n')
    with pytest.raises(AssignmentError, match="bonus = 'maybe': choose one of graded, optional, off"):
        assignments.load("x", tmp_path)


def test_number_key_sorts_like_people_do() -> None:
    numbers = ["2.1", "1.10", None, "1.9", "10.1", "1.2.3", "1.2", "3"]
    assert sorted(numbers, key=number_key) == ["1.2", "1.2.3", "1.9", "1.10", "2.1", "3", "10.1", None]
    lettered = ["2.4e", "2.10a", "2.2.4", "2.4", "2.1a.ii.1", "2.1a.i", "2.9", "2.1c"]
    assert sorted(lettered, key=number_key) == ["2.1a.i", "2.1a.ii.1", "2.1c", "2.2.4", "2.4", "2.4e", "2.9", "2.10a"]


def test_a_question_holds_its_number_and_those_below_it() -> None:
    assert in_question("2.1", "2.1") and in_question("2.1a.i", "2.1") and in_question("2.1.2", "2.1")
    assert in_question("2.1a.i", "2.1a") and not in_question("2.1c", "2.1a")
    assert not in_question("2.10", "2.1") and not in_question("12.1", "2.1") and not in_question(None, "2.1")
    assert in_question("2.1a.ii.2", "2.1a.ii") and not in_question("2.1a.iii", "2.1a.ii")  # roman numerals end too


@pytest.mark.parametrize(("exc", "message"), [
    (GradingFailure("Y: expected shape (2,), got shape (3,)"), "Y: expected shape (2,), got shape (3,)"),
    (StudentCodeError("forward raised ValueError: x"), "forward raised ValueError: x"),
    (BadSubmission("the submission is empty"), "the submission is empty"),
    (AssignmentError("fixtures missing"),
     "This test could not run because of a problem in the assignment, not in your work: fixtures missing"),
    (AssertionError("first line\nassert 1 == 2"), "first line"),
    (AssertionError(), "A check on your output failed."),
])
def test_student_message(exc: BaseException, message: str) -> None:
    assert student_message(exc) == message


def test_student_message_for_grader_errors_is_bounded() -> None:
    message = student_message(TypeError("x" * 10_000))
    assert message.startswith("The grader could not check your result (TypeError: ")
    assert len(message) < 500


def test_list_warns_about_a_test_that_declares_no_points() -> None:
    import io

    from rich.console import Console

    from autograder import report
    from autograder.plugin import TestInfo

    def info(name: str, weight: float, declared: bool) -> TestInfo:
        return TestInfo(f"grade_x.py::test_{name}", name, None, weight, None, [], None, None, None,
                        declares_points=declared)

    out = io.StringIO()
    report.listing([("toy", "Toy", [info("counted", 2, True), info("zero on purpose", 0, True),
                                    info("forgotten", 0, False)])], Console(file=out, width=200))
    warnings = [line for line in out.getvalue().splitlines() if line.startswith("WARNING")]
    assert warnings == ["WARNING: toy: forgotten (grade_x.py::test_forgotten) has no @weight (nor @partial_credit or "
                        "@leaderboard): it is worth 0 points"]


BUDGET_TESTS = {
    "assignment.toml": TESTS["assignment.toml"] + """
        [budgets.gpu]
        description = "the course's recipe"
        width = 64

        [budgets.cpu]
        description = "a bounded budget"
        width = 16
    """,
    "grade_budget.py": '''\
        from autograder.decorators import weight


        @weight(1)
        def test_budget(budget, fixtures, feedback):
            """Trains on the budget"""
            feedback(budget.note)
            assert fixtures.threshold(f"mark_{budget.device}", data=[], settings=budget.settings) == 0.5
    ''',
}


@pytest.mark.parametrize("marks, device", [(("cpu",), "cpu"), (("cpu", "gpu"), "gpu")])
def test_a_gpu_grader_takes_the_gpu_budget_only_once_its_marks_are_calibrated(
        toy, tmp_path: Path, monkeypatch, marks, device) -> None:
    from autograder import budgets
    from autograder.fixtures import FixtureWriter

    home = dataclasses.replace(toy, root=tmp_path / "home")
    write_tree(home.tests_dir, BUDGET_TESTS)
    home = assignments.load("toy", home.root)
    writer = FixtureWriter()
    for name in marks:
        writer.threshold(f"mark_{name}", 0.5, data=[], reference=0.6, how="toy", tolerance=0.1,
                         settings=budgets.training_settings(home.budgets[name]))
    writer.write(home.fixtures_dir)
    monkeypatch.setattr(budgets, "cuda_on", lambda session: True)  # a grader whose worker sees a GPU
    data, _ = run(home, toy.reference_dir, tmp_path / "results.json")
    [test] = data["tests"]
    assert test["status"] == "passed", test["output"]
    assert f"Budget: {home.budgets[device]['description']}, on a GPU." in test["output"]
    if device == "cpu":  # the uncalibrated GPU budget would fail correct work: skipped, and said why
        assert ("The GPU budget was skipped: no mark in this assignment's fixtures was calibrated on it"
                in test["output"])
