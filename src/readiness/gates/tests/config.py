"""``[tool.readiness.tests]``: what to install, what to measure, the threshold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from readiness import environments, requirements
from readiness.errors import ConfigError
from readiness.settings import GateOptions
from readiness.target import Target, list_of_str, load_ini

DEFAULT_THRESHOLD = 90.0
TEST_NAMES = ("test", "tests", "testing")
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
        "network",
    }
)


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
    #: requirement strings installed besides the extras and groups (pdm's
    #: ``[tool.pdm.dev-dependencies]``, which no installer reads itself)
    packages: tuple[str, ...] = ()
    #: where the test requirements came from, for the metrics and the advice
    source: str = "none declared"
    #: ``network = true``: the target allows its suite the network, which
    #: readiness otherwise cuts where the machine lets it (``contain``)
    network: bool = False


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
    packages: tuple[str, ...] = ()
    configured = "extras" in values or "groups" in values
    if configured:
        parts = [f"extras={list(extras)}"] if extras else []
        parts += [f"groups={list(groups)}"] if groups else []
        source = "[tool.readiness.tests] " + " ".join(parts)
    elif extras or groups:
        places = [_extra_source(target, extras[0])] if extras else []
        places += [f"pyproject.toml [dependency-groups] {groups[0]}"] if groups else []
        source = " and ".join(places)
    else:
        name, packages = _pdm_test_group(target)
        if name:
            source = f"pyproject.toml [tool.pdm.dev-dependencies] {name}"
        elif "dev" in target.dependency_groups:
            groups = ("dev",)
            source = "pyproject.toml [dependency-groups] dev (no test group)"
        else:
            source = "none declared: only the pytest and pytest-cov readiness adds"
    threshold, threshold_source = coverage_threshold(target, values)
    network = values.get("network", False)
    if not isinstance(network, bool):
        raise ConfigError("[tool.readiness.tests] network must be true or false")
    return Config(
        network=network,
        packages=packages,
        source=source,
        extras=extras,
        groups=groups,
        constraints=_constraints(target, _string(values, "constraints")),
        python=_string(values, "python") or None,
        markers=_string(values, "markers"),
        keywords=_string(values, "keywords") or "",
        coverage=options.strings("coverage", target.package_names),
        threshold=threshold,
        threshold_source=threshold_source,
        args=options.strings("args"),
    )


def _extra_source(target: Target, extra: str) -> str:
    """Where the extra is declared: ``[project]``, else setup.cfg, else the backend."""
    project = target.pyproject.get("project", {})
    optional = (
        project.get("optional-dependencies", {}) if isinstance(project, Mapping) else {}
    )
    if isinstance(optional, Mapping) and extra in optional:
        return f"pyproject.toml [project.optional-dependencies] {extra}"
    setup_cfg = target.root / "setup.cfg"
    if setup_cfg.is_file() and load_ini(setup_cfg).has_option(
        "options.extras_require", extra
    ):
        return f"setup.cfg [options.extras_require] {extra}"
    return f"the {extra} extra of the build backend's metadata"


def declare_in(target: Target, config: Config) -> tuple[str, dict[str, str]]:
    """Where a missing test requirement belongs, and that place's kind and name."""
    if config.extras:
        extra = config.extras[0]
        return _extra_source(target, extra), {"extra": extra}
    if config.groups:
        group = config.groups[0]
        return f"pyproject.toml [dependency-groups] {group}", {"group": group}
    if config.packages:
        return config.source, {"group": config.source.rpartition(" ")[2]}
    project = target.pyproject.get("project")
    if project is None and (target.root / "setup.cfg").is_file():
        return "setup.cfg [options.extras_require] test (a new test extra)", {
            "extra": "test"
        }
    return "pyproject.toml [project.optional-dependencies] test (a new test extra)", {
        "extra": "test"
    }


def _pdm_test_group(target: Target) -> tuple[str | None, tuple[str, ...]]:
    """pdm's own dev groups (``[tool.pdm.dev-dependencies]``): the test one."""
    pdm = target.tool.get("pdm", {})
    table = pdm.get("dev-dependencies", {}) if isinstance(pdm, Mapping) else {}
    if not isinstance(table, Mapping):
        return None, ()
    for name in TEST_NAMES:
        if name in table:
            entries = list_of_str(table[name])
            return name, tuple(e for e in entries if requirements.parse(e) is not None)
    return None, ()


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
    """The threshold and where it comes from: readiness's own option, then
    pytest-cov's ``--cov-fail-under`` in the pytest addopts (a command-line
    option, it wins over coverage's files), then coverage.py's files in its
    order; readiness's default (source ``"default"``) when none sets one."""
    if "fail_under" in values:
        return _percent(values["fail_under"], "[tool.readiness.tests] fail_under")
    config = target.pytest_config
    given = _cov_fail_under(config.addopts) if config else None
    if config is not None and given is not None:
        return _percent(given, f"{config.path} [{config.section}] addopts")
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


def _cov_fail_under(addopts: Iterable[str]) -> str | None:
    """The last ``--cov-fail-under`` value in ``addopts`` (as pytest reads it)."""
    found = None
    words = list(addopts)
    for index, word in enumerate(words):
        name, equals, value = word.partition("=")
        if name == "--cov-fail-under":
            if equals:
                found = value
            elif index + 1 < len(words):
                found = words[index + 1]
    return found


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
    packages = [*config.packages, "pytest-cov"]
    if "pytest" not in declared_names(target, config):
        packages.insert(0, "pytest")
    return environments.Spec(
        kind="test",
        extras=config.extras,
        groups=config.groups,
        packages=tuple(packages),
        constraints=config.constraints,
        install_target=target.installable,
    )


def declared_requirements(target: Target, config: Config) -> list[Requirement]:
    """Dependencies, the test extras, groups and packages; own extras expanded."""
    found = requirements.declared(target, extras=config.extras, groups=config.groups)
    found.extend(r for r in map(requirements.parse, config.packages) if r is not None)
    return found


def declared_names(target: Target, config: Config) -> frozenset[str]:
    return requirements.names(declared_requirements(target, config))
