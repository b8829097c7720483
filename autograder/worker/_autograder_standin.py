"""Inside the notebook kernel: what a name is bound to when the grader does not run the code that makes it.

In mode ``definitions`` a module-level assignment that a definition reads is kept (``device = ...`` read by
``train``), but one whose value needs what the grader never runs (``train_loader = DataLoader(train_data, ...)``
read only as the default of ``def train(train_loader=train_loader)``: the dataset is not loaded) would raise
``NameError`` and take the definition with it. The planner (``notebook.plan``) binds such a name to a
``StandIn`` instead, on the same line, so the definition is made; the grading tests pass that argument
themselves. Using the stand-in for anything raises ``NameError`` saying why.
"""

from __future__ import annotations


class StandIn:
    """A placeholder for the notebook's ``name``, which needed ``missing`` (names nothing the grader runs defines)."""

    __slots__ = ("_name", "_missing")

    def __init__(self, name: str, missing: tuple[str, ...]) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_missing", tuple(missing))

    def _fail(self, *args: object, **kwargs: object) -> None:
        name, missing = object.__getattribute__(self, "_name"), object.__getattribute__(self, "_missing")
        needs = ", ".join(f"`{m}`" for m in missing)
        raise NameError(f"`{name}` is not available while the notebook is graded: the grader runs the notebook's "
                        f"definitions only, and the line that makes `{name}` needs {needs}, which no definition "
                        f"makes (data or a training run); take `{name}` as an argument instead of the notebook's")

    def __getattr__(self, attribute: str) -> None:
        self._fail()

    def __setattr__(self, attribute: str, value: object) -> None:
        self._fail()

    __call__ = __iter__ = __len__ = __getitem__ = __bool__ = __add__ = __mul__ = _fail

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_name')}: not made while the notebook is graded>"


def stand_in(names: tuple[str, ...], missing: tuple[str, ...]) -> StandIn:
    """One placeholder for the names of one assignment (``a = b = stand_in(...)``)."""
    return StandIn(" / ".join(names), missing)
