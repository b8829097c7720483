"""An autograder for machine-learning courses: submission code runs in a sandboxed worker,
the grader compares plain data on its side and writes Gradescope's results.json."""

__version__ = "0.1.0"
