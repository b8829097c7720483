"""Notebook submissions: reading them, choosing what the grader runs, and the executed copy.

A submitted ``.ipynb`` is read and validated with nbformat (``read``); a file that is not JSON, has
the wrong nbformat version or is not a notebook becomes a ``BadSubmission`` with a message the
student can act on.

The grader does not replay a student's work: training cells and deliberately slow loops would
take minutes. ``plan`` chooses what runs, per code cell:

- mode ``definitions`` (the default): only the definitions: imports, ``def`` and ``class``
  statements, and module-level assignments that are literal constants or that a definition uses
  (``device = torch.device(...)`` read by ``train``). Everything else (calls, training loops,
  magics, shell escapes, plots) is left out; line numbers are kept, so tracebacks still match.
  An assignment a definition reads whose value needs names that nothing run before defines
  (``train_loader = DataLoader(train_data, ...)``, read as the default of ``def train(train_loader=
  train_loader)``, when the dataset is not loaded) binds its names to a stand-in instead, on the same
  line (``worker/_autograder_standin.py``): the definition is made, and using the stand-in says why
  it is not the real value;
- mode ``all``: every code cell, whole.

Cell tags override the mode: ``grader:run`` runs the whole cell, ``grader:skip`` never runs it.
The grading tests then drive the notebook's functions on fixture-sized inputs (see
``notebook_worker``).

``annotate`` writes the executed copy for the instructor: the outputs of what ran, each cell's
outcome, and the grader's feedback per part.
"""

from __future__ import annotations

import ast
import builtins
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from .errors import BadSubmission

TAG_RUN = "grader:run"
TAG_SKIP = "grader:skip"
MODES = ("definitions", "all")


def read(path: Path) -> Any:
    """The notebook at ``path`` as an nbformat v4 node, validated."""
    import nbformat
    from nbformat.reader import NotJSONError

    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadSubmission(f"{name} could not be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadSubmission(f"{name} is not a Jupyter notebook: it is not valid JSON ({exc}). "
                            "Download it again with File > Download > Download .ipynb") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise BadSubmission(f"{name} is JSON but not a Jupyter notebook (it has no cells)")
    major = data.get("nbformat")
    if major not in (3, 4):
        raise BadSubmission(f"{name} has nbformat version {major!r}; the grader reads versions 3 and 4 "
                            "(what Jupyter and Colab save)")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except NotJSONError as exc:  # pragma: no cover - parsed above
        raise BadSubmission(f"{name} is not valid JSON ({exc})") from None
    except nbformat.ValidationError as exc:
        raise BadSubmission(f"{name} is not a valid notebook: {exc.message}") from None
    except Exception as exc:  # noqa: BLE001 - nbformat's converters raise assorted errors on junk
        raise BadSubmission(f"{name} is not a valid notebook ({type(exc).__name__}: {exc})") from None
    return nb


_COPY_MARKS = (re.compile(r"^copy of\s+"), re.compile(r"\s*\(\d+\)$"), re.compile(r"[-_ ]?copy\d*$"),
               re.compile(r"\s+-\s+colab(oratory)?$"))


def same_notebook(found: str, expected: str) -> bool:
    """Whether a notebook named ``found`` is ``expected`` or a copy of it as Colab, Jupyter and browsers name
    copies ("Copy of mnist.ipynb", "mnist (1).ipynb", "mnist-Copy1.ipynb", "mnist_copy.ipynb")."""
    def stem(name: str) -> str:
        text = PurePath(name).name.lower().removesuffix(".ipynb").strip()
        for mark in _COPY_MARKS:
            text = mark.sub("", text).strip().removesuffix(".ipynb")
        return text.strip()

    return stem(found) == stem(expected)


def locate(root: Path, expected: str, *, several: bool = False) -> Path:
    """The notebook in a submission: ``expected`` if present, else a copy of it (``same_notebook``), else (when
    the assignment has one notebook, not ``several``) the only ``.ipynb`` there is."""
    root = Path(root)
    if (root / expected).is_file():
        return root / expected
    found = sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    copies = [p for p in found if same_notebook(p.name, expected)]
    if len(copies) == 1:
        return copies[0]
    if several:
        names = ", ".join(str(p.relative_to(root)) for p in found[:8]) or "none"
        raise BadSubmission(f"no notebook {expected} in the submission (nor a copy of it, such as 'Copy of "
                            f"{expected}'); its notebooks: {names}")
    if len(found) == 1:
        return found[0]
    if not found:
        raise BadSubmission(f"no notebook in the submission: expected {expected}")
    names = ", ".join(str(p.relative_to(root)) for p in found[:5])
    raise BadSubmission(f"the submission has several notebooks ({names}); name the one to grade {expected}")


@dataclass(frozen=True)
class PlannedCell:
    """One code cell the grader runs: its position in the notebook and the code sent to the kernel."""

    index: int
    source: str
    whole: bool

    @property
    def label(self) -> str:
        return f"cell {self.index + 1}"


#: What ``ast.parse`` raises on a cell it cannot parse: a syntax error, a null byte, or nesting too deep for
#: the AST constructor (a sum of 200,000 terms), which must not escape into the grader.
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def plan(nb: Any, mode: str = "definitions") -> list[PlannedCell]:
    """What the grader runs of ``nb``, in order."""
    if mode not in MODES:
        raise ValueError(f"unknown notebook mode {mode!r} (known: {', '.join(MODES)})")
    cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    python = {i: as_python(c.source) for i, c in cells}  # IPython's transformer is slow: once per cell
    used = _names_used_by_definitions(list(python.values()))
    planned = []
    available = set(dir(builtins))  # names bound by what runs before a cell (stand-ins are not)
    skipped = set().union(*(_bound_in(p) for p in python.values())) if python else set()
    for index, cell in cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if TAG_SKIP in tags:
            continue
        if mode == "all" or TAG_RUN in tags:
            planned.append(PlannedCell(index, cell.source, True))
            available |= _bound_in(python[index])
            continue
        source = definitions(cell.source, used, python[index], available, skipped)
        if source is not None:
            planned.append(PlannedCell(index, source, source == cell.source))
    return planned


def _bound_in(python: str) -> set[str]:
    """The module-level names a cell binds (all of them: a whole cell may bind anything)."""
    try:
        tree = ast.parse(python)
    except UNPARSABLE:
        return set()
    return {name for node in tree.body for name in _binds(node)}


def _binds(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    found: set[str] = set()
    for child in ast.iter_child_nodes(node):  # for, with, if, try at module level
        if isinstance(child, ast.stmt):
            found |= _binds(child)
        elif isinstance(child, (ast.Name,)) and isinstance(child.ctx, ast.Store):
            found.add(child.id)
        elif isinstance(child, ast.excepthandler):
            found |= {n for s in child.body for n in _binds(s)}
        elif isinstance(child, ast.withitem) and child.optional_vars is not None:
            found |= {n.id for n in ast.walk(child.optional_vars) if isinstance(n, ast.Name)}
    if isinstance(node, (ast.For, ast.AsyncFor)):
        found |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return found


def _reads(value: ast.expr) -> set[str]:
    """The names an expression reads from outside it (not those its comprehensions and lambdas bind)."""
    loads = {n.id for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    inner = {n.id for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    lazy = {n.id for f in ast.walk(value) if isinstance(f, ast.Lambda) for n in ast.walk(f.body)
            if isinstance(n, ast.Name)}  # a lambda's body runs when it is called, not at the assignment
    return loads - inner - lazy


def as_python(source: str) -> str:
    """The cell as plain Python: IPython's own transformer turns magics and ``!`` into calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - a cell IPython cannot even tokenize
        return source


def _names_used_by_definitions(sources: list[str]) -> set[str]:
    used: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except UNPARSABLE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                used |= _free_names(node)
            elif isinstance(node, ast.ClassDef):  # its methods are functions of their own in this walk
                parts = [*node.decorator_list, *node.bases, *node.keywords,
                         *(s for s in node.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))]
                used |= {n.id for part in parts for n in ast.walk(part)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return used


def _free_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """The global names a function reads: not its parameters or locals (``model`` in ``def train(model)``
    is not the notebook's ``model = train()``), but its defaults, decorators and annotations."""
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, [args.vararg, args.kwarg])]
    outside = [*getattr(node, "decorator_list", []), *args.defaults, *filter(None, args.kw_defaults),
               *filter(None, [getattr(node, "returns", None), *(a.annotation for a in params)])]
    body = [n for part in (node.body if isinstance(node.body, list) else [node.body]) for n in ast.walk(part)]
    declared = {name for n in body if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
    local = ({a.arg for a in params} | {n.id for n in body if isinstance(n, ast.Name)
                                        and not isinstance(n.ctx, ast.Load)}) - declared
    free = {n.id for n in body if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local
    return free | declared | {n.id for part in outside for n in ast.walk(part) if isinstance(n, ast.Name)}


def definitions(source: str, used: set[str] | frozenset = frozenset(), python: str | None = None,
                available: set[str] | None = None, notebook_names: set[str] | frozenset = frozenset()) -> str | None:
    """The definitions of one cell, other lines blanked (so line numbers hold); ``None`` if none.

    A cell that does not parse is returned whole: running it reports the syntax error where the
    student will look for it, and the cell defines nothing either way. ``python``: the cell already
    through ``as_python``. ``available``: the names bound by what runs before this cell (``plan``
    keeps it, and adds what this cell binds); ``notebook_names``: every name some cell of the notebook
    binds. An assignment kept because a definition reads it, whose value needs a name the notebook
    binds but nothing run before it does (the grader left that code out), binds a stand-in instead
    (see the module's docstring); a name the notebook never binds still raises NameError, as it would
    in Jupyter. Without ``available``, no stand-ins.
    """
    python = as_python(source) if python is None else python
    try:
        tree = ast.parse(python)
    except UNPARSABLE:
        return source
    lines = python.splitlines()
    keep: set[int] = set()
    replaced: dict[int, str] = {}
    for node in tree.body:
        if not _is_definition(node, used):
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        keep.update(range(first, node.end_lineno + 1))
        if available is None:
            continue
        missing = [n for n in _missing(node, available) if n in notebook_names]
        if missing:
            names = sorted(_binds(node))
            indent = lines[node.lineno - 1][:node.col_offset]
            replaced[node.lineno] = (f"{indent}{' = '.join(names)} = __import__('_autograder_standin').stand_in("
                                     f"{tuple(names)!r}, {tuple(missing)!r})")
            replaced.update({n: "" for n in range(node.lineno + 1, node.end_lineno + 1)})
        else:
            available |= _binds(node)
    if not keep:
        return None
    left_out = [line.strip() for number, line in enumerate(lines, 1) if number not in keep]
    if not replaced and all(not line or line.startswith("#") for line in left_out):  # only comments left out
        return source
    return "\n".join(replaced.get(number, line) if number in keep else ""
                     for number, line in enumerate(lines, 1)).rstrip() + "\n"


def _missing(node: ast.stmt, available: set[str]) -> list[str]:
    """What a kept assignment's value reads that is not bound: nothing for imports, definitions and literals."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None or _is_literal(node.value):
        return []
    return sorted(_reads(node.value) - available)


def _is_definition(node: ast.stmt, used: set[str] | frozenset) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        return node.value is not None and (_is_literal(node.value) or isinstance(node.value, ast.Lambda)
                                           or bool(names & used))
    if isinstance(node, ast.Try):  # try: import google.colab / except ImportError: ...
        parts = node.body + [s for h in node.handlers for s in h.body] + node.orelse + node.finalbody
        return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)) or _is_definition(s, used) for s in parts)
    return False


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


# -- the executed notebook, for the instructor -----------------------------------------------------
@dataclass
class CellOutcome:
    """What happened to one planned cell: ``ok``, ``error``, ``timeout`` or ``died``."""

    index: int
    status: str
    detail: str = ""
    outputs: list = field(default_factory=list)
    partial: bool = False

    @property
    def label(self) -> str:
        return f"cell {self.index + 1}"

    def describe(self, brief: bool = False) -> str:
        """The outcome in words; ``brief``: without anything the student's code wrote (its exception's message,
        an exception type of its own), for the feedback everyone sees at the top."""
        what = {"error": "raised", "timeout": "did not finish in time", "died": "stopped the kernel"}[self.status]
        if not brief:
            return f"{self.label} {what}" + (f": {self.detail}" if self.detail else "")
        kind = (self.detail or "").split(":", 1)[0].strip()
        if self.status != "error":
            return f"{self.label} {what}"
        return f"{self.label} {what} " + (kind if isinstance(getattr(builtins, kind, None), type) and
                                          issubclass(getattr(builtins, kind), BaseException) else "an exception")


@dataclass
class NotebookRecord:
    """What the grader learnt running one notebook, kept across the kernels it starts."""

    path: Path | None = None
    outcomes: dict[int, CellOutcome] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def excluded(self) -> set[int]:
        """Cells not to run again: they hung or killed the kernel."""
        return {i for i, o in self.outcomes.items() if o.status in ("timeout", "died")}

    def failures(self) -> list[CellOutcome]:
        return [o for _, o in sorted(self.outcomes.items()) if o.status != "ok"]

    def summary(self, brief: bool = False, name: str | None = None) -> str:
        """One paragraph for the student's feedback; empty when every cell ran. ``brief``: with none of the
        cells' own text (for the top of results.json, which every viewer sees whatever a test's visibility).
        ``name``: the notebook's, when the submission has several."""
        failed = self.failures()
        if not failed:
            return ""
        lines = [f"Some cells of {name or 'your notebook'} failed when the grader ran their definitions; what "
                 "they define is missing, so the tests that need it fail:"]
        lines += [f"- {o.describe(brief)}" for o in failed[:10]]
        return "\n".join(lines)


def annotate(nb: Any, record: NotebookRecord, feedback: list[tuple[str, float, float, str]]) -> Any:
    """A copy of ``nb`` with the outputs of what the grader ran and its feedback per part.

    ``feedback`` is (test name, score, max score, message) per graded test.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outcome = record.outcomes.get(index)
        cell.outputs = outcome.outputs if outcome else []
        cell.execution_count = None
        if outcome is None:
            note = "not run by the grader"
        elif outcome.status == "ok":
            note = "ran (definitions only)" if outcome.partial else "ran"
        else:
            note = outcome.describe()
        cell.metadata["autograder"] = {"status": outcome.status if outcome else "not run", "note": note}
    total = sum(f[1] for f in feedback)
    possible = sum(f[2] for f in feedback)
    rows = "\n".join(f"| {name} | {score:g} / {max_score:g} | {message.splitlines()[0] if message else ''} |"
                     for name, score, max_score, message in feedback)
    text = f"# Grader feedback: {total:g} / {possible:g}\n\n| Test | Score | Feedback |\n|---|---|---|\n{rows}\n"
    summary = record.summary()
    if summary:
        text += "\n" + summary + "\n"
    if record.notes:
        text += "\n" + "\n".join(f"- {n}" for n in record.notes) + "\n"
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(text, metadata={"autograder": {"feedback": True}}))
    return nb
