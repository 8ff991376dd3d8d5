"""Isolated environments for the target, built with uv and reused while unchanged.

Each environment is a virtualenv under readiness's cache folder, named after
the target (its name and where it lives), its kind (``test``, ``typing``,
``prod``) and a hash of everything that went into its dependencies: the
interpreter, ``pyproject.toml``/``setup.cfg``/``setup.py``, the target's lock,
the constraints file, the extras, groups and extra packages. Same inputs: the
environment is reused. Changed inputs: a new one is built (and the stale ones
of that target and kind removed). The target itself is installed from a copy
of its files (:mod:`.sources`: nothing is written into its tree) and
reinstalled when those files change.

Versions come from the target's lock when it has one (:mod:`.pinning`);
``Environment.versions_from`` says which, for the report.

The builder is uv, as in nox's uv backend. Gates build environments themselves
instead of shelling out to nox, because nox reuses an environment by name only
and would keep one whose lock has changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from readiness import buildlog, command
from readiness.cache import PROBES_FOLDER, probed
from readiness.environments import pinning, sources
from readiness.errors import ReadinessError
from readiness.metadata import cache_root
from readiness.target import Target

__all__ = [
    "READY",
    "UV_ENV",
    "BuildError",
    "Environment",
    "Interpreter",
    "Runner",
    "Spec",
    "cache_root",
    "candidate_paths",
    "choose",
    "ensure",
    "interpreters",
    "key",
    "probing_fresh",
]

#: Bump when the layout of an environment changes, so old ones are rebuilt.
FORMAT = "2"
READY = ".readiness-env.json"
#: uv must never try to download an interpreter: these machines have no route to it.
UV_ENV = {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}

Runner = Callable[..., command.Completed]


class BuildError(ReadinessError):
    """The environment cannot be built; the message says why in one line."""


@dataclass(frozen=True, kw_only=True)
class Interpreter:
    path: Path
    version: Version


@dataclass(frozen=True, kw_only=True)
class Spec:
    """What an environment holds: the target (with extras/groups) and packages.

    ``editable``: the package is imported from the target's tree when the tree
    holds all of it (as an editable install would, without writing there).
    ``reads_tree``: what runs in it reads the package's modules from the tree
    itself (mypy given every one as a source), so a change of those modules
    alone needs no reinstall, whatever the build does with them.
    """

    kind: str
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    constraints: Path | None = None
    install_target: bool = True
    editable: bool = True
    reads_tree: bool = False


@dataclass(frozen=True, kw_only=True)
class Environment:
    path: Path
    python: Path
    interpreter: Interpreter
    reused: bool
    #: Where the versions came from: "uv.lock", a constraints file, or
    #: "resolved (no lock)".
    versions_from: str = pinning.RESOLVED
    #: Whether the package is imported from the target's tree (else the copy).
    from_tree: bool = False

    def script(self, name: str) -> Path:
        return self.path / "bin" / name


def candidate_paths() -> list[Path]:
    """Interpreters worth asking: ours, pyenv's versions, real ones on PATH.

    Ours counts whatever its file is called (a virtualenv's is plain
    ``python``); the others must be named ``python3`` or ``python3.N``.
    """
    found: list[Path] = []
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found.extend(sorted(pyenv_root.glob("versions/*/bin/python3")))
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or "shims" in Path(folder).parts:
            continue  # pyenv shims refuse versions that are not "global"
        found.extend(sorted(Path(folder).glob("python3*")))
    unique: dict[Path, Path] = {}
    # A virtualenv's interpreter links to its base: use the base, so that
    # readiness run from two virtualenvs keys (and reuses) environments alike.
    ours = Path(sys.executable).resolve()
    if ours.is_file():
        unique[ours] = ours
    for path in found:
        if (
            path.is_file()
            and os.access(path, os.X_OK)
            and re.fullmatch(r"python3(\.\d+)?", path.name)
        ):
            unique.setdefault(path.resolve(), path)
    return list(unique.values())


#: What each interpreter answered, per process: probing takes ~50 ms apiece.
_probed: dict[Path, tuple[str, str] | None] = {}
_probed_lock = threading.Lock()
#: Whether answers are kept between runs (``--no-cache``: asked every time).
_remember = {"probes": True}

#: What an interpreter is asked: its implementation and version, as JSON.
PROBE = (
    "import json, platform;"
    "print(json.dumps([platform.python_implementation(),"
    " platform.python_version()]))"
)


@contextmanager
def probing_fresh(*, fresh: bool = True) -> Iterator[None]:
    """Within it (``fresh``), interpreters are asked again rather than
    remembered from an earlier run: ``--no-cache`` reads and keeps nothing."""
    before = _remember["probes"]
    _remember["probes"] = not fresh
    try:
        yield
    finally:
        _remember["probes"] = before


def _identity(path: Path) -> list[Path]:
    """What an interpreter's answer depends on beside its executable: the
    file it resolves to, and a virtualenv's ``pyvenv.cfg`` (its base)."""
    return [path.resolve(), path.parent.parent / "pyvenv.cfg"]


def _probe(path: Path, run: Runner, remember: Path | None) -> tuple[str, str] | None:
    """``(implementation, version)`` of the interpreter at ``path``, or None.

    Remembered in ``remember`` (when given) while the executable, what it
    resolves to and its ``pyvenv.cfg`` keep their size and mtime
    (:func:`readiness.cache.probed`); a failure is never remembered.
    """
    with _probed_lock:
        if path in _probed:
            return _probed[path]

    def ask() -> str:
        return run([str(path), "-c", PROBE], record=False).stdout

    try:
        said = probed(remember, [str(path), "-c", PROBE], ask, depends=_identity(path))
        implementation, version = json.loads(said)
        answer: tuple[str, str] | None = (str(implementation), str(version))
    except (ReadinessError, ValueError, TypeError):
        answer = None
    with _probed_lock:
        _probed[path] = answer
    return answer


def interpreters(run: Runner, *, root: Path | None = None) -> list[Interpreter]:
    """Every CPython 3 that answers, newest first (PyPy and broken ones left out).

    Answers are remembered beside the environments (``root``, default the
    cache root) unless :func:`probing_fresh` says to ask again.
    """
    remember = (
        (root or cache_root()) / "envs" / PROBES_FOLDER if _remember["probes"] else None
    )
    found: dict[Version, Interpreter] = {}
    for path in candidate_paths():
        answer = _probe(path, run, remember)
        if answer is not None and answer[0] == "CPython":
            version = Version(answer[1])
            found.setdefault(version, Interpreter(path=path, version=version))
    return [found[v] for v in sorted(found, reverse=True)]


def choose(
    available: Sequence[Interpreter], requires_python: str | None, wanted: str | None
) -> Interpreter:
    """The interpreter for the target: ``wanted`` (e.g. "3.12") or the newest that fits.

    The interpreter running readiness is preferred when it fits, since its
    wheels are the most likely to be cached already.
    """
    try:
        spec = SpecifierSet(requires_python or "")
    except InvalidSpecifier:
        raise BuildError(
            f"requires-python {requires_python!r} is not a valid version specifier"
        ) from None
    fitting = [i for i in available if spec.contains(i.version, prereleases=True)]
    if wanted:
        fitting = [i for i in fitting if _is_version(i.version, wanted)]
    if not fitting:
        have = ", ".join(str(i.version) for i in available) or "none"
        need = f"Python {wanted}" if wanted else "a Python"
        if requires_python:
            need += f" satisfying requires-python {requires_python}"
        raise BuildError(f"no installed interpreter is {need} (found: {have})")
    running = Version(".".join(map(str, sys.version_info[:3])))
    return next((i for i in fitting if i.version == running), fitting[0])


def _is_version(version: Version, wanted: str) -> bool:
    """Whether ``version`` is ``wanted``: "3.12" means any 3.12.x, "3.12.1" exactly."""
    text = str(version)
    return text == wanted or text.startswith(f"{wanted}.")


def key(target: Target, spec: Spec, interpreter: Interpreter) -> str:
    """A hash of the environment's dependency inputs (not the target's own code)."""
    digest = hashlib.sha256()
    parts: list[bytes] = [FORMAT.encode(), str(interpreter.path).encode()]
    parts.append(str(target.root).encode())
    parts.append(str(interpreter.version).encode())
    parts.extend(
        repr(x).encode()
        for x in (
            spec.kind,
            spec.extras,
            spec.groups,
            spec.packages,
            spec.install_target,
        )
    )
    parts.append(repr(spec.editable).encode())
    for name in ("pyproject.toml", "setup.cfg", "setup.py", "uv.lock"):
        path = target.root / name
        parts.append(path.read_bytes() if path.is_file() else b"-")
    parts.append(spec.constraints.read_bytes() if spec.constraints else b"-")
    parts.append(pinning.plan(target, spec.constraints).digest.encode())
    for part in parts:
        digest.update(part + b"\0")
    return digest.hexdigest()[:12]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: One builder at a time per lock file: shared with :mod:`readiness.toolenv`.
locked = _locked


def ensure(
    target: Target,
    spec: Spec,
    *,
    run: Runner,
    python: str | None = None,
    root: Path | None = None,
) -> Environment:
    """The environment for ``spec``: reused when its inputs are unchanged.

    A reused environment gets the target reinstalled when its files changed,
    except when only the ``.py`` modules of its packages did
    (:attr:`sources.Sources.install`) and either the tree serves them
    (``Spec.editable``, the package imported from the tree, a build that
    copies them as they are) or what runs there reads them from the tree
    (``Spec.reads_tree``); the latter keeps the installed copy as it is, and
    the next change outside those modules reinstalls it.
    """
    interpreter = choose(interpreters(run, root=root), target.requires_python, python)
    slug = re.sub(r"[^a-z0-9]+", "-", target.name.lower()).strip("-") or "target"
    where = hashlib.sha256(str(target.root).encode()).hexdigest()[:6]
    prefix = f"{slug}-{where}-{spec.kind}"
    folder = (root or cache_root()) / "envs"
    name = f"{prefix}-{key(target, spec, interpreter)}"
    path = folder / name
    python_path = path / "bin" / "python"
    pinned = pinning.plan(target, spec.constraints)
    listed = sources.listed(target, run) if spec.install_target else None
    with _locked(folder / f"{name}.lock"):
        ready = _ready(path)
        reused = ready is not None and python_path.exists()
        if not reused:
            for stale in folder.glob(f"{prefix}-*"):
                if (
                    stale.is_dir()
                    and stale != path
                    and stale.name.count("-") == name.count("-")
                ):
                    shutil.rmtree(stale, ignore_errors=True)
            shutil.rmtree(path, ignore_errors=True)
        installed = ready.get("source") if ready else None
        build = not reused or (listed is not None and installed != listed.digest)
        # Only the tree's modules changed (see sources.listed)
        modules_only = (
            build
            and reused
            and listed is not None
            and listed.install is not None
            and ready is not None
            and ready.get("install") == listed.install
        )
        # ... and the tree serves them: the installed copy is what a
        # reinstall would give
        served = (
            modules_only
            and spec.editable
            and listed is not None
            and listed.copies
            and ready is not None
            and ready.get("from_tree") is True
        )
        from_tree = False
        if served:
            from_tree = sources.link_tree(target, path)
            build = not from_tree
        # ... or nothing there reads the installed copy of them: it stays,
        # stale, and is recorded as what it is
        kept = build and modules_only and spec.reads_tree
        if kept:
            build = False
        if build:
            _build(
                target,
                spec,
                path=path,
                interpreter=interpreter,
                run=run,
                pinned=pinned,
                listed=listed,
                fresh=not reused,
            )
        if build or not served:
            from_tree = (
                sources.link_tree(target, path)
                if spec.install_target and spec.editable
                else False
            )
        state = {
            "kind": spec.kind,
            "python": str(interpreter.version),
            "source": (
                ready.get("source")
                if kept and ready
                else listed.digest if listed else None
            ),
            "install": listed.install if listed else None,
            "from_tree": from_tree,
        }
        (path / READY).write_text(json.dumps(state) + "\n")
    return Environment(
        path=path,
        python=python_path,
        interpreter=interpreter,
        reused=reused,
        versions_from=pinned.versions_from,
        from_tree=from_tree,
    )


def _ready(path: Path) -> dict[str, object] | None:
    """What a finished build recorded, or None when the environment is not ready."""
    try:
        state = json.loads((path / READY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _build(
    target: Target,
    spec: Spec,
    *,
    path: Path,
    interpreter: Interpreter,
    run: Runner,
    pinned: pinning.Pinning,
    listed: sources.Sources | None,
    fresh: bool,
) -> None:
    """Create the environment (``fresh``) or reinstall the target into it."""
    python = path / "bin" / "python"
    scratch = tempfile.mkdtemp(prefix="readiness-install-")
    try:
        if fresh:
            run(
                [
                    "uv",
                    "venv",
                    "--quiet",
                    "--python",
                    str(interpreter.path),
                    str(path),
                ],
                env=UV_ENV,
            )
            if not python.exists():
                raise command.ToolFailed(
                    "uv venv exited with code 0 but created no interpreter"
                )
        install = _install_args(
            target,
            spec,
            python=python,
            run=run,
            pinned=pinned,
            listed=listed,
            scratch=Path(scratch),
        )
        if install is not None:
            args, env = install
            if not fresh:
                args += ["--reinstall-package", target.name]
            run(args, env=env)
    except command.ToolTimeout:
        shutil.rmtree(path, ignore_errors=True)
        raise
    except command.ToolError as error:
        shutil.rmtree(path, ignore_errors=True)
        output = error.output if isinstance(error, command.ToolFailed) else ""
        # The copy's path means the target's (as in uv's "Failed to build `pkg @ ...`").
        detail = (output or str(error)).replace(
            str(Path(scratch) / "target"), str(target.root)
        )
        if buildlog.target_build_failed(detail, target.root):
            cause = buildlog.root_cause(detail)
            raise BuildError(f"blocked: the package does not build ({cause})") from None
        # Without uv's own explanation, what the call did says most (a crash).
        reason = _reason(detail, fallback=str(error).replace(scratch, "..."))
        raise BuildError(
            f"cannot build the {spec.kind} environment: {reason}"
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _install_args(
    target: Target,
    spec: Spec,
    *,
    python: Path,
    run: Runner,
    pinned: pinning.Pinning,
    listed: sources.Sources | None,
    scratch: Path,
) -> tuple[list[str], dict[str, str]] | None:
    """The ``uv pip install`` command and its environment; None: nothing to install."""
    args = ["uv", "pip", "install", "--quiet", "--python", str(python)]
    env = dict(UV_ENV)
    wanted: list[str] = []
    if pinned.uv_lock is not None:
        exported = run(
            pinning.export_args(target, spec.extras, spec.groups),
            env=UV_ENV,
        )
        lock = scratch / pinning.EXPORT_NAME
        lock.write_text(exported.stdout, encoding="utf-8")
        args += ["--constraints", str(lock)]
        wanted += ["--requirements", str(lock)]
    elif pinned.constraints is not None:
        args += ["--constraints", str(pinned.constraints)]
    elif pinned.locked is not None:
        constraints = scratch / pinning.CONSTRAINTS_NAME
        constraints.write_text(pinning.constraint_lines(pinned.locked))
        args += ["--constraints", str(constraints)]
    if listed is not None:
        copy = sources.copy(target, listed, scratch / "target")
        extras = f"[{','.join(spec.extras)}]" if spec.extras else ""
        wanted.append(f"{copy}{extras}")
        env.update(sources.scm_variables(listed))
    if pinned.uv_lock is None:  # else the export holds the groups
        for group in spec.groups:
            wanted += ["--group", f"{target.root / 'pyproject.toml'}:{group}"]
    wanted += spec.packages
    return ([*args, *wanted], env) if wanted else None


def _reason(message: str, fallback: str | None = None) -> str:
    """uv explains a failure over several lines; keep the telling one.

    A resolution failure's cause starts with "Because" (after ``cause:`` in
    plain output, after tree drawing on a terminal); other failures have an
    ``error:`` line. uv's "Using Python ... environment" notice is never it.
    Otherwise ``fallback`` when given, else the last line.
    """
    lines = [
        line.strip(" \u2570\u2500\u25b6\u00d7")  # uv's tree drawing
        .removeprefix("cause:")
        .strip()
        for line in message.splitlines()
    ]
    lines = [line[:300] for line in lines if line]  # as command.last_line keeps
    for line in lines:
        if line.startswith("Because") or "not found" in line:
            return line
    for line in lines:
        if line.startswith("error:"):
            return line.removeprefix("error:").strip()
    if fallback is not None:
        return fallback
    return lines[-1] if lines else "uv failed"


def export_lock(
    target: Target,
    *,
    extras: Sequence[str],
    groups: Sequence[str],
    dest: Path,
    run: Runner,
) -> Path:
    """The versions the target's ``uv.lock`` pins for its dependencies, ``extras``
    and ``groups``, written to ``dest`` as a constraints file (``uv export
    --frozen``; the target and its workspace members left out), so that an
    environment built with it holds the locked versions."""
    args = ["uv", "export", "--frozen", "--no-hashes", "--no-header"]
    args += ["--no-annotate", "--no-emit-workspace", "--no-default-groups"]
    args += ["--project", str(target.root), "--output-file", str(dest)]
    for extra in extras:
        args += ["--extra", extra]
    for group in groups:
        args += ["--group", group]
    try:
        run(args, env=UV_ENV)
    except command.ToolError as error:
        detail = error.output if isinstance(error, command.ToolFailed) else ""
        raise BuildError(
            f"uv cannot export uv.lock: {_reason(detail or str(error))}"
        ) from None
    return dest
