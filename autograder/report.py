"""What people see in the terminal: the results table, failure details, assignment listings."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .plugin import TestInfo
from .results import Results, TestResult


def _points(x: float) -> str:
    return f"{x:g}"


def results_table(results: Results, title: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("#", style="dim", no_wrap=True)
    table.add_column("Test")
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for test in results.tests:
        mark = Text("pass", style="green") if test.passed else Text("FAIL", style="bold red")
        if test.visibility and test.visibility != "visible":
            mark.append(f" ({test.visibility})", style="dim")
        name = test.name.removeprefix(f"{test.number} ") if test.number else test.name
        table.add_row(Text(test.number or ""), Text(name), f"{_points(test.score)}/{_points(test.max_score)}", mark)
    table.add_section()
    table.add_row("", Text("Total", style="bold"), Text(f"{_points(results.score)}/{_points(results.max_score)}",
                                                        style="bold"), "")
    return table


def print_results(results: Results, title: str, *, details: bool, console: Console | None = None) -> None:
    """The table, then (with ``details``) what went wrong in each failed test."""
    console = console or Console()
    console.print(results_table(results, title))
    if results.output:  # may quote the submission (a file's name, a cell's error): never read as markup
        console.print(Text(results.output))
    failed = [t for t in results.tests if not t.passed and t.output]
    if details and failed:
        console.rule("What went wrong")
        for test in failed:
            console.print(Text(test.name, style="bold red"))
            console.print(Text(_indent(test.output)))


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def progress_line(result: TestResult) -> str:
    status = "pass" if result.passed else "FAIL"
    return f"  {status}  {result.name}  {_points(result.score)}/{_points(result.max_score)}"


def listing(assignments: Iterable[tuple[str, str, list[TestInfo]]], console: Console | None = None) -> None:
    console = console or Console()
    for assignment_id, title, tests in assignments:
        table = Table(title=f"{assignment_id}: {title}", title_justify="left")
        table.add_column("#", style="dim")
        table.add_column("Test")
        table.add_column("Points", justify="right")
        table.add_column("Visibility", style="dim")
        for info in tests:
            name = info.name.removeprefix(f"{info.number} ") if info.number else info.name
            table.add_row(info.number or "", name, _points(info.weight), info.visibility or "visible")
        table.add_section()
        table.add_row("", "Total", _points(sum(i.weight for i in tests)), "")
        console.print(table)
        for info in tests:
            if not info.declares_points:
                console.print(Text(f"WARNING: {assignment_id}: {info.name} ({info.nodeid}) has no @weight (nor "
                                   "@partial_credit or @leaderboard): it is worth 0 points", style="yellow"))
