"""An autograder for machine-learning courses: submission code runs in a sandboxed worker,
the grader compares plain data on its side and writes Gradescope's results.json."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``from autograder import notebook_check`` without importing the grader's machinery until it is called
    if name == "notebook_check":
        from .jupyter import notebook_check

        return notebook_check
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")
