"""Tests for autograder/config.py: settings, their overrides and the worker's rlimits."""

from __future__ import annotations

import dataclasses

import pytest

from autograder.config import Limits, Timeouts, replace_from


def test_every_setting_has_help() -> None:
    for cls in (Timeouts, Limits):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("help"), f"{cls.__name__}.{f.name} has no help text"


def test_replace_from_overrides_and_keeps_the_rest() -> None:
    timeouts = replace_from(Timeouts(), {"call": 5, "total": 60.5})
    assert (timeouts.start, timeouts.call, timeouts.total) == (Timeouts().start, 5, 60.5)
    assert replace_from(Limits(), None) == Limits()


@pytest.mark.parametrize(("values", "message"), [
    ({"wall": 3}, r"unknown settings \['wall'\]; known: \['call', 'start', 'total'\]"),
    ({"call": "abc"}, "'call' must be a positive float, got 'abc'"),
    ({"call": True}, "'call' must be a positive float"),
    ({"call": 0}, "'call' must be a positive float, got 0"),
    ({"total": -1.0}, "must be a positive float"),
    (3, "expected a table of settings"),
])
def test_replace_from_rejects_bad_timeouts(values, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace_from(Timeouts(), values)


def test_limits_must_be_integers() -> None:
    with pytest.raises(ValueError, match="'memory_mb' must be a positive int, got 1.5"):
        replace_from(Limits(), {"memory_mb": 1.5})


def test_rlimits_are_in_the_units_the_kernel_wants() -> None:
    limits = Limits(memory_mb=100, file_size_mb=2, cpu_seconds=7, processes=3, open_files=9)
    assert limits.rlimits() == {"address_space": 100 << 20, "cpu_seconds": 7, "processes": 3, "open_files": 9,
                                "file_size": 2 << 20, "core": 0}


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Timeouts().call = 1  # type: ignore[misc]
