"""The student template, generated from the reference: solution regions become stubs.

In a reference file (a ``.py`` file, or a code cell of a notebook, whose outputs the template also
clears), lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` are the student's
to write. The template replaces each region with ``raise NotImplementedError("YOUR CODE HERE")``
at the marker's indentation; ``# BEGIN SOLUTION: <stub>`` uses ``<stub>`` as the replacement line
instead (for example ``# BEGIN SOLUTION: best_k = None``). Everything else is copied as it is, except
the files an assignment excludes (``[settings] template_exclude`` in its assignment.toml: shell patterns
on paths relative to the reference, e.g. ``"predictions/*.csv"`` for outputs of the reference's runs).
Templates are never edited by hand: ``autograder template ID --check`` fails when one is stale.
"""

from __future__ import annotations

import filecmp
import re
import shutil
import tempfile
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path

from .errors import AssignmentError
from .submission import IGNORED

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::\s*(?P<stub>.+))?\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
DEFAULT_STUB = 'raise NotImplementedError("YOUR CODE HERE")'


def strip_solutions(text: str, name: str = "<text>") -> str:
    """``text`` with every solution region replaced by its stub."""
    out: list[str] = []
    region: int | None = None
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        begin = BEGIN.match(line.rstrip("\n"))
        if begin:
            if region is not None:
                raise AssignmentError(f"{name}:{number}: BEGIN SOLUTION inside the region opened at line {region}")
            region = number
            out.append(f"{begin['indent']}{begin['stub'] or DEFAULT_STUB}\n")
        elif END.match(line.rstrip("\n")):
            if region is None:
                raise AssignmentError(f"{name}:{number}: END SOLUTION without BEGIN SOLUTION")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise AssignmentError(f"{name}:{region}: BEGIN SOLUTION is never closed")
    return "".join(out)


def excluded(relative: Path, patterns: Iterable[str]) -> bool:
    """Whether ``relative`` (or a folder it is in) matches one of the shell ``patterns`` (``*`` crosses ``/``)."""
    parts = Path(relative).parts
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatchcase(prefix, pattern) for pattern in patterns for prefix in prefixes)


def generate(reference: Path, dest: Path, exclude: Iterable[str] = ()) -> list[Path]:
    """Write the template of ``reference`` to ``dest`` (replaced), leaving out what matches ``exclude``;
    return the files with regions."""
    reference, dest, exclude = Path(reference), Path(dest), list(exclude)
    if dest.exists():
        shutil.rmtree(dest)
    stubbed = []
    for path in sorted(reference.rglob("*")):
        relative = path.relative_to(reference)
        if any(part in IGNORED for part in relative.parts) or not path.is_file() or excluded(relative, exclude):
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            text = path.read_text()
            stripped = strip_solutions(text, str(relative))
            if stripped != text:
                stubbed.append(relative)
            target.write_text(stripped)
        elif path.suffix == ".ipynb":
            if _notebook_template(path, target, str(relative)):
                stubbed.append(relative)
        else:
            shutil.copyfile(path, target)
    return stubbed


def _notebook_template(path: Path, target: Path, name: str) -> bool:
    """Write the template of the notebook ``path``: regions stubbed in code cells, outputs cleared."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    changed = False
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code":
            stripped = strip_solutions(cell.source, f"{name}, cell {number}")
            changed |= stripped != cell.source
            cell.source = stripped
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, str(target))
    return changed


def stale_files(reference: Path, template: Path, exclude: Iterable[str] = ()) -> list[str]:
    """Files where ``template`` differs from what ``generate`` would write now (an excluded file found in
    ``template`` is one of them)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "template"
        generate(reference, fresh, exclude)
        return sorted(_diff(filecmp.dircmp(fresh, template), Path()))


def _diff(cmp: filecmp.dircmp, prefix: Path) -> list[str]:
    names = [str(prefix / n) for n in cmp.left_only + cmp.right_only + cmp.funny_files]
    names += [str(prefix / n) for n in filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)[1]]
    for sub, child in cmp.subdirs.items():
        if sub not in IGNORED:
            names += _diff(child, prefix / sub)
    return [n for n in names if not any(part in IGNORED for part in Path(n).parts)]
