"""Datasets: CIFAR-10, MNIST and Fashion-MNIST through torchvision, Iris and digits through scikit-learn.

This module owns where the data lives (``data_root``), getting it there (``prepare``: the real files
through torchvision's own download, or a synthetic stand-in) and reading it back (``load``) into a
plain ``Dataset`` of numpy arrays.

Where there is no network (CI, an air-gapped grader), ``prepare`` writes a deterministic synthetic
stand-in in the datasets' *real on-disk formats*: CIFAR-10 python pickles
(``cifar-10-batches-py/data_batch_1..5``, ``test_batch``, ``batches.meta``) and MNIST idx files
(``MNIST/raw/train-images-idx3-ubyte`` ...). ``load`` always reads through torchvision's dataset
classes, so the code that reads the real data is the code that runs. A ``SYNTHETIC`` marker file next
to the stand-in's files (generator version and seed, as JSON) tells everything that it is not the real
data; real CIFAR-10 files are checked against torchvision's md5 sums, the stand-in (which cannot match
them) goes through a subclass of ``torchvision.datasets.CIFAR10`` without md5 sums.

The stand-ins are smaller than the real sets and built to keep the methods of a course apart: each
class is a texture or a shape at a random place, with random colour, contrast, clutter and noise, so
nearest neighbours on raw pixels stay well below a small CNN, and both stay above chance. Generation
uses only a seeded PCG64 generator and correctly rounded arithmetic (no BLAS, no transcendental
functions, no reductions whose order could vary), so every machine writes the same bytes.

torchvision and scikit-learn are imported only when a dataset is actually prepared or loaded.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AssignmentError
from .fixtures import fingerprint as _fingerprint

DATASETS = ("cifar10", "mnist", "fashion_mnist")
"""Image datasets read through torchvision (real files, or a synthetic stand-in in the same format)."""
SKLEARN_DATASETS = ("iris", "digits")
"""Small datasets bundled with scikit-learn (always real, nothing to prepare)."""
SPLITS = ("train", "test")

GENERATOR_VERSION = 1
"""Bumped whenever the synthetic data changes; a stand-in of another version is regenerated."""
SEED = 20240917
MARKER = "SYNTHETIC"
SKLEARN_TEST_FRACTION = 0.2


class DatasetError(AssignmentError):
    """A dataset is missing, cannot be fetched, or is not the kind that was asked for."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """One split of a dataset as plain numpy arrays.

    ``images``: CIFAR-10 ``uint8 (N, 32, 32, 3)`` (HWC, like torchvision's ``CIFAR10.data``); MNIST and
    Fashion-MNIST ``uint8 (N, 28, 28)``; digits ``uint8 (N, 8, 8)`` with values 0..16 (scikit-learn's
    scale); iris ``float64 (N, 4)`` (the four measurements, in cm). ``labels``: ``int64 (N,)`` indexes
    into ``classes``. ``synthetic``: the data is the generated stand-in, not the real dataset.
    The image datasets' ``images`` are read-only (memory-mapped from the cache once there is one); ``subset``
    gives writable copies of the rows it takes.
    """

    name: str
    split: str
    images: np.ndarray
    labels: np.ndarray
    classes: list[str]
    synthetic: bool

    @property
    def fingerprint(self) -> str:
        """``autograder.fixtures.fingerprint`` of (images, labels): names this exact data in fixtures."""
        return _fingerprint([self.images, self.labels])

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "real"
        return (f"Dataset({self.name!r}, split={self.split!r}, {kind}, images={self.images.dtype}"
                f"{tuple(self.images.shape)}, {len(self.classes)} classes)")


# --------------------------------------------------------------------------------------------------
# Where the files are


@dataclass(frozen=True)
class _Spec:
    name: str
    title: str
    folder: str  # relative to the root: where the files and the marker live
    files: tuple[str, ...]
    sizes: dict[str, int]  # synthetic sizes per split
    real_sizes: dict[str, int]


_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte")
_SPECS = {
    "cifar10": _Spec("cifar10", "CIFAR-10", "cifar-10-batches-py", (*_CIFAR_TRAIN, "test_batch", "batches.meta"),
                     {"train": 10000, "test": 2000}, {"train": 50000, "test": 10000}),
    "mnist": _Spec("mnist", "MNIST", "MNIST/raw", _IDX_FILES, {"train": 12000, "test": 2000},
                   {"train": 60000, "test": 10000}),
    "fashion_mnist": _Spec("fashion_mnist", "Fashion-MNIST", "FashionMNIST/raw", _IDX_FILES,
                           {"train": 12000, "test": 2000}, {"train": 60000, "test": 10000}),
}

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def data_root() -> Path:
    """``$AUTOGRADER_DATA`` if set, else ``<project root>/data``."""
    if os.environ.get("AUTOGRADER_DATA"):
        return Path(os.environ["AUTOGRADER_DATA"]).expanduser().resolve()
    from .assignment import project_root

    return project_root() / "data"


def _spec(name: str) -> _Spec:
    if name not in _SPECS:
        known = ", ".join(DATASETS + SKLEARN_DATASETS)
        raise DatasetError(f"unknown dataset {name!r} (known: {known})")
    return _SPECS[name]


def _root(root: str | os.PathLike[str] | None) -> Path:
    return Path(root) if root is not None else data_root()


def _marker(spec: _Spec, root: Path) -> dict[str, Any] | None:
    """The stand-in's marker, or None where there is none (real data, or nothing)."""
    path = root / spec.folder / MARKER
    if not path.is_file():
        return None
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return {"version": None}  # a marker we cannot read: still synthetic, and stale


def _state(spec: _Spec, root: Path) -> str:
    """``real``, ``synthetic``, ``stale`` (a stand-in that is outdated or incomplete) or ``missing``."""
    complete = all((root / spec.folder / f).is_file() for f in spec.files)
    marker = _marker(spec, root)
    if marker is not None:
        ok = complete and marker.get("version") == GENERATOR_VERSION and marker.get("seed") == SEED
        return "synthetic" if ok else "stale"
    return "real" if complete else "missing"


def is_synthetic(name: str, root: str | os.PathLike[str] | None = None) -> bool:
    """True when the files of ``name`` under ``root`` are a synthetic stand-in (False if real or absent)."""
    if name in SKLEARN_DATASETS:
        return False
    return _marker(_spec(name), _root(root)) is not None


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# prepare / load


def prepare(name: str, root: str | os.PathLike[str] | None = None, *, download: bool = False,
            synthetic: bool = True) -> Path:
    """Make sure the files of ``name`` exist under ``root`` (default ``data_root()``); returns the root.

    Files already there (real or synthetic) are kept. Otherwise, with ``download``, torchvision fetches
    the real files; if that fails (no network) and ``synthetic`` is allowed, the synthetic stand-in is
    written instead, with a line on stderr saying so. Without ``download`` the stand-in is written
    directly. A stand-in of an older generator version, or an incomplete one, is replaced.
    Raises ``DatasetError`` when the data cannot be had under these terms.
    """
    root = _root(root)
    if name in SKLEARN_DATASETS:
        return root  # bundled with scikit-learn
    spec = _spec(name)
    state = _state(spec, root)
    if state in ("real", "synthetic"):
        return root
    if state == "stale":
        _log(f"Replacing an outdated or incomplete synthetic {spec.title} stand-in in {root / spec.folder}")
        _remove_synthetic(spec, root)
    reason = "no download requested"
    if download:
        try:
            _torchvision_class(name, synthetic=False)(str(root), train=False, download=True)
        except Exception as exc:  # whatever stops the download (no network, a proxy, a bad mirror): no real data
            detail = " ".join(str(exc).split())[:200]
            if not synthetic:
                raise DatasetError(f"could not download {spec.title} to {root} ({type(exc).__name__}: {detail})") \
                    from exc
            reason = f"download failed: {type(exc).__name__}: {detail}"
        else:
            if _state(spec, root) == "real":
                return root
            raise DatasetError(f"torchvision's download of {spec.title} left incomplete files in {root}")
    if not synthetic:
        raise DatasetError(f"{spec.title} is not in {root}; fetch it with `autograder data prepare {name} "
                           f"--download`")
    _log(f"Writing a synthetic {spec.title} stand-in to {root / spec.folder} ({reason})")
    _write_synthetic(spec, root)
    return root


def load(name: str, split: str = "train", root: str | os.PathLike[str] | None = None, *,
         download: bool = False, synthetic: bool = True) -> Dataset:
    """Read one split (``"train"`` or ``"test"``) of ``name``, preparing it first (see ``prepare``).

    The image datasets are read by torchvision's own classes (``CIFAR10``, ``MNIST``, ``FashionMNIST``;
    for the CIFAR-10 stand-in a subclass without md5 sums). With ``synthetic=False`` a stand-in is
    refused: ``DatasetError`` unless the real data is there (or can be downloaded).
    iris and digits come from scikit-learn, split by a fixed stratified split (``SKLEARN_TEST_FRACTION``
    of each class in test).
    """
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")
    if name in SKLEARN_DATASETS:
        return _load_sklearn(name, split)
    prepared = prepare(name, root, download=download, synthetic=synthetic)
    folder, fake = prepared / _spec(name).folder, is_synthetic(name, prepared)
    cached = _read_cache(folder, name, split)
    if cached is not None and not (fake and not synthetic):
        return Dataset(name, split, cached[0], cached[1], cached[2], fake)
    ds = torchvision_dataset(name, split, root, download=download, synthetic=synthetic)
    fake = is_synthetic(name, ds.root)
    images = ds.data if isinstance(ds.data, np.ndarray) else ds.data.numpy()
    labels = np.asarray(ds.targets, dtype=np.int64)
    images = np.ascontiguousarray(images, dtype=np.uint8)
    images.flags.writeable = False  # as the cached loads' mapped images are: the same contract either way
    dataset = Dataset(name, split, images, labels, [str(c) for c in ds.classes], fake)
    _write_cache(folder, dataset)
    return dataset


# A copy of what torchvision read, as one .npy file per array, so that later loads (the grader, once per run)
# neither import torch (hundreds of MB) nor unpickle, and map the images instead of reading them: a subset
# (hw0 and ps2 grade on a few thousand of CIFAR-10's images) copies only its rows. Keyed by the source files'
# names, sizes and mtimes: new files, a new cache. Writing it is best effort (a read-only data folder just has
# none), and all or nothing: a folder written beside and renamed into place.
CACHE = ".autograder-cache"
_CACHE_FILES = ("images.npy", "labels.npy", "classes.npy")


def _cache_path(folder: Path, name: str, split: str) -> Path | None:
    try:
        entries = sorted((p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                         for p in folder.rglob("*") if p.is_file() and CACHE not in p.parts)
    except OSError:
        return None
    import hashlib

    stamp = hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:16]
    return folder / CACHE / f"{name}-{split}-{stamp}"


def _read_cache(folder: Path, name: str, split: str) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    path = _cache_path(folder, name, split)
    if path is None or not path.is_dir():
        return None
    try:
        images = np.load(path / "images.npy", mmap_mode="r", allow_pickle=False)  # read-only, paged in on use
        labels = np.load(path / "labels.npy", allow_pickle=False)
        classes = [str(c) for c in np.load(path / "classes.npy", allow_pickle=False)]
    except (OSError, ValueError):
        return None
    return images, labels, classes


def _write_cache(folder: Path, dataset: Dataset) -> None:
    path = _cache_path(folder, dataset.name, dataset.split)
    if path is None:
        return
    import shutil

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        for old in path.parent.glob(f"{dataset.name}-{dataset.split}-*"):  # other stamps, and the old .npz files
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        tmp.mkdir()
        arrays = (dataset.images, dataset.labels, np.array(dataset.classes))
        for filename, array in zip(_CACHE_FILES, arrays, strict=True):
            np.save(tmp / filename, array, allow_pickle=False)
        os.replace(tmp, path)  # a concurrent writer that got there first makes this fail: its copy stays
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def torchvision_dataset(name: str, split: str = "train", root: str | os.PathLike[str] | None = None, *,
                        download: bool = False, synthetic: bool = True, **kwargs: Any) -> Any:
    """The torchvision dataset object for one split of an image dataset (prepared first, as in ``load``),
    for code that wants torchvision's transforms and a ``DataLoader``; ``kwargs`` go to its class."""
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")
    if name not in DATASETS:
        raise DatasetError(f"{name!r} is not a torchvision dataset (those are: {', '.join(DATASETS)})")
    spec = _spec(name)
    root = prepare(name, root, download=download, synthetic=synthetic)
    fake = is_synthetic(name, root)
    if fake and not synthetic:
        raise DatasetError(f"{root / spec.folder} holds the synthetic {spec.title} stand-in, and the real data "
                           f"was asked for; remove that folder and run `autograder data {name} --download`")
    try:
        return _torchvision_class(name, synthetic=fake)(str(root), train=split == "train", download=False, **kwargs)
    except (RuntimeError, OSError, ValueError, TypeError) as exc:  # torchvision: "not found or corrupted"
        raise DatasetError(f"torchvision could not read {spec.title} in {root / spec.folder}: {exc}") from exc


def describe(name: str, root: str | os.PathLike[str] | None = None) -> str:
    """One line: where ``name`` is, whether it is real or synthetic, and its sizes."""
    root = _root(root)
    if name in SKLEARN_DATASETS:
        sizes = _sklearn_sizes(name)
        return f"{name}: real, bundled with scikit-learn (train {sizes['train']}, test {sizes['test']}, fixed split)"
    spec = _spec(name)
    where = root / spec.folder
    state = _state(spec, root)
    if state == "missing":
        return f"{name}: missing (expected in {where}; `autograder data prepare {name}` writes it)"
    if state == "stale":
        return f"{name}: outdated or incomplete synthetic stand-in in {where} (prepare replaces it)"
    sizes = _file_sizes(spec, root)
    shape = "32x32x3" if name == "cifar10" else "28x28"
    kind = (f"synthetic stand-in (generator v{GENERATOR_VERSION}, seed {SEED})" if state == "synthetic"
            else "real")
    return f"{name}: {kind} in {where}: train {sizes['train']}, test {sizes['test']}, {shape}, 10 classes"


def _file_sizes(spec: _Spec, root: Path) -> dict[str, int]:
    if spec.name == "cifar10":
        marker = _marker(spec, root)
        return {s: int(marker.get(s, 0)) for s in SPLITS} if marker else dict(spec.real_sizes)
    sizes = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        with open(root / spec.folder / f"{prefix}-labels-idx1-ubyte", "rb") as handle:
            sizes[split] = struct.unpack(">II", handle.read(8))[1]
    return sizes


@cache
def _synthetic_cifar10() -> type:
    """``torchvision.datasets.CIFAR10`` without md5 sums: the stand-in's files cannot match the real ones.

    torchvision's ``check_integrity`` only checks that a file exists when its md5 is None; everything
    else (unpickling, reshaping to HWC, reading ``batches.meta``) is torchvision's code.
    """
    from torchvision.datasets import CIFAR10

    class SyntheticCIFAR10(CIFAR10):
        train_list = [[filename, None] for filename, _ in CIFAR10.train_list]
        test_list = [[filename, None] for filename, _ in CIFAR10.test_list]
        meta = {**CIFAR10.meta, "md5": None}

        def download(self) -> None:
            raise RuntimeError("the synthetic CIFAR-10 stand-in is generated, not downloaded")

    return SyntheticCIFAR10


def _torchvision_class(name: str, *, synthetic: bool) -> Callable[..., Any]:
    import torchvision.datasets as tvd

    if name == "cifar10":
        return _synthetic_cifar10() if synthetic else tvd.CIFAR10
    return {"mnist": tvd.MNIST, "fashion_mnist": tvd.FashionMNIST}[name]


def _remove_synthetic(spec: _Spec, root: Path) -> None:
    for filename in (MARKER, *spec.files):
        (root / spec.folder / filename).unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------
# scikit-learn datasets


def _sklearn_raw(name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn import datasets as skd

    if name == "iris":
        bunch = skd.load_iris()
        return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target), [str(c) for c in bunch.target_names]
    bunch = skd.load_digits()
    return np.asarray(bunch.images).astype(np.uint8), np.asarray(bunch.target), [str(c) for c in range(10)]


def _sklearn_split(labels: np.ndarray) -> np.ndarray:
    """Boolean test mask: a fixed share of each class, chosen by a seeded generator (not sklearn's)."""
    rng = np.random.Generator(np.random.PCG64(SEED))
    test = np.zeros(labels.shape[0], dtype=bool)
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        chosen = rng.permutation(members)[: int(round(SKLEARN_TEST_FRACTION * members.size))]
        test[chosen] = True
    return test


def _load_sklearn(name: str, split: str) -> Dataset:
    images, labels, classes = _sklearn_raw(name)
    test = _sklearn_split(labels)
    keep = test if split == "test" else ~test
    return Dataset(name, split, np.ascontiguousarray(images[keep]), labels[keep].astype(np.int64), classes, False)


def _sklearn_sizes(name: str) -> dict[str, int]:
    _, labels, _ = _sklearn_raw(name)
    test = int(_sklearn_split(labels).sum())
    return {"train": labels.shape[0] - test, "test": test}


# --------------------------------------------------------------------------------------------------
# subsets


def subset(dataset: Dataset, n: int, *, seed: int, stratified: bool = True) -> Dataset:
    """``n`` examples of ``dataset``, chosen by ``seed``, in their original order.

    Stratified: as equal a share of each class as the class sizes allow (the remainder of ``n`` goes to
    classes picked by the seed). Otherwise a uniform sample without replacement.
    """
    total = len(dataset)
    if not 0 <= n <= total:
        raise ValueError(f"cannot take {n} examples from a dataset of {total}")
    rng = np.random.Generator(np.random.PCG64(seed))
    if not stratified:
        chosen = np.sort(rng.permutation(total)[:n])
    else:
        classes = np.unique(dataset.labels)
        members = [rng.permutation(np.flatnonzero(dataset.labels == c)) for c in classes]
        available = np.array([m.size for m in members])
        counts = np.zeros(classes.size, dtype=np.int64)
        left = n
        while left > 0:  # water-filling: share what is left among the classes that still have examples
            open_ = np.flatnonzero(counts < available)
            share, extra = divmod(left, open_.size)
            give = np.full(open_.size, share)
            give[rng.permutation(open_.size)[:extra]] += 1
            give = np.minimum(give, available[open_] - counts[open_])
            counts[open_] += give
            left -= int(give.sum())
        chosen = np.sort(np.concatenate([m[:k] for m, k in zip(members, counts, strict=True)]))
    return Dataset(dataset.name, dataset.split, dataset.images[chosen], dataset.labels[chosen],
                   list(dataset.classes), dataset.synthetic)


# --------------------------------------------------------------------------------------------------
# Writing the stand-ins in the real formats


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_synthetic(spec: _Spec, root: Path) -> None:
    """Write the stand-in. Leftovers (a partial download) go first, then the marker, then the files: an
    interrupted write leaves an incomplete, hence stale, stand-in, never files that look real or a mix."""
    folder = root / spec.folder
    _remove_synthetic(spec, root)
    marker = {"generator": "autograder.datasets", "version": GENERATOR_VERSION, "seed": SEED,
              "dataset": spec.name, "train": spec.sizes["train"], "test": spec.sizes["test"],
              "note": "synthetic stand-in generated without network; not the real dataset"}
    _atomic_write(folder / MARKER, (json.dumps(marker, indent=2, sort_keys=True) + "\n").encode())
    rngs = _rngs(spec.name)
    if spec.name == "cifar10":
        _write_cifar(folder, spec, rngs)
    else:
        make = _mnist_images if spec.name == "mnist" else _fashion_images
        for split, prefix, rng in (("train", "train", rngs[0]), ("test", "t10k", rngs[1])):
            labels = _balanced_labels(rng, spec.sizes[split])
            images = make(rng, labels)
            _atomic_write(folder / f"{prefix}-images-idx3-ubyte", _idx(images, 2051))
            _atomic_write(folder / f"{prefix}-labels-idx1-ubyte", _idx(labels.astype(np.uint8), 2049))


def _rngs(name: str) -> tuple[np.random.Generator, np.random.Generator]:
    """One generator per split, from (SEED, dataset): train and test are independent draws."""
    key = DATASETS.index(name)
    children = np.random.SeedSequence([SEED, key]).spawn(2)
    return np.random.Generator(np.random.PCG64(children[0])), np.random.Generator(np.random.PCG64(children[1]))


def _balanced_labels(rng: np.random.Generator, n: int, classes: int = 10) -> np.ndarray:
    return rng.permutation(np.arange(n) % classes).astype(np.int64)


def _idx(array: np.ndarray, magic: int) -> bytes:
    """The idx format of MNIST: big-endian magic (0x0803 images, 0x0801 labels), dims, then uint8 data."""
    assert array.dtype == np.uint8 and magic == 0x0800 + array.ndim
    return struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + np.ascontiguousarray(array).tobytes()


def _write_cifar(folder: Path, spec: _Spec, rngs: tuple[np.random.Generator, np.random.Generator]) -> None:
    per_batch = spec.sizes["train"] // len(_CIFAR_TRAIN)
    batches = [(f"data_batch_{i + 1}", f"training batch {i + 1} of 5", rngs[0], per_batch)
               for i in range(len(_CIFAR_TRAIN))]
    batches.append(("test_batch", "testing batch 1 of 1", rngs[1], spec.sizes["test"]))
    for filename, batch_label, rng, n in batches:
        labels = _balanced_labels(rng, n)
        data = _cifar_images(rng, labels).reshape(n, 3072)
        names = [f"synthetic_{CIFAR10_CLASSES[y]}_{filename}_{i:05d}.png" for i, y in enumerate(labels)]
        _atomic_write(folder / filename, _py2_pickle({
            "batch_label": batch_label, "labels": [int(y) for y in labels], "data": data, "filenames": names}))
    _atomic_write(folder / "batches.meta", _py2_pickle({
        "num_cases_per_batch": per_batch, "label_names": CIFAR10_CLASSES, "num_vis": 3072}))


def _py2_pickle(obj: Any) -> bytes:
    """Protocol-2 pickle as Python 2's cPickle wrote the real CIFAR-10 files: strings are byte strings
    (BINSTRING), so ``pickle.load(f, encoding="latin1")`` gives str keys (torchvision, CS231n) and
    ``encoding="bytes"`` gives b"data" keys (the CIFAR web page's recipe), exactly as with the real ones."""
    out = bytearray(b"\x80\x02")

    def string(s: str | bytes) -> None:
        raw = s.encode("latin1") if isinstance(s, str) else s
        out.extend(b"U" + bytes([len(raw)]) if len(raw) < 256 else b"T" + struct.pack("<I", len(raw)))
        out.extend(raw)

    def integer(i: int) -> None:
        if 0 <= i < 256:
            out.extend(b"K" + bytes([i]))
        elif 0 <= i < 65536:
            out.extend(b"M" + struct.pack("<H", i))
        else:
            out.extend(b"J" + struct.pack("<i", i))

    def save(value: Any) -> None:
        if isinstance(value, (str, bytes)):
            string(value)
        elif isinstance(value, bool) or value is None:
            raise TypeError("not needed for CIFAR-10")
        elif isinstance(value, int):
            integer(value)
        elif isinstance(value, list):
            out.extend(b"]")
            for start in range(0, len(value), 1000):  # cPickle batched appends by 1000
                out.extend(b"(")
                for item in value[start:start + 1000]:
                    save(item)
                out.extend(b"e")
        elif isinstance(value, dict):
            out.extend(b"}(")
            for key, item in value.items():
                save(key)
                save(item)
            out.extend(b"u")
        elif isinstance(value, np.ndarray):  # numpy's own py2 pickle of a C-contiguous uint8 array
            assert value.dtype == np.uint8
            out.extend(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R(K\x01")
            out.extend(b"(")
            for dim in value.shape:
                integer(dim)
            out.extend(b"tcnumpy\ndtype\nU\x02u1K\x00K\x01\x87R(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89")
            string(np.ascontiguousarray(value).tobytes())
            out.extend(b"tb")
        else:
            raise TypeError(f"cannot write {type(value).__name__}")

    save(obj)
    out.extend(b".")
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# Image generators. Only + - * /, sqrt, floor, min/max and comparisons on float64, elementwise: these are
# correctly rounded everywhere, so the bytes do not depend on the machine, the BLAS or the thread count.


def _u(rng: np.random.Generator, lo: float, hi: float, shape: tuple[int, ...]) -> np.ndarray:
    return lo + (hi - lo) * rng.random(shape)


def _gauss(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """About N(0, 1): a sum of four uniforms (no log/exp, unlike numpy's normal sampler)."""
    r = rng.random((4, *shape))
    return (r[0] + r[1] + r[2] + r[3] - 2.0) * 1.7320508075688772


def _wave(z: np.ndarray) -> np.ndarray:
    """A sine-like periodic wave in [0, 1] with period 1 (smoothstep of a triangle wave), 1 at z = 0."""
    tri = np.abs(2.0 * (z - np.floor(z)) - 1.0)
    return tri * tri * (3.0 - 2.0 * tri)


def _rotation(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of 2*arctan(t), rationally: a rotation without trigonometric functions."""
    d = 1.0 + t * t
    return (1.0 - t * t) / d, 2.0 * t / d


def _upsample(coarse: np.ndarray, size: int) -> np.ndarray:
    """Bilinear upsampling of the last two axes (g x g, corners aligned) to size x size."""
    g = coarse.shape[-1]
    pos = np.arange(size) * ((g - 1) / (size - 1))
    lo = np.minimum(np.floor(pos).astype(np.int64), g - 2)
    w = (pos - lo).astype(coarse.dtype)
    rows = coarse[..., lo, :] * (1.0 - w)[:, None] + coarse[..., lo + 1, :] * w[:, None]
    return rows[..., lo] * (1.0 - w) + rows[..., lo + 1] * w


# CIFAR-like classes: texture, orientation t = tan(angle / 2), period in pixels, and colour priors (RGB) of
# the object and of the background, which random colours dilute (as sky, grass and water do in CIFAR-10).
_CIFAR_DESIGN = [
    ("grating", 0.0, 7.0, (0.85, 0.85, 0.90), (0.45, 0.65, 0.95)),   # airplane
    ("grating", 1.0, 7.0, (0.85, 0.15, 0.15), (0.50, 0.50, 0.50)),   # automobile
    ("grating", 0.41421356, 5.0, (0.55, 0.40, 0.25), (0.55, 0.75, 0.90)),   # bird
    ("grating", -0.41421356, 5.0, (0.75, 0.55, 0.35), (0.60, 0.50, 0.45)),   # cat
    ("checker", 0.0, 7.0, (0.60, 0.45, 0.25), (0.35, 0.55, 0.25)),   # deer
    ("checker", 0.41421356, 5.0, (0.70, 0.50, 0.30), (0.65, 0.60, 0.50)),   # dog
    ("dots", 0.0, 6.0, (0.35, 0.65, 0.25), (0.30, 0.45, 0.20)),   # frog
    ("rings", 0.0, 5.0, (0.50, 0.30, 0.15), (0.45, 0.60, 0.30)),   # horse
    ("grating", 0.0, 3.5, (0.30, 0.30, 0.35), (0.25, 0.45, 0.75)),   # ship
    ("grating", 1.0, 3.5, (0.80, 0.80, 0.80), (0.45, 0.45, 0.45)),   # truck
]
_CIFAR_PRIOR = (0.45, 0.85)  # how much of the colours comes from the class priors (uniform in this range)


def _cifar_images(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """uint8 (N, 3, 32, 32): each class a texture in a soft ellipse at a random place and size, with
    random orientation jitter, phase, colours, contrast, background clutter and noise. float32 throughout."""
    n, s, f = labels.shape[0], 32, np.float32
    design = [np.array([d[i] for d in _CIFAR_DESIGN]) for i in range(5)]
    kind = design[0][labels]
    t0, period0 = design[1][labels].astype(f), design[2][labels].astype(f)
    fg_prior, bg_prior = design[3][labels].astype(f), design[4][labels].astype(f)

    def u(lo: float, hi: float, *shape: int) -> np.ndarray:
        return f(lo) + f(hi - lo) * rng.random((n, *shape), dtype=f)

    def at(a: np.ndarray) -> np.ndarray:  # (n,) or (n, 3) -> broadcastable against (n, 3, s, s)
        return a.reshape(n, -1, 1, 1)

    lo, hi = _CIFAR_PRIOR
    mix_bg, mix_fg = u(lo, hi, 1), u(lo, hi, 1)
    bg = mix_bg * bg_prior + (1 - mix_bg) * u(0.0, 1.0, 3)
    fg1 = mix_fg * fg_prior + (1 - mix_fg) * u(0.0, 1.0, 3)
    fg2 = f(0.6) * (1 - fg1) + f(0.4) * u(0.0, 1.0, 3)
    clutter = _upsample(u(-1.0, 1.0, 3, 5, 5), s) * u(0.05, 0.35, 1, 1, 1)
    cx, cy, rx, ry = u(9.0, 22.0), u(9.0, 22.0), u(7.0, 13.0), u(7.0, 13.0)
    c, sn = _rotation(t0 + u(-0.12, 0.12))
    period = period0 * u(0.85, 1.15)
    phase1, phase2 = u(0.0, 1.0), u(0.0, 1.0)
    contrast, brightness, sigma = u(0.6, 1.2), u(-0.15, 0.15), u(0.03, 0.1)
    noise = rng.random((n, 3, s, s), dtype=f) - f(0.5)

    grid = np.arange(s, dtype=f)
    dx = grid[None, None, :] - at(cx)
    dy = grid[None, :, None] - at(cy)
    ex, ey = dx / at(rx), dy / at(ry)
    mask = np.clip((1 - ex * ex - ey * ey) * f(4), 0, 1)
    w1 = _wave((at(c) * dx + at(sn) * dy) / at(period) + at(phase1))
    texture = w1
    for k in ("checker", "dots"):
        i = np.flatnonzero(kind == k)
        w2 = _wave((at(c)[i] * dy[i] - at(sn)[i] * dx[i]) / at(period)[i] + at(phase2)[i])
        texture[i] = f(0.5) + 2 * (w1[i] - f(0.5)) * (w2 - f(0.5)) if k == "checker" else w1[i] * w2
    i = np.flatnonzero(kind == "rings")
    texture[i] = _wave(np.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) / at(period)[i] + at(phase1)[i])

    img = at(bg) + clutter
    obj = at(fg2) + at(fg1 - fg2) * texture
    img += mask * (obj - img)
    img -= f(0.5)
    img *= at(contrast)
    img += at(f(0.5) + brightness)
    img += at(sigma * f(3.4641016)) * noise  # uniform noise with standard deviation sigma
    np.clip(img, 0, 1, out=img)
    img *= f(255)
    img += f(0.5)
    return np.floor(img).astype(np.uint8)


# MNIST-like: one pen stroke per digit, as control points in a unit box (x right, y down).
_DIGIT_STROKES = [
    [(0.5, 0.04), (0.78, 0.16), (0.88, 0.5), (0.78, 0.84), (0.5, 0.96), (0.22, 0.84), (0.12, 0.5), (0.22, 0.16),
     (0.5, 0.04)],
    [(0.32, 0.22), (0.56, 0.04), (0.56, 0.96)],
    [(0.16, 0.26), (0.38, 0.06), (0.7, 0.07), (0.82, 0.3), (0.64, 0.56), (0.18, 0.94), (0.88, 0.94)],
    [(0.18, 0.08), (0.78, 0.08), (0.44, 0.44), (0.78, 0.6), (0.8, 0.84), (0.5, 0.96), (0.16, 0.86)],
    [(0.66, 0.96), (0.66, 0.04), (0.12, 0.66), (0.9, 0.66)],
    [(0.82, 0.06), (0.26, 0.06), (0.2, 0.46), (0.6, 0.4), (0.82, 0.62), (0.74, 0.88), (0.46, 0.96), (0.16, 0.84)],
    [(0.72, 0.06), (0.34, 0.34), (0.18, 0.7), (0.34, 0.94), (0.66, 0.94), (0.82, 0.72), (0.6, 0.5), (0.26, 0.6)],
    [(0.14, 0.08), (0.86, 0.08), (0.44, 0.96)],
    [(0.5, 0.5), (0.24, 0.3), (0.5, 0.05), (0.76, 0.3), (0.5, 0.5), (0.2, 0.73), (0.5, 0.96), (0.8, 0.73),
     (0.5, 0.5)],
    [(0.78, 0.34), (0.5, 0.56), (0.22, 0.36), (0.5, 0.06), (0.78, 0.34), (0.7, 0.96)],
]


def _segment_distance(px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from pixel centres (px, py: (1, s*s)) to segments a-b ((m, 2) each): (m, s*s)."""
    bax, bay = (b[:, 0] - a[:, 0])[:, None], (b[:, 1] - a[:, 1])[:, None]
    pax, pay = px - a[:, 0:1], py - a[:, 1:2]
    h = np.clip((pax * bax + pay * bay) / np.maximum(bax * bax + bay * bay, 1e-6), 0, 1)
    ex, ey = pax - bax * h, pay - bay * h
    return np.sqrt(ex * ex + ey * ey)


def _affine(rng: np.random.Generator, points: np.ndarray, *, scale: tuple[float, float], aspect: float,
            turn: float, shear: float, shift: float, jitter: float, centre: float) -> np.ndarray:
    """Random per-image affine maps (scale, aspect, rotation, shear, shift) and per-point jitter of
    ``points`` (m, p, 2) given in a unit box; returns pixel coordinates whose mean is ``centre`` (as MNIST
    centres digits by their centre of mass) plus the random shift."""
    m, p, f = points.shape[0], points.shape[1], np.float32

    def u(lo: float, hi: float, *shape: int) -> np.ndarray:
        return f(lo) + f(hi - lo) * rng.random((m, *shape), dtype=f)

    q = points + u(-jitter, jitter, p, 2) - f(0.5)
    size = u(*scale, 1)
    sx, sy = size * u(1 - aspect, 1 + aspect, 1), size
    c, sn = _rotation(u(-turn, turn, 1))
    k = u(-shear, shear, 1)
    x, y = q[..., 0] * sx, q[..., 1] * sy
    x = x + k * y
    out = np.stack([c * x - sn * y, sn * x + c * y], axis=-1)
    mean = out[:, 0].copy()
    for j in range(1, p):  # in a fixed order: the same rounding everywhere
        mean += out[:, j]
    return out - (mean / f(p))[:, None, :] + f(centre) + u(-shift, shift, 1, 2)


def _mnist_images(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28): a digit-like pen stroke per class, randomly scaled, slanted, rotated, shifted,
    wobbled (each control point moves) and of random thickness and ink, on a black background."""
    n, s, f = labels.shape[0], 28, np.float32
    out = np.zeros((n, s * s), dtype=f)
    grid = np.arange(s, dtype=f)
    px, py = np.tile(grid, s)[None, :], np.repeat(grid, s)[None, :]
    for k, stroke in enumerate(_DIGIT_STROKES):
        idx = np.flatnonzero(labels == k)
        m = idx.size
        base = np.broadcast_to(np.array(stroke, dtype=f), (m, len(stroke), 2))
        pts = _affine(rng, base, scale=(14.0, 21.0), aspect=0.2, turn=0.2, shear=0.4, shift=1.5,
                      jitter=0.09, centre=13.5)
        width = f(0.8) + f(1.4) * rng.random((m, 1), dtype=f)
        ink = f(0.75) + f(0.25) * rng.random((m, 1), dtype=f)
        dist = np.full((m, s * s), np.inf, dtype=f)
        for j in range(len(stroke) - 1):
            np.minimum(dist, _segment_distance(px, py, pts[:, j], pts[:, j + 1]), out=dist)
        # a stray pen mark in some images
        a = f(2) + f(24) * rng.random((m, 2), dtype=f)
        b = a + f(10) * (rng.random((m, 2), dtype=f) - f(0.5))
        stray = np.where(rng.random((m, 1), dtype=f) < f(0.4), _segment_distance(px, py, a, b), np.inf)
        np.minimum(dist, stray, out=dist)
        out[idx] = np.clip(width + f(0.5) - dist, 0, 1) * ink
    return np.floor(out.reshape(n, s, s) * f(255) + f(0.5)).astype(np.uint8)


# Fashion-MNIST's tops: ranges of half width, hem height and sleeve length, in pixels
_TOPS = {0: ((3.5, 5.5), (20.0, 24.0), (3.0, 9.0)),  # T-shirt/top
         2: ((3.5, 5.5), (20.0, 24.0), (11.0, 18.0)),  # pullover
         4: ((4.0, 6.0), (22.0, 26.0), (12.0, 18.0)),  # coat
         6: ((3.5, 5.5), (20.5, 24.5), (5.0, 18.0))}  # shirt


def _fashion_parts(k: int, u: Callable[[float, float], np.ndarray]) -> list[list[tuple[Any, Any]]]:
    """Convex quads (4 corners, pixel coordinates in a 28 x 28 frame) that make up one garment of class
    ``k``; ``u(lo, hi)`` draws one random number per image. The tops (T-shirt, pullover, coat, shirt)
    share a body and differ in sleeves, length and details, as in Fashion-MNIST."""
    if k in (0, 2, 4, 6):  # tops
        half_width, bottom, sleeve = _TOPS[k]  # ranges; a shirt's sleeves may have any length
        half, top, bottom, sleeve, spread = u(*half_width), u(4.0, 5.5), u(*bottom), u(*sleeve), u(3.0, 4.5)
        lx, rx = 14.0 - half, 14.0 + half
        body = [(lx, top), (rx, top), (rx, bottom), (lx, bottom)]
        left = [(lx + 1.0, top), (lx, top + 4.0), (lx - spread, top + sleeve), (lx - spread - 3.0, top + sleeve - 1.5)]
        right = [(rx - 1.0, top), (rx + spread + 3.0, top + sleeve - 1.5), (rx + spread, top + sleeve), (rx, top + 4.0)]
        return [body, left, right]
    if k == 1:  # trouser: two legs
        waist, hem, gap = u(3.0, 5.0), u(23.5, 25.5), u(0.4, 1.4)
        w = u(4.0, 5.0)
        return [[(14.0 - w, waist), (14.0, waist), (14.0 - gap, hem), (13.0 - w - gap, hem)],
                [(14.0, waist), (14.0 + w, waist), (15.0 + w + gap, hem), (14.0 + gap, hem)],
                [(14.0 - w, waist), (14.0 + w, waist), (14.0 + w, waist + 3.0), (14.0 - w, waist + 3.0)]]
    if k == 3:  # dress: narrow top, flared skirt
        top, waist, hem = u(3.0, 5.0), u(10.0, 13.0), u(23.5, 25.5)
        w, flare = u(2.5, 3.5), u(6.0, 9.0)
        return [[(14.0 - w, top), (14.0 + w, top), (14.0 + w, waist), (14.0 - w, waist)],
                [(14.0 - w, waist), (14.0 + w, waist), (14.0 + flare, hem), (14.0 - flare, hem)]]
    if k == 5:  # sandal: a sole and three thin straps
        sole, h = u(20.0, 22.0), u(5.0, 8.0)
        parts = [[(2.0, sole), (26.0, sole), (26.0, sole + 2.0), (2.0, sole + 2.0)]]
        for x0 in (5.0, 12.0, 19.0):
            parts.append([(x0, sole - h), (x0 + 2.0, sole - h), (x0 + 4.0, sole), (x0 + 2.0, sole)])
        return parts
    if k == 7:  # sneaker: low, sole plus a sloping upper
        sole, h = u(19.0, 21.0), u(5.0, 8.0)
        return [[(2.0, sole), (26.0, sole), (26.0, sole + 3.0), (3.0, sole + 3.0)],
                [(2.0, sole), (15.0, sole - h), (23.0, sole - 2.5), (26.0, sole)]]
    if k == 8:  # bag: a box and a handle
        top, w, handle = u(10.0, 13.0), u(8.0, 11.0), u(4.0, 7.0)
        return [[(14.0 - w, top), (14.0 + w, top), (14.0 + w, 24.0), (14.0 - w, 24.0)],
                [(9.0, top), (10.5, top), (12.0, top - handle), (10.5, top - handle)],
                [(17.5, top), (19.0, top), (17.5, top - handle), (16.0, top - handle)],
                [(10.5, top - handle), (17.5, top - handle), (17.5, top - handle + 1.2), (10.5, top - handle + 1.2)]]
    # ankle boot: a shaft and a foot
    shaft, toe = u(3.0, 7.0), u(2.0, 5.0)
    return [[(13.0, shaft), (22.0, shaft), (23.0, 20.0), (13.0, 20.0)],
            [(toe, 16.0), (23.0, 16.0), (24.0, 23.5), (toe, 23.5)]]


def _convex_coverage(px: np.ndarray, py: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of convex quads ``quad`` (m, 4, 2) at pixels (1, s*s): (m, s*s)."""
    x, y = quad[..., 0], quad[..., 1]
    xn, yn = np.roll(x, -1, axis=1), np.roll(y, -1, axis=1)
    area = (x * yn - xn * y).sum(axis=1, keepdims=True)  # only its sign is used: the quads' orientation
    orient = np.where(area >= 0, np.float32(1), np.float32(-1))
    inside = None
    for i in range(4):
        ex, ey = (xn[:, i] - x[:, i])[:, None], (yn[:, i] - y[:, i])[:, None]
        length = np.maximum(np.sqrt(ex * ex + ey * ey), 1e-6)
        sd = -orient * (ex * (py - y[:, i:i + 1]) - ey * (px - x[:, i:i + 1])) / length
        inside = sd if inside is None else np.maximum(inside, sd)
    return np.clip(np.float32(0.5) - inside, 0, 1)


def _fashion_images(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28): a garment silhouette per class (Fashion-MNIST's classes), randomly proportioned,
    scaled, shifted and wobbled, filled with a random grey, shading and stripes, plus class details
    (a coat's opening, a shirt's placket and collar)."""
    n, s, f = labels.shape[0], 28, np.float32
    out = np.zeros((n, s * s), dtype=f)
    grid = np.arange(s, dtype=f)
    px, py = np.tile(grid, s)[None, :], np.repeat(grid, s)[None, :]
    for k in range(10):
        idx = np.flatnonzero(labels == k)
        m = idx.size

        def u(lo: float, hi: float, m: int = m) -> np.ndarray:
            return f(lo) + f(hi - lo) * rng.random(m, dtype=f)

        parts = _fashion_parts(k, u)
        quads = np.stack([np.stack([np.stack(np.broadcast_arrays(np.asarray(x, dtype=f), np.asarray(y, dtype=f),
                                                                 np.zeros(m, dtype=f))[:2], axis=-1)
                                    for x, y in part], axis=1) for part in parts], axis=1)  # (m, q, 4, 2)
        q = quads.shape[1]
        pts = _affine(rng, quads.reshape(m, q * 4, 2) / f(s), scale=(22.0, 30.0), aspect=0.12, turn=0.06,
                      shear=0.12, shift=1.5, jitter=0.03, centre=13.5).reshape(m, q, 4, 2)
        cover = np.zeros((m, s * s), dtype=f)
        for j in range(q):
            np.maximum(cover, _convex_coverage(px, py, pts[:, j]), out=cover)
        grey = f(0.3) + f(0.7) * rng.random((m, 1), dtype=f)
        shade = f(1) - f(0.35) * rng.random((m, 1), dtype=f) * (py - f(4)) / f(24)  # darker towards the bottom
        stripes = f(1) - f(0.5) * (rng.random((m, 1), dtype=f) < f(0.3)) * _wave(py / (f(2.5) + f(3) * rng.random(
            (m, 1), dtype=f)))
        fill = grey * shade * stripes
        centre_x = (pts[:, 0, 0, 0] + pts[:, 0, 1, 0])[:, None] * f(0.5)
        if k in (4, 6):  # coat: often a dark opening down the middle; shirt: often a placket and a collar
            shown = rng.random((m, 1), dtype=f) < f(0.6)
            dark = f(0.3) + f(0.5) * rng.random((m, 1), dtype=f)
            if k == 4:
                detail = np.abs(px - centre_x) < f(0.6)
            else:
                detail = ((np.abs(px - centre_x) < f(0.8)) & (_wave(py / f(3.0)) > f(0.7))) | (
                    (np.abs(px - centre_x) < f(2.5)) & (py < pts[:, 0, 0, 1:2] + f(2.5)))
            fill = fill * np.where(detail & shown, dark, f(1))
        noise = f(0.06) * (rng.random((m, s * s), dtype=f) - f(0.5))
        out[idx] = np.clip(cover * (fill + noise), 0, 1)
    return np.floor(out.reshape(n, s, s) * f(255) + f(0.5)).astype(np.uint8)
