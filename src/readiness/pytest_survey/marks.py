"""Which pytest markers the tests use, and which ones are registered where.

Uses are read with :mod:`ast` (``pytest.mark.NAME`` under any alias,
``add_marker("NAME")``); registrations come from the pytest configuration,
``config.addinivalue_line("markers", ...)`` in the conftests pytest loads
(and the local modules their ``pytest_plugins`` name), pytest itself and the
test plugins the target declares.

Known limits, on purpose: names are resolved per module without scopes (a local
variable called ``mark`` that shadows ``from pytest import mark`` still counts),
markers registered through computed strings (``addinivalue_line("markers", x)``
with ``x`` a variable) are not seen, and plugins are known from the table below
rather than from what is installed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from readiness.pytest_survey.files import parse
from readiness.requirements import name_of
from readiness.target import PytestConfig, Target

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
class Survey:
    """What the scanned files say: uses, conftest registrations, parse errors."""

    files: int
    uses: tuple[Use, ...]
    registered: frozenset[str]
    errors: tuple[ParseError, ...]


def scan(target: Target, tests: Sequence[Path], conftests: Sequence[Path]) -> Survey:
    """Uses in every file; registrations in conftests and in the local modules
    their ``pytest_plugins`` name, recursively. Each file is parsed once."""
    scanner = Scanner(target)
    for path in tests:
        scanner.module(path)
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
        scanner.registered.update(registrations(tree))
        pending.extend(
            plugin
            for name in plugin_modules(tree)
            if (plugin := local_module(target.root, path.parent, name))
        )
    return scanner.survey()


class Scanner:
    """Parses each file once and collects its marker uses or its parse error."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.trees: dict[Path, ast.Module | None] = {}
        self.uses: list[Use] = []
        self.registered: set[str] = set()
        self.errors: list[ParseError] = []

    def module(self, path: Path) -> ast.Module | None:
        """The parsed file, or ``None`` when it does not parse (recorded once)."""
        if path not in self.trees:
            self.trees[path] = self._read(path)
        return self.trees[path]

    def _read(self, path: Path) -> ast.Module | None:
        rel = self.target.rel(path)
        try:
            tree = parse(path)
        except (SyntaxError, ValueError) as exc:
            # ValueError: NUL bytes, on the Pythons that do not raise SyntaxError
            reason = f"{type(exc).__name__}: {exc.args[0]}"
            line = getattr(exc, "lineno", None) or None
            self.errors.append(ParseError(path=rel, line=line, reason=reason))
            return None
        self.uses.extend(
            Use(marker=name, path=rel, line=line) for name, line in marker_uses(tree)
        )
        return tree

    def survey(self) -> Survey:
        return Survey(
            files=len(self.trees),
            uses=tuple(sorted(self.uses, key=lambda u: (u.path, u.line, u.marker))),
            registered=frozenset(self.registered),
            errors=tuple(self.errors),
        )


class Aliases:
    """The names a module binds to ``pytest`` and to ``pytest.mark``."""

    def __init__(self, tree: ast.Module) -> None:
        self.pytest: set[str] = set()
        self.mark: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.pytest.update(
                    alias.asname or alias.name
                    for alias in node.names
                    if alias.name == "pytest"
                )
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module == "pytest"
                and not node.level
            ):
                self.mark.update(
                    alias.asname or "mark"
                    for alias in node.names
                    if alias.name in {"mark", "*"}
                )
        # ``m = pytest.mark``, once the imports are known; ``ast.walk`` visits
        # the module body in order, so ``m2 = m`` further down is followed too.
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and self.is_mark(node.value):
                self.mark.update(
                    target.id for target in node.targets if isinstance(target, ast.Name)
                )

    def is_mark(self, node: ast.expr) -> bool:
        """Whether ``node`` is the ``pytest.mark`` namespace itself."""
        if isinstance(node, ast.Name):
            return node.id in self.mark
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "mark"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.pytest
        )


def marker_uses(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """``(marker, line)`` for every ``pytest.mark.NAME`` and ``add_marker("NAME")``.

    Every attribute of the mark namespace is a use wherever it appears
    (decorators, ``pytestmark``, ``pytest.param(marks=...)``, assignments,
    ``add_marker(pytest.mark.NAME)``), because each one is looked up, and
    checked, when pytest imports the module or runs the test.
    """
    aliases = Aliases(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and aliases.is_mark(node.value)
            and not node.attr.startswith("_")
        ):
            yield node.attr, node.lineno
        elif isinstance(node, ast.Call):
            name = string_marker(node)
            if name is not None:
                yield name, node.lineno


def string_marker(call: ast.Call) -> str | None:
    """The name in ``node.add_marker("NAME")``, which pytest looks up the same way."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_marker"):
        return None
    arguments = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "marker")]
    for argument in arguments:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return None


def registrations(tree: ast.Module) -> Iterator[str]:
    """Names registered with ``config.addinivalue_line("markers", "NAME: ...")``."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "addinivalue_line"
            and len(node.args) >= 2
        ):
            continue
        key, line = (constant_str(argument) for argument in node.args[:2])
        if key == "markers" and line is not None:
            name = marker_name(line)
            if name:
                yield name


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
