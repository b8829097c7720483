"""Tests for autograder/predictions.py: Kaggle-style CSVs are read strictly, with messages a student can act on."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from autograder.errors import GradingFailure
from autograder.predictions import accuracy, format_predictions, read_predictions, write_predictions

NAME = "predictions/cifar10.csv"


def csv_file(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "predictions.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def read(path: Path, n: int = 4, num_classes: int = 10, **kwargs) -> np.ndarray:
    return read_predictions(path, n=n, num_classes=num_classes, shown_as=NAME, **kwargs)


def message(path: Path, **kwargs) -> str:
    with pytest.raises(GradingFailure) as info:
        read(path, **kwargs)
    return str(info.value)


# -- what is accepted ---------------------------------------------------------------------------------
def test_reads_labels_in_id_order(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n2,9\n0,3\n3,0\n1,7\n")
    labels = read(path)
    assert labels.dtype == np.int64 and labels.tolist() == [3, 7, 9, 0]


@pytest.mark.parametrize("content", [
    b"\xef\xbb\xbfId,Category\r\n0,3\r\n1,7\r\n2,9\r\n3,0\r\n",  # Excel on Windows: BOM and CRLF
    b"Id,Category\n0,3\n1,7\n\n2,9\n3,0",                     # a blank line, no final newline
    b"Id, Category\n0, 3\n1 ,7\n2,9\n3,0\n\n\n",               # spaces around values, trailing blank lines
    b'"Id","Category"\n"0","3"\n1,7\n2,9\n3,0\n',              # quoted cells (pandas with quoting)
    b"Id,Category\n+0,3\n1,7\n2,9\n3,+0\n",
])
def test_common_variants_are_accepted(tmp_path: Path, content: bytes) -> None:
    assert read(csv_file(tmp_path, content)).tolist() == [3, 7, 9, 0]


def test_column_names_are_a_parameter(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "ImageId,Label\n0,1\n1,0\n")
    assert read(path, n=2, columns=("ImageId", "Label")).tolist() == [1, 0]
    assert "the first line must be the header Id,Category, found 'ImageId,Label'" in message(path, n=2)


def test_write_and_format_round_trip(tmp_path: Path) -> None:
    labels = np.array([4, 0, 9, 9, 1])
    assert format_predictions(labels[:2]) == "Id,Category\n0,4\n1,0\n"
    path = write_predictions(tmp_path / "sub" / "p.csv", labels)
    assert read(path, n=5).tolist() == labels.tolist()


def test_accuracy() -> None:
    assert accuracy(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 0])) == 0.5
    with pytest.raises(ValueError, match="do not match"):
        accuracy(np.array([1, 2]), np.array([1, 2, 3]))


# -- what a student reads when something is wrong ----------------------------------------------------------
def test_missing_file_names_the_expected_path(tmp_path: Path) -> None:
    assert message(tmp_path / "nothing.csv") == (
        "predictions/cifar10.csv was not found in your submission: write your predictions for the 4 test "
        "examples there (a CSV file with the header Id,Category)")


def test_a_folder_or_a_link_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert message(tmp_path / "dir.csv") == "predictions/cifar10.csv is a folder, not a CSV file"
    os.symlink("/etc/hostname", tmp_path / "link.csv")
    assert message(tmp_path / "link.csv") == "predictions/cifar10.csv is a link, not a CSV file"


@pytest.mark.parametrize("content", ["", "\n\n", "  \r\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    assert message(csv_file(tmp_path, content)) == (
        "predictions/cifar10.csv is empty: expected the header line Id,Category and 4 rows, one per test example")


@pytest.mark.parametrize(("content", "found"), [
    ("0,3\n1,7\n2,9\n3,0\n", "found '0,3' (the header line is missing)"),
    ("Id;Category\n0;3\n", "found 'Id;Category' (separate the columns with commas)"),
    ("Id\tCategory\n0\t3\n", "found 'Id\\tCategory' (separate the columns with commas)"),
    ("id,category\n0,3\n", "found 'id,category' (the column names are case-sensitive)"),
    ("Id,Label\n0,3\n", "found 'Id,Label'"),
    ("Id,Category,Confidence\n0,3,0.9\n", "found 'Id,Category,Confidence'"),
])
def test_wrong_header_shows_what_was_found(tmp_path: Path, content: str, found: str) -> None:
    assert message(csv_file(tmp_path, content)) == (
        f"predictions/cifar10.csv: the first line must be the header Id,Category, {found}")


def test_a_long_header_is_shortened(tmp_path: Path) -> None:
    text = message(csv_file(tmp_path, "x" * 500 + "\n0,1\n"))
    assert text.endswith("found '" + "x" * 77 + "...'") and len(text) < 200


@pytest.mark.parametrize(("content", "shown"), [
    ("Id,Category\n0,3.0\n1,7.0\n2,9.0\n3,0.0\n", "Category '3.0' is a decimal number (and 3 more rows); "
                                                 "class labels must be integers such as 3"),
    ("Id,Category\n0,3\n1,3.5\n2,9\n3,0\n", "Category '3.5' is a decimal number; class labels must be integers "
                                           "such as 3"),
    ("Id,Category\n0,7.0\n1,1e0\n2,9\n3,0\n", "Category '7.0' is a decimal number (and 1 more row); "
                                             "class labels must be integers such as 7"),
])
def test_decimal_labels_get_the_assignment_s_warning(tmp_path: Path, content: str, shown: str) -> None:
    text = message(csv_file(tmp_path, content))
    line = 3 if "3.5" in content else 2
    assert text == (f"predictions/cifar10.csv, line {line}: {shown}. Kaggle submissions must be in integer "
                    "format: a submission in decimal format receives a score of zero.")


def test_label_that_is_not_a_number(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n0,3\n1,cat\n2,9\n3,0\n")
    assert message(path) == ("predictions/cifar10.csv, line 3: Category 'cat' is not an integer class label "
                             "(expected 0 to 9)")


@pytest.mark.parametrize("label", ["10", "-1"])
def test_labels_outside_the_classes(tmp_path: Path, label: str) -> None:
    path = csv_file(tmp_path, f"Id,Category\n0,3\n1,7\n2,{label}\n3,0\n")
    assert message(path) == f"predictions/cifar10.csv, line 4: Category {label} is outside the class labels 0 to 9"


def test_id_that_is_not_an_integer(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n0.0,3\n1,7\n2,9\n3,0\n")
    assert message(path) == "predictions/cifar10.csv, line 2: Id '0.0' is not an integer id"


@pytest.mark.parametrize(("row", "found"), [("1,7,0.93", "found 3: '1,7,0.93'"), ("17", "found 1: '17'")])
def test_row_with_the_wrong_number_of_values(tmp_path: Path, row: str, found: str) -> None:
    path = csv_file(tmp_path, f"Id,Category\n0,3\n{row}\n2,9\n3,0\n")
    assert message(path) == f"predictions/cifar10.csv, line 3: expected 2 values (Id,Category), {found}"


def test_too_few_rows_names_the_missing_ids(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n0,3\n2,9\n")
    assert message(path) == ("predictions/cifar10.csv: expected 4 rows (one per test example, Ids 0 to 3), "
                             "found 2: missing Ids 1, 3")


def test_too_many_rows(tmp_path: Path) -> None:
    rows = "".join(f"{i},1\n" for i in range(12))
    assert message(csv_file(tmp_path, "Id,Category\n" + rows)) == (
        "predictions/cifar10.csv: expected 4 rows (one per test example, Ids 0 to 3), found 12: "
        "unknown (not 0 to 3) Ids 4, 5, 6, 7, 8, ... (8 in all)")


def test_one_based_ids(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n1,3\n2,7\n3,9\n4,0\n")
    assert message(path) == ("predictions/cifar10.csv: every Id from 0 to 3 must appear exactly once: "
                             "missing Ids 0; unknown (not 0 to 3) Ids 4")


def test_duplicate_ids(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n0,3\n1,7\n1,7\n2,9\n")
    assert message(path) == ("predictions/cifar10.csv: every Id from 0 to 3 must appear exactly once: "
                             "missing Ids 3; duplicate Ids 1")


def test_non_utf8_text(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n0,3\n1,7\n2,9\n3,0\n# r\xe9sum\xe9\n".encode("latin-1"))
    assert message(path) == ("predictions/cifar10.csv is not UTF-8 text (byte 0xe9 at offset 31); "
                             "save it as plain UTF-8 CSV")


def test_utf16_text(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n0,3\n".encode("utf-16"))
    assert message(path) == "predictions/cifar10.csv is UTF-16 text; save it as UTF-8 (plain CSV)"


@pytest.mark.parametrize(("content", "expected"), [
    (b"PK\x03\x04\x14\x00rest of a workbook", "is a zip archive (an Excel workbook?), not a CSV text file"),
    (b"\x93NUMPY\x01\x00v\x00{'descr': '<i8'}", "is not a text file (it contains NUL bytes); expected a CSV file"),
])
def test_binary_files(tmp_path: Path, content: bytes, expected: str) -> None:
    assert message(csv_file(tmp_path, content)) == f"predictions/cifar10.csv {expected}"


def test_malformed_csv_quoting(tmp_path: Path) -> None:
    path = csv_file(tmp_path, 'Id,Category\n0,3\n1,"7\n2,9\n')
    assert message(path).startswith("predictions/cifar10.csv, line 4: not valid CSV (")


def test_huge_file_is_refused_before_reading_it_all(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "Id,Category\n" + "0,1\n" * 300_000)
    assert message(path, n=10000, max_bytes=2**20) == (
        "predictions/cifar10.csv is larger than 1 MB; a predictions file for 10000 examples takes about 78 KB")


def test_default_cap_is_10_mb(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.write(b"Id,Category\n")
        handle.truncate(10 * 2**20 + 1)
    assert message(path, n=10000).startswith("predictions/cifar10.csv is larger than 10 MB;")


def test_without_shown_as_the_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(GradingFailure, match=r"missing\.csv was not found in your submission"):
        read_predictions(tmp_path / "missing.csv", n=3, num_classes=2)
