"""Fixture data: arrays and calibrated thresholds produced by running the reference.

An assignment's ``make_fixtures.py`` defines ``generate(reference, out, rng)``: it drives the
reference solution through a ``Session`` (the same path as grading) and records arrays, metadata and
thresholds in a ``FixtureWriter``. ``write`` is deterministic (fixed zip timestamps, sorted keys), so
regenerating gives identical bytes; ``autograder fixtures ID --check`` proves it.

Every threshold is stored with a fingerprint of the data it was calibrated on and, for a mark a grading test
earns by training, the settings it trained with (the budget: width, epochs, batch size, learning rate...);
``Fixtures.threshold`` refuses to apply it to other data or under other settings.

Two kinds of entries, because two kinds of computation:

- **Deterministic** (numpy on seeded inputs): ``out[name] = array``, ``out.threshold(...)``, ``out.meta``.
  ``compare`` demands the same bits whenever the numeric kernels are the same (``provenance.kernels``: CPU and
  its features, the numeric packages, the variables that pick kernels). The reference runs with
  ``PORTABLE_KERNELS`` (OpenBLAS's Haswell kernels, numpy's SIMD below AVX-512) on any x86-64 CPU with AVX2, so
  that its results are the same bits on all of them. Elsewhere (another architecture, kernels chosen by hand),
  results that went through BLAS or SIMD reductions round differently, so there float arrays may move by
  rounding (``ROUNDING``) and nothing more; integers, meta and thresholds never.
- **Trained** (torch on a CPU, whose floating-point results vary with the CPU, the build and the thread count):
  ``out.trained(name, array, rtol=..., atol=...)``, ``out.threshold(..., tolerance=...)`` and
  ``out.reference_output(path, data, agreement=...)`` (a file the reference's own scripts produce, such as a
  predictions CSV, kept in the reference). Each is stored with its tolerance and the manifest records where it
  was computed (``trained.provenance``: package versions, CPU, threads); ``compare`` accepts another machine's
  values within the stated tolerance, and nothing looser.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import calibration as calibration_mod
from .errors import FixtureError

ARRAYS = "arrays.npz"
MANIFEST = "manifest.json"


def fingerprint(arrays: Iterable[np.ndarray]) -> str:
    """sha256 over each array's dtype, shape and bytes: names the exact data a number came from."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


class FixtureWriter:
    """Collects what ``generate`` records; ``write`` stores it.

    ``seeds_limit``: calibrate over the first N seeds only (``seeds``), a quick regeneration for checking (the
    runs of those seeds are compared within tolerance; the marks, which need every seed, are not). ``marks``:
    train only these marks (``wants``), another quick check; the others are left out and not compared.
    """

    def __init__(self, seeds_limit: int | None = None, marks: Iterable[str] | None = None) -> None:
        self.seeds_limit = seeds_limit
        self.marks = None if marks is None else frozenset(marks)
        self.arrays: dict[str, np.ndarray] = {}
        self.meta: dict[str, Any] = {}
        self.thresholds: dict[str, dict[str, Any]] = {}
        self.tolerances: dict[str, dict[str, float]] = {}  # trained arrays: name -> rtol, atol
        self.outputs: dict[str, bytes] = {}                 # reference outputs: path in the reference -> bytes
        self.output_agreement: dict[str, float] = {}
        self.provenance: dict[str, Any] = {}                # added to the standard fields by ``generate``

    def __setitem__(self, name: str, value: Any) -> None:
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise FixtureError(f"fixture {name!r} is not numeric (dtype {array.dtype})")
        self.arrays[name] = np.array(array, order="C")  # not ascontiguousarray: it turns 0-d into (1,)

    def trained(self, name: str, value: Any, *, rtol: float, atol: float) -> None:
        """Record an array computed by training or by torch on a CPU: checked within ``rtol``/``atol``."""
        self[name] = value
        self.tolerances[name] = {"rtol": float(rtol), "atol": float(atol)}

    def threshold(self, name: str, value: float, *, data: Iterable[np.ndarray], reference: float,
                  how: str, tolerance: float | None = None, settings: Mapping[str, Any] | None = None,
                  calibration: Mapping[str, Any] | None = None) -> None:
        """Record a pass mark calibrated on ``data`` (the reference scored ``reference``).

        ``tolerance``: the mark comes from training, so another machine may move it (and the reference's
        score) by up to this much; None: it is deterministic, bit for bit. ``settings``: what the calibration
        trained with, which the grading must train with too (a JSON-able mapping: the budget). ``how``: words
        only, no trained number (those move with the machine). ``calibration``: the record of a fitted mark
        (``calibration.normal_mark``).
        """
        self.thresholds[name] = {"value": float(value), "reference": float(reference),
                                 "data_fingerprint": fingerprint(data), "how": how}
        if tolerance is not None:
            self.thresholds[name]["tolerance"] = float(tolerance)
        if settings is not None:
            self.thresholds[name]["settings"] = _plain_settings(settings)
        if calibration is not None:
            self.thresholds[name]["calibration"] = json.loads(json.dumps(dict(calibration)))

    def wants(self, name: str) -> bool:
        """Whether to train the mark ``name`` in this run (all of them, unless a check named some)."""
        return self.marks is None or name in self.marks

    def seeds(self, seeds: Iterable[int]) -> list[int]:
        """The calibration seeds to run: ``seeds``, or their first ``seeds_limit`` in a quick regeneration."""
        seeds = list(seeds)
        return seeds[:self.seeds_limit] if self.seeds_limit else seeds

    def fitted_threshold(self, name: str, runs: Mapping[str, Iterable[float]], *, seeds: Iterable[int], what: str,
                         min_spread: float, tolerance: float | None, data: Iterable[np.ndarray],
                         settings: Mapping[str, Any] | None = None, higher_passes: bool = True,
                         false_fail: float = calibration_mod.FALSE_FAIL) -> float:
        """Record a trained mark set from correct runs (variant -> score per seed, the reference first) by a normal
        fit with the false-fail rate ``false_fail`` (``calibration.normal_mark``); ``what``: the score in words;
        ``tolerance`` None: the runs are deterministic (numpy), compared bit for bit like the mark. Returns the
        mark."""
        runs = {variant: [float(v) for v in values] for variant, values in runs.items()}
        value, record = calibration_mod.normal_mark(runs, seeds=list(seeds), min_spread=min_spread,
                                                    higher_passes=higher_passes, false_fail=false_fail)
        reference = record["variants"][next(iter(runs))]["mean"]
        self.threshold(name, value, data=data, reference=reference, tolerance=tolerance, settings=settings,
                       how=f"{what}: {calibration_mod.describe(record)}", calibration=record)
        return value

    def reference_output(self, path: str, data: bytes, *, agreement: float) -> None:
        """Record a file the reference produces by training (``path`` inside the reference, e.g. a predictions
        CSV). Another machine's file must agree with it on at least ``agreement`` of its lines."""
        self.outputs[path] = bytes(data)
        self.output_agreement[path] = float(agreement)

    @property
    def has_trained(self) -> bool:
        return bool(self.tolerances or self.outputs or any("tolerance" in t for t in self.thresholds.values()))

    def write(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.arrays):
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                payload = io.BytesIO()
                np.lib.format.write_array(payload, self.arrays[name], allow_pickle=False)
                archive.writestr(info, payload.getvalue())
        blob = buffer.getvalue()
        manifest = {
            "arrays_sha256": hashlib.sha256(blob).hexdigest(),
            "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in sorted(self.arrays.items())},
            "meta": self.meta,
            "thresholds": self.thresholds,
        }
        if self.provenance:
            manifest["provenance"] = self.provenance
        if self.has_trained:
            manifest["trained"] = {
                "arrays": self.tolerances,
                "outputs": {path: {"sha256": hashlib.sha256(data).hexdigest(), "lines": len(data.splitlines()),
                                   "agreement": self.output_agreement[path]} for path, data in self.outputs.items()},
            }
        _atomic_write(directory / ARRAYS, blob)
        _atomic_write(directory / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())

    def write_outputs(self, reference_dir: Path) -> list[Path]:
        """Write the reference outputs into ``reference_dir``; the paths whose bytes changed."""
        changed = []
        for relative, data in self.outputs.items():
            path = Path(reference_dir) / relative
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                _atomic_write(path, data)
                changed.append(path)
        return changed


def _plain_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` as the manifest stores them (JSON: tuples become lists), so that a grading's compare equal."""
    try:
        return json.loads(json.dumps(dict(settings), sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise FixtureError(f"a threshold's settings must be JSON data (numbers, strings, lists): {exc}") from None


def _setting(settings: dict[str, Any], key: str) -> str:
    return json.dumps(settings[key]) if key in settings else "unset"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class Fixtures:
    """Read-only view of an assignment's fixtures, checked against the manifest on load."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        try:
            self.manifest = json.loads((self.directory / MANIFEST).read_text())
            blob = (self.directory / ARRAYS).read_bytes()
        except (OSError, ValueError) as exc:
            raise FixtureError(f"fixtures in {self.directory} are missing or unreadable ({exc}); "
                               "run `autograder fixtures ASSIGNMENT` to generate them") from None
        if hashlib.sha256(blob).hexdigest() != self.manifest.get("arrays_sha256"):
            raise FixtureError(f"{self.directory / ARRAYS} does not match its manifest; regenerate the fixtures")
        self._archive = zipfile.ZipFile(io.BytesIO(blob))
        self._cache: dict[str, np.ndarray] = {}

    @property
    def meta(self) -> dict[str, Any]:
        return self.manifest.get("meta", {})

    def __contains__(self, name: str) -> bool:
        return name in self.manifest.get("arrays", {})

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name not in self:
                raise FixtureError(f"no fixture named {name!r}; regenerate the fixtures?")
            with self._archive.open(f"{name}.npy") as handle:
                self._cache[name] = np.lib.format.read_array(io.BytesIO(handle.read()), allow_pickle=False)
        return self._cache[name].copy()

    def threshold(self, name: str, *, data: Iterable[np.ndarray], settings: Mapping[str, Any] | None = None) -> float:
        """The pass mark ``name``, provided ``data`` is exactly what it was calibrated on and ``settings`` (what the
        grading trains with) are those it was calibrated with."""
        entry = self.manifest.get("thresholds", {}).get(name)
        if entry is None:
            raise FixtureError(f"no threshold named {name!r} in the fixtures; regenerate them")
        if fingerprint(data) != entry["data_fingerprint"]:
            raise FixtureError(
                f"threshold {name!r} was calibrated on other data (fingerprint {entry['data_fingerprint']}, "
                f"this data {fingerprint(data)}); recalibrate with `autograder fixtures ASSIGNMENT`")
        calibrated = entry.get("settings") or {}
        now = _plain_settings(settings) if settings is not None else {}
        if now != calibrated:
            changed = "; ".join(f"{key} {_setting(calibrated, key)} then, {_setting(now, key)} now"
                                for key in sorted(set(calibrated) | set(now)) if calibrated.get(key) != now.get(key))
            raise FixtureError(f"threshold {name!r} was calibrated with other settings ({changed}); recalibrate with "
                               "`autograder fixtures ASSIGNMENT`")
        return float(entry["value"])

    def calibrated_on(self, settings: Mapping[str, Any]) -> bool:
        """Whether some mark here was calibrated with exactly ``settings`` (a budget's, say)."""
        wanted = _plain_settings(settings)
        return any(entry.get("settings") == wanted for entry in self.manifest.get("thresholds", {}).values())

    def threshold_info(self, name: str) -> dict[str, Any]:
        return dict(self.manifest.get("thresholds", {}).get(name, {}))


OUTPUTS = "reference_outputs"  # where a generation into another folder puts the reference's outputs
#: How far a deterministic float array may move when computed with other numeric kernels (another CPU's SIMD
#: paths or BLAS kernels round sums differently: measured up to 7.1e-15 on hw6). Any real change is far larger.
ROUNDING = {"rtol": 1e-12, "atol": 1e-13}
#: Knobs for trained fixtures, to regenerate as another machine would: the thread count of the training, and
#: the interpreter that runs an assignment's training scripts (say, a venv with the CPU-only torch wheel).
TRAIN_THREADS_ENV = "AUTOGRADER_TRAIN_THREADS"
TRAIN_PYTHON_ENV = "AUTOGRADER_TRAIN_PYTHON"


def training_threads(default: int) -> int:
    """The thread count for training scripts: ``$AUTOGRADER_TRAIN_THREADS``, else the assignment's ``default``."""
    value = os.environ.get(TRAIN_THREADS_ENV, "").strip()
    return int(value) if value else default


def training_python() -> str:
    """The interpreter for training scripts: ``$AUTOGRADER_TRAIN_PYTHON``, else the grader's own."""
    import sys

    return os.environ.get(TRAIN_PYTHON_ENV) or sys.executable


#: The numeric kernels deterministic fixtures are computed with, on whatever x86-64 machine: OpenBLAS's Haswell
#: kernels (every CPU with AVX2 and FMA runs them) and numpy's SIMD paths below AVX-512. Left to itself, each CPU
#: picks its own (AVX-512 kernels on one Xeon, AVX2 on the next), and those round sums differently: the same
#: reference then wrote other last bits on each machine.
PORTABLE_KERNELS = {"OPENBLAS_CORETYPE": "Haswell",
                    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX "
                                                "AVX512_CNL AVX512_ICL AVX512_SPR"}


def portable_kernels() -> dict[str, str]:
    """``PORTABLE_KERNELS`` where this machine runs them (x86-64 with AVX2 and FMA) and nobody chose other kernels
    by hand (one of these variables set to another value: kept as it is, nothing pinned); else nothing. The same
    value already set (some machines set OPENBLAS_CORETYPE=Haswell for every process) is no other choice, nor is
    a variable these leave alone (OPENBLAS_L2_SIZE: the same bits on hw6's fixtures, measured)."""
    import platform

    from .sandbox import KERNEL_ENV

    chosen = {name: os.environ[name] for name in KERNEL_ENV if os.environ.get(name)}
    if platform.machine() not in ("x86_64", "AMD64") or any(
            value != PORTABLE_KERNELS.get(name, value) for name, value in chosen.items()):
        return {}
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return {}
    return dict(PORTABLE_KERNELS) if {"avx2", "fma"} <= set(flags.split(":", 1)[1].split()) else {}


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


CALIBRATION_CPU_SECONDS = 6 * 3600  # the reference's worker while fixtures are generated (ten seeds of each variant)


def generate(assignment: Any, directory: Path | None = None, *, seeds_limit: int | None = None,
             marks: Iterable[str] | None = None) -> FixtureWriter:
    """Run the assignment's ``make_fixtures.generate`` on its reference and write the fixtures.

    The reference runs in a worker, exactly as submissions do; ``rng`` is seeded from the
    assignment's ``seed``, so two runs write identical bytes. Without ``directory`` (the instructor's
    ``autograder fixtures ID``) the fixtures go to ``fixtures/ID`` and the reference's outputs into the reference;
    with it (``--check``, tests) both go there (outputs under ``OUTPUTS``), and the checkout is left alone.
    """
    import dataclasses
    import importlib.util
    import shutil

    from .grading import open_session, students_environment, tests_importable
    from .submission import unpack

    script = assignment.tests_dir / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location(f"_fixtures_{assignment.id}", script)
    if spec is None or not script.is_file():
        raise FixtureError(f"{script} is missing")
    if (seeds_limit or marks is not None) and directory is None:
        raise FixtureError("a quick regeneration (fewer calibration seeds or marks) is for checking: give it a folder")
    writer = FixtureWriter(seeds_limit, marks)
    work = Path(tempfile.mkdtemp(prefix=f"autograder-fixtures-{assignment.id}-"))
    pinned = portable_kernels()  # (the reference's worker gets them: sandbox.worker_env passes KERNEL_ENV on)
    try:
        with tests_importable(assignment), _environ(pinned):
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            root = unpack(assignment.reference_dir, work / "reference")
            # The reference is the instructor's and its calibration trains many runs in one worker: CPU time is
            # bounded by the run's length, not by one grading's worker limit.
            assignment = dataclasses.replace(assignment, limits=dataclasses.replace(
                assignment.limits, cpu_seconds=max(assignment.limits.cpu_seconds, CALIBRATION_CPU_SECONDS)))
            environment = students_environment(assignment)
            # No deadline for the run as a whole: a calibration trains ten seeds of each variant, far more than one
            # grading's `total`; each call keeps its own timeout.
            with open_session(assignment, root, label="reference", environment=environment,
                              deadline=float("inf")) as ref:
                module.generate(ref, writer, np.random.default_rng(assignment.seed))
        unknown = sorted((writer.marks or set()) - set(writer.thresholds))
        if unknown:
            raise FixtureError(f"no trained mark {', '.join(map(repr, unknown))} in {script.name} (it recorded "
                               f"{', '.join(sorted(writer.thresholds)) or 'none'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    writer.provenance = {**provenance(environment.declared() if environment else None, pinned), **writer.provenance}
    writer.write(directory or assignment.fixtures_dir)
    writer.write_outputs(Path(directory) / OUTPUTS if directory else assignment.reference_dir)
    return writer


def provenance(students_environment: list[str] | None = None, pinned: dict[str, str] | None = None) -> dict[str, Any]:
    """Where fixtures were computed: what moves floating-point results (``kernels``: the CPU, its features, the
    numeric packages the reference ran with, and the variables that choose their kernels; with ``pinned``, the
    portable kernels, whatever the CPU)."""
    import platform
    from importlib import metadata

    packages = {}
    for name in ("numpy", "torch", "torchvision"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    from .sandbox import KERNEL_ENV

    cpu, flags = platform.processor() or platform.machine(), ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == (platform.processor() or platform.machine()):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = " ".join(sorted(line.split(":", 1)[1].split()))
    except OSError:
        pass
    kernels = {"machine": platform.machine(), "cpu": cpu,
               "cpu_flags_sha256": hashlib.sha256(flags.encode()).hexdigest()[:16],
               "packages": students_environment if students_environment is not None else packages,
               **{name: os.environ[name] for name in KERNEL_ENV if os.environ.get(name)}}
    if pinned:  # the same kernels on every CPU that runs them: the CPU no longer tells them apart
        kernels = {"machine": platform.machine(), "packages": kernels["packages"], "pinned": dict(pinned)}
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "cpu": cpu, "grader_packages": packages, "kernels": kernels}


# -- checking a regeneration against the committed fixtures ----------------------------------------------------
class Comparison:
    """What ``compare`` found: ``problems`` (a real difference) and ``notes`` (differences within tolerance)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.rounded = 0  # deterministic arrays that differ in rounding only (other numeric kernels)

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(fresh: Path, committed: Path, fresh_outputs: Path, committed_outputs: Path, *,
            marks: Iterable[str] | None = None) -> Comparison:
    """Compare freshly generated fixtures (and reference outputs) with the committed ones.

    Deterministic entries must be identical bit for bit; trained ones within the tolerance the committed
    manifest states for each (arrays: ``np.allclose``; thresholds: the absolute difference of the mark and of
    the reference's score; reference outputs: the share of identical lines). ``marks``: the fresh run trained
    only these (``generate(..., marks=...)``): the committed others are noted as not rerun.
    """
    result = Comparison()
    problem, note = result.problems.append, result.notes.append
    try:
        new, old = Fixtures(fresh), Fixtures(committed)
    except FixtureError as exc:
        problem(exc.message)
        return result
    trained_old, trained_new = old.manifest.get("trained", {}), new.manifest.get("trained", {})
    tolerances = trained_old.get("arrays", {})
    if trained_new.get("arrays", {}) != tolerances:
        problem("the trained arrays or their tolerances changed")
    kernels_old = old.manifest.get("provenance", {}).get("kernels")
    same_kernels = kernels_old is None or kernels_old == new.manifest.get("provenance", {}).get("kernels")
    rounded: list[tuple[str, float]] = []
    names_old, names_new = old.manifest.get("arrays", {}), new.manifest.get("arrays", {})
    for name in sorted(set(names_old) ^ set(names_new)):
        problem(f"array {name!r} is only in the {'committed' if name in names_old else 'fresh'} fixtures")
    for name in sorted(set(names_old) & set(names_new)):
        a, b = new[name], old[name]
        if a.dtype != b.dtype or a.shape != b.shape:
            problem(f"array {name!r}: {a.dtype}{a.shape} now, {b.dtype}{b.shape} committed")
        elif name in tolerances:
            rtol, atol = tolerances[name]["rtol"], tolerances[name]["atol"]
            if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                problem(f"trained array {name!r} differs beyond rtol={rtol:g}, atol={atol:g} "
                        f"(largest difference {_largest_difference(a, b):.3g})")
            elif a.tobytes() != b.tobytes():
                note(f"trained array {name!r}: within rtol={rtol:g}, atol={atol:g} "
                     f"(largest difference {_largest_difference(a, b):.3g})")
        elif a.tobytes() == b.tobytes():
            continue
        elif same_kernels or a.dtype.kind not in "fc":
            problem(f"array {name!r} differs (deterministic: expected bit for bit; largest difference "
                    f"{_largest_difference(a, b):.3g})")
        elif not np.allclose(a, b, rtol=ROUNDING["rtol"], atol=ROUNDING["atol"], equal_nan=True):
            problem(f"array {name!r} differs beyond rounding (computed with other numeric kernels; largest "
                    f"difference {_largest_difference(a, b):.3g})")
        else:
            rounded.append((name, _largest_difference(a, b)))
    result.rounded = len(rounded)
    if rounded:
        note(f"{len(rounded)} deterministic arrays differ in rounding only (largest difference "
             f"{max(d for _, d in rounded):.3g}; within rtol={ROUNDING['rtol']:g}, atol={ROUNDING['atol']:g}): they "
             f"were computed with other numeric kernels ({_kernels(kernels_old)} committed, "
             f"{_kernels(new.manifest.get('provenance', {}).get('kernels'))} now)")
    if new.meta != old.meta:
        keys = sorted(k for k in set(new.meta) | set(old.meta) if new.meta.get(k) != old.meta.get(k))
        problem(f"meta differs (deterministic) in {', '.join(keys)}")
    thresholds = old.manifest.get("thresholds", {}), new.manifest.get("thresholds", {})
    if marks is not None:
        marks = set(marks)
        skipped = sorted(set(thresholds[0]) - marks)
        if skipped:
            note(f"not rerun (a check of {', '.join(sorted(marks))} only): {', '.join(skipped)}")
        thresholds = tuple({name: entry for name, entry in t.items() if name in marks} for t in thresholds)
    _compare_thresholds(thresholds[1], thresholds[0], result)
    _compare_outputs(trained_new.get("outputs", {}), trained_old.get("outputs", {}), Path(fresh_outputs),
                     Path(committed_outputs), result)
    where_old, where_new = old.manifest.get("provenance", {}), new.manifest.get("provenance", {})
    if result.notes and where_old != where_new:
        note(f"committed fixtures computed on {_describe(where_old)}; now on {_describe(where_new)}")
    return result


def _kernels(kernels: dict[str, Any] | None) -> str:
    if not kernels:
        return "unknown"
    if "pinned" in kernels:  # the portable kernels: the CPU is not recorded, since it does not matter
        return "the portable kernels (" + ", ".join(f"{k}={v}" for k, v in kernels["pinned"].items()) + ")"
    extra = [f"{k}={v}" for k, v in kernels.items() if k.isupper()]
    return ", ".join([kernels.get("cpu", "?"), f"flags {kernels.get('cpu_flags_sha256', '?')}", *extra])


def _largest_difference(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0:
        return 0.0
    return float(np.nanmax(np.abs(a.astype(np.complex128) - b.astype(np.complex128))))


def _describe(where: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in where.get("grader_packages", {}).items())
    extra = ", ".join(f"{k}={where[k]}" for k in ("threads", "training_torch") if k in where)
    cpu = where.get("cpu", "an unknown CPU")
    return f"{cpu}, {_kernels(where.get('kernels'))} ({packages}{', ' + extra if extra else ''})"


def _compare_thresholds(new: dict, old: dict, result: Comparison) -> None:
    for name in sorted(set(new) ^ set(old)):
        result.problems.append(f"threshold {name!r} is only in the {'committed' if name in old else 'fresh'} fixtures")
    for name in sorted(set(new) & set(old)):
        a, b = new[name], old[name]
        tolerance = b.get("tolerance")
        if a.get("tolerance") != tolerance:
            result.problems.append(f"threshold {name!r}: its tolerance changed")
            continue
        if tolerance is None:
            if a != b:
                result.problems.append(f"threshold {name!r} differs (deterministic): {a['value']!r} now, "
                                       f"{b['value']!r} committed")
            continue
        fixed = {k: v for k, v in a.items() if k not in ("value", "reference", "calibration")}
        if fixed != {k: v for k, v in b.items() if k not in ("value", "reference", "calibration")}:
            result.problems.append(f"threshold {name!r}: its data, settings or description changed")
        if "calibration" in a or "calibration" in b:
            _compare_calibration(name, a, b, tolerance, result)
            continue
        moved = max(abs(a["value"] - b["value"]), abs(a["reference"] - b["reference"]))
        line = (f"threshold {name!r}: {a['value']:.4f} now, {b['value']:.4f} committed (reference "
                f"{a['reference']:.4f} / {b['reference']:.4f}; tolerance ±{tolerance:g})")
        if moved > tolerance + 1e-12:
            result.problems.append(line)
        elif moved:
            result.notes.append(line)


def _compare_calibration(name: str, new: dict, old: dict, tolerance: float, result: Comparison) -> None:
    """A fitted mark is derived from its runs: each fresh run must be within ``tolerance`` of the committed run of
    the same variant and seed (a quick regeneration runs the first seeds only); the notes say how many standard
    deviations the fresh runs' means sit from the committed mark."""
    a, b = new.get("calibration"), old.get("calibration")
    if a is None or b is None:
        result.problems.append(f"threshold {name!r} is fitted only in the {'fresh' if a else 'committed'} fixtures")
        return
    structure = ("fit", "false_fail", "z", "min_spread", "passes")
    if any(a[k] != b[k] for k in structure) or list(a["runs"]) != list(b["runs"]):
        result.problems.append(f"threshold {name!r}: its fit or its variants changed")
        return
    seeds = len(a["seeds"])
    if a["seeds"] != b["seeds"][:seeds]:
        result.problems.append(f"threshold {name!r}: calibrated over the seeds {a['seeds']} now, {b['seeds']} "
                               "committed")
        return
    for variant in a["runs"]:
        fresh, committed = np.array(a["runs"][variant]), np.array(b["runs"][variant][:seeds])
        moved = float(np.max(np.abs(fresh - committed))) if seeds else 0.0
        if moved > tolerance + 1e-12:
            result.problems.append(f"threshold {name!r}: a run of {variant} moved by {moved:.4f} (tolerance "
                                   f"±{tolerance:g}): {fresh.round(4).tolist()} now, {committed.round(4).tolist()} "
                                   "committed")
    if seeds < len(b["seeds"]):
        result.notes.append(f"threshold {name!r}: {seeds} of its {len(b['seeds'])} seeds rerun (a quick check; the "
                            f"mark {old['value']:.4f} needs them all)")
        return
    if a["runs"] != b["runs"]:
        worst = min(calibration_mod.margins(a, old["value"]).values())
        result.notes.append(f"threshold {name!r}: mark {old['value']:.4f} committed, {new['value']:.4f} from the "
                            f"fresh runs; the fresh runs' worst variant sits {worst:.2f} standard deviations from the "
                            f"committed mark (z = {b['z']:g} at the calibration)")


def margin_lines(directory: Path) -> list[str]:
    """For each fitted mark in the fixtures at ``directory``: its runs' fit and margin in standard deviations."""
    lines = []
    for name, entry in sorted(Fixtures(directory).manifest.get("thresholds", {}).items()):
        record = entry.get("calibration")
        if record is None:
            lines.append(f"{name}: mark {entry['value']:.4f} (not fitted: {entry['how']})")
            continue
        parts = [f"{variant} {v['mean']:.3f} ± {v['sd']:.3f} ({v['margin_sd']:.2f} sd)"
                 for variant, v in record["variants"].items()]
        lines.append(f"{name}: mark {entry['value']:.4f} ({record['passes']}), {len(record['seeds'])} seeds; "
                     + "; ".join(parts))
    return lines


def _compare_outputs(new: dict, old: dict, fresh_dir: Path, committed_dir: Path, result: Comparison) -> None:
    for path in sorted(set(new) ^ set(old)):
        result.problems.append(f"reference output {path} is only in the {'committed' if path in old else 'fresh'} "
                               "fixtures")
    for path in sorted(set(new) & set(old)):
        required = old[path]["agreement"]
        if new[path]["agreement"] != required:
            result.problems.append(f"reference output {path}: its required agreement changed")
            continue
        try:
            committed = (committed_dir / path).read_bytes()
            fresh = (fresh_dir / path).read_bytes()
        except OSError as exc:
            result.problems.append(f"reference output {path}: {exc}")
            continue
        if hashlib.sha256(committed).hexdigest() != old[path]["sha256"]:
            result.problems.append(f"{committed_dir / path} is not the file the fixtures recorded; run "
                                   "`autograder fixtures ASSIGNMENT`")
            continue
        share = line_agreement(fresh, committed)
        line = f"reference output {path}: {share:.2%} of lines agree with the committed file (at least {required:.0%})"
        if share < required:
            result.problems.append(line)
        elif share < 1:
            result.notes.append(line)


def line_agreement(a: bytes, b: bytes) -> float:
    """The share of identical lines, position by position, over the longer file (1.0 for identical files)."""
    lines_a, lines_b = a.splitlines(), b.splitlines()
    longest = max(len(lines_a), len(lines_b))
    if not longest:
        return 1.0
    return sum(x == y for x, y in zip(lines_a, lines_b, strict=False)) / longest
