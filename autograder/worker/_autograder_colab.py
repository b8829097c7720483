"""Inside a notebook's kernel: let a notebook written for Colab run on a grader that is not Colab.

``install(root)`` does two things, each noted once to the grader (a code on the process's own stderr, whose
text the grader holds: ``session.NOTES``):

- **``google.colab`` imports** (``colab-shim``). ``import google.colab``, ``from google.colab import drive,
  files`` and ``from google.colab.patches import cv2_imshow`` give stand-ins whose calls do nothing:
  ``drive.mount`` and ``flush_and_unmount``, ``files.upload`` (nothing uploaded: ``{}``) and ``files.download``,
  ``auth.authenticate_user``, everything in ``output`` and in any other submodule, ``cv2_imshow``.
  ``userdata.get`` returns ``None``: on Colab a missing secret raises ``SecretNotFoundError``, which would stop
  the cell and lose every definition after the line; a secret is only good for the network, which the grader
  denies anyway. (The exception classes exist, so ``except userdata.SecretNotFoundError:`` still reads.)
  ``drive.mount('/content/gdrive')`` makes the empty folder ``MyDrive`` there (inside the notebook's folder,
  below), as a mounted Drive has one; it makes no link and reaches nothing of anyone's Drive.
- **``/content`` is the notebook's own folder** (``colab-content``). On Colab ``/content`` is the working
  folder; on the grader the kernel's working folder (``root``, the submission's copy) is. So
  ``torch.save(net.state_dict(), '/content/gdrive/MyDrive/net.pth')``, ``open('/content/x.txt', 'w')``,
  ``os.makedirs('/content/gdrive/MyDrive/pset4', exist_ok=True)`` and ``%cd /content/gdrive/MyDrive/pset4`` work
  in ``root``, and ``/content/net.pth`` is ``./net.pth`` as on Colab. Writing a file, and changing into a folder
  (``%cd``, ``os.chdir``), under ``/content`` makes the folders on the way (they were on the student's Drive);
  reading a file that is not there fails as a missing file does, naming the ``/content`` path.

How: the Python-level entry points are wrapped (``builtins.open``/``io.open``, the ``os`` functions that take
paths, which ``os.path``, ``os.makedirs``, ``os.walk``, ``shutil``, ``glob`` and ``pathlib`` go through, 3.10's
pathlib accessor included, and ``torch.save``/``torch.load``, whose C++ writer opens the file itself). A path
is mapped when, made normal (``..`` removed as text), it is ``/content`` or under it: the result is always
inside ``root``, and any other path is left as it is, so the stand-in gives the code nothing it could not reach
without it. Not mapped: native code that opens a path itself (other C extensions), functions a library bound
before the kernel started (``from os import stat`` in an already imported module), and a subprocess (the grader
runs none). ``os.getcwd()`` after ``%cd /content/...`` says the real folder. Where ``/content`` exists (Colab
itself, a student running the kit there) it keeps its meaning, and a real ``google.colab`` comes first.

This file imports nothing of the grader.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import io
import os
import posixpath
import sys
import types

COLAB = "/content"
SHIM_NOTICE = "[autograder] colab-shim"  # codes: the grader holds the texts (session.NOTES)
CONTENT_NOTICE = "[autograder] colab-content"
ROOT: str | None = None  # what /content means: the kernel's own folder
_noted: set[str] = set()


def _note(notice: str) -> None:
    if notice not in _noted:
        _noted.add(notice)
        # the process's own stderr, which the grader reads, not a notebook cell's output
        print(notice, file=sys.__stderr__, flush=True)


# -- /content ----------------------------------------------------------------------------------------------
def mapped(path: str) -> str | None:
    """Where ``path`` is on the grader when it names ``/content`` or something under it, else None."""
    if ROOT is None or not path.startswith(COLAB):
        return None
    normal = posixpath.normpath(path)
    if normal != COLAB and not normal.startswith(COLAB + "/"):
        return None  # /contents, or /content/../etc: not Colab's folder, left as it is
    return ROOT + normal[len(COLAB):]


def _map(path: object) -> object:
    """``path`` (str, bytes or os.PathLike) mapped into ``root`` (as the same kind of string), or unchanged."""
    if isinstance(path, int) or path is None:
        return path  # a file descriptor
    try:
        raw = os.fspath(path)
    except TypeError:
        return path
    text = os.fsdecode(raw) if isinstance(raw, bytes) else raw
    found = mapped(text)
    if found is None:
        return path
    _note(CONTENT_NOTICE)
    return os.fsencode(found) if isinstance(raw, bytes) else found


def _make_parent(path: object) -> None:
    parent = os.path.dirname(os.fsdecode(path))
    if parent:
        try:
            _real["makedirs"](parent, exist_ok=True)
        except OSError:
            pass  # the open itself says what is wrong


def _said_as_given(exc: OSError, pairs: tuple[tuple[object, object], ...]) -> OSError:
    """``exc`` naming the ``/content`` paths the code gave, not the folders the grader mapped them to."""
    for given, used in pairs:
        if used is not given:
            if exc.filename == used:
                exc.filename = given
            if exc.filename2 == used:
                exc.filename2 = given
    return exc


_real: dict[str, object] = {}


def _wrap(name: str, real, *, paths: int = 1, create=None):
    """``real`` with its first ``paths`` positional arguments (or ``path``/``src``/``dst`` keywords) mapped.
    ``create(args, kwargs)``: whether the call writes a file, so that the folders on the way are made."""
    keywords = ("path", "file") if paths == 1 else ("src", "dst")

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 - IPython leaves this frame out of the cell's traceback
        given = list(args[:paths]) + [kwargs.get(k) for k in keywords if k in kwargs]
        args = tuple(_map(a) for a in args[:paths]) + args[paths:]
        kwargs = {k: (_map(v) if k in keywords else v) for k, v in kwargs.items()}
        used = list(args[:paths]) + [kwargs[k] for k in keywords if k in kwargs]
        pairs = tuple(zip(given, used, strict=True))
        if any(u is not g for g, u in pairs) and create is not None and create(args, kwargs):
            for g, u in pairs:
                if u is not g:
                    _make_parent(u)
        try:
            return real(*args, **kwargs)
        except OSError as exc:
            _said_as_given(exc, pairs)
            raise

    wrapper.__autograder_real__ = real
    return wrapper


def _writes(args: tuple, kwargs: dict) -> bool:
    mode = args[1] if len(args) > 1 else kwargs.get("mode", "r")
    return isinstance(mode, str) and any(c in mode for c in "wax")


def _creates(args: tuple, kwargs: dict) -> bool:
    flags = args[1] if len(args) > 1 else kwargs.get("flags", 0)
    return isinstance(flags, int) and bool(flags & os.O_CREAT)


def _chdir(real):
    @functools.wraps(real)
    def chdir(path):
        __tracebackhide__ = True  # noqa: F841
        target = _map(path)
        if target is not path:
            with contextlib.suppress(OSError):
                _real["makedirs"](target, exist_ok=True)  # %cd /content/gdrive/MyDrive/pset4: a folder on Drive
        try:
            return real(target)
        except OSError as exc:
            _said_as_given(exc, ((path, target),))
            raise

    chdir.__autograder_real__ = real
    return chdir


ONE_PATH = ("stat", "lstat", "listdir", "scandir", "mkdir", "rmdir", "remove", "unlink", "access", "chmod", "utime",
            "truncate", "readlink", "statvfs", "chown", "lchown", "mkfifo", "pathconf")
TWO_PATHS = ("rename", "replace", "link", "symlink")


def _patch_files() -> dict[object, object]:
    """Wrap the path functions of ``os``, ``io`` and ``builtins``; returns {real function: wrapper}."""
    _real["makedirs"] = os.makedirs
    replaced: dict[object, object] = {}
    opener = _wrap("open", io.open, create=_writes)
    replaced[io.open] = opener
    replaced[builtins.open] = opener
    for name in ONE_PATH + TWO_PATHS + ("open", "chdir"):
        real = getattr(os, name, None)
        if real is None:
            continue
        if name == "chdir":
            replaced[real] = _chdir(real)
        elif name == "open":
            replaced[real] = _wrap(name, real, create=_creates)
        else:
            replaced[real] = _wrap(name, real, paths=2 if name in TWO_PATHS else 1)
    for name in ONE_PATH + TWO_PATHS + ("open", "chdir"):
        real = getattr(os, name, None)
        if real in replaced:
            setattr(os, name, replaced[real])
    io.open = builtins.open = opener
    # What os says of its functions (shutil asks whether os.open takes dir_fd): the same of the wrappers.
    for group in ("supports_fd", "supports_dir_fd", "supports_follow_symlinks", "supports_effective_ids"):
        supported = getattr(os, group, None)
        if isinstance(supported, set):
            supported.update(wrapper for real, wrapper in replaced.items() if real in supported)
    return replaced


def patch_accessor(cls: type, replaced: dict[object, object]) -> None:
    """Python 3.10's pathlib calls the os functions it took when imported (``_NormalAccessor.stat = os.stat``):
    give ``cls`` the wrappers instead. (3.11 on, pathlib calls ``os`` and ``io.open`` when used.)"""
    for name, value in list(vars(cls).items()):
        try:
            wrapper = replaced.get(value)
        except TypeError:  # unhashable
            continue
        if wrapper is not None:
            setattr(cls, name, staticmethod(wrapper))


def patch_torch_serialization(module) -> None:
    """``torch.save(obj, path)`` opens ``path`` in C++ (PyTorchFileWriter): map it first. (``torch.load`` opens
    with Python's ``open``, mapped already; mapped here too for ``mmap=True``.)"""
    for name, position, writes in (("save", 1, True), ("load", 0, False)):
        real = getattr(module, name, None)
        if real is not None and not hasattr(real, "__autograder_real__"):
            setattr(module, name, _wrap_file_argument(real, position, writes))


def _wrap_file_argument(real, position: int, writes: bool):
    """``real`` with its argument ``f`` (at ``position``, or the keyword) mapped."""

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841
        if len(args) > position:
            given = args[position]
            used = _map(given)
            args = args[:position] + (used,) + args[position + 1:]
        else:
            given = kwargs.get("f")
            used = _map(given)
            if "f" in kwargs:
                kwargs = {**kwargs, "f": used}
        if used is not given and writes:
            _make_parent(used)
        try:
            return real(*args, **kwargs)
        except OSError as exc:
            _said_as_given(exc, ((given, used),))
            raise

    wrapper.__autograder_real__ = real
    return wrapper


# -- google.colab ------------------------------------------------------------------------------------------
def _nothing(*args: object, **kwargs: object) -> None:
    """Does nothing: Colab's own call has no meaning on the grader."""
    return None


def _module_getattr(module_name: str):
    def __getattr__(name: str):
        if name.startswith("_"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        return _nothing

    return __getattr__


def _mount(mountpoint: object = "/content/drive", force_remount: bool = False, timeout_ms: int = 120000,
           readonly: bool = False) -> None:
    """Colab's ``drive.mount``: here only the empty folder ``MyDrive`` under ``mountpoint`` when that is in
    ``/content`` (the notebook's own folder); nothing is linked and nothing of a Drive is reached."""
    target = _map(mountpoint)
    if target is not mountpoint:
        with contextlib.suppress(OSError):
            _real["makedirs"](os.path.join(target, "MyDrive"), exist_ok=True)


class SecretNotFoundError(Exception):
    pass


class NotebookAccessError(Exception):
    pass


class TimeoutException(Exception):
    pass


def _colab_package(module: types.ModuleType) -> None:
    def __getattr__(name: str):  # google.colab.drive after `import google.colab`, as on Colab
        if name.startswith("_"):
            raise AttributeError(f"module 'google.colab' has no attribute {name!r}")
        return importlib.import_module(f"google.colab.{name}")

    module.__getattr__ = __getattr__


CONTENTS = {
    "google.colab": _colab_package,
    "google.colab.drive": lambda m: vars(m).update(mount=_mount, flush_and_unmount=_nothing),
    "google.colab.files": lambda m: vars(m).update(upload=lambda *a, **k: {}, download=_nothing,
                                                   upload_file=lambda *a, **k: None),
    "google.colab.output": lambda m: vars(m).update(
        redirect_to_element=lambda *a, **k: contextlib.nullcontext(),
        use_tags=lambda *a, **k: contextlib.nullcontext(), temporary=lambda *a, **k: contextlib.nullcontext()),
    "google.colab.auth": lambda m: vars(m).update(authenticate_user=_nothing),
    "google.colab.userdata": lambda m: vars(m).update(get=lambda *a, **k: None,
                                                      SecretNotFoundError=SecretNotFoundError,
                                                      NotebookAccessError=NotebookAccessError,
                                                      TimeoutException=TimeoutException),
    "google.colab.patches": lambda m: vars(m).update(cv2_imshow=_nothing),
}


class _StandInLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module) -> None:
        name = module.__name__
        module.__doc__ = "The grader's stand-in for Colab's module: its calls do nothing (no Colab here)."
        if name != "google":
            _note(SHIM_NOTICE)
            module.__getattr__ = _module_getattr(name)
            CONTENTS.get(name, lambda m: None)(module)


class _ColabFinder(importlib.abc.MetaPathFinder):
    """Finds ``google.colab`` and its submodules (stand-ins), and ``google`` itself where nothing else has it; and
    wraps the loader of ``torch.serialization`` so that ``torch.save`` maps ``/content`` paths."""

    def find_spec(self, name, path=None, target=None):
        if name == "google" or name == "google.colab" or name.startswith("google.colab."):
            for finder in sys.meta_path:  # a real `google` (protobuf's namespace; Colab's own) comes first
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    return spec
            return importlib.util.spec_from_loader(name, _StandInLoader(), is_package=True)
        if name == "torch.serialization":
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return None
            exec_module = spec.loader.exec_module

            def exec_and_patch(module):
                exec_module(module)
                patch_torch_serialization(module)

            spec.loader.exec_module = exec_and_patch
            return spec
        return None


def install(root: str) -> None:
    """``google.colab`` importable, ``/content`` meaning ``root``. Once per process. Where ``/content`` exists
    (Colab itself, running a student's kit) it keeps its meaning, and a real ``google.colab`` is imported."""
    global ROOT
    if any(isinstance(f, _ColabFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _ColabFinder())
    if os.path.exists(COLAB):
        return
    ROOT = os.path.abspath(root)
    replaced = _patch_files()
    pathlib = sys.modules.get("pathlib")
    if pathlib is not None and hasattr(pathlib, "_NormalAccessor"):
        patch_accessor(pathlib._NormalAccessor, replaced)
    if "torch.serialization" in sys.modules:
        serialization = sys.modules["torch.serialization"]
        patch_torch_serialization(serialization)
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.save, torch.load = serialization.save, serialization.load
