"""Inside the worker: generic helpers that grading tests call on PyTorch submissions.

Grading tests reach this module as ``probes = submission.module("_autograder_probes")`` (the worker's
folder is on ``sys.path``). Nothing here knows an assignment: the helpers turn arrays into tensors and
back, describe and load models, wrap arrays as datasets the way torchvision's ``CIFAR10`` yields them,
record what a method was called with, and run a model for its outputs. What they return is plain
data (numbers, lists, dicts, numpy arrays) where the grader needs values, and a tensor, model or
loader (kept in the worker as a handle) where it only passes the object on.

torch is imported when a helper first needs it, so importing this module costs nothing.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

_MISSING = object()
MAX_RECORDED = 200_000
"""Largest array (in elements) that ``record_calls`` keeps by value; bigger ones are summarized."""


def _torch():
    import torch

    return torch


def _as_tensor(value: Any, dtype: Any = None) -> Any:
    torch = _torch()
    if isinstance(value, torch.Tensor):
        return value if dtype is None else value.to(dtype)
    return tensor(value, dtype)


# -- values ---------------------------------------------------------------------------------------
def tensor(array: Any, dtype: str | None = None) -> Any:
    """``array`` (an ndarray, a number or nested lists) as a CPU tensor; ``dtype`` names a torch dtype
    ("float32", "int64"...), else float64 arrays become float32 and the rest keep their dtype."""
    torch = _torch()
    array = np.asarray(array)
    if dtype is not None:
        return torch.as_tensor(np.array(array), dtype=getattr(torch, dtype))
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    return torch.from_numpy(np.array(array))


def numpy(value: Any) -> Any:
    """``value`` with every tensor in it (also in lists, tuples and dicts) turned into a numpy array."""
    torch = _torch()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if type(value) in (list, tuple):
        return type(value)(numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: numpy(v) for k, v in value.items()}
    return value


def seed(value: int) -> None:
    """Seed ``random``, ``numpy.random`` and torch (what a notebook's ``torch.manual_seed`` would do)."""
    random.seed(value)
    np.random.seed(value)
    _torch().manual_seed(value)


def set_threads(n: int) -> None:
    """torch's intra-op threads (the worker starts with one)."""
    _torch().set_num_threads(int(n))


def device(name: str = "cpu") -> Any:
    return _torch().device(name)


def cuda_available() -> bool:
    """Whether this worker has a real CUDA device (the CUDA shim's CPU fallback is not one)."""
    import sys

    torch = sys.modules.get("torch") or _torch()
    return bool(torch.cuda.is_available())


def synchronize() -> None:
    """Wait for the queued work of the CUDA device, if torch uses one (timing stops after it)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def tensor_dataset(*arrays: Any) -> Any:
    """``torch.utils.data.TensorDataset`` of ``arrays`` (ndarrays or tensors), e.g. images and labels."""
    from torch.utils.data import TensorDataset

    return TensorDataset(*[_as_tensor(a) for a in arrays])


# -- models ----------------------------------------------------------------------------------------
def summary(model: Any) -> dict:
    """What a model is made of, as plain data.

    ``parameters``: the number of trainable parameters; ``modules``: ``[name, type name]`` of each
    leaf module in registration order; ``state``: ``[name, shape]`` of each ``state_dict`` entry.
    """
    leaves = [[name, type(m).__name__] for name, m in model.named_modules() if name and not list(m.children())]
    return {
        "parameters": int(sum(p.numel() for p in model.parameters() if p.requires_grad)),
        "modules": leaves,
        "state": [[name, list(value.shape)] for name, value in model.state_dict().items()],
    }


def state_arrays(model: Any) -> list:
    """The values of ``model.state_dict()`` in order, as numpy arrays (parameters and buffers)."""
    return [value.detach().cpu().numpy().copy() for value in model.state_dict().values()]


def load_state_by_shape(model: Any, arrays: list) -> None:
    """Give ``model`` the values ``arrays`` (another model's ``state_arrays``), matched by shape.

    Entries are matched in order: each ``state_dict`` entry of ``model`` takes the first array not yet
    used that has its shape, so models that name their layers differently (``nn.Sequential`` or
    attributes) load the same values as long as their layers come in the same order. Raises
    ``ValueError`` naming the entry when no array of its shape is left, or when arrays are left over.
    """
    torch = _torch()
    state = model.state_dict()
    arrays = [np.asarray(a) for a in arrays]
    used = [False] * len(arrays)
    new = {}
    for name, value in state.items():
        shape = tuple(value.shape)
        match = next((i for i, a in enumerate(arrays) if not used[i] and a.shape == shape), None)
        if match is None:
            wanted = sorted({a.shape for a, u in zip(arrays, used, strict=True) if not u})
            raise ValueError(f"the model's state entry {name!r} has shape {shape}, which the expected "
                             f"architecture does not have (unmatched shapes: {wanted[:8]}); "
                             "is a layer's size or order different from the specification?")
        used[match] = True
        new[name] = torch.as_tensor(np.array(arrays[match])).to(value.dtype)
    if not all(used):
        left = [arrays[i].shape for i, u in enumerate(used) if not u]
        raise ValueError(f"the model has {len(state)} state entries, the expected architecture "
                         f"{len(arrays)}: no entry for shapes {left[:8]}; is a layer missing?")
    model.load_state_dict(new)


def sequential(layers: list) -> Any:
    """``nn.Sequential`` of ``torch.nn`` layers given as ``[type name, args, kwargs]`` lists, e.g.
    ``[["Conv2d", [3, 8, 3], {"padding": 1}], ["ReLU"], ["Flatten"]]``."""
    nn = _torch().nn
    modules = []
    for spec in layers:
        name, args, kwargs = spec[0], (spec[1] if len(spec) > 1 else []), (spec[2] if len(spec) > 2 else {})
        modules.append(getattr(nn, name)(*args, **kwargs))
    return nn.Sequential(*modules)


def optimizer(model: Any, name: str = "SGD", **kwargs: Any) -> Any:
    """``torch.optim.<name>(model.parameters(), **kwargs)``."""
    return getattr(_torch().optim, name)(model.parameters(), **kwargs)


def loss(name: str = "CrossEntropyLoss", **kwargs: Any) -> Any:
    """``torch.nn.<name>(**kwargs)``."""
    return getattr(_torch().nn, name)(**kwargs)


def fit(model: Any, inputs: Any, labels: Any, *, epochs: int = 1, lr: float = 0.1, batch_size: int = 64,
        seed: int = 0) -> None:
    """Train ``model`` in place with plain SGD on cross-entropy, batches shuffled by ``seed``: the grader's own loop,
    for a test that needs a model whose predictions vary (random weights often predict one class) without running
    the submission's training code. Leaves the model in eval mode."""
    torch = _torch()
    generator = torch.Generator()
    generator.manual_seed(seed)
    X, Y = _as_tensor(inputs), _as_tensor(labels).long()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(X), generator=generator).split(batch_size):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X[batch]), Y[batch]).backward()
            opt.step()
    model.eval()


def forward(model: Any, x: Any) -> np.ndarray:
    """``model(x)`` as it is (train or eval mode, with autograd off), returned as an array."""
    torch = _torch()
    with torch.no_grad():
        return model(_as_tensor(x)).detach().cpu().numpy()


def predict_logits(model: Any, inputs: Any, batch_size: int = 256) -> np.ndarray:
    """The outputs of ``model`` in eval mode without gradients, on the CPU, as one array.

    ``inputs``: a float array or tensor (N, C, H, W), or a dataset of (input, label) pairs. The model's
    train/eval mode is restored afterwards.
    """
    torch = _torch()
    was_training = model.training
    model.eval()
    outputs = []
    try:
        with torch.no_grad():
            if isinstance(inputs, torch.utils.data.Dataset):
                batches = (x for x, _ in torch.utils.data.DataLoader(inputs, batch_size=batch_size))
            else:
                data = _as_tensor(inputs)
                batches = (data[i:i + batch_size] for i in range(0, len(data), batch_size))
            for x in batches:
                outputs.append(model(x).detach().cpu().float())
    finally:
        model.train(was_training)
    return torch.cat(outputs).numpy() if outputs else np.zeros((0,), dtype=np.float32)


def modules_called(model: Any, x: Any) -> list:
    """Names of the leaf modules of ``model`` that one forward pass on ``x`` runs, in call order
    (a module called twice appears twice). Runs without gradients, in the model's current mode."""
    torch = _torch()
    called: list = []
    hooks = []
    for name, module in model.named_modules():
        if name and not list(module.children()):
            hooks.append(module.register_forward_hook(lambda m, i, o, name=name: called.append(name)))
    try:
        with torch.no_grad():
            model(_as_tensor(x))
    finally:
        for hook in hooks:
            hook.remove()
    return called


class ForwardWatch:
    """What ``watch_forward`` keeps: ``calls``, one dict per forward pass of the model::

        {"training": model.training, "grad_enabled": torch.is_grad_enabled(), "shapes": [input shapes],
         "devices": [input devices]}
    """

    def __init__(self) -> None:
        self.calls: list = []
        self.handle: Any = None

    def remove(self) -> None:
        if self.handle is not None:
            self.handle.remove()
            self.handle = None


def watch_forward(model: Any) -> ForwardWatch:
    """Record the mode (train or eval) and whether autograd was on at each forward pass of ``model``."""
    torch = _torch()
    watch = ForwardWatch()

    def hook(module: Any, inputs: tuple) -> None:
        watch.calls.append({"training": bool(module.training), "grad_enabled": bool(torch.is_grad_enabled()),
                            "shapes": [_shape(x) for x in inputs],
                            "devices": [str(getattr(x, "device", "")) for x in inputs]})

    watch.handle = model.register_forward_pre_hook(hook)
    return watch


# -- data ------------------------------------------------------------------------------------------
def _to_tensor_image(image: np.ndarray, mean: Any, std: Any) -> Any:
    """An HWC uint8 image as torchvision's ``ToTensor`` gives it (CHW float32 in [0, 1]), normalized
    by ``mean``/``std`` per channel when given."""
    torch = _torch()
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float().div(255.0)
    if mean is not None:
        x = (x - torch.tensor(mean, dtype=torch.float32)[:, None, None]) / torch.tensor(
            std, dtype=torch.float32)[:, None, None]
    return x


def array_dataset(images: np.ndarray, labels: np.ndarray, transform: Any = None, mean: Any = None,
                  std: Any = None) -> Any:
    """A torch ``Dataset`` over HWC uint8 images yielding ``(x, int label)`` as ``CIFAR10`` does.

    With ``transform``, ``x = transform(PIL image)`` (what torchvision's dataset passes); without,
    ``x`` is the image as a CHW float32 tensor in [0, 1], normalized by ``mean``/``std`` when given.
    """
    torch = _torch()
    images = np.ascontiguousarray(images, dtype=np.uint8)
    labels = np.asarray(labels).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")

    class ArrayDataset(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return len(labels)

        def __getitem__(self, index: int) -> tuple:
            image = images[index]
            if transform is not None:
                from PIL import Image

                return transform(Image.fromarray(image)), int(labels[index])
            return _to_tensor_image(image, mean, std), int(labels[index])

    return ArrayDataset()


def apply_transform(transform: Any, images: np.ndarray) -> Any:
    """``transform`` applied to each HWC uint8 image (as a PIL image), stacked into one tensor."""
    from PIL import Image

    return _torch().stack([transform(Image.fromarray(np.ascontiguousarray(img, dtype=np.uint8)))
                           for img in images])


def loader(dataset: Any, batch_size: int = 64, shuffle: bool = False, seed: int = 0) -> Any:
    """A ``DataLoader`` (no worker processes) whose shuffling is drawn from its own seeded generator."""
    torch = _torch()
    generator = torch.Generator()
    generator.manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def first_batches(loader: Any, n: int = 1) -> list:
    """The first ``n`` batches of one pass over ``loader`` (all of them for ``n=None``), each as it came
    (usually an ``(x, y)`` pair of tensors)."""
    batches = []
    for batch in loader:
        batches.append(tuple(batch) if isinstance(batch, list) else batch)
        if n is not None and len(batches) >= n:
            break
    return batches


def batch_summary(loader: Any, n: int | None = None) -> dict:
    """One pass over ``loader`` (its first ``n`` batches) as plain data: each batch's input shape
    and dtype, and all the labels in the order they came."""
    shapes, dtypes, labels = [], [], []
    for x, y in first_batches(loader, n):
        shapes.append(list(x.shape))
        dtypes.append(str(x.dtype).replace("torch.", ""))
        labels.append(np.asarray(numpy(y)).reshape(-1))
    return {"shapes": shapes, "dtypes": dtypes,
            "labels": np.concatenate(labels) if labels else np.zeros(0, dtype=np.int64)}


# -- calls -----------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """``value`` as plain data for the grader: tensors become arrays, big arrays a summary."""
    value = numpy(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.size <= MAX_RECORDED and value.dtype.kind in "biufc":
            return value.copy()
        return {"shape": list(value.shape), "dtype": str(value.dtype)}
    if type(value) in (list, tuple):
        return type(value)(_plain(v) for v in value)
    if type(value) is dict:
        return {k: _plain(v) for k, v in value.items()}
    if value is None or type(value) in (bool, int, float, str):
        return value
    return {"type": f"{type(value).__module__}.{type(value).__qualname__}"}


def _shape(value: Any) -> Any:
    shape = getattr(value, "shape", None)
    return list(shape) if shape is not None else None


class Recorder:
    """What ``record_calls`` keeps: ``calls``, one dict per call (plain data only)::

        {"args": [...], "kwargs": {...}, "shapes": [shape of each positional arg or None],
         "result": ..., "error": None or "TypeName: message", "snapshot": {attr: value before the call}}
    """

    def __init__(self, obj: Any, name: str) -> None:
        self.obj, self.name = obj, name
        self.shadowed = obj.__dict__.get(name, _MISSING)  # an attribute of the instance itself, if any
        self.calls: list = []

    def restore(self) -> None:
        """Take the wrapper off: the method is what it was before ``record_calls``."""
        if self.shadowed is _MISSING:
            self.obj.__dict__.pop(self.name, None)
        else:
            setattr(self.obj, self.name, self.shadowed)


def record_calls(obj: Any, method_name: str, *, snapshot: tuple = (), returns: list | None = None) -> Recorder:
    """Wrap ``obj.<method_name>`` (on this instance only) so that every call is recorded.

    Each call keeps its arguments and result as plain data (arrays up to ``MAX_RECORDED`` elements by
    value) and, before the call, copies of the instance attributes named in ``snapshot``. With
    ``returns``, the original method is not called: the n-th call returns ``returns[n]`` (the last one
    once they run out), so that code around the call can be checked on its own.
    """
    original = getattr(obj, method_name)
    recorder = Recorder(obj, method_name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        entry = {"args": [_plain(a) for a in args], "kwargs": {k: _plain(v) for k, v in kwargs.items()},
                 "shapes": [_shape(a) for a in args],
                 "snapshot": {attr: _plain(getattr(obj, attr, None)) for attr in snapshot},
                 "result": None, "error": None}
        recorder.calls.append(entry)
        if returns is not None:
            result = returns[min(len(recorder.calls) - 1, len(returns) - 1)]
            result = tuple(np.array(r, copy=True) if isinstance(r, np.ndarray) else r for r in result) \
                if isinstance(result, tuple) else result
        else:
            try:
                result = original(*args, **kwargs)
            except Exception as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}"[:500]
                raise
        entry["result"] = _plain(result)
        return result

    setattr(obj, method_name, wrapper)
    return recorder


# -- a notebook cell's own code --------------------------------------------------------------------
class Namespace:
    """The globals a piece of a notebook's code runs in (``code_namespace``): the notebook's names, then the
    grader's bindings over them. ``ns[name]`` reads one; ``ns.get(name)`` gives None when it is not bound."""

    def __init__(self, values: dict) -> None:
        self.values = values

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.values

    def bind(self, **values: Any) -> None:
        self.values.update(values)


def code_namespace(bindings: dict | None = None, base: str | None = "__notebook__") -> Namespace:
    """A copy of the module ``base``'s globals (the notebook's, by default) with ``bindings`` over them, so that
    top-level code of a cell (a training loop, an accuracy computation) runs on the grader's model and data
    without changing the notebook's own names."""
    import sys

    values = dict(vars(sys.modules[base])) if base else {"__builtins__": __builtins__}
    values.update(bindings or {})
    return Namespace(values)


def run_code(namespace: Namespace, source: str, label: str = "code") -> None:
    """Run ``source`` (code the grader read from the submitted notebook) in ``namespace``. Tracebacks name
    ``label`` (e.g. "cell 9") as the file, with the line numbers of ``source``."""
    import os

    exec(compile(source, os.path.join(os.getcwd(), label), "exec"), namespace.values)  # noqa: S102 - the submission's code


def returning(value: Any) -> Any:
    """A callable that returns ``value`` whatever it is given (a class the code calls, standing for the grader's
    model: ``Net()``)."""
    def make(*args: Any, **kwargs: Any) -> Any:
        return value

    return make


def call_capturing(fn: Any, *args: Any, **kwargs: Any) -> dict:
    """``fn(*args, **kwargs)`` with what it prints captured: ``{"result": plain data, "printed": text}`` (the
    text's last 20,000 characters)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = fn(*args, **kwargs)
    return {"result": _plain(result), "printed": buffer.getvalue()[-20_000:]}


def save_state(model: Any, path: str) -> None:
    """``torch.save(model.state_dict(), path)``."""
    _torch().save(model.state_dict(), path)


def load_state(model: Any, path: str) -> None:
    """Load the state dict saved at ``path`` (on the CPU) into ``model``."""
    torch = _torch()
    model.load_state_dict(torch.load(path, map_location="cpu"))


def blank_dataset(size: int, shape: tuple = (3, 32, 32)) -> Any:
    """A dataset of ``size`` zero images of ``shape`` with label 0, made on demand (for what only counts)."""
    torch = _torch()

    class Blank(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return int(size)

        def __getitem__(self, index: int) -> tuple:
            if not 0 <= index < size:
                raise IndexError(index)
            return torch.zeros(tuple(shape)), 0

    return Blank()


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
_CIFAR10_FOLDERS: set = set()  # folders cifar10_folder wrote: torchvision takes their files without md5 sums


def cifar10_folder(train_images: np.ndarray, train_labels: Any, test_images: np.ndarray, test_labels: Any) -> str:
    """A fresh folder (in the worker's own) holding ``cifar-10-batches-py`` in CIFAR-10's python format, with these
    uint8 ``(N, 32, 32, 3)`` images: five training batches, the test batch and ``batches.meta``, for code that
    reads CIFAR-10 through torchvision (``CIFAR10(root=folder, download=True)``). torchvision checks each file
    against the real one's md5 sum, which these cannot match: for files in this folder only, its check asks
    that they exist (so ``download=True`` finds them and downloads nothing)."""
    import os
    import pickle
    import tempfile

    root = tempfile.mkdtemp(prefix="cifar10-", dir=".")
    folder = os.path.join(root, "cifar-10-batches-py")
    os.mkdir(folder)

    def write(name: str, entry: dict) -> None:
        with open(os.path.join(folder, name), "wb") as handle:
            pickle.dump(entry, handle, protocol=2)

    train_images, test_images = np.asarray(train_images, np.uint8), np.asarray(test_images, np.uint8)
    train_labels, test_labels = [int(y) for y in train_labels], [int(y) for y in test_labels]
    for i, part in enumerate(np.array_split(np.arange(len(train_images)), 5)):
        # The real files: "data" (N, 3072) as channel planes (CHW flattened), "labels" a list.
        write(f"data_batch_{i + 1}", {"batch_label": f"training batch {i + 1} of 5", "labels": [
            train_labels[j] for j in part], "data": train_images[part].transpose(0, 3, 1, 2).reshape(-1, 3072)})
    write("test_batch", {"batch_label": "testing batch 1 of 1", "labels": test_labels,
                         "data": test_images.transpose(0, 3, 1, 2).reshape(-1, 3072)})
    write("batches.meta", {"label_names": CIFAR10_CLASSES, "num_vis": 3072})
    _CIFAR10_FOLDERS.add(os.path.realpath(folder))
    import torchvision.datasets.cifar as cifar

    if not getattr(cifar.check_integrity, "_autograder", False):
        checked = cifar.check_integrity

        def check_integrity(fpath: Any, md5: Any = None) -> bool:
            if os.path.dirname(os.path.realpath(fpath)) in _CIFAR10_FOLDERS:
                return os.path.isfile(fpath)
            return checked(fpath, md5)

        check_integrity._autograder = True
        cifar.check_integrity = check_integrity
    return os.path.abspath(root)


def plotted(value: Any = None) -> dict:
    """The lines of a plot: of ``value`` when it is a matplotlib Figure or Axes (what a plotting function
    returned), else of every open figure. ``{"source": "returned" | "current", "lines": [y data, ...]}``."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(value, Figure):
        axes, source = value.axes, "returned"
    elif isinstance(value, Axes):
        axes, source = [value], "returned"
    else:
        axes, source = [ax for n in plt.get_fignums() for ax in plt.figure(n).axes], "current"
    lines = [np.asarray(line.get_ydata(), dtype=np.float64) for ax in axes for line in ax.get_lines()]
    return {"source": source, "lines": lines}


def plot_call(fn: Any, *args: Any, **kwargs: Any) -> dict:
    """``plotted(fn(*args, **kwargs))`` with no figure open before, and ``plt.show`` kept from closing the
    figures during the call (Jupyter's inline backend closes what it shows: a plot shown would be gone)."""
    import matplotlib.pyplot as plt

    plt.close("all")
    show = plt.show
    plt.show = lambda *a, **k: None
    try:
        result = fn(*args, **kwargs)
    finally:
        plt.show = show
    return plotted(result)


def close_figures() -> None:
    import matplotlib.pyplot as plt

    plt.close("all")
