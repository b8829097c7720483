"""Tests for autograder/codecheck.py: static checks on submission source."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder.codecheck import (
    assert_calls,
    assert_no_batch_loop,
    assert_runtime_ratio,
    batch_loops,
    find_function,
)
from autograder.errors import GradingFailure


def loops_in(tmp_path: Path, body: str, signature: str = "def forward(self, X):") -> list[int]:
    """Line numbers (within ``body``) of the batch loops found in a method with ``body``."""
    source = "import numpy as np\n\n\nclass Layer:\n    " + signature + "\n" + textwrap.indent(
        textwrap.dedent(body), " " * 8)
    path = tmp_path / "layer.py"
    path.write_text(source)
    name = signature.split("def ")[1].split("(")[0]
    func, lines = find_function(path, f"Layer.{name}")
    return [loop.line - 5 for loop in batch_loops(func, lines)]


# -- loops over the batch are found ---------------------------------------------------------------

FLAGGED = {
    "range_shape0": """
        out = []
        for i in range(X.shape[0]):
            out.append(X[i] * 2)
        return np.stack(out)
    """,
    "iterate_rows": """
        total = 0
        for x in X:
            total += x
        return total
    """,
    "enumerate": """
        for i, x in enumerate(X):
            X[i] = x * 2
        return X
    """,
    "unpacked_shape": """
        n, h, w, c = X.shape
        out = np.zeros((n, h, w, c))
        for i in range(n):
            out[i] = X[i]
        return out
    """,
    "len": """
        m = len(X)
        for i in range(m):
            X[i] += 1
        return X
    """,
    "range_len_inline": """
        for i in range(len(X)):
            X[i] += 1
        return X
    """,
    "list_comprehension": """
        return np.array([x.sum() for x in X])
    """,
    "generator_over_range": """
        return sum(X[i].sum() for i in range(X.shape[0]))
    """,
    "padded_copy": """
        Xp = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))
        for i in range(Xp.shape[0]):
            Xp[i] *= 2
        return Xp
    """,
    "padded_copy_size_name": """
        X_pad = np.pad(X, 1)
        batch = X_pad.shape[0]
        for i in range(batch):
            X_pad[i] *= 2
        return X_pad
    """,
    "zip_with_rows": """
        out = []
        for x, y in zip(X, X):
            out.append(x + y)
        return out
    """,
    "while_over_batch": """
        i = 0
        while i < X.shape[0]:
            i += 1
        return X
    """,
    "range_start_stop": """
        for i in range(0, X.shape[0], 1):
            X[i] += 1
        return X
    """,
    "sliced_shape": """
        m, n_in = X.shape[:2]
        for i in range(m):
            X[i] += 1
        return X
    """,
    "tuple_of_sizes": """
        n, h = X.shape[0], X.shape[1]
        for i in range(n):
            X[i] += h
        return X
    """,
    "cache_inline": """
        for i in range(self.cache["X"].shape[0]):
            pass
        return X
    """,
    "iterate_cache": """
        return [x.sum() for x in self.cache["X"]]
    """,
}
FLAGGED_LINES = {
    "sliced_shape": [3], "tuple_of_sizes": [3], "cache_inline": [2], "iterate_cache": [2],
    "range_shape0": [3], "iterate_rows": [3], "enumerate": [2], "unpacked_shape": [4], "len": [3],
    "range_len_inline": [2], "list_comprehension": [2], "generator_over_range": [2], "padded_copy": [3],
    "padded_copy_size_name": [4], "zip_with_rows": [3], "while_over_batch": [3], "range_start_stop": [2],
}


@pytest.mark.parametrize("case", sorted(FLAGGED))
def test_batch_loops_are_flagged(tmp_path: Path, case: str) -> None:
    assert loops_in(tmp_path, FLAGGED[case]) == FLAGGED_LINES[case]


def test_backward_loop_over_upstream_gradient(tmp_path: Path) -> None:
    body = """
        X = self.cache["X"]
        dX = np.zeros_like(X)
        for i in range(dLdY.shape[0]):
            dX[i] = dLdY[i] @ self.parameters["W"].T
        return dX
    """
    assert loops_in(tmp_path, body, "def backward(self, dLdY):") == [4]


def test_loop_over_cached_input(tmp_path: Path) -> None:
    body = """
        X = self.cache["X"]
        for n in range(X.shape[0]):
            dLdY[n] *= X[n]
        return dLdY
    """
    assert loops_in(tmp_path, body, "def backward(self, dLdY):") == [3]


def test_keyword_only_arguments_are_batch_arrays(tmp_path: Path) -> None:
    body = """
        for row in Y:
            pass
    """
    assert loops_in(tmp_path, body, "def forward(self, *, Y):") == [2]


# -- loops that are allowed -------------------------------------------------------------------------

ALLOWED = {
    "kernel_positions": """
        kh, kw = self.kernel_shape
        Xp = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))
        out = 0
        for i in range(kh):
            for j in range(kw):
                out = out + Xp[:, i:i + 2, j:j + 2]
        return out
    """,
    "kernel_from_weights": """
        W = self.parameters["W"]
        kh, kw, c_in, c_out = W.shape
        out = 0
        for i in range(kh):
            for j in range(kw):
                out = out + X[:, i, j] @ W[i, j]
        return out
    """,
    "output_rows_and_cols": """
        n, in_h, in_w, c = X.shape
        out_h = (X.shape[1] - 3) // 1 + 1
        out_w = X.shape[2] - 2
        Z = np.zeros((n, out_h, out_w, c))
        for i in range(out_h):
            for j in range(out_w):
                Z[:, i, j] = X[:, i:i + 3, j:j + 3].max(axis=(1, 2))
        return Z
    """,
    "output_size_from_padded": """
        X_pad = np.pad(X, 1)
        out_rows = (X_pad.shape[1] - 3) // 1 + 1
        for r in range(out_rows):
            X_pad[:, r] += 1
        return X_pad
    """,
    "unpacked_rows": """
        n, h, w, c = X.shape
        for r in range(h):
            for col in range(w):
                X[:, r, col] += 1
        return X
    """,
    "channels": """
        for ch in range(X.shape[3]):
            X[..., ch] -= X[..., ch].mean()
        return X
    """,
    "channels_last_index": """
        for ch in range(X.shape[-1]):
            X[..., ch] *= 2
        return X
    """,
    "layers": """
        for layer in self.layers:
            X = layer.forward(X)
        return X
    """,
    "parameter_dict": """
        for name, value in self.parameters.items():
            self.gradients[name] = value * 0
        return X
    """,
    "fixed_range": """
        for _ in range(3):
            X = X * 2
        return X
    """,
    "sizes_from_sliced_shape": """
        n, h, w = X.shape[:3]
        for r in range(h):
            for c in range(w):
                X[:, r, c] += 1
        return X
    """,
    "sizes_from_tuple": """
        n, h = X.shape[0], X.shape[1]
        for r in range(h):
            X[:, r] += n
        return X
    """,
    "output_rows_from_shape_slice": """
        dZ = dLdY * 2
        out_rows, out_cols = dZ.shape[1:3]
        for r in range(out_rows):
            for c in range(out_cols):
                dZ[:, r, c] += 1
        return dZ
    """,
    "cache_channels": """
        for ch in range(self.cache["X"].shape[3]):
            X[..., ch] += 1
        return X
    """,
    "vectorized": """
        return np.maximum(X, 0)
    """,
}


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_allowed_loops_are_not_flagged(tmp_path: Path, case: str) -> None:
    assert loops_in(tmp_path, ALLOWED[case]) == []


def test_reference_conv_and_pool_have_no_batch_loop() -> None:
    layers = Path(__file__).resolve().parent.parent / "reference" / "hw6" / "neural_networks" / "layers.py"
    if not layers.is_file():
        pytest.skip("reference/hw6 is not here")
    for name in ("Conv2D.forward", "Conv2D.backward", "Pool2D.forward", "Pool2D.backward",
                 "FullyConnected.forward", "FullyConnected.backward"):
        assert_no_batch_loop(layers, name)


def test_assert_no_batch_loop_quotes_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "conv.py"
    path.write_text(textwrap.dedent("""\
        class Conv2D:
            def forward(self, X):
                for n in range(X.shape[0]):
                    X[n] = 0
                return X
    """))
    with pytest.raises(GradingFailure) as info:
        assert_no_batch_loop(path, "Conv2D.forward")
    message = str(info.value)
    assert "Conv2D.forward loops over the examples of the batch" in message
    assert "line 3: `for n in range(X.shape[0]):`" in message


# -- finding functions and calls ------------------------------------------------------------------------

SOURCE = '''\
import numpy
import numpy as np
from numpy import einsum


def trace(A):
    return np.einsum("ii", A)


def trace_long(A):
    return numpy.einsum("ii", A)


def trace_bare(A):
    return einsum("ii", A)


def trace_plain(A):
    return np.trace(A)  # mentions einsum only in a comment


def mentions(A):
    f = np.einsum  # not a call
    return "einsum"


class Model:
    def step(self):
        return 1

    def step(self):  # redefined: the last one wins
        return np.einsum("i->", self.x)

    class Inner:
        def go(self):
            return 0

    value = 3
'''


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.py"
    path.write_text(SOURCE)
    return path


@pytest.mark.parametrize("name", ["trace", "trace_long", "trace_bare", "Model.step"])
def test_assert_calls_finds_einsum(source: Path, name: str) -> None:
    assert_calls(source, name, "einsum")


@pytest.mark.parametrize("name", ["trace_plain", "mentions"])
def test_assert_calls_fails_without_a_call(source: Path, name: str) -> None:
    with pytest.raises(GradingFailure, match=f"{name} must use einsum"):
        assert_calls(source, name, "einsum")


def test_find_function_nested_and_last_definition(source: Path) -> None:
    func, lines = find_function(source, "Model.step")
    assert func.lineno == 31 and "redefined" in lines[func.lineno - 1]
    assert find_function(source, "Model.Inner.go")[0].name == "go"


@pytest.mark.parametrize(("name", "message"), [
    ("missing", "missing is not defined in tasks.py"),
    ("Model.missing", "Model.missing is not defined in tasks.py"),
    ("Nope.step", "Nope.step is not defined in tasks.py"),
    ("Model", "Model in tasks.py is not a function"),
    ("Model.value", "Model.value is not defined in tasks.py"),
])
def test_find_function_errors_clearly(source: Path, name: str, message: str) -> None:
    with pytest.raises(GradingFailure) as info:
        find_function(source, name)
    assert str(info.value) == message


def test_unreadable_sources_fail_clearly(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with pytest.raises(GradingFailure, match="could not read broken.py"):
        find_function(broken, "f")
    with pytest.raises(GradingFailure, match="could not read absent.py"):
        find_function(tmp_path / "absent.py", "f")


# -- runtime ratio ---------------------------------------------------------------------------------------------

def test_runtime_ratio() -> None:
    assert_runtime_ratio(0.009, 0.001, "conv", max_ratio=10)
    with pytest.raises(GradingFailure) as info:
        assert_runtime_ratio(0.05, 0.001, "Conv2D.forward", max_ratio=10)
    message = str(info.value)
    assert "Conv2D.forward took 50.0 ms, 50.0 times the reference solution's 1.0 ms" in message
    assert "at most 10 times" in message


def test_runtime_ratio_floor_and_zero_reference() -> None:
    assert_runtime_ratio(0.004, 0.0001, "x", max_ratio=5, floor_s=0.005)  # under the floor: noise
    with pytest.raises(GradingFailure):
        assert_runtime_ratio(0.006, 0.0001, "x", max_ratio=5, floor_s=0.005)
    with pytest.raises(GradingFailure):
        assert_runtime_ratio(0.01, 0.0, "x", max_ratio=1000)


# -- counting Python loops, in .py files and notebooks ----------------------------------------------
LOOPY = """\
import numpy as np

class KNN:
    def none(self, X):
        return np.sqrt(((X[:, None] - self.T[None]) ** 2).sum(-1))

    def one(self, X):
        out = np.zeros((len(X), len(self.T)))
        for i in range(len(X)):
            out[i] = np.sqrt(((self.T - X[i]) ** 2).sum(1))
        return out

    def hidden(self, X):
        return np.array([[np.linalg.norm(x - t) for t in self.T] for x in X])
"""


def test_loop_count_sees_for_while_and_comprehensions(tmp_path):
    from autograder.codecheck import assert_max_loops

    path = tmp_path / "knn.py"
    path.write_text(LOOPY)
    assert_max_loops(path, "KNN.none", 0)
    assert_max_loops(path, "KNN.one", 1)
    with pytest.raises(GradingFailure, match=r"KNN.one must use no Python loop, but it has 1 \(`for i in range"):
        assert_max_loops(path, "KNN.one", 0)
    with pytest.raises(GradingFailure, match="at most 1 Python loop, but it has 2"):
        assert_max_loops(path, "KNN.hidden", 1)


def test_notebook_functions_are_found_across_cells_and_magics(tmp_path):
    import nbformat

    from autograder.codecheck import assert_max_loops, find_function

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install nothing\nimport numpy as np"),
        nbformat.v4.new_code_cell("def broken(:\n    pass"),  # left out; the others still read
        nbformat.v4.new_code_cell(LOOPY.split("\n", 2)[2]),
        nbformat.v4.new_code_cell("class KNN:\n    def none(self, X):\n        while True:\n            pass"),
    ])
    path = tmp_path / "ps.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(GradingFailure, match="KNN.none must use no Python loop, but it has 1 \\(`while True:`"):
        assert_max_loops(path, "KNN.none", 0)  # the last definition wins, as in the kernel
    with pytest.raises(GradingFailure, match="KNN.one is not defined in ps.ipynb"):
        find_function(path, "KNN.one")  # the later class replaced the earlier one, methods and all
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(GradingFailure, match="could not read bad.ipynb"):
        find_function(tmp_path / "bad.ipynb", "KNN.one")


# -- stubs: the gate of the vectorization and run-time tests ------------------------------------------------
STUBS = {
    "template_raise": ('"""Backward pass."""\nraise NotImplementedError("YOUR CODE HERE")',
                       "only `raise NotImplementedError('YOUR CODE HERE')`"),
    "course_return_unset": ("### YOUR CODE HERE ###\nreturn dX", "only `return dX`"),
    "placeholder_then_return": ("dX = None\nreturn dX", "only `dX = None; return dX`"),
    "pass": ("pass", "only `pass`"),
    "ellipsis": ("...", "only `...`"),
    "return_none": ('"""doc"""\nreturn None', "only `return None`"),
    "docstring_only": ('"""Backward pass."""', "only a docstring"),
    "raise_then_unreachable_return": ('raise NotImplementedError("YOUR CODE HERE")\nreturn dists',
                                      "only `raise NotImplementedError('YOUR CODE HERE'); return dists`"),
}
NOT_STUBS = {
    "returns_a_parameter": "return dLdY",
    "computes": "dX = np.zeros_like(self.cache['X'])\nreturn dX",
    "returns_cached": "return self.cache['X'] * dLdY",
    "placeholder_then_set": "dX = None\ndX = dLdY * 2\nreturn dX",
    "imported_name": "from numpy import zeros as dX\nreturn dX",
    "other_exception": "raise ValueError('no')",
    "set_in_a_loop": "for dX in [dLdY]:\n    pass\nreturn dX",
}


def stub_of(tmp_path: Path, body: str) -> str | None:
    from autograder.codecheck import find_stub

    source = "import numpy as np\n\n\nclass Layer:\n    def backward(self, dLdY):\n" + textwrap.indent(body, " " * 8)
    path = tmp_path / "layer.py"
    path.write_text(source + "\n")
    return find_stub(path, "Layer.backward")


@pytest.mark.parametrize("case", sorted(STUBS))
def test_stub_bodies_are_found(tmp_path: Path, case: str) -> None:
    body, shown = STUBS[case]
    assert stub_of(tmp_path, body) == shown


@pytest.mark.parametrize("case", sorted(NOT_STUBS))
def test_code_is_not_a_stub(tmp_path: Path, case: str) -> None:
    assert stub_of(tmp_path, NOT_STUBS[case]) is None


def test_a_function_not_found_statically_is_not_called_a_stub(tmp_path: Path) -> None:
    from autograder.codecheck import find_stub

    path = tmp_path / "layer.py"
    path.write_text("class Layer:\n    backward = staticmethod(lambda dLdY: dLdY)\n")
    assert find_stub(path, "Layer.backward") is None
    assert find_stub(tmp_path / "missing.py", "Layer.backward") is None


def test_assert_implemented_says_what_happened(tmp_path: Path) -> None:
    import numpy as np

    from autograder.codecheck import assert_implemented
    from autograder.errors import NotImplementedYet, StudentCodeError

    stub_path = tmp_path / "layer.py"
    stub_path.write_text("class Pool2D:\n    def backward(self, dLdY):\n        ### YOUR CODE HERE ###\n"
                         "        return dX\n\n    def forward(self, X):\n        return X[:, ::2, ::2]\n")
    kw = dict(returns="dX", test="the vectorization test")
    good = np.zeros((4, 2))
    assert assert_implemented(lambda: good, (4, 2), "f(X)", **kw) is good
    # a wrong but vectorized implementation (right shape, any values) passes
    assert_implemented(lambda: np.full((4, 2), 7.0), (4, 2), "f(X)", **kw,
                       source=(stub_path, "Pool2D.forward"))
    # rows as a list are an array, as numpy's testing (and the tests of the values) read them
    assert assert_implemented(lambda: [np.ones(2)] * 4, (4, 2), "f(X)", **kw).shape == (4, 2)
    with pytest.raises(GradingFailure) as info:
        assert_implemented(lambda: None, (4, 2), "Pool2D.backward(dLdY)", **kw, source=(stub_path, "Pool2D.backward"))
    assert str(info.value) == ("Pool2D.backward(dLdY) returned None (its body is only `return dX`: the starter's "
                               "stub?): the vectorization test gives its points only to an implementation that "
                               "returns dX of shape (4, 2)")
    with pytest.raises(GradingFailure, match=r"returned an array of shape \(4, 3\): the vectorization"):
        assert_implemented(lambda: np.zeros((4, 3)), (4, 2), "f(X)", **kw)
    with pytest.raises(GradingFailure, match="returned None: the vectorization"):
        assert_implemented(lambda: None, (4, 2), "f(X)", **kw, source=(stub_path, "Pool2D.forward"))
    with pytest.raises(GradingFailure, match="the body of Pool2D.backward is only `return dX`"):
        assert_implemented(lambda: good, (4, 2), "f(X)", **kw, source=(stub_path, "Pool2D.backward"))

    def raises(error):
        def call():
            raise error
        return call

    with pytest.raises(NotImplementedYet) as raised:
        assert_implemented(raises(NotImplementedYet("f(X): not implemented yet (NotImplementedError)",
                                                    exc_type="NotImplementedError")), (4, 2), "f(X)", **kw)
    assert raised.value.message.startswith("f(X): not implemented yet (NotImplementedError): the vectorization")
    with pytest.raises(StudentCodeError) as raised:
        assert_implemented(raises(StudentCodeError("f(X) raised NameError: name 'dX' is not defined",
                                                   exc_type="NameError", where=("layer.py", 4, "backward"))),
                           (4, 2), "f(X)", **kw, source=(stub_path, "Pool2D.backward"))
    assert type(raised.value) is StudentCodeError and raised.value.where == ("layer.py", 4, "backward")
    assert "not implemented" not in raised.value.message
    assert raised.value.message.startswith("f(X) raised NameError: name 'dX' is not defined (its body is only "
                                           "`return dX`: the starter's stub?): the vectorization test gives")
