"""The ``tests`` gate: the target's own test suite, in its own test environment.

The seed's first P0 finding was a pytest run that aborted before running
anything (undefined markers, test extras not installed), and so produced no
coverage at all. This gate finds and explains that, and proves it fixed:

1. **environment**: :func:`readiness.environments.ensure` builds (or reuses)
   a virtualenv with the target installed editable with its test extra and/or
   ``test`` dependency group, constrained by ``constraints/test.txt`` when the
   target has one, plus pytest-cov (and pytest when the target does not
   declare it), on an interpreter that satisfies ``requires-python``;
2. **static pre-check**: every import in the test modules and conftests
   (read with :mod:`ast`) must be provided by a declared dependency: import
   names are mapped to distributions with ``packages_distributions()`` run
   inside the environment (plus :data:`WELL_KNOWN` for packages that are not
   installed at all); the stdlib, the target's own modules and local test
   helpers are left out;
3. **run**: ``python -m pytest`` in the target's root with its own
   configuration, a marker selection (the seed's by default, restricted to
   the markers the target has), JUnit XML (``xunit1``, which carries file and
   line) and coverage JSON written into the scratch folder and read back. The
   target stays untouched by the run itself: no cache provider, no bytecode,
   ``COVERAGE_FILE`` and hypothesis's database in scratch (what the target's
   own tests write is theirs);
4. **diagnosis**: collection errors from the JUnit file become findings
   (unregistered marker at its use sites, found with the markers gate's
   static analysis; missing module with the distribution and the extra that
   should declare it; syntax error; conftest crash). The terminal is read
   only where pytest writes nothing else: a conftest that fails while pytest
   starts (stderr, before any report exists) and usage or internal errors
   (``ERROR:`` and ``INTERNALERROR>`` lines);
5. **limits**: the gate's timeout kills pytest's whole process group; a tiny
   plugin (:data:`PLUGIN_SOURCE`) appends each test's start and finish to a
   file as it happens, so the tests that were running can be named even
   though pytest writes no JUnit file when it is killed.

A target whose tests run ``readiness audit`` on themselves would start this
gate again inside its own run; the environment variable :data:`GUARD_ENV`
names the roots whose suite is already running, and the gate skips those.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import xml.etree.ElementTree as ET  # nosec B405 - pytest's own report, see read_junit
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness import command, environments
from readiness.errors import ConfigError
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates import markers
from readiness.gates.interface import (
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.settings import GateOptions
from readiness.target import Target, list_of_str, load_ini

UNREGISTERED_MARKER = Rule(
    id="TS001",
    title="an unregistered marker aborts collection",
    explanation=(
        "With --strict-markers (or strict = true) pytest refuses to collect a"
        " module that applies a marker its configuration does not register, and"
        " a collection error stops the whole run: no test runs, no coverage."
    ),
    fix="register the marker in the markers option of the file pytest reads",
)
UNDECLARED_IMPORT = Rule(
    id="TS002",
    title="a test import that no declared dependency provides",
    explanation=(
        "The tests import a package that neither the project's dependencies nor"
        " its test extra (or dependency group) declares, so a fresh test"
        " environment cannot import the module and pytest aborts collecting it."
    ),
    fix="declare the distribution in the test extra",
)
SYNTAX_ERROR = Rule(
    id="TS003",
    title="a test module is not valid Python",
    explanation="pytest cannot import the module, which aborts collection.",
    fix="fix the syntax error",
)
CONFTEST_CRASH = Rule(
    id="TS004",
    title="a conftest.py raises when pytest loads it",
    explanation=(
        "pytest imports every conftest.py on the way to the tests; one that raises"
        " stops collection of everything below it (or the whole run, when pytest"
        " loads it at start-up)."
    ),
    fix="fix the conftest.py so that it imports cleanly",
)
COLLECTION_ERROR = Rule(
    id="TS005",
    title="pytest cannot collect a test module",
    explanation="A collection error interrupts the run before any test runs.",
    fix="fix the error pytest reports for the module",
)
FAILING_TEST = Rule(
    id="TS006",
    title="a test fails",
    explanation="The agreed selection must pass before the suite proves anything.",
    fix="fix the code or the test",
)
ERRORING_TEST = Rule(
    id="TS007",
    title="a test errors in setup or teardown",
    explanation="A fixture raised, so the test's result is unknown.",
    fix="fix the fixture",
)
PYTEST_UNUSABLE = Rule(
    id="TS008",
    title="pytest could not run the suite",
    explanation=(
        "pytest stopped with a usage or internal error, so no test result exists."
    ),
    fix="fix the pytest configuration or the selection it reports",
)
NO_TESTS = Rule(
    id="TS009",
    title="no tests collected",
    explanation=(
        "pytest found no test under the agreed selection (exit code 5): a suite"
        " that runs nothing proves nothing, so this is not a pass."
    ),
    fix="add tests, or fix testpaths/python_files and the marker selection",
)
LOW_COVERAGE = Rule(
    id="TS010",
    title="a module is covered below the threshold",
    explanation="The modules furthest below the coverage threshold, worst first.",
    fix="add tests that exercise the missing lines",
)
#: readiness's own rules, for renderers and documentation.
RULES = (
    UNREGISTERED_MARKER,
    UNDECLARED_IMPORT,
    SYNTAX_ERROR,
    CONFTEST_CRASH,
    COLLECTION_ERROR,
    FAILING_TEST,
    ERRORING_TEST,
    PYTEST_UNUSABLE,
    NO_TESTS,
    LOW_COVERAGE,
)

#: The seed's unit-test selection: ``-m "not memory and not api_integration
#: and not live and not ib_integration"``, one term per marker.
SEED_EXCLUDED = ("memory", "api_integration", "live", "ib_integration")
DEFAULT_THRESHOLD = 90.0
TEST_NAMES = ("test", "tests", "testing")
#: Roots whose suite a tests gate is running, so that it does not start itself.
GUARD_ENV = "READINESS_TESTS_GATE_ROOTS"
PROGRESS_ENV = "READINESS_PYTEST_PROGRESS"
PLUGIN = "_readiness_pytest_progress"
#: Loaded into the target's pytest with ``-p``: appends a JSON line per event,
#: opened and closed each time so that nothing is lost when pytest is killed.
#: Plain Python 3 without f-strings, so that any interpreter runs it.
PLUGIN_SOURCE = '''\
"""readiness's progress probe: each test's start and finish, as JSON lines."""
import json
import os

_PATH = os.environ.get("READINESS_PYTEST_PROGRESS")


def _write(record):
    if _PATH:
        with open(_PATH, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\\n")


def pytest_collection_finish(session):
    _write({"event": "collected", "count": len(session.items)})


def pytest_deselected(items):
    _write({"event": "deselected", "count": len(items)})


def pytest_runtest_logstart(nodeid):
    _write({"event": "start", "nodeid": nodeid})


def pytest_runtest_logfinish(nodeid):
    _write({"event": "finish", "nodeid": nodeid})
'''
#: Run with the environment's interpreter: what it has installed, what its
#: stdlib is, and its values for environment markers.
PROBE_SOURCE = r"""
import inspect, json, os, platform, sys
try:
    from importlib import metadata
except ImportError:
    metadata = None

def version(info):
    text = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        text += info.releaselevel[0] + str(info.serial)
    return text

def top_levels(dist):
    text = dist.read_text("top_level.txt")
    if text:
        return text.split()
    names = set()
    for file in dist.files or ():
        parts = file.parts
        name = parts[0] if len(parts) > 1 else inspect.getmodulename(parts[0])
        if name and "." not in name:
            names.add(name)
    return sorted(names)

result = {
    "python": platform.python_version(),
    "stdlib": sorted(getattr(sys, "stdlib_module_names", ())),
    "environment": {
        "implementation_name": sys.implementation.name,
        "implementation_version": version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
    "distributions": [],
    "providers": {},
}
if metadata is not None:
    providers = getattr(metadata, "packages_distributions", lambda: None)()
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        result["distributions"].append(
            {"name": name, "version": dist.version, "requires": dist.requires or []}
        )
        if providers is None:
            for top in top_levels(dist):
                result["providers"].setdefault(top, []).append(name)
    if providers is not None:
        result["providers"] = providers
print(json.dumps(result))
"""
#: Import names whose distribution is named differently (or that are worth
#: naming), for packages the test environment does not have at all.
WELL_KNOWN = {
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "Crypto": "pycryptodome",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "dns": "dnspython",
    "docx": "python-docx",
    "dotenv": "python-dotenv",
    "fitz": "PyMuPDF",
    "freezegun": "freezegun",
    "git": "GitPython",
    "jose": "python-jose",
    "jwt": "PyJWT",
    "magic": "python-magic",
    "MySQLdb": "mysqlclient",
    "nacl": "PyNaCl",
    "OpenSSL": "pyOpenSSL",
    "PIL": "Pillow",
    "pkg_resources": "setuptools",
    "pytest_asyncio": "pytest-asyncio",
    "pytest_mock": "pytest-mock",
    "requests_mock": "requests-mock",
    "serial": "pyserial",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "slugify": "python-slugify",
    "socks": "PySocks",
    "usb": "pyusb",
    "yaml": "PyYAML",
    "zmq": "pyzmq",
}
#: What pytest's exit codes mean (``pytest.ExitCode``).
EXIT_MEANINGS = {
    0: "all selected tests passed",
    1: "tests failed",
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}
#: pytest options that need the cache provider, which the gate normally turns off.
CACHE_OPTIONS = frozenset(
    {
        "--lf",
        "--last-failed",
        "--ff",
        "--failed-first",
        "--nf",
        "--new-first",
        "--sw",
        "--stepwise",
        "--sw-skip",
        "--stepwise-skip",
        "--cache-show",
        "--cache-clear",
        "--lfnf",
        "--last-failed-no-failures",
    }
)
KNOWN_OPTIONS = frozenset(
    {
        "timeout",
        "python",
        "extras",
        "groups",
        "constraints",
        "markers",
        "keywords",
        "coverage",
        "fail_under",
        "args",
    }
)
#: Findings for failing tests beyond this many are summed up in one.
MAX_TEST_FINDINGS = 50
#: How many of the modules below the threshold are named.
MAX_COVERAGE_FINDINGS = 5
#: pytest may exit with any code, or be killed by a signal; every one is read.
ANY_EXIT = range(-256, 256)

_MARKER_ERROR = re.compile(r"'(?P<marker>[^']+)' not found in `markers` configuration")
_NO_MODULE = re.compile(r"No module named '(?P<module>[^']+)'")
_SYNTAX = re.compile(r'^E?\s*File "(?P<path>[^"]+)", line (?P<line>\d+)', re.MULTILINE)
_E_LINE = re.compile(r"^E\s+(?P<text>\S.*)$", re.MULTILINE)
_LOCATION = re.compile(r"^(?P<path>[^\s:<>][^:\n]*\.py):(?P<line>\d+): ", re.MULTILINE)
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Warning))")
_CONFTEST_LOAD = re.compile(
    r"^ImportError while loading conftest '(?P<path>[^']+)'\.$", re.MULTILINE
)
#: ``ERROR: ...`` (not argparse's usage line) and argparse's ``PROG: error: ...``.
_USAGE = re.compile(
    r"^(?:ERROR: (?!usage: )|[^\n]*?: error: )(?P<text>.+)$", re.MULTILINE
)
_INTERNAL = re.compile(r"^INTERNALERROR> (?P<text>\S.*)$", re.MULTILINE)


class TestsGate(Gate):
    """The target's test suite passes in its own test environment, with coverage."""

    __test__ = False  # a gate, not a pytest test class
    name = "tests"
    title = "pytest and coverage"
    priority = Priority.P0

    def run(self, ctx: GateContext) -> Evaluation:
        target = ctx.target
        running = os.environ.get(GUARD_ENV, "").split(os.pathsep)
        if str(target.root) in running:
            raise GateSkipped(
                "this tests gate runs inside the suite of the same repository;"
                " starting it again would run the suite inside itself"
            )
        config = configure(target, ctx.options)
        tests, conftests = markers.files_to_scan(target)
        survey = markers.scan(target, tests, conftests)
        env = environments.ensure(
            target, environment_spec(target, config), run=ctx.run, python=config.python
        )
        ctx.tool_version("uv")
        installed = probe(ctx, env)
        for tool in ("pytest", "pytest-cov"):
            if tool in installed.versions:
                ctx.record_tool(tool, installed.versions[tool])
        selection = marker_selection(config, target, survey, installed)
        declared = declared_closure(target, config, installed)
        undeclared = undeclared_imports(
            target, import_sites(target, [*tests, *conftests]), installed, declared
        )
        outcome = run_pytest(ctx, env, config, selection)
        return evaluate(
            Inputs(
                target=target,
                config=config,
                survey=survey,
                selection=selection,
                undeclared=tuple(undeclared),
                environment=env,
            ),
            outcome,
        )


# --- configuration ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Config:
    """What ``[tool.readiness.tests]`` and the target decide about the run."""

    extras: tuple[str, ...]
    groups: tuple[str, ...]
    constraints: Path | None
    python: str | None
    #: ``None``: the seed's selection, restricted to the target's markers.
    markers: str | None
    keywords: str
    coverage: tuple[str, ...]
    threshold: float
    threshold_source: str
    args: tuple[str, ...]


def configure(target: Target, options: GateOptions) -> Config:
    """Read ``[tool.readiness.tests]`` with the target's defaults."""
    values = options.values
    unknown = sorted(set(values) - KNOWN_OPTIONS)
    if unknown:
        raise ConfigError(
            f"[tool.readiness.tests] has unknown key {unknown[0]!r}; known keys: "
            + ", ".join(sorted(KNOWN_OPTIONS))
        )
    extras = options.strings("extras", _first(TEST_NAMES, target.extras))
    for extra in extras:
        if extra not in target.extras:
            raise ConfigError(
                f"[tool.readiness.tests] extras: {target.name} has no extra {extra!r}"
            )
    groups = options.strings("groups", _first(TEST_NAMES, target.dependency_groups))
    for group in groups:
        if group not in target.dependency_groups:
            raise ConfigError(
                f"[tool.readiness.tests] groups: {target.name} has no dependency"
                f" group {group!r}"
            )
    threshold, source = coverage_threshold(target, values)
    return Config(
        extras=extras,
        groups=groups,
        constraints=_constraints(target, _string(values, "constraints")),
        python=_string(values, "python") or None,
        markers=_string(values, "markers"),
        keywords=_string(values, "keywords") or "",
        coverage=options.strings("coverage", target.package_names),
        threshold=threshold,
        threshold_source=source,
        args=options.strings("args"),
    )


def _first(names: Iterable[str], declared: Mapping[str, object]) -> tuple[str, ...]:
    return next(((name,) for name in names if name in declared), ())


def _string(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"[tool.readiness.tests] {key} must be a string")
    return value


def _constraints(target: Target, configured: str | None) -> Path | None:
    """``constraints/test.txt`` when present; a configured path must exist."""
    if configured is None:
        default = target.root / "constraints" / "test.txt"
        return default if default.is_file() else None
    if not configured:
        return None
    path = target.root / configured
    if not path.is_file():
        raise ConfigError(f"[tool.readiness.tests] constraints: {configured} not found")
    return path


def coverage_threshold(target: Target, values: Mapping[str, Any]) -> tuple[float, str]:
    """The threshold and where it comes from, in coverage.py's order of files."""
    if "fail_under" in values:
        return _percent(values["fail_under"], "[tool.readiness.tests] fail_under")
    for name, section in (
        (".coveragerc", "report"),
        (".coveragerc", "coverage:report"),
        ("setup.cfg", "coverage:report"),
        ("tox.ini", "coverage:report"),
    ):
        path = target.root / name
        if path.is_file():
            parser = load_ini(path)
            if parser.has_option(section, "fail_under"):
                where = f"{name} [{section}] fail_under"
                return _percent(parser.get(section, "fail_under"), where)
    report = target.tool.get("coverage", {}).get("report", {})
    if isinstance(report, Mapping) and "fail_under" in report:
        where = "pyproject.toml [tool.coverage.report] fail_under"
        return _percent(report["fail_under"], where)
    return DEFAULT_THRESHOLD, "default"


def _percent(value: object, where: str) -> tuple[float, str]:
    try:
        number = float(str(value))
    except ValueError:
        number = -1.0
    if isinstance(value, bool) or not 0 <= number <= 100:
        raise ConfigError(f"{where} must be a number from 0 to 100")
    return number, where


def environment_spec(target: Target, config: Config) -> environments.Spec:
    """The test environment: target with its test extra/group, pytest-cov, pytest."""
    packages = ["pytest-cov"]
    if "pytest" not in declared_names(target, config):
        packages.insert(0, "pytest")
    return environments.Spec(
        kind="test",
        extras=config.extras,
        groups=config.groups,
        packages=tuple(packages),
        constraints=config.constraints,
        install_target=installable(target),
    )


def installable(target: Target) -> bool:
    return (
        "project" in target.pyproject
        or "build-system" in target.pyproject
        or (target.root / "setup.py").is_file()
        or (target.root / "setup.cfg").is_file()
    )


def declared_requirements(target: Target, config: Config) -> list[Requirement]:
    """Dependencies, the test extras and groups; the target's own extras expanded."""
    own = canonicalize_name(target.name)
    found: list[Requirement] = []
    pending = [*target.dependencies]
    for extra in config.extras:
        pending.extend(target.extras.get(extra, ()))
    for group in config.groups:
        pending.extend(target.dependency_groups.get(group, ()))
    seen: set[str] = set()
    while pending:
        requirement = _requirement(pending.pop(0))
        if requirement is None:
            continue
        if canonicalize_name(requirement.name) == own:
            for extra in sorted(requirement.extras - seen):
                seen.add(extra)
                pending.extend(target.extras.get(extra, ()))
            continue
        found.append(requirement)
    return found


def declared_names(target: Target, config: Config) -> frozenset[str]:
    return frozenset(
        canonicalize_name(r.name) for r in declared_requirements(target, config)
    )


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


# --- what the environment has ----------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Installed:
    """The test environment's distributions, stdlib and marker values."""

    python: str
    stdlib: frozenset[str]
    #: import name -> canonical names of the distributions that provide it
    providers: Mapping[str, tuple[str, ...]]
    #: canonical distribution name -> its Requires-Dist
    requires: Mapping[str, tuple[str, ...]]
    versions: Mapping[str, str]
    environment: Mapping[str, str]


def probe(ctx: GateContext, env: environments.Environment) -> Installed:
    completed = ctx.run([str(env.python), "-c", PROBE_SOURCE], record=False)
    try:
        return parse_probe(json.loads(completed.stdout))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise GateError(
            "the test environment's interpreter printed no package list"
        ) from None


def parse_probe(data: Mapping[str, Any]) -> Installed:
    requires: dict[str, tuple[str, ...]] = {}
    versions: dict[str, str] = {}
    for dist in data["distributions"]:
        name = canonicalize_name(str(dist["name"]))
        if name not in versions:
            versions[name] = str(dist["version"])
            requires[name] = tuple(str(r) for r in dist["requires"])
    return Installed(
        python=str(data["python"]),
        stdlib=frozenset(data["stdlib"]) or frozenset(sys.stdlib_module_names),
        providers={
            str(module): tuple(canonicalize_name(str(d)) for d in dists)
            for module, dists in data["providers"].items()
        },
        requires=requires,
        versions=versions,
        environment={str(k): str(v) for k, v in data["environment"].items()},
    )


def declared_closure(
    target: Target, config: Config, installed: Installed
) -> frozenset[str]:
    """Every installed distribution the declared requirements pull in."""
    roots = declared_requirements(target, config)
    own = _requirement(f"{target.name}[{','.join(config.extras)}]".replace("[]", ""))
    if own is not None:
        roots.append(own)
    found: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [
        r for r in roots if _applies(r.marker, installed.environment, frozenset())
    ]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(name)
        for text in installed.requires.get(name, ()):
            child = _requirement(text)
            if child is not None and _applies(
                child.marker, installed.environment, extras
            ):
                pending.append(child)
    return frozenset(found)


def _applies(
    marker: Marker | None, environment: Mapping[str, str], extras: frozenset[str]
) -> bool:
    if marker is None:
        return True
    try:
        return any(
            marker.evaluate({**environment, "extra": extra})
            for extra in (extras or {""})
        )
    except (UndefinedComparison, UndefinedEnvironmentName):
        return True  # a marker we cannot evaluate must not hide a dependency


# --- test-time imports ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImportSite:
    module: str
    path: str
    line: int

    @property
    def top(self) -> str:
        return self.module.partition(".")[0]


@dataclass(frozen=True, kw_only=True)
class Undeclared:
    """A test import that no declared dependency provides."""

    site: ImportSite
    distribution: str
    #: whether the test environment has it anyway (through what readiness added)
    installed: bool


def import_sites(target: Target, files: Iterable[Path]) -> list[ImportSite]:
    """Absolute imports that run when the module is imported or a test runs.

    Imports guarded by ``try/except ImportError`` and ``if TYPE_CHECKING:``
    are optional by design and left out; unparsable files are the markers
    gate's and pytest's to report.
    """
    sites: list[ImportSite] = []
    for path in sorted(set(files)):
        try:
            tree = markers.parse(path)
        except (SyntaxError, ValueError, OSError):
            continue
        rel = target.rel(path)
        sites.extend(
            ImportSite(module=module, path=rel, line=line)
            for module, line in _imports(tree)
        )
    return sites


def _imports(tree: ast.Module) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, *, guarded: bool) -> None:
        if isinstance(node, ast.Try | ast.TryStar):
            catches = any(_catches_import_error(h) for h in node.handlers)
            for statement in node.body:
                visit(statement, guarded=guarded or catches)
            for other in (*node.handlers, *node.orelse, *node.finalbody):
                visit(other, guarded=guarded)
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.orelse:
                visit(statement, guarded=guarded)
            return
        if not guarded:
            if isinstance(node, ast.Import):
                found.extend((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((node.module, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, guarded=guarded)

    visit(tree, guarded=False)
    return found


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        isinstance(name, ast.Name)
        and name.id in {"ImportError", "ModuleNotFoundError", "Exception"}
        for name in names
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def local_modules(target: Target, files: Iterable[Path]) -> frozenset[str]:
    """Names importable from the repository itself.

    pytest puts test folders (or the root, for packages of tests) and its
    ``pythonpath`` option on ``sys.path``; the target is installed editable.
    Every module and folder name in those places counts, generously, so that
    a local helper is never mistaken for a missing package.
    """
    folders = {target.root, target.root / "src"}
    for path in files:
        folders.update(p for p in path.parents if p.is_relative_to(target.root))
    config = target.pytest_config
    raw = config.options.get("pythonpath", ()) if config else ()
    entries = raw.split() if isinstance(raw, str) else list_of_str(raw)
    folders.update(target.root / entry for entry in entries)
    names = set(target.package_names)
    for folder in folders:
        if not folder.is_dir():
            continue
        for child in folder.iterdir():
            if child.is_dir() and child.name.isidentifier():
                names.add(child.name)
            elif child.suffix == ".py":
                names.add(child.stem)
    return frozenset(names)


def undeclared_imports(
    target: Target,
    sites: Sequence[ImportSite],
    installed: Installed,
    declared: frozenset[str],
) -> list[Undeclared]:
    if not installed.versions:
        return []  # Python < 3.8: no importlib.metadata, nothing to map names with
    files = {target.root / site.path for site in sites}
    local = local_modules(target, files)
    found: list[Undeclared] = []
    for site in sites:
        top = site.top
        if top in installed.stdlib or top in local or top == "__future__":
            continue
        providers = installed.providers.get(top, ())
        if any(provider in declared for provider in providers):
            continue
        distribution = providers[0] if providers else WELL_KNOWN.get(top, top)
        found.append(
            Undeclared(site=site, distribution=distribution, installed=bool(providers))
        )
    return found


# --- the selection ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Selection:
    markers: str
    keywords: str

    @property
    def args(self) -> list[str]:
        found = ["-m", self.markers] if self.markers else []
        return found + (["-k", self.keywords] if self.keywords else [])

    def __str__(self) -> str:
        parts = [f'-m "{self.markers}"'] if self.markers else []
        parts += [f'-k "{self.keywords}"'] if self.keywords else []
        return " ".join(parts) or "all tests"


def marker_selection(
    config: Config, target: Target, survey: markers.Survey, installed: Installed
) -> Selection:
    """The configured ``-m`` expression, or the seed's for the markers the target has.

    A marker that is neither registered nor used has no business in ``-m``:
    with ``--strict-markers`` pytest 9 rejects an expression naming it.
    """
    if config.markers is not None:
        return Selection(markers=config.markers, keywords=config.keywords)
    known = (
        markers.active_markers(target.pytest_config)
        | survey.registered
        | {use.marker for use in survey.uses}
    )
    for dist in installed.versions:
        known |= markers.PLUGIN_MARKERS.get(dist, frozenset())
    terms = [f"not {name}" for name in SEED_EXCLUDED if name in known]
    return Selection(markers=" and ".join(terms), keywords=config.keywords)


# --- the run ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Case:
    """One ``<testcase>`` of the JUnit report."""

    nodeid: str
    path: str | None
    line: int | None
    #: passed, failed, error, skipped, xfailed or collection
    outcome: str
    message: str = ""
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class FileCoverage:
    path: str
    percent: float
    statements: int
    missing: int
    first_missing: int | None


@dataclass(frozen=True, kw_only=True)
class Coverage:
    percent: float
    statements: int
    missing: int
    files: tuple[FileCoverage, ...]


@dataclass(frozen=True, kw_only=True)
class Progress:
    started: tuple[str, ...] = ()
    finished: frozenset[str] = frozenset()
    collected: int | None = None
    deselected: int = 0

    @property
    def running(self) -> list[str]:
        return [n for n in dict.fromkeys(self.started) if n not in self.finished]


@dataclass(frozen=True, kw_only=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    cases: tuple[Case, ...] | None
    coverage: Coverage | None
    progress: Progress


def run_pytest(
    ctx: GateContext,
    env: environments.Environment,
    config: Config,
    selection: Selection,
) -> Outcome:
    """Run the suite; kill it at the gate's deadline, naming what was running."""
    scratch = ctx.scratch
    junit = scratch / "junit.xml"
    coverage = scratch / "coverage.json"
    progress = scratch / "progress.jsonl"
    for stale in (junit, coverage, progress):
        stale.unlink(missing_ok=True)
    plugin_dir = scratch / "plugin"
    plugin_dir.mkdir(exist_ok=True)
    (plugin_dir / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    addopts = ctx.target.pytest_config.addopts if ctx.target.pytest_config else ()
    args = [str(env.python), "-m", "pytest"]
    if CACHE_OPTIONS.intersection(option.partition("=")[0] for option in addopts):
        args += ["-o", f"cache_dir={scratch / 'pytest-cache'}"]
    else:
        args += ["-p", "no:cacheprovider"]
    args += ["-p", PLUGIN, f"--junitxml={junit}", "-o", "junit_family=xunit1"]
    if config.coverage:
        args += [f"--cov={source}" for source in config.coverage]
        args += [f"--cov-report=json:{coverage}", "--cov-report=", "--cov-fail-under=0"]
    args += [*selection.args, *config.args]
    variables = {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_ADDOPTS": "",
        "COVERAGE_FILE": str(scratch / ".coverage"),
        # hypothesis keeps its example database in ./.hypothesis otherwise
        "HYPOTHESIS_STORAGE_DIRECTORY": str(scratch / "hypothesis"),
        "PYTHONPATH": _joined(str(plugin_dir), os.environ.get("PYTHONPATH", "")),
        PROGRESS_ENV: str(progress),
        GUARD_ENV: _joined(os.environ.get(GUARD_ENV, ""), str(ctx.target.root)),
        "VIRTUAL_ENV": str(env.path),
        "PATH": _joined(str(env.path / "bin"), os.environ.get("PATH", "")),
    }
    # pytest is the gate's main command: first, before the uv builds.
    ctx.record_command(args, first=True)
    try:
        completed = ctx.run(args, ok_codes=ANY_EXIT, env=variables, record=False)
    except command.ToolTimeout as timeout:
        raise GateError(
            timeout_reason(str(timeout), read_progress(progress), timeout.output)
        ) from None
    return Outcome(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        duration_s=round(completed.duration_s, 3),
        cases=read_junit(junit, ctx.target),
        coverage=read_coverage(coverage, ctx.target) if config.coverage else None,
        progress=read_progress(progress),
    )


def _joined(*parts: str) -> str:
    return os.pathsep.join(part for part in parts if part)


def timeout_reason(message: str, progress: Progress, output: str) -> str:
    """One line: the kill, and the tests that were running (or where pytest was)."""
    running = progress.running
    if running:
        shown = ", ".join(running[:5])
        more = f" and {len(running) - 5} more" if len(running) > 5 else ""
        where = f"still running: {shown}{more}"
    elif progress.collected is None:
        last = command.last_line(output) if output else "(no output)"
        where = f"while collecting (last output: {last})"
    else:
        where = f"after {len(progress.finished)} tests had finished"
    return f"{message} with its process group, {where}"


def read_progress(path: Path) -> Progress:
    started: list[str] = []
    finished: set[str] = set()
    collected: int | None = None
    deselected = 0
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the last line may be cut short by the kill
        event = record.get("event") if isinstance(record, dict) else None
        if event == "start":
            started.append(str(record["nodeid"]))
        elif event == "finish":
            finished.add(str(record["nodeid"]))
        elif event == "collected":
            collected = int(record["count"])
        elif event == "deselected":
            deselected += int(record["count"])
    return Progress(
        started=tuple(started),
        finished=frozenset(finished),
        collected=collected,
        deselected=deselected,
    )


def read_junit(path: Path, target: Target) -> tuple[Case, ...] | None:
    """The cases of pytest's JUnit file; ``None`` when pytest wrote none.

    The file is pytest's own output in our scratch folder. ElementTree
    resolves no external entities, and the expat it uses (>= 2.4) limits
    entity expansion, so even a test that rewrote the file could not make
    reading it dangerous.
    """
    try:
        root = ET.parse(path).getroot()  # noqa: S314  # nosec B314 - see docstring
    except FileNotFoundError:
        return None
    except (ET.ParseError, OSError) as exc:
        raise GateError(
            f"pytest wrote a JUnit file that cannot be read: {exc}"
        ) from None
    return tuple(_case(element, target) for element in root.iter("testcase"))


def _case(element: ET.Element, target: Target) -> Case:
    file = element.get("file") or None
    line_attr = element.get("line")
    line = int(line_attr) + 1 if line_attr and line_attr.isdigit() else None
    classname = element.get("classname", "")
    name = element.get("name", "")
    outcome, message, text = "passed", "", ""
    for child in element:
        if child.tag in {"failure", "error", "skipped"}:
            message = child.get("message", "")
            text = child.text or ""
            if child.tag == "failure":
                outcome = "failed"
            elif child.tag == "error":
                collection = not classname and message == "collection failure"
                outcome = "collection" if collection else "error"
            else:
                xfail = child.get("type") == "pytest.xfail"
                outcome = "xfailed" if xfail else "skipped"
            if outcome in {"failed", "error", "collection"}:
                break
    path = target.rel(file) if file else None
    return Case(
        nodeid=_nodeid(path, classname, name),
        path=path,
        line=line,
        outcome=outcome,
        message=message,
        text=text,
    )


def _nodeid(path: str | None, classname: str, name: str) -> str:
    """``file::Class::name``, rebuilt from xunit1's ``file`` and ``classname``."""
    if path is None:
        return "::".join(part for part in (classname, name) if part)
    if not classname:
        return path
    module = path.removesuffix(".py").replace("/", ".")
    classes = (
        classname.removeprefix(module).strip(".").split(".")
        if classname.startswith(module)
        else []
    )
    return "::".join([path, *[c for c in classes if c], name])


def read_coverage(path: Path, target: Target) -> Coverage | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise GateError(
            f"pytest-cov wrote a coverage report that is not JSON: {exc}"
        ) from None
    try:
        totals = data["totals"]
        files = [
            FileCoverage(
                path=target.rel(name),
                percent=float(entry["summary"]["percent_covered"]),
                statements=int(entry["summary"]["num_statements"]),
                missing=int(entry["summary"]["missing_lines"]),
                first_missing=min(entry.get("missing_lines") or [0]) or None,
            )
            for name, entry in data["files"].items()
        ]
        return Coverage(
            percent=float(totals["percent_covered"]),
            statements=int(totals["num_statements"]),
            missing=int(totals["missing_lines"]),
            files=tuple(files),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise GateError("pytest-cov wrote JSON without coverage totals") from None


# --- from the outcome to findings -------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """What the gate knew before the run."""

    target: Target
    config: Config
    survey: markers.Survey
    selection: Selection
    undeclared: tuple[Undeclared, ...]
    environment: environments.Environment


@dataclass(frozen=True, kw_only=True)
class Broken:
    """A file pytest could not collect, with pytest's explanation."""

    path: str
    text: str


def evaluate(inputs: Inputs, outcome: Outcome) -> Evaluation:
    """Findings, metrics and the P0 criteria from what the run left behind.

    A module that pytest could not import because a package is missing is
    reported once: the static finding for that import says so (``aborted``
    collects those ``(path, module)`` pairs while collection errors are read).
    """
    cases = outcome.cases or ()
    broken = [
        Broken(path=case.path or case.nodeid, text=case.text)
        for case in cases
        if case.outcome == "collection"
    ]
    broken.extend(startup_failures(inputs.target, outcome.stderr))
    aborted: set[tuple[str, str]] = set()
    findings: list[Finding] = []
    for item in broken:
        findings.extend(diagnose(inputs, item, aborted))
    findings.extend(
        undeclared_finding(
            inputs, item, aborted=(item.site.path, item.site.top) in aborted
        )
        for item in inputs.undeclared
    )
    findings.extend(test_findings(cases))
    findings.extend(exit_findings(inputs, outcome, cases))
    if outcome.coverage is not None:
        findings.extend(coverage_findings(inputs.config, outcome.coverage))
    counts = {
        outcome_name: sum(1 for case in cases if case.outcome == outcome_name)
        for outcome_name in ("passed", "failed", "error", "skipped", "xfailed")
    }
    meaning = exit_meaning(outcome.returncode, collection_errors=len(broken))
    metrics: dict[str, int | float | str] = {
        "selection": str(inputs.selection),
        "exit_code": outcome.returncode,
        "exit_meaning": meaning,
        "passed": counts["passed"],
        "failed": counts["failed"],
        "errors": counts["error"] + len(broken),
        "collection_errors": len(broken),
        "skipped": counts["skipped"],
        "xfailed": counts["xfailed"],
        "deselected": outcome.progress.deselected,
        "coverage": (
            round(outcome.coverage.percent, 2)
            if outcome.coverage is not None
            else "not measured"
        ),
        "coverage_threshold": inputs.config.threshold,
        "undeclared_imports": len({item.site.top for item in inputs.undeclared}),
        "duration_s": outcome.duration_s,
        "python": str(inputs.environment.interpreter.version),
        "environment": "reused" if inputs.environment.reused else "built",
    }
    return Evaluation(
        criteria=criteria(inputs, outcome, meaning),
        findings=tuple(findings),
        metrics=metrics,
    )


def exit_meaning(code: int, *, collection_errors: int = 0) -> str:
    if code < 0:
        return f"killed by signal {-code}"
    meaning = EXIT_MEANINGS.get(code, f"unknown exit code {code}")
    if collection_errors:
        plural = "s" if collection_errors != 1 else ""
        meaning += f", {collection_errors} error{plural} during collection"
    return meaning


def criteria(inputs: Inputs, outcome: Outcome, meaning: str) -> tuple[Criterion, ...]:
    config = inputs.config
    passes = Criterion(
        text=f"pytest passes with the agreed selection ({inputs.selection})"
        f" (exit {outcome.returncode}: {meaning})",
        met=outcome.returncode == 0,
    )
    wanted = f"coverage >= {config.threshold:g} %"
    if outcome.coverage is not None:
        got = outcome.coverage.percent
        coverage = Criterion(
            text=f"{wanted} (got {got:.2f} %)", met=got >= config.threshold
        )
    else:
        coverage = Criterion(
            text=f"{wanted} (not measured: {unmeasured(config, outcome)})", met=False
        )
    names = sorted({item.site.top for item in inputs.undeclared})
    imports = Criterion(
        text="every test-time import is provided by a declared dependency"
        + (f" ({len(names)} undeclared: {', '.join(names)})" if names else ""),
        met=not names,
    )
    return (passes, coverage, imports)


def unmeasured(config: Config, outcome: Outcome) -> str:
    if not config.coverage:
        return "no package to measure; set [tool.readiness.tests] coverage"
    if outcome.returncode == 5:
        return "no tests collected"
    if outcome.returncode in {2, 3, 4}:
        return f"pytest stopped before reporting ({EXIT_MEANINGS[outcome.returncode]})"
    return "pytest-cov wrote no report"


def startup_failures(target: Target, stderr: str) -> list[Broken]:
    """A conftest that fails while pytest starts is only on stderr (no report yet)."""
    found = []
    for match in _CONFTEST_LOAD.finditer(stderr):
        rest = stderr[match.end() :]
        following = _CONFTEST_LOAD.search(rest)
        text = rest[: following.start()] if following else rest
        found.append(Broken(path=target.rel(match["path"]), text=text))
    return found


def diagnose(
    inputs: Inputs, item: Broken, aborted: set[tuple[str, str]]
) -> list[Finding]:
    """Why pytest could not collect ``item``, as findings with file:line."""
    target = inputs.target
    marker = _MARKER_ERROR.search(item.text)
    if marker is not None:
        return marker_findings(inputs, item, marker["marker"])
    location = crash_location(target, item.text)
    path, line = location if location else (item.path, None)
    detail = error_line(item.text)
    missing = _NO_MODULE.search(item.text)
    if missing is not None:
        module = missing["module"]
        top = module.partition(".")[0]
        own = top in local_modules(target, [target.root / path])
        if not own and "ModuleNotFoundError" in detail:
            aborted.add((path, top))
            if any(
                u.site.path == path and u.site.top == top for u in inputs.undeclared
            ):
                return []  # the static finding for that import says it, see below
            site = ImportSite(module=module, path=path, line=line or 0)
            guess = Undeclared(
                site=site, distribution=WELL_KNOWN.get(top, top), installed=False
            )
            return [undeclared_finding(inputs, guess, aborted=True)]
    syntax = _SYNTAX.search(item.text)
    if "SyntaxError" in detail or "IndentationError" in detail or "TabError" in detail:
        where = (
            (target.rel(syntax["path"]), int(syntax["line"]))
            if syntax
            else (path, line)
        )
        return [
            _finding(
                SYNTAX_ERROR,
                f"{detail}; pytest cannot collect {where[0]}",
                path=where[0],
                line=where[1],
            )
        ]
    if path.endswith("conftest.py") or item.path.endswith("conftest.py"):
        return [
            _finding(
                CONFTEST_CRASH,
                f"conftest.py raises {detail}; pytest cannot collect the tests"
                " below it",
                path=path,
                line=line,
            )
        ]
    return [
        _finding(
            COLLECTION_ERROR,
            f"pytest cannot collect {item.path}: {detail}",
            path=path,
            line=line,
        )
    ]


def marker_findings(inputs: Inputs, item: Broken, marker: str) -> list[Finding]:
    target = inputs.target
    config = target.pytest_config
    where, section = (
        (config.path, config.section)
        if config
        else ("pyproject.toml", "tool.pytest.ini_options")
    )
    sites = [
        use
        for use in inputs.survey.uses
        if use.marker == marker
        and (use.path == item.path or use.path.startswith(f"{item.path}/"))
    ]
    locations: list[tuple[str, int | None]] = [(use.path, use.line) for use in sites]
    return [
        _finding(
            UNREGISTERED_MARKER,
            f"marker {marker!r} is not registered; pytest aborted collecting"
            f" {item.path}",
            path=path,
            line=line,
            fix=f"register it in {where} [{section}] markers:"
            f' "{marker}: <description>"',
            fixable=True,
            details={"marker": marker, "config": where},
        )
        for path, line in locations or [(item.path, None)]
    ]


def undeclared_finding(inputs: Inputs, item: Undeclared, *, aborted: bool) -> Finding:
    config = inputs.config
    site = item.site
    if config.extras:
        extra = config.extras[0]
        where = f"[project.optional-dependencies] {extra} (the {extra} extra)"
        declare = {"extra": extra}
    elif config.groups:
        group = config.groups[0]
        where = f"[dependency-groups] {group} (the {group} dependency group)"
        declare = {"group": group}
    else:
        where = "[project.optional-dependencies] test (a new test extra)"
        declare = {"extra": "test"}
    if aborted:
        consequence = f"pytest could not import {site.path}"
    elif item.installed:
        consequence = (
            "only the packages readiness adds to the test environment provide it"
        )
    else:
        consequence = "the test environment does not have it"
    return _finding(
        UNDECLARED_IMPORT,
        f"the tests import {site.module!r} but no declared dependency provides"
        f" it ({item.distribution}); {consequence}",
        path=site.path,
        line=site.line or None,
        severity=Severity.MEDIUM if item.installed and not aborted else Severity.HIGH,
        fix=f'add "{item.distribution}" to {where} in pyproject.toml',
        fixable=True,
        details={
            "module": site.top,
            "distribution": item.distribution,
            "installed": item.installed,
            **declare,
        },
    )


def crash_location(target: Target, text: str) -> tuple[str, int] | None:
    """The last ``path:line:`` of a traceback that lies inside the target."""
    found = None
    for match in _LOCATION.finditer(text):
        rel = target.rel(match["path"])
        if not rel.startswith("/") and not rel.startswith("../"):
            found = (rel, int(match["line"]))
    return found


def error_line(text: str) -> str:
    """The exception pytest reports: the last ``E   Type: message`` line."""
    lines = [m["text"].strip() for m in _E_LINE.finditer(text)]
    exceptions = [line for line in lines if _EXCEPTION.match(line)]
    if exceptions:
        return exceptions[-1][:300]
    return command.last_line(text) if text.strip() else "(no details)"


def test_findings(cases: Sequence[Case]) -> list[Finding]:
    failing = [case for case in cases if case.outcome in {"failed", "error"}]
    findings = []
    for case in failing[:MAX_TEST_FINDINGS]:
        rule = FAILING_TEST if case.outcome == "failed" else ERRORING_TEST
        first = first_line(case.message) or error_line(case.text)
        verb = "failed" if case.outcome == "failed" else "errored"
        path, line = case.path, case.line
        location = _last_location(case.text, path)
        if location is not None:
            line = location
        findings.append(
            _finding(
                rule,
                f"{case.nodeid} {verb}: {first}",
                path=path,
                line=line,
                details={"test": case.nodeid},
            )
        )
    if len(failing) > MAX_TEST_FINDINGS:
        findings.append(
            _finding(
                FAILING_TEST,
                f"... and {len(failing) - MAX_TEST_FINDINGS} more failing tests",
            )
        )
    return findings


def _last_location(text: str, path: str | None) -> int | None:
    """The line in the test's own file where the failure was raised, if shown."""
    lines = [int(m["line"]) for m in _LOCATION.finditer(text) if m["path"] == path]
    return lines[-1] if lines else None


def first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def exit_findings(
    inputs: Inputs, outcome: Outcome, cases: Sequence[Case]
) -> list[Finding]:
    """Findings for exits that no test case explains."""
    code = outcome.returncode
    output = f"{outcome.stderr}\n{outcome.stdout}"
    if code == 5:
        deselected = outcome.progress.deselected
        detail = f" ({deselected} deselected)" if deselected else ""
        return [
            _finding(
                NO_TESTS,
                f"pytest collected no tests with the selection {inputs.selection}"
                f"{detail} (exit 5)",
            )
        ]
    if code == 4:
        texts = [m["text"].strip() for m in _USAGE.finditer(output)]
    elif code == 3:
        texts = [m["text"].strip() for m in _INTERNAL.finditer(output)][-1:]
    elif code == 1 and not any(c.outcome in {"failed", "error"} for c in cases):
        texts = [f"pytest exited 1 without a failing test: {command.last_line(output)}"]
    elif code < 0 or code > 5:
        texts = [f"pytest {exit_meaning(code)}: {command.last_line(output)}"]
    else:
        texts = []
    if code in {3, 4} and not texts:
        texts = [command.last_line(output)]
    return [
        _finding(
            PYTEST_UNUSABLE,
            f"pytest exit {code} ({exit_meaning(code)}): {text}",
            fix=(
                "register those markers (the selection names them), or leave them"
                " out of [tool.readiness.tests] markers"
                if text.startswith("Unknown marker")
                else None
            ),
        )
        for text in dict.fromkeys(texts)
    ]


def coverage_findings(config: Config, coverage: Coverage) -> list[Finding]:
    below = sorted(
        (f for f in coverage.files if f.percent < config.threshold and f.statements),
        key=lambda f: (f.percent, f.path),
    )
    severity = Severity.MEDIUM if coverage.percent < config.threshold else Severity.LOW
    return [
        _finding(
            LOW_COVERAGE,
            f"{entry.percent:.2f} % covered ({entry.missing} of {entry.statements}"
            f" statements missed), below {config.threshold:g} %",
            path=entry.path,
            line=entry.first_missing,
            severity=severity,
            details={"percent": round(entry.percent, 2)},
        )
        for entry in below[:MAX_COVERAGE_FINDINGS]
    ]


def _finding(
    rule: Rule,
    message: str,
    *,
    path: str | None = None,
    line: int | None = None,
    severity: Severity = Severity.HIGH,
    fix: str | None = None,
    fixable: bool = False,
    details: Mapping[str, str | int | float | bool] | None = None,
) -> Finding:
    return Finding(
        rule=rule.id,
        severity=severity,
        priority=Priority.P0,
        message=message,
        path=path,
        line=line,
        fix=rule.fix if fix is None else fix,
        fixable=fixable,
        details=dict(details or {}),
    )
