"""The project model from the build backend, for every PEP 517 layout.

A complete static ``[project]`` table (nothing the gates need listed in
``dynamic``) is read as is. Otherwise — setuptools with ``setup.cfg`` or
``setup.py``, poetry-core's ``[tool.poetry]``, ``dynamic`` dependencies — the
backend's own metadata is prepared the standard way: pypa/build's
``ProjectBuilder.metadata_path`` (the ``prepare_metadata_for_build_wheel``
hook, or a wheel build where a backend lacks it) in an isolated build
environment created with uv. That runs in a child process (through
:mod:`readiness.command`: timeout, process group killed) on a temporary copy
of the project, so the backend's ``*.egg-info`` and generated files never land
in the target's tree. The result is cached by the hash of the backend's input
files, so a second audit does not build again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from readiness import command
from readiness.atomicio import write_text_atomic
from readiness.errors import ReadinessError

#: ``[project]`` keys whose values the gates need; dynamic ones need the backend.
NEEDED = frozenset(
    {"dependencies", "optional-dependencies", "scripts", "requires-python"}
)
#: The files a backend reads to produce the metadata (the cache key).
BACKEND_INPUTS = ("pyproject.toml", "setup.cfg", "setup.py")
#: Bumped when the cached format changes.
CACHE_FORMAT = "1"
PREPARE_TIMEOUT_S = 600.0
#: How setuptools-scm (and hatch-vcs) and pdm-backend are told a version.
SCM_VARIABLES = ("SETUPTOOLS_SCM_PRETEND_VERSION", "PDM_BUILD_SCM_VERSION")
#: Folders never copied for a metadata build.
NOT_COPIED = frozenset({".git", ".hg", ".venv", "venv", ".nox", ".tox", "node_modules"})
#: ``extra == "x"`` as packaging writes it: the whole marker, or its first or last term.
_EXTRA_CLAUSE = re.compile(
    r"""^extra == "(?P<only>[^"]+)"$"""
    r"""|^extra == "(?P<first>[^"]+)" and (?P<after>.+)$"""
    r"""|^(?P<before>.+) and extra == "(?P<last>[^"]+)"$"""
)


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit): ")
_ERROR_LINE = re.compile(r"(?i)\berror\b")


class MetadataError(ReadinessError):
    """The backend could not prepare the metadata; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Metadata:
    """What the package declares, and where that came from."""

    name: str
    requires_python: str | None
    dependencies: tuple[str, ...]
    extras: Mapping[str, tuple[str, ...]]
    scripts: Mapping[str, str]
    #: e.g. "pyproject.toml [project]" or "setuptools.build_meta (prepared metadata)"
    source: str


def cache_root() -> Path:
    """readiness's cache folder: ``READINESS_CACHE_DIR``, else the XDG cache."""
    configured = os.environ.get("READINESS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "readiness"


def static_complete(project: Mapping[str, Any]) -> bool:
    """Whether ``[project]`` alone says everything the gates need."""
    dynamic = project.get("dynamic", ())
    listed = {str(item) for item in dynamic} if isinstance(dynamic, list) else set()
    return bool(project.get("name")) and not (listed & NEEDED)


def backend_name(pyproject: Mapping[str, Any]) -> str:
    build_system = pyproject.get("build-system", {})
    backend = (
        build_system.get("build-backend") if isinstance(build_system, Mapping) else None
    )
    return str(backend) if backend else "setuptools.build_meta:__legacy__"


def input_hash(root: Path) -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for name in BACKEND_INPUTS:
        path = root / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<absent>")
    return digest.hexdigest()


def prepared(root: Path, pyproject: Mapping[str, Any], *, cache_root: Path) -> Metadata:
    """The backend's metadata for ``root``, from the cache when its inputs match."""
    cache = cache_root / "metadata" / f"{input_hash(root)}.json"
    try:
        return _from_json(json.loads(cache.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    source = f"{backend_name(pyproject)} (prepared metadata)"
    with tempfile.TemporaryDirectory(prefix="readiness-metadata-") as scratch:
        copy = Path(scratch) / "src"
        shutil.copytree(root, copy, ignore=_ignored, symlinks=True)
        out = Path(scratch) / "out"
        out.mkdir()
        try:
            command.run(
                [
                    sys.executable,
                    "-m",
                    "readiness._prepare_metadata",
                    str(copy),
                    str(out),
                ],
                cwd=Path(scratch),
                timeout_s=PREPARE_TIMEOUT_S,
                env=scm_variables(root),
            )
        except command.ToolError as exc:
            raise MetadataError(
                f"the build backend ({backend_name(pyproject)}) could not prepare the"
                f" metadata: {_root_cause(exc)}"
            ) from None
        folders = [path for path in out.iterdir() if path.suffix == ".dist-info"]
        if len(folders) != 1:
            raise MetadataError(
                f"the build backend ({backend_name(pyproject)}) prepared no metadata"
            )
        metadata = read_dist_info(folders[0], source=source)
    cache.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(cache, json.dumps(_to_json(metadata), sort_keys=True))
    return metadata


def scm_variables(root: Path) -> dict[str, str]:
    """``PRETEND`` versions for a copy without ``.git``: the last tag, else 0.0.0.

    setuptools-scm, hatch-vcs and pdm-backend read the version from git, which
    a copy has not; outside git (an sdist) they read ``PKG-INFO`` themselves.
    """
    if not any((folder / ".git").exists() for folder in (root, *root.parents)):
        return {}
    version = "0.0.0"
    try:
        described = command.run(
            ["git", "describe", "--tags", "--abbrev=0"],
            cwd=root,
            timeout_s=60,
            ok_codes=(0, 128),
        )
    except command.ToolError:
        described = None
    if described is not None and described.returncode == 0:
        with contextlib.suppress(InvalidVersion):
            version = str(Version(described.stdout.strip().removeprefix("v")))
    return dict.fromkeys(SCM_VARIABLES, version)


def _ignored(folder: str, names: list[str]) -> set[str]:
    del folder
    return {name for name in names if name in NOT_COPIED}


def _root_cause(exc: command.ToolError) -> str:
    """The backend's last exception line, else its last error line."""
    output = str(getattr(exc, "output", "") or exc)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for pattern in (_EXCEPTION_LINE, _ERROR_LINE):
        for line in reversed(lines):
            if pattern.search(line):
                return line[:300]
    return (lines[-1] if lines else str(exc))[:300]


def read_dist_info(folder: Path, *, source: str) -> Metadata:
    """A ``.dist-info`` folder's metadata and console scripts as :class:`Metadata`."""
    # importlib.metadata costs ~50 ms to import: only when a build's is read
    from importlib.metadata import PathDistribution  # noqa: PLC0415

    distribution = PathDistribution(folder)
    headers = distribution.metadata
    dependencies, extras = split_requires(
        distribution.requires or (), headers.get_all("Provides-Extra") or ()
    )
    return Metadata(
        name=str(headers["Name"] or folder.name.split("-")[0]),
        requires_python=str(headers["Requires-Python"] or "") or None,
        dependencies=dependencies,
        extras=extras,
        scripts={
            entry.name: entry.value
            for entry in distribution.entry_points.select(group="console_scripts")
        },
        source=source,
    )


def split_requires(
    requires: Iterable[str], extras_declared: Iterable[str]
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """``Requires-Dist`` lines as (dependencies, {extra: requirements}).

    A requirement under ``extra == "x"`` goes to ``x`` with that clause
    removed from its marker (the rest of the marker is kept).
    """
    dependencies: list[str] = []
    extras: dict[str, list[str]] = {str(name): [] for name in extras_declared}
    for line in requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        marker = str(requirement.marker) if requirement.marker else ""
        found = _EXTRA_CLAUSE.match(marker)
        if found is None:
            dependencies.append(str(requirement))
            continue
        extra = found["only"] or found["first"] or found["last"]
        rest = found["after"] or found["before"]
        requirement.marker = Marker(rest) if rest else None
        extras.setdefault(extra, []).append(str(requirement))
    return tuple(dependencies), {name: tuple(items) for name, items in extras.items()}


def _to_json(metadata: Metadata) -> dict[str, Any]:
    data = asdict(metadata)
    data["extras"] = {name: list(items) for name, items in metadata.extras.items()}
    data["dependencies"] = list(metadata.dependencies)
    return data


def _from_json(data: Mapping[str, Any]) -> Metadata:
    return Metadata(
        name=str(data["name"]),
        requires_python=data["requires_python"],
        dependencies=tuple(str(item) for item in data["dependencies"]),
        extras={
            str(name): tuple(str(item) for item in items)
            for name, items in data["extras"].items()
        },
        scripts={str(name): str(ref) for name, ref in data["scripts"].items()},
        source=str(data["source"]),
    )
