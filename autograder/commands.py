"""One function per CLI command: each turns parsed arguments into library calls and prints."""

from __future__ import annotations

import argparse
import contextlib
import os
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from . import assignment as assignments
from . import fixtures as fixtures_mod
from . import grading, plugin, report, sandbox_user
from . import template as template_mod


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


def list(args: argparse.Namespace, console: Console) -> int:  # noqa: A001 - the command's name
    ids = [args.assignment] if args.assignment else assignments.available()
    rows = []
    for assignment_id in ids:
        a = assignments.load(assignment_id)
        rows.append((a.id, a.title, grading.collect(a)))
    report.listing(rows, console)
    for text in filter(None, (assignments.manual_markdown(assignments.load(i)) for i in ids)):  # [[manual]]
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    return 0


def _grade(args: argparse.Namespace, console: Console, *, visible_only: bool) -> int:
    if args.path is None:  # `autograder check PATH` inside a students' kit
        from . import kit

        args.path = Path(args.assignment)
        found = kit.find(args.path if args.path.exists() else Path.cwd()) or kit.find(Path.cwd())
        if found is None:
            console.print("autograder check needs the assignment and the path (autograder check hw6 hw6/), or to "
                          "run inside a students' kit", markup=False)
            return 2
        a = assignments.load(kit.kit_assignment(found), found)
    else:
        a = assignments.load(args.assignment)
    if args.questions and not _questions_exist(a, args.questions, visible_only, console):
        return 2
    with _progress(console) as progress:
        task = progress.add_task(f"grading {args.path.name}", total=None)
        result = grading.grade(a, args.path, out=args.out, visible_only=visible_only,
                               on_collected=lambda n: progress.update(task, total=n),
                               on_result=lambda r: progress.update(task, advance=1, description=r.name[:40]),
                               save_notebook=args.save_notebook, questions=args.questions)
    if args.staff_log:
        args.staff_log.write_text(result.staff_log + "\n".join(result.errors))
    for line in result.log:
        console.print(line, style="yellow" if "WARNING" in line else "dim", markup=False, highlight=False,
                      soft_wrap=True)
    title = f"{a.id}: {a.title}" + (" (public tests)" if visible_only else "")
    if args.questions:
        title += f", question {', '.join(args.questions)}"
    if args.quiet:
        console.print(f"{result.results.score:g}/{result.results.max_score:g}")
    else:
        report.print_results(result.results, title, details=visible_only or not args.out, console=console)
    if args.out:
        console.print(f"results written to {args.out}")
    if args.save_notebook and result.notebook is not None:
        console.print(f"executed notebook written to {args.save_notebook}")
    for error in result.errors:
        console.print(Text.assemble(("grader problem: ", "bold red"), error))
    return 0 if result.ok else 2


def _questions_exist(a: assignments.Assignment, questions: list[str], visible_only: bool, console: Console) -> bool:
    """Whether every question asked for has a test (of those this run may show); if not, say which numbers do."""
    numbers = [info.number for info in grading.collect(a, visible_only=visible_only) if info.number]
    unknown = [q for q in questions if not any(plugin.in_question(n, q) for n in numbers)]
    if unknown:
        kind = "public test" if visible_only else "test"
        console.print(f"no {kind} of {a.id} is numbered {', '.join(unknown)}; the {kind}s are numbered "
                      f"{', '.join(numbers)}", markup=False, highlight=False)
    return not unknown


def grade(args: argparse.Namespace, console: Console) -> int:
    return _grade(args, console, visible_only=False)


def check(args: argparse.Namespace, console: Console) -> int:
    return _grade(args, console, visible_only=True)


def student_kit(args: argparse.Namespace, console: Console) -> int:
    from . import kit

    a = assignments.load(args.assignment)
    out = args.out or Path(f"{a.id}-kit.zip")
    built = kit.build(a, out)
    console.print(f"wrote {out}: {len(built['files'])} files, {built['public tests']} public tests, "
                  f"{len(built['arrays'])} fixture arrays", markup=False, highlight=False)
    for name in built["not in the kit (need the reference)"]:
        console.print(f"  not in the kit (compares with the reference, graded on Gradescope only): {name}",
                      markup=False, highlight=False)
    return 0


@contextlib.contextmanager
def _class_folder_hidden(folder: Path, console: Console):
    """While a class is graded, the sandbox account cannot read the class folder (its path is in this process's
    command line, which any account can read in /proc): its mode is 0700 for the run, as it was afterwards."""
    user = sandbox_user.choose().user
    mode = folder.stat().st_mode & 0o7777
    if user is None or not sandbox_user.can_read(folder, user):
        yield
        return
    console.print(f"{folder} is readable by {user.name}: made private (0700) while the class is graded, so that no "
                  "submission can read the others", markup=False, highlight=False, soft_wrap=True)
    folder.chmod(0o700)
    try:
        yield
    finally:
        folder.chmod(mode)


def new(args: argparse.Namespace, console: Console) -> int:
    from . import scaffold

    written = scaffold.create(assignments.project_root(), args.assignment, args.kind)
    for path in written:
        console.print(f"wrote {path}", markup=False, highlight=False)
    console.print(f"next: autograder template {args.assignment} && autograder fixtures {args.assignment} && "
                  f"autograder grade {args.assignment} reference/{args.assignment}", markup=False, highlight=False)
    return 0


def bulk(args: argparse.Namespace, console: Console) -> int:
    from . import bulk as bulk_mod
    from . import class_report

    a = assignments.load(args.assignment)
    if not args.folder.is_dir():
        console.print(f"{args.folder} is not a folder of submissions", markup=False)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    todo, done = bulk_mod.plan(args.folder, args.out, regrade=args.regrade)
    if done:
        console.print(f"{len(done)} submission(s) already graded in {args.out} (same files): kept; --regrade grades "
                      "them again", markup=False, highlight=False)
    timeout = args.timeout or a.timeouts.total + 60
    imports = _bulk_audit(a, args.folder, args.out, console)  # read, not run: said before the grading starts
    outcomes: list = []
    if todo:
        infos = grading.collect(a)  # (collected once, here: what a submission that could not be graded gets)

        def fallback(message: str) -> dict:
            return grading.all_failed(infos, message).to_dict()

        grading.students_environment(a)  # built once, before the jobs (it may take minutes the first time)
        if args.ray:
            from . import ray_grading

            # (a thread per submission in flight, each waiting on its task; Ray queues what the cluster cannot run)
            runner, parallel, slots = ray_grading.runner(a, args.ray, console), min(len(todo), 256), None
            console.print(f"grading {len(todo)} submission(s) on the Ray cluster at {args.ray}", markup=False,
                          highlight=False)
        else:
            room = bulk_mod.capacity(a, args.jobs)
            runner, parallel, slots = bulk_mod.run_local, min(room.jobs, len(todo)), room.slots
            console.print(f"grading {len(todo)} submission(s), {parallel} at a time ({room.reason})", markup=False,
                          highlight=False, soft_wrap=True)
        outcomes = _grade_class(a, todo, parallel, slots, timeout, fallback, runner, args, console)
    every = sorted(done + outcomes, key=lambda o: o.name)
    summary = class_report.write_summary(args.out, every)
    page = class_report.write_html(args.out, every, title=f"{a.id}: {a.title}", audit=imports)
    tally = bulk_mod.counts(every)
    console.print(f"{len(every)} submissions: {tally['passed']} passed, {tally['failed']} failed, {tally['errored']} "
                  f"errored; {summary} and {page}", markup=False, highlight=False, soft_wrap=True)
    return 0


def audit(args: argparse.Namespace, console: Console) -> int:
    import json
    import sys

    from . import audit as audit_mod

    a = assignments.load(args.assignment)
    if not args.folder.is_dir():
        console.print(f"{args.folder} is not a folder of submissions", markup=False, highlight=False)
        return 2
    err = Console(stderr=True)
    with _progress(err) as progress:
        task = progress.add_task("reading", total=None)
        found = audit_mod.audit(a, args.folder, progress=lambda line: err.print(line, markup=False, highlight=False),
                                on_submission=lambda name: progress.update(task, description=f"reading {name[:40]}"))
    if args.json:
        json.dump(found.to_dict(), sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        audit_mod.print_report(found, console)
    return 0


def _bulk_audit(a: assignments.Assignment, folder: Path, out: Path, console: Console):
    """``bulk``'s import audit of the class (``audit.py``), for its report and ``audit.json``; None when it could
    not run (it never stops the grading)."""
    from . import audit as audit_mod
    from . import bulk as bulk_mod

    try:
        found = audit_mod.audit(a, folder)
        bulk_mod.write_json_atomic(out / "audit.json", found.to_dict())
    except Exception as exc:  # noqa: BLE001 - a report's section, not the grading
        console.print(f"the import audit could not run ({type(exc).__name__}: {exc}); grading is not affected",
                      markup=False, highlight=False, soft_wrap=True)
        return None
    for finding in found.findings:
        if finding.submissions:
            console.print(f"{len(finding.submissions)} submission(s) import {finding.module}, which {a.id}'s "
                          f"environment lacks ({finding.reason}): {finding.fix}", markup=False, highlight=False,
                          soft_wrap=True)
    return found


def _grade_class(a: assignments.Assignment, todo: list, parallel: int, slots: list[str] | None, timeout: float,
                 fallback: Callable[[str], dict], runner: Callable, args: argparse.Namespace, console: Console) -> list:
    """``bulk``'s grading, with one progress bar for the class (counts and ETA) and, with --verbose, a line each."""
    from rich.progress import TimeRemainingColumn

    from . import bulk as bulk_mod

    tally = dict.fromkeys(bulk_mod.STATUSES, 0)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("[green]{task.fields[passed]} passed[/] [red]{task.fields[failed]} failed[/] "
                          "[yellow]{task.fields[errored]} errored[/]"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with _class_folder_hidden(args.folder, console), Progress(*columns, console=console,
                                                              disable=not console.is_terminal) as progress:
        task = progress.add_task("grading", total=len(todo), **tally)
        lock = threading.Lock()

        def on_done(outcome) -> None:
            with lock:
                tally[outcome.status] += 1
                progress.update(task, advance=1, **tally)
                if args.verbose:
                    style = {"passed": "green", "failed": "red", "errored": "yellow"}[outcome.status]
                    line = Text.assemble((f"{outcome.status:8}", style), f"{outcome.name}  {outcome.score:g}/"
                                         f"{outcome.max_score:g}  {outcome.seconds:.1f} s  {outcome.peak_mb:g} MiB"
                                         f"{'  ' + outcome.slot if outcome.slot else ''}")
                    if outcome.problem:
                        line.append(f"  {outcome.problem.splitlines()[0]}", style="yellow")
                    progress.console.print(line, soft_wrap=True)

        return bulk_mod.grade_class(a, todo, parallel=parallel, slots=slots, timeout=timeout, fallback=fallback,
                                    on_done=on_done, runner=runner)


def fixtures(args: argparse.Namespace, console: Console) -> int:
    a = assignments.load(args.assignment)
    if args.margins:
        for line in fixtures_mod.margin_lines(a.fixtures_dir):
            console.print(line, markup=False, highlight=False)
        return 0
    if (args.seeds is not None or args.marks) and not args.check:
        console.print("[bold red]error:[/] --seeds N and --marks are for --check (fixtures calibrated over fewer seeds "
                      "or marks are not written)")
        return 2
    if not args.check:
        writer = fixtures_mod.generate(a)
        console.print(f"wrote {len(writer.arrays)} arrays and {len(writer.thresholds)} thresholds to {a.fixtures_dir}")
        if writer.outputs:
            console.print(f"wrote the reference's outputs {', '.join(sorted(writer.outputs))} to {a.reference_dir}")
        for line in fixtures_mod.margin_lines(a.fixtures_dir):
            console.print(line, markup=False, highlight=False)
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fixtures_mod.generate(a, Path(tmp), seeds_limit=args.seeds, marks=args.marks)
        found = fixtures_mod.compare(Path(tmp), a.fixtures_dir, Path(tmp) / fixtures_mod.OUTPUTS, a.reference_dir,
                                     marks=args.marks)
    for line in found.notes:
        console.print(f"note: {line}", markup=False, highlight=False)
    for line in found.problems:
        console.print(f"[bold red]differs:[/] {line}", highlight=False)
    for line in fixtures_mod.margin_lines(a.fixtures_dir):  # the committed marks, as grading applies them
        console.print(f"mark: {line}", markup=False, highlight=False)
    if found.problems:
        console.print(f"stale fixtures: run `autograder fixtures {a.id}` (and commit what it writes)")
        return 1
    deterministic = "within rounding (other numeric kernels)" if found.rounded else "bit for bit"
    console.print(f"fixtures of {a.id} are up to date (deterministic parts {deterministic}"
                  f"{', trained parts within their tolerances' if found.notes else ''})")
    return 0


def template(args: argparse.Namespace, console: Console) -> int:
    a = assignments.load(args.assignment)
    exclude = a.settings.get("template_exclude", [])
    if args.check:
        stale = template_mod.stale_files(a.reference_dir, a.template_dir, exclude)
        if stale:
            console.print(f"[bold red]stale template:[/] {', '.join(stale)}; run `autograder template {a.id}`")
            return 1
        console.print(f"student_template/{a.id} is up to date")
        return 0
    stubbed = template_mod.generate(a.reference_dir, a.template_dir, exclude)
    console.print(f"wrote {a.template_dir} ({len(stubbed)} files with solution regions stubbed)")
    return 0


def env(args: argparse.Namespace, console: Console) -> int:
    from . import environments

    status = 0
    for assignment_id in args.assignment or assignments.available():
        a = assignments.load(assignment_id)
        spec = a.environment
        if spec is None:
            console.print(f"{a.id}: no [environment] in its assignment.toml; submission code runs with the "
                          "grader's own Python")
            continue
        if args.lock:
            text = environments.compile_lock(spec)
            console.print(f"wrote {spec.lock_path} ({len(environments.locked_versions(text))} packages, with hashes)")
        if args.check:
            found = environments.find(spec)
            if found is None:
                console.print(f"[bold red]{a.id}: not built[/] (would be {spec.directory()}); "
                              f"run `autograder env {a.id}`")
                status = 1
                continue
        else:
            found = environments.ensure(spec, progress=lambda line: console.print(line, markup=False,
                                                                                  highlight=False))
        console.print(f"{a.id}: {found.path}\n  Python {found.python_version}; {', '.join(found.declared())} "
                      f"({len(found.installed)} distributions in all)", markup=False, highlight=False)
    return status


def data(args: argparse.Namespace, console: Console) -> int:
    from . import datasets

    for name in args.names or datasets.DATASETS:
        if name not in datasets.DATASETS:
            console.print(f"[bold red]error:[/] unknown dataset {name!r} (known: {', '.join(datasets.DATASETS)})")
            return 2
        datasets.prepare(name, args.root, download=args.download)
        for split in datasets.SPLITS:  # fills the cache, so grading reads arrays without importing torch
            datasets.load(name, split, args.root)
        console.print(datasets.describe(name, args.root))
    return 0


BUNDLE_ITEMS = ("setup.sh", "run_autograder", "pyproject.toml", "README.md", "requirements/grader.txt",
                "requirements/torch.txt", "autograder")


def bundle(args: argparse.Namespace, console: Console) -> int:
    a = assignments.load(args.assignment)
    out = args.out or Path(f"{a.id}-autograder.zip")
    root = a.root
    items = [root / name for name in BUNDLE_ITEMS] + [a.tests_dir, a.reference_dir, a.fixtures_dir]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            paths = [item] if item.is_file() else sorted(p for p in item.rglob("*") if p.is_file())
            for path in paths:
                if "__pycache__" in path.parts:
                    continue
                info = zipfile.ZipInfo.from_file(path, path.relative_to(root).as_posix())
                with open(path, "rb") as handle:
                    data = handle.read()
                if path == root / "README.md" and a.manual:  # the instructor's list of what is graded by hand
                    data += b"\n" + assignments.manual_markdown(a).encode()
                archive.writestr(info, data, zipfile.ZIP_DEFLATED)
        archive.writestr("ASSIGNMENT", a.id + "\n")
    console.print(f"wrote {out}: upload it as the autograder of {a.id} on Gradescope")
    return 0


def sandbox(args: argparse.Namespace, console: Console) -> int:
    if args.create:
        name = os.environ.get(sandbox_user.NAME_ENV, "").strip()
        for user in sandbox_user.create_slots(args.slots, name if name.lower() not in ("", "none")
                                              else sandbox_user.DEFAULT_NAME):
            console.print(f"account {user.name} (uid {user.uid}) is ready")
    elif args.slots != 1:
        console.print("--slots goes with --create", markup=False)
        return 2
    if len(sandbox_user.slots()) > 1:
        console.print(f"grading slots (parallel runs, one account each): "
                      f"{', '.join(u.name for u in sandbox_user.slots())}", markup=False, highlight=False)
    console.print(sandbox_user.choose().message, markup=False, highlight=False)
    return 0


__all__ = ["audit", "bulk", "bundle", "check", "data", "fixtures", "grade", "list", "sandbox", "template"]
