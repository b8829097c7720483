"""Checking from inside a notebook: ``from autograder import notebook_check`` then ``notebook_check("2.1")``.

It grades the notebook **as saved on disk** with the public tests, exactly as ``autograder check`` does (it runs
that command in a separate process, which starts the tests' own workers): nothing of the tests runs in the
student's kernel, and the kernel's state (variables, cells run out of order, unsaved edits) counts for nothing.
What it returns shows as an HTML table in the cell (and as text elsewhere).

Where the notebook is: ``notebook=`` when given; else the path Jupyter (``JPY_SESSION_NAME``) or VS Code
(``__vsc_ipynb_file__``) tells the kernel; else the assignment's notebook in the current folder. The
assignment: the students' kit the notebook is in, or ``assignment=`` in a checkout of the project.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import kit

HINT_SAVE = "save the notebook (Ctrl+S, or File → Save) and run the check again: it grades the saved file"


def _passed(test: dict[str, Any]) -> bool:
    """A test's own status where results.json gives it: a failed 0-point test (0 >= 0) is still failed."""
    status = test.get("status")
    return status == "passed" if status else test.get("score", 0) >= test.get("max_score", 0)


@dataclass
class CheckResult:
    """What ``notebook_check`` found: the public tests' results (Gradescope's results.json, visible part) or why
    there are none."""

    notebook: Path | None
    tests: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""  # the check's notes on the notebook as a whole
    warnings: list[str] = field(default_factory=list)
    problem: str = ""  # the check could not run: why

    @property
    def score(self) -> float:
        return sum(t.get("score", 0) for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.get("max_score", 0) for t in self.tests)

    @property
    def passed(self) -> bool:
        return not self.problem and all(_passed(t) for t in self.tests)

    def _repr_html_(self) -> str:
        e = html.escape
        parts = [f'<p style="color:#a60"><b>Note:</b> {e(w)}</p>' for w in self.warnings]
        if self.problem:
            parts.append('<p style="color:#b00"><b>The check could not run as it should:</b></p>'
                         f"<pre>{e(self.problem)}</pre>")
            if not self.tests:
                return "".join(parts)
        rows = []
        for t in self.tests:
            ok = _passed(t)
            mark = '<span style="color:#080">pass</span>' if ok else '<b style="color:#b00">FAIL</b>'
            name = t.get("name", "")
            number = t.get("number") or ""
            name = name.removeprefix(f"{number} ") if number else name
            detail = "" if ok or not t.get("output") else f'<pre style="margin:2px 0">{e(t["output"])}</pre>'
            rows.append(f"<tr><td>{e(number)}</td><td style='text-align:left'>{e(name)}{detail}</td>"
                        f"<td>{t.get('score', 0):g}/{t.get('max_score', 0):g}</td><td>{mark}</td></tr>")
        rows.append(f"<tr><td></td><td style='text-align:left'><b>Total</b></td>"
                    f"<td><b>{self.score:g}/{self.max_score:g}</b></td><td></td></tr>")
        where = f" of <code>{e(self.notebook.name)}</code> (the saved file)" if self.notebook else ""
        table = (f"<table><caption style='text-align:left'>Public tests{where}</caption><thead><tr><th>#</th>"
                 f"<th style='text-align:left'>Test</th><th>Score</th><th></th></tr></thead><tbody>"
                 f"{''.join(rows)}</tbody></table>")
        notes = f"<pre>{e(self.output)}</pre>" if self.output else ""
        return "".join(parts) + table + notes

    def __str__(self) -> str:
        lines = [f"Note: {w}" for w in self.warnings]
        if self.problem:
            lines += ["The check could not run as it should:", self.problem]
            if not self.tests:
                return "\n".join(lines)
        for t in self.tests:
            ok = _passed(t)
            points = f"{t.get('score', 0):g}/{t.get('max_score', 0):g}"
            lines.append(f"{'pass' if ok else 'FAIL'}  {t.get('name', '')}  {points}")
            if not ok and t.get("output"):
                lines += ["      " + line for line in t["output"].splitlines()]
        lines.append(f"Total {self.score:g}/{self.max_score:g}")
        return "\n".join(lines + ([self.output] if self.output else []))

    __repr__ = __str__


def notebook_check(question: str | None = None, *, notebook: str | os.PathLike | None = None,
                   assignment: str | None = None, timeout: float = 1800) -> CheckResult:
    """Run the public tests (of ``question``, e.g. "2.1", or all) on the saved notebook; show the results.

    ``notebook``: the .ipynb to check (default: the one this kernel belongs to, when Jupyter or VS Code says,
    else the assignment's notebook in the current folder). ``assignment``: its id, needed only outside a
    students' kit. Never runs the tests in this kernel.
    """
    shell = _ipython()
    try:
        path = _find_notebook(notebook, shell)
    except FileNotFoundError as exc:
        return CheckResult(None, problem=str(exc))
    found = kit.find(path.parent)
    if found is None and assignment is None:
        return CheckResult(path, problem=f"{path} is not inside a students' kit (no {kit.MARKER} above it): unzip "
                           "the kit your instructor gave you and work in it, or pass assignment='ID'")
    warnings = _unsaved_warnings(path, shell)
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        out = Path(tmp) / "results.json"
        command = [sys.executable, "-m", "autograder", "check", *([assignment] if found is None else []), str(path),
                   "--out", str(out), "--quiet", *(["--question", question] if question else [])]
        print(f"checking {path.name} as saved {_ago(path)} with the public tests"
              + (f" of question {question}" if question else "") + " ...", flush=True)
        try:
            done = subprocess.run(command, cwd=found or path.parent, capture_output=True, text=True,
                                  timeout=timeout, env=_clean_env())
        except subprocess.TimeoutExpired:
            return CheckResult(path, warnings=warnings, problem=f"the check took more than {timeout:g} s")
        if not out.is_file():
            return CheckResult(path, warnings=warnings, problem=(done.stdout + done.stderr).strip()[-4000:])
        data = json.loads(out.read_text())
    problem = "" if done.returncode == 0 else "\n".join(
        line for line in done.stdout.splitlines() if line.startswith("grader problem"))
    return CheckResult(path, tests=data.get("tests", []), output=data.get("output", ""), warnings=warnings,
                       problem=problem)


def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _find_notebook(notebook: str | os.PathLike | None, shell: Any) -> Path:
    if notebook is not None:
        path = Path(notebook).expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(f"there is no notebook at {path}")
        return path
    namespace = getattr(shell, "user_ns", {}) or {}
    for told in (namespace.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
        if told and str(told).endswith(".ipynb") and Path(told).is_file():
            return Path(told).resolve()
    here = Path.cwd()
    found = kit.find(here)
    if found is not None:
        expected = _kit_notebook(found)
        candidates = [p for p in here.rglob(expected) if ".ipynb_checkpoints" not in p.parts] if expected else []
        if len(candidates) == 1:
            return candidates[0].resolve()
    notebooks = [p for p in here.glob("*.ipynb")]
    if len(notebooks) == 1:
        return notebooks[0].resolve()
    raise FileNotFoundError("could not tell which notebook this kernel runs (Colab and some editors do not say): "
                            "pass it, e.g. notebook_check('2.1', notebook='ps2.ipynb'); on Colab, the path of "
                            "your copy in Drive, e.g. '/content/drive/MyDrive/ps2/ps2.ipynb'")


def _kit_notebook(found: Path) -> str | None:
    from . import assignment as assignments

    try:
        a = assignments.load(kit.kit_assignment(found), found)
    except Exception:  # noqa: BLE001 - a broken kit is said by the check itself
        return None
    return str(a.settings.get("notebook", f"{a.id}.ipynb")) if a.kind == "notebook" else None


def unsaved_sources(executed: list[str], saved_cells: list[str]) -> list[str]:
    """Of the cells this kernel ran (``executed``), those whose code is in no cell of the saved notebook."""
    def norm(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip().splitlines())

    saved = "\n\n".join(norm(c) for c in saved_cells)
    return [src for src in executed if norm(src) and "notebook_check" not in src and norm(src) not in saved]


def _unsaved_warnings(path: Path, shell: Any) -> list[str]:
    """A note when this kernel ran code that the saved file does not hold: the check would not see it."""
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if not history:
        return []
    try:
        import nbformat

        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook is said by the check itself
        return []
    missing = unsaved_sources([h for h in history if isinstance(h, str)],
                              [c.source for c in nb.cells if c.cell_type == "code"])
    if not missing:
        return []
    first = missing[-1].strip().splitlines()[0][:80]
    return [f"this kernel ran code that is not in the saved {path.name} ({len(missing)} cell(s), the latest "
            f"starting {first!r}); unsaved changes are likely: {HINT_SAVE}"]


def _ago(path: Path) -> str:
    seconds = max(0, time.time() - path.stat().st_mtime)
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return time.strftime("at %Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))


def _clean_env() -> dict[str, str]:
    """The kernel's environment without what Jupyter set for this kernel (the check is not a kernel)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("JPY_", "PYDEVD", "MPLBACKEND"))}
