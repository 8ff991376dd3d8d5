"""``[tool.readiness.deps]``: the gate's settings, read and checked once."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from packaging.utils import canonicalize_name

from readiness import locks
from readiness.advisories import update as advisories_update
from readiness.advisories.interface import Advisory, AdvisorySeverity
from readiness.errors import ConfigError
from readiness.findings import Severity
from readiness.gates.interface import GateContext

#: Installed for notebooks, plotting, ML or tests; production rarely needs them.
DEFAULT_DEV_STACKS = (
    "bokeh",
    "dash",
    "ipykernel",
    "ipython",
    "ipywidgets",
    "jupyter",
    "jupyter-client",
    "jupyter-core",
    "jupyter-server",
    "jupyterlab",
    "matplotlib",
    "nbconvert",
    "nbformat",
    "notebook",
    "plotly",
    "pytest",
    "seaborn",
    "streamlit",
    "tensorboard",
    "tensorflow",
    "torch",
    "tornado",
)
SOURCES = {"uv": "uv audit", "pip-audit": "pip-audit", "safety": "safety"}
OPTION_KEYS = frozenset(
    {
        "timeout",
        "advisory-db",
        "sources",
        "fail-locks",
        "fail-severities",
        "unknown-severity",
        "dev-stacks",
        "waivers",
        "osv-url",
        "safety-db",
    }
)
SEVERITIES = {
    AdvisorySeverity.CRITICAL: Severity.CRITICAL,
    AdvisorySeverity.HIGH: Severity.HIGH,
    AdvisorySeverity.MEDIUM: Severity.MEDIUM,
    AdvisorySeverity.LOW: Severity.LOW,
}
MAX_LISTED = 3
ARROW = " \u2192 "


@dataclass(frozen=True, kw_only=True)
class Waiver:
    id: str
    reason: str
    expires: date | None = None

    def active(self, today: date) -> bool:
        return self.expires is None or today <= self.expires


@dataclass(frozen=True, kw_only=True)
class DepsConfig:
    advisory_db: Path | None = None
    sources: tuple[str, ...] = tuple(SOURCES)
    fail_locks: frozenset[str] = frozenset({"prod"})
    fail_severities: frozenset[AdvisorySeverity] = frozenset(
        {AdvisorySeverity.CRITICAL, AdvisorySeverity.HIGH}
    )
    unknown_as: AdvisorySeverity = AdvisorySeverity.HIGH
    dev_stacks: frozenset[str] = frozenset(DEFAULT_DEV_STACKS)
    waivers: tuple[Waiver, ...] = ()
    service_url: str | None = None
    safety_db: str | None = None

    def counted(self, severity: AdvisorySeverity) -> AdvisorySeverity:
        return self.unknown_as if severity is AdvisorySeverity.UNKNOWN else severity

    def waiver_for(self, advisory: Advisory) -> Waiver | None:
        return next((w for w in self.waivers if w.id in advisory.names), None)


def load_config(ctx: GateContext) -> DepsConfig:
    """``[tool.readiness.deps]``, with ``--advisory-db`` taking precedence."""
    options = ctx.options
    unknown = sorted(set(options.values) - OPTION_KEYS)
    if unknown:
        raise ConfigError(
            f"[tool.readiness.deps] has unknown key {unknown[0]!r}; known keys: "
            + ", ".join(sorted(OPTION_KEYS))
        )
    # --advisory-db, then the target's own setting, then READINESS_ADVISORY_DB
    # (the machine's default database)
    database = ctx.settings.advisory_db
    if database is None and options.values.get("advisory-db") is not None:
        database = ctx.target.root / _string(options.values, "advisory-db")
    if database is None and os.environ.get(advisories_update.ENV_VAR):
        database = Path(os.environ[advisories_update.ENV_VAR]).expanduser()
    sources = options.strings("sources", tuple(SOURCES))
    _known("sources", sources, SOURCES)
    fail_locks = options.strings("fail-locks", ("prod",))
    _known("fail-locks", fail_locks, locks.LOCK_NAMES)
    severities = options.strings("fail-severities", ("critical", "high"))
    _known("fail-severities", severities, [s.value for s in SEVERITIES])
    unknown_as = str(options.values.get("unknown-severity", "high"))
    _known("unknown-severity", (unknown_as,), [s.value for s in SEVERITIES])
    stacks = options.strings("dev-stacks", DEFAULT_DEV_STACKS)
    return DepsConfig(
        advisory_db=database,
        sources=sources,
        fail_locks=frozenset(fail_locks),
        fail_severities=frozenset(AdvisorySeverity(s) for s in severities),
        unknown_as=AdvisorySeverity(unknown_as),
        dev_stacks=frozenset(canonicalize_name(s) for s in stacks),
        waivers=_waivers(options.values.get("waivers", [])),
        service_url=_optional_string(options.values, "osv-url"),
        safety_db=_optional_string(options.values, "safety-db"),
    )


def _string(values: Mapping[str, object], key: str) -> str:
    value = values.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"[tool.readiness.deps] {key} must be a non-empty string")
    return value


def _optional_string(values: Mapping[str, object], key: str) -> str | None:
    return None if values.get(key) is None else _string(values, key)


def _known(key: str, values: Iterable[str], allowed: Iterable[str]) -> None:
    choices = list(allowed)
    for value in values:
        if value not in choices:
            raise ConfigError(
                f"[tool.readiness.deps] {key}: {value!r} is not one of"
                f" {', '.join(choices)}"
            )


def _waivers(raw: object) -> tuple[Waiver, ...]:
    where = "[tool.readiness.deps] waivers"
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be an array of tables")
    waivers = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} entry {number} must be a table")
        extra = sorted(set(entry) - {"id", "reason", "expires"})
        if extra:
            raise ConfigError(f"{where} entry {number} has unknown key {extra[0]!r}")
        ident, reason = entry.get("id"), entry.get("reason")
        if not isinstance(ident, str) or not ident.strip():
            raise ConfigError(f"{where} entry {number} needs an id")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where} entry {number} ({ident}) needs a reason")
        waivers.append(
            Waiver(
                id=ident.strip(),
                reason=reason.strip(),
                expires=_date(entry.get("expires"), f"{where} entry {number}"),
            )
        )
    return tuple(waivers)


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{where}: expires must be a date (YYYY-MM-DD), not {value!r}")
