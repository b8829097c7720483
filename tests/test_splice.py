"""Tests for tests/support/splice.py, the corpus splicer, on tiny synthetic packages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.splice import SpliceError, build_submission, load_cases, prepend_code

MODULE = '''\
"""A tiny module."""
import math


def helper(x):
    return x + 1


class Shape:
    """A shape."""

    def area(self):
        return 0.0

    @staticmethod
    @property
    def kind():  # decorated: the decorators go with the method
        return "shape"

    def perimeter(self):
        # a comment that must survive
        return math.nan
# trailing comment
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    ref = tmp_path / "reference"
    (ref / "pkg").mkdir(parents=True)
    (ref / "pkg" / "shapes.py").write_text(MODULE, encoding="utf-8")
    (ref / "pkg" / "other.py").write_text("X = 1\n", encoding="utf-8")
    return ref


def make_case(root: Path, toml: str, **snippets: str) -> Path:
    case = root / "case"
    write(case / "case.toml", toml)
    for name, text in snippets.items():
        write(case / f"{name}.py", text)
    return case


BUGGY = 'description = "d"\nkind = "buggy"\nlost = ["1.1"]\n'


def test_replace_method_keeps_rest_of_file_byte_identical(tmp_path: Path, reference: Path) -> None:
    case = make_case(
        tmp_path,
        BUGGY + '[[replace]]\ntarget = "pkg/shapes.py::Shape.area"\nsource = "area.py"\n',
        area="def area(self):\n    side = 2.0\n    return side * side\n",
    )
    dest = tmp_path / "out"
    parsed = build_submission(case, reference, dest)

    assert parsed["lost"] == ["1.1"] and parsed["kind"] == "buggy"
    expected = MODULE.replace(
        "    def area(self):\n        return 0.0\n",
        "    def area(self):\n        side = 2.0\n        return side * side\n",
    )
    assert (dest / "pkg" / "shapes.py").read_text(encoding="utf-8") == expected
    assert (dest / "pkg" / "other.py").read_bytes() == b"X = 1\n"
    assert (reference / "pkg" / "shapes.py").read_text(encoding="utf-8") == MODULE


def test_snippet_is_reindented_and_decorators_are_replaced(tmp_path: Path, reference: Path) -> None:
    # The snippet is indented by 4 on disk and carries its own decorator; the old def's two
    # decorators must disappear with it.
    case = make_case(
        tmp_path,
        BUGGY + '[[replace]]\ntarget = "pkg/shapes.py::Shape.kind"\nsource = "kind.py"\n',
        kind='''\
            @staticmethod
            def kind():
                """Doc."""
                if True:
                    return "square"
            ''',
    )
    build_submission(case, reference, tmp_path / "out")
    text = (tmp_path / "out" / "pkg" / "shapes.py").read_text(encoding="utf-8")
    assert (
        "        return 0.0\n\n"
        "    @staticmethod\n"
        "    def kind():\n"
        '        """Doc."""\n'
        "        if True:\n"
        '            return "square"\n\n'
        "    def perimeter(self):\n"
    ) in text
    assert "@property" not in text


def test_crlf_file_keeps_its_line_endings(tmp_path: Path, reference: Path) -> None:
    (reference / "pkg" / "shapes.py").write_bytes(MODULE.replace("\n", "\r\n").encode())
    case = make_case(
        tmp_path,
        BUGGY + '[[replace]]\ntarget = "pkg/shapes.py::helper"\nsource = "helper.py"\n',
        helper="def helper(x):\n    return x - 1\n",
    )
    build_submission(case, reference, tmp_path / "out")
    data = (tmp_path / "out" / "pkg" / "shapes.py").read_bytes()
    assert data == MODULE.replace("x + 1", "x - 1").replace("\n", "\r\n").encode()


def test_append_adds_module_level_code(tmp_path: Path, reference: Path) -> None:
    case = make_case(
        tmp_path,
        BUGGY
        + '[[replace]]\ntarget = "pkg/shapes.py::helper"\nsource = "helper.py"\n'
        + '[[append]]\nfile = "pkg/shapes.py"\nsource = "extra.py"\n',
        helper="def helper(x):\n    return _twice(x)\n",
        extra="import functools\n\n\ndef _twice(x):\n    return 2 * x\n",
    )
    build_submission(case, reference, tmp_path / "out")
    text = (tmp_path / "out" / "pkg" / "shapes.py").read_text(encoding="utf-8")
    assert text.endswith("# trailing comment\n\nimport functools\n\n\ndef _twice(x):\n    return 2 * x\n")
    namespace: dict = {}
    exec(compile(text, "shapes.py", "exec"), namespace)
    assert namespace["helper"](5) == 10


def test_prepend_puts_code_first_after_the_docstring(tmp_path: Path, reference: Path) -> None:
    case = make_case(
        tmp_path,
        BUGGY + '[[replace]]\ntarget = "pkg/shapes.py::helper"\nsource = "helper.py"\n'
        + '[[prepend]]\nfile = "pkg/shapes.py"\nsource = "first.py"\n',
        helper="def helper(x):\n    return x - 1\n",
        first="from typing import Literal\n",
    )
    build_submission(case, reference, tmp_path / "out")
    text = (tmp_path / "out" / "pkg" / "shapes.py").read_text(encoding="utf-8")
    assert text == MODULE.replace("x + 1", "x - 1").replace('module."""\n', 'module."""\nfrom typing import Literal\n')
    assert prepend_code("from __future__ import annotations\nx = 1\n", "import os") == \
        "from __future__ import annotations\nimport os\nx = 1\n"
    assert prepend_code("x = 1\n", "import os\n") == "import os\nx = 1\n"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("pkg/shapes.py::Shape.volume", "no function 'volume' at Shape"),
        ("pkg/shapes.py::Circle.area", "no class 'Circle' at module level"),
        ("pkg/shapes.py::nothing", "no function 'nothing' at module level"),
        ("pkg/missing.py::helper", "target file 'pkg/missing.py' does not exist"),
        ("pkg/shapes.py", "must look like 'file.py::Class.method'"),
    ],
)
def test_missing_target_raises_clearly(tmp_path: Path, reference: Path, target: str, message: str) -> None:
    case = make_case(
        tmp_path,
        BUGGY + f'[[replace]]\ntarget = "{target}"\nsource = "snip.py"\n',
        snip="def volume(self):\n    return 1\n",
    )
    with pytest.raises(SpliceError, match=message.replace("(", r"\(").replace(".", r"\.")):
        build_submission(case, reference, tmp_path / "out")


def test_snippet_must_define_the_target(tmp_path: Path, reference: Path) -> None:
    case = make_case(
        tmp_path,
        BUGGY + '[[replace]]\ntarget = "pkg/shapes.py::helper"\nsource = "snip.py"\n',
        snip="def other(x):\n    return x\n",
    )
    with pytest.raises(SpliceError, match="defines 'other', expected 'helper'"):
        build_submission(case, reference, tmp_path / "out")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('description = "d"\nkind = "alternative"\nlost = ["1.1"]\n', "'lost' must be \\[\\]"),
        ('description = "d"\nkind = "buggy"\nlost = []\n', "must lose at least one test"),
        ('description = "d"\nkind = "weird"\nlost = []\n', "'kind' must be one of"),
    ],
)
def test_bad_case_toml_is_rejected(tmp_path: Path, reference: Path, header: str, message: str) -> None:
    case = make_case(
        tmp_path,
        header + '[[replace]]\ntarget = "pkg/shapes.py::helper"\nsource = "snip.py"\n',
        snip="def helper(x):\n    return x\n",
    )
    with pytest.raises(SpliceError, match=message):
        build_submission(case, reference, tmp_path / "out")


def test_load_cases_lists_case_folders_sorted(tmp_path: Path) -> None:
    for name in ("b_case", "a_case"):
        write(tmp_path / name / "case.toml", BUGGY)
    (tmp_path / "not_a_case").mkdir()
    assert [p.name for p in load_cases(tmp_path)] == ["a_case", "b_case"]


def test_a_replacement_from_the_template_takes_its_own_def(tmp_path: Path) -> None:
    reference = tmp_path / "reference" / "toy"
    write(reference / "pkg" / "shapes.py", MODULE)
    stub = MODULE.replace("    def area(self):\n        return 0.0\n",
                          '    def area(self):\n        """Area."""\n'
                          '        raise NotImplementedError("YOUR CODE HERE")\n')
    write(tmp_path / "student_template" / "toy" / "pkg" / "shapes.py", stub)
    case = make_case(tmp_path, BUGGY + '[[replace]]\ntarget = "pkg/shapes.py::Shape.area"\nsource = "@template"\n')
    build_submission(case, reference, tmp_path / "out")
    assert (tmp_path / "out" / "pkg" / "shapes.py").read_text(encoding="utf-8") == stub
