"""No secret in any report: one redaction step for every text from a tool or target.

Tools quote what they read (bandit's B105 prints "Possible hardcoded password:
'…'"; an ops command's last output line may print a token it got from the
environment). :func:`redact_report` masks, in every such text of a report:

* values of the secret shapes the ``secrets`` gate knows
  (:mod:`readiness.secretshapes`: provider formats, private keys, JWTs,
  database URL passwords, secret-like literals assigned to credential names);
* values of the process environment that look secret: the variable's name
  says credential (``*_TOKEN``, ``*PASSWORD*``, ``*_API_KEY``, …) and the value
  has at least 8 characters, or the value itself has a secret shape. Paths,
  numbers and short values are never masked, so reports stay readable.

The audit pipeline calls :func:`redact_report` once, before any renderer runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace

from readiness.findings import Criterion, Finding, GateResult, PlanItem, Report
from readiness.secretshapes import assignments, find_shapes, secret_key

MASK = "[redacted]"
MIN_ENV_VALUE = 8
#: Names that say credential but hold none (the working directory, sockets).
NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "GPG_AGENT_INFO"})
PATHLIKE = re.compile(r"^(?:[~.]?/|[A-Za-z]:\\)|^[\w.-]+(?:/[\w.-]+)+/?$")


def secret_environment(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The environment's values worth masking, longest first."""
    values = set()
    for name, value in environ.items():
        if not value or name in NOT_SECRET_NAMES:
            continue
        shaped = any(True for _ in find_shapes(value))
        named = (
            secret_key(name)
            and len(value) >= MIN_ENV_VALUE
            and not PATHLIKE.match(value)
            and not value.isdigit()
        )
        if shaped or named:
            values.add(value)
    return tuple(sorted(values, key=len, reverse=True))


class Redactor:
    """Masks secrets in texts; the environment is read once, when built."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.values = secret_environment(os.environ if environ is None else environ)
        #: Texts already masked: a report repeats most of its texts.
        self._masked: dict[str, str] = {}

    def text(self, text: str) -> str:
        if not text:
            return text
        masked = self._masked.get(text)
        if masked is None:
            masked = self._masked[text] = self._mask(text)
        return masked

    def _mask(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, MASK)
        spans = [(m.start, m.end) for m in find_shapes(text)]
        offset = 0
        for line in text.splitlines(keepends=True):
            spans += [
                (offset + a.start, offset + a.end) for a in assignments(line, bare=True)
            ]
            offset += len(line)
        for start, end in sorted(merge(spans), reverse=True):
            text = text[:start] + MASK + text[end:]
        return text

    def finding(self, finding: Finding) -> Finding:
        return replace(
            finding,
            message=self.text(finding.message),
            fix=self.text(finding.fix),
            details={
                key: self.text(value) if isinstance(value, str) else value
                for key, value in finding.details.items()
            },
        )

    def criterion(self, criterion: Criterion) -> Criterion:
        return replace(criterion, text=self.text(criterion.text))

    def gate(self, gate: GateResult) -> GateResult:
        return replace(
            gate,
            reason=None if gate.reason is None else self.text(gate.reason),
            commands=tuple(tuple(self.text(a) for a in c) for c in gate.commands),
            metrics={
                key: self.text(value) if isinstance(value, str) else value
                for key, value in gate.metrics.items()
            },
            findings=tuple(self.finding(f) for f in gate.findings),
            criteria=tuple(self.criterion(c) for c in gate.criteria),
            tools={key: self.text(value) for key, value in gate.tools.items()},
        )

    def plan_item(self, item: PlanItem) -> PlanItem:
        return replace(
            item,
            title=self.text(item.title),
            criteria=tuple(self.criterion(c) for c in item.criteria),
            actions=tuple(self.text(a) for a in item.actions),
        )

    def report(self, report: Report) -> Report:
        return replace(
            report,
            tools={key: self.text(value) for key, value in report.tools.items()},
            gates=tuple(self.gate(g) for g in report.gates),
            plan=tuple(self.plan_item(i) for i in report.plan),
        )


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined, so that each secret is masked once."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact_text(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with every secret-shaped value and secret environment value masked.

    ``environ`` defaults to the process environment (``os.environ``).
    """
    return Redactor(environ).text(text)


def redact_report(report: Report, environ: Mapping[str, str] | None = None) -> Report:
    """``report`` with :func:`redact_text` applied to each text of a tool or target."""
    return Redactor(environ).report(report)
