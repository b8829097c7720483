"""Grading a class (autograder/bulk.py, class_report.py, ray_grading.py): in parallel with a sandbox account per
slot, on a local Ray cluster, resumable, and a report that is the same for the same inputs."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import assignment, bulk, class_report, ray_grading, sandbox_user
from tests.helpers import ROOT

# It starts its own grading slots (every sandbox account) and times submissions out: alone on the machine.
pytestmark = pytest.mark.serial

HW6 = assignment.load("hw6", ROOT)
NAMES = ["alice", "bob", "carol", "crash", "hang", "notzip"]
TIMEOUT = "10"  # seconds per submission: the hanging one is stopped then (the others take 3-5 s, alone: serial)


def run(*args, cwd=ROOT, timeout=900):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


@pytest.fixture(scope="module")
def klass():
    """Six submissions: the reference, the template, a student's partial work, one whose worker dies at import,
    one that hangs at import, and a .zip that is no zip. In a folder the sandbox accounts could reach."""
    base = Path(tempfile.mkdtemp(prefix="autograder-class-"))
    base.chmod(0o755)
    folder = base / "class"
    skip = shutil.ignore_patterns("__pycache__", "*.csv")
    shutil.copytree(HW6.reference_dir, folder / "alice", ignore=skip)
    shutil.copytree(HW6.template_dir, folder / "bob", ignore=skip)
    shutil.copytree(ROOT / "examples" / "hw6_student", folder / "carol", ignore=skip)
    shutil.copytree(HW6.reference_dir, folder / "crash", ignore=skip)
    with open(folder / "crash" / "neural_networks" / "activations.py", "a") as handle:
        handle.write("\nimport os\nos._exit(3)\n")
    shutil.copytree(HW6.reference_dir, folder / "hang", ignore=skip)
    with open(folder / "hang" / "neural_networks" / "__init__.py", "a") as handle:
        handle.write("\nimport time\ntime.sleep(10 ** 6)\n")
    (folder / "notzip.zip").write_bytes(os.urandom(3000))
    subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
    yield folder
    shutil.rmtree(base, ignore_errors=True)


def graded(out: Path) -> dict[str, tuple[str, float, list]]:
    rows = {}
    for name in NAMES:
        status = json.loads((out / name / "status.json").read_text())
        data = json.loads((out / name / "results.json").read_text())
        rows[name] = (status["status"], data["score"], [(t.get("number"), t["score"]) for t in data["tests"]])
    return rows


@pytest.fixture(scope="module")
def serial(klass, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    proc = run("bulk", "hw6", str(klass), "--out", str(out), "--jobs", "1", "--timeout", TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return graded(out)


def no_process_of_any_slot_left():
    return {user.name: sandbox_user.processes(user) for user in sandbox_user.slots() if sandbox_user.processes(user)}


def check_rows(rows):
    assert rows["alice"][:2] == ("passed", 58) and rows["bob"][:2] == ("failed", 0)
    assert rows["carol"][0] == "failed" and 0 < rows["carol"][1] < 58
    assert rows["crash"][0] == "failed" and rows["notzip"][:2] == ("failed", 0)
    assert rows["hang"][:2] == ("errored", 0)  # stopped at the time limit: its row only


@pytest.mark.slow
def test_two_jobs_grade_as_one_does_each_row_its_own_and_a_second_run_resumes(klass, serial, tmp_path):
    check_rows(serial)
    out = tmp_path / "parallel"
    proc = run("bulk", "hw6", str(klass), "--out", str(out), "--jobs", "2", "--timeout", TIMEOUT, "--verbose")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "2 at a time" in proc.stdout and f"grading took longer than {TIMEOUT} s" in proc.stdout
    assert graded(out) == serial
    if os.geteuid() == 0:
        assert len(sandbox_user.slots()) >= 2, "run `autograder sandbox --create --slots 2` (./dev does)"
        used = {json.loads((out / n / "status.json").read_text())["slot"] for n in NAMES}
        assert used == {u.name for u in sandbox_user.slots()[:2]}  # both slots, each its own account
        assert no_process_of_any_slot_left() == {}
    lines = (out / "summary.csv").read_text().splitlines()
    assert len(lines) == 1 + 6 and lines[0].startswith("submission,status,score,max_score,seconds,1.1,")
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "Grader problems" in page and "grading took longer" in page
    before = {n: (out / n / "status.json").stat().st_mtime_ns for n in NAMES}
    again = run("bulk", "hw6", str(klass), "--out", str(out), "--jobs", "2", timeout=120)
    assert again.returncode == 0 and "6 submission(s) already graded" in again.stdout
    assert {n: (out / n / "status.json").stat().st_mtime_ns for n in NAMES} == before  # nothing graded again
    (klass / "bob" / "neural_networks" / "activations.py").touch()  # (same bytes: still the same submission)
    changed = klass / "bob" / "README_bob.txt"
    changed.write_text("a changed submission is graded again\n")
    try:
        third = run("bulk", "hw6", str(klass), "--out", str(out), "--jobs", "2", timeout=300)
        assert "5 submission(s) already graded" in third.stdout and "grading 1 submission(s)" in third.stdout
    finally:
        changed.unlink()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_local_ray_cluster_grades_the_class_as_one_machine_does(klass, serial, tmp_path):
    if ray_grading.available():
        pytest.skip(ray_grading.available())
    ray = str(Path(sys.executable).with_name("ray"))
    port = _free_port()
    started = subprocess.run([ray, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
                              "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats"],
                             capture_output=True, text=True, timeout=180)
    try:
        assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]
        out = tmp_path / "ray"
        proc = run("bulk", "hw6", str(klass), "--out", str(out), "--ray", f"127.0.0.1:{port}", "--timeout",
                   TIMEOUT, "--verbose")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "on the Ray cluster" in proc.stdout
        assert graded(out) == serial
        assert all(":" in json.loads((out / n / "status.json").read_text())["slot"] for n in NAMES)  # node:account
        if os.geteuid() == 0:
            assert no_process_of_any_slot_left() == {}
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True, timeout=120)


def test_without_ray_the_ray_path_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # (import ray fails)
    assert "pip install .[ray]" in ray_grading.available()


def test_jobs_are_limited_by_the_sandbox_accounts_and_say_so(monkeypatch):
    monkeypatch.setattr(sandbox_user, "choose", lambda python=None: sandbox_user.Choice(
        sandbox_user.SandboxUser("autograder-sandbox", 999, 999), "as the account"))
    monkeypatch.setattr(sandbox_user, "slots", lambda base=None: [sandbox_user.SandboxUser("autograder-sandbox",
                                                                                           999, 999)])
    room = bulk.capacity(HW6, 4)
    assert room.jobs == 1 and "autograder sandbox --create --slots 4" in room.reason and room.slots == [
        "autograder-sandbox"]
    monkeypatch.setattr(bulk, "_available_mb", lambda: 1.5 * HW6.resources.memory_mb)  # for one grading only
    assert bulk.capacity(HW6).jobs == 1 and f"needs 1 core(s) and {HW6.resources.memory_mb} MiB" in \
        bulk.capacity(HW6).reason


def test_the_report_is_the_same_for_the_same_inputs(tmp_path):
    def results(name, passed):
        tests = [{"name": "1.1 ReLU", "number": "1.1", "score": 1 if passed else 0, "max_score": 1,
                  "status": "passed" if passed else "failed", **({} if passed else {"output": "ReLU: expected 0"})},
                 {"name": "1.2 TanH", "number": "1.2", "score": 0, "max_score": 2, "status": "failed",
                  "output": "TanH raised ValueError\nmore"}]
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps({"score": tests[0]["score"], "tests": tests}))

    outcomes = []
    for i, name in enumerate(["zed", "amy", "bo"]):
        results(name, passed=i != 1)
        outcomes.append(bulk.Outcome(name, "failed", score=1.0 if i != 1 else 0, max_score=3, seconds=10 - i))
    outcomes.append(bulk.Outcome("cy", "errored", problem="grading took longer than 30 s and was stopped"))
    (tmp_path / "cy").mkdir()
    pages = []
    for _ in range(2):
        class_report.write_summary(tmp_path, list(reversed(outcomes)))
        pages.append(class_report.write_html(tmp_path, outcomes, title="hw6").read_bytes())
    assert pages[0] == pages[1]
    page = pages[0].decode()
    assert page.count("data:image/png;base64,") == 2
    assert "<td>1.2 TanH</td><td>3</td><td>3</td><td><code>TanH raised ValueError</code>" in page
    assert "<td>1.1 ReLU</td><td>1</td><td>1</td>" in page  # one of three failed 1.1, with that message
    assert page.index("zed") < page.index("amy")  # slowest first: zed took 10 s
    assert "cy</td><td><code>grading took longer" in page
    rows = (tmp_path / "summary.csv").read_text().splitlines()
    assert rows[0] == "submission,status,score,max_score,seconds,1.1,1.2,problem"
    assert [r.split(",")[0] for r in rows[1:]] == ["amy", "bo", "cy", "zed"]
