"""One function per CLI command: each turns parsed arguments into library calls and prints."""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import zipfile
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from . import assignment as assignments
from . import fixtures as fixtures_mod
from . import grading, report, sandbox_user
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
    with _progress(console) as progress:
        task = progress.add_task(f"grading {args.path.name}", total=None)
        result = grading.grade(a, args.path, out=args.out, visible_only=visible_only,
                               on_collected=lambda n: progress.update(task, total=n),
                               on_result=lambda r: progress.update(task, advance=1, description=r.name[:40]),
                               save_notebook=args.save_notebook)
    if args.staff_log:
        args.staff_log.write_text(result.staff_log + "\n".join(result.errors))
    for line in result.log:
        console.print(line, style="yellow" if "WARNING" in line else "dim", markup=False, highlight=False,
                      soft_wrap=True)
    title = f"{a.id}: {a.title}" + (" (public tests)" if visible_only else "")
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
    a = assignments.load(args.assignment)
    submissions = sorted(p for p in args.folder.iterdir() if p.is_dir() or p.suffix in (".zip", ".ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with _class_folder_hidden(args.folder, console), _progress(console) as progress:
        task = progress.add_task("grading", total=len(submissions))
        for path in submissions:
            progress.update(task, description=path.name[:30])
            name = path.stem if path.is_file() else path.name
            result = grading.grade(a, path, out=args.out / name / "results.json")
            rows.append([name, f"{result.results.score:g}", f"{result.results.max_score:g}",
                         *(f"{t.score:g}" for t in result.results.tests)])
            progress.advance(task)
    numbers = [t.number or t.name for t in result.results.tests] if submissions else []
    with open(args.out / "summary.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "score", "max_score", *numbers])
        writer.writerows(rows)
    console.print(f"graded {len(rows)} submissions; summary in {args.out / 'summary.csv'}")
    return 0


def fixtures(args: argparse.Namespace, console: Console) -> int:
    a = assignments.load(args.assignment)
    if not args.check:
        writer = fixtures_mod.generate(a)
        console.print(f"wrote {len(writer.arrays)} arrays and {len(writer.thresholds)} thresholds to {a.fixtures_dir}")
        if writer.outputs:
            console.print(f"wrote the reference's outputs {', '.join(sorted(writer.outputs))} to {a.reference_dir}")
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fixtures_mod.generate(a, Path(tmp))
        found = fixtures_mod.compare(Path(tmp), a.fixtures_dir, Path(tmp) / fixtures_mod.OUTPUTS, a.reference_dir)
    for line in found.notes:
        console.print(f"note: {line}", markup=False, highlight=False)
    for line in found.problems:
        console.print(f"[bold red]differs:[/] {line}", highlight=False)
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
        user = sandbox_user.create(name if name.lower() not in ("", "none") else sandbox_user.DEFAULT_NAME)
        console.print(f"account {user.name} (uid {user.uid}) is ready")
    console.print(sandbox_user.choose().message, markup=False, highlight=False)
    return 0


__all__ = ["bulk", "bundle", "check", "data", "fixtures", "grade", "list", "sandbox", "template"]
