"""Which files pytest collects, and how to parse them, without running pytest.

The markers gate and the tests gate read the same files: the modules pytest
collects (named like its ``python_files`` under the test folders, or anywhere
in the root without any, minus ``norecursedirs``, ``--ignore`` options and the
``collect_ignore`` lists of conftests), the local modules those import (helpers
apply marks too, and a helper that does not parse breaks the module importing
it), the ``__init__.py`` of their packages, and the ``conftest.py`` files
pytest loads for them. Other ``.py`` files under the test folders, such as a
formatter's input cases in ``tests/data``, are data pytest never imports:
they are counted, not read.

Known limits: ``collect_ignore`` is read when it is built from string
constants; imports are followed into the test folders only, never into the
target's own packages.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from readiness import pysource
from readiness.filefacts import FileFacts
from readiness.pytest_survey.source import module_facts
from readiness.repofiles import inside
from readiness.target import PytestConfig, Target, list_of_str

#: pytest's default ``norecursedirs``.
DEFAULT_NORECURSE = (
    "*.egg",
    ".*",
    "_darcs",
    "build",
    "CVS",
    "dist",
    "node_modules",
    "venv",
    "{arch}",
)
#: Folders pytest never collects from whatever ``norecursedirs`` says: caches,
#: installed packages and (pytest's ``collect_in_virtualenv``) environments.
ALWAYS_SKIPPED = ("__pycache__", "site-packages", "*.egg-info")
#: pytest's default ``python_files``.
DEFAULT_TEST_FILES = ("test_*.py", "*_test.py")


@dataclass(frozen=True, kw_only=True)
class TestFiles:
    """The files pytest reads for a target's tests, and what it leaves alone."""

    __test__ = False  # a record, not a pytest test class

    collected: tuple[Path, ...]
    imported: tuple[Path, ...]
    conftests: tuple[Path, ...]
    #: ``.py`` files under the test folders that pytest neither collects,
    #: imports nor loads: data, not tests.
    not_collected: int

    @property
    def modules(self) -> list[Path]:
        return sorted({*self.collected, *self.imported})


@dataclass(frozen=True)
class Ignores:
    """What a collection leaves out: ``norecursedirs`` by folder name, and
    paths and globs from ``--ignore``, ``--ignore-glob`` and ``collect_ignore``."""

    norecurse: tuple[str, ...]
    paths: frozenset[Path]
    globs: tuple[str, ...]

    def folder(self, path: Path) -> bool:
        return any(
            fnmatch(path.name, pattern) for pattern in self.norecurse
        ) or self.file(path)

    def file(self, path: Path) -> bool:
        return path in self.paths or any(fnmatch(str(path), g) for g in self.globs)


def files_to_scan(
    target: Target, facts: FileFacts | None = None
) -> tuple[list[Path], list[Path]]:
    """The test modules to scan (collected or imported by collected ones),
    and the conftest.py files pytest loads for them."""
    found = test_files(target, facts)
    return found.modules, list(found.conftests)


def test_files(target: Target, facts: FileFacts | None) -> TestFiles:
    """What pytest collects, imports and loads for the target's tests
    (``facts``: each module's imports, remembered by its content)."""
    config = target.pytest_config
    starts = [target.root / entry for entry in target.test_paths] or [target.root]
    conftests = [p for p in python_files(target.root) if p.name == "conftest.py"]
    conftests = [p for p in conftests if loaded_for(p, starts)]
    ignores = ignores_of(target, config, conftests)
    conftests = [p for p in conftests if not inside_ignored(p, target.root, ignores)]
    patterns = python_file_patterns(config)
    collected: set[Path] = set()
    candidates: set[Path] = set()
    for start in starts:
        if start.is_file():
            collected.update([start] if start.suffix == ".py" else [])
            continue
        for path in python_files(start, ignores, root=target.root):
            candidates.add(path)
            if path.name != "conftest.py" and matches(path, patterns):
                collected.add(path)
    area = [start for start in starts if start.is_dir()]
    if not target.test_paths:
        area = sorted({path.parent for path in collected})
    imported = follow_imports(target, [*collected, *conftests], area, facts) - collected
    read = collected | imported | set(conftests)
    return TestFiles(
        collected=tuple(sorted(collected)),
        imported=tuple(sorted(imported)),
        conftests=tuple(conftests),
        not_collected=len(candidates - read) if target.test_paths else 0,
    )


def matches(path: Path, patterns: Sequence[str]) -> bool:
    """pytest's ``fnmatch_ex``: a pattern without ``/`` matches the file name."""
    posix = PurePosixPath(path.as_posix())
    return any(
        posix.match(pattern) if "/" in pattern else fnmatch(path.name, pattern)
        for pattern in patterns
    )


def loaded_for(conftest: Path, starts: Iterable[Path]) -> bool:
    """Whether pytest loads ``conftest`` when collecting ``starts``: it reads the
    ones in the collected folders and in their parents up to the root, not
    those of, say, an example project elsewhere in the repository."""
    return any(
        conftest.is_relative_to(start) or start.is_relative_to(conftest.parent)
        for start in starts
    )


def inside_ignored(path: Path, root: Path, ignores: Ignores) -> bool:
    """Whether a folder between ``root`` and ``path`` is left out of collection."""
    return any(
        ignores.folder(parent)
        for parent in path.parents
        if parent.is_relative_to(root) and parent != root
    )


def python_files(
    start: Path, ignores: Ignores | None = None, *, root: Path | None = None
) -> Iterator[Path]:
    """``.py`` files at or under ``start``, pruning folders pytest never enters.

    A file link that resolves outside ``root`` (``start`` by default), or
    nowhere, is not the target's: it is never read.
    """
    bound = (root or start).resolve()
    if start.is_file():
        if start.suffix == ".py" and inside(bound, start):
            yield start
        return
    for folder, dirs, files in os.walk(start):
        base = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not skipped_dir(d) and not (ignores and ignores.folder(base / d))
        )
        yield from (
            base / name
            for name in sorted(files)
            if name.endswith(".py")
            and not (ignores and ignores.file(base / name))
            and (not (base / name).is_symlink() or inside(bound, base / name))
        )


def skipped_dir(name: str) -> bool:
    return any(fnmatch(name, pattern) for pattern in (*ALWAYS_SKIPPED, ".*"))


def ignores_of(
    target: Target, config: PytestConfig | None, conftests: Sequence[Path]
) -> Ignores:
    """``norecursedirs`` (which replaces pytest's default when set), the
    ``--ignore``/``--ignore-glob`` options of ``addopts`` and the
    ``collect_ignore``/``collect_ignore_glob`` lists of the conftests."""
    raw = config.options.get("norecursedirs") if config else None
    norecurse: tuple[str, ...] = DEFAULT_NORECURSE
    if raw is not None:
        norecurse = tuple(raw.split() if isinstance(raw, str) else list_of_str(raw))
    paths: set[Path] = set()
    globs: list[str] = []
    for option, value in option_values(config.addopts if config else ()):
        if option == "--ignore":
            paths.add(normal(target.root / value))
        else:
            globs.append(str(target.root / value))
    for conftest in conftests:
        try:
            tree = parse(conftest)
        except (SyntaxError, ValueError, OSError):
            continue
        base = conftest.parent
        paths.update(normal(base / entry) for entry in listed(tree, "collect_ignore"))
        globs.extend(str(base / entry) for entry in listed(tree, "collect_ignore_glob"))
    return Ignores(norecurse=norecurse, paths=frozenset(paths), globs=tuple(globs))


def normal(path: Path) -> Path:
    """``path`` without ``..`` or ``.`` parts, as the walk spells its paths."""
    return Path(os.path.normpath(path))


def option_values(addopts: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(--ignore | --ignore-glob, value)`` in both ``--x v`` and ``--x=v`` forms."""
    for index, option in enumerate(addopts):
        name, equals, value = option.partition("=")
        if name not in {"--ignore", "--ignore-glob"}:
            continue
        if not equals:
            value = addopts[index + 1] if index + 1 < len(addopts) else ""
        if value:
            yield name, value


def listed(tree: ast.Module, name: str) -> Iterator[str]:
    """String constants assigned, added or appended to module variable ``name``."""
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                values = [node.value] if node.value is not None else []
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"append", "extend", "insert"}
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            values = list(node.args)
        for value in values:
            items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            yield from (
                item.value
                for item in items
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            )


def python_file_patterns(config: PytestConfig | None) -> tuple[str, ...]:
    raw = config.options.get("python_files") if config else None
    if raw is None:
        return DEFAULT_TEST_FILES
    items = raw.split() if isinstance(raw, str) else list_of_str(raw)
    return tuple(items) or DEFAULT_TEST_FILES


# --- what collected modules import ---------------------------------------------


def follow_imports(
    target: Target,
    modules: Iterable[Path],
    area: Sequence[Path],
    facts: FileFacts | None = None,
) -> set[Path]:
    """Local modules in ``area`` that ``modules`` import, recursively, and the
    ``__init__.py`` of every package on the way (importing ``tests.util`` runs
    ``tests/__init__.py``). The target's own packages are not followed into."""
    own = [target.root / package for package in target.packages]
    found: set[Path] = set()
    pending = list(modules)
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for init in package_inits(path, target.root):
            if init not in seen:
                found.add(init)
                pending.append(init)
        try:
            content = path.read_bytes()
        except OSError:
            continue
        derive = functools.partial(module_facts, content, str(path))
        found_in = facts.get(content, derive) if facts is not None else derive()
        for item in found_in["imports"]:
            name = item if isinstance(item, str) else (item[0], item[1])
            module = resolve(name, path, target.root)
            if (
                module is not None
                and any(module.is_relative_to(folder) for folder in area)
                and not any(module.is_relative_to(package) for package in own)
            ):
                found.add(module)
                pending.append(module)
    return found


def package_inits(path: Path, root: Path) -> Iterator[Path]:
    """``__init__.py`` of the packages holding ``path``, innermost first."""
    folder = path.parent
    while folder.is_relative_to(root) and folder != root:
        init = folder / "__init__.py"
        if not init.is_file():
            return
        if init != path:
            yield init
        folder = folder.parent


def resolve(name: str | tuple[int, str], importer: Path, root: Path) -> Path | None:
    """The repository file of an imported module, if any.

    Absolute names are looked up from the importer's folder and its parents up
    to the root (pytest's ``rootdir``/``prepend`` import modes put the first
    folder without ``__init__.py`` on ``sys.path``), relative ones from the
    importer's package.
    """
    if isinstance(name, tuple):
        level, dotted = name
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        bases = [base]
    else:
        dotted = name
        bases = [p for p in importer.parents if p.is_relative_to(root)]
    parts = dotted.split(".")
    for base in bases:
        for candidate in (
            base.joinpath(*parts[:-1], parts[-1] + ".py"),
            base.joinpath(*parts, "__init__.py"),
        ):
            if candidate.is_file():
                return candidate
    return None


def parse(path: Path) -> ast.Module:
    """Parse like Python imports: bytes in, so encoding cookies are honoured."""
    return pysource.parse(path.read_bytes(), filename=str(path))
