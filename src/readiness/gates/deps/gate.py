"""The gate: audit each lock in scope with one advisory source, then judge."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date

from readiness import command, environments, locks, projectkind
from readiness.advisories import update as advisories_update
from readiness.advisories.interface import (
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
from readiness.findings import Criterion, Finding, Priority
from readiness.gates.interface import Evaluation, Gate, GateContext, GateError
from readiness.locks import Lock
from readiness.wording import plural

from .config import SOURCES, DepsConfig, load_config
from .findings import advisory_finding, no_lock_findings, unaudited_findings
from .outside import also_in, outside_findings, shipped
from .rules import OUTSIDE_PROD, RULES
from .scope import Scope, scope
from .stacks import dev_stack_findings

__all__ = ["RULES", "DepsGate"]


class DepsGate(Gate):
    """No High/Critical advisory in the prod lock, and prod pulls in no dev stack."""

    name = "deps"
    title = "dependency audit per lock"
    priority = Priority.P1
    criteria_from_findings = True
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
        in_scope = scope(ctx)
        audited = in_scope.audited
        source, results = self.audit(ctx, config, [a.lock for a in audited])
        today = self.today()
        ships = shipped(config)
        findings: list[Finding] = []
        failing: dict[str, int] = {}
        metrics: dict[str, int | float | str] = {"source": source.describe()}
        waived = expired = 0
        for item in audited:
            name = item.lock.name
            result = results[name]
            also = also_in(results, name, config) if name in ships else {}
            count = 0
            for advisory in result.advisories:
                waiver = config.waiver_for(advisory)
                waived += waiver is not None and waiver.active(today)
                expired += waiver is not None and not waiver.active(today)
                if name not in ships:
                    continue  # one DP005 per package version, below
                finding, fails = advisory_finding(
                    item,
                    advisory,
                    config,
                    today,
                    also=also[(advisory.package, advisory.version)],
                )
                count += fails
                findings.append(finding)
            failing[name] = count
            metrics[f"{name}_packages"] = len(item.lock.packages)
            metrics[f"{name}_advisories"] = len(result.advisories)
            findings.extend(unaudited_findings(item, result))
        outside = outside_findings(audited, results, config, today)
        findings.extend(outside)
        stacks = dev_stack_findings(audited, config, ctx.target)
        findings.extend(stacks)
        notes: list[Criterion] = []
        if not in_scope.committed_lock and in_scope.generated_from:
            kind = projectkind.kind(ctx.target)
            if kind.application:
                findings.extend(
                    no_lock_findings(
                        in_scope.missing,
                        source=in_scope.generated_from,
                        evidence=(
                            f'sets {kind.evidence} = "{kind.kind}"'
                            if kind.evidence.startswith("[")
                            else kind.evidence
                        ),
                    )
                )
            elif in_scope.missing:
                said = library_note(kind.evidence, in_scope.generated_from)
                metrics["lock_expected"] = said
                notes.append(Criterion(text=said, met=True))
        if in_scope.generated_from:
            metrics["generated_from"] = in_scope.generated_from
        for name, reason in in_scope.out_of_scope.items():
            metrics[f"{name}_lock"] = f"out of scope: {reason}"
        unreadable = len(source.skipped) if isinstance(source, OsvDatabase) else 0
        if isinstance(source, OsvDatabase):
            metrics["unreadable_records"] = unreadable
        metrics.update(waived=waived, waivers_expired=expired, dev_stacks=len(stacks))
        metrics["outside_prod"] = len(outside)
        if outside:
            notes.append(outside_note(outside, ships))
        return Evaluation(
            criteria=(
                *advisory_criteria(config, failing, unreadable),
                *scope_criteria(in_scope),
                *notes,
                Criterion(
                    text=f"the prod lock pulls in no dev stack ({len(stacks)} found)",
                    met=not stacks,
                ),
            ),
            findings=tuple(findings),
            metrics=metrics,
        )

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
            " --advisory-db FILE_OR_DIR, $READINESS_ADVISORY_DB,"
            " [tool.readiness.deps] advisory-db, or `readiness advisories update`"
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


def advisory_criteria(
    config: DepsConfig, failing: dict[str, int], unreadable: int
) -> list[Criterion]:
    """One criterion per failing lock audited; the database's unreadable
    records (a fact about the database, not the target) are noted in them."""
    note = (
        f"; {unreadable} unreadable record{'s' if unreadable != 1 else ''} of the"
        " advisory database skipped"
        if unreadable
        else ""
    )
    return [
        Criterion(
            text=f"no {_names(config.fail_severities)} advisory in the {name} lock"
            f" ({failing[name]} found{note})",
            met=failing[name] == 0,
        )
        for name in locks.LOCK_NAMES
        if name in config.fail_locks and name in failing
    ]


def library_note(evidence: str, source: str) -> str:
    """Why a library gets no DP002: its users resolve its version ranges, so
    a lock it commits pins nothing for them (pytest-xdist, nox, pip-audit)."""
    return (
        f"no lock expected: library (evidence: {evidence}); its users resolve"
        " its version ranges, so a committed lock would pin nothing for them"
        f" (the audited locks were generated from {source})"
    )


def outside_note(outside: Sequence[Finding], ships: Iterable[str]) -> Criterion:
    """What DP005 grouped, counted: the advisories of packages nothing ships."""
    advisories = sum(len(str(f.details["advisories"]).split(", ")) for f in outside)
    shipped_locks = [name for name in locks.LOCK_NAMES if name in ships]
    return Criterion(
        text=f"{advisories} advisor{'y' if advisories == 1 else 'ies'} on"
        f" {plural(len(outside), 'package version')} that the"
        f" {' and '.join(shipped_locks)} lock{'s' if len(shipped_locks) > 1 else ''}"
        f" {'does' if len(shipped_locks) == 1 else 'do'} not pin: reported as"
        f" {plural(len(outside), 'finding')} ({OUTSIDE_PROD.id}), Low at most,"
        " since nothing ships with them",
        met=True,
    )


def scope_criteria(in_scope: Scope) -> list[Criterion]:
    """Locks left out, and why: a scope note, not a failure (only prod must be
    produced, and a missing prod lock ends the gate in error)."""
    return [
        Criterion(
            text=f"the {name} lock is out of scope, not audited: {reason}", met=True
        )
        for name, reason in in_scope.out_of_scope.items()
    ]


def _names(severities: Iterable[AdvisorySeverity]) -> str:
    order = list(reversed(AdvisorySeverity))
    ranked = sorted(severities, key=order.index)
    return "/".join(s.value.capitalize() for s in ranked)
