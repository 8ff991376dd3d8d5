"""Target discovery: what the audited repository declares.

Reads ``pyproject.toml``, ``pytest.toml``, ``pytest.ini``, ``tox.ini`` and
``setup.cfg`` without importing anything from the target, and finds its
packages, tests, docs, extras, dependency groups and console scripts.

The package's metadata (name, requires-python, dependencies, extras, console
scripts) comes from a complete static ``[project]`` table when there is one;
otherwise (setuptools' ``setup.cfg``/``setup.py``, poetry-core's
``[tool.poetry]``, ``dynamic`` fields) from the build backend's prepared
metadata (:func:`readiness.metadata.prepared`), read only when a gate first
asks for it, once per target. A backend that fails does not fail discovery:
``Target.metadata_error`` says why, for the gates that need the metadata.
"""

from __future__ import annotations

import configparser
import shlex
import threading
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from readiness import metadata
from readiness.errors import ConfigError, UsageError
from readiness.metadata import Metadata, MetadataError

#: ``Metadata.source`` of the fallback when nothing names the package statically.
NO_METADATA = "none (the build backend could not prepare it)"
#: ``Metadata.source`` of the fallback that has only a statically declared name.
NAME_ONLY = "the declared name only (the build backend could not prepare the rest)"
STATIC_SOURCE = "pyproject.toml [project]"
#: Why pip and uv would not build the target (``Target.not_installable``).
NO_BUILD_FILES = (
    "not installable: no pyproject.toml with [project] or [build-system],"
    " no setup.py, no setup.cfg"
)
SETUP_CFG_ALONE = (
    "not installable: a setup.cfg but no setup.py or pyproject.toml, one of"
    " which pip and uv need to build a project"
)
NO_SETUPTOOLS_METADATA = (
    "not installable: no pyproject.toml with [project] or [build-system],"
    " no setup.py, and setup.cfg declares no [metadata] or [options]"
)

#: Top-level folders that are never the target's importable packages.
NOT_PACKAGES = frozenset(
    {
        "tests",
        "test",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "benchmarks",
        "scripts",
        "build",
        "dist",
        "site-packages",
        "node_modules",
        "constraints",
    }
)
DOC_DIRS = ("docs", "doc", "documentation", "guides")


@dataclass(frozen=True, kw_only=True)
class RegisteredMarker:
    name: str
    description: str


@dataclass(frozen=True, kw_only=True)
class PytestConfig:
    """One file's pytest section; ``options`` holds raw values (str or list)."""

    path: str
    section: str
    options: Mapping[str, object] = field(default_factory=dict)

    @property
    def markers(self) -> tuple[RegisteredMarker, ...]:
        raw = self.options.get("markers", ())
        lines = raw.splitlines() if isinstance(raw, str) else list_of_str(raw)
        markers = []
        for line in (str(item).strip() for item in lines):
            if not line:
                continue
            head, _, description = line.partition(":")
            name = head.split("(", 1)[0].strip()
            if name:
                markers.append(
                    RegisteredMarker(name=name, description=description.strip())
                )
        return tuple(markers)

    @property
    def addopts(self) -> tuple[str, ...]:
        raw = self.options.get("addopts", "")
        if isinstance(raw, str):
            try:
                return tuple(shlex.split(raw))
            except ValueError:
                return tuple(raw.split())
        return tuple(str(item) for item in list_of_str(raw))

    @property
    def strict_markers(self) -> bool:
        """Whether pytest aborts collection on an unregistered marker."""
        opts = self.addopts
        if "--strict-markers" in opts or "--strict" in opts:
            return True
        explicit = self.options.get("strict_markers")
        if explicit is not None:
            return truthy(explicit)
        return truthy(self.options.get("strict", False))

    @property
    def testpaths(self) -> tuple[str, ...]:
        raw = self.options.get("testpaths", ())
        items = raw.split() if isinstance(raw, str) else list_of_str(raw)
        return tuple(str(item) for item in items)


class ProjectModel:
    """The package's metadata, read once: static ``[project]``, else the backend's.

    The backend is asked only on first use (a build takes seconds), under a
    lock since gates run in threads; its failure is kept, not raised.
    """

    def __init__(
        self,
        root: Path,
        pyproject: Mapping[str, Any],
        *,
        static: Metadata | None,
        fallback: Metadata,
    ) -> None:
        self._root = root
        self._pyproject = pyproject
        self._static = static
        self._fallback = fallback
        self._lock = threading.Lock()
        self._prepared: tuple[Metadata, str | None] | None = None

    @property
    def static(self) -> Metadata | None:
        """The complete static ``[project]``, or None when the backend must say."""
        return self._static

    @property
    def fallback(self) -> Metadata:
        """What can be read without the backend (the name, partial fields)."""
        return self._fallback

    def get(self) -> tuple[Metadata, str | None]:
        """The metadata and, when the backend failed, why (fallback then)."""
        if self._static is not None:
            return self._static, None
        with self._lock:
            if self._prepared is None:
                try:
                    found = metadata.prepared(
                        self._root, self._pyproject, cache_root=metadata.cache_root()
                    )
                    self._prepared = (found, None)
                except MetadataError as error:
                    self._prepared = (self._fallback, str(error))
            return self._prepared


@dataclass(frozen=True, kw_only=True)
class Target:
    root: Path
    given: str
    pyproject: Mapping[str, Any]
    dependency_groups: Mapping[str, tuple[str, ...]]
    packages: tuple[str, ...]
    test_paths: tuple[str, ...]
    docs_paths: tuple[str, ...]
    pytest_configs: tuple[PytestConfig, ...]
    model: ProjectModel = field(repr=False, compare=False)
    #: Why pip and uv would not build the target; None when they would.
    not_installable: str | None = None
    #: :meth:`rel`'s answers: every gate names thousands of files, and each
    #: resolution costs a ``stat`` per folder of the path.
    _relative: dict[str, str] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @property
    def metadata(self) -> Metadata:
        """Name, requires-python, dependencies, extras, scripts (see the module)."""
        return self.model.get()[0]

    @property
    def metadata_error(self) -> str | None:
        """Why the build backend could not prepare the metadata, if it could not."""
        return self.model.get()[1]

    @property
    def metadata_source(self) -> str:
        """Where the metadata came from, e.g. ``pyproject.toml [project]``."""
        return self.metadata.source

    @property
    def name(self) -> str:
        """The distribution name; read without the backend when declared statically."""
        static = self.model.static or self.model.fallback
        if static.source != NO_METADATA:
            return static.name
        return self.metadata.name

    @property
    def requires_python(self) -> str | None:
        return self.metadata.requires_python

    @property
    def dependencies(self) -> tuple[str, ...]:
        return self.metadata.dependencies

    @property
    def extras(self) -> Mapping[str, tuple[str, ...]]:
        return self.metadata.extras

    @property
    def scripts(self) -> Mapping[str, str]:
        return self.metadata.scripts

    @property
    def pytest_config(self) -> PytestConfig | None:
        """The file pytest itself reads (the first found, in pytest's order)."""
        return self.pytest_configs[0] if self.pytest_configs else None

    @property
    def tool(self) -> Mapping[str, Any]:
        tool = self.pyproject.get("tool", {})
        return tool if isinstance(tool, Mapping) else {}

    @property
    def package_names(self) -> tuple[str, ...]:
        return tuple(
            Path(package).name.removesuffix(".py") for package in self.packages
        )

    @property
    def installable(self) -> bool:
        """Whether pip and uv would build the target (see :func:`_unbuildable`)."""
        return self.not_installable is None

    def rel(self, path: Path | str) -> str:
        """``path`` relative to the root, with ``/``; absolute if outside it.

        Remembered for the target's life (an audit): a link in the tree that
        changed during it would be seen as it was at its first use."""
        key = str(path)
        known = self._relative.get(key)
        if known is None:
            known = self._relative[key] = self._resolved(path)
        return known

    def _resolved(self, path: Path | str) -> str:
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            return candidate.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return candidate.as_posix()

    def declared_requirements(self) -> tuple[str, ...]:
        """Every requirement string: dependencies, all extras, all groups."""
        found = list(self.dependencies)
        for values in (*self.extras.values(), *self.dependency_groups.values()):
            found.extend(values)
        return tuple(found)


def truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def list_of_str(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(item) for item in value]
    return []


#: UTF-8's byte-order mark: TOML readers (tomllib, pip, build) reject it.
BOM = b"\xef\xbb\xbf"


def load_toml(path: Path) -> dict[str, Any]:
    """The TOML file at ``path``; :class:`ConfigError` (one line) for any bad file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    if data.startswith(BOM):
        raise ConfigError(
            f"{path}: starts with a UTF-8 byte-order mark (BOM), which TOML"
            " readers (pip, build, tomllib) reject: save it as UTF-8 without BOM"
        )
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


def load_ini(path: Path) -> configparser.ConfigParser:
    """The INI file at ``path``; :class:`ConfigError` (one line) for any bad file."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as exc:
        first_line = str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid INI: {first_line}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    return parser


def discover(path: str | Path) -> Target:
    """Read what the repository at ``path`` declares; raise a one-line error."""
    given = str(path)
    root = Path(path).expanduser()
    if not root.exists():
        raise UsageError(f"{given}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{given}: not a directory")
    try:
        next(root.iterdir(), None)
    except OSError as exc:
        raise UsageError(f"{given}: cannot be read: {exc.strerror}") from None
    root = root.resolve()

    pyproject_path = root / "pyproject.toml"
    pyproject = load_toml(pyproject_path) if pyproject_path.is_file() else {}
    project = _table(pyproject, "project", pyproject_path)
    _table(pyproject, "tool", pyproject_path)  # read below as a table
    pytest_configs = _pytest_configs(root, pyproject)
    packages = _packages(root, pyproject, project)
    declared = Metadata(
        name=str(project.get("name") or ""),
        requires_python=_optional_str(project.get("requires-python")),
        dependencies=tuple(list_of_str(project.get("dependencies", ()))),
        extras={
            str(name): tuple(list_of_str(values))
            for name, values in _table(
                project, "optional-dependencies", pyproject_path
            ).items()
        },
        scripts={
            str(name): str(ref)
            for name, ref in _table(project, "scripts", pyproject_path).items()
        },
        source=STATIC_SOURCE,
    )
    static_name = declared.name or _other_name(root, pyproject)
    not_installable = _unbuildable(root, pyproject)
    if project and metadata.static_complete(project):
        static: Metadata | None = declared
    elif not_installable is not None:
        # Nothing a backend could build: what [project] says is all there is.
        why = not_installable.removeprefix("not installable: ")
        static = replace(
            declared, name=static_name or root.name, source=f"none ({why})"
        )
    else:
        static = None
    fallback = replace(
        declared,
        name=static_name or root.name,
        source=NAME_ONLY if static_name else NO_METADATA,
    )
    return Target(
        root=root,
        given=given,
        pyproject=pyproject,
        model=ProjectModel(root, pyproject, static=static, fallback=fallback),
        dependency_groups=_dependency_groups(pyproject),
        packages=packages,
        test_paths=_test_paths(root, pytest_configs),
        docs_paths=_docs_paths(root),
        pytest_configs=pytest_configs,
        not_installable=not_installable,
    )


def _table(data: Mapping[str, Any], key: str, source: Path) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: [{key}] must be a table")
    return value


def _unbuildable(root: Path, pyproject: Mapping[str, Any]) -> str | None:
    """Why pip and uv would not build the project at ``root``; None if they would.

    Both build a folder only when it has a ``setup.py`` or a ``pyproject.toml``
    (pip: "Neither 'setup.py' nor 'pyproject.toml' found"; uv: "does not appear
    to be a Python project"), so a ``setup.cfg`` alone is not built; pypa/build,
    which prepares the metadata, refuses it too. A ``[build-system]`` table is
    enough (poetry-core, flit and others keep their metadata in their own
    tables), as is ``[project]``. Without either, both fall back to setuptools'
    legacy backend, which reads ``setup.cfg``; with no setuptools metadata there
    it builds an ``UNKNOWN`` project (uv then fails), so that is not counted.
    """
    if "project" in pyproject or "build-system" in pyproject:
        return None
    if (root / "setup.py").is_file():
        return None
    setup_cfg = root / "setup.cfg"
    if not setup_cfg.is_file():
        return NO_BUILD_FILES
    parser = load_ini(setup_cfg)
    if not (parser.has_section("metadata") or parser.has_section("options")):
        return NO_SETUPTOOLS_METADATA
    return None if (root / "pyproject.toml").is_file() else SETUP_CFG_ALONE


def _other_name(root: Path, pyproject: Mapping[str, Any]) -> str:
    """The name poetry's table or setup.cfg's ``[metadata]`` declares, else "".

    Read without the backend so that the report and the environments can name
    the target cheaply; everything else waits for the prepared metadata.
    """
    poetry = pyproject.get("tool", {}).get("poetry", {})
    if isinstance(poetry, Mapping) and poetry.get("name"):
        return str(poetry["name"])
    if (root / "setup.cfg").is_file():
        parser = load_ini(root / "setup.cfg")
        if parser.has_option("metadata", "name"):
            return parser.get("metadata", "name").strip()
    return ""


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _dependency_groups(pyproject: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """PEP 735 groups, with ``{include-group = ...}`` entries expanded."""
    raw = pyproject.get("dependency-groups", {})
    if not isinstance(raw, Mapping):
        return {}
    for name, value in raw.items():
        if not isinstance(value, list):
            raise ConfigError(
                f"pyproject.toml: [dependency-groups] {name} must be a list"
                " (PEP 735)"
            )

    def expand(name: str, seen: frozenset[str]) -> list[str]:
        items: list[str] = []
        for entry in raw.get(name, ()):
            if isinstance(entry, str):
                items.append(entry)
            elif isinstance(entry, Mapping) and "include-group" in entry:
                included = str(entry["include-group"])
                if included not in seen:
                    items.extend(expand(included, seen | {included}))
        return items

    return {str(name): tuple(expand(str(name), frozenset({name}))) for name in raw}


def _pytest_configs(
    root: Path, pyproject: Mapping[str, Any]
) -> tuple[PytestConfig, ...]:
    """Every pytest section in the root, in the order pytest looks for them."""
    found: list[PytestConfig] = []
    for name in ("pytest.toml", ".pytest.toml"):
        if (root / name).is_file():
            table = load_toml(root / name).get("pytest", {})
            found.append(PytestConfig(path=name, section="pytest", options=table))
    for name in ("pytest.ini", ".pytest.ini"):
        if (root / name).is_file():
            parser = load_ini(root / name)
            options = dict(parser["pytest"]) if parser.has_section("pytest") else {}
            found.append(PytestConfig(path=name, section="pytest", options=options))
    tool_pytest = pyproject.get("tool", {}).get("pytest", {})
    if isinstance(tool_pytest, Mapping) and tool_pytest:
        native = {k: v for k, v in tool_pytest.items() if k != "ini_options"}
        if native:
            found.append(
                PytestConfig(
                    path="pyproject.toml", section="tool.pytest", options=native
                )
            )
        elif isinstance(tool_pytest.get("ini_options"), Mapping):
            found.append(
                PytestConfig(
                    path="pyproject.toml",
                    section="tool.pytest.ini_options",
                    options=tool_pytest["ini_options"],
                )
            )
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if (root / name).is_file():
            parser = load_ini(root / name)
            if parser.has_section(section):
                found.append(
                    PytestConfig(
                        path=name, section=section, options=dict(parser[section])
                    )
                )
    return tuple(found)


def _packages(
    root: Path, pyproject: Mapping[str, Any], project: Mapping[str, Any]
) -> tuple[str, ...]:
    tool = pyproject.get("tool", {})
    hatch = tool.get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    declared = hatch.get("packages") if isinstance(hatch, Mapping) else None
    if isinstance(declared, list) and declared:
        return tuple(p for p in map(str, declared) if (root / p).exists())
    setuptools = tool.get("setuptools", {})
    if isinstance(setuptools, Mapping) and isinstance(setuptools.get("packages"), list):
        names = [str(n) for n in setuptools["packages"] if "." not in str(n)]
        where = setuptools.get("package-dir", {}).get("", "")
        paths = [(Path(where) / name).as_posix() for name in names]
        return tuple(p for p in paths if (root / p).is_dir())
    for base in ("src", ""):
        directory = root / base if base else root
        if not directory.is_dir():
            continue
        found = sorted(
            child.relative_to(root).as_posix()
            for child in directory.iterdir()
            if child.is_dir()
            and (child / "__init__.py").is_file()
            and child.name not in NOT_PACKAGES
            and not child.name.startswith(".")
        )
        if found:
            return tuple(found)
    module = str(project.get("name", "")).replace("-", "_").lower()
    if module and (root / f"{module}.py").is_file():
        return (f"{module}.py",)
    return ()


def _test_paths(root: Path, configs: tuple[PytestConfig, ...]) -> tuple[str, ...]:
    if configs and configs[0].testpaths:
        return tuple(p for p in configs[0].testpaths if (root / p).exists())
    return tuple(name for name in ("tests", "test") if (root / name).is_dir())


def _docs_paths(root: Path) -> tuple[str, ...]:
    docs = [name for name in DOC_DIRS if (root / name).is_dir()]
    docs.extend(sorted(p.name for p in root.glob("README*") if p.is_file()))
    return tuple(docs)
