"""Inside the worker: let notebooks written for a GPU run on a grader without one.

``install()`` arranges that when the submission imports torch on a machine where CUDA is not
available, ``torch.device('cuda')``, ``.cuda()`` and ``.to('cuda')`` quietly mean the CPU. The first
time that happens it prints one line (prefixed ``[autograder]``) that the grader turns into a note
in the student's feedback. Factory calls such as ``torch.zeros(3, device='cuda')`` are not rewritten:
they fail as they would on any CPU-only machine. Nothing changes where CUDA is available.

Where the shim is on, what code sends to a device (``.cuda()``, or ``.to()`` given a device, whichever: ``device =
torch.device('cuda' if torch.cuda.is_available() else 'cpu')`` is the CPU here) is counted in ``placements``
(``"module Net"``, ``"tensor (4, 3, 32, 32)"`` -> how many times), so a grading test on a CPU grader can tell
whether code written for a GPU moves its model and every batch to its device (``reset()`` clears the counts).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

NOTICE = "[autograder] cuda-on-cpu"  # a code: the grader holds the text (session.NOTES)
MAX_KINDS = 1000  # distinct kinds of placement kept (the counts are bounded, whatever the code does)
used = False
placements: dict[str, int] = {}


def reset() -> None:
    """Forget what was sent to the GPU so far."""
    placements.clear()


def _record(value: object) -> None:
    shape = getattr(value, "shape", None)
    key = f"tensor {tuple(shape)}" if shape is not None else f"module {type(value).__name__}"
    if key in placements or len(placements) < MAX_KINDS:
        placements[key] = placements.get(key, 0) + 1


def _note() -> None:
    global used
    if not used:
        used = True
        # the process's own stderr, which the grader reads, not a notebook cell's output
        print(NOTICE, file=sys.__stderr__, flush=True)


def _is_cuda(value: object) -> bool:
    return (isinstance(value, str) and value.split(":")[0].strip() == "cuda") or (
        getattr(value, "type", None) == "cuda")


def patch(torch) -> None:
    """Rewrite torch's device entry points to map CUDA to the CPU (only when CUDA is absent)."""
    if torch.cuda.is_available() or getattr(torch, "_autograder_cuda_shim", False):
        return
    real_device = torch.device

    class _DeviceMeta(type):
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, real_device)

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, real_device)

    class device(metaclass=_DeviceMeta):  # noqa: N801 - stands in for torch.device
        def __new__(cls, *args, **kwargs):
            if args and _is_cuda(args[0]) or _is_cuda(kwargs.get("type")):
                _note()
                return real_device("cpu")
            return real_device(*args, **kwargs)

    def _cpu_args(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        if any(_is_cuda(a) for a in args) or _is_cuda(kwargs.get("device")):
            _note()
            args = tuple(real_device("cpu") if _is_cuda(a) else a for a in args)
            if _is_cuda(kwargs.get("device")):
                kwargs = {**kwargs, "device": real_device("cpu")}
        return args, kwargs

    tensor_to, module_to = torch.Tensor.to, torch.nn.Module.to

    def _is_device(value: object) -> bool:
        if isinstance(value, real_device):
            return True
        if isinstance(value, str):
            try:
                real_device(value)
            except (RuntimeError, ValueError, TypeError):
                return False
            return True
        return False

    def _to_device(args: tuple, kwargs: dict) -> bool:
        return any(_is_device(a) for a in args) or _is_device(kwargs.get("device"))

    def tensor_to_cpu(self, *args, **kwargs):
        if _to_device(args, kwargs):
            _record(self)
        args, kwargs = _cpu_args(args, kwargs)
        return tensor_to(self, *args, **kwargs)

    def module_to_cpu(self, *args, **kwargs):
        if _to_device(args, kwargs):
            _record(self)
        args, kwargs = _cpu_args(args, kwargs)
        return module_to(self, *args, **kwargs)

    def tensor_cuda(self, *args, **kwargs):
        _note()
        _record(self)
        return self

    def module_cuda(self, *args, **kwargs):
        _note()
        _record(self)
        return self

    torch.device = device
    torch.Tensor.to, torch.nn.Module.to = tensor_to_cpu, module_to_cpu
    torch.Tensor.cuda, torch.nn.Module.cuda = tensor_cuda, module_cuda
    torch._autograder_cuda_shim = True


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps torch's loader so that ``patch`` runs right after the import."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            try:
                patch(module)
            except Exception as exc:  # noqa: BLE001 - never break the student's import
                print("[autograder] cuda-shim-failed", file=sys.stderr)
                print(f"could not set up the CPU fallback for CUDA: {type(exc).__name__}: {exc}", file=sys.stderr)

        loader.exec_module = exec_and_patch
        return spec


def install() -> None:
    if "torch" in sys.modules:
        patch(sys.modules["torch"])
    elif not any(isinstance(f, _PatchAfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchAfterImport())
