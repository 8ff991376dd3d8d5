"""The report extension point: one :class:`Renderer` subclass per module.

A renderer turns a finished :class:`~readiness.findings.Report` into text. It
never opens files, reads the clock or knows about the CLI: the date and the
tool versions are already in the report, so the same report always renders to
the same text (which is what the golden-file tests rely on).

The few wordings that several formats share (the figures of a gate, the
severity counts of its findings) live here, so they read the same everywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import ClassVar

from readiness.errors import UsageError
from readiness.findings import Finding, Report, Severity


class ReportError(UsageError):
    """A report file cannot be read back: malformed JSON or the wrong schema."""


class Renderer(ABC):
    """One output format of the audit report."""

    #: The name ``--format`` selects the renderer by ("md", "json", ...).
    format: ClassVar[str]
    #: The file name the CLI writes the rendered text to, inside ``--out``.
    filename: ClassVar[str]

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole document, ending with a newline."""


def one_line(text: str) -> str:
    """Collapse runs of whitespace, newlines included, so text fits one line."""
    return " ".join(text.split())


def value_text(value: int | float | str) -> str:
    """A metric value as people read it: ``87.5``, ``3``, ``1.23457e+06``."""
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


def figures(metrics: Mapping[str, int | float | str]) -> str:
    """The compact ``key=value, key=value`` rendering of a gate's metrics."""
    return ", ".join(f"{key}={value_text(value)}" for key, value in metrics.items())


def severity_counts(findings: Iterable[Finding]) -> str:
    """``1 High, 4 Medium``: counts per severity, worst first, zeros left out."""
    counts = Counter(finding.severity for finding in findings)
    return ", ".join(
        f"{counts[severity]} {severity.value.capitalize()}"
        for severity in Severity
        if counts[severity]
    )


def criteria_counts(report: Report) -> tuple[int, int]:
    """How many acceptance criteria of the plan are met, and how many there are."""
    criteria = [criterion for item in report.plan for criterion in item.criteria]
    return sum(criterion.met for criterion in criteria), len(criteria)
