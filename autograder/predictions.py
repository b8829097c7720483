"""Kaggle-style predictions files: read a student's CSV strictly and score it against hidden labels.

The format is Kaggle's: a header line (``Id,Category`` by default), then one row per test example
with its integer id (``0 .. n-1``, each exactly once, in any order) and its predicted integer class
label (``0 .. num_classes-1``)::

    Id,Category
    0,3
    1,7

The file is data, never code: the grader reads it on its own side and the hidden labels stay there.
Everything a student can get wrong (a missing file, a decimal label such as ``3.0``, a missing
header, a row too many, a duplicate id, another encoding) fails with a ``GradingFailure`` whose
message says what was found and what was expected. A UTF-8 byte-order mark and Windows line endings
are accepted; files over ``max_bytes`` are refused before they are read.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import GradingFailure

__all__ = ["DEFAULT_COLUMNS", "MAX_BYTES", "accuracy", "format_predictions", "read_predictions",
           "write_predictions"]

DEFAULT_COLUMNS = ("Id", "Category")
MAX_BYTES = 10 * 2**20
DECIMAL_WARNING = ("Kaggle submissions must be in integer format: a submission in decimal format "
                   "receives a score of zero")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_SHOWN = 5  # how many offending ids a message lists


def read_predictions(path: str | os.PathLike, *, n: int, num_classes: int,
                     columns: Sequence[str] = DEFAULT_COLUMNS, max_bytes: int = MAX_BYTES,
                     shown_as: str | None = None) -> np.ndarray:
    """The labels in the predictions CSV at ``path``, ordered by id: an int64 array of length ``n``.

    ``shown_as`` is the file's name as the student knows it (e.g. ``predictions/cifar10.csv``);
    every ``GradingFailure`` message starts with it.
    """
    __tracebackhide__ = True
    path = Path(path)
    name = shown_as or str(path)
    columns = tuple(columns)
    header = ",".join(columns)
    text = _read_text(path, name, header=header, n=n, max_bytes=max_bytes)
    rows = _rows(text, name)
    if not rows:
        raise GradingFailure(f"{name} is empty: expected the header line {header} and {n} rows, one per test example")
    found = [cell.strip() for cell in rows[0][1]]
    if tuple(found) != columns:
        hint = ""
        if len(rows[0][1]) == 1 and any(sep in rows[0][1][0] for sep in ";\t|"):
            hint = " (separate the columns with commas)"
        elif all(_INTEGER.fullmatch(cell) for cell in found):
            hint = " (the header line is missing)"
        elif [cell.lower() for cell in found] == [c.lower() for c in columns]:
            hint = " (the column names are case-sensitive)"
        raise GradingFailure(f"{name}: the first line must be the header {header}, found {_quote(rows[0][1])}{hint}")

    ids, labels = [], []
    decimal: list[tuple[int, str]] = []
    for line, cells in rows[1:]:
        if len(cells) != len(columns):
            raise GradingFailure(f"{name}, line {line}: expected {len(columns)} values ({header}), "
                                 f"found {len(cells)}: {_quote(cells)}")
        id_text, label_text = cells[0].strip(), cells[1].strip()
        if not _INTEGER.fullmatch(id_text):
            raise GradingFailure(f"{name}, line {line}: {columns[0]} {id_text!r} is not an integer id")
        if not _INTEGER.fullmatch(label_text):
            if _is_number(label_text):
                decimal.append((line, label_text))
                continue
            raise GradingFailure(f"{name}, line {line}: {columns[1]} {label_text!r} is not an integer class label "
                                 f"(expected 0 to {num_classes - 1})")
        label = int(label_text)
        if not 0 <= label < num_classes:
            raise GradingFailure(f"{name}, line {line}: {columns[1]} {label} is outside the class labels "
                                 f"0 to {num_classes - 1}")
        ids.append(int(id_text))
        labels.append(label)
    if decimal:
        (line, value), more = decimal[0], len(decimal) - 1
        also = f" (and {more} more row{'s' if more != 1 else ''})" if more else ""
        raise GradingFailure(f"{name}, line {line}: {columns[1]} {value!r} is a decimal number{also}; "
                             f"class labels must be integers such as {_as_integer(value)}. {DECIMAL_WARNING}.")
    _check_ids(ids, n, name, columns[0])
    result = np.empty(n, dtype=np.int64)
    result[np.asarray(ids, dtype=np.int64)] = labels
    return result


def accuracy(predictions: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of ``predictions`` equal to ``labels`` (two 1-d integer arrays of one length)."""
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if predictions.ndim != 1 or predictions.shape != labels.shape or not len(labels):
        raise ValueError(f"predictions of shape {predictions.shape} do not match labels of shape {labels.shape}")
    return float(np.mean(predictions == labels))


def format_predictions(labels: Sequence[int] | np.ndarray, columns: Sequence[str] = DEFAULT_COLUMNS) -> str:
    """The CSV text of ``labels`` (row ``i`` has id ``i``), as ``read_predictions`` expects it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows((i, int(label)) for i, label in enumerate(labels))
    return buffer.getvalue()


def write_predictions(path: str | os.PathLike, labels: Sequence[int] | np.ndarray,
                      columns: Sequence[str] = DEFAULT_COLUMNS) -> Path:
    """Write ``labels`` as a predictions CSV at ``path`` (folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(format_predictions(labels, columns).encode())
    return path


# -- internals ------------------------------------------------------------------------------------------
def _read_text(path: Path, name: str, *, header: str, n: int, max_bytes: int) -> str:
    __tracebackhide__ = True
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise GradingFailure(f"{name} was not found in your submission: write your predictions for the "
                             f"{n} test examples there (a CSV file with the header {header})") from None
    except OSError as exc:
        raise GradingFailure(f"{name} could not be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a link" if stat.S_ISLNK(info.st_mode) else "not a file"
        raise GradingFailure(f"{name} is {kind}, not a CSV file")
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise GradingFailure(f"{name} could not be read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise GradingFailure(f"{name} is larger than {_size(max_bytes)}; a predictions file for {n} examples "
                             f"takes about {_size(len(header) + 1 + n * (len(str(n)) + 3))}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise GradingFailure(f"{name} is UTF-16 text; save it as UTF-8 (plain CSV)")
    if data.startswith(b"PK\x03\x04"):
        raise GradingFailure(f"{name} is a zip archive (an Excel workbook?), not a CSV text file")
    if b"\0" in data:
        raise GradingFailure(f"{name} is not a text file (it contains NUL bytes); expected a CSV file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GradingFailure(f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                             "save it as plain UTF-8 CSV") from None


def _rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows with their line numbers."""
    __tracebackhide__ = True
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise GradingFailure(f"{name}, line {reader.line_num}: not valid CSV ({exc})") from None
    return rows


def _check_ids(ids: list[int], n: int, name: str, column: str) -> None:
    __tracebackhide__ = True
    seen = np.zeros(n, dtype=np.int64)
    unknown, duplicate = [], []
    for i in ids:
        if 0 <= i < n:
            seen[i] += 1
            if seen[i] == 2:
                duplicate.append(i)
        else:
            unknown.append(i)
    missing = np.flatnonzero(seen == 0).tolist()
    if len(ids) == n and not (unknown or duplicate or missing):
        return
    problems = [f"{what} {column}s {_few(values)}" for what, values in
                (("missing", missing), ("duplicate", duplicate), (f"unknown (not 0 to {n - 1})", unknown)) if values]
    if len(ids) != n:
        raise GradingFailure(f"{name}: expected {n} rows (one per test example, {column}s 0 to {n - 1}), "
                             f"found {len(ids)}: " + "; ".join(problems))
    raise GradingFailure(f"{name}: every {column} from 0 to {n - 1} must appear exactly once: " + "; ".join(problems))


def _few(values: list[int]) -> str:
    shown = ", ".join(str(v) for v in sorted(values)[:_SHOWN])
    return f"{shown}, ... ({len(values)} in all)" if len(values) > _SHOWN else shown


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _as_integer(text: str) -> str:
    value = float(text)
    return str(int(value)) if value == value and abs(value) != float("inf") and value == int(value) else "3"


def _quote(cells: list[str]) -> str:
    shown = ",".join(cells)
    return repr(shown if len(shown) <= 80 else shown[:77] + "...")


def _size(nbytes: int) -> str:
    return f"{nbytes / 2**20:.0f} MB" if nbytes >= 2**20 else f"{max(1, round(nbytes / 1024))} KB"
