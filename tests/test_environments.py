"""Students' environments (autograder/environments.py): declared per assignment, locked, built once, used by
every worker; and what a student reads when their code imports a package the environment lacks."""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from autograder import assignment, environments, grading, sandbox_user
from autograder.errors import AssignmentError, StudentCodeError
from autograder.session import Session, missing_module_reason
from tests.helpers import ROOT
from tests.support.splice import build_submission
from tests.support.toy import build_toy, submission
from tests.support.trees import write_tree

HW6 = assignment.load("hw6", ROOT)
LOCKS = [*sorted((ROOT / "requirements").glob("*.txt")),
         *sorted((ROOT / "tests" / "grading").glob("*/environment.lock"))]


# -- declarations and locks ------------------------------------------------------------------------------------
def test_hw6_declares_the_course_s_environment():
    assert HW6.environment is not None
    names = [environments.requirement_name(p) for p in HW6.environment.packages]
    assert {"numpy", "tqdm", "pandas", "matplotlib"} <= set(names)
    assert "numpy==1.26.4" in HW6.environment.packages  # the numpy 1.x line: np.product still exists
    ps2 = assignment.load("ps2", ROOT).environment
    assert {"torch", "torchvision", "numpy"} <= {environments.requirement_name(p) for p in ps2.packages}
    assert "ipykernel" in ps2.requirements()  # the notebook kernel's own need, added by the harness


@pytest.mark.parametrize("lock", LOCKS, ids=[f"{p.parent.name}/{p.name}" for p in LOCKS])
def test_every_lock_pins_exact_versions_with_hashes(lock):
    text = lock.read_text()
    blocks = [(name, block) for name, block in environments._blocks(text) if name]
    assert blocks
    for name, block in blocks:
        assert re.match(rf"{re.escape(name)}==[^\s;]+", block.replace("_", "-").lower()), block
        assert "--hash=sha256:" in block, f"{lock.name}: {name} has no hash"


@pytest.mark.parametrize("assignment_id", assignment.available(ROOT))
def test_each_lock_holds_what_its_assignment_declares(assignment_id):
    spec = assignment.load(assignment_id, ROOT).environment
    locked = environments.locked_versions(spec.lock_text())
    for requirement in spec.requirements():
        name = environments.requirement_name(requirement)
        assert name in locked, f"{name} is declared but not in {spec.lock_path.name}: run `autograder env --lock`"
        pinned = re.search(r"==\s*([^\s;,]+)", requirement)
        if pinned:
            assert locked[name] == pinned.group(1), f"{name}: declared {pinned.group(1)}, locked {locked[name]}"


def test_lock_parsing_and_filtering():
    lock = ("# header\n"
            "numpy==1.26.4 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via pandas\n"
            "nvidia-cublas==13.1.1.3 ; sys_platform == 'linux' \\\n    --hash=sha256:cc\n"
            "Torch==2.14.1 \\\n    --hash=sha256:dd\n")
    assert environments.locked_versions(lock) == {"numpy": "1.26.4", "nvidia-cublas": "13.1.1.3", "torch": "2.14.1"}
    kept = environments.without(lock, lambda name: name in ("torch", "nvidia-cublas"))
    assert environments.locked_versions(kept) == {"numpy": "1.26.4"}
    assert kept.startswith("# header\nnumpy==1.26.4") and "--hash=sha256:bb" in kept and "cc" not in kept


def test_torch_comes_from_the_torch_index_and_a_cpu_build_drops_the_cuda_libraries(monkeypatch, tmp_path):
    lock = (ROOT / "tests" / "grading" / "ps2" / environments.LOCK_NAME).read_text()
    commands = []
    for version, cuda_kept in (("2.14.1+cpu", False), ("2.14.1", True)):
        commands.clear()
        monkeypatch.setattr(environments, "_installed_version", lambda python, name, v=version: v)
        installed = {}

        def record(command, what, timeout=0, installed=installed):
            if "-r" in command:
                installed.update(environments.locked_versions(Path(command[command.index("-r") + 1]).read_text()))
            commands.append(command)

        monkeypatch.setattr(environments, "_run", record)
        environments.install_lock("python", lock, "ps2's lock", progress=lambda line: None,
                                  torch_index="https://index.example/cpu")
        first, second = commands
        assert first[-3:] == ["https://index.example/cpu", "torch==2.14.1", "torchvision==0.29.1"]
        assert "--no-deps" in first and "--require-hashes" in second
        assert "torch" not in installed and "torchvision" not in installed and "numpy" in installed
        assert any(name.startswith("nvidia-") for name in installed) is cuda_kept


@pytest.mark.parametrize("table, message", [
    ('packages = ["tqdm"]', "must include numpy"),
    ("packages = []", "non-empty list"),
    ('packages = ["numpy"]\npython = "3.8"', "takes one key"),
])
def test_a_bad_environment_table_is_the_instructor_s_error(tmp_path, table, message):
    toml = f'title = "x"\nkind = "package"\n[environment]\n{table}\n'
    write_tree(tmp_path / "tests" / "grading" / "bad", {"assignment.toml": toml})
    with pytest.raises(AssignmentError, match=message):
        assignment.load("bad", tmp_path)


# -- building --------------------------------------------------------------------------------------------------
def test_an_environment_is_built_once_even_when_asked_for_twice_at_once(tmp_path, monkeypatch):
    """A small real build (numpy from hw6's lock): concurrent callers wait for one build; then it is found."""
    monkeypatch.setenv(environments.ENVS_ENV, str(tmp_path / "envs"))
    numpy_only = environments.without(HW6.environment.lock_text(), lambda name: name != "numpy")
    lock = tmp_path / "environment.lock"
    lock.write_text(numpy_only)
    spec = environments.Spec("tiny", ("numpy==1.26.4",), lock)
    assert environments.find(spec) is None
    lines, built = [], []
    threads = [threading.Thread(target=lambda: built.append(environments.ensure(spec, progress=lines.append)))
               for _ in range(2)]
    umask = os.umask(0o002)  # a group-writable default: the build itself must take write access from others
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.umask(umask)
    assert len(built) == 2 and built[0].path == built[1].path
    assert sum(line.startswith("Building tiny's environment") for line in lines) == 1
    env = environments.find(spec)
    assert env.installed["numpy"] == "1.26.4" and env.has_module("numpy") and not env.has_module("tqdm")
    assert env.declared() == ["numpy 1.26.4"]
    assert Path(env.python).stat().st_mode & 0o005  # others may run it: the sandbox account does
    site = next(env.path.glob("lib/python*/site-packages"))
    assert not site.stat().st_mode & 0o022  # nor write it: no planting code that every later worker imports
    lock.write_text(numpy_only + "\n# a new lock is a new environment\n")
    assert environments.find(spec) is None


def test_an_environment_that_cannot_be_built_fails_every_test_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv(environments.ENVS_ENV, str(tmp_path / "envs"))
    home = build_toy(tmp_path / "home")
    toml = home / "tests" / "grading" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text() + '\n[environment]\npackages = ["numpy==1.26.4"]\n')  # and no lock
    toy = assignment.load("toy", home)
    report = grading.grade(toy, submission(tmp_path / "sub"), out=tmp_path / "results.json")
    assert report.results.score == 0 and report.results.tests
    assert all("could not set up this assignment's Python environment" in t.output for t in report.results.tests)
    assert any("environment.lock is missing" in e for e in report.errors)
    assert (tmp_path / "results.json").is_file()


# -- the environment in use ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hw6_env():
    return grading.students_environment(HW6)


def test_hw6_workers_run_numpy_1_26_while_the_grader_runs_numpy_2(hw6_env, tmp_path):
    """The wire format does not care that the two numpy versions differ: every dtype goes both ways."""
    assert np.__version__.startswith("2.")
    with Session(tmp_path, environment=hw6_env) as session:
        assert session.module("numpy.version").version == "1.26.4"
        for dtype in ("float64", "float32", "float16", "int64", "int32", "int8", "uint8", "bool", "complex128"):
            value = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
            back = session.fetch(session.put(value))
            assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value), dtype
        product = session.module("numpy").product  # gone in numpy 2, there in the students' numpy
        assert product(np.array([2.0, 3.0, 4.0])) == 24.0
        for package in ("tqdm", "pandas", "matplotlib", "scipy"):  # the course's imports
            session.module(package)


def test_a_missing_module_is_said_as_what_happened(hw6_env, tmp_path):
    write_tree(tmp_path, {"uses_seaborn.py": "import seaborn\n", "pkg/__init__.py": "",
                          "uses_pkg.py": "import pkg.missing\n", "uses_numpy_part.py": "import numpy.nothere\n",
                          "stub.py": "def f():\n    raise NotImplementedError\n"})
    with Session(tmp_path, environment=hw6_env) as session:
        def message(name):
            with pytest.raises(StudentCodeError) as info:
                session.module(name)
            return info.value.message

        assert ("importing uses_seaborn raised ModuleNotFoundError: `seaborn` is not installed in this assignment's "
                "environment (it has: numpy 1.26.4, tqdm 4.67.1, pandas 2.2.3") in message("uses_seaborn")
        assert "is pkg/missing.py in your submission, at the right place?" in message("uses_pkg")
        assert "the environment has 'numpy', but not this part of it" in message("uses_numpy_part")
        assert "is layers.py in your submission" in message("layers")
        assert "not implemented" not in " ".join(message(n) for n in ("uses_seaborn", "uses_pkg", "layers"))
        with pytest.raises(StudentCodeError, match="not implemented yet"):
            session.module("stub").f()
    # Staff read the one line to add (seaborn's version from another assignment's lock), for seaborn alone.
    assert len(session.staff_notes) == 1, session.staff_notes
    assert 'hw6\'s environment lacks' in session.staff_notes[0]
    assert 'add "seaborn==0.13.2" to [environment] packages in ' in session.staff_notes[0]
    assert session.staff_notes[0].endswith("tests/grading/hw6/assignment.toml, then autograder env hw6 --lock")
    # A standard-library module the machine's Python lacks (Debian's Python without python3-tk has no tkinter).
    why = missing_module_reason("tkinter", tmp_path, hw6_env)
    assert "part of Python's standard library" in why and "python3-tk" in why and "environment" not in why


@pytest.mark.slow
def test_without_the_students_environment_course_code_loses_points(tmp_path):
    """The corpus case written in the course's environment keeps full marks in hw6's environment (the corpus
    test), and loses points in the grader's own numpy 2 without tqdm: the environment is what makes it fair."""
    case = build_submission(ROOT / "tests" / "submissions" / "hw6" / "course_env_np_product_tqdm_pandas",
                            HW6.reference_dir, tmp_path / "submission")
    assert case["lost"] == []
    grader_only = dataclasses.replace(HW6, environment=None)
    report = grading.grade(grader_only, tmp_path / "submission", out=tmp_path / "results.json")
    data = {t.number: t.output for t in report.results.tests if t.status == "failed"}
    assert data, "the grader's own environment should not run code written for numpy 1.x with tqdm"
    assert any("it is neither in your submission nor installed for grading" in m for m in data.values())


@pytest.mark.skipif(os.geteuid() != 0 or sandbox_user.lookup(sandbox_user.DEFAULT_NAME) is None,
                    reason="needs root and the sandbox account")
def test_the_sandbox_account_runs_the_students_environment(hw6_env):
    """choose() starts the environment's Python as the account and imports numpy there (HarnessError if not)."""
    assert sandbox_user.choose(hw6_env.python).user is not None


def test_hw6_students_requirements_are_the_declared_environment():
    """What students install at home (the template's requirements.txt) is what the grader runs their code with."""
    lines = [line.strip() for line in (HW6.reference_dir / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == list(HW6.environment.packages)


def test_a_notebook_cell_importing_a_missing_package_says_so(hw6_env, tmp_path):
    from types import SimpleNamespace

    from autograder.notebook_worker import NotebookWorker

    (tmp_path / "helpers.py").write_text("")
    kernel = SimpleNamespace(spec=SimpleNamespace(environment=hw6_env, staff_notes=[]),
                             process=SimpleNamespace(root=tmp_path))
    explain = NotebookWorker._missing_package
    assert explain(kernel, "No module named 'seaborn'").startswith(
        "ModuleNotFoundError: `seaborn` is not installed in this assignment's environment (it has: numpy 1.26.4")
    assert "the environment has 'numpy', but not this part of it" in explain(kernel, "No module named 'numpy.nothere'")
    assert "is helpers/part.py in your submission" in explain(kernel, "No module named 'helpers.part'")
    # staff read the one line to add, once, and only for the package the environment lacks
    assert len(kernel.spec.staff_notes) == 1
    assert 'add "seaborn==0.13.2" to [environment] packages in ' in kernel.spec.staff_notes[0]
    assert kernel.spec.staff_notes[0].endswith("tests/grading/hw6/assignment.toml, then autograder env hw6 --lock")
    assert "neither in your submission nor installed for grading" in explain(
        SimpleNamespace(spec=SimpleNamespace(environment=None), process=kernel.process), "No module named 'seaborn'")
    assert explain(kernel, "cannot import name 'x'") is None  # not a missing module: Python's words stand
