"""Fixture data: arrays and calibrated thresholds produced by running the reference.

An assignment's ``make_fixtures.py`` defines ``generate(reference, out, rng)``: it drives the
reference solution through a ``Session`` (the same path as grading) and records arrays, metadata and
thresholds in a ``FixtureWriter``. ``write`` is deterministic (fixed zip timestamps, sorted keys), so
regenerating gives identical bytes; ``autograder fixtures ID --check`` proves it.

Every threshold is stored with a fingerprint of the data it was calibrated on, and ``Fixtures.threshold``
refuses to apply it to other data.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

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
    """Collects what ``generate`` records; ``write`` stores it."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.meta: dict[str, Any] = {}
        self.thresholds: dict[str, dict[str, Any]] = {}

    def __setitem__(self, name: str, value: Any) -> None:
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise FixtureError(f"fixture {name!r} is not numeric (dtype {array.dtype})")
        self.arrays[name] = np.array(array, order="C")  # not ascontiguousarray: it turns 0-d into (1,)

    def threshold(self, name: str, value: float, *, data: Iterable[np.ndarray], reference: float,
                  how: str) -> None:
        """Record a pass mark calibrated on ``data`` (the reference scored ``reference``)."""
        self.thresholds[name] = {"value": float(value), "reference": float(reference),
                                 "data_fingerprint": fingerprint(data), "how": how}

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
        _atomic_write(directory / ARRAYS, blob)
        _atomic_write(directory / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())


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

    def threshold(self, name: str, *, data: Iterable[np.ndarray]) -> float:
        """The pass mark ``name``, provided ``data`` is exactly what it was calibrated on."""
        entry = self.manifest.get("thresholds", {}).get(name)
        if entry is None:
            raise FixtureError(f"no threshold named {name!r} in the fixtures; regenerate them")
        if fingerprint(data) != entry["data_fingerprint"]:
            raise FixtureError(
                f"threshold {name!r} was calibrated on other data (fingerprint {entry['data_fingerprint']}, "
                f"this data {fingerprint(data)}); recalibrate with `autograder fixtures ASSIGNMENT`")
        return float(entry["value"])

    def threshold_info(self, name: str) -> dict[str, Any]:
        return dict(self.manifest.get("thresholds", {}).get(name, {}))


def generate(assignment: Any, directory: Path | None = None) -> FixtureWriter:
    """Run the assignment's ``make_fixtures.generate`` on its reference and write the fixtures.

    The reference runs in a worker, exactly as submissions do; ``rng`` is seeded from the
    assignment's ``seed``, so two runs write identical bytes.
    """
    import importlib.util
    import shutil

    from .grading import open_session, tests_importable
    from .submission import unpack

    script = assignment.tests_dir / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location(f"_fixtures_{assignment.id}", script)
    if spec is None or not script.is_file():
        raise FixtureError(f"{script} is missing")
    writer = FixtureWriter()
    work = Path(tempfile.mkdtemp(prefix=f"autograder-fixtures-{assignment.id}-"))
    try:
        with tests_importable(assignment):
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            root = unpack(assignment.reference_dir, work / "reference")
            with open_session(assignment, root, label="reference") as ref:
                module.generate(ref, writer, np.random.default_rng(assignment.seed))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    writer.write(directory or assignment.fixtures_dir)
    return writer
