"""Build a corpus submission: a copy of the reference with a case's methods spliced in.

A corpus case is a folder holding ``case.toml`` and the snippet files it names::

    description = "what the bug is, or how the alternative differs"
    kind = "buggy"                  # or "alternative", or "hostile" (attacks the grader: tests/test_hostile.py)
    lost = ["1.2"]                  # graded test numbers the case must fail; [] for alternatives

    [[replace]]                     # replace one function or method, decorators included
    target = "neural_networks/activations.py::ReLU.backward"
    source = "relu_backward.py"     # the new def, written at column 0; or "@template": the student template's
                                    # own def (student_template/ID beside reference/ID), a stub as students get it

    [[append]]                      # optional: module-level code added at the end of a file
    file = "neural_networks/layers.py"
    source = "helpers.py"

    [[prepend]]                     # optional: module-level code at the top of a file (after its docstring
    file = "neural_networks/layers.py"  # and __future__ imports), as an edition's own imports begin it
    source = "imports.py"

Replacements work on line ranges found with ``ast`` (``lineno``/``end_lineno`` of the def and
its decorators), so every other byte of the target file is left exactly as it was.
"""

from __future__ import annotations

import ast
import io
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["CASE_FILE", "KINDS", "SpliceError", "build_submission", "load_case", "load_cases", "prepend_code"]

CASE_FILE = "case.toml"
TEMPLATE = "@template"  # a [[replace]] source: the same def in the student template (its stub)
KINDS = ("buggy", "alternative", "hostile")

_FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)


class SpliceError(Exception):
    """A case cannot be applied: a bad case.toml, a missing snippet, or a missing target."""


def load_cases(root: Path) -> list[Path]:
    """Return the case folders under ``root`` (each holds a ``case.toml``), sorted by name."""
    return sorted(p.parent for p in Path(root).glob(f"*/{CASE_FILE}"))


def load_case(case_dir: Path) -> dict[str, Any]:
    """Parse and validate ``case_dir/case.toml``; return it as a dict."""
    path = Path(case_dir) / CASE_FILE
    try:
        with path.open("rb") as fh:
            case = tomllib.load(fh)
    except FileNotFoundError:
        raise SpliceError(f"{path}: no {CASE_FILE}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpliceError(f"{path}: invalid TOML: {exc}") from exc

    def bad(msg: str) -> SpliceError:
        return SpliceError(f"{path}: {msg}")

    if not isinstance(case.get("description"), str) or not case["description"].strip():
        raise bad("'description' must be a non-empty string")
    if case.get("kind") not in KINDS:
        raise bad(f"'kind' must be one of {KINDS}, got {case.get('kind')!r}")
    lost = case.get("lost")
    if not isinstance(lost, list) or not all(isinstance(n, str) for n in lost):
        raise bad("'lost' must be a list of test numbers as strings, e.g. [\"1.2\"]")
    if len(set(lost)) != len(lost):
        raise bad(f"'lost' has duplicates: {lost}")
    if case["kind"] == "alternative" and lost:
        raise bad("an alternative keeps full marks: 'lost' must be []")
    if case["kind"] == "buggy" and not lost:
        raise bad("a buggy case must lose at least one test")
    for key, fields in (("replace", ("target", "source")), ("append", ("file", "source")),
                        ("prepend", ("file", "source"))):
        entries = case.setdefault(key, [])
        if not isinstance(entries, list):
            raise bad(f"'{key}' must be an array of tables ([[{key}]])")
        for entry in entries:
            for field in fields:
                if not isinstance(entry.get(field), str) or not entry[field]:
                    raise bad(f"every [[{key}]] needs a string '{field}': {entry!r}")
    if not case["replace"] and not case["append"] and not case["prepend"]:
        raise bad("a case must have at least one [[replace]], [[append]] or [[prepend]]")
    return case


def build_submission(case_dir: Path, reference: Path, dest: Path) -> dict[str, Any]:
    """Copy ``reference`` to ``dest`` (which must not exist) and apply the case in ``case_dir``.

    Replacements are applied in file order, then appends, then prepends. Returns the parsed case dict.
    Raises :class:`SpliceError` when the case is malformed or a target cannot be found.
    """
    case_dir, reference, dest = Path(case_dir), Path(reference), Path(dest)
    case = load_case(case_dir)
    if not reference.is_dir():
        raise SpliceError(f"reference folder {reference} does not exist")
    shutil.copytree(reference, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    for entry in case["replace"]:
        file_part, sep, qualname = entry["target"].partition("::")
        if not sep or not qualname:
            raise SpliceError(f"{case_dir.name}: target {entry['target']!r} must look like 'file.py::Class.method'")
        target_file = _inside(dest, file_part, case_dir)
        if entry["source"] == TEMPLATE:
            template = _inside(reference.parent.parent / "student_template" / reference.name, file_part, case_dir)
            snippet = function_source(template.read_bytes().decode("utf-8"), qualname)
        else:
            snippet = _read_snippet(case_dir, entry["source"])
        source = target_file.read_bytes().decode("utf-8")
        try:
            new = replace_function(source, qualname, snippet)
        except SpliceError as exc:
            raise SpliceError(f"{case_dir.name}: {file_part}: {exc}") from None
        target_file.write_bytes(new.encode("utf-8"))

    for entry in case["append"]:
        target_file = _inside(dest, entry["file"], case_dir)
        snippet = _read_snippet(case_dir, entry["source"])
        source = target_file.read_bytes().decode("utf-8")
        new = append_code(source, snippet)
        _check_parses(new, f"{case_dir.name}: {entry['file']} after appending {entry['source']}")
        target_file.write_bytes(new.encode("utf-8"))

    for entry in case["prepend"]:
        target_file = _inside(dest, entry["file"], case_dir)
        snippet = _read_snippet(case_dir, entry["source"])
        new = prepend_code(target_file.read_bytes().decode("utf-8"), snippet)
        _check_parses(new, f"{case_dir.name}: {entry['file']} after prepending {entry['source']}")
        target_file.write_bytes(new.encode("utf-8"))
    return case


def replace_function(source: str, qualname: str, snippet: str) -> str:
    """Return ``source`` with the def at ``qualname`` (``"f"`` or ``"Cls.m"``) replaced.

    ``snippet`` holds one def (decorators allowed), at any common indentation; it is re-indented
    to the indentation of the def it replaces. Lines outside the old def are kept byte for byte.
    """
    node = _find(ast.parse(source), qualname)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = io.StringIO(source, newline="").readlines()  # same line splitting as the tokenizer
    indent = lines[first - 1][: node.col_offset]
    newline = _line_ending(lines[node.lineno - 1])

    body = textwrap.dedent(snippet).strip("\r\n")
    tree = _check_parses(body, f"snippet for {qualname}")
    defs = [n for n in tree.body if isinstance(n, _FunctionNode)]
    if len(tree.body) != 1 or len(defs) != 1:
        raise SpliceError(f"the snippet for {qualname} must contain exactly one def and nothing else")
    name = qualname.rsplit(".", 1)[-1]
    if defs[0].name != name:
        raise SpliceError(f"the snippet for {qualname} defines {defs[0].name!r}, expected {name!r}")

    new_lines = [(indent + ln if ln.strip() else "") + newline for ln in body.splitlines()]
    out = "".join(lines[: first - 1] + new_lines + lines[node.end_lineno :])
    _check_parses(out, f"file after replacing {qualname}")
    return out


def function_source(source: str, qualname: str) -> str:
    """The text of the def at ``qualname`` in ``source``, decorators included, dedented."""
    node = _find(ast.parse(source), qualname)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = io.StringIO(source, newline="").readlines()
    return textwrap.dedent("".join(lines[first - 1:node.end_lineno]))


def append_code(source: str, snippet: str) -> str:
    """Return ``source`` followed by ``snippet`` (dedented), separated by a blank line."""
    lines = io.StringIO(source, newline="").readlines()
    newline = _line_ending(lines[0]) if lines else "\n"
    if source and not source.endswith(("\n", "\r")):
        source += newline
    body = textwrap.dedent(snippet).strip("\r\n")
    return source + newline + newline.join(body.splitlines()) + newline


def prepend_code(source: str, snippet: str) -> str:
    """Return ``source`` with ``snippet`` (dedented) as its first statements: after the module docstring and any
    ``from __future__`` imports (which must stay first), every other byte kept."""
    tree = _check_parses(source, "file to prepend to")
    after = 0
    for index, node in enumerate(tree.body):
        docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and \
            isinstance(node.value.value, str)
        if not (docstring or isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            break
        after = node.end_lineno
    lines = io.StringIO(source, newline="").readlines()
    newline = _line_ending(lines[0]) if lines else "\n"
    body = textwrap.dedent(snippet).strip("\r\n")
    return "".join(lines[:after]) + newline.join(body.splitlines()) + newline + "".join(lines[after:])


def _find(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """Walk ``Class.method`` (any depth of classes) down from the module's top level."""
    scope: list[ast.stmt] = tree.body
    parts = qualname.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        kinds = _FunctionNode if last else (ast.ClassDef,)
        matches = [n for n in scope if isinstance(n, kinds) and n.name == part]
        if not matches:
            what = "function" if last else "class"
            where = ".".join(parts[:i]) or "module level"
            raise SpliceError(f"target {qualname!r} not found: no {what} {part!r} at {where}")
        # With several defs of one name (e.g. a property and its setter) the last one wins
        # at runtime, so that is the one replaced.
        node = matches[-1]
        if not last:
            scope = node.body  # type: ignore[attr-defined]
    return node  # type: ignore[return-value]


def _inside(root: Path, relative: str, case_dir: Path) -> Path:
    path = (root / relative).resolve()
    if root.resolve() not in path.parents:
        raise SpliceError(f"{case_dir.name}: {relative!r} is outside the submission")
    if not path.is_file():
        raise SpliceError(f"{case_dir.name}: target file {relative!r} does not exist in the reference")
    return path


def _read_snippet(case_dir: Path, name: str) -> str:
    path = case_dir / name
    if not path.is_file():
        raise SpliceError(f"{case_dir.name}: snippet file {name!r} does not exist")
    return path.read_text(encoding="utf-8")


def _line_ending(line: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return ending
    return "\n"


def _check_parses(source: str, what: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as exc:
        raise SpliceError(f"{what} is not valid Python: {exc}") from exc
