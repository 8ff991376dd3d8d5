"""Earlier reports beside the current one: the trend and the difference.

Findings are matched by their line-independent fingerprint (rule, path and
message), counted as a multiset so that two identical findings are two, not
one. Pure functions of :class:`~readiness.findings.Report` objects: the caller
reads the earlier JSON reports (``readiness.reports.json.load``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from readiness.findings import Finding, Priority, Report
from readiness.reports.interface import criteria_counts


@dataclass(frozen=True, kw_only=True)
class Point:
    """One report's figures, for the trend."""

    generated_at: str
    verdict: str
    findings: int
    by_priority: tuple[tuple[Priority, int], ...]
    criteria_met: int
    criteria_total: int


@dataclass(frozen=True, kw_only=True)
class Difference:
    """What changed since an earlier report, finding by finding."""

    since: str
    new: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    unchanged: tuple[Finding, ...]


def findings_of(report: Report) -> list[Finding]:
    return [finding for gate in report.gates for finding in gate.findings]


def point(report: Report) -> Point:
    findings = findings_of(report)
    counts = Counter(finding.priority for finding in findings)
    met, total = criteria_counts(report)
    return Point(
        generated_at=report.generated_at,
        verdict=report.verdict.value,
        findings=len(findings),
        by_priority=tuple((priority, counts[priority]) for priority in Priority),
        criteria_met=met,
        criteria_total=total,
    )


def ordered(previous: Iterable[Report]) -> list[Report]:
    """Earlier reports, oldest first (ISO dates sort as text)."""
    return sorted(previous, key=lambda report: report.generated_at)


def trend(report: Report, previous: Sequence[Report]) -> list[Point]:
    """The earlier reports' figures, oldest first, then the current one's."""
    return [point(earlier) for earlier in ordered(previous)] + [point(report)]


def difference(report: Report, earlier: Report) -> Difference:
    """New, fixed and unchanged findings of ``report`` against ``earlier``."""
    before = _by_fingerprint(findings_of(earlier))
    new: list[Finding] = []
    unchanged: list[Finding] = []
    for finding in findings_of(report):
        waiting = before.get(finding.fingerprint)
        if waiting:
            unchanged.append(finding)
            waiting.pop(0)
        else:
            new.append(finding)
    fixed = [finding for left in before.values() for finding in left]
    return Difference(
        since=earlier.generated_at,
        new=tuple(new),
        fixed=tuple(fixed),
        unchanged=tuple(unchanged),
    )


def _by_fingerprint(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.fingerprint, []).append(finding)
    return grouped
