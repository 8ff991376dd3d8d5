"""Walking a target's own files: pruned of environments, caches and build output.

Shared by the gates that read files themselves (``secrets``, ``docs``), with
the same exclusion rule: a pattern matches a path or any folder above it, so
``examples`` or ``examples/**`` or ``docs/archive/*.md`` all do what they say.
Also what git's failures mean: only "not a git repository" lets a caller skip
its git checks; any other failure (a crash) is an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from readiness.command import ToolFailed

#: Folders that hold no file of the target's own (environments, caches, builds).
PRUNED = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".nox",
        ".tox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        ".eggs",
        "site-packages",
        "build",
        "dist",
        ".readiness",
    }
)


#: git's exit code for a fatal error, and its message when the folder is in no
#: repository (``fatal: not a git repository (or any of the parent ...)``).
GIT_FATAL = 128
NOT_A_REPOSITORY = "not a git repository"


def outside_repository(error: ToolFailed) -> bool:
    """Whether git (run with ``LC_ALL=C``) failed only because the folder lies in
    no git repository.

    A crash, a signal or another fatal error (``detected dubious ownership``)
    is not that: taken for it, every git check would silently be skipped.
    """
    return error.returncode == GIT_FATAL and NOT_A_REPOSITORY in error.output


def in_checkout(root: Path) -> bool:
    """Whether ``root`` or a folder above it holds ``.git`` (a work tree's marker)."""
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def excluded(rel: str, patterns: Sequence[str]) -> bool:
    """Whether ``rel`` (with ``/``) or a folder above it matches one of ``patterns``."""
    if not patterns:
        return False
    path = PurePosixPath(rel)
    candidates = [rel, *(p.as_posix() for p in path.parents if p.as_posix() != ".")]
    return any(
        fnmatchcase(candidate, pattern.rstrip("/"))
        for pattern in patterns
        for candidate in candidates
    )


def walk(root: Path, exclude: Sequence[str] = ()) -> Iterator[str]:
    """Every regular file under ``root`` as a relative ``/`` path, sorted per folder.

    Folders in :data:`PRUNED`, virtual environments under any name (a
    ``pyvenv.cfg`` inside) and ``*.egg-info`` are not entered.
    """
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        rel_base = base.relative_to(root).as_posix()
        prefix = "" if rel_base == "." else f"{rel_base}/"
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in PRUNED
            and not d.endswith(".egg-info")
            and not (base / d / "pyvenv.cfg").exists()
            and not excluded(prefix + d, exclude)
        )
        for name in sorted(files):
            rel = prefix + name
            if (base / name).is_file() and not excluded(rel, exclude):
                yield rel
