"""Taking in a submission: a folder, a .zip or a notebook (as Gradescope delivers them), copied privately.

The copy is what the worker runs in, so the original is never modified. Archives are checked before
extraction (no absolute or ``..`` paths, no links, bounded size and file count). A single wrapping
folder (``hw6/neural_networks/...``) and macOS debris (``__MACOSX``, ``.DS_Store``) are handled.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from .errors import BadSubmission

MAX_FILES = 5000
MAX_BYTES = 512 << 20
IGNORED = {"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints", ".git"}


def unpack(source: Path, dest: Path) -> Path:
    """Copy or extract ``source`` into the new folder ``dest``; return the submission's root in it."""
    source = Path(source)
    if not source.exists():
        raise BadSubmission(f"the submission {source} does not exist")
    dest.mkdir(parents=True)
    if source.is_dir():
        archives = [p for p in source.iterdir() if p.suffix == ".zip"]
        entries = [p for p in source.iterdir() if p.name not in IGNORED]
        if len(entries) == 1 and archives:  # Gradescope kept the uploaded zip as it was
            return unpack(archives[0], dest / "unzipped")
        _copy_tree(source, dest)
    elif source.suffix == ".zip" or zipfile.is_zipfile(source):
        _extract(source, dest)
    elif source.suffix == ".ipynb":
        if source.stat().st_size > MAX_BYTES:
            raise BadSubmission(f"{source.name} is larger than {MAX_BYTES >> 20} MiB")
        shutil.copyfile(source, dest / source.name)
    else:
        raise BadSubmission(f"{source.name} is neither a folder, a .zip archive nor a notebook (.ipynb)")
    return _root(dest)


def _copy_tree(source: Path, dest: Path) -> None:
    count = 0
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if any(part in IGNORED for part in relative.parts) or path.is_symlink():
            continue
        count += 1
        if count > MAX_FILES:
            raise BadSubmission(f"the submission has more than {MAX_FILES} files")
        target = dest / relative
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _extract(archive: Path, dest: Path) -> None:
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
                    raise BadSubmission(f"the archive holds an unsafe path: {member.filename}")
                if stat.S_ISLNK(member.external_attr >> 16) or any(p in IGNORED for p in name.parts):
                    continue
                target = dest.joinpath(*name.parts)
                if member.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise BadSubmission(f"{archive.name} is not a readable .zip archive ({exc})") from None


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
