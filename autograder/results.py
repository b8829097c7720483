"""Gradescope's results.json: the result model, its validation against the schema, its atomic write.

The schema is Gradescope's contract (``schemas/results.schema.json``, a copy of
``shared/gradescope/results.schema.json``). Every file we write is validated first; if the model
cannot be made valid, a minimal valid file saying so is written instead, so Gradescope never shows
"The autograder failed to execute correctly".
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("schemas") / "results.schema.json"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
MAX_OUTPUT = 8000  # characters of output per test: enough to read, not enough to flood the page


@dataclass
class TestResult:
    name: str
    max_score: float
    score: float
    number: str | None = None
    output: str = ""
    visibility: str | None = None
    tags: list[str] = field(default_factory=list)
    status: str | None = None  # "passed" / "failed"; None: derived from the score

    @property
    def passed(self) -> bool:
        return self.status == "passed" if self.status else self.score >= self.max_score

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "score": round(float(self.score), 6),
                                "max_score": round(float(self.max_score), 6),
                                "status": "passed" if self.passed else "failed"}
        if self.number:
            data["number"] = self.number
        if self.output:
            data["output"] = clip(self.output, MAX_OUTPUT)
        if self.visibility:
            data["visibility"] = self.visibility
        if self.tags:
            data["tags"] = [str(t) for t in self.tags]
        return data


@dataclass
class Results:
    tests: list[TestResult] = field(default_factory=list)
    output: str = ""
    execution_time: float | None = None
    leaderboard: list[dict[str, Any]] = field(default_factory=list)
    visibility: str | None = None
    stdout_visibility: str | None = None
    extra_data: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"score": round(self.score, 6), "tests": [t.to_dict() for t in self.tests]}
        if self.output:
            data["output"] = clip(self.output, MAX_OUTPUT * 2)
        if self.execution_time is not None:
            data["execution_time"] = round(self.execution_time, 3)
        if self.leaderboard:
            data["leaderboard"] = self.leaderboard
        for key in ("visibility", "stdout_visibility"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.extra_data:
            data["extra_data"] = self.extra_data
        return data


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, keeping its head and tail."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters omitted] ...\n{text[-half:]}"


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(schema)


def validate(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``data`` is a valid results.json."""
    _validator().validate(data)


def fallback(message: str) -> dict[str, Any]:
    """The smallest valid results.json: used when nothing better can be written."""
    return {"score": 0, "output": message, "tests": []}


def write(results: Results | dict[str, Any], path: Path) -> dict[str, Any]:
    """Validate and write ``results`` to ``path`` atomically, replacing whatever is there."""
    data = results.to_dict() if isinstance(results, Results) else results
    try:
        validate(data)
        text = json.dumps(data, indent=2, allow_nan=False)
    except Exception as exc:  # noqa: BLE001 - whatever is wrong, Gradescope must get a valid file
        data = fallback(f"The autograder produced an invalid result ({type(exc).__name__}: {exc}). "
                        "Please tell your instructor.")
        text = json.dumps(data, indent=2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results.", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return data


def student_view(data: dict[str, Any], *, due_date_passed: bool = False, published: bool = False) -> dict[str, Any]:
    """What a student sees of results.json on Gradescope (its visibility rules, ``shared/gradescope``).

    A test's own ``visibility`` overrides the top-level one (default ``visible``): ``hidden`` tests are shown to
    no student, ``after_due_date`` ones once the due date has passed, ``after_published`` ones once grades are
    published. A test not shown hides the total too (Gradescope does so for hidden tests; taken here for any
    test not shown, the stricter reading). The top-level ``output`` and the leaderboard are shown to everyone.
    """
    shown_at = {"visible": True, "hidden": False, "after_due_date": due_date_passed, "after_published": published}
    default = data.get("visibility", "visible")
    tests = [t for t in data.get("tests", []) if shown_at[t.get("visibility", default)]]
    view: dict[str, Any] = {"tests": tests}
    if len(tests) == len(data.get("tests", [])):
        view["score"] = data.get("score")
    for key in ("output", "leaderboard"):
        if key in data:
            view[key] = data[key]
    return view
