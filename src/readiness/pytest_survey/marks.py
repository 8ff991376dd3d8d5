"""Which pytest markers the tests use, and which ones are registered where.

Uses are read with :mod:`ast` (``pytest.mark.NAME`` under any alias,
``add_marker("NAME")``); registrations come from the pytest configuration,
``config.addinivalue_line("markers", ...)`` in the conftests pytest loads
(and the local modules their ``pytest_plugins`` name), pytest itself and the
test plugins the target declares.

A registration with a computed name (``addinivalue_line("markers", x)``) is
resolved when ``x`` is, or starts with, the variable of a loop over an ini
option (``for x in config.getini("K")``), whose values are read from the
configuration; any other is kept as a :class:`Dynamic` registration, which
makes every marker it might name *possibly* registered.

Known limits, on purpose: names are resolved per module without scopes (a local
variable called ``mark`` that shadows ``from pytest import mark`` still counts),
and plugins are known from the table below rather than from what is installed.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness.filefacts import FileFacts
from readiness.pytest_survey.source import module_facts, surveyed
from readiness.requirements import name_of
from readiness.target import PytestConfig, Target, list_of_str

#: The markers pytest itself registers (``pytest --markers`` in an empty
#: folder, pytest 9.2: ``_pytest/mark``, ``skipping``, ``python``,
#: ``fixtures``, ``warnings`` and the ``tryfirst``/``trylast`` hook markers).
BUILTIN_MARKERS = frozenset(
    {
        "filterwarnings",
        "parametrize",
        "skip",
        "skipif",
        "tryfirst",
        "trylast",
        "usefixtures",
        "xfail",
    }
)

#: Markers that test plugins register in their ``pytest_configure`` hook
#: (``config.addinivalue_line("markers", ...)``), by canonical distribution
#: name, read from each plugin's own source. An empty entry documents that the
#: plugin registers none, so nobody adds it again.
PLUGIN_MARKERS: Mapping[str, frozenset[str]] = {
    # anyio: src/anyio/pytest_plugin.py
    "anyio": frozenset({"anyio"}),
    # flaky: flaky/flaky_pytest_plugin.py
    "flaky": frozenset({"flaky"}),
    # hypothesis: hypothesis/extra/pytestplugin.py (via _hypothesis_pytestplugin)
    "hypothesis": frozenset({"hypothesis"}),
    # pytest-asyncio: pytest_asyncio/plugin.py
    "pytest-asyncio": frozenset({"asyncio"}),
    # pytest-benchmark: pytest_benchmark/plugin.py
    "pytest-benchmark": frozenset({"benchmark"}),
    # pytest-cov: pytest_cov/plugin.py
    "pytest-cov": frozenset({"no_cover"}),
    # pytest-dependency: pytest_dependency.py
    "pytest-dependency": frozenset({"dependency"}),
    # pytest-django: pytest_django/plugin.py
    "pytest-django": frozenset({"django_db", "urls", "ignore_template_errors"}),
    # pytest-freezegun: pytest_freezegun.py
    "pytest-freezegun": frozenset({"freeze_time"}),
    # pytest-freezer: pytest_freezer.py
    "pytest-freezer": frozenset({"freeze_time"}),
    # pytest-httpx: pytest_httpx/__init__.py
    "pytest-httpx": frozenset({"httpx"}),
    # pytest-mock: registers fixtures only
    "pytest-mock": frozenset(),
    # pytest-order: pytest_order/plugin.py
    "pytest-order": frozenset({"order"}),
    # pytest-randomly: registers options only
    "pytest-randomly": frozenset(),
    # pytest-rerunfailures: pytest_rerunfailures.py
    "pytest-rerunfailures": frozenset({"flaky"}),
    # pytest-socket: pytest_socket.py
    "pytest-socket": frozenset({"disable_socket", "enable_socket", "allow_hosts"}),
    # pytest-timeout: pytest_timeout.py
    "pytest-timeout": frozenset({"timeout"}),
    # pytest-trio: pytest_trio/plugin.py
    "pytest-trio": frozenset({"trio"}),
    # pytest-xdist: xdist/plugin.py
    "pytest-xdist": frozenset({"xdist_group"}),
}


@dataclass(frozen=True, kw_only=True)
class Use:
    """One place where a test applies a marker."""

    marker: str
    path: str
    line: int


@dataclass(frozen=True, kw_only=True)
class ParseError:
    path: str
    line: int | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class Dynamic:
    """A marker registration whose name is computed when pytest runs."""

    path: str
    line: int
    #: The ini option the names come from, when the module reads one.
    ini: str | None = None


@dataclass(frozen=True, kw_only=True)
class Survey:
    """What the scanned files say: uses, conftest registrations, parse errors."""

    files: int
    uses: tuple[Use, ...]
    registered: frozenset[str]
    errors: tuple[ParseError, ...]
    dynamic: tuple[Dynamic, ...] = ()


def scan(
    target: Target,
    tests: Sequence[Path],
    conftests: Sequence[Path],
    facts: FileFacts | None = None,
) -> Survey:
    """Uses in every file; registrations in conftests and in the local modules
    their ``pytest_plugins`` name, recursively. Each file is parsed once, and
    a test module not at all when ``facts`` remembers its content's uses."""
    scanner = Scanner(target, facts)
    for path in tests:
        scanner.surveyed(path)
    pending = list(conftests)
    plugins: set[Path] = set()
    while pending:
        path = pending.pop(0)
        if path in plugins:
            continue
        plugins.add(path)
        tree = scanner.module(path)
        if tree is None:
            continue
        found = registrations(tree, target.pytest_config)
        scanner.registered.update(found.names)
        rel = target.rel(path)
        scanner.dynamic.extend(
            Dynamic(path=rel, line=line, ini=found.ini) for line in found.computed
        )
        pending.extend(
            plugin
            for name in plugin_modules(tree)
            if (plugin := local_module(target.root, path.parent, name))
        )
    return scanner.survey()


class Scanner:
    """Parses each file once and collects its marker uses or its parse error."""

    def __init__(self, target: Target, facts: FileFacts | None = None) -> None:
        self.target = target
        self.facts = facts
        self.trees: dict[Path, ast.Module | None] = {}
        #: Files whose uses (or parse error) are recorded, parsed or remembered.
        self.recorded: set[Path] = set()
        self.uses: list[Use] = []
        self.registered: set[str] = set()
        self.errors: list[ParseError] = []
        self.dynamic: list[Dynamic] = []

    def module(self, path: Path) -> ast.Module | None:
        """The parsed file, or ``None`` when it does not parse (recorded once)."""
        if path not in self.trees:
            tree, found = surveyed(path.read_bytes(), str(path))
            self.trees[path] = tree
            self._record(path, found)
        return self.trees[path]

    def surveyed(self, path: Path) -> None:
        """Record a test module's uses (or parse error), remembered by content
        when ``facts`` knows it."""
        if path in self.recorded:
            return
        if self.facts is None:
            self.module(path)
            return
        content = path.read_bytes()
        derive = functools.partial(module_facts, content, str(path))
        self._record(path, self.facts.get(content, derive))

    def _record(self, path: Path, found: Mapping[str, Any]) -> None:
        if path in self.recorded:
            return
        self.recorded.add(path)
        rel = self.target.rel(path)
        if "error" in found:
            line, reason = found["error"]
            self.errors.append(ParseError(path=rel, line=line, reason=reason))
        else:
            self.uses.extend(
                Use(marker=name, path=rel, line=line) for name, line in found["uses"]
            )

    def survey(self) -> Survey:
        return Survey(
            files=len(self.recorded),
            uses=tuple(sorted(self.uses, key=lambda u: (u.path, u.line, u.marker))),
            registered=frozenset(self.registered),
            errors=tuple(self.errors),
            dynamic=tuple(sorted(set(self.dynamic), key=lambda d: (d.path, d.line))),
        )


@dataclass(frozen=True, kw_only=True)
class Registrations:
    """What a module registers: names known statically, and the lines of
    registrations computed at run time that could not be resolved."""

    names: frozenset[str]
    computed: tuple[int, ...]
    ini: str | None


def registrations(tree: ast.Module, config: PytestConfig | None) -> Registrations:
    """Names registered with ``config.addinivalue_line("markers", "NAME: ...")``.

    A computed line whose name is the variable of a loop over an ini option
    (``for line in config.getini("K"): addinivalue_line("markers", line)``,
    or ``f"{name}: ..."``) registers the names of that option's lines.
    """
    loops = ini_loops(tree)
    constants = module_constants(tree)
    names: set[str] = set()
    computed: list[int] = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "addinivalue_line"
            and len(node.args) >= 2
            and constant_str(node.args[0]) == "markers"
        ):
            continue
        argument = node.args[1]
        line = constant_str(argument)
        if isinstance(argument, ast.Name):
            line = constants.get(argument.id)
        if line is not None:
            names.add(marker_name(line))
            continue
        variable = leading_name(argument)
        if variable is not None and (variable, node.lineno) in loops:
            ini = loops[variable, node.lineno]
            names.update(marker_name(value) for value in ini_lines(config, ini))
        else:
            computed.append(node.lineno)
    keys = [key for _, key in sorted(ini_reads(tree))]
    return Registrations(
        names=frozenset(name for name in names if name),
        computed=tuple(computed),
        ini=keys[0] if keys else None,
    )


def module_constants(tree: ast.Module) -> dict[str, str]:
    """``NAME = "text"`` at module level, assigned once."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    value = constant_str(node.value) if node.value else None
                    top = node in tree.body and isinstance(node, ast.Assign)
                    if target.id in seen or value is None or not top:
                        found.pop(target.id, None)
                    else:
                        found[target.id] = value
                    seen.add(target.id)
    return found


def ini_loops(tree: ast.Module) -> dict[tuple[str, int], str]:
    """``(variable, line) -> ini option`` for every line in the body of a loop
    ``for variable in <x>.getini("option")``."""
    found: dict[tuple[str, int], str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.For) and isinstance(node.target, ast.Name)):
            continue
        key = ini_key(node.iter)
        if key is None:
            continue
        for statement in node.body:
            for child in ast.walk(statement):
                if isinstance(child, ast.expr | ast.stmt):
                    found[node.target.id, child.lineno] = key
    return found


def ini_reads(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """``(line, option)`` for every ini option the module reads."""
    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            key = ini_key(node)
            if key is not None:
                yield node.lineno, key


def ini_key(node: ast.expr) -> str | None:
    """The option in ``x.getini("K")``, ``x.inicfg.get("K")`` or ``x.inicfg["K"]``."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.args
    ):
        owner = node.func.value
        if node.func.attr == "getini" or (
            node.func.attr == "get"
            and isinstance(owner, ast.Attribute)
            and owner.attr == "inicfg"
        ):
            return constant_str(node.args[0])
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "inicfg"
    ):
        return constant_str(node.slice)
    return None


def leading_name(node: ast.expr) -> str | None:
    """``x`` for ``x`` and for ``f"{x}..."``: the variable that starts the line."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.FormattedValue) and isinstance(first.value, ast.Name):
            return first.value.id
    return None


def ini_lines(config: PytestConfig | None, key: str) -> list[str]:
    """The lines of ini option ``key`` as pytest's ``linelist`` reads them."""
    raw = config.options.get(key) if config else None
    if raw is None:
        return []
    lines = raw.splitlines() if isinstance(raw, str) else list_of_str(raw)
    return [line.strip() for line in lines if line.strip()]


def constant_str(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def marker_name(line: str) -> str:
    """``"slow(reason): ..."`` -> ``"slow"``, the way pytest reads a markers line."""
    return line.partition(":")[0].split("(", 1)[0].strip()


def plugin_modules(tree: ast.Module) -> Iterator[str]:
    """Module names in a top-level ``pytest_plugins = "a.b"`` or ``[...]``."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not any(
            isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in targets
        ):
            continue
        items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
        yield from filter(None, map(constant_str, items))


def local_module(root: Path, base: Path, name: str) -> Path | None:
    """The file of module ``name`` if it lives in the repository, else ``None``.

    pytest imports it with the conftest's folder or the root (or ``src``) on
    ``sys.path``; an installed plugin is not ours to read.
    """
    parts = name.split(".")
    for folder in (base, root, root / "src"):
        for candidate in (
            folder.joinpath(*parts[:-1], parts[-1] + ".py"),
            folder.joinpath(*parts, "__init__.py"),
        ):
            if candidate.is_file():
                return candidate
    return None


def active_markers(config: PytestConfig | None) -> frozenset[str]:
    return frozenset(m.name for m in config.markers) if config else frozenset()


def plugin_markers(requirements: Iterable[str]) -> frozenset[str]:
    """Markers of the test plugins the target declares, in any extra or group."""
    found: set[str] = set()
    for requirement in requirements:
        name = name_of(requirement)
        if name is not None:
            found.update(PLUGIN_MARKERS.get(name, ()))
    return frozenset(found)
