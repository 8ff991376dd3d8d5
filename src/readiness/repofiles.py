"""Walking a target's own files: pruned of environments, caches and build output.

Shared by the gates that read files themselves (``secrets``, ``docs``), with
the same exclusion rule: a pattern matches a path or any folder above it, so
``examples`` or ``examples/**`` or ``docs/archive/*.md`` all do what they say.
Symbolic links that leave the target (or loop, or point nowhere) are not
followed: :func:`inside` says whether a path stays in the root once resolved,
and :func:`unsafe_links` lists the links a tool that walks the tree must be
told to exclude (a tool following ``self -> .`` never ends).
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
#: How the gates run git in a target: no locks taken, nothing written there;
#: C locale, so that its "not a git repository" is read
#: (:func:`outside_repository`).
GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
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


def inside(root: Path, path: Path) -> bool:
    """Whether ``path`` resolves (symlinks followed) to ``root`` or below it.

    A dangling link or a loop does not resolve: it is not inside.
    ``root`` must be resolved already.
    """
    try:
        return path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):  # RuntimeError: a loop on Python 3.11/3.12
        return False


def unsafe_links(root: Path, exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """Symbolic links under ``root`` a tree-walking tool must not follow.

    Those that resolve outside ``root`` or nowhere (dangling, a loop), and
    folder links back to a folder that holds them (``self -> .``, ``up ->
    ..``), which a tool following folder links would walk without end.
    Relative ``/`` paths, sorted; pruned folders as :func:`walk` prunes them.
    """
    found: list[str] = []
    resolved = root.resolve()
    for rel in _entries(root, exclude):
        path = root / rel
        if path.is_symlink() and (not inside(resolved, path) or _loops(path)):
            found.append(rel)
    return tuple(sorted(found))


def _loops(link: Path) -> bool:
    """Whether a folder link leads back to a folder that holds it."""
    return link.is_dir() and link.parent.resolve().is_relative_to(link.resolve())


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
    ``pyvenv.cfg`` inside) and ``*.egg-info`` are not entered; folder links are
    not followed, file links only when they stay inside ``root`` (resolved).
    """
    resolved = root.resolve()
    for rel in _entries(root, exclude):
        path = root / rel
        if path.is_file() and (not path.is_symlink() or inside(resolved, path)):
            yield rel


def _entries(root: Path, exclude: Sequence[str]) -> Iterator[str]:
    """Every file and link (folder links included, not entered) under ``root``."""
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
        links = [d for d in dirs if (base / d).is_symlink()]
        for name in sorted([*files, *links]):
            rel = prefix + name
            if not excluded(rel, exclude):
                yield rel
