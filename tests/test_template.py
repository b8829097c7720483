"""Tests for autograder/template.py: solution regions become stubs; stale templates are found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.errors import AssignmentError
from autograder.template import DEFAULT_STUB, generate, stale_files, strip_solutions
from tests.support.trees import write_tree

REFERENCE = '''\
import numpy as np


class ReLU:
    def forward(self, Z):
        """Keep the positive part."""
        # BEGIN SOLUTION
        out = np.maximum(Z, 0)
        return out
        # END SOLUTION

    def backward(self, Z, dY):
        # BEGIN SOLUTION
        return dY * (Z > 0)
        # END SOLUTION


def tune():
    # BEGIN SOLUTION: best_k = None
    best_k = 3
    # END SOLUTION
    return best_k


def provided():
    return "unchanged"
'''

EXPECTED = f'''\
import numpy as np


class ReLU:
    def forward(self, Z):
        """Keep the positive part."""
        {DEFAULT_STUB}

    def backward(self, Z, dY):
        {DEFAULT_STUB}


def tune():
    best_k = None
    return best_k


def provided():
    return "unchanged"
'''


def test_regions_become_stubs_at_their_indentation() -> None:
    assert strip_solutions(REFERENCE) == EXPECTED
    compile(EXPECTED, "template.py", "exec")


def test_tabs_and_module_level_regions() -> None:
    text = ("x = 1\n# BEGIN SOLUTION\ny = 2\n# END SOLUTION\n"
            "if x:\n\t# BEGIN SOLUTION: z = 0\n\tz = 3\n\t# END SOLUTION\n")
    assert strip_solutions(text) == f"x = 1\n{DEFAULT_STUB}\nif x:\n\tz = 0\n"


def test_text_without_regions_is_unchanged() -> None:
    text = "def f():\n    return 'BEGIN SOLUTION is only a marker on its own line'\n"
    assert strip_solutions(text) == text


def test_windows_line_endings() -> None:
    text = "def f():\r\n    # BEGIN SOLUTION\r\n    return 1\r\n    # END SOLUTION\r\n    pass\r\n"
    stripped = strip_solutions(text)
    assert stripped.startswith(f"def f():\r\n    {DEFAULT_STUB}")
    assert "return 1" not in stripped and "SOLUTION" not in stripped
    compile(stripped, "f.py", "exec")


@pytest.mark.parametrize(("text", "message"), [
    ("a = 1\n# BEGIN SOLUTION\nb = 2\n# BEGIN SOLUTION\n# END SOLUTION\n",
     "ref.py:4: BEGIN SOLUTION inside the region opened at line 2"),
    ("a = 1\n\n# BEGIN SOLUTION\nb = 2\n", "ref.py:3: BEGIN SOLUTION is never closed"),
    ("a = 1\n# END SOLUTION\n", "ref.py:2: END SOLUTION without BEGIN SOLUTION"),
])
def test_malformed_regions_are_errors_with_line_numbers(text: str, message: str) -> None:
    with pytest.raises(AssignmentError) as info:
        strip_solutions(text, "ref.py")
    assert info.value.message == message


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "reference", {
        "pkg/__init__.py": "",
        "pkg/activations.py": REFERENCE,
        "pkg/data.csv": "a,b\n1,2\n",
        "README.md": "# Homework\n",
        "run.py": "print('no regions here')\n",
        "blob.bin": bytes(range(256)),
        "pkg/__pycache__/activations.cpython-311.pyc": b"\0\0",
        ".DS_Store": b"junk",
    })


def test_generate_stubs_regions_and_copies_the_rest(reference: Path, tmp_path: Path) -> None:
    dest = tmp_path / "template"
    stubbed = generate(reference, dest)
    assert stubbed == [Path("pkg/activations.py")]
    assert (dest / "pkg" / "activations.py").read_text() == EXPECTED
    for name in ("pkg/__init__.py", "pkg/data.csv", "README.md", "run.py", "blob.bin"):
        assert (dest / name).read_bytes() == (reference / name).read_bytes(), name
    assert not (dest / "pkg" / "__pycache__").exists() and not (dest / ".DS_Store").exists()
    assert (reference / "pkg" / "activations.py").read_text() == REFERENCE  # the reference is untouched


def test_generate_replaces_an_old_template(reference: Path, tmp_path: Path) -> None:
    dest = write_tree(tmp_path / "template", {"old.py": "x = 1\n"})
    generate(reference, dest)
    assert not (dest / "old.py").exists()


def test_generate_names_the_file_of_a_bad_region(reference: Path, tmp_path: Path) -> None:
    (reference / "pkg" / "broken.py").write_text("# BEGIN SOLUTION\n")
    with pytest.raises(AssignmentError, match=r"pkg/broken\.py:1: BEGIN SOLUTION is never closed"):
        generate(reference, tmp_path / "template")


def test_fresh_template_is_not_stale(reference: Path, tmp_path: Path) -> None:
    dest = tmp_path / "template"
    generate(reference, dest)
    assert stale_files(reference, dest) == []
    # caches and debris in the template do not make it stale
    write_tree(dest, {"pkg/__pycache__/x.pyc": b"\0", ".DS_Store": b"\0"})
    assert stale_files(reference, dest) == []


def test_stale_template_is_detected(reference: Path, tmp_path: Path) -> None:
    dest = tmp_path / "template"
    generate(reference, dest)
    (dest / "pkg" / "activations.py").write_text(EXPECTED.replace("unchanged", "edited by hand"))
    assert stale_files(reference, dest) == ["pkg/activations.py"]


def test_reference_changes_make_the_template_stale(reference: Path, tmp_path: Path) -> None:
    dest = tmp_path / "template"
    generate(reference, dest)
    (reference / "README.md").write_text("# Homework, version 2\n")
    (reference / "pkg" / "new.py").write_text("y = 2\n")
    (dest / "extra.txt").write_text("left over\n")
    assert stale_files(reference, dest) == ["README.md", "extra.txt", "pkg/new.py"]


def test_same_size_same_mtime_edit_is_still_found(reference: Path, tmp_path: Path) -> None:
    dest = tmp_path / "template"
    generate(reference, dest)
    path = dest / "run.py"
    before = path.stat()
    path.write_text("print('no regions HERE')\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert stale_files(reference, dest) == ["run.py"]


def test_excluded_files_stay_out_of_the_template(reference: Path, tmp_path: Path) -> None:
    write_tree(reference, {"predictions/cifar10.csv": "Id,Category\n0,3\n", "predictions/notes.md": "kept\n",
                           "out/a/b.csv": "x\n"})
    dest = tmp_path / "template"
    generate(reference, dest, exclude=["predictions/*.csv", "out"])
    assert not (dest / "predictions" / "cifar10.csv").exists() and not (dest / "out").exists()
    assert (dest / "predictions" / "notes.md").read_text() == "kept\n"
    assert stale_files(reference, dest, ["predictions/*.csv", "out"]) == []
    # without the exclusion the reference's outputs are missing from the template; an excluded file
    # that shows up in the template makes it stale
    assert stale_files(reference, dest) == ["out", "predictions/cifar10.csv"]
    (dest / "predictions" / "cifar10.csv").write_text("Id,Category\n")
    assert stale_files(reference, dest, ["predictions/*.csv", "out"]) == ["predictions/cifar10.csv"]


def test_exclude_patterns_match_paths_and_their_folders() -> None:
    from autograder.template import excluded

    assert excluded(Path("predictions/cifar10.csv"), ["predictions/*.csv"])
    assert excluded(Path("predictions/sub/x.csv"), ["predictions/*.csv"])  # '*' crosses folders, as in fnmatch
    assert excluded(Path("data/raw/file.bin"), ["data"])
    assert not excluded(Path("predictions/notes.md"), ["predictions/*.csv"])
    assert not excluded(Path("kaggle/predictions.csv"), ["predictions/*.csv"])
    assert not excluded(Path("a.csv"), [])
