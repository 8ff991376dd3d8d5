"""The results model: findings, gate results, acceptance criteria, the report.

Everything here is a frozen, keyword-only dataclass so that results can be
shared between threads and compared in tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical, 4 for info: sorts the worst first."""
        return list(Severity).index(self)


class Priority(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"


class Status(StrEnum):
    PASS = "pass"  # noqa: S105  # nosec B105 - a status name, not a password
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


class Verdict(StrEnum):
    READY = "ready"
    NOT_READY = "not-ready"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A rule readiness itself defines: stable ID, title, explanation, fix hint.

    Rules of the underlying tools (ruff codes, bandit test IDs) keep the tool's
    own ID; readiness's rules are declared once, in their gate's module.
    """

    id: str
    title: str
    explanation: str
    fix: str


@dataclass(frozen=True, kw_only=True)
class Finding:
    rule: str
    severity: Severity
    priority: Priority
    message: str
    path: str | None = None
    line: int | None = None
    fix: str = ""
    #: Whether a readiness fixer takes this finding. Gates leave it alone: the
    #: audit stamps it from :func:`readiness.fixers.routing.route`.
    fixable: bool = False
    #: Whether the tool that reported it can fix it safely itself (ruff's
    #: "safe" fixes): a fact of the tool's output, which routing may read.
    tool_fix: bool = False
    details: Mapping[str, str | int | float | bool] = field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return self.path if self.line is None else f"{self.path}:{self.line}"

    @property
    def fingerprint(self) -> str:
        """Stable identity across edits: the line number is left out on purpose."""
        key = "\x1f".join((self.rule, self.path or "", self.message))
        return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class Criterion:
    """One acceptance criterion of the plan and whether the audit saw it held."""

    text: str
    met: bool


@dataclass(frozen=True, kw_only=True)
class GateResult:
    name: str
    status: Status
    priority: Priority
    duration_s: float
    title: str = ""
    reason: str | None = None
    commands: tuple[tuple[str, ...], ...] = ()
    metrics: Mapping[str, int | float | str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    tools: Mapping[str, str] = field(default_factory=dict)
    #: Reused from the result cache: none of the gate's inputs changed.
    cached: bool = False

    @property
    def command(self) -> tuple[str, ...]:
        """The main command the gate ran (the first), empty if none."""
        return self.commands[0] if self.commands else ()


@dataclass(frozen=True, kw_only=True)
class PlanItem:
    priority: Priority
    title: str
    gates: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    actions: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return all(criterion.met for criterion in self.criteria)


@dataclass(frozen=True, kw_only=True)
class Report:
    schema: str = "readiness-report/1"
    target: str
    target_name: str
    verdict: Verdict
    generated_at: str
    readiness_version: str
    python: str
    tools: Mapping[str, str]
    gates: tuple[GateResult, ...]
    plan: tuple[PlanItem, ...]

    def gate(self, name: str) -> GateResult | None:
        return next((gate for gate in self.gates if gate.name == name), None)
