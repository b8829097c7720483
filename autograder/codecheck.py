"""Static checks on the submission's source, read as text on the grader's side (never executed).

Used where an assignment forbids a construction: a Python loop over the examples of a batch
("no loops over training points") or a required call (np.einsum). Static checks are paired with a
runtime ratio against the reference, since code can hide a loop in a helper. Both reward what is absent
(a loop, slowness), so a starter's stub would pass them: ``assert_implemented`` is their gate, giving a
test that times or reads a function its points only once that function returns an output of the right shape
and its body is more than a stub (``stub_body``). It asks nothing of the values: a wrong but vectorized
implementation keeps a vectorization test, and loses the tests of its values.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .checks import as_array
from .errors import GradingFailure, StudentCodeError


def _source(path: Path) -> str:
    """A .py file's text; for a notebook, its code cells as Python, leaving out cells that do not parse."""
    if Path(path).suffix != ".ipynb":
        return Path(path).read_text(encoding="utf-8", errors="replace")
    from . import notebook
    from .errors import BadSubmission

    try:
        nb = notebook.read(Path(path))
    except BadSubmission as exc:
        raise OSError(exc.message) from None
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            code = notebook.as_python(cell.source)
            try:
                ast.parse(code)
            except SyntaxError:
                continue
            cells.append(code)
    return "\n\n".join(cells)


def find_function(path: Path, qualname: str) -> tuple[ast.FunctionDef, list[str]]:
    """The function ``qualname`` ("Class.method" or "function") in the file, with the file's lines.

    ``path`` may be a notebook: its code cells are read in order, as the kernel runs them.
    """
    __tracebackhide__ = True
    try:
        source = _source(path)
        tree = ast.parse(source)
    except (OSError, SyntaxError) as exc:
        raise GradingFailure(f"could not read {Path(path).name}: {exc}") from None
    node: ast.AST = tree
    for part in qualname.split("."):
        found = [n for n in getattr(node, "body", [])
                 if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == part]
        if not found:
            raise GradingFailure(f"{qualname} is not defined in {Path(path).name}")
        node = found[-1]  # the last definition wins, as at run time
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise GradingFailure(f"{qualname} in {Path(path).name} is not a function")
    return node, source.splitlines()


@dataclass
class Loop:
    line: int
    text: str


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_cached(expr: ast.AST) -> bool:
    """``self.cache["X"]``: what forward kept for backward."""
    return (isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute)
            and expr.value.attr == "cache")


def _is_batch_array(expr: ast.AST, arrays: set[str]) -> bool:
    return bool(_names(expr) & arrays) or any(_is_cached(n) for n in ast.walk(expr))


def _is_batch_shape(expr: ast.AST, arrays: set[str]) -> bool:
    """``X.shape`` or a slice of it from the start (``X.shape[:2]``), for a batch array X."""
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Slice) and (
            expr.slice.lower is None or (isinstance(expr.slice.lower, ast.Constant) and expr.slice.lower.value == 0)):
        expr = expr.value
    return isinstance(expr, ast.Attribute) and expr.attr == "shape" and _is_batch_array(expr.value, arrays)


def _is_batch_size(expr: ast.AST, arrays: set[str], sizes: set[str]) -> bool:
    """``X.shape[0]``, ``len(X)`` or a name holding one of them, for a batch array X."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id in sizes:
            return True
        if (isinstance(node, ast.Subscript) and _is_batch_shape(node.value, arrays)
                and isinstance(node.slice, ast.Constant) and node.slice.value == 0):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
                and node.args and _is_batch_array(node.args[0], arrays)):
            return True
    return False


def batch_loops(func: ast.FunctionDef, lines: list[str]) -> list[Loop]:
    """Loops whose iterations run over the examples of the batch.

    Batch arrays are the function's parameters, ``self.cache`` and whatever is computed from them;
    a loop is over the batch when it iterates such an array directly (``for x in X``, ``enumerate(X)``)
    or a range built from its first dimension (``range(X.shape[0])``, ``range(len(X))``, ``range(n)``
    after ``n, h, w, c = X.shape``).
    """
    arrays = {a.arg for a in func.args.args[1:] + func.args.kwonlyargs}
    sizes: set[str] = set()
    for _ in range(3):
        for node in ast.walk(func):
            if not isinstance(node, ast.Assign):
                continue
            refs = _names(node.value)
            from_batch = bool(refs & arrays) or "cache" in ast.unparse(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    if _is_batch_size(node.value, arrays, sizes) and not (
                            isinstance(node.value, ast.Attribute) and node.value.attr == "shape"):
                        sizes.add(target.id)
                    elif from_batch:
                        arrays.add(target.id)
                elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
                    value = node.value
                    if _is_batch_shape(value, arrays):  # n, h, w, c = X.shape (or X.shape[:2])
                        sizes.add(target.elts[0].id)
                    elif isinstance(value, ast.Tuple) and len(value.elts) == len(target.elts):
                        for name, part in zip(target.elts, value.elts, strict=True):  # n, h = X.shape[0], X.shape[1]
                            if not isinstance(name, ast.Name):
                                continue
                            if _is_batch_size(part, arrays, sizes):
                                sizes.add(name.id)
                            elif _is_batch_array(part, arrays):
                                arrays.add(name.id)
                    elif from_batch and not isinstance(value, ast.Attribute):
                        arrays.update(e.id for e in target.elts if isinstance(e, ast.Name))
    found = []
    for node in ast.walk(func):
        iters = []
        if isinstance(node, (ast.For, ast.AsyncFor)):
            iters.append((node, node.iter))
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            iters.extend((node, g.iter) for g in node.generators)
        for owner, it in iters:
            if _iterates_batch(it, arrays, sizes):
                found.append(Loop(owner.lineno, lines[owner.lineno - 1].strip()))
        if isinstance(node, ast.While) and _is_batch_size(node.test, arrays, sizes):
            found.append(Loop(node.lineno, lines[node.lineno - 1].strip()))
    return sorted(found, key=lambda loop: loop.line)


def _iterates_batch(it: ast.AST, arrays: set[str], sizes: set[str]) -> bool:
    if isinstance(it, ast.Name):
        return it.id in arrays
    if _is_cached(it):
        return True
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name):
        if it.func.id == "range":
            return any(_is_batch_size(a, arrays, sizes) for a in it.args)
        if it.func.id in ("enumerate", "zip", "reversed", "list", "iter"):
            return any(_iterates_batch(a, arrays, sizes) for a in it.args)
    return False


def assert_no_batch_loop(path: Path, qualname: str) -> None:
    """Fail when ``qualname`` in ``path`` loops over the examples of its batch."""
    __tracebackhide__ = True
    func, lines = find_function(path, qualname)
    loops = batch_loops(func, lines)
    if loops:
        where = "; ".join(f"line {loop.line}: `{loop.text}`" for loop in loops[:3])
        raise GradingFailure(f"{qualname} loops over the examples of the batch ({where}). "
                             "Use batched numpy operations instead of a Python loop over examples.")


def python_loops(func: ast.FunctionDef, lines: list[str]) -> list[Loop]:
    """Every Python-level loop in ``func``: ``for``, ``while`` and comprehensions."""
    found = []
    for node in ast.walk(func):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.comprehension)):
            line = getattr(node, "lineno", None) or node.iter.lineno
            found.append(Loop(line, lines[line - 1].strip() if 0 < line <= len(lines) else ""))
    return sorted(found, key=lambda loop: loop.line)


def assert_max_loops(path: Path, qualname: str, most: int) -> None:
    """Fail when ``qualname`` has more than ``most`` Python loops (``for``, ``while``, comprehensions)."""
    __tracebackhide__ = True
    func, lines = find_function(path, qualname)
    loops = python_loops(func, lines)
    if len(loops) > most:
        where = "; ".join(f"`{loop.text}`" for loop in loops[:3])
        allowed = "no Python loop" if most == 0 else f"at most {most} Python loop{'s' if most > 1 else ''}"
        raise GradingFailure(f"{qualname} must use {allowed}, but it has {len(loops)} ({where}). "
                             "Vectorize with numpy broadcasting or matrix products.")


def calls(func: ast.FunctionDef, name: str) -> bool:
    """Whether ``func`` calls ``name`` (``np.einsum``, ``numpy.einsum`` or a bare ``einsum``)."""
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            target = node.func
            if isinstance(target, ast.Attribute) and target.attr == name:
                return True
            if isinstance(target, ast.Name) and target.id == name:
                return True
    return False


def assert_calls(path: Path, qualname: str, name: str) -> None:
    """Fail unless ``qualname`` in ``path`` calls ``name`` itself."""
    __tracebackhide__ = True
    func, _ = find_function(path, qualname)
    if not calls(func, name):
        raise GradingFailure(f"{qualname} must use {name} (the assignment asks for it), but it does not call it")


def assert_runtime_ratio(student_s: float, reference_s: float, name: str, *, max_ratio: float,
                         floor_s: float = 0.0) -> None:
    """Fail when the submission took more than ``max_ratio`` times the reference's time.

    Both times are measured by the grader in the same run on the same inputs; runs faster than
    ``floor_s`` always pass (timer noise).
    """
    __tracebackhide__ = True
    ratio = student_s / max(reference_s, 1e-9)
    if student_s > floor_s and ratio > max_ratio:
        raise GradingFailure(
            f"{name} took {student_s * 1e3:.1f} ms, {ratio:.1f} times the reference solution's "
            f"{reference_s * 1e3:.1f} ms on the same input (at most {max_ratio:g} times is allowed): "
            "is it looping over the examples?")


# -- stubs: the gate of the tests above ---------------------------------------------------------------------
def _is_placeholder(value: ast.AST | None) -> bool:
    """``None`` or ``...``: what a starter puts where the student's value goes."""
    return value is None or (isinstance(value, ast.Constant) and (value.value is None or value.value is ...))


def _set_names(func: ast.FunctionDef) -> set[str]:
    """Names ``func`` binds to something other than a placeholder: its parameters, every assignment, loop
    target, import, ``with ... as``, and what it declares global or nonlocal (set elsewhere)."""
    a = func.args
    names = {arg.arg for arg in a.posonlyargs + a.args + a.kwonlyargs}
    names.update(arg.arg for arg in (a.vararg, a.kwarg) if arg is not None)
    placeholders = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and _is_placeholder(node.value):
            placeholders.update(id(t) for t in node.targets)
        elif isinstance(node, ast.AnnAssign) and _is_placeholder(node.value):
            placeholders.add(id(node.target))
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and id(node) not in placeholders:
            names.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _is_stub_statement(node: ast.stmt, set_names: set[str]) -> bool:
    if isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        return True  # pass, ..., a docstring
    if isinstance(node, ast.Raise):
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    if isinstance(node, ast.Return):
        return _is_placeholder(node.value) or (isinstance(node.value, ast.Name) and node.value.id not in set_names)
    if isinstance(node, (ast.Assign, ast.AnnAssign)):  # dX = None
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return _is_placeholder(node.value) and all(isinstance(t, ast.Name) for t in targets)
    return False


def stub_body(func: ast.FunctionDef) -> str | None:
    """``func``'s body as source when it only stands where code is still to be written, else None.

    A stub's statements are ``pass``, ``...``, a docstring, ``raise NotImplementedError(...)``, a placeholder
    (``dX = None``) and ``return`` of nothing, ``None``, ``...`` or a name the function never sets to anything
    else (the course's ``return dX`` after ``### YOUR CODE HERE ###``). One statement that does anything else
    makes it code, whatever it computes.
    """
    body = func.body
    set_names = _set_names(func)
    if not all(_is_stub_statement(node, set_names) for node in body):
        return None
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
            body[0].value.value, str):
        body = body[1:]
    if not body:
        return "only a docstring"
    text = "; ".join(ast.unparse(node) for node in body)
    return f"only `{text if len(text) <= 80 else text[:77] + '...'}`"


def find_stub(path: Path, qualname: str) -> str | None:
    """``stub_body`` of ``qualname`` in ``path``; None also when the file or the function cannot be read
    statically (a method assigned or inherited): only what the source shows is ever called a stub."""
    try:
        func, _ = find_function(path, qualname)
    except GradingFailure:
        return None
    return stub_body(func)


def _described(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if value is None or value is ...:
        return repr(value)
    from .session import RemoteObject

    if isinstance(value, RemoteObject):
        return f"an object of type {value.remote_type}"
    return f"{type(value).__name__} {value!r:.60}"


def assert_implemented(call: Callable[[], Any], shape: tuple[int, ...], name: str, *, returns: str, test: str,
                       source: tuple[Path, str] | None = None) -> np.ndarray:
    """The gate of a test that rewards what is absent (no loop, a short run time): run ``call`` once (``name``
    on one of the test's inputs) and fail unless it returned a numeric array of ``shape`` and the function's
    body (``source``: its file and qualname) is not a stub. Returns the array.

    Values are not checked: a wrong but vectorized implementation passes the gate. The message says what
    happened ("returned None", the exception it raised), and that ``test`` gives its points only to an
    implementation that returns ``returns`` of ``shape``.
    """
    __tracebackhide__ = True
    stub = find_stub(*source) if source is not None else None
    guess = f" (its body is {stub}: the starter's stub?)" if stub else ""
    needs = f"{test} gives its points only to an implementation that returns {returns} of shape {tuple(shape)}"
    try:
        value = call()
    except StudentCodeError as exc:
        raise type(exc)(f"{exc.message}{guess}: {needs}", exc_type=exc.exc_type, traceback=exc.traceback,
                        where=exc.where, missing_module=exc.missing_module) from None
    try:  # numbers as numpy's testing reads them (a list of rows is an array too), as the values' tests do
        array = as_array(value, name) if value is not None and value is not ... else None
    except GradingFailure:
        array = None
    if array is None or array.shape != tuple(shape):
        raise GradingFailure(f"{name} returned {_described(value)}{guess}: {needs}")
    if stub:
        raise GradingFailure(f"{name}: the body of {source[1]} is {stub} (the starter's stub?): {needs}")
    return array
