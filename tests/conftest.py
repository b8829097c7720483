"""The project's own tests. Grading tests (tests/grading/) and the submission corpus
(tests/submissions/) are data for the grader, not tests of this project: pytest skips them here."""

collect_ignore_glob = ["grading/*", "submissions/*"]
