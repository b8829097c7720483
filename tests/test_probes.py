"""worker/_autograder_probes.py: the generic torch helpers grading tests call inside the worker.

The module is loaded by path, as the worker loads it, and exercised in this process with torch
(skipped where torch is not installed).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

PATH = Path(__file__).resolve().parent.parent / "autograder" / "worker" / "_autograder_probes.py"


@pytest.fixture(scope="module")
def probes():
    spec = importlib.util.spec_from_file_location("_autograder_probes_under_test", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.set_num_threads(1)
    return module


def small_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 5))


class Named(nn.Module):
    """The same layers as ``small_model`` as attributes, with a functional ReLU and pooling."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 5)
        self.unused = nn.Identity()

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(x.mean(dim=(2, 3)))


def images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 8, 8, 3), dtype=np.uint8)


# -- values ------------------------------------------------------------------------------------------
def test_tensor_makes_float64_float32_and_keeps_other_dtypes(probes):
    assert probes.tensor(np.zeros((2, 3))).dtype == torch.float32
    assert probes.tensor(np.arange(3)).dtype == torch.int64
    assert probes.tensor([1.0, 2.0], dtype="float64").dtype == torch.float64
    assert probes.tensor(np.ones(2)).tolist() == [1.0, 1.0]


def test_numpy_converts_tensors_inside_containers(probes):
    value = probes.numpy({"a": torch.ones(2), "b": [torch.zeros(1, requires_grad=True), 3], "c": (torch.ones(1),)})
    assert isinstance(value["a"], np.ndarray) and value["a"].tolist() == [1.0, 1.0]
    assert isinstance(value["b"][0], np.ndarray) and value["b"][1] == 3
    assert isinstance(value["c"], tuple) and isinstance(value["c"][0], np.ndarray)


def test_seed_makes_torch_and_numpy_repeatable(probes):
    probes.seed(3)
    first = (torch.randn(3), np.random.rand(2))
    probes.seed(3)
    assert torch.equal(first[0], torch.randn(3)) and np.array_equal(first[1], np.random.rand(2))


# -- models ------------------------------------------------------------------------------------------
def test_summary_counts_parameters_and_lists_leaves_and_state(probes):
    info = probes.summary(small_model())
    assert info["parameters"] == 3 * 4 * 9 + 4 + 4 + 4 + 4 * 5 + 5
    assert info["modules"] == [["0", "Conv2d"], ["1", "BatchNorm2d"], ["2", "ReLU"], ["3", "AdaptiveAvgPool2d"],
                               ["4", "Flatten"], ["5", "Linear"]]
    assert ["1.running_var", [4]] in info["state"] and ["1.num_batches_tracked", []] in info["state"]


def test_summary_leaves_out_frozen_parameters(probes):
    model = small_model()
    model[5].weight.requires_grad_(False)
    assert probes.summary(model)["parameters"] == probes.summary(small_model())["parameters"] - 20


def test_state_arrays_load_by_shape_into_differently_written_model(probes):
    source, target = small_model(0), Named()
    source.eval()
    source[1].running_mean.normal_()
    arrays = probes.state_arrays(source)
    assert all(isinstance(a, np.ndarray) for a in arrays) and len(arrays) == len(source.state_dict())
    probes.load_state_by_shape(target, arrays)
    target.eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        assert torch.allclose(source(x), target(x), atol=1e-6)


def test_state_arrays_are_copies(probes):
    model = small_model()
    arrays = probes.state_arrays(model)
    arrays[0][...] = 0
    assert not torch.all(model[0].weight == 0)


def test_load_state_by_shape_names_the_entry_that_does_not_fit(probes):
    wide = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(8, 5))
    with pytest.raises(ValueError, match=r"'0.weight' has shape \(8, 3, 3, 3\)"):
        probes.load_state_by_shape(wide, probes.state_arrays(small_model()))


def test_load_state_by_shape_refuses_left_over_arrays(probes):
    smaller = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(4, 5))
    with pytest.raises(ValueError, match="is a layer missing"):
        probes.load_state_by_shape(smaller, probes.state_arrays(small_model()))


def test_sequential_builds_layers_from_names(probes):
    model = probes.sequential([["Conv2d", [3, 4, 3], {"padding": 1}], ["ReLU"], ["Flatten"]])
    assert [type(m).__name__ for m in model] == ["Conv2d", "ReLU", "Flatten"]
    assert model[0].padding == (1, 1)


def test_optimizer_and_loss_by_name(probes):
    model = small_model()
    optimizer = probes.optimizer(model, "SGD", lr=0.1, momentum=0.9)
    assert isinstance(optimizer, torch.optim.SGD) and optimizer.defaults["momentum"] == 0.9
    assert isinstance(probes.loss("CrossEntropyLoss"), nn.CrossEntropyLoss)


def test_forward_returns_an_array_without_gradients(probes):
    out = probes.forward(small_model(), np.zeros((2, 3, 8, 8)))
    assert isinstance(out, np.ndarray) and out.shape == (2, 5) and out.dtype == np.float32


def test_predict_logits_runs_in_eval_mode_in_batches_and_restores_the_mode(probes):
    model = small_model()
    x = np.random.default_rng(0).normal(size=(7, 3, 8, 8)).astype(np.float32)
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    model.train()
    got = probes.predict_logits(model, x, batch_size=3)
    assert model.training
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_predict_logits_reads_a_dataset(probes):
    model = small_model()
    data = probes.array_dataset(images(5), np.zeros(5))
    got = probes.predict_logits(model, data, batch_size=2)
    x = probes.apply_transform(lambda img: torch.from_numpy(np.asarray(img).transpose(2, 0, 1) / 255.0).float(),
                               images(5))
    np.testing.assert_allclose(got, probes.predict_logits(model, x), rtol=1e-5, atol=1e-6)


def test_modules_called_lists_the_leaves_a_forward_pass_runs(probes):
    assert probes.modules_called(Named(), np.zeros((1, 3, 8, 8), dtype=np.float32)) == ["conv", "bn", "fc"]
    assert probes.modules_called(small_model(), np.zeros((1, 3, 8, 8))) == ["0", "1", "2", "3", "4", "5"]


def test_watch_forward_records_mode_and_autograd(probes):
    model = small_model()
    watch = probes.watch_forward(model)
    model(torch.zeros(2, 3, 8, 8))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, 8, 8))
    assert watch.calls == [{"training": True, "grad_enabled": True, "shapes": [[2, 3, 8, 8]], "devices": ["cpu"]},
                           {"training": False, "grad_enabled": False, "shapes": [[1, 3, 8, 8]], "devices": ["cpu"]}]
    watch.remove()
    model(torch.zeros(1, 3, 8, 8))
    assert len(watch.calls) == 2


# -- data ----------------------------------------------------------------------------------------------
def test_array_dataset_without_transform_is_like_to_tensor_and_normalize(probes):
    data = probes.array_dataset(images(3), np.array([4, 5, 6]), mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])
    x, y = data[1]
    assert len(data) == 3 and y == 5 and type(y) is int
    assert x.shape == (3, 8, 8) and x.dtype == torch.float32
    expected = (images(3)[1].transpose(2, 0, 1) / 255.0 - 0.5) / 0.25
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_array_dataset_gives_the_transform_a_pil_image(probes):
    from PIL import Image

    seen = []
    data = probes.array_dataset(images(2), np.arange(2), transform=lambda img: seen.append(img) or torch.zeros(1))
    data[0]
    assert isinstance(seen[0], Image.Image) and seen[0].size == (8, 8)
    assert np.array_equal(np.asarray(seen[0]), images(2)[0])


def test_array_dataset_refuses_mismatched_lengths(probes):
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        probes.array_dataset(images(3), np.arange(2))


def test_apply_transform_stacks_the_results(probes):
    from torchvision import transforms

    out = probes.apply_transform(transforms.ToTensor(), images(4))
    assert out.shape == (4, 3, 8, 8) and out.dtype == torch.float32
    np.testing.assert_allclose(out[2].numpy(), images(4)[2].transpose(2, 0, 1) / 255.0, rtol=1e-6)


def test_loader_batches_and_seeded_shuffling(probes):
    data = probes.array_dataset(images(10), np.arange(10))
    ordered = probes.batch_summary(probes.loader(data, batch_size=4))
    assert ordered["shapes"] == [[4, 3, 8, 8], [4, 3, 8, 8], [2, 3, 8, 8]]
    assert ordered["dtypes"] == ["float32"] * 3 and ordered["labels"].tolist() == list(range(10))
    first = probes.batch_summary(probes.loader(data, batch_size=4, shuffle=True, seed=1))["labels"]
    again = probes.batch_summary(probes.loader(data, batch_size=4, shuffle=True, seed=1))["labels"]
    assert sorted(first.tolist()) == list(range(10)) and np.array_equal(first, again)
    assert len(probes.first_batches(probes.loader(data, batch_size=4), n=2)) == 2
    assert len(probes.first_batches(probes.loader(data, batch_size=4), n=None)) == 3


# -- calls ---------------------------------------------------------------------------------------------
class Counter:
    def __init__(self):
        self.W = np.zeros(2)

    def step(self, X, scale=1.0):
        self.W = self.W + scale
        return float(X.sum()), np.ones(2)


def test_record_calls_keeps_arguments_results_and_snapshots(probes):
    counter = Counter()
    recorder = probes.record_calls(counter, "step", snapshot=("W",))
    counter.step(np.ones((2, 3)))
    counter.step(np.ones((1, 3)), scale=2.0)
    first, second = recorder.calls
    assert first["shapes"] == [[2, 3]] and np.array_equal(first["args"][0], np.ones((2, 3)))
    assert second["kwargs"] == {"scale": 2.0}
    assert first["snapshot"]["W"].tolist() == [0.0, 0.0] and second["snapshot"]["W"].tolist() == [1.0, 1.0]
    assert first["result"][0] == 6.0 and first["result"][1].tolist() == [1.0, 1.0]
    assert counter.W.tolist() == [3.0, 3.0]


def test_record_calls_with_returns_does_not_call_the_method(probes):
    counter = Counter()
    grad = np.full(2, 5.0)
    recorder = probes.record_calls(counter, "step", returns=[(1.0, grad), (2.0, grad)])
    results = [counter.step(np.ones(1)) for _ in range(3)]
    assert [r[0] for r in results] == [1.0, 2.0, 2.0] and counter.W.tolist() == [0.0, 0.0]
    results[0][1][...] = 0  # the caller gets a copy: changing it leaves the next results alone
    assert counter.step(np.ones(1))[1].tolist() == [5.0, 5.0] and len(recorder.calls) == 4


def test_record_calls_records_errors_and_restores(probes):
    counter = Counter()
    recorder = probes.record_calls(counter, "step")
    with pytest.raises(AttributeError):
        counter.step(None)
    assert recorder.calls[0]["error"].startswith("AttributeError")
    recorder.restore()
    assert "step" not in vars(counter)


def test_record_calls_summarizes_big_and_odd_values(probes):
    counter = Counter()
    recorder = probes.record_calls(counter, "step", returns=[(object(), np.zeros(probes.MAX_RECORDED + 1))])
    counter.step(np.ones(3))
    result = recorder.calls[0]["result"]
    assert result[0] == {"type": "builtins.object"}
    assert result[1] == {"shape": [probes.MAX_RECORDED + 1], "dtype": "float64"}


# -- a notebook cell's own code (pset4's top-level training loop and accuracy cell) ------------------------
def test_run_code_runs_in_a_copy_with_the_bindings_and_names_the_label(probes, tmp_path, monkeypatch):
    import sys
    import types

    notebook = types.ModuleType("__notebook_under_test__")
    notebook.scale = 3
    monkeypatch.setitem(sys.modules, notebook.__name__, notebook)
    ns = probes.code_namespace({"data": [1, 2]}, base=notebook.__name__)
    probes.run_code(ns, "total = sum(x * scale for x in data)\n", "cell 9")
    assert ns["total"] == 9 and ns.get("missing") is None and ns.has("total")
    assert not hasattr(notebook, "total")  # the notebook's own names are not changed
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ZeroDivisionError) as info:
        probes.run_code(ns, "x = 1\ny = x / 0\n", "cell 9")
    frame = [f for f in __import__("traceback").extract_tb(info.value.__traceback__)][-1]
    assert frame.filename == str(tmp_path / "cell 9") and frame.lineno == 2


def test_returning_and_call_capturing(probes):
    model = small_model()
    assert probes.returning(model)() is model and probes.returning(model)(3, k=1) is model

    def shout(n):
        print("accuracy:", n)
        return torch.tensor(n / 2)

    assert probes.call_capturing(shout, 5) == {"result": 2.5, "printed": "accuracy: 5\n"}


def test_save_and_load_state(probes, tmp_path):
    a, b = small_model(0), small_model(1)
    probes.save_state(a, str(tmp_path / "net.pth"))
    probes.load_state(b, str(tmp_path / "net.pth"))
    assert all(np.array_equal(x, y) for x, y in zip(probes.state_arrays(a), probes.state_arrays(b), strict=True))


def test_blank_dataset_counts_without_memory(probes):
    data = probes.blank_dataset(50000)
    assert len(data) == 50000 and data[49999][0].shape == (3, 32, 32)
    with pytest.raises(IndexError):
        data[50000]


def test_plotted_reads_a_returned_figure_or_the_current_one(probes):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([3.0, 2.0, 1.0])
    seen = probes.plotted(fig)
    assert seen["source"] == "returned" and np.array_equal(seen["lines"][0], [3.0, 2.0, 1.0])
    assert probes.plotted(ax)["source"] == "returned"
    probes.close_figures()
    plt.plot([5.0, 4.0])
    seen = probes.plotted(None)
    assert seen["source"] == "current" and np.array_equal(seen["lines"][0], [5.0, 4.0])
    probes.close_figures()
    assert probes.plotted(None) == {"source": "current", "lines": []}


def test_plot_call_keeps_a_shown_figure(probes, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def closes_what_it_shows(*args, **kwargs):  # what Jupyter's inline backend does
        plt.close("all")

    monkeypatch.setattr(plt, "show", closes_what_it_shows)

    def plot_loss_curve(losses):
        plt.figure()
        plt.plot(losses)
        plt.show()

    seen = probes.plot_call(plot_loss_curve, [3.0, 1.0])
    assert seen["source"] == "current" and np.array_equal(seen["lines"][0], [3.0, 1.0])
    assert plt.show is closes_what_it_shows
    probes.close_figures()


def test_cifar10_folder_is_read_by_torchvision_without_a_download_and_only_it_skips_the_md5(probes, tmp_path,
                                                                                            monkeypatch):
    datasets = pytest.importorskip("torchvision.datasets")
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    train, test = rng.integers(0, 256, (12, 32, 32, 3), np.uint8), rng.integers(0, 256, (3, 32, 32, 3), np.uint8)
    root = probes.cifar10_folder(train, np.arange(12) % 10, test, [1, 2, 3])
    read = datasets.CIFAR10(root=root, train=True, download=True)  # finds the files: no download
    assert np.array_equal(read.data, train) and read.targets == list(np.arange(12) % 10)
    assert read.classes[0] == "airplane"
    read = datasets.CIFAR10(root=root, train=False, download=False)
    assert np.array_equal(read.data, test) and read.targets == [1, 2, 3]
    other = tmp_path / "other" / "cifar-10-batches-py"  # the same files elsewhere: md5 sums checked, refused
    other.parent.mkdir()
    import shutil

    shutil.copytree(Path(root) / "cifar-10-batches-py", other)
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        datasets.CIFAR10(root=str(other.parent), train=True, download=False)


def test_fit_trains_in_place_until_predictions_follow_the_labels_and_leaves_eval_mode(probes):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3, 8, 8)).astype(np.float32)
    Y = (X[:, 0].mean(axis=(1, 2)) > 0).astype(np.int64) + 2 * (X[:, 1].mean(axis=(1, 2)) > 0)
    model = small_model()
    probes.fit(model, X, Y, epochs=30, lr=0.5, batch_size=32, seed=1)
    assert not model.training
    predicted = probes.predict_logits(model, X).argmax(axis=1)
    assert np.mean(predicted == Y) > 0.6 and len(set(predicted)) == 4  # chance: 0.25
