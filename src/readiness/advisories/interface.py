"""The advisory-source extension point: one :class:`AdvisorySource` per module.

A source audits one lock at a time and answers with normalised
:class:`Advisory` records, whatever it reads underneath (an offline OSV
database, or ``uv audit``, ``pip-audit`` and ``safety`` run as subprocesses).
A source that cannot answer raises :class:`AdvisoryError` with a one-line
reason; the ``deps`` gate then tries the next source.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from readiness.command import Completed, ToolError, last_line
from readiness.errors import ReadinessError
from readiness.locks import Lock, Runner

#: How NVD (and the PYSEC records copied from it) opens a disputed advisory.
DISPUTED = "** DISPUTED **"


class AdvisoryError(ReadinessError):
    """The source could not audit the lock; the message says why."""


class AdvisorySeverity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = "unknown"

    @classmethod
    def from_score(cls, score: float) -> AdvisorySeverity:
        """CVSS v3/v4 qualitative rating of a base score (0.0 counts as low)."""
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        return cls.LOW

    @classmethod
    def from_label(cls, label: object) -> AdvisorySeverity:
        """A database's own rating: ``HIGH``, ``Moderate`` (GitHub's medium), ..."""
        text = str(label or "").strip().lower()
        if text == "moderate":
            return cls.MEDIUM
        try:
            return cls(text)
        except ValueError:
            return cls.UNKNOWN


@dataclass(frozen=True, kw_only=True)
class Advisory:
    """One advisory that affects one pinned package of a lock."""

    id: str
    aliases: tuple[str, ...] = ()
    package: str
    """Canonical name."""
    version: str
    """The affected version: the one the lock pins."""
    fixed: tuple[str, ...] = ()
    """Versions that fix it, lowest first; empty when none is known."""
    severity: AdvisorySeverity = AdvisorySeverity.UNKNOWN
    score: float | None = None
    summary: str = ""
    link: str = ""

    @property
    def names(self) -> frozenset[str]:
        """The ID and every alias: what a waiver may name."""
        return frozenset({self.id, *self.aliases})

    @property
    def disputed(self) -> bool:
        """Whether the record says the vulnerability is disputed (NVD's
        ``** DISPUTED **`` prefix: the vendor contests it is one)."""
        return self.summary.lstrip().upper().startswith(DISPUTED)


@dataclass(frozen=True, kw_only=True)
class AuditResult:
    source: str
    lock: str
    advisories: tuple[Advisory, ...]
    notes: tuple[str, ...] = ()
    """What the source could not check (packages it skipped, say)."""


class AdvisorySource(ABC):
    """Answers "which advisories affect the packages this lock pins?"."""

    name: ClassVar[str]

    @abstractmethod
    def audit(self, lock: Lock) -> AuditResult:
        """Every advisory that affects a package of ``lock``."""

    def describe(self) -> str:
        """What the report says the advisories came from."""
        return self.name


def sorted_versions(versions: Iterable[str]) -> tuple[str, ...]:
    """Unique versions, lowest first; strings that are not versions go last."""

    def key(text: str) -> tuple[int, Version | str]:
        try:
            return (0, Version(text))
        except InvalidVersion:
            return (1, text)

    unique = {v.strip() for v in versions if v and v.strip()}
    return tuple(sorted(unique, key=key))


def ordered(advisories: Iterable[Advisory]) -> tuple[Advisory, ...]:
    """By package, then ID: reports do not depend on a tool's order."""
    return tuple(sorted(advisories, key=lambda a: (a.package, a.id)))


def canonical(name: object) -> str:
    return canonicalize_name(str(name))


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class ToolSource(AdvisorySource):
    """A source that runs an auditing tool on the lock's pins and reads its JSON.

    The tool runs through the gate's :class:`~readiness.locks.Runner` (so the
    command is recorded and bounded by the gate's deadline); its input and
    output files go to ``work``.
    """

    tool: ClassVar[str]

    def __init__(self, *, run: Runner, work: Path) -> None:
        self.run = run
        self.work = work

    def write(self, name: str, text: str) -> Path:
        self.work.mkdir(parents=True, exist_ok=True)
        path = self.work / name
        path.write_text(text, encoding="utf-8")
        return path

    def execute(self, args: Sequence[str], *, ok_codes: Iterable[int]) -> Completed:
        try:
            return self.run(args, ok_codes=ok_codes, cwd=self.work).require_complete()
        except ToolError as error:
            raise AdvisoryError(str(error)) from None

    def read_report(self, report: Path, completed: Completed) -> str:
        """The report the tool wrote to ``report``; why there is none, else."""
        try:
            return report.read_text(encoding="utf-8")
        except OSError:
            said = last_line(completed.stderr or completed.stdout)
            raise AdvisoryError(
                f"{self.tool} exited with code {completed.returncode} without"
                f" writing its report: {said}"
            ) from None

    def read_json(self, text: str) -> object:
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            shown = " ".join(text.split())[:80]
            raise AdvisoryError(
                f"{self.tool} did not write JSON: {shown or '(nothing)'!r}"
            ) from None

    def unexpected(self, what: str) -> AdvisoryError:
        return AdvisoryError(f"{self.tool} wrote JSON without {what}")


def first_sentence(text: object) -> str:
    words = " ".join(str(text or "").split())
    sentence = words.split(". ", 1)[0]
    return sentence if len(sentence) <= 160 else sentence[:159].rstrip() + "\u2026"
