"""The ``markers`` gate: every pytest marker the tests use must be registered.

An unregistered marker is the seed's first test blocker: with
``--strict-markers`` (or ``strict = true``) pytest aborts collection, and with
``filterwarnings = error`` the ``PytestUnknownMarkWarning`` becomes an error
too. Without either, pytest only warns, and a typo such as ``@pytest.mark.slwo``
silently escapes the ``-m "not slow"`` selection.

The gate reads the tests with :mod:`ast` instead of running pytest, because the
target's test environment may not exist yet (building it is what the ``tests``
gate does) and importing the target's code is never safe.

Rules:

* ``MK001`` a marker is used but not registered where pytest reads it;
* ``MK002`` a test module or conftest does not parse, so collection breaks.

Known limits, on purpose: names are resolved per module without scopes (a local
variable called ``mark`` that shadows ``from pytest import mark`` still counts),
markers registered through computed strings (``addinivalue_line("markers", x)``
with ``x`` a variable) are not seen, and plugins are known from the table below
rather than from what is installed.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness import pysource
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import Evaluation, Gate, GateContext, GateSkipped
from readiness.target import PytestConfig, Target, list_of_str

UNDEFINED = Rule(
    id="MK001",
    title="pytest marker is not registered",
    explanation=(
        "pytest knows a marker only when the configuration file it reads, a"
        " conftest.py (config.addinivalue_line) or an installed plugin registers"
        " it. With --strict-markers an unknown marker aborts collection; without"
        " it pytest warns, and a misspelt marker silently escapes -m selections."
    ),
    fix="register the marker in the markers option of the file pytest reads",
)
UNPARSABLE = Rule(
    id="MK002",
    title="test file does not parse",
    explanation=(
        "pytest imports every test module and conftest.py while collecting; a"
        " file that is not valid Python is a collection error for the whole run."
    ),
    fix="fix the syntax error",
)
#: readiness's own rules, for renderers and documentation.
RULES = (UNDEFINED, UNPARSABLE)

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

#: pytest's default ``norecursedirs`` plus caches and installed packages.
SKIPPED_DIRS = (
    "*.egg",
    "*.egg-info",
    ".*",
    "_darcs",
    "build",
    "CVS",
    "dist",
    "node_modules",
    "venv",
    "{arch}",
    "__pycache__",
    "site-packages",
)
#: pytest's default ``python_files``, used when no test folder is declared.
DEFAULT_TEST_FILES = ("test_*.py", "*_test.py")

ALL_REGISTERED = "every pytest marker the tests use is registered"
ALL_PARSE = "every test module and conftest.py parses"
STRICT = "--strict-markers makes pytest abort collection"
WARN_ONLY = "pytest only warns (PytestUnknownMarkWarning) without --strict-markers"
#: Every category a ``filterwarnings`` entry may name to catch the unknown-mark
#: warning: its class and its bases.
UNKNOWN_MARK_CATEGORIES = frozenset(
    {"", "Warning", "UserWarning", "PytestWarning", "PytestUnknownMarkWarning"}
)
WARNING_ACTIONS = ("default", "always", "all", "ignore", "module", "once", "error")


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


class MarkersGate(Gate):
    """Every pytest marker the tests use is registered in the config pytest reads."""

    name = "markers"
    title = "pytest markers"
    priority = Priority.P0

    def run(self, ctx: GateContext) -> Evaluation:
        target = ctx.target
        tests, conftests = files_to_scan(target)
        if not tests:
            raise GateSkipped("no test files found")
        survey = scan(target, tests, conftests)
        config = target.pytest_config
        registered = (
            active_markers(config)
            | survey.registered
            | plugin_markers(target.declared_requirements())
        )
        used = {use.marker for use in survey.uses}
        undefined = sorted(used - registered - BUILTIN_MARKERS)
        sites = [use for use in survey.uses if use.marker in undefined]
        findings = [undefined_finding(target, use) for use in sites]
        findings.extend(parse_finding(error) for error in survey.errors)
        findings.sort(key=lambda f: (f.path or "", f.line or 0, f.rule))
        return Evaluation(
            criteria=criteria(undefined, survey.errors),
            findings=tuple(findings),
            metrics={
                "markers_used": len(used),
                "markers_registered": len(registered - BUILTIN_MARKERS),
                "undefined": len(undefined),
                "use_sites": len(sites),
                "files_scanned": survey.files,
                "parse_errors": len(survey.errors),
                "strict_markers": "yes" if config and config.strict_markers else "no",
            },
        )


# --- which files ------------------------------------------------------------


def files_to_scan(target: Target) -> tuple[list[Path], list[Path]]:
    """The test modules to scan, and the conftest.py files pytest loads for them.

    Under declared test folders every ``.py`` file counts (helpers there apply
    marks too); without any, pytest collects the whole root, which is searched
    for files named like its ``python_files``, so that source code is not
    mistaken for tests.
    """
    conftests = [p for p in python_files(target.root) if p.name == "conftest.py"]
    if target.test_paths:
        starts = [target.root / entry for entry in target.test_paths]
        found = [path for start in starts for path in python_files(start)]
        conftests = [p for p in conftests if loaded_for(p, starts)]
    else:
        patterns = python_file_patterns(target.pytest_config)
        found = [
            path
            for path in python_files(target.root)
            if any(fnmatch(path.name, pattern) for pattern in patterns)
        ]
    tests = sorted({path for path in found if path.name != "conftest.py"})
    return tests, conftests


def loaded_for(conftest: Path, starts: Iterable[Path]) -> bool:
    """Whether pytest loads ``conftest`` when collecting ``starts``: it reads the
    ones in the collected folders and in their parents up to the root, not
    those of, say, an example project elsewhere in the repository."""
    return any(
        conftest.is_relative_to(start) or start.is_relative_to(conftest.parent)
        for start in starts
    )


def python_files(start: Path) -> Iterator[Path]:
    """``.py`` files at or under ``start``, pruning folders pytest never enters."""
    if start.is_file():
        if start.suffix == ".py":
            yield start
        return
    for folder, dirs, files in os.walk(start):
        dirs[:] = sorted(d for d in dirs if not skipped_dir(d))
        base = Path(folder)
        yield from (base / name for name in sorted(files) if name.endswith(".py"))


def skipped_dir(name: str) -> bool:
    return any(fnmatch(name, pattern) for pattern in SKIPPED_DIRS)


def python_file_patterns(config: PytestConfig | None) -> tuple[str, ...]:
    raw = config.options.get("python_files") if config else None
    if raw is None:
        return DEFAULT_TEST_FILES
    items = raw.split() if isinstance(raw, str) else list_of_str(raw)
    return tuple(items) or DEFAULT_TEST_FILES


# --- what the files say -----------------------------------------------------


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


def parse(path: Path) -> ast.Module:
    """Parse like Python imports: bytes in, so encoding cookies are honoured."""
    return pysource.parse(path.read_bytes(), filename=str(path))


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


# --- what is registered -----------------------------------------------------


def active_markers(config: PytestConfig | None) -> frozenset[str]:
    return frozenset(m.name for m in config.markers) if config else frozenset()


def plugin_markers(requirements: Iterable[str]) -> frozenset[str]:
    """Markers of the test plugins the target declares, in any extra or group."""
    found: set[str] = set()
    for requirement in requirements:
        try:
            name = canonicalize_name(Requirement(requirement).name)
        except InvalidRequirement:
            continue
        found.update(PLUGIN_MARKERS.get(name, ()))
    return frozenset(found)


def inactive_registration(target: Target, marker: str) -> PytestConfig | None:
    """The first config file pytest ignores that registers ``marker``, if any."""
    return next(
        (
            config
            for config in target.pytest_configs[1:]
            if marker in active_markers(config)
        ),
        None,
    )


# --- findings ---------------------------------------------------------------


def undefined_finding(target: Target, use: Use) -> Finding:
    config = target.pytest_config
    severity, consequence = consequence_of(config, use.marker)
    path, section = (
        (config.path, config.section)
        if config
        else ("pyproject.toml", "tool.pytest.ini_options")
    )
    message = f"marker {use.marker!r} is not registered; {consequence}"
    details: dict[str, str | int | float | bool] = {
        "marker": use.marker,
        "config": path,
    }
    elsewhere = inactive_registration(target, use.marker)
    if elsewhere is not None:
        message += (
            f" (it is registered in {elsewhere.path} [{elsewhere.section}],"
            f" which pytest does not read: it reads {path})"
        )
        details["registered_in"] = elsewhere.path
    return Finding(
        rule=UNDEFINED.id,
        severity=severity,
        priority=Priority.P0,
        message=message,
        path=use.path,
        line=use.line,
        fix=f'register it in {path} [{section}] markers: "{use.marker}: <description>"',
        fixable=True,
        details=details,
    )


def consequence_of(config: PytestConfig | None, marker: str) -> tuple[Severity, str]:
    """How bad an unknown marker is under ``config``, and why."""
    if config is not None and config.strict_markers:
        return Severity.HIGH, STRICT
    if config is not None and unknown_mark_is_error(config, marker):
        return Severity.HIGH, (
            f"filterwarnings in {config.path} turns PytestUnknownMarkWarning"
            " into an error"
        )
    return Severity.MEDIUM, WARN_ONLY


def unknown_mark_is_error(config: PytestConfig, marker: str) -> bool:
    """Whether the warning filters make ``PytestUnknownMarkWarning`` an error.

    pytest applies the ``filterwarnings`` option, then ``-W`` options from
    ``addopts``; the last matching filter wins. Filters bound to a module or a
    line are left out: which module triggers the warning is not known here.
    """
    raw = config.options.get("filterwarnings", ())
    ini = raw.splitlines() if isinstance(raw, str) else list_of_str(raw)
    text = f"Unknown pytest.mark.{marker} - is this a typo?"
    action = "default"
    specs = [(spec, False) for spec in ini] + [
        (spec, True) for spec in w_options(config.addopts)
    ]
    for spec, escape in specs:
        matched = filter_action(spec, text, escape=escape) if spec.strip() else None
        action = matched or action
    return action == "error"


def w_options(addopts: Sequence[str]) -> Iterator[str]:
    """The values of ``-W X``, ``-WX``, ``--pythonwarnings X`` and ``=X`` forms."""
    for index, option in enumerate(addopts):
        following = addopts[index + 1] if index + 1 < len(addopts) else ""
        if option in {"-W", "--pythonwarnings"}:
            yield following
        elif option.startswith("--pythonwarnings="):
            yield option.partition("=")[2]
        elif option.startswith("-W"):
            yield option[2:]


def filter_action(spec: str, text: str, *, escape: bool) -> str | None:
    """The action of warning filter ``spec`` if it applies to ``text``, else None.

    ``spec`` is ``action:message:category:module:lineno`` as Python and pytest
    read it: actions may be abbreviated, the message is a case-insensitive
    regex matched at the start (escaped when it comes from ``-W``).
    """
    action, message, category, module, lineno = (
        part.strip() for part in (spec.split(":") + [""] * 4)[:5]
    )
    actions = [a for a in WARNING_ACTIONS if a.startswith(action or "default")]
    applies = (
        bool(actions)
        and not module
        and not lineno
        and category.rpartition(".")[2] in UNKNOWN_MARK_CATEGORIES
        and message_matches(message, text, escape=escape)
    )
    return actions[0] if applies else None


def message_matches(message: str, text: str, *, escape: bool) -> bool:
    pattern = re.escape(message) if escape else message
    try:
        return re.match(pattern, text, re.IGNORECASE) is not None
    except re.error:
        return False


def parse_finding(error: ParseError) -> Finding:
    return Finding(
        rule=UNPARSABLE.id,
        severity=Severity.HIGH,
        priority=Priority.P0,
        message=f"{UNPARSABLE.title} ({error.reason}); pytest cannot collect it",
        path=error.path,
        line=error.line,
        fix=UNPARSABLE.fix,
        details={"reason": error.reason},
    )


def criteria(
    undefined: Sequence[str], errors: Sequence[ParseError]
) -> tuple[Criterion, ...]:
    text = ALL_REGISTERED
    if undefined:
        text += f" ({len(undefined)} undefined: {', '.join(undefined)})"
    found = [Criterion(text=text, met=not undefined)]
    if errors:
        paths = sorted({error.path for error in errors})
        found.append(
            Criterion(
                text=f"{ALL_PARSE} ({len(paths)} do not: {', '.join(paths)})",
                met=False,
            )
        )
    return tuple(found)
