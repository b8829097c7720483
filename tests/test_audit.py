"""The import audit (autograder/audit.py): what a class's submissions import that the students' environment lacks,
read and never run; its command, its section of bulk's report, and the staff log's line when grading meets one."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import assignment, audit, class_report, commands
from autograder.bulk import Outcome
from tests.helpers import ROOT, grade
from tests.support.splice import build_submission
from tests.support.trees import write_tree

HW6 = assignment.load("hw6", ROOT)
CORPUS = ROOT / "tests" / "submissions" / "hw6"
SEABORN_CASE = "imports_package_not_in_environment"
#: A few of the hw6 corpus (the reference's copies with a method changed), and what issue 25 is about.
CASES = ["course_env_np_product_tqdm_pandas", "conv_im2col", "fc_bias_grad_flat", SEABORN_CASE,
         "provided_layers_import_typing_extensions"]


def run(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """Corpus submissions, the reference, a package whose layers.py begins with the course's typing_extensions
    import, and one whose models.py imports seaborn."""
    folder = tmp_path_factory.mktemp("class")
    for name in CASES:
        build_submission(CORPUS / name, HW6.reference_dir, folder / name)
    shutil.copytree(HW6.reference_dir, folder / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    for name, file, line in (("edition_2022", "layers.py", "from typing_extensions import Literal\n"),
                             ("plots_with_seaborn", "models.py", "import seaborn as sns\n")):
        build_submission(CORPUS / "conv_im2col", HW6.reference_dir, folder / name)
        path = folder / name / "neural_networks" / file
        path.write_text(line + path.read_text())
    return folder


def test_the_audit_of_hw6_lists_seaborn_and_not_typing_extensions(klass):
    proc = run("audit", "hw6", str(klass), "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert sorted(report["submissions"]) == sorted([*CASES, "edition_2022", "plots_with_seaborn", "reference"])
    assert [f["module"] for f in report["findings"]] == ["seaborn"], report["findings"]
    seaborn, = report["findings"]
    assert seaborn["count"] == 2 and sorted(seaborn["submissions"]) == [SEABORN_CASE, "plots_with_seaborn"]
    assert seaborn["submissions"]["plots_with_seaborn"] == ["neural_networks/models.py:1"]
    assert seaborn["fix"] == ('add "seaborn==0.13.2" to [environment] packages in tests/grading/hw6/assignment.toml, '
                              "then autograder env hw6 --lock")
    assert report["unreadable"] == {}
    assert "torch" in report["provided"]  # the reference's kaggle/ scripts: provided, not counted

    table = run("audit", "hw6", str(klass))
    assert table.returncode == 0, table.stderr[-3000:]
    assert "seaborn" in table.stdout and "plots_with_seaborn" in table.stdout
    assert "typing_extensions" not in table.stdout


def test_bad_usage_exits_2(tmp_path):
    assert run("audit", "hw6", str(tmp_path / "nowhere")).returncode == 2
    assert run("audit", "no_such_assignment", str(tmp_path)).returncode == 2
    assert run("audit", "hw6").returncode == 2


def test_the_grading_of_a_submission_the_audit_flags_says_the_line_to_add_in_the_staff_log(tmp_path):
    build_submission(CORPUS / SEABORN_CASE, HW6.reference_dir, tmp_path / "submission")
    hw6 = dataclasses.replace(HW6, parts={**HW6.parts, "einsum": "graded"})
    _, report = grade(hw6, tmp_path / "submission", tmp_path / "results.json")
    line = ('add "seaborn==0.13.2" to [environment] packages in tests/grading/hw6/assignment.toml, then autograder env '
            "hw6 --lock")
    assert [n for n in report.staff_log.splitlines() if line in n] == [
        f"WARNING: the submission imports `seaborn`, which hw6's environment lacks (students lost the tests that "
        f"needed it); if the course's environment has it, {line}"]


# -- reading a submission ----------------------------------------------------------------------------------------
def imports(root: Path, **kwargs) -> dict[str, list[str]]:
    return audit.scan(root, **kwargs).imports


def test_relative_imports_own_modules_future_and_type_checking_are_left_out(tmp_path):
    write_tree(tmp_path, {
        "pkg/__init__.py": "from . import helpers\nfrom .helpers import f\n",
        "pkg/helpers.py": "from __future__ import annotations\nimport pkg.other\nimport utils\nimport numpy as np\n"
                          "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_extensions\n"
                          "else:\n    import os.path\n",
        "pkg/utils.py": "import seaborn.objects as so, scipy\n",
        "main.py": "import importlib\nm = importlib.import_module('cv2')\nn = __import__('pkg')\n",
    })
    assert imports(tmp_path) == {"numpy": ["pkg/helpers.py:4"], "typing": ["pkg/helpers.py:5"],
                                 "os.path": ["pkg/helpers.py:9"],
                                 "seaborn.objects": ["pkg/utils.py:1"], "scipy": ["pkg/utils.py:1"],
                                 "importlib": ["main.py:1"], "cv2": ["main.py:2"]}


def test_imports_under_except_importerror_are_apart(tmp_path):
    write_tree(tmp_path, {"a.py": "try:\n    import cupy as xp\nexcept ImportError:\n    import numpy as xp\n"
                                  "try:\n    import seaborn\nexcept ValueError:\n    pass\n"})
    found = audit.scan(tmp_path)
    assert found.guarded == {"cupy": ["a.py:2"]}
    assert found.imports == {"numpy": ["a.py:4"], "seaborn": ["a.py:6"]}


def notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("import not_code"))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def test_notebook_magics_and_shell_lines_do_not_hide_a_cell_s_imports(tmp_path):
    notebook(tmp_path / "hw.ipynb",
             "!pip install torchsummary\n%matplotlib inline\nimport torch\nfrom torchsummary import summary",
             "files = !ls\nif True:\n    !nvidia-smi \\\n      -L\n    import seaborn\nnp.zeros?\n",
             "%%capture\n!pip install wandb\nimport wandb",
             "%%bash\nimport not_python",
             "%%writefile helper.py\nimport scipy\n",
             "import helper\nfrom google.colab import drive\n%time import pandas",
             "acc  = ##  the course's starter: this cell does not parse\nimport sklearn")
    found = audit.scan(tmp_path)
    assert found.imports == {"torch": ["hw.ipynb cell 1"], "torchsummary": ["hw.ipynb cell 1"],
                             "seaborn": ["hw.ipynb cell 3"], "wandb": ["hw.ipynb cell 4"],
                             "google.colab": ["hw.ipynb cell 7"]}
    assert "helper" in found.own
    assert found.unreadable == ["hw.ipynb: cell 8 (SyntaxError at line 1) do not parse (their imports never run)"]


def test_cell_python():
    assert audit.cell_python("%%bash\nls") == (None, None)
    assert audit.cell_python("%%writefile -a util.py\nx = 1") == (None, "util")
    assert audit.cell_python("%%timeit\nimport numpy") == ("import numpy\n", None)
    assert audit.cell_python("x = %pwd\n  !ls") == ("x = None\n  pass\n", None)
    assert audit.cell_python("a, b = !ls") == ("a, b = None\n", None)
    assert audit.cell_python("x == !y") == ("x == !y\n", None)  # (not an assignment: left for ast to refuse)
    line = " " * 200_000 + "x"  # linear time on a hostile line (no regular expression backtracks)
    assert audit.cell_python(line) == (line + "\n", None)


def test_unreadable_files_are_said_and_the_rest_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(audit, "MAX_SOURCE_BYTES", 1000)
    write_tree(tmp_path, {"big.py": "import seaborn\n" + "#" * 2000, "broken.py": "import seaborn\ndef f(:\n",
                          "deep.py": "import seaborn\nx = " + "(" * 300 + ")" * 300 + "\n",
                          "long.py": "import seaborn\nx = " + "-" * 200_000 + "1\n",
                          "nul.py": "import seaborn\n\0\n", "fine.py": "import scipy\n",
                          "notjson.ipynb": "{not json", "nocells.ipynb": "[1, 2]"})
    (tmp_path / "latin.py").write_bytes(b"import seaborn\nx = '\xe9'\n")
    found = audit.scan(tmp_path)
    assert found.imports == {"scipy": ["fine.py:1"]}
    why = dict(line.split(": ", 1) for line in found.unreadable)
    assert set(why) == {"big.py", "broken.py", "deep.py", "long.py", "nul.py", "latin.py", "notjson.ipynb",
                        "nocells.ipynb"}, found.unreadable
    assert "over 0 MiB: not read" in why["big.py"] and why["broken.py"] == "SyntaxError at line 2"


def test_links_are_not_followed_out_of_the_submission(tmp_path):
    outside = tmp_path / "outside"
    write_tree(outside, {"evil.py": "import seaborn\n", "pkg/mod.py": "import seaborn\n"})
    root = tmp_path / "submission"
    write_tree(root, {"main.py": "import numpy\n"})
    (root / "link.py").symlink_to(outside / "evil.py")
    (root / "linked").symlink_to(outside / "pkg")
    assert imports(root) == {"numpy": ["main.py:1"]}


def test_files_beyond_the_bound_are_said(tmp_path, monkeypatch):
    monkeypatch.setattr(audit, "MAX_FILES", 3)
    write_tree(tmp_path, {f"m{i}.py": "import numpy\n" for i in range(5)})
    found = audit.scan(tmp_path)
    assert len(found.imports["numpy"]) == 3 and "over 3 files" in found.unreadable[0]


# -- what the environment can import ------------------------------------------------------------------------
def test_the_environment_s_names_come_from_its_own_python_and_are_cached(tmp_path):
    can = audit.importable(HW6)
    assert {"numpy", "pandas", "sklearn", "PIL", "typing_extensions", "pylab", "mpl_toolkits"} <= can.installed
    assert {"os", "sys", "json", "typing", "__future__"} <= can.stdlib
    assert "seaborn" not in can.installed and "torch" not in can.installed
    assert can.lacks("seaborn.objects") == "seaborn" and can.lacks("numpy.linalg") is None
    assert can.lacks("msvcrt") == "msvcrt" and can.shims == ()
    assert audit.importable(HW6) == can  # (from the environment's cache, the second time)


def test_notebook_kernels_have_the_grader_s_shims():
    can = audit.Importable("test", "3.11", frozenset({"numpy"}), frozenset({"os"}), frozenset({"winreg"}),
                           audit.KERNEL_SHIMS)
    assert can.lacks("google.colab") is None and can.lacks("google") is None
    assert can.lacks("google.colab.drive") is None and can.lacks("google.cloud") == "google.cloud"
    assert can.lacks("winreg") == "winreg" and can.lacks("torch") == "torch"


def test_a_notebook_class_is_audited_with_the_shims(tmp_path, monkeypatch):
    pset4 = assignment.load("pset4", ROOT)
    can = audit.Importable("pset4's environment", "3.11", frozenset({"numpy", "torch", "torchvision", "IPython"}),
                           frozenset({"os", "sys"}), frozenset(), audit.KERNEL_SHIMS)
    monkeypatch.setattr(audit, "importable", lambda a, progress=None: can)
    folder = tmp_path / "class"
    notebook(folder / "ana.ipynb", "!pip install torchsummary\nimport torch\nfrom torchsummary import summary",
             "from google.colab import drive\ndrive.mount('/content/gdrive')")
    notebook(folder / "ben" / "Copy of PSET4_Classification.ipynb", "%matplotlib inline\nimport torch, os")
    write_tree(folder / "ben", {"notes.txt": "import seaborn"})
    report = audit.audit(pset4, folder)
    assert report.submissions == ["ana", "ben"]
    assert [(f.module, f.submissions) for f in report.findings] == [("torchsummary", {"ana": ["ana.ipynb cell 1"]})]
    assert report.findings[0].fix.startswith('add "torchsummary" to [environment] packages in ')


# -- bulk's report ---------------------------------------------------------------------------------------------
def test_bulk_writes_the_audit_into_its_report(klass, tmp_path):
    from rich.console import Console

    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - closed with the test's process
    found = commands._bulk_audit(HW6, klass, tmp_path, console)
    assert json.loads((tmp_path / "audit.json").read_text())["findings"][0]["module"] == "seaborn"
    assert audit.Report.from_dict(found.to_dict()) == found
    outcomes = [Outcome("reference", "passed", 58, 58, fingerprint="x")]
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "results.json").write_text('{"tests": []}')
    page = class_report.write_html(tmp_path, outcomes, title="hw6", audit=found).read_text()
    assert "Imports the students' environment lacks" in page and "<code>seaborn</code>" in page
    assert "plots_with_seaborn" in page and "seaborn==0.13.2" in page
    assert "Imports the students" not in class_report.write_html(tmp_path, outcomes, title="hw6").read_text()


def test_a_notebook_kernel_s_staff_notes_reach_the_grading_s_staff_log(tmp_path):
    """What ``NotebookWorker`` notes for staff (on its factory, the ``NotebookSpec``) reaches the session's notes."""
    from autograder.session import InProcessWorker, Session

    class Factory:
        staff_notes = ['add "seaborn==0.13.2" to [environment] packages in ...']

        def __call__(self, root, **_):
            return InProcessWorker(root)

    with Session(tmp_path, worker_factory=Factory()) as session:
        session.module("json")
    assert session.staff_notes == Factory.staff_notes
