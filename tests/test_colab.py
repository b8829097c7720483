"""worker/_autograder_colab.py: a notebook written for Colab runs on the grader. ``google.colab`` imports and its
calls do nothing, ``/content`` is the kernel's own folder, each said once in the grader's words; nothing outside
that folder is reached through it.

The shim patches the whole process, so it runs in subprocesses and notebook kernels, never in this one; only its
pure parts (``mapped``, ``patch_accessor``) are called here, on a copy of the module loaded by path.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.config import Limits, Timeouts
from autograder.errors import StudentCodeError
from autograder.notebook_worker import NotebookSpec
from autograder.session import NOTES, Session
from tests.support import toy_notebook
from tests.support.toy_notebook import build_toy_notebook, make
from tests.support.trees import load_validated

WORKER = Path(__file__).resolve().parent.parent / "autograder" / "worker"
SHIM_NOTE, CONTENT_NOTE = NOTES["colab-shim"], NOTES["colab-content"]

# The course's starter import cell (pset4), its Drive lines uncommented as a student on Colab does, and a %cd into
# the Drive; the imports after the Drive lines are what the bug lost.
STARTER_IMPORTS = """\
from google.colab import drive
drive.mount('/content/gdrive', force_remount=True)
%cd /content/gdrive/MyDrive/pset4
import os
import numpy as np
"""


def load_shim(root: Path):
    """A private copy of the module (not installed: nothing in this process is patched), ``/content`` -> ``root``."""
    spec = importlib.util.spec_from_file_location("_colab_under_test", WORKER / "_autograder_colab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT = str(root)
    return module


# -- the mapping -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "inside"), [
    ("/content", ""),
    ("/content/", ""),
    ("/content/net.pth", "/net.pth"),
    ("/content/gdrive/MyDrive/pset4/net.pth", "/gdrive/MyDrive/pset4/net.pth"),
    ("/content/./a/../b", "/b"),
    ("/content//gdrive", "/gdrive"),
])
def test_content_paths_map_into_the_folder(tmp_path: Path, path: str, inside: str) -> None:
    assert load_shim(tmp_path).mapped(path) == str(tmp_path) + inside


@pytest.mark.parametrize("path", [
    "/contents/x", "/content_x", "content/x", "./content/x", "/etc/passwd", "/content/../etc/passwd",
    "/content/gdrive/MyDrive/../../../etc/passwd", "/content/..", "/tmp/content/x",
])
def test_other_paths_are_left_alone(tmp_path: Path, path: str) -> None:
    assert load_shim(tmp_path).mapped(path) is None


def test_a_mapped_path_never_leaves_the_folder(tmp_path: Path) -> None:
    shim = load_shim(tmp_path)
    for path in ("/content/" + "../" * n + "x" for n in range(5)):
        found = shim.mapped(path)
        assert found is None or Path(found).is_relative_to(tmp_path), (path, found)


def test_python_310s_pathlib_accessor_gets_the_wrappers(tmp_path: Path) -> None:
    class Accessor:  # 3.10's pathlib._NormalAccessor took the os functions when imported
        stat = os.stat
        open = io.open
        listdir = os.listdir

        def touch(self, path):  # a method of its own: left alone
            return "touched"

    calls = []

    def wrapped(name):
        return lambda *args, **kwargs: calls.append((name, args))

    load_shim(tmp_path).patch_accessor(Accessor, {os.stat: wrapped("stat"), io.open: wrapped("open")})
    accessor = Accessor()
    accessor.stat("/content/a")
    accessor.open("/content/b", "w")
    assert calls == [("stat", ("/content/a",)), ("open", ("/content/b", "w"))]
    assert Accessor.listdir is os.listdir and accessor.touch("x") == "touched"


# -- the shim in a process of its own ----------------------------------------------------------------------
SCRIPT = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
root = sys.argv[2]
os.chdir(root)
import _autograder_colab
_autograder_colab.install(root)
seen = {}

import google.colab
from google.colab import drive, files
from google.colab.patches import cv2_imshow
from google.colab import auth, output, userdata
seen["mount"] = drive.mount("/content/gdrive", force_remount=True)
seen["listing"] = os.listdir("/content/gdrive")
seen["mydrive"] = os.listdir("/content/gdrive/MyDrive")
seen["calls"] = [drive.flush_and_unmount(), files.download("x.csv"), cv2_imshow(None), auth.authenticate_user(),
                 output.enable_custom_widget_manager(), output.clear(), output.anything_else(1, a=2),
                 userdata.get("HF_TOKEN")]
seen["upload"] = files.upload()
with output.redirect_to_element("#x"):
    pass
seen["attribute"] = google.colab.drive is drive
try:
    userdata.get("missing")
except userdata.SecretNotFoundError:
    seen["raised"] = True

with open("/content/x.txt", "w") as f:
    f.write("written")
os.makedirs("/content/gdrive/MyDrive/pset4", exist_ok=True)
Path("/content/gdrive/MyDrive/deep/er/notes.txt").parent.mkdir(parents=True)
Path("/content/gdrive/MyDrive/deep/er/notes.txt").write_text("notes")
with open("/content/gdrive/MyDrive/new/folder/log.txt", "a") as f:  # folders on the Drive: made on the way
    f.write("log")
seen["exists"] = [os.path.isdir("/content"), os.path.exists("/content/x.txt"), Path("/content/nothing").exists()]
seen["relative"] = open("x.txt").read()  # /content is the working folder, as on Colab
seen["secret"] = []
for path in ["/content/gdrive/MyDrive/" + sys.argv[3], "/content/gdrive/MyDrive/../../" + sys.argv[3],
             "/content/" + "../" * 8 + sys.argv[4]]:
    try:
        seen["secret"].append(open(path).read())
    except FileNotFoundError as exc:
        seen["secret"].append(str(exc))
os.chdir("/content/gdrive/MyDrive/pset4")
seen["cwd"] = os.getcwd()
print(json.dumps(seen))
"""


def test_shim_in_a_process(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET")
    done = subprocess.run([sys.executable, "-I", "-c", SCRIPT, str(WORKER), str(root), "secret.txt",
                           str(outside / "secret.txt").lstrip("/")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["mount"] is None and seen["listing"] == ["MyDrive"] and seen["mydrive"] == []
    assert seen["calls"] == [None] * 8 and seen["upload"] == {} and seen["attribute"] is True
    assert "raised" not in seen  # a missing secret is None, not an error that stops the cell
    assert seen["exists"] == [True, True, False] and seen["relative"] == "written"
    # nothing outside the folder is reached through /content: each is a missing file, named as the code named it
    assert seen["secret"] == [
        "[Errno 2] No such file or directory: '/content/gdrive/MyDrive/secret.txt'",
        "[Errno 2] No such file or directory: '/content/gdrive/MyDrive/../../secret.txt'",
        f"[Errno 2] No such file or directory: '/content/{'../' * 8}{str(outside / 'secret.txt').lstrip('/')}'"]
    assert seen["cwd"] == str(root / "gdrive" / "MyDrive" / "pset4")
    assert (root / "x.txt").read_text() == "written"
    assert (root / "gdrive" / "MyDrive" / "deep" / "er" / "notes.txt").read_text() == "notes"
    assert (root / "gdrive" / "MyDrive" / "new" / "folder" / "log.txt").read_text() == "log"
    assert not any(p.is_symlink() for p in root.rglob("*"))
    # each note once, on the process's own stderr
    assert done.stderr.splitlines() == ["[autograder] colab-shim", "[autograder] colab-content"]


TORCH_SCRIPT = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
os.chdir(sys.argv[2])
import _autograder_colab
_autograder_colab.install(sys.argv[2])
import torch
from torch import save
net = torch.nn.Linear(2, 1)
torch.save(net.state_dict(), "/content/gdrive/MyDrive/pset4/net.pth")  # C++ opens the file: mapped first
save(net.state_dict(), f="/content/again.pth")
state = torch.load("/content/gdrive/MyDrive/pset4/net.pth")
assert torch.equal(state["weight"], net.weight.detach())
try:
    torch.load("/content/gdrive/MyDrive/missing.pth")
except FileNotFoundError as exc:
    print(exc)
"""


def test_torch_save_and_load_under_content(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    done = subprocess.run([sys.executable, "-I", "-c", TORCH_SCRIPT, str(WORKER), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "gdrive" / "MyDrive" / "pset4" / "net.pth").is_file() and (tmp_path / "again.pth").is_file()
    assert done.stdout.strip() == "[Errno 2] No such file or directory: '/content/gdrive/MyDrive/missing.pth'"


# -- in a notebook's kernel --------------------------------------------------------------------------------
def run_notebook(folder: Path, *cells, mode: str = "all") -> tuple[Session, NotebookSpec]:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(make(*cells), str(folder / "t.ipynb"))
    spec = NotebookSpec("t.ipynb", mode=mode, cell_timeout=60)
    session = Session(folder, limits=Limits(memory_mb=2048), timeouts=Timeouts(start=60, call=30, total=300),
                      worker_factory=spec)
    return session, spec


def test_colab_notebook_runs_in_a_kernel(tmp_path: Path) -> None:
    folder, outside = tmp_path / "nb", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET")
    session, spec = run_notebook(
        folder,
        STARTER_IMPORTS,
        "from google.colab import files, output, auth, userdata\nfrom google.colab.patches import cv2_imshow\n"
        "output.enable_custom_widget_manager()\nauth.authenticate_user()\nuploaded = files.upload()\n"
        "TOKEN = userdata.get('HF_TOKEN')\ncv2_imshow(np.zeros((2, 2)))\n!ls /content/gdrive/MyDrive",
        "with open('/content/gdrive/MyDrive/pset4/log.txt', 'w') as f:\n    f.write('saved')\n"
        "np.save('/content/x.npy', np.arange(3))",
        "%cd /no/such/folder\nAFTER_CD = 1",  # IPython prints the error and the cell goes on
        "def listing(path):\n    return sorted(os.listdir(path))\n\n\ndef read(path):\n    return open(path).read()\n"
        "\n\ndef cwd():\n    return os.getcwd()",
    )
    with session:
        nb = session.module("__notebook__")
        assert spec.record.failures() == []
        assert nb.listing("/content/gdrive") == ["MyDrive"]
        assert nb.listing("/content/gdrive/MyDrive") == ["pset4"]
        assert nb.read("/content/gdrive/MyDrive/pset4/log.txt") == "saved" and nb.AFTER_CD == 1
        assert session.plain(nb.uploaded) == {} and nb.TOKEN is None
        assert nb.cwd() == str(folder / "gdrive" / "MyDrive" / "pset4")  # %cd mapped, made, kept
        with pytest.raises(StudentCodeError, match=r"FileNotFoundError: \[Errno 2\] No such file or directory: "
                                                   r"'/content/gdrive/MyDrive/secret.txt'"):
            nb.read("/content/gdrive/MyDrive/secret.txt")
        with pytest.raises(StudentCodeError, match="FileNotFoundError"):
            nb.read("/content/gdrive/MyDrive/../../" + str(outside / "secret.txt").lstrip("/"))
        assert session.take_output() == ""  # the notes are the grader's, not what the student printed
        assert session.notes == [SHIM_NOTE, CONTENT_NOTE, NOTES["shell-skipped"]]  # once each, in cell order
    assert (folder / "gdrive" / "MyDrive" / "pset4" / "log.txt").read_text() == "saved"
    assert (folder / "x.npy").is_file()
    assert not any(p.is_symlink() for p in folder.rglob("*"))
    texts = "".join(o.get("text", "") for o in spec.record.outcomes[0].outputs if o.output_type == "stream")
    assert "[autograder]" not in texts


def test_import_guard_finds_the_stand_in(tmp_path: Path) -> None:
    """``try: import google.colab`` succeeds, so the notebook takes the branch it ran on Colab."""
    session, spec = run_notebook(
        tmp_path, "try:\n    import google.colab\n    IN_COLAB = True\nexcept ImportError:\n    IN_COLAB = False",
        mode="definitions")
    with session:
        assert session.module("__notebook__").IN_COLAB is True
        session.take_output()
        assert session.notes == [SHIM_NOTE]


def test_a_notebook_without_colab_has_no_note(tmp_path: Path) -> None:
    session, _ = run_notebook(tmp_path, "import os\n\n\ndef here():\n    return os.getcwd()")
    with session:
        assert session.module("__notebook__").here() == str(tmp_path)
        session.take_output()
        assert session.notes == []


# -- graded end to end: the starter's Drive lines cost nothing ---------------------------------------------------
def test_toy_notebook_with_the_drive_lines_keeps_full_marks(tmp_path_factory: pytest.TempPathFactory,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from autograder import assignment
    from autograder.grading import grade

    home = build_toy_notebook(tmp_path_factory.mktemp("home"))
    monkeypatch.setenv("AUTOGRADER_HOME", str(home))
    toy = assignment.load(toy_notebook.ASSIGNMENT)
    upload = tmp_path_factory.mktemp("upload")
    path = toy_notebook.notebook(upload, imports="%matplotlib inline\n" + STARTER_IMPORTS)
    out = tmp_path_factory.mktemp("out") / "results.json"
    report = grade(toy, path, out=out)
    data = load_validated(out)
    assert report.ok, report.errors
    assert data["score"] == 5, {t["number"]: t.get("output", "") for t in data["tests"]}
    # definitions only: the mount is not run, the import is (and made the note)
    assert data["output"] == f"Note: {SHIM_NOTE}"
