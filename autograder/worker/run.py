"""The worker: the only process that runs submission code.

Started by the grader as ``python -I run.py --fd N --root DIR [--limits JSON]``. It applies its
resource limits first, then serves requests from the grader over the socket on fd N, one at a time:
import a module, get or set an attribute or item, call something, fetch a value. Results go back as
plain data (see ``wire.py``); anything else stays here and is named by a handle. The worker never
sees expected values: it only runs what it is asked to and reports what came out.

This file is run as a script and loads ``wire.py`` by path, so it imports nothing of the grader.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import random
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any

MAX_REQUEST_BYTES = 1 << 31


def _load(name: str):
    """A module of this folder, by path (``run.py`` runs as a script and imports nothing of the grader)."""
    spec = importlib.util.spec_from_file_location(f"_autograder_{name.removeprefix('_autograder_')}",
                                                  Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wire = _load("wire")
malloc = _load("_autograder_malloc")


def apply_limits(limits: dict) -> None:
    """Set soft and hard resource limits; the submission cannot raise them again."""
    import resource

    names = {
        "address_space": resource.RLIMIT_AS,
        "cpu_seconds": resource.RLIMIT_CPU,
        "processes": resource.RLIMIT_NPROC,
        "open_files": resource.RLIMIT_NOFILE,
        "file_size": resource.RLIMIT_FSIZE,
        "core": resource.RLIMIT_CORE,
    }
    for key, value in limits.items():
        if key in names and value is not None:
            resource.setrlimit(names[key], (value, value))


NETWORK_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
RESOLVER_EVENTS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo"}


def deny_network() -> None:
    """Refuse network access from Python at once, with a clear error, instead of a hang or a leak.

    An audit hook, which cannot be removed once added: connecting, binding or sending on anything
    but a Unix socket (which multiprocessing and DataLoader workers use) and name lookups raise
    PermissionError. Native code that makes its own system calls is not covered (see SECURITY).
    """
    import socket as socket_module

    local = (socket_module.AF_UNIX,)

    def hook(event: str, args: tuple) -> None:
        if event in NETWORK_EVENTS and getattr(args[0], "family", None) not in local:
            raise PermissionError("network access is disabled while grading")
        if event in RESOLVER_EVENTS:
            raise PermissionError("network access (name lookup) is disabled while grading")

    sys.addaudithook(hook)


def deny_network_to_processes() -> None:
    """The kernel-enforced filter (``_autograder_netfilter``), which covers the processes the submission starts
    too. Where it cannot be installed the grader is told (a note code, for the staff log)."""
    path = Path(__file__).with_name("_autograder_netfilter.py")
    spec = importlib.util.spec_from_file_location("_autograder_netfilter", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if module.install() is not None:
        print("[autograder] no-network-filter", file=sys.__stderr__, flush=True)


class Handler:
    """Executes grader requests against the submission, keeping non-plain results as handles."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.objects: dict[int, Any] = {}
        self.next_id = 1
        if self.root not in sys.path:
            sys.path.insert(0, self.root)

    # -- handles ------------------------------------------------------------------------------
    def _keep(self, obj: Any) -> Any:
        ref_id = self.next_id
        self.next_id += 1
        self.objects[ref_id] = obj
        kind = type(obj)
        return wire.Ref(ref_id, f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}")

    def _release(self, ids: Any) -> None:
        """Forget the handles the grader dropped (a request's ``release``), so that what only they kept alive (a
        dataset sent for one test, say) is freed before the request runs."""
        for ref_id in ids if type(ids) is list else []:
            if type(ref_id) is int:
                self.objects.pop(ref_id, None)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, wire.Ref):
            if value.id not in self.objects:
                raise LookupError(f"unknown handle {value.id}")
            return self.objects[value.id]
        if type(value) is list:
            return [self._resolve(v) for v in value]
        if type(value) is tuple:
            return tuple(self._resolve(v) for v in value)
        if type(value) is dict:
            return {k: self._resolve(v) for k, v in value.items()}
        return value

    def _by_value_or_handle(self, value: Any, buffers: list) -> Any:
        if wire.is_leaf(value):
            return wire.encode(value, buffers)
        return wire.encode(self._keep(value), buffers)

    # -- requests -----------------------------------------------------------------------------
    def handle(self, request: dict, buffers: list) -> tuple[Any, list]:
        """Run one request; return (reply header, reply buffers). Never raises."""
        out: list = []
        try:
            op = request.get("op") if type(request) is dict else None
            self._release(request.get("release") if type(request) is dict else None)
            method = getattr(self, f"op_{op}", None) if type(op) is str else None
            if method is None:
                raise ValueError(f"unknown request {op!r}")
            args = self._resolve(wire.decode(request.get("args", []), buffers))
            return {"ok": True, "value": method(*args, out=out)}, out
        except BaseException as exc:  # noqa: BLE001 - sys.exit() in submission code is a result too
            if isinstance(exc, KeyboardInterrupt):
                raise
            return {"ok": False, "error": wire.encode(self._describe(exc), [])}, []

    def _frame_name(self, filename: str) -> str | None:
        """How the student knows the file a traceback frame is in; None for code that is not theirs."""
        return os.path.relpath(filename, self.root) if filename.startswith(self.root) else None

    def _describe(self, exc: BaseException) -> dict:
        frames = []
        for frame in traceback.extract_tb(exc.__traceback__):
            name = self._frame_name(frame.filename)
            if name is not None:
                frame.filename = name
                frames.append(frame)
        described = {
            "type": type(exc).__name__,
            "message": _safe_str(exc)[:4000],
            "traceback": "".join(traceback.format_list(frames[-8:]))[-8000:],
            "where": [[f.filename, f.lineno, f.name] for f in frames[-1:]],
        }
        name = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
        if type(name) is str:  # which module: the grader tells a missing package from a missing file
            described["missing"] = name[:200]
        return described

    def op_hello(self, *, out: list) -> Any:
        return wire.encode({"pid": os.getpid(), "python": sys.version.split()[0],
                            "uid": os.getuid() if hasattr(os, "getuid") else -1}, out)

    def op_import(self, name: str, *, out: list) -> Any:
        return wire.encode(self._keep(importlib.import_module(name)), out)

    def op_getattr(self, target: Any, name: str, *, out: list) -> Any:
        return self._by_value_or_handle(getattr(target, name), out)

    def op_setattr(self, target: Any, name: str, value: Any, *, out: list) -> Any:
        setattr(target, name, value)
        return wire.encode(None, out)

    def op_getitem(self, target: Any, key: Any, *, out: list) -> Any:
        return self._by_value_or_handle(target[key], out)

    def op_setitem(self, target: Any, key: Any, value: Any, *, out: list) -> Any:
        target[key] = value
        return wire.encode(None, out)

    def op_call(self, target: Any, args: list, kwargs: dict, *, out: list) -> Any:
        result = target(*args, **kwargs)
        mark = len(out)
        try:
            return wire.encode(result, out)
        except wire.NotPlain:
            del out[mark:]
            return wire.encode(result, out, on_object=self._keep)

    def op_fetch(self, target: Any, *, out: list) -> Any:
        return wire.encode(_as_plain(target), out)

    def op_put(self, value: Any, *, out: list) -> Any:
        return wire.encode(self._keep(value), out)

    def op_hasattr(self, target: Any, name: str, *, out: list) -> Any:
        return hasattr(target, name)

    def op_seed(self, seed: int, *, out: list) -> Any:
        random.seed(seed)
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed(seed)
        return wire.encode(None, out)


def _as_plain(value: Any, depth: int = 0) -> Any:
    """``value`` with torch tensors turned into numpy arrays (the grader never needs torch)."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if depth > wire.MAX_DEPTH:
        return value
    if type(value) in (list, tuple):
        return type(value)(_as_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return {k: _as_plain(v, depth + 1) for k, v in value.items()}
    return value


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        return f"<{type(exc).__name__}>"


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a closed or replaced stream
            pass


#: A request that ran this long (training, a big transfer) may leave freed memory behind in malloc's heap.
TRIM_AFTER_S = 0.05


def serve(sock: socket.socket, handler: Handler) -> None:
    reader = sock.makefile("rb")

    def read_exact(n: int) -> bytes:
        data = reader.read(n)
        if data is None or len(data) != n:
            raise EOFError
        return data

    while True:
        try:
            request, buffers = wire.read_frame(read_exact, MAX_REQUEST_BYTES)
        except EOFError:
            return
        started = time.monotonic()
        reply, out = handler.handle(request, buffers)
        del request, buffers  # (the request's data, freed before the trim below)
        _flush_output()  # what the request printed reaches the grader's pipe before its reply
        try:
            frame = wire.dump_frame(reply, out)
        except (TypeError, ValueError) as exc:
            error = {"type": "WireError", "message": str(exc), "traceback": "", "where": []}
            frame = wire.dump_frame({"ok": False, "error": wire.encode(error, [])}, [])
        sock.sendall(frame)
        del reply, out, frame
        if time.monotonic() - started > TRIM_AFTER_S:
            malloc.return_freed_memory()


def main(argv: list[str]) -> None:
    fd = int(argv[argv.index("--fd") + 1])
    root = argv[argv.index("--root") + 1]
    limits = json.loads(argv[argv.index("--limits") + 1]) if "--limits" in argv else {}
    apply_limits(limits)
    deny_network()
    deny_network_to_processes()
    sock = socket.socket(fileno=fd)
    os.chdir(root)
    serve(sock, Handler(root))


if __name__ == "__main__":
    main(sys.argv)
