"""The assignments' grading code reads only names its helper modules define.

``make_fixtures.py`` runs only when an instructor regenerates fixtures (minutes of training for ps2, pset4 and
hw0), so a helper renamed or moved elsewhere can leave it calling a name that no longer exists, unseen until
the next regeneration: ps2's ``make_fixtures.py`` still called ``h.plain`` after ``plain`` moved to ``Session``
(commit 5b56633), and ``autograder fixtures ps2`` failed. This reads every ``alias.name`` of an assignment's own
modules (``import ps2_helpers as h``) in its grading files and checks that the module defines it, in a second,
with nothing trained.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from autograder import grading
from autograder.assignment import available, load, project_root


def own_module_reads(path: Path, own: set[str]) -> list[tuple[str, str, int]]:
    """(module, name, line) for each ``alias.name`` where ``alias`` is an import of one of ``own``, and each
    ``from module import name`` of one of them."""
    tree = ast.parse(path.read_text(), str(path))
    aliases, reads = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({name.asname or name.name: name.name for name in node.names if name.name in own})
        elif isinstance(node, ast.ImportFrom) and node.module in own and not node.level:
            reads += [(node.module, name.name, node.lineno) for name in node.names if name.name != "*"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            reads.append((aliases[node.value.id], node.attr, node.lineno))
    return reads


@pytest.mark.parametrize("assignment_id", available(project_root()))
def test_grading_files_read_only_what_their_helpers_define(assignment_id: str) -> None:
    assignment = load(assignment_id, project_root())
    folder = assignment.tests_dir
    own = {path.stem for path in folder.glob("*.py")}
    missing = []
    with grading.tests_importable(assignment):
        for path in sorted(folder.glob("*.py")):
            for module, attribute, line in own_module_reads(path, own):
                if not hasattr(importlib.import_module(module), attribute):
                    missing.append(f"{path.name}:{line}: {module}.{attribute}")
    assert not missing, f"names the assignment's modules do not define: {missing}"


def test_the_check_sees_a_name_its_helper_lacks(tmp_path: Path) -> None:
    (tmp_path / "make_fixtures.py").write_text("import toy_helpers as h\nimport os\nfrom toy_helpers import SEEDS\n\n"
                                               "def generate(r, out, rng):\n"
                                               "    out['x'] = h.plain(r, os.sep)\n")
    assert own_module_reads(tmp_path / "make_fixtures.py", {"toy_helpers", "make_fixtures"}) == [
        ("toy_helpers", "SEEDS", 3), ("toy_helpers", "plain", 6)]
