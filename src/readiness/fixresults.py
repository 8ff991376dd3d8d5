"""The fix results model: what a fixer proposes and what a fix run did.

As :mod:`readiness.findings` is for the audit, this is for ``readiness fix``:
frozen, keyword-only dataclasses that the fixers return (the :data:`Outcome`
union, as LibCST's codemods do), the engine collects (:class:`FixResult`) and
the renderer in ``reports/fixsummary.py`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from readiness.findings import Finding, Priority, Report


@dataclass(frozen=True, kw_only=True)
class FileEdit:
    """The new text of one file; ``before`` is ``None`` for a file to create."""

    path: str
    before: str | None
    after: str


@dataclass(frozen=True, kw_only=True)
class Left:
    """A finding the fixer did not resolve, and why."""

    finding: Finding
    reason: str


@dataclass(frozen=True, kw_only=True)
class Changed:
    edits: tuple[FileEdit, ...]
    addressed: tuple[Finding, ...]
    left: tuple[Left, ...] = ()
    #: What a reviewer should know about the edits (one line each).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Skipped:
    reason: str
    left: tuple[Left, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Failed:
    reason: str


Outcome = Changed | Skipped | Failed


@dataclass(frozen=True, kw_only=True)
class FixRequest:
    path: str
    priority: Priority
    only: bool = False
    dry_run: bool = False
    allow_dirty: bool = False
    advisory_db: Path | None = None

    @property
    def priorities(self) -> frozenset[Priority]:
        if self.only:
            return frozenset({self.priority})
        return frozenset(p for p in Priority if p <= self.priority)


@dataclass(frozen=True, kw_only=True)
class FixerRun:
    """What one fixer did, after the re-audit confirmed it."""

    name: str
    title: str
    outcome: Outcome
    files: tuple[str, ...]
    resolved: tuple[Finding, ...]
    left: tuple[Left, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FixResult:
    request: FixRequest
    gates: tuple[str, ...]
    before: Report | None
    after: Report | None
    runs: tuple[FixerRun, ...]
    #: Findings at the selected priorities that no fixer resolves.
    unfixable: tuple[Left, ...]
    changed: tuple[str, ...]
    diff: str

    @property
    def met(self) -> bool:
        """Every acceptance criterion of the selected priorities held (re-audit)."""
        report = self.after or self.before
        if report is None:
            return True
        items = [
            item for item in report.plan if item.priority in self.request.priorities
        ]
        return all(item.done for item in items)

    @property
    def failed(self) -> bool:
        return any(isinstance(run.outcome, Failed) for run in self.runs)
