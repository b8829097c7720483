"""Small builders for the harness's tests: folders of files and zip archives in tmp_path."""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

__all__ = ["load_validated", "write_tree", "write_zip"]


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text, dedented, or bytes) under ``root``; return ``root``."""
    root = Path(root)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    return root


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    """A zip at ``path`` holding ``files`` (archive name -> content), names taken as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content if isinstance(content, bytes) else textwrap.dedent(content))
    return path


def load_validated(path: Path) -> dict[str, Any]:
    """Read a results.json and validate it against the harness's schema."""
    from autograder.results import validate

    data = json.loads(Path(path).read_text())
    validate(data)
    return data
