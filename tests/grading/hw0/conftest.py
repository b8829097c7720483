"""hw0's grading tests: each test file's data (the CIFAR-10 subsets, the flip task: ~50 MB each) are freed once the
file is done, since the grader's memory shares the box (768 MB on Gradescope by default) with the next file's
kernel."""

import pytest


@pytest.fixture(autouse=True, scope="module")
def _free_the_files_data():
    yield
    import hw0_helpers

    hw0_helpers.clear_caches()
