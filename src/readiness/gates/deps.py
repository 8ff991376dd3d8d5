"""The ``deps`` gate: each split lock audited for advisories, prod kept lean.

The locks are the target's ``constraints/prod.txt``, ``test.txt`` and
``dev.txt``; those it lacks are generated into the gate's scratch folder with
:mod:`readiness.locks` (and reported: a release should commit its locks).
Each lock is audited separately, by one source for all three: the offline OSV
database given with ``--advisory-db`` or ``[tool.readiness.deps]
advisory-db``, else the online auditors in ``sources`` order (``uv audit``,
``pip-audit``, ``safety``), the first that can answer. When none can (no
network, tools missing), the gate ends as ``error`` and says what it tried.

The seed's criterion is "no High/Critical in the production lock": an
advisory fails the gate when its lock is in ``fail-locks`` (default prod) and
its severity in ``fail-severities`` (default critical, high). An advisory
without a severity counts as ``unknown-severity`` (default high). The test and
dev locks are reported, not failing. Each finding names the package, the
installed and the fixed versions, and the path by which the lock pulls it in.

```toml
[tool.readiness.deps]
advisory-db = "../advisory-db/osv-pypi.zip"   # offline OSV database (dir, zip)
sources = ["uv", "pip-audit", "safety"]       # online, tried in order
fail-locks = ["prod"]
fail-severities = ["critical", "high"]
unknown-severity = "high"
dev-stacks = ["jupyter", "notebook", "torch"]  # replaces the default list
osv-url = "https://osv.example/v1/query"       # an OSV mirror for uv / pip-audit
safety-db = "safety-db/"                       # a local Safety database

[[tool.readiness.deps.waivers]]
id = "PYSEC-2023-161"                          # the ID or any alias
reason = "Windows only; we deploy on Linux"
expires = 2025-06-30                           # optional; expired waivers stop waiving
```
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from packaging.utils import canonicalize_name

from readiness import command, environments, locks
from readiness.advisories import update as advisories_update
from readiness.advisories.interface import (
    Advisory,
    AdvisoryError,
    AdvisorySeverity,
    AdvisorySource,
    AuditResult,
)
from readiness.advisories.osv import OsvDatabase
from readiness.advisories.pip_audit import PipAudit
from readiness.advisories.safety import Safety
from readiness.advisories.uv_audit import UvAudit
from readiness.cache import path_identity
from readiness.errors import ConfigError
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.locks import Lock

DEV_STACK = Rule(
    id="DP001",
    title="the prod lock pulls in a dev stack",
    explanation=(
        "Notebook, plotting, machine-learning and test stacks are heavy and bring"
        " most of a project's advisories; production should not install them."
    ),
    fix="move the requirement that pulls it in to an extra or a dependency group",
)
NO_LOCK = Rule(
    id="DP002",
    title="no committed lock",
    explanation=(
        "Without constraints/{prod,test,dev}.txt every install resolves anew: what"
        " was audited is not what is deployed. The gate audited a lock it"
        " generated from pyproject.toml instead."
    ),
    fix="run `readiness lock .` and commit constraints/",
)
UNREADABLE_RECORDS = Rule(
    id="DP003",
    title="advisory records could not be read",
    explanation=(
        "The offline database holds records that are not valid OSV (or a damaged"
        " zip); they were skipped, so the advisories they carry were not matched."
    ),
    fix="refresh the advisory database from its source",
)
NOT_AUDITED = Rule(
    id="DP004",
    title="a locked package was not audited",
    explanation=(
        "The advisory source could not check this entry (not pinned to a version,"
        " a line the lock parser could not read, or skipped by the tool)."
    ),
    fix="pin every package of the lock with == (regenerate it: `readiness lock .`)",
)
#: readiness's own rules, for renderers and documentation.
RULES = (DEV_STACK, NO_LOCK, UNREADABLE_RECORDS, NOT_AUDITED)

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
    # --advisory-db, then READINESS_ADVISORY_DB, then the target's own setting
    database = ctx.settings.advisory_db
    if database is None and os.environ.get(advisories_update.ENV_VAR):
        database = Path(os.environ[advisories_update.ENV_VAR]).expanduser()
    if database is None and options.values.get("advisory-db") is not None:
        database = ctx.target.root / _string(options.values, "advisory-db")
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


# --- the gate ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AuditedLock:
    lock: Lock
    shown: str
    """Where findings point: ``constraints/prod.txt``, or ``pyproject.toml``
    when the gate generated the lock."""
    committed: bool


class DepsGate(Gate):
    """No High/Critical advisory in the prod lock, and prod pulls in no dev stack."""

    name = "deps"
    title = "dependency audit per lock"
    priority = Priority.P1
    cost = 10.0

    def __init__(self, *, today: Callable[[], date] = date.today) -> None:
        self.today = today

    def cache_extra(self, ctx: GateContext) -> str | None:
        """An offline database's identity (and today's date, for waivers' expiry);
        ``None`` with online sources, whose answers change without the target."""
        database = load_config(ctx).advisory_db
        if database is None:
            installed = advisories_update.installed(environments.cache_root())
            database = installed.path if installed is not None else None
        if database is None:
            return None
        return f"{path_identity(database)} {self.today().isoformat()}"

    def run(self, ctx: GateContext) -> Evaluation:
        config = load_config(ctx)
        audited = self.locks(ctx)
        source, results = self.audit(ctx, config, [a.lock for a in audited])
        today = self.today()
        findings: list[Finding] = []
        failing: dict[str, int] = {}
        metrics: dict[str, int | float | str] = {"source": source.describe()}
        waived = expired = 0
        for item in audited:
            result = results[item.lock.name]
            count = 0
            for advisory in result.advisories:
                finding, fails = advisory_finding(item, advisory, config, today)
                waiver = config.waiver_for(advisory)
                waived += waiver is not None and waiver.active(today)
                expired += waiver is not None and not waiver.active(today)
                count += fails
                findings.append(finding)
            failing[item.lock.name] = count
            metrics[f"{item.lock.name}_packages"] = len(item.lock.packages)
            metrics[f"{item.lock.name}_advisories"] = len(result.advisories)
            findings.extend(unaudited_findings(item, result))
        stacks = dev_stack_findings(audited, config)
        findings.extend(stacks)
        findings.extend(no_lock_findings(audited))
        if isinstance(source, OsvDatabase):
            metrics["records_skipped"] = len(source.skipped)
            findings.extend(skipped_record_findings(source))
        metrics.update(waived=waived, waivers_expired=expired, dev_stacks=len(stacks))
        return Evaluation(
            criteria=(
                *(
                    Criterion(
                        text=f"no {_names(config.fail_severities)} advisory in the"
                        f" {name} lock ({failing[name]} found)",
                        met=failing[name] == 0,
                    )
                    for name in locks.LOCK_NAMES
                    if name in config.fail_locks and name in failing
                ),
                Criterion(
                    text=f"the prod lock pulls in no dev stack ({len(stacks)} found)",
                    met=not stacks,
                ),
            ),
            findings=tuple(findings),
            metrics=metrics,
        )

    def locks(self, ctx: GateContext) -> list[AuditedLock]:
        """The committed locks, and generated ones for those missing."""
        target = ctx.target
        present = locks.existing(target.root)
        missing = [name for name in locks.LOCK_NAMES if name not in present]
        generated: dict[str, Path] = {}
        if missing:
            if "project" not in target.pyproject:
                if not present:
                    raise GateSkipped(
                        "no constraints/ locks and no [project] table to lock"
                    )
            else:
                written = locks.generate(
                    target,
                    ctx.scratch / locks.CONSTRAINTS,
                    run=ctx.run,
                    work=ctx.scratch / "uv",
                    only=missing,
                )
                generated = {w.name: w.path for w in written}
        audited = []
        for name in locks.LOCK_NAMES:
            if name in present:
                path, shown, committed = present[name], target.rel(present[name]), True
            elif name in generated:
                path, shown, committed = generated[name], "pyproject.toml", False
            else:
                continue
            lock = locks.read(path, name=name, root=target.name)
            audited.append(AuditedLock(lock=lock, shown=shown, committed=committed))
        return audited

    def audit(
        self, ctx: GateContext, config: DepsConfig, to_audit: Sequence[Lock]
    ) -> tuple[AdvisorySource, dict[str, AuditResult]]:
        """The first source that audits every lock, and its results."""
        tried: list[str] = []
        for label, make in candidates(ctx, config):
            try:
                source = make()
                return source, {lock.name: source.audit(lock) for lock in to_audit}
            except command.ToolNotFound:
                tried.append(f"{label} (not installed)")
            except (AdvisoryError, command.ToolError) as error:
                if config.advisory_db is not None:
                    raise GateError(f"advisory database: {error}") from None
                tried.append(f"{label} ({error})")
        raise GateError(
            "no advisory source could run; tried "
            + "; ".join(tried)
            + ". Without network, point the gate at an offline OSV database:"
            " --advisory-db FILE_OR_DIR or [tool.readiness.deps] advisory-db"
        )


def _installed_database(installed: advisories_update.Installed) -> OsvDatabase:
    database = OsvDatabase.load(installed.path)
    database.origin = (
        f"{installed.path.name}, downloaded {installed.downloaded_at},"
        f" sha256 {installed.sha256[:12]}"
    )
    return database


def candidates(
    ctx: GateContext, config: DepsConfig
) -> Iterator[tuple[str, Callable[[], AdvisorySource]]]:
    """The sources to try, in order: the offline database alone when given."""
    if config.advisory_db is not None:
        database = config.advisory_db
        yield str(database), lambda: OsvDatabase.load(database)
        return
    installed = advisories_update.installed(environments.cache_root())
    if installed is not None:
        # ``readiness advisories update`` left one in the cache: offline, dated
        yield installed.describe(), lambda: _installed_database(installed)
    python = locks.python_version(ctx.target.requires_python)
    work = ctx.scratch / "advisories"

    def uv() -> AdvisorySource:
        command.which("uv")
        return UvAudit(
            run=ctx.run, work=work, python=python, service_url=config.service_url
        )

    def pip_audit() -> AdvisorySource:
        command.which("pip-audit")
        return PipAudit(run=ctx.run, work=work, service_url=config.service_url)

    def safety() -> AdvisorySource:
        command.which("safety")
        return Safety(run=ctx.run, work=work, db=config.safety_db)

    factories = {"uv": uv, "pip-audit": pip_audit, "safety": safety}
    for name in config.sources:
        yield SOURCES[name], factories[name]


def advisory_finding(
    item: AuditedLock, advisory: Advisory, config: DepsConfig, today: date
) -> tuple[Finding, bool]:
    """The finding for one advisory in one lock, and whether it fails the gate."""
    lock = item.lock
    package = lock.get(advisory.package)
    chain = lock.chain(advisory.package) or (lock.root, advisory.package)
    counted = config.counted(advisory.severity)
    rating = advisory.severity.value
    if advisory.score is not None:
        rating += f" {advisory.score:.1f}"
    if advisory.severity is AdvisorySeverity.UNKNOWN:
        rating += f" (counted as {counted.value})"
    aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
    fixed = (
        f"fixed in {', '.join(advisory.fixed)}" if advisory.fixed else "no fix released"
    )
    message = (
        f"{advisory.package} {advisory.version} in the {lock.name} lock:"
        f" {advisory.id}{aliases}, {rating}"
        + (f": {advisory.summary}" if advisory.summary else "")
        + f"; {fixed}; pulled in by {ARROW.join(chain)}"
    )
    fails = lock.name in config.fail_locks and counted in config.fail_severities
    severity = SEVERITIES[counted]
    priority = Priority.P1 if lock.name in config.fail_locks else Priority.P2
    waiver = config.waiver_for(advisory)
    if waiver is not None and waiver.active(today):
        until = f" until {waiver.expires}" if waiver.expires else ""
        message = f"waived{until} ({waiver.reason}): {message}"
        fails, severity, priority = False, Severity.INFO, Priority.P2
    elif waiver is not None:
        message += f"; its waiver expired on {waiver.expires} and no longer applies"
    if advisory.fixed:
        fix = (
            f"upgrade {advisory.package} to {advisory.fixed[0]} or later, then"
            " `readiness lock .`"
        )
    else:
        fix = (
            f"no fixed release: drop {chain[1] if len(chain) > 1 else advisory.package}"
            f" or waive {advisory.id} with a reason and an expiry"
        )
    details: dict[str, str | int | float | bool] = {
        "lock": lock.name,
        "package": advisory.package,
        "version": advisory.version,
        "fixed": ", ".join(advisory.fixed),
        "chain": ARROW.join(chain),
        "advisory_severity": advisory.severity.value,
        "aliases": ", ".join(advisory.aliases),
        "link": advisory.link,
        "waived": waiver is not None and waiver.active(today),
    }
    if advisory.score is not None:
        details["score"] = advisory.score
    return (
        Finding(
            rule=advisory.id,
            severity=severity,
            priority=priority,
            message=message,
            path=item.shown,
            line=package.line if package is not None and item.committed else None,
            fix=fix,
            details=details,
        ),
        fails,
    )


def dev_stack_findings(
    audited: Sequence[AuditedLock], config: DepsConfig
) -> list[Finding]:
    prod = next((a for a in audited if a.lock.name == "prod"), None)
    if prod is None:
        return []
    findings = []
    for package in prod.lock:
        if package.name not in config.dev_stacks:
            continue
        chain = prod.lock.chain(package.name)
        entry = chain[1] if len(chain) > 1 else package.name
        findings.append(
            Finding(
                rule=DEV_STACK.id,
                severity=Severity.MEDIUM,
                priority=Priority.P1,
                message=f"the prod lock pulls in {package.name} {package.version}"
                f" (a dev stack) through {ARROW.join(chain)}",
                path=prod.shown,
                line=package.line if prod.committed else None,
                fix=f"move {entry} to an extra or a dependency group (or, if"
                " production needs it, drop it from [tool.readiness.deps] dev-stacks)",
                details={"package": package.name, "chain": ARROW.join(chain)},
            )
        )
    return findings


def no_lock_findings(audited: Sequence[AuditedLock]) -> list[Finding]:
    missing = [a.lock.name for a in audited if not a.committed]
    if not missing:
        return []
    files = ", ".join(f"{locks.CONSTRAINTS}/{name}.txt" for name in missing)
    return [
        Finding(
            rule=NO_LOCK.id,
            severity=Severity.LOW,
            priority=Priority.P1,
            message=f"{NO_LOCK.title}: {files} missing; audited locks generated"
            " from pyproject.toml instead",
            path="pyproject.toml",
            fix=NO_LOCK.fix,
        )
    ]


def unaudited_findings(item: AuditedLock, result: AuditResult) -> list[Finding]:
    notes = [*item.lock.problems, *result.notes]
    if not notes:
        return []
    listed = "; ".join(notes[:MAX_LISTED])
    more = f" and {len(notes) - MAX_LISTED} more" if len(notes) > MAX_LISTED else ""
    return [
        Finding(
            rule=NOT_AUDITED.id,
            severity=Severity.LOW,
            priority=Priority.P2,
            message=f"{len(notes)} entries of the {item.lock.name} lock were not"
            f" audited: {listed}{more}",
            path=item.shown,
            fix=NOT_AUDITED.fix,
        )
    ]


def skipped_record_findings(database: OsvDatabase) -> list[Finding]:
    if not database.skipped:
        return []
    listed = "; ".join(str(s) for s in database.skipped[:MAX_LISTED])
    count = len(database.skipped)
    more = f" and {count - MAX_LISTED} more" if count > MAX_LISTED else ""
    return [
        Finding(
            rule=UNREADABLE_RECORDS.id,
            severity=Severity.LOW,
            priority=Priority.P2,
            message=f"{count} records of {database.origin} could not be read and"
            f" were skipped: {listed}{more}",
            fix=UNREADABLE_RECORDS.fix,
            details={"skipped": count},
        )
    ]


def _names(severities: Iterable[AdvisorySeverity]) -> str:
    order = list(reversed(AdvisorySeverity))
    ranked = sorted(severities, key=order.index)
    return "/".join(s.value.capitalize() for s in ranked)
