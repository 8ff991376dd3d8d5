"""DP005: advisories of a package that only the test or dev locks pin.

What ships is the prod lock (and any lock named in ``fail-locks``): each of
its advisories is a finding of its own, at its severity. A package version
that only the other locks pin (the test and dev locks, by default) runs in a
developer's or CI's environment and ships with nothing: httpie's test extra
pins werkzeug 2.0.3 for pytest-httpbin's loopback server, and its four
advisories concern a server that faces untrusted clients. So such a version
is one finding, whatever the number of its advisories and of the locks that
pin it: it lists the advisory IDs, the worst of them, the locks and who pulls
the package in (the remedy is usually to bump that requirement), at Low at
most (P2), so that it is fixed when convenient and never heads a plan. A copy
in the test or dev lock of a version the prod lock already reports is named
in that finding (``also in the test and dev locks``), not repeated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from packaging.version import InvalidVersion, Version

from readiness.advisories.interface import Advisory, AdvisorySeverity, AuditResult
from readiness.findings import Finding, Priority, Severity
from readiness.locks import LOCK_NAMES, Lock

from .config import ARROW, SEVERITIES, DepsConfig
from .findings import AuditedLock, locks_named, rated, worse
from .rules import OUTSIDE_PROD

Key = tuple[str, str]


def shipped(config: DepsConfig) -> frozenset[str]:
    """The locks whose advisories are findings of their own: prod, and the
    locks ``fail-locks`` names."""
    return frozenset({"prod", *config.fail_locks})


@dataclass(kw_only=True)
class _Group:
    holders: list[AuditedLock] = field(default_factory=list)
    advisories: dict[str, Advisory] = field(default_factory=dict)


def also_in(
    results: Mapping[str, AuditResult], lock: str, config: DepsConfig
) -> dict[Key, list[str]]:
    """For each vulnerable package version of the shipped ``lock``, the locks
    outside :func:`shipped` that pin it too (named in its findings, not
    repeated)."""
    ships = shipped(config)
    named: dict[Key, list[str]] = {
        (a.package, a.version): [] for a in results[lock].advisories
    }
    for name, result in results.items():
        if name in ships:
            continue
        for key in {(a.package, a.version) for a in result.advisories} & set(named):
            named[key].append(name)
    return named


def outside_findings(
    audited: Sequence[AuditedLock],
    results: Mapping[str, AuditResult],
    config: DepsConfig,
    today: date,
) -> list[Finding]:
    """One DP005 per package version that no shipped lock pins."""
    ships = shipped(config)
    reported = {
        (a.package, a.version)
        for name, result in results.items()
        if name in ships
        for a in result.advisories
    }
    groups: dict[Key, _Group] = {}
    for item in audited:
        if item.lock.name in ships:
            continue
        for advisory in results[item.lock.name].advisories:
            key = (advisory.package, advisory.version)
            if key in reported:
                continue
            group = groups.setdefault(key, _Group())
            if item not in group.holders:
                group.holders.append(item)
            group.advisories.setdefault(advisory.id, advisory)
    return [_finding(key, groups[key], config, today) for key in sorted(groups)]


def _finding(key: Key, group: _Group, config: DepsConfig, today: date) -> Finding:
    package, version = key
    ships = [name for name in LOCK_NAMES if name in shipped(config)]
    advisories = sorted(group.advisories.values(), key=lambda a: a.id)
    first = group.holders[0]
    names = [item.lock.name for item in group.holders]
    waived = [a for a in advisories if _waived(a, config, today)]
    live = [a for a in advisories if a not in waived] or advisories
    worst = max(live, key=lambda a: _rank(first.lock.name, a, config))
    counted, rating = rated(first.lock.name, worst, config)
    if len(advisories) == 1:
        aliases = f" ({', '.join(worst.aliases)})" if worst.aliases else ""
        said = f"{worst.id}{aliases}, {rating}" + (
            f": {worst.summary}" if worst.summary else ""
        )
    else:
        said = (
            f"{len(advisories)} advisories {', '.join(a.id for a in advisories)};"
            f" the worst {worst.id}, {rating}"
        )
    origin = pulled_in_by(group.holders, package)
    upgrade = fixed_in(advisories)
    message = (
        f"{package} {version} in the {locks_named(names)}"
        + (f" ({origin})" if origin is not None else "")
        + f": {said}; {_fixed_words(advisories, upgrade)};"
        f" the {locks_named(ships)} {'does' if len(ships) == 1 else 'do'} not pin"
        " it, so nothing ships with it: low at most"
    )
    severity = SEVERITIES[counted]
    if worse(counted, AdvisorySeverity.LOW):
        severity = Severity.LOW
    expired = [a for a in advisories if _expired(a, config, today)]
    if len(waived) == len(advisories):
        reasons = "; ".join(sorted({_reason(a, config) for a in waived}))
        message = f"waived ({reasons}): {message}"
        severity = Severity.INFO
    elif waived:
        message += f"; {', '.join(a.id for a in waived)} waived"
    if expired:
        message += (
            f"; the waiver of {', '.join(a.id for a in expired)} expired and no"
            " longer applies"
        )
    package_line = next(
        (p for p in first.lock if p.name == package and p.version == version),
        first.lock.get(package),
    )
    chain = first.lock.chain(package) or (first.lock.root, package)
    details: dict[str, str | int | float | bool] = {
        "lock": names[0],
        "locks": ", ".join(names),
        "package": package,
        "version": version,
        "advisories": ", ".join(a.id for a in advisories),
        "aliases": ", ".join(alias for a in advisories for alias in a.aliases),
        "fixed": upgrade or "",
        "chain": ARROW.join(chain),
        "worst": worst.id,
        "worst_severity": worst.severity.value,
        "link": worst.link,
        "waived": len(waived) == len(advisories),
    }
    if worst.score is not None:
        details["worst_score"] = worst.score
    return Finding(
        rule=OUTSIDE_PROD.id,
        severity=severity,
        priority=Priority.P2,
        message=message,
        path=first.shown,
        line=(
            package_line.line if package_line is not None and first.committed else None
        ),
        fix=_fix(package, advisories, upgrade, origin, chain),
        details=details,
    )


def _rank(lock: str, advisory: Advisory, config: DepsConfig) -> tuple[int, float]:
    counted = rated(lock, advisory, config)[0]
    return (-list(AdvisorySeverity).index(counted), advisory.score or -1.0)


def _waived(advisory: Advisory, config: DepsConfig, today: date) -> bool:
    waiver = config.waiver_for(advisory)
    return waiver is not None and waiver.active(today)


def _expired(advisory: Advisory, config: DepsConfig, today: date) -> bool:
    waiver = config.waiver_for(advisory)
    return waiver is not None and not waiver.active(today)


def _reason(advisory: Advisory, config: DepsConfig) -> str:
    waiver = config.waiver_for(advisory)
    assert waiver is not None  # noqa: S101 - only called for waived advisories
    until = f" until {waiver.expires}" if waiver.expires else ""
    return f"{waiver.reason}{until}"


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def fixed_in(advisories: Sequence[Advisory]) -> str | None:
    """The lowest release that fixes every advisory that has a fix: the highest
    of their first fixed versions (``None`` when none has a fix)."""
    firsts = [a.fixed[0] for a in advisories if a.fixed]
    parsed = [(v, text) for text in firsts if (v := _version(text)) is not None]
    if parsed:
        return max(parsed)[1]
    return firsts[0] if firsts else None


def _fixed_words(advisories: Sequence[Advisory], upgrade: str | None) -> str:
    unfixed = [a.id for a in advisories if not a.fixed]
    if upgrade is None:
        return "no fix released"
    words = f"fixed in {upgrade}"
    if len(advisories) - len(unfixed) > 1:
        words = f"each fixed by {upgrade}"
    if unfixed:
        words += f" except {', '.join(unfixed)} (no fix released)"
    return words


def _fix(
    package: str,
    advisories: Sequence[Advisory],
    upgrade: str | None,
    origin: Origin | None,
    chain: Sequence[str],
) -> str:
    if upgrade is None:
        entry = chain[1] if len(chain) > 1 else package
        ids = ", ".join(a.id for a in advisories)
        return (
            f"no fixed release: drop {entry} from the test/dev requirements or"
            f" waive {ids} with a reason and an expiry"
        )
    steps = f"upgrade {package} to {upgrade} or later"
    if origin is not None and origin.through:
        steps += (
            f" (it comes through {', '.join(origin.through)}: bump"
            f" {'it' if len(origin.through) == 1 else 'them'} if"
            f" {'it holds' if len(origin.through) == 1 else 'they hold'}"
            f" {package} back)"
        )
    return f"{steps}, then `readiness lock .`"


@dataclass(frozen=True, kw_only=True)
class Origin:
    """How the project comes to pin a package, from the locks' ``# via``."""

    direct: bool
    """The project requires it itself."""
    through: tuple[str, ...]
    """The project's own requirements that pull it in."""

    def __str__(self) -> str:
        parts = ["required by the project directly"] if self.direct else []
        if self.through:
            parts.append(f"pulled in by {', '.join(self.through)}")
        return " and ".join(parts)


def pulled_in_by(holders: Sequence[AuditedLock], package: str) -> Origin | None:
    """Who brings ``package`` in, over the locks that pin it; ``None`` when
    none of them has a ``# via`` annotation for it."""
    found = [e for item in holders if (e := _entries(item.lock, package)) is not None]
    if not found:
        return None
    return Origin(
        direct=any(direct for direct, _ in found),
        through=tuple(sorted({name for _, names in found for name in names})),
    )


def _entries(lock: Lock, package: str) -> tuple[bool, set[str]] | None:
    """Whether the project requires ``package`` itself, and which of its direct
    requirements pull it in; ``None`` when the lock has no ``# via`` for it."""
    start = lock.get(package)
    if start is None or not any(p.via for p in lock if p.name == start.name):
        return None
    direct = False
    tops: set[str] = set()
    seen = {start.name}
    queue = [start.name]
    while queue:
        name = queue.pop()
        # every marker-split entry of the package: each has its own ``# via``
        parents = {parent for p in lock if p.name == name for parent in p.via}
        for parent in parents:
            if lock.get(parent) is None:  # the project itself
                if name == start.name:
                    direct = True
                else:
                    tops.add(name)
            elif parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return direct, tops
