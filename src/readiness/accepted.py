"""Accepted debt for every gate: baselines by fingerprint, and waivers.

``readiness baseline write [PATH] [--gate NAME]...`` records each gate's
current findings (fingerprint, rule, path: never a line number) in the
baseline file's section for that gate; the typing gate keeps its own per-module
ratchet there instead. Waivers are declared in ``[[tool.readiness.waivers]]``
by rule (a prefix, optionally with a path glob) or by fingerprint, each with a
reason and an optional expiry date::

    [[tool.readiness.waivers]]
    rule = "B101"
    path = "scripts/*"
    reason = "asserts in maintenance scripts"
    expires = 2027-06-30

:func:`apply` then judges each gate on its *new* findings only: a gate whose
every finding is baselined or waived has its finding-driven criteria met (the
criterion says how many were accepted); the findings stay in the report,
marked ``details["accepted"]``. Baseline entries no longer found are counted
(``gone_from_baseline``) and, with ``--strict-baseline``, fail the gate: the
baseline should be re-recorded. An expired waiver waives nothing and is
reported (RD001). Criteria that do not come from findings (pytest passes,
coverage) are never changed by a baseline: which gates' criteria all follow
from their findings, and which keep a baseline of their own, the gates say
(``Gate.criteria_from_findings``, the ``Baselined`` protocol), and the audit
passes their names here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from readiness.errors import ConfigError
from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    Priority,
    Rule,
    Severity,
    Status,
)

WAIVER_KEYS = frozenset({"rule", "path", "fingerprint", "reason", "expires"})
WAIVER_EXPIRED = Rule(
    id="RD001",
    title="waiver expired",
    explanation="A waiver in [tool.readiness.waivers] is past its expiry date.",
    fix="Fix the findings it covered, or renew the waiver with a new date.",
)


@dataclass(frozen=True, kw_only=True)
class Waiver:
    reason: str
    rule: str | None = None
    path: str | None = None
    fingerprint: str | None = None
    expires: date | None = None

    def covers(self, finding: Finding) -> bool:
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        if self.rule is None or not finding.rule.startswith(self.rule):
            return False
        return self.path is None or fnmatchcase(finding.path or "", self.path)

    def describe(self) -> str:
        what = self.fingerprint or self.rule or "?"
        return what if self.path is None else f"{what} in {self.path}"


def waivers(raw: object) -> tuple[Waiver, ...]:
    """``[[tool.readiness.waivers]]``, validated (a one-line ConfigError)."""
    if raw is None:
        return ()
    where = "[[tool.readiness.waivers]]"
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be an array of tables")
    found = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where} entry {index} must be a table")
        unknown = sorted(set(item) - WAIVER_KEYS)
        if unknown:
            raise ConfigError(f"{where} entry {index} has unknown key {unknown[0]!r}")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where} entry {index} needs a reason")
        if ("rule" in item) == ("fingerprint" in item):
            raise ConfigError(f"{where} entry {index} needs a rule or a fingerprint")
        expires = item.get("expires")
        if expires is not None and not isinstance(expires, date):
            raise ConfigError(f"{where} entry {index}: expires must be a date")
        found.append(
            Waiver(
                reason=reason.strip(),
                rule=_optional(item, "rule", where, index),
                path=_optional(item, "path", where, index),
                fingerprint=_optional(item, "fingerprint", where, index),
                expires=expires,
            )
        )
    return tuple(found)


def _optional(item: Mapping[str, Any], key: str, where: str, index: int) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where} entry {index}: {key} must be a string")
    return value


def record(findings: Iterable[Finding]) -> dict[str, Any]:
    """A gate's baseline section: its findings by fingerprint, sorted and stable."""
    entries = {
        finding.fingerprint: {
            "fingerprint": finding.fingerprint,
            "rule": finding.rule,
            "path": finding.path or "",
        }
        for finding in findings
    }
    ordered = sorted(
        entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"])
    )
    return {"findings": ordered}


def apply(
    results: Sequence[GateResult],
    sections: Mapping[str, Mapping[str, Any]],
    active: Sequence[Waiver],
    *,
    today: date,
    from_findings: Collection[str],
    own_baseline: Collection[str] = frozenset(),
    strict: bool = False,
) -> tuple[GateResult, ...]:
    """Each gate judged on its findings that are neither baselined nor waived.

    ``from_findings``: the gates whose unmet criteria all follow from their
    findings (accepting every finding meets them); ``own_baseline``: the gates
    that keep a baseline of their own in the file (the typing gate's ratchet),
    whose sections are not fingerprints.
    """
    live = [w for w in active if w.expires is None or w.expires >= today]
    expired = [w for w in active if w.expires is not None and w.expires < today]
    judged = []
    for result in results:
        section = sections.get(result.name) if result.name not in own_baseline else None
        entries = section.get("findings") if isinstance(section, Mapping) else None
        known = (
            {str(e.get("fingerprint")) for e in entries if isinstance(e, Mapping)}
            if isinstance(entries, list)
            else set()
        )
        judged.append(
            _judge(
                result,
                known,
                live,
                strict=strict,
                baselined=entries is not None,
                from_findings=result.name in from_findings,
            )
        )
    if expired and judged:
        judged[0] = _expired(judged[0], expired)
    return tuple(judged)


def _judge(
    result: GateResult,
    known: set[str],
    live: Sequence[Waiver],
    *,
    strict: bool,
    baselined: bool,
    from_findings: bool,
) -> GateResult:
    if result.status not in (Status.PASS, Status.FAIL):
        return result
    accepted, new, ordered = [], [], []
    for finding in result.findings:
        why = (
            "baseline"
            if finding.fingerprint in known
            else next((f"waived: {w.reason}" for w in live if w.covers(finding)), None)
        )
        if why is None:
            new.append(finding)
            ordered.append(finding)
        else:
            marked = dataclasses.replace(
                finding, details={**finding.details, "accepted": why}
            )
            accepted.append(marked)
            ordered.append(marked)
    if not accepted and not baselined:
        return result
    present = {finding.fingerprint for finding in result.findings}
    gone = len(known - present)
    criteria = list(result.criteria)
    if not new and accepted and from_findings:
        note = f"; all {len(accepted)} accepted (baseline or waiver)"
        criteria = [
            c if c.met else Criterion(text=c.text + note, met=True) for c in criteria
        ]
    if strict and baselined:
        criteria.append(
            Criterion(text=f"no stale baseline entry ({gone} gone)", met=gone == 0)
        )
    met = all(c.met for c in criteria)
    return dataclasses.replace(
        result,
        status=Status.PASS if met else Status.FAIL,
        criteria=tuple(criteria),
        findings=tuple(ordered),
        metrics={
            **result.metrics,
            "new": len(new),
            "accepted": len(accepted),
            "gone_from_baseline": gone,
        },
    )


def _expired(result: GateResult, expired: Sequence[Waiver]) -> GateResult:
    notes = tuple(
        Finding(
            rule=WAIVER_EXPIRED.id,
            severity=Severity.LOW,
            priority=Priority.P2,
            message=f"the waiver of {w.describe()} expired on {w.expires}: {w.reason}",
            path="pyproject.toml",
            fix=WAIVER_EXPIRED.fix,
        )
        for w in expired
    )
    return dataclasses.replace(result, findings=(*result.findings, *notes))
