"""Tests for autograder/fixtures.py: deterministic writing, verified reading, calibrated thresholds."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder import assignment
from autograder.errors import FixtureError
from autograder.fixtures import ARRAYS, MANIFEST, Fixtures, FixtureWriter, fingerprint, generate
from tests.support.toy import build_toy
from tests.support.trees import write_tree

DATA = [np.arange(6.0).reshape(2, 3), np.array([0, 1], dtype=np.int64)]


def make_writer() -> FixtureWriter:
    writer = FixtureWriter()
    writer["X"] = np.linspace(0, 1, 12).reshape(3, 4)
    writer["labels"] = np.array([2, 0, 1], dtype=np.int64)
    writer["mask"] = np.array([True, False])
    writer["z"] = np.array([1 + 2j], dtype=np.complex64)
    writer["scalar"] = 3.5
    writer["strided"] = np.arange(20.0).reshape(4, 5)[:, ::2]
    writer["fortran"] = np.asfortranarray(np.arange(6).reshape(2, 3))
    writer.meta = {"seed": 0, "note": "toy"}
    writer.threshold("accuracy", 0.8, data=DATA, reference=0.93, how="reference - 0.13")
    return writer


def test_round_trip(tmp_path: Path) -> None:
    writer = make_writer()
    writer.write(tmp_path / "fx")
    fixtures = Fixtures(tmp_path / "fx")
    for name, array in writer.arrays.items():
        back = fixtures[name]
        assert back.dtype == array.dtype and back.shape == array.shape, name
        np.testing.assert_array_equal(back, array)
    assert fixtures["scalar"].shape == ()
    assert fixtures["strided"].shape == (4, 3)
    assert fixtures.meta == {"seed": 0, "note": "toy"}
    assert "X" in fixtures and "Y" not in fixtures
    assert fixtures.threshold("accuracy", data=DATA) == 0.8
    info = fixtures.threshold_info("accuracy")
    assert info["reference"] == 0.93 and info["how"] == "reference - 0.13"


def test_reads_are_copies(tmp_path: Path) -> None:
    make_writer().write(tmp_path)
    fixtures = Fixtures(tmp_path)
    first = fixtures["X"]
    first[:] = -1
    assert fixtures["X"][0, 0] == 0.0


def test_write_twice_gives_identical_bytes(tmp_path: Path) -> None:
    make_writer().write(tmp_path / "a")
    make_writer().write(tmp_path / "b")
    for name in (ARRAYS, MANIFEST):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_write_is_independent_of_insertion_order(tmp_path: Path) -> None:
    one, two = FixtureWriter(), FixtureWriter()
    one["a"], one["b"] = np.zeros(2), np.ones(2)
    two["b"], two["a"] = np.ones(2), np.zeros(2)
    one.write(tmp_path / "one")
    two.write(tmp_path / "two")
    assert (tmp_path / "one" / ARRAYS).read_bytes() == (tmp_path / "two" / ARRAYS).read_bytes()


def test_archive_holds_plain_npy_files(tmp_path: Path) -> None:
    make_writer().write(tmp_path)
    with zipfile.ZipFile(tmp_path / ARRAYS) as archive:
        names = archive.namelist()
        assert names == sorted(names) and "X.npy" in names
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    with np.load(tmp_path / ARRAYS, allow_pickle=False) as loaded:
        np.testing.assert_array_equal(loaded["labels"], [2, 0, 1])
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["arrays"]["X"] == {"shape": [3, 4], "dtype": "<f8"}


def test_rewrite_replaces_old_fixtures(tmp_path: Path) -> None:
    make_writer().write(tmp_path)
    writer = FixtureWriter()
    writer["only"] = np.ones(1)
    writer.write(tmp_path)
    fixtures = Fixtures(tmp_path)
    assert "X" not in fixtures and "only" in fixtures
    assert sorted(p.name for p in tmp_path.iterdir()) == [ARRAYS, MANIFEST]  # no temp files left


def test_non_numeric_fixture_is_refused() -> None:
    writer = FixtureWriter()
    with pytest.raises(FixtureError, match="'names' is not numeric"):
        writer["names"] = np.array(["a", "b"])
    with pytest.raises(FixtureError):
        writer["objects"] = np.array([None, 1], dtype=object)


def test_tampered_arrays_are_detected(tmp_path: Path) -> None:
    make_writer().write(tmp_path)
    path = tmp_path / ARRAYS
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(FixtureError, match="does not match its manifest"):
        Fixtures(tmp_path)


def test_arrays_swapped_for_other_valid_fixtures_are_detected(tmp_path: Path) -> None:
    make_writer().write(tmp_path / "a")
    other = FixtureWriter()
    other["X"] = np.zeros((3, 4))
    other.write(tmp_path / "b")
    (tmp_path / "a" / ARRAYS).write_bytes((tmp_path / "b" / ARRAYS).read_bytes())
    with pytest.raises(FixtureError, match="regenerate"):
        Fixtures(tmp_path / "a")


def test_threshold_on_other_data_names_both_fingerprints(tmp_path: Path) -> None:
    make_writer().write(tmp_path)
    fixtures = Fixtures(tmp_path)
    other = [DATA[0] + 1, DATA[1]]
    with pytest.raises(FixtureError) as info:
        fixtures.threshold("accuracy", data=other)
    message = info.value.message
    assert fingerprint(DATA) in message and fingerprint(other) in message
    assert "calibrated on other data" in message and "autograder fixtures" in message


BUDGET = {"width": 16, "epochs": 2, "batch_size": 64, "widths": (16, 4)}


def test_a_mark_is_refused_under_settings_other_than_its_calibration(tmp_path: Path) -> None:
    writer = make_writer()
    writer.threshold("trained", 0.4, data=DATA, reference=0.5, how="budget", tolerance=0.05, settings=BUDGET)
    writer.write(tmp_path)
    fixtures = Fixtures(tmp_path)
    assert fixtures.threshold_info("trained")["settings"] == {**BUDGET, "widths": [16, 4]}  # stored as JSON
    assert fixtures.threshold("trained", data=DATA, settings=dict(BUDGET)) == 0.4  # a tuple or a list: the same
    assert fixtures.threshold("trained", data=DATA, settings={**BUDGET, "widths": [16, 4]}) == 0.4
    with pytest.raises(FixtureError) as info:
        fixtures.threshold("trained", data=DATA, settings={**BUDGET, "batch_size": 128, "lr": 0.1})
    message = info.value.message
    assert "calibrated with other settings" in message and "autograder fixtures" in message
    assert "batch_size 64 then, 128 now" in message and "lr unset then, 0.1 now" in message
    assert "width" not in message.replace("widths", "")  # only what changed
    with pytest.raises(FixtureError, match="batch_size 64 then, unset now"):
        fixtures.threshold("trained", data=DATA)  # a grading that does not say what it trains with


def test_a_mark_stored_without_settings_is_refused_to_a_grading_that_states_them(tmp_path: Path) -> None:
    make_writer().write(tmp_path)  # "accuracy": no settings recorded (fixtures from before they were)
    fixtures = Fixtures(tmp_path)
    assert fixtures.threshold("accuracy", data=DATA) == 0.8
    with pytest.raises(FixtureError, match="epochs unset then, 2 now"):
        fixtures.threshold("accuracy", data=DATA, settings=BUDGET)


def test_settings_must_be_json_data() -> None:
    with pytest.raises(FixtureError, match="JSON data"):
        FixtureWriter().threshold("x", 0.1, data=DATA, reference=0.2, how="", settings={"model": object()})


def test_unknown_names_are_fixture_errors(tmp_path: Path) -> None:
    make_writer().write(tmp_path)
    fixtures = Fixtures(tmp_path)
    with pytest.raises(FixtureError, match="no fixture named 'nope'"):
        fixtures["nope"]
    with pytest.raises(FixtureError, match="no threshold named 'nope'"):
        fixtures.threshold("nope", data=DATA)


@pytest.mark.parametrize("remove", [None, ARRAYS, MANIFEST])
def test_missing_fixtures_say_how_to_make_them(tmp_path: Path, remove: str | None) -> None:
    directory = tmp_path / "fixtures" / "toy"
    if remove:
        make_writer().write(directory)
        (directory / remove).unlink()
    with pytest.raises(FixtureError) as info:
        Fixtures(directory)
    assert "missing or unreadable" in info.value.message
    assert "run `autograder fixtures ASSIGNMENT`" in info.value.message


def test_corrupt_manifest_is_a_fixture_error(tmp_path: Path) -> None:
    make_writer().write(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(FixtureError):
        Fixtures(tmp_path)


def test_fingerprint_sees_dtype_shape_and_values() -> None:
    base = fingerprint([np.zeros((2, 3))])
    assert fingerprint([np.zeros((2, 3))]) == base
    assert fingerprint([np.zeros((3, 2))]) != base
    assert fingerprint([np.zeros((2, 3), dtype=np.float32)]) != base
    assert fingerprint([np.asfortranarray(np.arange(6.0).reshape(2, 3))]) == fingerprint(
        [np.arange(6.0).reshape(2, 3)])
    changed = np.zeros((2, 3))
    changed[1, 2] = 1e-12
    assert fingerprint([changed]) != base


def test_generate_runs_the_reference_and_is_deterministic(tmp_path: Path) -> None:
    home = build_toy(tmp_path / "home")  # generates fixtures/toy from the reference, in a worker
    toy = assignment.load("toy", home)
    fixtures = Fixtures(toy.fixtures_dir)
    np.testing.assert_allclose(fixtures["X_squared"], fixtures["X"] ** 2)
    assert fixtures.meta == {"made_by": "toy"}
    again = generate(toy, tmp_path / "again")
    assert sorted(again.arrays) == ["X", "X_squared"]
    for name in (ARRAYS, MANIFEST):
        assert (tmp_path / "again" / name).read_bytes() == (toy.fixtures_dir / name).read_bytes()


def test_a_check_of_a_mark_the_script_never_records_is_an_error(tmp_path: Path) -> None:
    toy = assignment.load("toy", build_toy(tmp_path / "home"))
    with pytest.raises(FixtureError, match=r"no trained mark 'nope' in make_fixtures.py \(it recorded none\)"):
        generate(toy, tmp_path / "fresh", marks=["nope"])
    with pytest.raises(FixtureError, match="is for checking: give it a folder"):
        generate(toy, marks=["nope"])


def test_generate_without_a_script(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tests/grading/bare/assignment.toml": 'kind = "package"\n'})
    with pytest.raises(FixtureError, match="make_fixtures.py is missing"):
        generate(assignment.load("bare", tmp_path))


# -- trained entries and comparing a regeneration ----------------------------------------------------------------
def trained_writer(shift: float = 0.0, flip: int = 0, kernels: dict | None = None) -> FixtureWriter:
    writer = make_writer()
    writer.trained("logits", np.array([1.0, 2.0, 3.0]) + shift / 1000, rtol=0, atol=1e-5)
    writer.threshold("trained_mark", 0.5 + shift, data=DATA, reference=0.6 + shift, how="trained", tolerance=0.01)
    rows = [f"{i},{(i + (1 if i < flip else 0)) % 10}" for i in range(100)]
    writer.reference_output("predictions/out.csv", ("Id,Category\n" + "\n".join(rows) + "\n").encode(), agreement=0.9)
    writer.provenance = {"kernels": kernels or {"cpu": "here"}}
    return writer


def compare_writers(tmp_path: Path, committed: FixtureWriter, fresh: FixtureWriter):
    from autograder.fixtures import OUTPUTS, compare

    for name, writer in (("committed", committed), ("fresh", fresh)):
        writer.write(tmp_path / name)
        writer.write_outputs(tmp_path / name / OUTPUTS)
    return compare(tmp_path / "fresh", tmp_path / "committed", tmp_path / "fresh" / OUTPUTS,
                   tmp_path / "committed" / OUTPUTS)


def test_a_regeneration_is_compared_by_kind_of_entry(tmp_path: Path) -> None:
    same = compare_writers(tmp_path / "a", trained_writer(), trained_writer())
    assert same.ok and same.notes == []
    within = compare_writers(tmp_path / "b", trained_writer(), trained_writer(shift=0.005, flip=8))
    assert within.ok, within.problems
    assert any("trained_mark" in n for n in within.notes) and any("92.08% of lines agree" in n for n in within.notes)
    beyond = compare_writers(tmp_path / "c", trained_writer(), trained_writer(shift=0.02, flip=20))
    assert {p.split()[0] + " " + p.split()[1] for p in beyond.problems} >= {
        "trained array", "threshold 'trained_mark':", "reference output"}


def test_a_check_of_some_marks_compares_those_and_says_which_it_left_out(tmp_path: Path) -> None:
    from autograder.fixtures import OUTPUTS, compare

    def marks(*names: str, value: float = 0.5) -> FixtureWriter:
        writer = trained_writer()
        for name in names:
            writer.threshold(name, value, data=DATA, reference=0.6, how=name, tolerance=0.01)
        return writer

    committed, fresh = marks("other_mark"), FixtureWriter(marks=["trained_mark"])
    assert fresh.wants("trained_mark") and not fresh.wants("other_mark") and FixtureWriter().wants("other_mark")
    fresh = trained_writer()  # (what a make_fixtures.py asked `wants` records: trained_mark alone)
    for name, writer in (("committed", committed), ("fresh", fresh)):
        writer.write(tmp_path / name)
        writer.write_outputs(tmp_path / name / OUTPUTS)
    args = (tmp_path / "fresh", tmp_path / "committed", tmp_path / "fresh" / OUTPUTS, tmp_path / "committed" / OUTPUTS)
    assert compare(*args).problems == ["threshold 'other_mark' is only in the committed fixtures"]
    some = compare(*args, marks=["trained_mark"])
    assert some.ok and some.notes == ["not rerun (a check of trained_mark only): accuracy, other_mark"]
    moved = marks("other_mark", value=0.9)  # a rerun mark is still compared within its tolerance
    moved.write(tmp_path / "moved")
    moved.write_outputs(tmp_path / "moved" / OUTPUTS)
    assert not compare(tmp_path / "moved", *args[1:], marks=["trained_mark", "other_mark"]).ok


def test_a_regeneration_under_other_settings_is_a_problem(tmp_path: Path) -> None:
    def with_settings(batch_size: int) -> FixtureWriter:
        writer = trained_writer()
        writer.threshold("trained_mark", 0.5, data=DATA, reference=0.6, how="trained", tolerance=0.01,
                         settings={"batch_size": batch_size})
        return writer

    assert compare_writers(tmp_path / "a", with_settings(64), with_settings(64)).ok
    changed = compare_writers(tmp_path / "b", with_settings(128), with_settings(64))
    assert changed.problems == ["threshold 'trained_mark': its data, settings or description changed"]


def test_a_regeneration_elsewhere_names_both_machines(tmp_path: Path) -> None:
    pinned = {"machine": "x86_64", "packages": [], "pinned": {"OPENBLAS_CORETYPE": "Haswell"}}
    committed, fresh = trained_writer(kernels=pinned), trained_writer(shift=0.005, kernels=pinned)
    committed.provenance["cpu"], fresh.provenance["cpu"] = "Intel(R) Xeon(R) Processor", "AMD EPYC"
    result = compare_writers(tmp_path, committed, fresh)
    assert result.ok and result.notes[-1].startswith(
        "committed fixtures computed on Intel(R) Xeon(R) Processor, the portable kernels (OPENBLAS_CORETYPE=Haswell) (")
    assert "now on AMD EPYC, the portable kernels" in result.notes[-1]


def test_deterministic_floats_may_round_differently_only_with_other_kernels(tmp_path: Path) -> None:
    def nudged(kernels=None, by=None):
        writer = trained_writer(kernels=kernels)
        X = writer.arrays["X"]
        writer["X"] = np.nextafter(X, np.inf) if by is None else X + by
        return writer

    assert not compare_writers(tmp_path / "a", trained_writer(), nudged()).ok  # same kernels: bit for bit
    other = {"cpu": "elsewhere", "NPY_DISABLE_CPU_FEATURES": "AVX2"}
    rounding = compare_writers(tmp_path / "b", trained_writer(), nudged(other))
    assert rounding.ok and "differ in rounding only" in rounding.notes[0] and rounding.rounded == 1
    assert "NPY_DISABLE_CPU_FEATURES" in rounding.notes[0]
    assert not compare_writers(tmp_path / "c", trained_writer(), nudged(other, by=1e-6)).ok
    labels = trained_writer(kernels=other)
    labels["labels"] = labels.arrays["labels"] + 1  # integers: exact whatever the kernels
    assert not compare_writers(tmp_path / "d", trained_writer(), labels).ok


def test_reference_outputs_go_where_they_are_asked_to(tmp_path: Path) -> None:
    writer = trained_writer()
    assert writer.write_outputs(tmp_path) == [tmp_path / "predictions" / "out.csv"]
    assert writer.write_outputs(tmp_path) == []  # unchanged: not rewritten


def test_deterministic_fixtures_are_computed_with_the_same_kernels_on_every_x86_cpu(monkeypatch) -> None:
    from autograder import fixtures

    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES", "ATEN_CPU_CAPABILITY"):
        monkeypatch.delenv(name, raising=False)
    pinned = fixtures.portable_kernels()
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    if " avx2" not in flags:
        assert pinned == {}
        pytest.skip("this CPU has no AVX2: its kernels are its own")
    assert pinned == fixtures.PORTABLE_KERNELS
    kernels = fixtures.provenance(["numpy 1.26.4"], pinned)["kernels"]
    assert kernels == {"machine": "x86_64", "packages": ["numpy 1.26.4"], "pinned": pinned}  # no CPU in it
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")  # set for every process, as some machines do: still pinned
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    assert fixtures.portable_kernels() == fixtures.PORTABLE_KERNELS
    monkeypatch.setenv("OPENBLAS_CORETYPE", "SkylakeX")  # chosen by hand: kept, and recorded
    assert fixtures.portable_kernels() == {}
    assert fixtures.provenance(None)["kernels"]["OPENBLAS_CORETYPE"] == "SkylakeX"
