"""The target's mypy configuration, read as mypy reads it, and the strict scope.

mypy is run with this configuration; readiness reads it too, to know which
files mypy checks, which modules the configuration makes strict (each
module's *effective* flags, resolved with mypy's own precedence) and which
overrides are suspicious. The typing gate uses it; so can a fixer of the
mypy configuration.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from readiness.errors import ConfigError
from readiness.regexes import compile_given
from readiness.target import Target, load_ini

#: Where mypy looks for its configuration, in its order (``mypy/defaults.py``).
CONFIG_FILES = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")
#: The per-module flags ``--strict`` turns on, named in the strict direction.
STRICT_FLAGS = (
    "disallow_untyped_defs",
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_incomplete_defs",
    "check_untyped_defs",
    "disallow_untyped_decorators",
    "warn_return_any",
    "warn_unused_ignores",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
)
#: How many strict flags besides ``disallow_untyped_defs`` make a module strict.
STRICT_MIN_OTHERS = 6
_BOOLEANS = {"1": True, "yes": True, "true": True, "on": True}
_BOOLEANS |= {"0": False, "no": False, "false": False, "off": False}


@dataclass(frozen=True, kw_only=True)
class Override:
    """One per-module section: its module patterns and its options."""

    patterns: tuple[str, ...]
    options: Mapping[str, object]


@dataclass(frozen=True, kw_only=True)
class MypyConfig:
    """The configuration mypy reads at the target's root; ``path`` None: none."""

    path: str | None
    options: Mapping[str, object]
    overrides: tuple[Override, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return split_list(self.options.get("files"))

    @property
    def selects_sources(self) -> bool:
        """Whether the configuration names what to check (else the gate does)."""
        return any(split_list(self.options.get(key)) for key in _SOURCE_KEYS)

    @property
    def exclude(self) -> tuple[re.Pattern[str], ...]:
        raw = self.options.get("exclude")
        patterns = list_of_str(raw) if isinstance(raw, list) else [str(raw or "")]
        compiled = []
        for pattern in (p.strip() for p in patterns):
            with contextlib.suppress(re.error):  # mypy reports a bad pattern itself
                if pattern:
                    compiled.append(compile_given(pattern))
        return tuple(compiled)


_SOURCE_KEYS = ("files", "modules", "packages")


def list_of_str(value: Iterable[object]) -> list[str]:
    return [str(item) for item in value]


def split_list(value: object) -> tuple[str, ...]:
    """A list option as mypy reads it: a TOML array, or a comma-separated string."""
    if value is None:
        return ()
    items = list_of_str(value) if isinstance(value, list) else str(value).split(",")
    return tuple(item.strip() for item in items if item.strip())


def read_config(target: Target) -> MypyConfig:
    """The file mypy would read at the target's root, in mypy's order."""
    for name in CONFIG_FILES:
        path = target.root / name
        if not path.is_file():
            continue
        if name == "pyproject.toml":
            if "mypy" in target.tool:
                return _toml_config(target.tool["mypy"])
            continue
        parser = load_ini(path)
        if name == "setup.cfg" and not parser.has_section("mypy"):
            continue
        for section in parser.sections():
            if _unknown_section(name, section):
                raise ConfigError(
                    f"{name}: unknown section [{section}] (mypy reads [mypy],"
                    " [mypy-MODULE,...] and plugins' [mypy.plugins.NAME])"
                )
        overrides = tuple(
            Override(
                patterns=split_list(section.removeprefix("mypy-")),
                options=dict(parser[section]),
            )
            for section in parser.sections()
            if section.startswith("mypy-")
        )
        options = dict(parser["mypy"]) if parser.has_section("mypy") else {}
        return MypyConfig(path=name, options=options, overrides=overrides)
    return MypyConfig(path=None, options={})


def _unknown_section(file: str, section: str) -> bool:
    """A section mypy would silently ignore: a typo, or a plugin's misnamed table."""
    if file == "setup.cfg" and not section.startswith("mypy"):
        return False  # other tools' sections
    return not (section == "mypy" or section.startswith(("mypy-", "mypy.plugins.")))


def _toml_config(table: object) -> MypyConfig:
    where = "pyproject.toml: [tool.mypy]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table")
    raw = table.get("overrides", [])
    if not isinstance(raw, list) or not all(isinstance(o, Mapping) for o in raw):
        raise ConfigError(f"{where} overrides must be an array of tables")
    overrides = []
    for number, entry in enumerate(raw, start=1):
        module = entry.get("module")
        if isinstance(module, str):
            module = [module]
        if (
            not isinstance(module, list)
            or not module
            or not all(isinstance(m, str) for m in module)
        ):
            raise ConfigError(
                f"pyproject.toml: [[tool.mypy.overrides]] #{number} needs module ="
                ' "name" or a list of names'
            )
        options = {key: value for key, value in entry.items() if key != "module"}
        overrides.append(Override(patterns=tuple(module), options=options))
    options = {key: value for key, value in table.items() if key != "overrides"}
    return MypyConfig(
        path="pyproject.toml", options=options, overrides=tuple(overrides)
    )


# --- strict scope ----------------------------------------------------------------


def boolean(value: object) -> bool | None:
    """A boolean option as mypy reads TOML and INI values; None if it is none."""
    if isinstance(value, bool):
        return value
    return _BOOLEANS.get(str(value).strip().lower())


def strict_flags(options: Mapping[str, object]) -> dict[str, bool]:
    """The strictness-relevant flags a section sets, in the strict direction.

    mypy accepts inverted spellings (``allow_untyped_defs``, ``no_warn_return_any``,
    ``implicit_reexport``); they are folded into the names of :data:`STRICT_FLAGS`.
    """
    known = {*STRICT_FLAGS, "ignore_errors"}
    flags: dict[str, bool] = {}
    for key, raw in options.items():
        value = boolean(raw)
        if value is None:
            continue
        if key in known:
            flags[key] = value
        elif f"no_{key}" in known:
            flags[f"no_{key}"] = not value
        elif key.startswith("no_") and key[3:] in known:
            flags[key[3:]] = not value
        elif key.startswith("allow_") and f"dis{key}" in known:
            flags[f"dis{key}"] = not value
    return flags


def compile_glob(pattern: str) -> re.Pattern[str]:
    """mypy's module pattern: ``.*`` matches zero or more components."""
    parts = pattern.split(".")
    expr = re.escape(parts[0]) if parts[0] != "*" else ".*"
    for part in parts[1:]:
        expr += re.escape("." + part) if part != "*" else r"(\..*)?"
    return re.compile(expr + r"\Z")


class EffectiveOptions:
    """Each module's strictness flags, resolved with mypy's precedence.

    Mirrors ``Options.build_per_module_cache``/``clone_for_module``: concrete
    names over unstructured globs (``a.*.b``, later wins) over structured
    wildcards (``a.b.*``, the most specific wins). As in mypy, ``strict = true``
    in a per-module section turns the strict flags on globally.
    """

    def __init__(self, config: MypyConfig) -> None:
        base: dict[str, bool] = {}
        strict_anywhere = any(
            boolean(o.options.get("strict")) for o in config.overrides
        )
        if boolean(config.options.get("strict")):
            base |= dict.fromkeys(STRICT_FLAGS, True)
        base |= strict_flags(config.options)
        if strict_anywhere:
            base |= dict.fromkeys(STRICT_FLAGS, True)
        self.base = base
        self.per_module: dict[str, dict[str, bool]] = {}
        for override in config.overrides:
            for pattern in override.patterns:
                flags = self.per_module.setdefault(pattern, {})
                flags |= strict_flags(override.options)
        unstructured = [k for k in self.per_module if "*" in k[:-1]]
        structured = [k for k in self.per_module if "*" not in k[:-1]]
        self.globs = [(key, compile_glob(key)) for key in unstructured]
        self.cache: dict[str, Mapping[str, bool]] = {}
        wildcards = sorted(key for key in structured if key.endswith(".*"))
        concrete = [key for key in structured if not key.endswith(".*")]
        for key in wildcards + concrete:
            self.cache[key] = {**self.flags(key), **self.per_module[key]}

    def flags(self, module: str) -> Mapping[str, bool]:
        if module in self.cache:
            return self.cache[module]
        flags: Mapping[str, bool] = self.base
        parts = module.split(".")
        for size in range(len(parts), 0, -1):
            key = ".".join([*parts[:size], "*"])
            if key in self.cache:
                flags = self.cache[key]
                break
        if not module.endswith(".*"):
            for key, pattern in self.globs:
                if pattern.match(module):
                    flags = {**flags, **self.per_module[key]}
        return flags

    def is_strict(self, module: str) -> bool:
        flags = self.flags(module)
        if flags.get("ignore_errors") or not flags.get("disallow_untyped_defs"):
            return False
        others = sum(1 for flag in STRICT_FLAGS[1:] if flags.get(flag))
        return others >= STRICT_MIN_OTHERS


def matches(module: str, pattern: str) -> bool:
    """A module name against a ``strict`` entry: a name, a mypy pattern or a glob."""
    return (
        fnmatch.fnmatchcase(module, pattern)
        or compile_glob(pattern).match(module) is not None
    )


@dataclass(frozen=True, kw_only=True)
class StrictScope:
    """Which modules must be free of errors, and where that was decided."""

    source: str
    patterns: tuple[str, ...] | None
    effective: EffectiveOptions

    def __contains__(self, module: object) -> bool:
        if not isinstance(module, str):
            return False
        if self.patterns is not None:
            return any(matches(module, pattern) for pattern in self.patterns)
        return self.effective.is_strict(module)


def strict_scope(config: MypyConfig, patterns: tuple[str, ...] | None) -> StrictScope:
    source = (
        "[tool.readiness.typing] strict"
        if patterns is not None
        else f"the strict flags of {config.path or 'the mypy configuration'}"
    )
    return StrictScope(
        source=source, patterns=patterns, effective=EffectiveOptions(config)
    )


# --- sources and modules ---------------------------------------------------------


def module_name(root: Path, path: str) -> str:
    """The module mypy gives a file: its package folders (with ``__init__``)."""
    return ModuleNames(root)(path)


class ModuleNames:
    """:func:`module_name` for many files: each file and each folder is
    looked at once (a folder's ``__init__`` for all the files in it)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._packages: dict[Path, bool] = {}
        self._names: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if path not in self._names:
            self._names[path] = self._name(path)
        return self._names[path]

    def _name(self, path: str) -> str:
        file = Path(path) if Path(path).is_absolute() else self.root / path
        parts = [] if file.stem == "__init__" else [file.stem]
        for folder in file.parents:
            if folder not in self._packages:
                self._packages[folder] = _is_package(folder)
            if not self._packages[folder]:
                break
            parts.insert(0, folder.name.removesuffix("-stubs"))
        return ".".join(parts) or file.stem


def module_names(root: Path, paths: Iterable[str]) -> tuple[str, ...]:
    """The modules of ``paths`` (:func:`module_name`), sorted, each once."""
    names = ModuleNames(root)
    return tuple(sorted({names(path) for path in paths}))


def _is_package(folder: Path) -> bool:
    """Whether ``folder`` holds an ``__init__``; a path a tool printed may be
    one the file system refuses (a name too long): not a package then."""
    try:
        return any(
            (folder / init).is_file() for init in ("__init__.py", "__init__.pyi")
        )
    except (OSError, ValueError):
        return False


def source_files(root: Path, entries: Sequence[str], config: MypyConfig) -> list[str]:
    """The ``.py``/``.pyi`` files mypy checks for ``entries``, relative to ``root``."""
    excludes = config.exclude

    def excluded(relative: str) -> bool:
        return any(pattern.search(relative) for pattern in excludes)

    found: set[str] = set()
    for entry in entries:
        # glob.glob, as mypy expands ``files`` (absolute patterns and ** included)
        matched = glob.glob(entry, root_dir=root, recursive=True)  # noqa: PTH207
        names = sorted(matched) or [entry]
        for name in names:
            path = root / name
            if path.is_file() and path.suffix in (".py", ".pyi"):
                found.add(Path(name).as_posix())
            elif path.is_dir():
                found.update(_walk(root, path, excluded))
    return sorted(found)


def _walk(root: Path, top: Path, excluded: Callable[[str], bool]) -> list[str]:
    found = []
    for folder, subfolders, files in os.walk(top):
        relative = Path(folder).relative_to(root).as_posix()
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith(".")
            and name != "__pycache__"
            and not excluded(f"{relative}/{name}/")
        )
        for name in sorted(files):
            candidate = f"{relative}/{name}" if relative != "." else name
            if name.endswith((".py", ".pyi")) and not excluded(candidate):
                found.append(candidate)
    return found
