"""The hostile corpus: submissions that attack the grader or break their worker, graded for real.

Each case in ``tests/submissions/hw6_hostile/`` appends attack code to the reference's
``einsum_tasks.py`` (replacing some of its functions) and states the exact tests it must lose: the
score of its honest parts only. An attack that would succeed returns the right value, so a hole in
the sandbox changes the score and fails the case. After every case the test also checks what the
attacker could have changed: results.json is the grader's (valid, never the stale file planted
before grading), the grader's private files are byte for byte as before, no new file appeared in the
worker scripts or site-packages, nothing reached the network, no process of the sandbox account is
left, and the run stayed inside the case's time bound.

hw6 is graded as Gradescope runs it after ``setup.sh``: from a private copy of the project (a folder
only root can enter), writing into a results folder that other users can read but not write. Cases
marked ``needs_sandbox_user`` need root and the sandbox account (CI has both); without them the
grader has no user switch and those attacks are outside what it promises (README, SECURITY).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from autograder import assignment, grading, results, sandbox, sandbox_user
from tests.helpers import ROOT, failed_numbers
from tests.support import hostile
from tests.support.hostile import SANDBOX, SECRET, STALE, pwned_files, snapshot
from tests.support.splice import build_submission, load_case, load_cases

results_dir, listener = hostile.results_dir, hostile.listener  # fixtures shared by the hostile corpora

CASES = load_cases(ROOT / "tests" / "submissions" / "hw6_hostile")
HONEST_TOTAL = 61  # hw6's points with the einsum tasks on (58 + 3): every case is graded on all of them


@pytest.fixture(scope="module")
def private_hw6():
    """hw6 as setup.sh leaves it: tests, fixtures and reference in a folder only root may enter."""
    home = Path(tempfile.mkdtemp(prefix="autograder-private-"))
    for part in ("tests/grading/hw6", "fixtures/hw6", "reference/hw6"):
        shutil.copytree(ROOT / part, home / part, ignore=shutil.ignore_patterns("__pycache__"))
    home.chmod(0o700)
    hw6 = assignment.load("hw6", home)  # the attacks live in einsum_tasks.py: graded with its tests turned on
    yield dataclasses.replace(hw6, parts={**hw6.parts, "einsum": "graded"})
    shutil.rmtree(home, ignore_errors=True)


def targets(hw6: assignment.Assignment, out: Path, port: int) -> dict:
    private = [hw6.fixtures_dir / "arrays.npz", hw6.fixtures_dir / "manifest.json",
               hw6.tests_dir / "grade_einsum.py", hw6.tests_dir / "hw6_helpers.py",
               hw6.reference_dir / "neural_networks" / "einsum_tasks.py"]
    return {"files": [str(p) for p in private],
            "folders": [str(p) for p in (hw6.tests_dir, hw6.fixtures_dir, hw6.reference_dir, hw6.root)],
            "results": str(out), "port": port, "secret": SECRET}


# Each attack the issue lists, and the case that makes it (a case deleted or renamed fails the check below).
ISSUE_ATTACKS = {
    "overwrite, delete or chmod results.json before and after grading": ["tamper_results_during_grading",
                                                                        "tamper_results_after_grading"],
    "read fixtures, reference, tests, hidden labels": ["read_grader_files"],
    "read the grader's memory or /proc": ["spy_on_the_grader"],
    "patch numpy, pytest, unittest, builtins, the harness": ["patch_comparisons", "forge_worker_replies"],
    "always-true __eq__, __array__, ndarray subclasses, object arrays, NaN": ["fake_values", "nan_and_inf"],
    "sys.exit(0), os._exit(0), a ctypes segfault, os.abort()": ["exit_and_crash", "abort_and_kill_itself"],
    "os.kill(os.getppid(), 9)": ["kill_the_grader"],
    "an infinite loop at import and in a method, sleeping forever": ["loop_at_import", "hang_in_methods"],
    "a fork bomb": ["fork_bomb"],
    "allocating 50 GB": ["allocate_50_gb"],
    "printing gigabytes": ["flood_output"],
    "a huge file, thousands of files": ["fill_the_disk"],
    "the network": ["use_the_network"],
    "environment variables with secrets": ["read_environment_secrets"],
    "writing into the grader's directories": ["write_grader_files"],
    # round 2 (issue 11)
    "the grader reading files the submission turned into links or FIFOs": ["swap_files_for_links"],
    "replies built to exhaust the grader's memory": ["huge_replies", "forge_worker_replies"],
    "a loop that memoizes the timed inputs": ["memoize_timed_calls"],
    "a forward that detects the gradient check": ["detect_gradient_check"],
    "printing lines in the grader's format": ["pose_as_the_grader"],
    "the network from child processes (python -c, bash's /dev/tcp)": ["network_from_children"],
    "files left in /tmp, /var/tmp and /dev/shm for the next submission": ["leave_files_behind"],
}


def test_the_corpus_covers_the_attacks_the_issue_lists() -> None:
    names = {case.name for case in CASES}
    missing = {attack: cases for attack, cases in ISSUE_ATTACKS.items() if not set(cases) <= names}
    assert not missing
    assert all(load_case(case)["kind"] == "hostile" for case in CASES)


@pytest.mark.slow
@pytest.mark.parametrize("case_dir", CASES, ids=[c.name for c in CASES])
def test_hostile_submission_gets_exactly_its_honest_score(case_dir, private_hw6, results_dir, listener, tmp_path,
                                                          monkeypatch):
    case = load_case(case_dir)
    if case.get("needs_sandbox_user") and SANDBOX is None:
        pytest.skip("needs root and the sandbox account (`autograder sandbox --create`): CI has both")
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", SECRET)
    submission = tmp_path / "submission"
    build_submission(case_dir, private_hw6.reference_dir, submission)
    out = results_dir / "results.json"
    (submission / "_targets.json").write_text(json.dumps(targets(private_hw6, out, listener.port)))
    private_before = snapshot(private_hw6.root)
    scripts_before = snapshot(sandbox.staged_scripts())

    started = time.monotonic()
    report = grading.grade(private_hw6, submission, out=out)
    elapsed = time.monotonic() - started
    time.sleep(case.get("linger", 0))  # give a detached grandchild the time to strike, were it alive

    assert report.ok, report.errors
    data = json.loads(out.read_text())
    results.validate(data)
    lost = set(case["lost"])
    full = sum(t["max_score"] for t in data["tests"])
    assert failed_numbers(data) == lost, case["description"]
    assert data["score"] == pytest.approx(full - sum(t["max_score"] for t in data["tests"] if t["number"] in lost))
    assert full == HONEST_TOTAL and "pwned" not in out.read_text() and data["score"] != STALE["score"]
    for test in data["tests"]:
        if test["number"] in lost:
            assert test.get("output"), f"{test['number']} failed without saying why"
    assert out.stat().st_size < 1 << 20, "the output cap keeps results.json small"
    if case.get("left_behind"):  # nothing of the submission is left for the next one
        assert not [p for folder in sandbox_user.SHARED_TEMP for p in Path(folder).glob(case["left_behind"] + "*")]
    if case.get("forbidden_in_output"):  # nothing the submission printed reaches the always-visible output
        assert case["forbidden_in_output"] not in data.get("output", "")
    assert elapsed < case["time_bound"], f"took {elapsed:.1f} s, over the case's bound"

    assert snapshot(private_hw6.root) == private_before
    assert snapshot(sandbox.staged_scripts()) == scripts_before
    assert pwned_files() == []
    assert listener.connections == []
    assert sorted(p.name for p in results_dir.iterdir()) == ["results.json"]
    if SANDBOX is not None:
        assert sandbox_user.processes(SANDBOX) == [], "a process of the sandbox account outlived grading"


def test_sandboxed_grading_warns_when_the_project_is_readable() -> None:
    if SANDBOX is None:
        pytest.skip("needs root and the sandbox account")
    world_readable = Path(tempfile.mkdtemp(prefix="autograder-open-"))
    shutil.copytree(ROOT / "fixtures" / "hw6", world_readable / "fixtures" / "hw6")
    shutil.copytree(ROOT / "tests" / "grading" / "hw6", world_readable / "tests" / "grading" / "hw6")
    shutil.copytree(ROOT / "reference" / "hw6", world_readable / "reference" / "hw6")
    try:
        os.chmod(world_readable, 0o755)
        hw6 = assignment.load("hw6", world_readable)
        report = grading.grade(hw6, ROOT / "student_template" / "hw6")
    finally:
        shutil.rmtree(world_readable, ignore_errors=True)
    assert any("WARNING" in line and "can read" in line and "fixtures" in line for line in report.log)
