"""Students' environments: the Python packages an assignment's submission code runs with.

Each assignment declares what its students' code may import, as the course's own environment has it
(``[environment]`` in ``assignment.toml``)::

    [environment]
    packages = ["numpy==1.26.4", "tqdm==4.67.1", "pandas==2.2.3", "matplotlib==3.9.4"]

``autograder env ID --lock`` compiles that list (with what the worker itself needs: ipykernel for
notebooks) into ``environment.lock`` beside it, every distribution pinned with its hashes, by uv (one
version of each package for every Python from 3.10 and every platform). Workers, notebook kernels and the
reference all run in a virtual environment built from that lock, once, and cached under ``envs_root()``
(named after the lock's digest, so a new lock builds a new environment); the grader's own process keeps its
own pinned environment. Values cross between the two only as plain data (``worker/wire.py``), so the two
numpy versions never meet.

PyTorch: with ``TORCH_INDEX`` set (setup.sh on Gradescope: CPU-only wheels), torch and torchvision come from
that index at the lock's versions, by version alone (the lock's hashes are the registry's, which that index does
not serve); when it served a CPU-only build (``+cpu``), the CUDA libraries the lock lists are left out.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import AssignmentError

LOCK_NAME = "environment.lock"
STAMP_NAME = "autograder-environment.json"
ENVS_ENV = "AUTOGRADER_ENVS"
TORCH_INDEX_ENV = "TORCH_INDEX"
#: Distributions that come from TORCH_INDEX instead of the lock when it is set.
TORCH_FROM_INDEX = ("torch", "torchvision")
#: The CUDA build's companions in the lock: not wanted beside CPU-only wheels.
ACCELERATOR = re.compile(r"^(nvidia-.*|triton|cuda-.*)$")
#: What the harness's own worker scripts import, by kind of assignment.
WORKER_NEEDS = {"package": ("numpy",), "notebook": ("numpy", "ipykernel")}


def envs_root() -> Path:
    """Where environments are built: ``$AUTOGRADER_ENVS``, else /opt/autograder-envs for root (a place the
    sandbox account can execute, unlike /root), else the user's cache folder."""
    if os.environ.get(ENVS_ENV):
        return Path(os.environ[ENVS_ENV]).absolute()
    if os.geteuid() == 0:
        return Path("/opt/autograder-envs")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "autograder" / "envs"


def base_python() -> str:
    """The interpreter environments are made from: ``$AUTOGRADER_PYTHON``, else the one under the grader's venv."""
    return os.environ.get("AUTOGRADER_PYTHON") or getattr(sys, "_base_executable", None) or sys.executable


@dataclass(frozen=True)
class Spec:
    """An assignment's declared environment."""

    assignment_id: str
    packages: tuple[str, ...]
    lock_path: Path
    kind: str = "package"

    @classmethod
    def from_table(cls, assignment_id: str, table: object, tests_dir: Path, kind: str) -> Spec | None:
        """The spec declared in ``[environment]`` (None when the table is absent: the grader's own Python)."""
        if table is None:
            return None
        if not isinstance(table, dict) or set(table) - {"packages"}:
            raise ValueError(f"[environment] takes one key, packages (a list of requirements), got {table!r}")
        packages = table.get("packages")
        if not isinstance(packages, list) or not packages or not all(isinstance(p, str) and p for p in packages):
            raise ValueError(f"[environment] packages must be a non-empty list of requirements, got {packages!r}")
        names = {requirement_name(p) for p in packages}
        if "numpy" not in names:
            raise ValueError("[environment] packages must include numpy: the worker exchanges arrays with it")
        return cls(assignment_id, tuple(packages), tests_dir / LOCK_NAME, kind)

    def requirements(self) -> list[str]:
        """What the lock is compiled from: the declared packages and what the worker needs besides."""
        declared = {requirement_name(p) for p in self.packages}
        extra = [n for n in WORKER_NEEDS.get(self.kind, ()) if n not in declared]
        return [*self.packages, *extra]

    def lock_text(self) -> str:
        try:
            return self.lock_path.read_text()
        except OSError:
            raise AssignmentError(f"{self.lock_path} is missing: run `autograder env {self.assignment_id} --lock` "
                                  "to compile it from [environment] in assignment.toml") from None

    def digest(self) -> str:
        """Names a built environment: the lock and the base interpreter's version. (Where torch came from is
        recorded in the environment, not in its name, so grading finds what setup.sh built with TORCH_INDEX.)"""
        text = f"{self.lock_text()}\n{_python_version(base_python())}"
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def directory(self, digest: str | None = None) -> Path:
        return envs_root() / f"{self.assignment_id}-{digest or self.digest()}"


def requirement_name(requirement: str) -> str:
    """The normalized distribution name of a requirement string ("Pandas>=2" -> "pandas")."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


@dataclass(frozen=True)
class Environment:
    """A built environment: its interpreter and what it holds."""

    spec: Spec
    path: Path
    python_version: str
    installed: dict[str, str]  # distribution name -> version
    modules: dict[str, str]    # top-level importable module -> its distribution

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    def declared(self) -> list[str]:
        """The declared packages with the versions installed ("numpy 1.26.4"), for messages."""
        names = [requirement_name(p) for p in self.spec.packages]
        return [f"{n} {self.installed[n]}" if n in self.installed else n for n in names]

    def missing_module_message(self, module: str) -> str:
        """What a student reads when their code imports ``module`` and this environment lacks it."""
        top = module.split(".")[0]
        return (f"`{top}` is not installed in this assignment's environment (it has: {', '.join(self.declared())}, "
                "and what those need); ask your instructor if the course's environment has it")

    def has_module(self, module: str) -> bool:
        return module.split(".")[0] in self.modules


#: Import names whose distribution is called otherwise, for the line that adds one to an environment.
DISTRIBUTION_OF = {"sklearn": "scikit-learn", "PIL": "pillow", "cv2": "opencv-python-headless", "yaml": "pyyaml",
                   "skimage": "scikit-image", "bs4": "beautifulsoup4", "dateutil": "python-dateutil",
                   "IPython": "ipython", "zmq": "pyzmq", "attr": "attrs", "pylab": "matplotlib",
                   "mpl_toolkits": "matplotlib"}


def addition(spec: Spec, module: str) -> str:
    """The one line that tells staff how to give ``spec``'s environment what ``module`` needs: its distribution,
    at the version another assignment's lock pins when one does (found without a network), and the re-lock."""
    top = module.split(".")[0]
    distribution = DISTRIBUTION_OF.get(top, top)
    versions = set()
    for lock in sorted(spec.lock_path.parent.parent.glob(f"*/{LOCK_NAME}")):
        with contextlib.suppress(OSError, ValueError):
            found = locked_versions(lock.read_text()).get(requirement_name(distribution))
            if found:
                versions.add(found)
    pin = f"=={max(versions, key=_version_key)}" if versions else ""
    toml = spec.lock_path.parent / "assignment.toml"
    with contextlib.suppress(ValueError):
        toml = toml.resolve().relative_to(Path.cwd().resolve())
    return (f'add "{distribution}{pin}" to [environment] packages in {toml}, then autograder env '
            f"{spec.assignment_id} --lock")


def _version_key(version: str) -> tuple:
    return tuple((0, int(part)) if part.isdigit() else (-1, part) for part in re.split(r"[.+-]", version))


# -- building --------------------------------------------------------------------------------------------------
Progress = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ensure(spec: Spec, progress: Progress = _stderr) -> Environment:
    """The environment of ``spec``, built first if it is not there yet (once: concurrent callers wait)."""
    digest = spec.digest()
    directory = spec.directory(digest)
    found = _read_stamp(directory, spec, digest)
    if found:
        return found
    directory.parent.mkdir(parents=True, exist_ok=True)
    with _locked(directory.parent / f".{directory.name}.lock"):
        found = _read_stamp(directory, spec, digest)  # another process built it while we waited
        if found:
            return found
        progress(f"Building {spec.assignment_id}'s environment in {directory} (first use only; "
                 f"{', '.join(spec.packages)}) ...")
        try:
            _build(spec, directory, digest, progress)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        found = _read_stamp(directory, spec, digest)
        if not found:
            raise AssignmentError(f"{spec.assignment_id}'s environment in {directory} was built but does not check out")
        progress(f"{spec.assignment_id}'s environment is ready: Python {found.python_version}, "
                 f"{', '.join(found.declared())}")
        return found


def find(spec: Spec) -> Environment | None:
    """The environment of ``spec`` if it is built, without building it."""
    digest = spec.digest()
    return _read_stamp(spec.directory(digest), spec, digest)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], what: str, timeout: float = 3600) -> None:
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        tail = (done.stdout + done.stderr).strip()[-4000:]
        raise AssignmentError(f"{what} failed (exit status {done.returncode}):\n{tail}")


def _build(spec: Spec, directory: Path, digest: str, progress: Progress) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    _run([base_python(), "-m", "venv", str(directory)], f"making a virtual environment with {base_python()}")
    python = str(directory / "bin" / "python")
    install_lock(python, spec.lock_text(), str(spec.lock_path), progress)
    survey = subprocess.run([python, "-I", "-c", _SURVEY], capture_output=True, text=True, timeout=300)
    if survey.returncode:
        raise AssignmentError(f"the new environment's Python does not run:\n{survey.stderr[-2000:]}")
    stamp = {"digest": digest, "torch_index": os.environ.get(TORCH_INDEX_ENV) or None,
             **json.loads(survey.stdout)}
    (directory / STAMP_NAME).write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n")
    # The sandbox account runs it: readable and executable by all, writable by the builder alone.
    subprocess.run(["chmod", "-R", "a+rX,go-w", str(directory)], check=True)


def install_lock(python: str, lock: str, shown_as: str, progress: Progress = _stderr,
                 torch_index: str | None = None) -> None:
    """Install a lock into the environment of ``python``: every distribution pinned, every hash checked.

    With a torch index (``torch_index``, else ``$TORCH_INDEX``), torch and torchvision come from it at the lock's
    versions, and the CUDA build's companion libraries in the lock are left out.
    """
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q"]
    torch_index = torch_index if torch_index is not None else os.environ.get(TORCH_INDEX_ENV)
    if torch_index:
        pins = [f"{name}=={version}" for name, version in locked_versions(lock).items() if name in TORCH_FROM_INDEX]
        if pins:
            progress(f"  {', '.join(pins)} from {torch_index} (by version: that index's hashes are not in the lock)")
            _run([*pip, "--no-deps", "--index-url", torch_index, *pins], f"installing {', '.join(pins)}")
        cpu_only = "+cpu" in _installed_version(python, "torch")  # else a CUDA build: it needs its libraries
        lock = without(lock, lambda name: name in TORCH_FROM_INDEX or (cpu_only and bool(ACCELERATOR.match(name))))
    with tempfile.TemporaryDirectory(prefix="autograder-lock-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(lock)
        progress(f"  {len(locked_versions(lock))} packages from {shown_as}, hashes checked ...")
        _run([*pip, "--require-hashes", "--no-deps", "-r", str(requirements)], f"installing {shown_as}")


def _installed_version(python: str, distribution: str) -> str:
    code = f"from importlib.metadata import version; print(version({distribution!r}))"
    done = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=120)
    return done.stdout.strip()


# What a built environment holds, surveyed by its own interpreter.
_SURVEY = r"""
import json, sys
from importlib import metadata
installed, modules = {}, {}
for dist in metadata.distributions():
    name = (dist.metadata["Name"] or "").lower().replace("_", "-").replace(".", "-")
    installed[name] = dist.version
    tops = (dist.read_text("top_level.txt") or "").split()
    if not tops:
        tops = {f.parts[0].split(".")[0] for f in (dist.files or []) if f.parts and not f.parts[0].endswith(
            (".dist-info", ".egg-info", ".pth", ".data")) and f.parts[0] not in ("..", "bin", "__pycache__")}
    for top in tops:
        modules.setdefault(top, name)
print(json.dumps({"python": sys.version.split()[0], "installed": installed, "modules": modules}))
"""


def _read_stamp(directory: Path, spec: Spec, digest: str) -> Environment | None:
    try:
        stamp = json.loads((directory / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return None
    if stamp.get("digest") != digest or not (directory / "bin" / "python").exists():
        return None
    return Environment(spec, directory, stamp["python"], dict(stamp["installed"]), dict(stamp["modules"]))


@functools.lru_cache(maxsize=8)
def _python_version(python: str) -> str:
    if python == sys.executable or os.path.realpath(python) == os.path.realpath(sys.executable):
        return sys.version.split()[0]
    done = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                          text=True, timeout=60)
    return done.stdout.strip() or "unknown"


# -- lock files ------------------------------------------------------------------------------------------------
def _blocks(lock: str) -> Iterator[tuple[str | None, str]]:
    """The lock's requirements, each with its continuation lines (hashes, "# via"): (name, text)."""
    block: list[str] = []
    name: str | None = None
    for line in lock.splitlines(keepends=True):
        if line[:1] not in (" ", "\t", "#", "\n", "") and not line.startswith("-"):
            if block:
                yield name, "".join(block)
            block, name = [line], requirement_name(line)
        else:
            block.append(line)
    if block:
        yield name, "".join(block)


def locked_versions(lock: str) -> dict[str, str]:
    """Every distribution the lock pins, with its version."""
    versions = {}
    for name, text in _blocks(lock):
        match = re.match(r"\s*[^=<>!~;\s]+==([^\s;\\]+)", text)
        if name and match:
            versions[name] = match.group(1)
    return versions


def without(lock: str, drop: Callable[[str], bool]) -> str:
    """The lock less the requirements whose name ``drop`` selects."""
    return "".join(text for name, text in _blocks(lock) if name is None or not drop(name))


def compile_lock(spec: Spec, uv: str | None = None) -> str:
    """Compile ``spec`` into its lock with uv (a dev tool: ``./dev`` installs it) and write it; returns the text."""
    uv = uv or shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists() and not shutil.which(uv):
        raise AssignmentError("compiling a lock needs uv (`pip install uv`; ./dev installs it)")
    with tempfile.TemporaryDirectory(prefix="autograder-lock-") as tmp:
        source = Path(tmp) / f"{spec.assignment_id}.in"
        source.write_text("\n".join(spec.requirements()) + "\n")
        command = f"autograder env {spec.assignment_id} --lock"
        _run([uv, "pip", "compile", *UV_COMPILE, "--custom-compile-command", command, str(source), "-o",
              str(spec.lock_path)], f"compiling {spec.lock_path}")
    return spec.lock_path.read_text()


#: How every lock of the project is compiled (``./dev lock`` reads this too): one version per package for every
#: Python this project supports (3.10 is Gradescope's Ubuntu 22.04) on every platform, with hashes.
UV_COMPILE = ("--universal", "--fork-strategy", "fewest", "--python-version", "3.10", "--generate-hashes", "-q")


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.environments LOCK ...``: install locks into this interpreter's environment the
    way students' environments are built (setup.sh uses it for the grader's own torch)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.environments", description=main.__doc__)
    parser.add_argument("locks", nargs="+", type=Path)
    parser.add_argument("--torch-index", help="where torch and torchvision come from (default: $TORCH_INDEX)")
    args = parser.parse_args(argv)
    for lock in args.locks:
        install_lock(sys.executable, lock.read_text(), str(lock), torch_index=args.torch_index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
