"""The result cache: a gate's result reused while none of its inputs changed.

A result is keyed by the content of everything the gate reads: the target's
files that match the gate's ``inputs`` patterns (sha256 of their bytes, not
their mtimes; untracked files count, ignored ones do not), the settings, the
gate's own extra inputs (:meth:`Gate.cache_extra`, e.g. the advisory
database), readiness's version and its tools' versions, the Python running it.
Passing, failing and skipped results are stored; an ``error`` never is (it may
be a passing fault). Gates whose result depends on the outside world return
``None`` from ``cache_extra`` and always run.

The tools' own caches (ruff's, black's, mypy's incremental cache) live beside
the results, in a persistent folder per target (:func:`tool_folder`), so a
gate that does run after a small change re-checks only the changed files.

What a tool said of itself (``tool --version``) is remembered too
(:func:`probed`), by the executable's path, size and mtime, so an audit does
not start a process to learn again what it learnt last time.

The results themselves are stored by :mod:`readiness.resultstore`.
``--no-cache`` bypasses all of it (nothing read, nothing written);
``--cache-dir DIR`` moves it (CI saves and restores DIR).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import hashlib
import json
import os
import platform
import re
import stat
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness import command, installed
from readiness.atomicio import write_text_atomic
from readiness.codeid import code_identity
from readiness.contenthash import HASHES
from readiness.metadata import cache_root
from readiness.repofiles import walk
from readiness.settings import Settings
from readiness.target import Target

#: Bumped whenever the stored format or the key's recipe changes.
FORMAT = "1"
#: Distributions whose versions change what the gates report.
TOOLS = ("ruff", "black", "bandit", "mypy", "pytest", "uv", "build", "packaging")
#: Files larger than this are keyed by size and mtime rather than read.
MAX_HASHED_BYTES = 64 * 1024 * 1024
#: Folders never part of a gate's inputs, with or without git.
NEVER = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        ".nox",
        ".tox",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        "node_modules",
    }
)


def target_folder(root: Path, base: Path) -> Path:
    """The cache folder of one target under ``base``."""
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return base / f"{root.name or 'root'}-{digest}"


def facts_folder(settings: Settings) -> Path | None:
    """Where facts read from files are remembered (:mod:`readiness.filefacts`);
    ``None`` without the cache."""
    return None if settings.cache_dir is None else settings.cache_dir / "facts"


def tool_folder(settings: Settings, scratch: Path, tool: str) -> Path:
    """Where ``tool`` keeps its own cache: persistent with the cache, else scratch."""
    if settings.cache_dir is None:
        return scratch / f"{tool}-cache"
    return settings.cache_dir / "tools" / tool


@dataclass(frozen=True, kw_only=True)
class FileIndex:
    """The target's files (relative, ``/``) and the hash of each one's content."""

    hashes: Mapping[str, str]

    @classmethod
    def of(cls, target: Target) -> FileIndex:
        return cls(
            hashes={rel: _file_hash(target.root / rel) for rel in _files(target)}
        )

    def matching(self, patterns: Iterable[str]) -> list[tuple[str, str]]:
        """The files any of ``patterns`` matches (as ``fnmatchcase``), sorted."""
        wanted = tuple(patterns)
        if not wanted:
            return []
        # one regex for all patterns: a file is matched once, not once per pattern
        regex = re.compile("|".join(fnmatch.translate(p) for p in wanted))
        return sorted(
            (rel, digest) for rel, digest in self.hashes.items() if regex.match(rel)
        )


def _files(target: Target) -> list[str]:
    """Tracked and untracked-but-not-ignored files; every file outside git."""
    names = _git_listed(target)
    if names is None:  # not a git repository: every file but the pruned
        names = list(walk(target.root))
    return [
        name
        for name in dict.fromkeys(names)
        if not NEVER.intersection(name.split("/")[:-1])
    ]


def _git_listed(target: Target) -> list[str] | None:
    """What git lists, or None when git cannot say (or says what cannot be:
    nothing, or a first file that is not there): the walk, a superset, is safe."""
    try:
        listed = command.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=target.root,
            timeout_s=30,
        ).require_complete()
    except command.ToolError:
        return None
    names = [name for name in listed.stdout.split("\0") if name]
    if not names or not os.path.lexists(target.root / names[0]):
        return None
    return names


def _file_hash(path: Path) -> str:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            return f"link:{path.readlink()}"
        if info.st_size > MAX_HASHED_BYTES:
            return f"big:{info.st_size}:{info.st_mtime_ns}"
        return HASHES.hash(path, info)
    except OSError:
        return "unreadable"


@functools.cache
def tool_versions() -> Mapping[str, str]:
    """The versions of the tools installed with readiness (looked up once per
    process: each lookup reads a package's metadata, and every gate's key
    holds them)."""
    versions = {}
    for name in TOOLS:
        found = installed.version(name)
        if found is not None:
            versions[name] = found
    return versions


def path_identity(path: Path | None) -> str:
    """A file's (or folder's) identity for a key: size and mtime, or absence."""
    if path is None:
        return "none"
    try:
        info = path.stat()
    except OSError:
        return f"{path}:absent"
    return f"{path}:{info.st_size}:{info.st_mtime_ns}"


def key(
    *,
    gate: str,
    patterns: Iterable[str],
    extra: str,
    settings: Settings,
    index: FileIndex,
) -> str:
    """The cache key of one gate's result."""
    recipe: dict[str, Any] = {
        "format": FORMAT,
        # the fault-injection seam and the interpreter change what tools run
        "tools_dir": os.environ.get("READINESS_TOOLS_DIR", ""),
        "executable": sys.executable,
        "readiness": code_identity(),
        "python": platform.python_version(),
        "tools": dict(tool_versions()),
        "gate": gate,
        "settings": _settings_data(settings),
        "extra": extra,
        "inputs": index.matching(patterns),
    }
    text = json.dumps(recipe, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _settings_data(settings: Settings) -> dict[str, Any]:
    data = dataclasses.asdict(settings)
    data.pop("cache_dir", None)
    data["baseline"] = path_identity(settings.baseline)
    data["advisory_db"] = path_identity(settings.advisory_db)
    return data


#: The file of :func:`probed`'s answers in its folder.
PROBES = "probes.json"
#: The folder of the probes' answers beside the environments
#: (``READINESS_CACHE_DIR/envs/``).
PROBES_FOLDER = "probes"
#: At most this many answers are kept (the oldest go first): executables of
#: environments long deleted are not remembered for ever.
PROBES_KEPT = 512


def probes_folder(cache_dir: Path | None) -> Path | None:
    """Where the answers of tools' probes are remembered: beside the
    environments, with the interpreters' (what an executable answers is the
    machine's, not one target's: a second project's first audit does not ask
    the same black again); ``None`` when the audit's ``cache_dir`` is
    (``--no-cache``: asked every time)."""
    return None if cache_dir is None else cache_root() / "envs" / PROBES_FOLDER


def probed(
    folder: Path | None,
    args: Sequence[str],
    ask: Callable[[], str],
    *,
    depends: Iterable[Path] = (),
) -> str:
    """What ``ask`` (a probe of a tool: ``tool --version``) answers, remembered
    in ``folder`` while the tool's executable (``args[0]`` as it resolves) and
    ``depends`` (e.g. the site-packages of ``python -m mypy``) keep their path,
    size and mtime. ``folder`` ``None`` (``--no-cache``): asked every time. An
    answer is kept only when ``ask`` returns; what it raises propagates."""
    if folder is None:
        return ask()
    try:
        executable = command.which(args[0])
    except command.ToolError:
        return ask()
    recipe = [
        os.environ.get(command.TOOLS_DIR_ENV, ""),
        path_identity(Path(executable)),
        *(path_identity(path) for path in depends),
        *args,
    ]
    entry = hashlib.sha256(json.dumps(recipe).encode()).hexdigest()
    path = folder / PROBES
    known = _probes(path)
    if entry in known:
        return known[entry]
    answer = ask()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        kept = list({**_probes(path), entry: answer}.items())[-PROBES_KEPT:]
        latest = dict(kept)
        write_text_atomic(path, json.dumps(latest, sort_keys=True))
    return answer


def _probes(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}
