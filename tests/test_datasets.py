"""The dataset layer: synthetic stand-ins in the real on-disk formats, read by torchvision's own classes."""

from __future__ import annotations

import dataclasses
import json
import pickle
import pickletools
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from autograder import datasets as D
from autograder.fixtures import fingerprint

tv = pytest.importorskip("torchvision")

# Fingerprints of the full synthetic data of generator version 1. If these change, every threshold
# calibrated on the stand-ins is void: bump GENERATOR_VERSION and recalibrate, never just edit these.
GOLDEN = {
    ("cifar10", "train"): "f5ca1bd671fc318a", ("cifar10", "test"): "2e2564d7889e3021",
    ("mnist", "train"): "866a224b4779ba44", ("mnist", "test"): "79db7f05fd40452d",
    ("fashion_mnist", "train"): "de8cabb9d3170568", ("fashion_mnist", "test"): "aba0cf99afeaf34c",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All three stand-ins, generated once for this module."""
    path = tmp_path_factory.mktemp("data")
    for name in D.DATASETS:
        D.prepare(name, path)
    return path


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny stand-ins, for tests about the plumbing rather than the data."""
    for name, spec in D._SPECS.items():
        monkeypatch.setitem(D._SPECS, name, dataclasses.replace(spec, sizes={"train": 50, "test": 20}))


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------------
# The files are in the real formats


def test_cifar_files_are_python2_pickles_like_the_real_ones(root: Path) -> None:
    folder = root / "cifar-10-batches-py"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["SYNTHETIC", "batches.meta", "test_batch", *(f"data_batch_{i}" for i in range(1, 6))])
    marker = json.loads((folder / "SYNTHETIC").read_text())
    assert marker["version"] == D.GENERATOR_VERSION and marker["seed"] == D.SEED

    raw = (folder / "data_batch_1").read_bytes()
    assert raw[:2] == b"\x80\x02"  # protocol 2, as cPickle wrote them
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(raw)]
    strings = [arg for name, arg in ops if name in ("SHORT_BINSTRING", "BINSTRING")]
    assert {"batch_label", "labels", "data", "filenames"} <= set(strings)  # py2 byte strings, not unicode
    assert not any(name in ("BINUNICODE", "SHORT_BINUNICODE") for name, _ in ops)
    assert ("GLOBAL", "numpy.core.multiarray _reconstruct") in ops

    as_bytes = pickle.loads(raw, encoding="bytes")  # the CIFAR-10 web page's recipe
    assert set(as_bytes) == {b"batch_label", b"labels", b"data", b"filenames"}
    data = as_bytes[b"data"]
    assert data.dtype == np.uint8 and data.shape == (2000, 3072) and data.flags.c_contiguous
    assert as_bytes[b"batch_label"] == b"training batch 1 of 5"
    labels = as_bytes[b"labels"]
    assert isinstance(labels, list) and len(labels) == 2000 and all(type(y) is int and 0 <= y < 10 for y in labels)
    assert all(isinstance(f, bytes) and f.endswith(b".png") for f in as_bytes[b"filenames"])

    as_str = pickle.loads(raw, encoding="latin1")  # torchvision's and CS231n's way
    assert set(as_str) == {"batch_label", "labels", "data", "filenames"}
    assert np.array_equal(as_str["data"], data) and as_str["labels"] == labels

    test = pickle.loads((folder / "test_batch").read_bytes(), encoding="bytes")
    assert test[b"batch_label"] == b"testing batch 1 of 1" and test[b"data"].shape == (2000, 3072)
    meta = pickle.loads((folder / "batches.meta").read_bytes(), encoding="bytes")
    assert meta[b"label_names"] == [c.encode() for c in D.CIFAR10_CLASSES]
    assert meta[b"num_vis"] == 3072 and meta[b"num_cases_per_batch"] == 2000


def test_cifar_rows_are_channel_major_planes(root: Path) -> None:
    entry = pickle.loads((root / "cifar-10-batches-py" / "data_batch_1").read_bytes(), encoding="bytes")
    ds = D.load("cifar10", "train", root)
    first = entry[b"data"][:5].reshape(5, 3, 32, 32).transpose(0, 2, 3, 1)  # R plane, G plane, B plane
    assert np.array_equal(ds.images[:5], first)
    assert ds.labels[:5].tolist() == entry[b"labels"][:5]


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_idx_files_have_the_real_headers(root: Path, name: str, folder: str) -> None:
    raw = root / folder / "raw"
    assert json.loads((raw / "SYNTHETIC").read_text())["dataset"] == name
    for prefix, n in (("train", 12000), ("t10k", 2000)):
        images = (raw / f"{prefix}-images-idx3-ubyte").read_bytes()
        labels = (raw / f"{prefix}-labels-idx1-ubyte").read_bytes()
        assert images[:16] == bytes.fromhex("00000803") + struct.pack(">III", n, 28, 28)
        assert labels[:8] == bytes.fromhex("00000801") + struct.pack(">I", n)
        assert len(images) == 16 + n * 784 and len(labels) == 8 + n
        assert max(labels[8:]) == 9 and min(labels[8:]) == 0
        pixels = np.frombuffer(images, np.uint8, offset=16)
        assert pixels.max() > 200 and np.mean(pixels == 0) > 0.3  # ink on a mostly black background


# --------------------------------------------------------------------------------------------------
# torchvision's own classes read them


def test_torchvision_classes_read_the_stand_ins(root: Path) -> None:
    cifar = D.torchvision_dataset("cifar10", "test", root)
    assert tv.datasets.CIFAR10 in type(cifar).__mro__
    assert cifar.classes == D.CIFAR10_CLASSES and len(cifar) == 2000
    image, label = cifar[0]  # torchvision's __getitem__: a PIL image
    assert image.size == (32, 32) and image.mode == "RGB" and 0 <= label < 10
    mnist = D.torchvision_dataset("mnist", "train", root)
    assert type(mnist) is tv.datasets.MNIST and mnist._check_exists() and len(mnist) == 12000
    fashion = D.torchvision_dataset("fashion_mnist", "test", root)
    assert type(fashion) is tv.datasets.FashionMNIST and fashion.classes[0] == "T-shirt/top"
    image, label = fashion[3]
    assert image.size == (28, 28) and image.mode == "L"


def test_the_md5_checking_cifar10_class_refuses_the_stand_in(root: Path) -> None:
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        tv.datasets.CIFAR10(str(root), train=False, download=False)
    synthetic_class = D._synthetic_cifar10()
    assert synthetic_class.__mro__[1] is tv.datasets.CIFAR10
    assert all(md5 is None for _, md5 in synthetic_class.train_list + synthetic_class.test_list)


def test_files_without_a_marker_are_taken_as_real_and_md5_checked(tmp_path: Path, small: None) -> None:
    D.prepare("cifar10", tmp_path)
    (tmp_path / "cifar-10-batches-py" / "SYNTHETIC").unlink()  # now they claim to be the real files
    before = _tree(tmp_path)
    assert D.prepare("cifar10", tmp_path) == tmp_path and _tree(tmp_path) == before  # real data is never touched
    assert not D.is_synthetic("cifar10", tmp_path)
    with pytest.raises(D.DatasetError, match="corrupted"):
        D.load("cifar10", "test", tmp_path)


# --------------------------------------------------------------------------------------------------
# Determinism


def test_generation_is_deterministic(tmp_path: Path, small: None) -> None:
    for root in (tmp_path / "a", tmp_path / "b"):
        for name in D.DATASETS:
            D.prepare(name, root)
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert len(first) == 8 + 5 + 5 and first == second
    for name in D.DATASETS:
        assert D.load(name, "test", tmp_path / "a").fingerprint == D.load(name, "test", tmp_path / "b").fingerprint


def test_full_stand_ins_match_their_recorded_fingerprints(root: Path) -> None:
    for (name, split), expected in GOLDEN.items():
        assert D.load(name, split, root).fingerprint == expected, (name, split)


def test_train_and_test_are_different_draws(root: Path) -> None:
    train, test = D.load("mnist", "train", root), D.load("mnist", "test", root)
    assert not np.array_equal(train.images[:2000], test.images)
    assert D.load("mnist", "test", root).fingerprint != D.load("fashion_mnist", "test", root).fingerprint


# --------------------------------------------------------------------------------------------------
# load


@pytest.mark.parametrize("name, shape, n_train", [
    ("cifar10", (32, 32, 3), 10000), ("mnist", (28, 28), 12000), ("fashion_mnist", (28, 28), 12000)])
def test_load_shapes_dtypes_and_balance(root: Path, name: str, shape: tuple[int, ...], n_train: int) -> None:
    for split, n in (("train", n_train), ("test", 2000)):
        ds = D.load(name, split, root)
        assert (ds.name, ds.split, ds.synthetic) == (name, split, True)
        assert ds.images.dtype == np.uint8 and ds.images.shape == (n, *shape) and ds.images.flags.c_contiguous
        assert ds.labels.dtype == np.int64 and ds.labels.shape == (n,) and len(ds) == n
        assert np.bincount(ds.labels, minlength=10).tolist() == [n // 10] * 10
        assert len(ds.classes) == ds.num_classes == 10 and all(isinstance(c, str) for c in ds.classes)
        assert ds.fingerprint == fingerprint([ds.images, ds.labels])
        assert 40 < ds.images.mean() < 200 if name == "cifar10" else 10 < ds.images.mean() < 120
        assert "synthetic" in repr(ds) and str(n) in repr(ds)


def test_load_refuses_a_stand_in_when_real_data_is_asked_for(tmp_path: Path, small: None) -> None:
    with pytest.raises(D.DatasetError, match="--download"):
        D.prepare("mnist", tmp_path, synthetic=False)
    assert not (tmp_path / "MNIST").exists()
    D.prepare("mnist", tmp_path)
    with pytest.raises(D.DatasetError, match="synthetic"):
        D.load("mnist", "test", tmp_path, synthetic=False)
    with pytest.raises(D.DatasetError, match="split"):
        D.load("mnist", "validation", tmp_path)
    with pytest.raises(D.DatasetError, match="unknown dataset"):
        D.prepare("imagenet", tmp_path)


def test_outdated_or_incomplete_stand_ins_are_rewritten(tmp_path: Path, small: None,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    D.prepare("fashion_mnist", tmp_path)
    good = _tree(tmp_path)
    marker = tmp_path / "FashionMNIST" / "raw" / "SYNTHETIC"
    marker.write_text(json.dumps({"version": D.GENERATOR_VERSION - 1, "seed": D.SEED}))
    (tmp_path / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte").write_bytes(b"old")
    assert "outdated" in D.describe("fashion_mnist", tmp_path)
    capsys.readouterr()
    D.prepare("fashion_mnist", tmp_path)
    assert "Replacing" in capsys.readouterr().err and _tree(tmp_path) == good
    (tmp_path / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte").unlink()  # interrupted
    D.prepare("fashion_mnist", tmp_path)
    assert _tree(tmp_path) == good


def test_prepare_keeps_what_is_there_and_logs_generation(tmp_path: Path, small: None,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert D.prepare("cifar10", tmp_path) == tmp_path
    err = capsys.readouterr().err
    assert "Writing a synthetic CIFAR-10 stand-in to" in err and err.count("\n") == 1
    stamp = (tmp_path / "cifar-10-batches-py" / "data_batch_1").stat().st_mtime_ns
    D.prepare("cifar10", tmp_path)
    assert capsys.readouterr().err == ""
    assert (tmp_path / "cifar-10-batches-py" / "data_batch_1").stat().st_mtime_ns == stamp


# --------------------------------------------------------------------------------------------------
# Downloads fall back to the stand-in without a network


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def urlopen(request: object, *args: object, **kwargs: object) -> None:
        calls.append(getattr(request, "full_url", str(request)))
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


@pytest.mark.parametrize("name, folder", [("cifar10", "cifar-10-batches-py"), ("mnist", "MNIST/raw")])
def test_download_falls_back_to_the_stand_in(tmp_path: Path, small: None, no_network: list[str],
                                             capsys: pytest.CaptureFixture[str], name: str, folder: str) -> None:
    assert D.prepare(name, tmp_path, download=True) == tmp_path
    assert no_network, "torchvision's download was never tried"
    err = capsys.readouterr().err
    assert "download failed" in err and "Writing a synthetic" in err
    assert D.is_synthetic(name, tmp_path) and (tmp_path / folder / "SYNTHETIC").is_file()
    assert len(D.load(name, "test", tmp_path)) == 20


def test_download_without_fallback_raises(tmp_path: Path, small: None, no_network: list[str]) -> None:
    with pytest.raises(D.DatasetError, match="could not download Fashion-MNIST"):
        D.prepare("fashion_mnist", tmp_path, download=True, synthetic=False)
    assert no_network and not D.is_synthetic("fashion_mnist", tmp_path)


# --------------------------------------------------------------------------------------------------
# subset


def _toy(counts: list[int]) -> D.Dataset:
    labels = np.repeat(np.arange(len(counts)), counts)[np.random.default_rng(1).permutation(sum(counts))]
    images = np.arange(labels.size, dtype=np.int32)[:, None].repeat(4, axis=1)  # row i holds i
    return D.Dataset("toy", "train", images, labels.astype(np.int64), [str(c) for c in range(len(counts))], True)


def test_subset_is_deterministic_balanced_and_in_order() -> None:
    ds = _toy([30] * 10)
    a, b, c = D.subset(ds, 105, seed=7), D.subset(ds, 105, seed=7), D.subset(ds, 105, seed=8)
    assert a.fingerprint == b.fingerprint != c.fingerprint
    counts = np.bincount(a.labels, minlength=10)
    assert counts.sum() == 105 and set(counts.tolist()) == {10, 11}
    rows = a.images[:, 0].astype(int)
    assert np.all(np.diff(rows) > 0)  # original order, no repeats
    assert np.array_equal(ds.labels[rows], a.labels)
    assert (a.name, a.split, a.classes, a.synthetic) == (ds.name, ds.split, ds.classes, ds.synthetic)
    assert np.bincount(D.subset(ds, 100, seed=0).labels).tolist() == [10] * 10


def test_subset_with_small_classes_and_unstratified() -> None:
    ds = _toy([3, 50, 50])
    counts = np.bincount(D.subset(ds, 60, seed=0).labels)
    assert counts.tolist() == [3, 28, 29] or counts.tolist() == [3, 29, 28]
    assert len(D.subset(ds, 103, seed=0)) == 103 and len(D.subset(ds, 0, seed=0)) == 0
    plain = D.subset(ds, 40, seed=3, stratified=False)
    assert len(plain) == 40 and plain.fingerprint == D.subset(ds, 40, seed=3, stratified=False).fingerprint
    with pytest.raises(ValueError):
        D.subset(ds, 104, seed=0)


# --------------------------------------------------------------------------------------------------
# scikit-learn datasets, roots, describe, imports


def test_iris_and_digits() -> None:
    from sklearn.datasets import load_digits, load_iris

    iris_train, iris_test = D.load("iris", "train"), D.load("iris", "test")
    assert iris_train.images.shape == (120, 4) and iris_test.images.shape == (30, 4)
    assert iris_train.images.dtype == np.float64 and iris_train.labels.dtype == np.int64
    assert np.bincount(iris_test.labels).tolist() == [10, 10, 10] and iris_train.classes[0] == "setosa"
    both = np.concatenate([iris_train.images, iris_test.images])
    assert sorted(map(tuple, both)) == sorted(map(tuple, load_iris().data))  # a partition of the data set
    digits_train, digits_test = D.load("digits", "train"), D.load("digits", "test")
    assert digits_train.images.shape[1:] == (8, 8) and digits_train.images.dtype == np.uint8
    assert len(digits_train) + len(digits_test) == len(load_digits().target)
    assert 0.18 < len(digits_test) / 1797 < 0.22 and digits_train.images.max() == 16
    assert D.load("digits", "test").fingerprint == digits_test.fingerprint
    assert not digits_test.synthetic and not D.is_synthetic("iris")
    assert "iris: real" in D.describe("iris")


def test_data_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from autograder.assignment import project_root

    monkeypatch.delenv("AUTOGRADER_DATA", raising=False)
    assert D.data_root() == project_root() / "data"
    monkeypatch.setenv("AUTOGRADER_DATA", str(tmp_path))
    assert D.data_root() == tmp_path.resolve()


def test_describe(root: Path, tmp_path: Path) -> None:
    line = D.describe("cifar10", root)
    assert "synthetic" in line and "train 10000, test 2000" in line and str(root) in line and "\n" not in line
    assert "train 12000, test 2000, 28x28" in D.describe("fashion_mnist", root)
    assert "missing" in D.describe("mnist", tmp_path) and not D.is_synthetic("mnist", tmp_path)


def test_importing_the_module_stays_light() -> None:
    code = ("import sys, autograder.datasets; "
            "print(sorted(m for m in ('torch', 'torchvision', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------------
# Difficulty: room between methods (the slow CNN measurement is in the report, not here)


def test_cifar_stand_in_leaves_room_between_methods(root: Path) -> None:
    train = D.subset(D.load("cifar10", "train", root), 2000, seed=0)
    test = D.subset(D.load("cifar10", "test", root), 500, seed=0)

    def nearest(a: np.ndarray, b: np.ndarray, ya: np.ndarray) -> np.ndarray:
        d = (b * b).sum(1)[:, None] - 2 * b @ a.T + (a * a).sum(1)[None]
        return ya[d.argmin(1)]

    a = train.images.reshape(len(train), -1).astype(np.float64)
    b = test.images.reshape(len(test), -1).astype(np.float64)
    knn = np.mean(nearest(a, b, train.labels) == test.labels)
    means = np.stack([a[train.labels == c].mean(0) for c in range(10)])
    ncm = np.mean(nearest(means, b, np.arange(10)) == test.labels)
    assert 0.15 < knn < 0.45 and 0.15 < ncm < 0.45, (knn, ncm)

    def spectrum(x: np.ndarray) -> np.ndarray:  # translation-invariant: what convolutions + pooling can use
        grey = x.astype(np.float64).mean(-1)
        grey -= grey.mean((1, 2), keepdims=True)
        return np.log1p(np.abs(np.fft.fft2(grey))).reshape(len(x), -1)

    fa, fb = spectrum(train.images), spectrum(test.images)
    mu, sd = fa.mean(0), fa.std(0) + 1e-9
    fa, fb = (fa - mu) / sd, (fb - mu) / sd
    centres = np.stack([fa[train.labels == c].mean(0) for c in range(10)])
    invariant = np.mean(nearest(centres, fb, np.arange(10)) == test.labels)
    assert invariant > knn + 0.1, (invariant, knn)


def test_later_loads_read_the_cache_without_torch(tmp_path) -> None:
    import subprocess
    import sys

    first = D.load("mnist", "test", tmp_path)
    (cached,) = (tmp_path / "MNIST" / "raw" / D.CACHE).glob("mnist-test-*")
    assert sorted(p.name for p in cached.iterdir()) == sorted(D._CACHE_FILES)
    code = ("import sys; from autograder import datasets as D; d = D.load('mnist', 'test', sys.argv[1]); "
            "print(d.fingerprint, d.synthetic, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [first.fingerprint, "True", "False"]
    # new files (a re-download, say) mean a new cache, never the old arrays
    raw = tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    data = bytearray(raw.read_bytes())
    data[-1] = (data[-1] + 1) % 10
    raw.write_bytes(bytes(data))
    assert D.load("mnist", "test", tmp_path).labels[-1] == data[-1]


def test_later_loads_map_the_images_and_subsets_copy_only_their_rows(root: Path) -> None:
    D.load("cifar10", "train", root)  # (fills the cache where no earlier test has)
    ds = D.load("cifar10", "train", root)
    assert isinstance(ds.images, np.memmap) and not ds.images.flags.writeable
    assert Path(ds.images.filename).parent.parent.name == D.CACHE
    with pytest.raises(ValueError, match="read-only"):
        ds.images[0, 0, 0, 0] = 1
    part = D.subset(ds, 300, seed=7)
    assert type(part.images) is np.ndarray and part.images.flags.writeable and part.images.flags.c_contiguous
    assert part.fingerprint == D.subset(dataclasses.replace(ds, images=np.array(ds.images)), 300, seed=7).fingerprint
    # in a fresh process, its own (anonymous) memory grows by the subset, not by the 30 MB split it holds
    code = ("import sys; from autograder import datasets as D\n"
            "def anon(): return int(next(l for l in open('/proc/self/status') if l.startswith('RssAnon')).split()[1])\n"
            "before = anon(); ds = D.load('cifar10', 'train', sys.argv[1]); part = D.subset(ds, 300, seed=7)\n"
            "print((anon() - before) // 1024, part.images.nbytes // 2**20)")
    if not Path("/proc/self/status").is_file() or "RssAnon" not in Path("/proc/self/status").read_text():
        pytest.skip("needs Linux's /proc/self/status")
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    grown_mb, subset_mb = map(int, out.stdout.split())
    assert ds.images.nbytes // 2**20 == 29 and subset_mb == 0 and grown_mb < 10, out.stdout


def test_first_loads_images_are_read_only_too(tmp_path: Path, small: None) -> None:
    ds = D.load("fashion_mnist", "test", tmp_path)  # read by torchvision: no cache yet
    assert not isinstance(ds.images, np.memmap) and not ds.images.flags.writeable
