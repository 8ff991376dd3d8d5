"""The target's own files, for installing it without writing into its tree.

An install from the tree itself leaves traces there: setuptools writes
``build/`` and ``*.egg-info``, setuptools-scm its ``write_to`` file, hatch-vcs
its version file. So the target is installed (never editable) from a copy of
its files: those git lists (tracked, plus untracked ones it does not ignore:
a new module not yet added is part of the developer's tree, ``build/`` is
not), or every file but environments and caches outside git. The copy has no
``.git``, so SCM-versioned builds get the last tag through setuptools-scm's
and pdm's ``PRETEND`` variables.

Environments meant to test the tree (``Spec.editable``) then import the
package from the tree, as an editable install would, whenever the tree holds
every module the installed package has (a ``.pth`` file puts the tree's
package folder before site-packages); when it does not (a generated
``_version.py``, a compiled extension), the installed copy is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from readiness import command, metadata, repofiles
from readiness.target import Target

Runner = Callable[..., command.Completed]

#: How the files of a target in git are listed.
LS_FILES = ("ls-files", "-z", "--cached", "--others", "--exclude-standard")
#: The ``.pth`` file that puts the tree's package folders first.
TREE_PTH = "_readiness_tree.pth"
#: What counts as a module when comparing the installed package with the tree.
MODULE_SUFFIXES = (".py", ".so", ".pyd")


@dataclass(frozen=True, kw_only=True)
class Sources:
    """The target's files (relative, ``/``) and a hash of their contents."""

    root: Path
    files: tuple[str, ...]
    digest: str
    in_git: bool


def listed(target: Target, run: Runner) -> Sources:
    """The files an install copies, and their hash (the installed code's identity)."""
    root = target.root
    in_git = repofiles.in_checkout(root)
    names: list[str] = []
    if in_git:
        completed = run(
            ["git", "-C", str(root), *LS_FILES], ok_codes=(0, 128), record=False
        ).require_complete()
        if completed.returncode == 0:
            names = sorted({name for name in completed.stdout.split("\0") if name})
        # a git that lists nothing, or a first file that is not there (or that
        # fails), is no proof of what the tree holds: copy the tree as it is
        in_git = bool(names) and os.path.lexists(root / names[0])
    if not in_git:
        names = list(repofiles.walk(root))
    digest = hashlib.sha256()
    files = []
    for name in names:
        path = root / name
        if not path.is_file():
            continue  # deleted in the working tree, or a submodule not checked out
        digest.update(name.encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
        digest.update(b"\0")
        files.append(name)
    return Sources(
        root=root, files=tuple(files), digest=digest.hexdigest(), in_git=in_git
    )


def copy(target: Target, sources: Sources, folder: Path) -> Path:
    """Copy ``sources`` into ``folder``; the copy's root."""
    for name in sources.files:
        destination = folder / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target.root / name, destination, follow_symlinks=False)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def scm_variables(sources: Sources) -> dict[str, str]:
    """``PRETEND`` versions for a copy without ``.git`` (see ``metadata``)."""
    return metadata.scm_variables(sources.root) if sources.in_git else {}


def site_packages(env_path: Path) -> Path | None:
    found = sorted(env_path.glob("lib/python*/site-packages"))
    return found[0] if found else None


def installed_modules(site: Path, name: str) -> list[str] | None:
    """The module files (relative to site-packages) of distribution ``name``."""
    wanted = canonicalize_name(name)
    for info in sorted(site.glob("*.dist-info")):
        try:
            headers = HeaderParser().parsestr(
                (info / "METADATA").read_text(encoding="utf-8")
            )
            record = (info / "RECORD").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if canonicalize_name(str(headers.get("Name", ""))) != wanted:
            continue
        rows = (line.split(",", 1)[0] for line in record.splitlines())
        return [
            row
            for row in rows
            if row.endswith(MODULE_SUFFIXES)
            and not row.startswith("..")
            and ".dist-info/" not in row
        ]
    return None


def tree_folders(target: Target, modules: Iterable[str]) -> list[Path] | None:
    """The tree's folders that hold every installed module, or None if one is missing.

    Each installed top-level package (``pkg/...``) or module (``mod.py``) must
    be one of the target's packages, and each file of it must be in the tree
    under that package's folder.
    """
    folders = {
        Path(package).name.removesuffix(".py"): target.root / Path(package).parent
        for package in target.packages
    }
    used: set[Path] = set()
    seen = False
    for module in modules:
        top = PurePosixPath(module).parts[0]
        stem = top.removesuffix(".py").split(".", 1)[0]
        folder = folders.get(stem)
        if folder is None or not (folder / module).is_file():
            return None
        used.add(folder)
        seen = True
    return sorted(used) if seen else None


def link_tree(target: Target, env_path: Path) -> bool:
    """Import the package from the tree when it holds all of it; whether it does."""
    site = site_packages(env_path)
    if site is None:
        return False
    pth = site / TREE_PTH
    pth.unlink(missing_ok=True)
    modules = installed_modules(site, target.name)
    folders = tree_folders(target, modules or ()) if modules else None
    if not folders:
        return False
    # One line, run by ``site`` at startup: the folders go just before the
    # first site-packages entry (after the standard library, as PYTHONPATH would).
    wanted = [str(folder) for folder in folders]
    line = (
        "import sys; at = next((n for n, p in enumerate(sys.path)"
        " if p.endswith('site-packages')), len(sys.path));"
        f" sys.path[at:at] = {wanted!r}"
    )
    pth.write_text(f"{line}\n", encoding="utf-8")
    return True
