"""Tests for autograder/results.py: the results.json model, its validation and its atomic write."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest

from autograder import results
from autograder.results import MAX_OUTPUT, Results, TestResult, clip, fallback, validate, write

SHARED_SCHEMA = Path("/work/shared/gradescope/results.schema.json")


def sample() -> Results:
    return Results(
        tests=[
            TestResult(name="1.1 ReLU forward", number="1.1", max_score=1, score=1, tags=["layers", 3]),
            TestResult(name="1.2 ReLU backward", number="1.2", max_score=2, score=0.5, output="off by one",
                       visibility="after_due_date"),
            TestResult(name="2.1 hidden", max_score=1, score=0, visibility="hidden", status="failed"),
        ],
        output="overall", execution_time=1.23456, leaderboard=[{"name": "acc", "value": 0.9, "order": "desc"}],
        visibility="visible", stdout_visibility="hidden", extra_data={"worker": "ok"},
    )


def test_to_dict_is_valid_and_complete() -> None:
    data = sample().to_dict()
    validate(data)
    assert data["score"] == 1.5
    assert data["execution_time"] == 1.235
    assert data["tests"][0] == {"name": "1.1 ReLU forward", "score": 1.0, "max_score": 1.0, "status": "passed",
                                "number": "1.1", "tags": ["layers", "3"]}
    assert data["tests"][1]["status"] == "failed" and data["tests"][1]["output"] == "off by one"
    assert data["tests"][1]["visibility"] == "after_due_date"
    assert "number" not in data["tests"][2] and "output" not in data["tests"][2]
    assert data["leaderboard"] == [{"name": "acc", "value": 0.9, "order": "desc"}]
    assert (data["visibility"], data["stdout_visibility"]) == ("visible", "hidden")
    assert data["extra_data"] == {"worker": "ok"}


def test_minimal_results_are_valid() -> None:
    data = Results().to_dict()
    assert data == {"score": 0, "tests": []}
    validate(data)


def test_status_and_score() -> None:
    assert TestResult(name="t", max_score=2, score=2).passed
    assert not TestResult(name="t", max_score=2, score=1.999).passed
    assert not TestResult(name="t", max_score=2, score=2, status="failed").passed
    assert TestResult(name="t", max_score=0, score=0).passed
    assert TestResult(name="t", max_score=1, score=1 / 3).to_dict()["score"] == 0.333333
    r = Results(tests=[TestResult(name="a", max_score=2, score=1), TestResult(name="b", max_score=3, score=3)])
    assert (r.score, r.max_score) == (4, 5)


def test_schema_rejects_what_gradescope_rejects() -> None:
    for bad in ({"tests": [{"score": 1, "visibility": "sometimes"}]}, {"score": "1"}, {"tests": [], "extra": 1},
                {"tests": [{"max_score": -1}]}, {"leaderboard": [{"name": "x"}], "score": 0}, {}):
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


def test_schema_is_a_copy_of_the_shared_one() -> None:
    if not SHARED_SCHEMA.is_file():
        pytest.skip("no shared Gradescope schema on this machine")
    assert results.SCHEMA_PATH.read_bytes() == SHARED_SCHEMA.read_bytes()


def test_write_creates_folders_and_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "autograder" / "results" / "results.json"
    written = write(sample(), path)
    assert json.loads(path.read_text()) == written == sample().to_dict()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]  # no temp file left behind


def test_write_accepts_a_dict(tmp_path: Path) -> None:
    write({"score": 3, "output": "done"}, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == {"score": 3, "output": "done"}


def test_write_replaces_a_planted_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"score": 100}')
    path.chmod(0o444)
    write(sample(), path)
    assert json.loads(path.read_text())["score"] == 1.5


def test_write_replaces_a_planted_symlink_without_following_it(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious")
    path = tmp_path / "results.json"
    path.symlink_to(target)
    write(sample(), path)
    assert not path.is_symlink() and path.is_file()
    assert json.loads(path.read_text())["score"] == 1.5
    assert target.read_text() == "precious"


def test_write_replaces_a_dangling_symlink(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.symlink_to(tmp_path / "missing" / "x.json")
    write(sample(), path)
    assert not path.is_symlink() and json.loads(path.read_text())["score"] == 1.5


@pytest.mark.parametrize("broken", [
    Results(tests=[TestResult(name="nan", max_score=1, score=float("nan"))]),
    Results(tests=[TestResult(name="inf", max_score=float("inf"), score=0)]),
    Results(tests=[TestResult(name="vis", max_score=1, score=1, visibility="students-only")]),
    Results(tests=[TestResult(name="neg", max_score=-1, score=0)]),
    Results(leaderboard=[{"name": "acc", "value": None}]),
    Results(visibility="public"),
    Results(extra_data={"thing": object()}),
    {"score": 1, "surprise": True},
], ids=["nan", "inf", "visibility", "negative", "leaderboard", "top-visibility", "unserializable", "dict"])
def test_invalid_results_are_replaced_by_a_valid_fallback(tmp_path: Path, broken) -> None:
    path = tmp_path / "results.json"
    written = write(broken, path)
    text = path.read_text()
    data = json.loads(text)
    validate(data)
    assert data == written
    assert data["score"] == 0 and data["tests"] == []
    assert data["output"].startswith("The autograder produced an invalid result")
    assert "NaN" not in text and "Infinity" not in text


def test_fallback_is_valid() -> None:
    validate(fallback("x"))


def test_long_output_is_clipped_in_results() -> None:
    long = "HEAD" + "x" * (3 * MAX_OUTPUT) + "TAIL"
    data = Results(tests=[TestResult(name="t", max_score=1, score=0, output=long)], output=long).to_dict()
    test_output = data["tests"][0]["output"]
    assert test_output.startswith("HEAD") and test_output.endswith("TAIL")
    assert len(test_output) < MAX_OUTPUT + 100
    assert data["output"].startswith("HEAD") and data["output"].endswith("TAIL")
    assert len(data["output"]) < 2 * MAX_OUTPUT + 100


def test_clip() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 10, 10) == "x" * 10
    text = "a" * 50 + "b" * 50
    clipped = clip(text, 20)
    assert clipped.startswith("a" * 10) and clipped.endswith("b" * 10)
    assert "[80 characters omitted]" in clipped


def test_write_does_not_leave_temp_files_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write(sample(), tmp_path / "results.json")
    assert list(tmp_path.iterdir()) == []


def test_student_view_follows_gradescopes_visibility_rules() -> None:
    data = {"score": 3, "output": "top", "tests": [
        {"name": "a", "score": 1, "max_score": 1},
        {"name": "b", "score": 1, "max_score": 1, "visibility": "hidden"},
        {"name": "c", "score": 1, "max_score": 1, "visibility": "after_due_date"},
        {"name": "d", "score": 0, "max_score": 1, "visibility": "after_published"}]}
    before = results.student_view(data)
    assert [t["name"] for t in before["tests"]] == ["a"] and "score" not in before and before["output"] == "top"
    assert [t["name"] for t in results.student_view(data, due_date_passed=True)["tests"]] == ["a", "c"]
    after = results.student_view(data, due_date_passed=True, published=True)
    assert [t["name"] for t in after["tests"]] == ["a", "c", "d"] and "score" not in after  # b stays hidden
    # a test's own value overrides the top-level one
    top_hidden = {**data, "visibility": "hidden", "tests": [data["tests"][0], {**data["tests"][2], "visibility":
                                                                               "visible"}]}
    assert [t["name"] for t in results.student_view(top_hidden)["tests"]] == ["c"]
    everything = {"score": 1, "tests": [data["tests"][0]]}
    assert results.student_view(everything)["score"] == 1
