"""Collect the code you implemented into a Markdown or LaTeX file for your write-up.

Each heading of `student_implementations` becomes a section whose level is set by --heading_level
(1: section, 2: subsection, 3: subsubsection); each class or function listed under it is one code
block, headed by its dotted name one level lower. LaTeX output is meant for \\input{...} inside your
own document and uses the verbatim environment, so it needs no package.

Examples:
    python generate_submission.py -f markdown --heading_level 3 -o submission.md
    python generate_submission.py --format latex --heading_level 2 --output submission.tex

To include code you changed that is not listed, add its dotted name (module.Class,
module.Class.method or module.function) under a heading of `student_implementations`.
"""

import argparse
import ast
import sys
import textwrap
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent / "neural_networks"

student_implementations = {
    "Activation Function Implementations:": [
        "activations.Linear",
        "activations.Sigmoid",
        "activations.ReLU",
        "activations.SoftMax",
    ],
    "Layer Implementations:": [
        "layers.FullyConnected",
        "layers.Pool2D",
        "layers.Conv2D.__init__",
        "layers.Conv2D._init_parameters",
        "layers.Conv2D.forward",
        "layers.Conv2D.backward",
    ],
    "Loss Function Implementations:": [
        "losses.CrossEntropy",
        "losses.L2",
    ],
    "Model Implementations:": [
        "models.NeuralNetwork.forward",
        "models.NeuralNetwork.backward",
        "models.NeuralNetwork.predict",
    ],
}

LATEX_HEADINGS = ["section", "subsection", "subsubsection", "paragraph"]


def extract_source(dotted_name: str, package_dir: Path = PACKAGE_DIR) -> str | None:
    """Dedented source of `module.Class.method` or `module.function`; None if missing."""
    module, *path = dotted_name.split(".")
    source = (package_dir / f"{module}.py").read_text()
    body = ast.parse(source).body
    node = None
    for name in path:
        node = next((n for n in body if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == name), None)
        if node is None:
            return None
        body = node.body
    lines = source.splitlines()
    first_line = min([node.lineno] + [d.lineno for d in node.decorator_list])
    # The AST ends at the last statement; keep the comments that close the body.
    end, def_indent = node.end_lineno, node.col_offset
    while end < len(lines) and lines[end].lstrip().startswith("#") and _indent(lines[end]) > def_indent:
        end += 1
    return textwrap.dedent("\n".join(lines[first_line - 1 : end]))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def collect(implementations: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """The sources of the listed names under their headings, in order; warn about missing ones."""
    sections: dict[str, dict[str, str]] = {}
    for heading, names in implementations.items():
        for dotted_name in names:
            source = extract_source(dotted_name)
            if source is None:
                print(f"warning: {dotted_name} not found; skipped", file=sys.stderr)
                continue
            sections.setdefault(heading, {})[dotted_name] = source
    return sections


def to_markdown(sections: dict[str, dict[str, str]], heading_level: int) -> str:
    parts = []
    for heading, functions in sections.items():
        parts.append(f"{'#' * heading_level} {heading}\n")
        for name, source in functions.items():
            parts.append(f"{'#' * (heading_level + 1)} `{name}`\n")
            parts.append(f"```python\n{source}\n```\n")
    return "\n".join(parts)


def to_latex(sections: dict[str, dict[str, str]], heading_level: int) -> str:
    def heading_line(level: int, text: str) -> str:
        return f"\\{LATEX_HEADINGS[level - 1]}{{{text}}}\n"

    parts = []
    for heading, functions in sections.items():
        parts.append(heading_line(heading_level, heading))
        for name, source in functions.items():
            escaped = name.replace("_", "\\_")
            parts.append(heading_line(heading_level + 1, f"\\texttt{{{escaped}}}"))
            parts.append(f"\\begin{{verbatim}}\n{source}\n\\end{{verbatim}}\n")
    return "\n".join(parts)


def main(*, format: str = "markdown", heading_level: int = 1, output: str | None = None) -> str:
    """Write the document to `output` (stdout when None) and return it."""
    sections = collect(student_implementations)
    render = to_markdown if format == "markdown" else to_latex
    document = render(sections, heading_level)
    if output is None:
        sys.stdout.write(document)
    else:
        Path(output).write_text(document)
    return document


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "-f", "--format", choices=["markdown", "latex"], default="markdown", help="output format (default: markdown)"
    )
    parser.add_argument(
        "--heading_level",
        type=int,
        choices=[1, 2, 3],
        default=1,
        help="per-module headings: 1 section, 2 subsection, 3 subsubsection (default 1)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", default=None, help="file to write (default: standard output)")
    return parser.parse_args()


if __name__ == "__main__":
    main(**vars(parse_args()))
