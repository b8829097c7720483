"""What a class's submissions import that the assignment's students' environment cannot: read, never run.

``autograder audit ID FOLDER`` takes the submissions of FOLDER as ``autograder bulk`` does (a folder, a .zip or a
notebook each; each copied privately by ``submission.unpack``, links never followed) and reads their code with
``ast``: every ``.py`` file and every notebook's code cells (IPython's magics and ``!`` shell lines blanked first,
so a ``!pip install`` or ``%matplotlib inline`` line does not make a cell unreadable; a ``%%bash`` or
``%%writefile`` cell is not Python). It collects ``import x.y``, ``from x import y`` and
``importlib.import_module("x")``, by top-level name, leaving out relative imports, ``__future__``, the
submission's own modules (its ``.py`` files, their folders, what a ``%%writefile`` cell writes) and what only
``if TYPE_CHECKING:`` imports. Nothing of a submission is imported or run.

What the environment can import (``Importable``) is asked of the environment's own Python by a trusted script,
once per environment and cached in its folder: the standard library this Python has (``sys.stdlib_module_names``
that it can find; a Debian Python without python3-tk lacks tkinter), the top-level names its distributions install
(``importlib.metadata.packages_distributions``) and whatever else its ``sys.path`` holds (``pkgutil``). Notebook
kernels also have the grader's shims (``KERNEL_SHIMS``).

The report lists each module the environment cannot import, the submissions that import it (and those that
import it only under ``try: ... except ImportError``, which cost nothing), where, and the line that adds it;
files that could not be read (too big, not UTF-8, not Python, too deep) are listed as such. ``bulk`` writes the
same report into its class report, before grading.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import environments
from .assignment import Assignment
from .errors import AssignmentError, BadSubmission

#: What the grader provides in notebook kernels beyond the students' environment, by module: importable there (and
#: the packages above them). The one list: keep it in step with the kernel's shims (worker/).
KERNEL_SHIMS = ("google.colab",)
MAX_SOURCE_BYTES = 4 << 20     # a .py file larger than this is not read (reported as unreadable)
MAX_NOTEBOOK_BYTES = 32 << 20  # a notebook likewise (outputs included: plots make notebooks large)
MAX_FILES = 2000               # .py and .ipynb files read per submission; the rest reported
MAX_CELLS = 5000               # code cells read per notebook
MAX_PLACES = 5                 # places kept per module and submission
#: Standard-library packages that need an extension module the OS may package apart (Debian's python3-tk).
NEEDS = {"tkinter": "_tkinter", "turtle": "_tkinter", "turtledemo": "_tkinter", "idlelib": "_tkinter",
         "sqlite3": "_sqlite3", "ctypes": "_ctypes", "lzma": "_lzma", "bz2": "_bz2", "ssl": "_ssl",
         "curses": "_curses", "readline": "readline"}
#: What a parse may raise on hostile or broken source (a null byte, nesting too deep for the parser).
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError)
CACHE_NAME = "autograder-importable.json"
#: Cell magics whose body is Python that runs (``%%time`` and friends); other cell magics are not Python.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "pypy", "python", "python3", "cython"}


# -- what the environment can import ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Importable:
    """What submission code can import at top level where it runs, and the grader's shims there."""

    where: str                     # the environment, in words
    python_version: str
    installed: frozenset[str]      # top-level names the environment's distributions (and sys.path) provide
    stdlib: frozenset[str]         # the standard library this Python has
    stdlib_absent: frozenset[str]  # standard-library names this Python lacks
    shims: tuple[str, ...] = ()

    def lacks(self, module: str) -> str | None:
        """The name to report for ``module`` (its top-level name, or the dotted one under a shim's package) when
        it cannot be imported here; None when it can."""
        top = module.split(".")[0]
        for shim in self.shims:
            if module == shim or module.startswith(shim + ".") or shim.startswith(module + "."):
                return None
        if top in self.stdlib or (top in self.installed and top not in self.stdlib_absent):
            return None
        if any(shim.split(".")[0] == top for shim in self.shims):
            return module
        return top


# A trusted script the environment's own Python runs: its standard library and every top-level name it can find.
_SURVEY = r"""
import json, pkgutil, sys
from importlib import metadata
names = set(metadata.packages_distributions()) | set(sys.builtin_module_names)
names.update(m.name for m in pkgutil.iter_modules())
print(json.dumps({"python": sys.version.split()[0], "names": sorted(names),
                  "stdlib": sorted(getattr(sys, "stdlib_module_names", ()))}))
"""


def importable(assignment: Assignment, progress: Callable[[str], None] | None = None) -> Importable:
    """What ``assignment``'s submission code can import: its students' environment (built first if need be, as
    grading would) or, without one, the grader's own Python; with the kernel shims for notebook assignments."""
    shims = KERNEL_SHIMS if assignment.kind == "notebook" else ()
    if assignment.environment is None:
        survey = _survey(sys.executable, None)
        where = f"the grader's own Python ({sys.executable}; {assignment.id} declares no [environment])"
    else:
        spec = assignment.environment
        env = environments.ensure(spec, progress) if progress else environments.ensure(spec)
        survey = _survey(env.python, env.path / CACHE_NAME)
        survey["names"] = sorted(set(survey["names"]) | set(env.modules))
        where = f"{assignment.id}'s environment ({env.path}: {', '.join(env.declared())})"
    names, stdlib_names = set(survey["names"]), set(survey["stdlib"])
    have = {n for n in stdlib_names if n in names and NEEDS.get(n, n) in names}
    return Importable(where, survey["python"], frozenset(names - stdlib_names), frozenset(have),
                      frozenset(stdlib_names - have), shims)


def _survey(python: str, cache: Path | None) -> dict[str, Any]:
    """The environment's survey (``_SURVEY``), from ``cache`` when an earlier audit wrote it there (an environment's
    folder never changes once built: a new lock builds a new one)."""
    if cache is not None:
        try:
            return json.loads(cache.read_text())
        except (OSError, ValueError):
            pass
    done = subprocess.run([python, "-I", "-c", _SURVEY], capture_output=True, text=True, timeout=300,
                          cwd=tempfile.gettempdir(), stdin=subprocess.DEVNULL)
    if done.returncode:
        raise AssignmentError(f"{python} could not list what it imports:\n{done.stderr[-2000:]}")
    survey = json.loads(done.stdout)
    if cache is not None:
        with contextlib.suppress(OSError):  # an environment someone else built: surveyed again next time
            _write_json(cache, survey)
    return survey


def _write_json(path: Path, data: Any) -> None:
    """``data`` as JSON at ``path``, atomically and readable by all (an environment's folder is shared)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# -- reading one submission ----------------------------------------------------------------------------------
NOTEBOOKS = "*.ipynb"  # the file key of every notebook: a class's notebooks are named as students please


@dataclass
class Scan:
    """What one submission imports: module (as written, dotted) -> places; guarded ones apart.

    ``baseline`` (file -> modules): what the reference's file of the same path imports, left out (provided code,
    such as hw6's kaggle/ scripts that students run at home with torch and grading never imports)."""

    imports: dict[str, list[str]] = field(default_factory=dict)
    guarded: dict[str, list[str]] = field(default_factory=dict)  # only under try/except ImportError
    own: set[str] = field(default_factory=set)                    # its own top-level module names
    unreadable: list[str] = field(default_factory=list)           # "path: why"
    by_file: dict[str, set[str]] = field(default_factory=dict)    # file -> modules it imports
    baseline: dict[str, set[str]] = field(default_factory=dict)

    def add(self, module: str, file: str, place: str, guarded: bool) -> None:
        self.by_file.setdefault(file, set()).add(module)
        if module in self.baseline.get(file, ()):
            return
        places = (self.guarded if guarded else self.imports).setdefault(module, [])
        if len(places) < MAX_PLACES:
            places.append(place)


def scan(root: Path, baseline: dict[str, set[str]] | None = None) -> Scan:
    """Read the submission unpacked at ``root``: its own modules, then the imports of its .py files and notebooks
    (less those of ``baseline``, file by file: see ``Scan``)."""
    found = Scan(baseline=baseline or {})
    files = []
    for path, relative in _walk(root, found):
        if path.suffix in (".py", ".ipynb"):
            if len(files) >= MAX_FILES:
                found.unreadable.append(f"{relative} and more: over {MAX_FILES} files, the rest not read")
                break
            files.append((path, relative))
        if path.suffix == ".py":
            found.own.update(part for part in Path(relative).parent.parts)
            found.own.add(path.stem)
    for path, relative in files:
        if path.suffix == ".py":
            _read_python(path, relative, found)
        else:
            _read_notebook(path, relative, found)
    for store in (found.imports, found.guarded):
        for module in [m for m in store if m.split(".")[0] in found.own]:
            del store[module]
    return found


def _walk(root: Path, found: Scan) -> Iterator[tuple[Path, str]]:
    """Regular files under ``root`` (no link followed), with their paths relative to it; bounded in depth."""
    from .submission import IGNORED, MAX_DEPTH

    pending = [(root, 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            found.unreadable.append(f"{_shown(os.path.relpath(folder, root))}: not read ({exc.strerror})")
            continue
        for entry in entries:
            if entry.name in IGNORED or entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    pending.append((Path(entry.path), depth + 1))
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path), os.path.relpath(entry.path, root)


def _read_bytes(path: Path, relative: str, limit: int, found: Scan) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > limit:
            found.unreadable.append(f"{_shown(relative)}: {size >> 20} MiB, over {limit >> 20} MiB: not read")
            return None
        with open(path, "rb") as handle:
            return handle.read(limit + 1)[:limit]
    except OSError as exc:
        found.unreadable.append(f"{_shown(relative)}: not read ({exc.strerror or exc})")
        return None


def _read_python(path: Path, relative: str, found: Scan) -> None:
    raw = _read_bytes(path, relative, MAX_SOURCE_BYTES, found)
    if raw is None:
        return
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        tree = ast.parse(raw.decode(encoding).lstrip("\ufeff"))
        _collect(tree, Path(relative).as_posix(), lambda line: f"{relative}:{line}", found)
    except (*UNPARSABLE, LookupError) as exc:
        found.unreadable.append(f"{_shown(relative)}: {_why(exc)}")


def _read_notebook(path: Path, relative: str, found: Scan) -> None:
    raw = _read_bytes(path, relative, MAX_NOTEBOOK_BYTES, found)
    if raw is None:
        return
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError, MemoryError) as exc:
        found.unreadable.append(f"{_shown(relative)}: not a notebook ({_why(exc)})")
        return
    cells = data.get("cells") if isinstance(data, dict) else None
    if cells is None and isinstance(data, dict) and isinstance(data.get("worksheets"), list) and data["worksheets"]:
        first = data["worksheets"][0]
        cells = first.get("cells") if isinstance(first, dict) else None  # nbformat 3
    if not isinstance(cells, list):
        found.unreadable.append(f"{_shown(relative)}: not a notebook (no cells)")
        return
    unparsed = []
    code_cells = [(i, c) for i, c in enumerate(cells) if isinstance(c, dict) and c.get("cell_type") == "code"]
    if len(code_cells) > MAX_CELLS:
        found.unreadable.append(f"{_shown(relative)}: over {MAX_CELLS} code cells, the rest not read")
    for index, cell in code_cells[:MAX_CELLS]:
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        python, written = cell_python(source)
        if written:
            found.own.add(written)
        if python is None:
            continue
        try:
            _collect(ast.parse(python), NOTEBOOKS, lambda line, i=index: f"{relative} cell {i + 1}", found)
        except UNPARSABLE as exc:
            unparsed.append(f"{index + 1} ({_why(exc)})")
    if unparsed:  # the grader cannot run these cells either: what they import is never imported
        found.unreadable.append(f"{_shown(relative)}: cell{'s' if len(unparsed) > 1 else ''} "
                                f"{', '.join(unparsed[:5])}{' ...' if len(unparsed) > 5 else ''} do not parse "
                                "(their imports never run)")


_MAGIC_LINE = re.compile(r"^(\s*)[!%]")
_TARGETS = re.compile(r"[\w.\[\], ]+")  # what ``x, y = !cmd`` assigns to (matched alone: linear, no backtracking)
_HELP_LINE = re.compile(r"^\s*[\w.]*\?\??\s*$")


def _magic_assignment(line: str) -> str | None:
    """``x = !ls`` or ``out = %pwd`` as ``x = None``; None for any other line."""
    head, equals, tail = line.partition("=")
    if equals and tail.lstrip()[:1] in ("!", "%") and head.strip() and _TARGETS.fullmatch(head.strip()):
        return f"{head}= None"
    return None


def cell_python(source: str) -> tuple[str | None, str | None]:
    """A notebook cell as Python for ``ast``: IPython's line magics and ``!`` shell lines blanked (``pass``, or
    ``None`` on the right of ``x = !ls``), a ``%%time``-like cell magic's body kept, any other cell magic (``%%bash``)
    not Python (None). Also the module a ``%%writefile NAME.py`` cell writes (the submission's own), else None."""
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        words = lines[first].lstrip()[2:].split()
        magic = words[0] if words else ""
        if magic == "writefile":
            target = next((w for w in words[1:] if not w.startswith("-")), "")
            stem = Path(target.strip("'\"")).name
            return None, stem[:-3] if stem.endswith(".py") else None
        if magic not in PYTHON_CELL_MAGICS:
            return None, None
        lines = lines[first + 1:]
    out, continued = [], False
    for line in lines:
        if continued:  # the rest of a shell or magic line ended with a backslash
            out.append("")
        elif _MAGIC_LINE.match(line):
            out.append(_MAGIC_LINE.match(line).group(1) + "pass")
        elif _magic_assignment(line) is not None:
            out.append(_magic_assignment(line))
        elif _HELP_LINE.match(line) and line.strip() != "?":
            out.append(line[:len(line) - len(line.lstrip())] + "pass")
        else:
            out.append(line)
            continued = False
            continue
        continued = line.rstrip().endswith("\\")
    return "\n".join(out) + "\n", None


def _collect(tree: ast.AST, file: str, place: Callable[[int], str], found: Scan) -> None:
    """The imports in ``tree`` (walked without recursion: a hostile file may nest deeper than Python's stack)."""
    pending: list[tuple[ast.AST, bool]] = [(tree, False)]
    while pending:
        node, guarded = pending.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name, file, place(node.lineno), guarded)
        elif isinstance(node, ast.ImportFrom):
            if not node.level and node.module and node.module != "__future__":
                found.add(node.module, file, place(node.lineno), guarded)
        elif isinstance(node, ast.Call) and _imports_by_name(node):
            found.add(node.args[0].value, file, place(node.lineno), guarded)
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            catches = any(_catches_import_error(h.type) for h in node.handlers)
            pending += [(n, guarded or catches) for n in node.body]
            pending += [(n, guarded) for n in (*node.handlers, *node.orelse, *node.finalbody)]
        elif isinstance(node, ast.If) and _type_checking(node.test):
            pending += [(n, guarded) for n in node.orelse]  # what only type checkers import never runs
        else:
            pending += [(n, guarded) for n in ast.iter_child_nodes(node)]


def _imports_by_name(node: ast.Call) -> bool:
    """``importlib.import_module("x")``, ``import_module("x")`` or ``__import__("x")`` with a literal name."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return (name in ("import_module", "__import__") and bool(node.args) and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str) and bool(node.args[0].value)
            and not node.args[0].value.startswith("."))


def _catches_import_error(kind: ast.expr | None) -> bool:
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any((n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")) in
               ("ImportError", "ModuleNotFoundError", "Exception", "BaseException") for n in names)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _why(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"{type(exc).__name__} at line {exc.lineno}"
    if isinstance(exc, (RecursionError, MemoryError)):
        return f"too deeply nested or too large to parse ({type(exc).__name__})"
    return type(exc).__name__


def _shown(text: str) -> str:
    """A name from a submission as the report shows it: printable, bounded."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 120 else text[:60] + "..." + text[-57:]


# -- a class -----------------------------------------------------------------------------------------------------
@dataclass
class Finding:
    """One module the environment cannot import, and who imports it."""

    module: str
    reason: str
    fix: str
    submissions: dict[str, list[str]] = field(default_factory=dict)  # submission -> places
    guarded: dict[str, list[str]] = field(default_factory=dict)      # imported only under except ImportError


@dataclass
class Report:
    """An audit of a class: what its submissions import that the environment cannot."""

    assignment: str
    environment: str
    python: str
    submissions: list[str]
    findings: list[Finding]
    unreadable: dict[str, list[str]]  # submission -> what of it could not be read
    provided: list[str] = field(default_factory=list)  # what the reference imports too that the environment lacks

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for finding in data["findings"]:
            finding["count"] = len(finding["submissions"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        findings = [Finding(**{k: v for k, v in f.items() if k in Finding.__dataclass_fields__})
                    for f in data.get("findings", [])]
        return cls(data["assignment"], data["environment"], data["python"], list(data["submissions"]), findings,
                   dict(data.get("unreadable", {})), list(data.get("provided", [])))


def audit(assignment: Assignment, folder: Path, *, progress: Callable[[str], None] | None = None,
          on_submission: Callable[[str], None] | None = None) -> Report:
    """Read every submission in ``folder`` (as ``bulk`` finds them) and report what ``assignment``'s environment
    cannot import."""
    from . import bulk
    from .submission import unpack

    can = importable(assignment, progress)
    reference = scan(assignment.reference_dir) if assignment.reference_dir.is_dir() else Scan()
    provided = sorted({key for module in reference.imports if (key := can.lacks(module)) is not None})
    findings: dict[str, Finding] = {}
    unreadable: dict[str, list[str]] = {}
    names = []
    with tempfile.TemporaryDirectory(prefix="autograder-audit-") as tmp:
        for index, (name, path) in enumerate(bulk.submissions(folder)):
            names.append(name)
            if on_submission:
                on_submission(name)
            dest = Path(tmp) / str(index)
            try:
                root = unpack(path, dest, [])
                found = scan(root, reference.by_file)
            except BadSubmission as exc:
                unreadable[name] = [f"the submission could not be taken in: {exc.message}"]
                continue
            finally:
                shutil.rmtree(dest, ignore_errors=True)
            if found.unreadable:
                unreadable[name] = found.unreadable
            for store, guarded in ((found.imports, False), (found.guarded, True)):
                for module, places in store.items():
                    key = can.lacks(module)
                    if key is None:
                        continue
                    finding = findings.get(key) or findings.setdefault(key, _finding(assignment, can, key))
                    into = finding.guarded if guarded else finding.submissions
                    into.setdefault(name, [])
                    into[name] = sorted(into[name] + places, key=_place_key)[:MAX_PLACES]
    for finding in findings.values():  # a submission that imports it unguarded anywhere is not "guarded only"
        for name in finding.submissions:
            finding.guarded.pop(name, None)
    ordered = sorted(findings.values(), key=lambda f: (-len(f.submissions), -len(f.guarded), f.module))
    return Report(assignment.id, can.where, can.python_version, names, ordered, unreadable, provided)


def _place_key(place: str) -> tuple:
    """Places in reading order: by file, then line or cell number."""
    head, _, number = place.rpartition(":" if " cell " not in place else " cell ")
    return (head, int(number)) if number.isdigit() else (place, 0)


def _finding(assignment: Assignment, can: Importable, module: str) -> Finding:
    top = module.split(".")[0]
    if top in can.stdlib_absent:
        package = " (python3-tk on Debian and Ubuntu)" if NEEDS.get(top) == "_tkinter" else ""
        return Finding(module, "standard library, but this Python lacks it",
                       f"install the part of Python the OS packages apart{package} where the grader runs; a "
                       "Windows-only module cannot be had on Linux")
    if assignment.environment is None:
        return Finding(module, "not installed", f"declare an [environment] with {top} in {assignment.id}'s "
                                                "assignment.toml")
    if any(shim.split(".")[0] == top for shim in can.shims):
        return Finding(module, "not provided by the grader's shim", f"only {', '.join(can.shims)} is shimmed")
    return Finding(module, "not installed", environments.addition(assignment.environment, top))


# -- showing it ----------------------------------------------------------------------------------------------
def print_report(report: Report, console: Any) -> None:
    """The report as tables: the missing modules first, then what could not be read."""
    from rich.table import Table
    from rich.text import Text

    console.print(Text(f"{report.assignment}: {len(report.submissions)} submission(s) read against "
                       f"{report.environment}, Python {report.python}"), soft_wrap=True)
    if report.provided:
        console.print(Text(f"Not counted: what the reference's own files import too ({', '.join(report.provided)}), "
                           "in the same files of a submission (provided code that grading does not import).",
                           style="dim"), soft_wrap=True)
    if not report.findings:
        console.print(Text("Every module the submissions import is in the environment (or their own).",
                           style="green"))
    else:
        table = Table(title="Modules the environment cannot import", title_justify="left", show_lines=True)
        for column in ("module", "submissions", "which (where)", "fix"):
            table.add_column(column, overflow="fold")
        for finding in report.findings:
            which = "; ".join(f"{_shown(n)} ({', '.join(_shown(p) for p in places[:2])})"
                              for n, places in list(finding.submissions.items())[:8])
            if len(finding.submissions) > 8:
                which += f"; ... {len(finding.submissions) - 8} more"
            if finding.guarded:
                which += (f"{'; ' if which else ''}only under except ImportError (costs nothing): "
                          f"{', '.join(_shown(n) for n in list(finding.guarded)[:8])}")
            table.add_row(Text(finding.module, style="bold"), Text(str(len(finding.submissions))), Text(which),
                          Text(f"{finding.reason}: {finding.fix}"))
        console.print(table)
    if report.unreadable:
        table = Table(title="Not read (nothing of it is counted above)", title_justify="left")
        table.add_column("submission", overflow="fold")
        table.add_column("what, and why", overflow="fold")
        for name, problems in sorted(report.unreadable.items()):
            table.add_row(Text(_shown(name)), Text("\n".join(problems[:10]) + (
                f"\n... {len(problems) - 10} more" if len(problems) > 10 else "")))
        console.print(table)


def html_section(report: Report) -> list[str]:
    """The class report's section (``class_report.write_html``)."""
    import html

    e = html.escape
    page = ["<h2>Imports the students' environment lacks (autograder audit)</h2>",
            f"<p>{len(report.submissions)} submissions read, not run, against {e(report.environment)}.</p>"]
    if not report.findings:
        page.append("<p>None: every module the submissions import is in the environment or their own.</p>")
    else:
        page.append("<table><tr><th>module</th><th>submissions</th><th>which</th><th>fix</th></tr>")
        for f in report.findings:
            which = ", ".join(e(_shown(n)) for n in f.submissions)
            if f.guarded:
                which += f"{'; ' if which else ''}only under except ImportError: " + ", ".join(
                    e(_shown(n)) for n in f.guarded)
            page.append(f"<tr><td><code>{e(f.module)}</code></td><td>{len(f.submissions)}</td><td>{which}</td>"
                        f"<td>{e(f.reason)}: <code>{e(f.fix)}</code></td></tr>")
        page.append("</table>")
    if report.unreadable:
        page.append(f"<p>Not read in {len(report.unreadable)} submission(s): " + "; ".join(
            f"{e(_shown(n))}: {e(p[0])}" + (f" (+{len(p) - 1})" if len(p) > 1 else "")
            for n, p in sorted(report.unreadable.items())) + "</p>")
    return page
