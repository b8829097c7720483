"""The ``autograder`` command: a thin layer that parses arguments and calls the library.

    autograder list [ASSIGNMENT]                  assignments, their tests and points
    autograder grade ASSIGNMENT PATH [--out F]    grade a submission (folder, .zip or .ipynb): results.json + table
    autograder check ASSIGNMENT PATH              a student's run: public tests only, what went wrong
    autograder bulk ASSIGNMENT DIR --out DIR      grade every submission in a folder, with a CSV summary
    autograder audit ASSIGNMENT DIR [--json]      what a class's submissions import that the environment lacks
    autograder fixtures ASSIGNMENT [--check]      regenerate fixtures from the reference (or verify them)
    autograder template ASSIGNMENT [--check]      regenerate the student template (or verify it)
    autograder bundle ASSIGNMENT [--out ZIP]      the zip to upload to Gradescope
    autograder env [ASSIGNMENT ...] [--lock|--check]  build (or verify) students' environments; --lock recompiles
    autograder data [NAME ...] [--download]       prepare datasets (real, or synthetic stand-ins offline)
    autograder sandbox [--create]                 how submission code is isolated here (root: the account)
    autograder new ASSIGNMENT [--kind KIND]       start a new assignment (package or notebook) that grades
    autograder student-kit ASSIGNMENT [--out ZIP]  what students get: template, public tests, their fixtures

Exit status: 0 when the command did its job (whatever the score), 1 when a --check found a
difference, 2 when the grader itself could not run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from . import __version__
from .errors import AutograderError

EPILOG = """examples:
  autograder grade hw6 student_template/hw6 --out results.json
  autograder check hw6 my_submission.zip
  autograder grade ps2 my_ps2.ipynb --save-notebook graded.ipynb
  autograder list hw6
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder", description="Grade machine-learning homework safely: submission code runs in a "
        "sandboxed worker; the grader compares on its own side and writes Gradescope's results.json.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"autograder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list assignments with their tests and points")
    p.add_argument("assignment", nargs="?", help="only this assignment")

    for name, text in (("grade", "grade a submission with every test (instructors, Gradescope)"),
                       ("check", "run the public tests on your work and explain failures (students)")):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("assignment", help="assignment id, e.g. hw6 (see `autograder list`); inside a students' kit, "
                                          "`autograder check PATH` alone finds the assignment from the kit")
        p.add_argument("path", type=Path, nargs="?" if name == "check" else None,
                       help="the submission: a folder, a .zip, or a notebook (.ipynb)")
        p.add_argument("--out", type=Path, help="write Gradescope's results.json here")
        p.add_argument("--staff-log", type=Path, help="write full tracebacks of failures here")
        p.add_argument("--save-notebook", type=Path, metavar="FILE",
                       help="notebook assignments: save the executed notebook, with feedback per part, here")
        p.add_argument("--quiet", action="store_true", help="no table, only the total")
        p.add_argument("--question", "-q", action="append", default=[], dest="questions", metavar="NUMBER",
                       help="only the tests of this question: 2.1 runs 2.1a.i, 2.1c, ... (repeatable)")

    text = ("the kit students get: the template, the public tests and only the fixtures they read (no hidden "
            "test, expected value of one, hidden label or reference), a README; `autograder check PATH` runs in it")
    p = sub.add_parser("student-kit", help=text, description=text)
    p.add_argument("assignment")
    p.add_argument("--out", type=Path, help="the zip to write (default: ASSIGNMENT-kit.zip)")

    text = ("start a new assignment that grades from the first minute: assignment.toml, a reference with one part "
            "to write, a fixtures script and one grading test (then run `template` and `fixtures`; see "
            "docs/authoring.md)")
    p = sub.add_parser("new", help=text, description=text)
    p.add_argument("assignment", help="its id: letters, digits and _")
    p.add_argument("--kind", choices=["package", "notebook"], default="package",
                   help="a folder of .py files (default) or a Jupyter notebook")

    text = ("grade a class: every submission (folder, .zip or .ipynb) in FOLDER, in parallel, each in its own "
            "grading process with its own sandbox account; NAME/results.json as each finishes, summary.csv and "
            "report.html at the end. An interrupted run resumes where it stopped")
    p = sub.add_parser("bulk", help="grade a whole class, in parallel; summary.csv and report.html",
                       description=text)
    p.add_argument("assignment")
    p.add_argument("folder", type=Path, help="holds one folder, .zip or .ipynb per student")
    p.add_argument("--out", type=Path, required=True, help="folder for NAME/results.json, summary.csv, report.html")
    p.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="submissions graded at once (default: what this machine's cores, memory and sandbox "
                        "accounts allow for this assignment, said at start)")
    p.add_argument("--regrade", action="store_true", help="grade every submission again (default: keep finished ones)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="stop one submission's grading after S seconds (default: the assignment's total + 60)")
    p.add_argument("--verbose", "-v", action="store_true", help="a line per finished submission")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="send each submission to a Ray cluster (`auto`, or the head's host:port); needs "
                        "`pip install .[ray]` here and on every node")

    text = ("before grading a class: read (never run) every submission in FOLDER (a folder, .zip or .ipynb each, as "
            "`bulk` takes them), .py files and notebook cells, and list each module they import that the "
            "assignment's students' environment cannot import (not the standard library, not installed, not the "
            "submission's own), with the submissions that import it and the line that adds it to [environment]. "
            "Exit status 0 whatever it finds (a report)")
    p = sub.add_parser("audit", help="what a class's submissions import that the students' environment lacks",
                       description=text)
    p.add_argument("assignment")
    p.add_argument("folder", type=Path, help="holds one folder, .zip or .ipynb per student")
    p.add_argument("--json", action="store_true", help="print the report as JSON (for machines) instead of tables")

    for name, text in (("fixtures", "regenerate fixtures/ID from the reference (--check: deterministic parts bit "
                                    "for bit, trained parts within their stated tolerance)"),
                       ("template", "regenerate student_template/ID from the reference's solution regions")):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("assignment")
        p.add_argument("--check", action="store_true", help="verify instead of writing: exit 1 when stale")
        if name == "fixtures":
            p.add_argument("--seeds", type=int, metavar="N",
                           help="with --check: rerun only the first N seeds of each trained mark's calibration "
                                "(quick; their runs are compared, the marks are not recomputed)")
            p.add_argument("--marks", nargs="+", metavar="NAME",
                           help="with --check: train only these trained marks (names as --margins prints them; "
                                "quick); the others are not rerun")
            p.add_argument("--margins", action="store_true",
                           help="print each trained mark's fit (mean and spread of the correct runs per variant) "
                                "and its margin in standard deviations, from the committed fixtures, and exit")

    text = ("build, or find already built, the Python environment that an assignment's submission code runs in: "
            "the packages its assignment.toml declares under [environment], installed from environment.lock "
            "with their hashes checked, into $AUTOGRADER_ENVS (as root: /opt/autograder-envs; else "
            "~/.cache/autograder/envs). Grading builds it on first use too; setup.sh builds it on Gradescope. "
            "With TORCH_INDEX set, torch and torchvision come from that index (CPU-only wheels on Gradescope)")
    p = sub.add_parser("env", help="build or check an assignment's students' environment", description=text)
    p.add_argument("assignment", nargs="*", help="assignment id(s), e.g. hw6 (default: every assignment)")
    p.add_argument("--check", action="store_true", help="only say whether it is built: exit 1 when not")
    p.add_argument("--lock", action="store_true",
                   help="instructors: recompile environment.lock from [environment] (needs uv and a package index)")

    text = ("make the datasets available under the data folder ($AUTOGRADER_DATA, default ./data): the real "
            "files when present or downloadable, else deterministic synthetic stand-ins in the real formats")
    p = sub.add_parser("data", help="prepare datasets (CIFAR-10, MNIST, Fashion-MNIST)", description=text)
    p.add_argument("names", nargs="*", metavar="NAME", help="cifar10, mnist, fashion_mnist (default: all)")
    p.add_argument("--download", action="store_true", help="try torchvision's download first (needs a network)")
    p.add_argument("--root", type=Path, help="data folder (default: $AUTOGRADER_DATA or ./data)")

    text = ("show how submission code is isolated on this machine. As root, workers run as an unprivileged "
            "account (default autograder-sandbox; $AUTOGRADER_SANDBOX_USER names another, or none); without "
            "root there is no user switch, only the process boundary and resource limits")
    p = sub.add_parser("sandbox", help="how submission code is isolated here; --create makes the account",
                       description=text)
    p.add_argument("--create", action="store_true", help="create the sandbox account (root; setup.sh does this)")
    p.add_argument("--slots", type=int, default=1, metavar="N",
                   help="with --create: N accounts, one per parallel grading slot (`bulk --jobs N`): "
                        "autograder-sandbox, autograder-sandbox-1, ...")

    p = sub.add_parser("bundle", help="build the autograder zip to upload to Gradescope")
    p.add_argument("assignment")
    p.add_argument("--out", type=Path, help="zip path (default: ID-autograder.zip)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(stderr=False)
    try:
        from . import commands

        return getattr(commands, args.command.replace("-", "_"))(args, console)
    except AutograderError as exc:
        console.print(f"[bold red]error:[/] {exc.message}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
