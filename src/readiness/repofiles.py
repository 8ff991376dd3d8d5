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
    for rel, entry in _entries(root, exclude):
        if not entry.is_symlink():
            continue
        path = root / rel
        if not inside(resolved, path) or _loops(path):
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
    for rel, entry in _entries(root, exclude):
        if _is_file(entry) and (not entry.is_symlink() or inside(resolved, root / rel)):
            yield rel


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a file, links followed (a loop or a dangling link,
    whose following fails, is not: ``Path.is_file``'s answer)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _entries(
    root: Path, exclude: Sequence[str]
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every file and link (folder links included, not entered) under ``root``,
    each folder's sorted, before its sub-folders' (``os.walk``'s order).

    With its ``os.DirEntry``, whose type the listing already holds: a walk
    checks each file's kind without a ``stat`` (pathlib's would take two).
    Iterative: a tree nested deeper than the recursion limit is walked too.
    """
    pending = [""]  # folder prefixes ("" or "a/b/"), the next on top
    while pending:
        prefix = pending.pop()
        folder = root / prefix if prefix else root
        try:
            with os.scandir(folder) as listing:
                found = list(listing)
        except OSError:
            continue  # unreadable, or gone: skipped, as os.walk skips it
        dirs: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for entry in found:
            try:
                is_dir = entry.is_dir()  # a link to a folder counts, as in os.walk
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry)
        kept = sorted(
            (
                d
                for d in dirs
                if d.name not in PRUNED
                and not d.name.endswith(".egg-info")
                and not (folder / d.name / "pyvenv.cfg").exists()
                and not excluded(prefix + d.name, exclude)
            ),
            key=lambda d: d.name,
        )
        links = [d for d in kept if d.is_symlink()]
        for entry in sorted([*files, *links], key=lambda e: e.name):
            rel = prefix + entry.name
            if not excluded(rel, exclude):
                yield rel, entry
        pending.extend(
            f"{prefix}{d.name}/" for d in reversed(kept) if not d.is_symlink()
        )
