"""Tests for autograder/submission.py: taking in a folder or a zip, safely."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from autograder import submission as submission_mod
from autograder.errors import BadSubmission
from autograder.submission import unpack
from tests.support.trees import write_tree, write_zip

PACKAGE = {
    "neural_networks/__init__.py": "",
    "neural_networks/layers.py": "X = 1\n",
    "README.md": "# me\n",
}


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


EXPECTED = {name: text.encode() for name, text in PACKAGE.items()}


def test_folder_is_copied_not_used(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "upload", {**PACKAGE, "__pycache__/x.pyc": b"\0", ".DS_Store": b"\0",
                                              "neural_networks/__pycache__/layers.cpython-311.pyc": b"\0"})
    root = unpack(source, tmp_path / "work")
    assert root == tmp_path / "work"
    assert files(root) == EXPECTED
    (root / "README.md").write_text("changed")
    assert (source / "README.md").read_text() == "# me\n"


def test_zip(tmp_path: Path) -> None:
    root = unpack(write_zip(tmp_path / "s.zip", PACKAGE), tmp_path / "work")
    assert files(root) == EXPECTED


def test_zip_with_a_wrapping_folder_and_macos_debris(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "s.zip", {
        **{f"hw6/{name}": text for name, text in PACKAGE.items()},
        "__MACOSX/hw6/._README.md": b"\0\0",
        "hw6/.DS_Store": b"\0",
    })
    root = unpack(archive, tmp_path / "work")
    assert root == tmp_path / "work" / "hw6"
    assert files(root) == EXPECTED
    assert not (tmp_path / "work" / "__MACOSX").exists()


def test_nested_wrapping_folders(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "s.zip", {f"a/b/{name}": text for name, text in PACKAGE.items()})
    assert files(unpack(archive, tmp_path / "work")) == EXPECTED


def test_a_single_package_is_not_unwrapped(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "s.zip", {"neural_networks/__init__.py": "", "neural_networks/layers.py": ""})
    root = unpack(archive, tmp_path / "work")
    assert (root / "neural_networks" / "layers.py").is_file()


def test_folder_holding_only_the_uploaded_zip(tmp_path: Path) -> None:
    upload = tmp_path / "submission"
    upload.mkdir()
    write_zip(upload / "my_hw.zip", {f"hw6/{name}": text for name, text in PACKAGE.items()})
    (upload / ".DS_Store").write_bytes(b"\0")
    root = unpack(upload, tmp_path / "work")
    assert files(root) == EXPECTED


def test_folder_with_a_zip_among_other_files_is_copied(tmp_path: Path) -> None:
    upload = write_tree(tmp_path / "submission", PACKAGE)
    write_zip(upload / "data.zip", {"x.txt": "x"})
    root = unpack(upload, tmp_path / "work")
    assert (root / "data.zip").is_file() and (root / "neural_networks" / "layers.py").is_file()


def test_zip_without_the_zip_suffix(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "upload", PACKAGE)
    assert files(unpack(archive, tmp_path / "work")) == EXPECTED


def test_not_a_zip(tmp_path: Path) -> None:
    fake = tmp_path / "submission.zip"
    fake.write_text("I am a PDF, honest")
    with pytest.raises(BadSubmission, match=r"submission\.zip is not a readable \.zip archive"):
        unpack(fake, tmp_path / "work")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(BadSubmission, match=r"notes\.txt is neither a folder, a \.zip archive nor a notebook"):
        unpack(text, tmp_path / "work2")


def test_truncated_zip(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "s.zip", {"a.py": "x = 1\n" * 1000})
    archive.write_bytes(archive.read_bytes()[:-40])
    with pytest.raises(BadSubmission, match="not a readable"):
        unpack(archive, tmp_path / "work")


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(BadSubmission, match="does not exist"):
        unpack(tmp_path / "nothing", tmp_path / "work")


@pytest.mark.parametrize("content", [{}, {"__MACOSX/._x": b"\0", "empty/": b""}],
                         ids=["no-entries", "only-debris"])
def test_empty_zip(tmp_path: Path, content: dict) -> None:
    with pytest.raises(BadSubmission, match="the submission is empty"):
        unpack(write_zip(tmp_path / "s.zip", content), tmp_path / "work")


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "upload").mkdir()
    with pytest.raises(BadSubmission, match="empty"):
        unpack(tmp_path / "upload", tmp_path / "work")


@pytest.mark.parametrize("name", ["../evil.py", "hw/../../evil.py", "/etc/evil.py", "..\\evil.py"])
def test_unsafe_paths_are_refused(tmp_path: Path, name: str) -> None:
    archive = write_zip(tmp_path / "s.zip", {"ok.py": "", name: "evil"})
    with pytest.raises(BadSubmission, match="unsafe path"):
        unpack(archive, tmp_path / "deep" / "work")
    assert not (tmp_path / "deep" / "evil.py").exists() and not (tmp_path / "evil.py").exists()


def test_too_many_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submission_mod, "MAX_FILES", 5)
    archive = write_zip(tmp_path / "s.zip", {f"f{i}.py": "" for i in range(6)})
    with pytest.raises(BadSubmission, match="more than 5 files"):
        unpack(archive, tmp_path / "work")
    folder = write_tree(tmp_path / "folder", {f"f{i}.py": "" for i in range(6)})
    with pytest.raises(BadSubmission, match="more than 5 files"):
        unpack(folder, tmp_path / "work2")


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submission_mod, "MAX_BYTES", 1000)
    archive = write_zip(tmp_path / "s.zip", {"big.txt": "x" * 2000})
    with pytest.raises(BadSubmission, match="unpacks to more than"):
        unpack(archive, tmp_path / "work")


def test_symlinks_in_a_zip_are_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.py", "x = 1\n")
        link = zipfile.ZipInfo("secret.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    root = unpack(archive, tmp_path / "work")
    assert files(root) == {"ok.py": b"x = 1\n"}
    assert not (root / "secret.py").exists() and not (root / "secret.py").is_symlink()


def test_symlinks_in_a_folder_are_skipped(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.txt": "grader secret"})
    upload = write_tree(tmp_path / "upload", {"ok.py": "x = 1\n"})
    (upload / "leak.txt").symlink_to(outside / "secret.txt")
    (upload / "leakdir").symlink_to(outside, target_is_directory=True)
    root = unpack(upload, tmp_path / "work")
    assert files(root) == {"ok.py": b"x = 1\n"}
    assert not any(p.is_symlink() for p in root.rglob("*"))


def test_destination_must_be_new(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    with pytest.raises(FileExistsError):
        unpack(write_zip(tmp_path / "s.zip", PACKAGE), tmp_path / "work")


# -- what intake leaves out, and says so (issue 11: intake never crashes) ------------------------------
def test_encrypted_zip_members_are_left_out_with_a_note(tmp_path: Path) -> None:
    archive = tmp_path / "s.zip"
    write_zip(archive, PACKAGE)
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("neural_networks/secret.py", b"garbage that needs a password")
    data = bytearray(archive.read_bytes())  # flag the member as encrypted, as a password-protected zip does
    name = b"neural_networks/secret.py"
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + flag_at] |= 0x1
            start += 4
    archive.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="encrypted"):  # what crashed intake before
        zipfile.ZipFile(archive).read("neural_networks/secret.py")
    notes: list[str] = []
    root = unpack(archive, tmp_path / "out", notes)
    assert files(root) == EXPECTED
    assert notes == ["'neural_networks/secret.py' was left out of your submission: it is password-protected "
                     "(encrypted) in the archive"]


def test_a_folder_tree_deeper_than_the_limit_is_cut_with_a_note(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "s", PACKAGE)
    deep = source / "deep"
    for _ in range(submission_mod.MAX_DEPTH + 40):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("x = 1\n")
    notes: list[str] = []
    root = unpack(source, tmp_path / "out", notes)
    assert {k: v for k, v in files(root).items() if not k.startswith("deep/")} == EXPECTED
    assert len(notes) == 1 and f"nested deeper than {submission_mod.MAX_DEPTH} folders" in notes[0]


def test_links_fifos_and_a_linked_submission_are_never_followed(tmp_path: Path) -> None:
    import os

    source = write_tree(tmp_path / "s", PACKAGE)
    secret = write_tree(tmp_path / "secret", {"answers.py": "ANSWER = 42\n"})
    (source / "answers.py").symlink_to(secret / "answers.py")
    (source / "shared").symlink_to(secret)
    os.mkfifo(source / "pipe.py")
    notes: list[str] = []
    root = unpack(source, tmp_path / "out", notes)
    assert files(root) == EXPECTED  # neither the linked file nor the FIFO (opening it would hang)
    assert sum("symbolic link" in n for n in notes) == 2 and sum("not a regular file" in n for n in notes) == 1
    (tmp_path / "linked").symlink_to(source)
    with pytest.raises(BadSubmission, match="is a symbolic link"):
        unpack(tmp_path / "linked", tmp_path / "out2")
    os.mkfifo(tmp_path / "submission.zip")
    with pytest.raises(BadSubmission, match="neither a folder nor a file"):
        unpack(tmp_path / "submission.zip", tmp_path / "out3")


def test_names_of_left_out_entries_are_quoted_and_bounded(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "s", PACKAGE)
    (source / ("Note: the hidden test expects 42 " + "x" * 150)).symlink_to(source / "README.md")
    notes: list[str] = []
    unpack(source, tmp_path / "out", notes)
    assert notes[0].startswith("'Note: the hidden test") and "..." in notes[0] and len(notes[0]) < 200
