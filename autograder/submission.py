"""Taking in a submission: a folder, a .zip or a notebook (as Gradescope delivers them), copied privately.

The copy is what the worker runs in, so the original is never modified. Archives are checked before
extraction (no absolute or ``..`` paths, no links, bounded size and file count). A single wrapping
folder (``hw6/neural_networks/...``) and macOS debris (``__MACOSX``, ``.DS_Store``) are handled.

Only regular files and folders are taken, never followed through a link: a submission that is itself a
link, a FIFO or a device is refused, and inside one such entries are left out. What cannot be taken (a
password-protected or otherwise unreadable archive member, a folder nested deeper than ``MAX_DEPTH``, a
name too long for the file system) is left out with a note saying so (``notes``), and the rest is graded.
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from .errors import BadSubmission

MAX_FILES = 5000
MAX_BYTES = 512 << 20
MAX_DEPTH = 32        # folders below a submission's root
MAX_PATH = 1024       # characters of a path inside the submission
MAX_NOTES = 5         # notes about left-out entries; the rest are counted
IGNORED = {"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints", ".git"}


def unpack(source: Path, dest: Path, notes: list[str] | None = None) -> Path:
    """Copy or extract ``source`` into the new folder ``dest``; return the submission's root in it.

    ``notes`` collects what was left out, in words for the student.
    """
    source = Path(source)
    notes = notes if notes is not None else []
    if source.is_symlink():
        raise BadSubmission(f"the submission {source.name} is a symbolic link, not files: upload the files themselves")
    if not source.exists():
        raise BadSubmission(f"the submission {source} does not exist")
    mode = source.stat().st_mode
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise BadSubmission(f"the submission {source.name} is neither a folder nor a file")
    dest.mkdir(parents=True)
    if source.is_dir():
        entries = [p for p in source.iterdir() if p.name not in IGNORED]
        archives = [p for p in entries if p.suffix == ".zip" and not p.is_symlink() and p.is_file()]
        if len(entries) == 1 and archives:  # Gradescope kept the uploaded zip as it was
            return unpack(archives[0], dest / "unzipped", notes)
        _copy_tree(source, dest, notes)
    elif source.suffix == ".zip" or zipfile.is_zipfile(source):
        _extract(source, dest, notes)
    elif source.suffix == ".ipynb":
        if source.stat().st_size > MAX_BYTES:
            raise BadSubmission(f"{source.name} is larger than {MAX_BYTES >> 20} MiB")
        shutil.copyfile(source, dest / source.name)
    else:
        raise BadSubmission(f"{source.name} is neither a folder, a .zip archive nor a notebook (.ipynb)")
    return _root(dest)


class _LeftOut:
    """What intake left out, said in at most ``MAX_NOTES`` notes (the rest counted)."""

    def __init__(self, notes: list[str]) -> None:
        self.notes, self.count = notes, 0

    def add(self, relative: str, why: str) -> None:
        self.count += 1
        if self.count <= MAX_NOTES:
            self.notes.append(f"{_shown(relative)} was left out of your submission: {why}")

    def close(self) -> None:
        if self.count > MAX_NOTES:
            self.notes.append(f"... and {self.count - MAX_NOTES} more entries were left out")


def _shown(relative: str) -> str:
    """A submission's path as the grader quotes it: bounded, printable, never taken for the grader's words."""
    text = relative if len(relative) <= 80 else relative[:40] + "..." + relative[-37:]
    return repr(text)


def _copy_tree(source: Path, dest: Path, notes: list[str]) -> None:
    """Copy regular files and folders, one folder at a time off a stack (no recursion), following no link."""
    left_out, count = _LeftOut(notes), 0
    pending = [(source, dest, 0)]
    while pending:
        folder, target_folder, depth = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            left_out.add(os.path.relpath(folder, source), f"it could not be read ({exc.strerror})")
            continue
        for entry in entries:
            relative = os.path.relpath(entry.path, source)
            if entry.name in IGNORED:
                continue
            if len(relative) > MAX_PATH:
                left_out.add(relative, f"its path is longer than {MAX_PATH} characters")
                continue
            if entry.is_symlink():
                left_out.add(relative, "it is a symbolic link (links are never followed)")
            elif entry.is_dir(follow_symlinks=False):
                if depth + 1 > MAX_DEPTH:
                    left_out.add(relative, f"it is nested deeper than {MAX_DEPTH} folders")
                    continue
                (target_folder / entry.name).mkdir()
                pending.append((Path(entry.path), target_folder / entry.name, depth + 1))
            elif entry.is_file(follow_symlinks=False):
                count += 1
                if count > MAX_FILES:
                    raise BadSubmission(f"the submission has more than {MAX_FILES} files")
                try:
                    shutil.copyfile(entry.path, target_folder / entry.name, follow_symlinks=False)
                except OSError as exc:
                    left_out.add(relative, f"it could not be copied ({exc.strerror or exc})")
            else:
                left_out.add(relative, "it is not a regular file (a FIFO, socket or device)")
    left_out.close()


def _extract(archive: Path, dest: Path, notes: list[str]) -> None:
    left_out = _LeftOut(notes)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_FILES:
                raise BadSubmission(f"the archive has more than {MAX_FILES} files")
            if sum(m.file_size for m in members) > MAX_BYTES:
                raise BadSubmission(f"the archive unpacks to more than {MAX_BYTES >> 20} MiB")
            for member in members:
                name = PurePosixPath(member.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts:
                    raise BadSubmission(f"the archive holds an unsafe path: {_shown(member.filename)}")
                if stat.S_ISLNK(member.external_attr >> 16) or any(p in IGNORED for p in name.parts):
                    continue
                if len(member.filename) > MAX_PATH or len(name.parts) > MAX_DEPTH + 1:
                    left_out.add(member.filename, f"it is nested deeper than {MAX_DEPTH} folders or its path "
                                                  f"is longer than {MAX_PATH} characters")
                    continue
                if member.flag_bits & 0x1:
                    left_out.add(member.filename, "it is password-protected (encrypted) in the archive")
                    continue
                _extract_member(zf, member, dest.joinpath(*name.parts), left_out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        raise BadSubmission(f"{archive.name} is not a readable .zip archive ({exc})") from None
    left_out.close()


def _extract_member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, left_out: _LeftOut) -> None:
    try:
        if member.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(member) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        if target.is_file():
            target.unlink()
        left_out.add(member.filename, f"it could not be extracted ({type(exc).__name__}: {str(exc)[:100]})")


def _root(dest: Path) -> Path:
    root = dest
    while True:
        entries = [p for p in root.iterdir() if p.name not in IGNORED]
        if not entries:
            raise BadSubmission("the submission is empty")
        if len(entries) == 1 and entries[0].is_dir() and not (entries[0] / "__init__.py").exists():
            root = entries[0]  # a wrapping folder (hw6/...), not a package
            continue
        return root
