"""The class report of a bulk run: ``summary.csv`` (a row per submission, a column per test) and ``report.html``.

The page is for the instructor after grading a class: the score histogram, the pass rate of every test as bars,
the most common failure message of each test with how many submissions hit it, the slowest submissions, the
grader's own problems kept apart from students' failures, and the modules submissions import that the students'
environment lacks (``audit.py``: each with the submissions and the line that adds it). The figures are matplotlib
PNGs embedded in the page. The same inputs give the same files, byte for byte (sorted rows, no clock, PNGs without
metadata).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from .bulk import Outcome, counts
from .plugin import number_key

SLOWEST = 5


def _load(out: Path, outcomes: list[Outcome]) -> list[tuple[Outcome, dict[str, Any]]]:
    rows = []
    for outcome in sorted(outcomes, key=lambda o: o.name):
        try:
            data = json.loads((out / outcome.name / "results.json").read_text())
        except (OSError, ValueError):
            data = {"tests": []}
        rows.append((outcome, data))
    return rows


def _columns(rows: list[tuple[Outcome, dict[str, Any]]]) -> list[tuple[str, str]]:
    """Every test any submission has, as (key, label), in the order of their numbers."""
    seen: dict[str, str] = {}
    for _, data in rows:
        for test in data.get("tests", []):
            seen.setdefault(test.get("number") or test["name"], test["name"])
    return sorted(seen.items(), key=lambda kv: (number_key(kv[0] if kv[0] != kv[1] else None), kv[1]))


def _by_key(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t.get("number") or t["name"]: t for t in data.get("tests", [])}


def write_summary(out: Path, outcomes: list[Outcome]) -> Path:
    """``summary.csv``: submission, status, score, max_score, seconds, one column per test (its score), problem."""
    rows = _load(out, outcomes)
    columns = _columns(rows)
    path = out / "summary.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["submission", "status", "score", "max_score", "seconds", *(k for k, _ in columns),
                         "problem"])
        for outcome, data in rows:
            tests = _by_key(data)
            writer.writerow([outcome.name, outcome.status, f"{outcome.score:g}", f"{outcome.max_score:g}",
                             f"{outcome.seconds:.1f}", *(f"{tests[k]['score']:g}" if k in tests else "" for k, _ in
                                                         columns), outcome.problem.splitlines()[0] if
                             outcome.problem else ""])
    return path


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode()


def _figures(rows: list[tuple[Outcome, dict[str, Any]]], columns: list[tuple[str, str]]) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    graded = [o for o, _ in rows if o.status != "errored"]
    top = max([o.max_score for o, _ in rows] + [1])
    figure = Figure(figsize=(6, 2.6))
    axes = figure.subplots()
    axes.hist([o.score for o in graded], bins=min(20, max(5, int(top))), range=(0, top), color="#4878a8")
    axes.set_xlabel("score")
    axes.set_ylabel("submissions")
    axes.set_title(f"Scores of {len(graded)} graded submissions (out of {top:g})")
    figure.tight_layout()
    histogram = _png(figure)

    rates = []
    for key, _ in columns:
        hits = [_by_key(d)[key] for o, d in rows if o.status != "errored" and key in _by_key(d)]
        rates.append(100 * sum(t.get("status") == "passed" for t in hits) / len(hits) if hits else 0.0)
    figure = Figure(figsize=(6, max(2.0, 0.22 * len(columns) + 0.8)))
    axes = figure.subplots()
    axes.barh(range(len(columns)), rates, color="#59a14f")
    axes.set_yticks(range(len(columns)), [k for k, _ in columns], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of graded submissions passing")
    axes.set_title("Pass rate per test")
    figure.tight_layout()
    return histogram, _png(figure)


def write_html(out: Path, outcomes: list[Outcome], *, title: str, audit: Any = None) -> Path:
    """``report.html``: figures, the most common failure per test, the slowest submissions, the grader's
    problems, and (``audit``: an ``audit.Report``) what the submissions import that the environment lacks."""
    e = html.escape
    rows = _load(out, outcomes)
    columns = _columns(rows)
    tally = counts(outcomes)
    histogram, rates = _figures(rows, columns) if rows else ("", "")
    failures = []
    for key, label in columns:
        messages = Counter()
        for outcome, data in rows:
            test = _by_key(data).get(key)
            if outcome.status != "errored" and test and test.get("status") == "failed":
                messages[(test.get("output") or "(no message)").strip().splitlines()[0][:300]] += 1
        if messages:
            (message, hits), = sorted(messages.items(), key=lambda kv: (-kv[1], kv[0]))[:1]
            total = sum(messages.values())
            failures.append(f"<tr><td>{e(label)}</td><td>{total}</td><td>{hits}</td><td><code>{e(message)}</code>"
                            "</td></tr>")
    slowest = sorted((o for o, _ in rows if not o.resumed or o.seconds), key=lambda o: (-o.seconds, o.name))[:SLOWEST]
    problems = [o for o, _ in rows if o.status == "errored"]
    page = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
            "code{white-space:pre-wrap}</style></head><body>",
            f"<h1>{e(title)}</h1>",
            f"<p>{len(rows)} submissions: {tally['passed']} passed every test, {tally['failed']} lost points, "
            f"{tally['errored']} could not be graded (the grader's problems, below).</p>"]
    if histogram:
        page += [f"<img alt='score histogram' src='data:image/png;base64,{histogram}'>",
                 f"<img alt='pass rate per test' src='data:image/png;base64,{rates}'>"]
    page += ["<h2>Most common failure per test</h2>", "<table><tr><th>test</th><th>failed</th>"
             "<th>with this message</th><th>message</th></tr>", *failures, "</table>" if failures else
             "</table><p>No test failed.</p>",
             "<h2>Slowest submissions</h2>", "<table><tr><th>submission</th><th>seconds</th><th>peak MiB</th>"
             "<th>where</th></tr>",
             *(f"<tr><td>{e(o.name)}</td><td>{o.seconds:.1f}</td><td>{o.peak_mb:g}</td><td>{e(o.slot)}</td></tr>"
               for o in slowest), "</table>",
             "<h2>Grader problems (not the students' failures)</h2>"]
    if problems:
        page += ["<table><tr><th>submission</th><th>problem</th></tr>",
                 *(f"<tr><td>{e(o.name)}</td><td><code>{e(o.problem)}</code></td></tr>" for o in problems),
                 "</table>"]
    else:
        page.append("<p>None: every submission was graded.</p>")
    if audit is not None:
        from .audit import html_section

        page += html_section(audit)
    page.append("</body></html>\n")
    path = out / "report.html"
    path.write_text("\n".join(page))
    return path
