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
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.utils import canonicalize_name

from readiness import command, metadata, repofiles
from readiness.contenthash import HASHES
from readiness.target import Target

Runner = Callable[..., command.Completed]

#: How the files of a target in git are listed.
LS_FILES = ("ls-files", "-z", "--cached", "--others", "--exclude-standard")
#: The ``.pth`` file that puts the tree's package folders first.
TREE_PTH = "_readiness_tree.pth"
#: What counts as a module when comparing the installed package with the tree.
MODULE_SUFFIXES = (".py", ".so", ".pyd")
#: Build backends that copy a package's modules into the wheel as they are
#: (no code run on them) when the project declares no build hooks.
COPYING_BACKENDS = frozenset(
    {
        "hatchling.build",
        "setuptools.build_meta",
        "flit_core.buildapi",
        "pdm.backend",
        "uv_build",
        "poetry.core.masonry.api",
    }
)


@dataclass(frozen=True, kw_only=True)
class Sources:
    """The target's files (relative, ``/``) and a hash of their contents."""

    root: Path
    files: tuple[str, ...]
    digest: str
    in_git: bool
    #: The digest of what the install depends on when the package is imported
    #: from the tree: every name, every content but the ``.py`` modules of the
    #: target's packages. None when the target has no packages.
    install: str | None = None
    #: Whether its build copies those modules as they are (see
    #: :func:`copied_as_is`): an install then differs from a reinstall only
    #: in them.
    copies: bool = False


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
    # what an install depends on when the tree serves the package: every
    # name, every content but the served modules' (see copied_as_is)
    packages = [PurePosixPath(package) for package in target.packages]
    install = hashlib.sha256(b"install\0") if packages else None
    files = []
    for name in names:
        path = root / name
        try:
            info = path.stat()
        except OSError:
            continue  # deleted in the working tree
        if not stat.S_ISREG(info.st_mode):
            continue  # a submodule not checked out, a device
        try:
            content = HASHES.hash(path, info).encode()  # read once per audit, or less
        except OSError:
            content = b"unreadable"
        digest.update(name.encode() + b"\0" + content + b"\0")
        if install is not None:
            install.update(name.encode() + b"\0")
            if not _served(PurePosixPath(name), packages):
                install.update(content)
            install.update(b"\0")
        files.append(name)
    return Sources(
        root=root,
        files=tuple(files),
        digest=digest.hexdigest(),
        in_git=in_git,
        install=install.hexdigest() if install is not None else None,
        copies=copied_as_is(target),
    )


def _served(path: PurePosixPath, packages: Iterable[PurePosixPath]) -> bool:
    """Whether ``path`` is a ``.py`` module of one of the target's packages."""
    return path.suffix == ".py" and any(
        path == package or package in path.parents for package in packages
    )


def copied_as_is(target: Target) -> bool:
    """Whether a build of the target copies its modules into the wheel without
    reading them: static metadata (no ``dynamic`` field: a version read from
    ``__init__.py`` is not), a backend in :data:`COPYING_BACKENDS`, no
    ``setup.py`` and no build hook (hatch's, pdm's, poetry's build script,
    setuptools' ``cmdclass``) that could run on them."""
    pyproject = target.pyproject
    project = pyproject.get("project")
    return (
        isinstance(project, dict)
        and bool(project.get("name"))
        and not project.get("dynamic")
        and not (target.root / "setup.py").exists()
        and metadata.backend_name(pyproject) in COPYING_BACKENDS
        and not _build_hooks(pyproject)
        and not any(
            (target.root / name).exists() for name in ("pdm_build.py", "hatch_build.py")
        )
    )


def _table(data: object, *keys: str) -> dict[str, Any]:
    """``data[key][...]`` when each is a table; else an empty one."""
    for key in keys:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, dict) else {}


def _build_hooks(pyproject: Mapping[str, Any]) -> bool:
    """Whether the build runs code of the project's: hatch's build hooks (of
    every target), pdm's setuptools run, poetry's build script, setuptools'
    ``cmdclass``."""
    hatch = _table(pyproject, "tool", "hatch", "build")
    targets = _table(hatch, "targets")
    return (
        "hooks" in hatch
        or any("hooks" in _table(targets, name) for name in targets)
        or bool(_table(pyproject, "tool", "pdm", "build").get("run-setuptools"))
        or "build" in _table(pyproject, "tool", "poetry")
        or "cmdclass" in _table(pyproject, "tool", "setuptools")
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
    """The module files (relative to site-packages) of distribution ``name``.

    The ``.dist-info`` folder named for it (``{name}-{version}.dist-info``,
    as pip and uv write it) is read first; the others' ``METADATA`` only
    when none is (reading all of an environment's takes ~40 ms)."""
    wanted = canonicalize_name(name)
    infos = sorted(site.glob("*.dist-info"))
    named = [i for i in infos if canonicalize_name(i.name.split("-")[0]) == wanted]
    for info in [*named, *(i for i in infos if i not in named)]:
        try:
            metadata = (info / "METADATA").read_text(encoding="utf-8")
            record = (info / "RECORD").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if canonicalize_name(_metadata_name(metadata)) != wanted:
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


def _metadata_name(metadata: str) -> str:
    """The ``Name`` header of a ``METADATA`` file's text: the first ``Name:``
    line of its header block (a one-line field, never folded). Read by hand:
    ``email.parser`` costs ~12 ms to import for this one line."""
    for line in metadata.splitlines():
        if not line.strip():
            break  # the body (the description) starts
        field, sep, value = line.partition(":")
        if sep and field.strip().lower() == "name":
            return value.strip()
    return ""


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
    modules = installed_modules(site, target.name)
    folders = tree_folders(target, modules or ()) if modules else None
    if not folders:
        pth.unlink(missing_ok=True)
        return False
    # One line, run by ``site`` at startup: the folders go just before the
    # first site-packages entry (after the standard library, as PYTHONPATH would).
    wanted = [str(folder) for folder in folders]
    line = (
        "import sys; at = next((n for n, p in enumerate(sys.path)"
        " if p.endswith('site-packages')), len(sys.path));"
        f" sys.path[at:at] = {wanted!r}"
    )
    with contextlib.suppress(OSError):
        if pth.read_text(encoding="utf-8") == f"{line}\n":
            # unchanged: site-packages keeps its mtime, which the probes of
            # the tools installed there depend on (cache.probed)
            return True
    pth.write_text(f"{line}\n", encoding="utf-8")
    return True
