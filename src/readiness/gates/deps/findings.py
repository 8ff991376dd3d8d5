"""The findings of the deps gate: one per advisory of a shipped lock, DP002, DP004."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from readiness.advisories.interface import Advisory, AdvisorySeverity, AuditResult
from readiness.findings import Finding, Priority, Severity
from readiness.locks import Lock

from .config import ARROW, MAX_LISTED, SEVERITIES, DepsConfig
from .rules import NO_LOCK, NOT_AUDITED


@dataclass(frozen=True, kw_only=True)
class AuditedLock:
    lock: Lock
    shown: str
    """Where findings point: ``constraints/prod.txt``, or the file the gate
    generated the lock from (``uv.lock``, ``pyproject.toml``, ``setup.cfg``)."""
    committed: bool
    """Whether ``shown`` is the lock itself, so that its line numbers hold."""


def rated(
    lock: str, advisory: Advisory, config: DepsConfig
) -> tuple[AdvisorySeverity, str]:
    """The severity an advisory counts as in ``lock``, and the words that say so.

    An unscored advisory counts as ``unknown-severity`` (default high), and
    says so. A disputed one (its summary opens with ``** DISPUTED **``: the
    vendor contests that it is a vulnerability, as in PYSEC-2022-42969, py's
    ReDoS) counts as medium at most in the prod lock and low at most in any
    other: what nobody agrees is exploitable does not block a release.
    """
    counted = config.counted(advisory.severity)
    unscored = advisory.severity is AdvisorySeverity.UNKNOWN
    notes = ["no CVSS score, no severity in the database"] if unscored else []
    if unscored:
        label = "unscored"
    else:
        label = advisory.severity.value
        if advisory.score is not None:
            label += f" {advisory.score:.1f}"
    capped = False
    if advisory.disputed:
        label += " and disputed" if unscored else ", disputed"
        cap = AdvisorySeverity.MEDIUM if lock == "prod" else AdvisorySeverity.LOW
        capped = worse(counted, cap)
        if capped:
            counted = cap
            notes.append(
                f"counted as {cap}: a disputed advisory counts as {cap} at most"
                f" in the {lock} lock"
            )
    if unscored and not capped:
        notes.append(f"counted as {counted}")
    return counted, f"{label} ({'; '.join(notes)})" if notes else label


def worse(severity: AdvisorySeverity, than: AdvisorySeverity) -> bool:
    """Whether ``severity`` ranks above ``than`` (critical first)."""
    order = list(AdvisorySeverity)
    return order.index(severity) < order.index(than)


def fails(lock: str, advisory: Advisory, config: DepsConfig) -> bool:
    """Whether the advisory fails the gate (before waivers).

    An unscored advisory counts as ``unknown-severity`` in the prod lock only:
    in a test or dev lock nothing says it matters (PYSEC-2022-42969, the
    disputed ReDoS in ``py``, has neither a score nor a fix).
    """
    if lock not in config.fail_locks:
        return False
    if advisory.severity is AdvisorySeverity.UNKNOWN and lock != "prod":
        return False
    return rated(lock, advisory, config)[0] in config.fail_severities


def advisory_finding(
    item: AuditedLock,
    advisory: Advisory,
    config: DepsConfig,
    today: date,
    *,
    also: Sequence[str] = (),
) -> tuple[Finding, bool]:
    """The finding for one advisory in one lock, and whether it fails the gate;
    ``also``: the other locks that pin the same version, named, not repeated."""
    lock = item.lock
    package = lock.get(advisory.package)
    chain = lock.chain(advisory.package) or (lock.root, advisory.package)
    counted, rating = rated(lock.name, advisory, config)
    aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
    fixed = (
        f"fixed in {', '.join(advisory.fixed)}" if advisory.fixed else "no fix released"
    )
    message = (
        f"{advisory.package} {advisory.version} in the {lock.name} lock"
        + (f" (also in the {locks_named(also)})" if also else "")
        + f": {advisory.id}{aliases}, {rating}"
        + (f": {advisory.summary}" if advisory.summary else "")
        + f"; {fixed}; pulled in by {ARROW.join(chain)}"
    )
    failing = fails(lock.name, advisory, config)
    severity = SEVERITIES[counted]
    priority = Priority.P1 if lock.name in config.fail_locks else Priority.P2
    waiver = config.waiver_for(advisory)
    if waiver is not None and waiver.active(today):
        until = f" until {waiver.expires}" if waiver.expires else ""
        message = f"waived{until} ({waiver.reason}): {message}"
        failing, severity, priority = False, Severity.INFO, Priority.P2
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
        "also_in": ", ".join(also),
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
        failing,
    )


def locks_named(names: Sequence[str]) -> str:
    """``test lock``, ``test and dev locks``, ``prod, test and dev locks``."""
    if len(names) == 1:
        return f"{names[0]} lock"
    return f"{', '.join(names[:-1])} and {names[-1]} locks"


def no_lock_findings(
    missing: Sequence[str], *, source: str, evidence: str
) -> list[Finding]:
    """DP002 when split locks are ``missing`` and the target, an application
    (``evidence``: why, from :func:`readiness.projectkind.kind`), commits no
    lock at all (``source``: the file the audited ones were generated from).
    Low: what was audited may still be what is deployed."""
    if not missing:
        return []
    files = ", ".join(f"constraints/{name}.txt" for name in missing)
    return [
        Finding(
            rule=NO_LOCK.id,
            severity=Severity.LOW,
            priority=Priority.P1,
            message=f"{NO_LOCK.title}: {files} missing, and no uv.lock,"
            " pylock.toml, poetry.lock, pdm.lock or pinned requirements file;"
            f" audited locks generated from {source} instead. A lock is expected"
            f" of an application (this project {evidence}; if it is not deployed,"
            ' set [tool.readiness] kind = "library")',
            path=source,
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
