"""The fixer extension point: one :class:`Fixer` subclass per module in ``fixers/``.

A fixer gets the findings it resolves and a :class:`FixContext`; it reads the
files it needs through the context, computes their new text and returns one
outcome of a closed union (as LibCST's codemods do):

* :class:`Changed`: the edits, the findings they address, and the findings it
  had to leave, each with the reason;
* :class:`Skipped`: nothing could be done, and why (a malformed config file,
  a Python version that needs another approach, ...);
* :class:`Failed`: the fixer could not finish; none of its edits is written.

A fixer never writes. The engine validates the edits, writes them atomically
(all of one fixer's files or none), shows them as a diff in dry-run mode and
re-runs the gates. Fixers that only *insert* text check that themselves with
:func:`insertions`, so "never lose a line" is a property each one proves.

A fixer declares what it takes in :attr:`Fixer.takes` (gate → rule IDs) and,
where the evidence is in the finding, :meth:`Fixer.accepts`; gates never say
whether a finding is fixable: :mod:`readiness.fixers.routing` decides, once, for
the report and for the engine. A fixer that creates files returns
:class:`FileEdit` objects with ``before=None``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Protocol

from readiness.context import Context
from readiness.errors import FixError
from readiness.findings import Finding, Priority
from readiness.fixers.text import insertions
from readiness.fixresults import (
    Changed,
    Failed,
    FileEdit,
    Left,
    Outcome,
    Skipped,
)
from readiness.settings import GateOptions, Settings
from readiness.target import Target


def outcome(
    edits: Iterable[FileEdit],
    addressed: Iterable[Finding],
    left: Iterable[Left],
    *,
    notes: Iterable[str] = (),
    nothing: str = "nothing could be fixed automatically",
) -> Outcome:
    """:class:`Changed` when a file changes, else :class:`Skipped` with ``nothing``."""
    real = tuple(edit for edit in edits if edit.before != edit.after)
    left = tuple(left)
    if not real:
        reasons = sorted({item.reason for item in left})
        return Skipped(reason=reasons[0] if len(reasons) == 1 else nothing, left=left)
    return Changed(
        edits=real, addressed=tuple(addressed), left=left, notes=tuple(notes)
    )


def by_path(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by file, files in order; findings without a path dropped."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.path:
            grouped.setdefault(finding.path, []).append(finding)
    return dict(sorted(grouped.items()))


def require_insertion(path: str, before: str, after: str) -> None:
    """Raise :class:`FixError` unless ``after`` is ``before`` plus insertions."""
    if insertions(before, after) is None:
        raise FixError(
            f"{path}: the edit would change existing text, not only add to it;"
            " nothing written (please report this)"
        )


class Files(Protocol):
    """The target's files as a fixer reads them (the engine's workspace)."""

    def read(self, rel: str) -> str: ...

    def exists(self, rel: str) -> bool: ...

    def line(self, rel: str, line: int) -> int | None: ...


class FixContext(Context):
    """What a fixer gets: the target, the ``[tool.readiness.fix]`` options,
    file access through the engine's workspace, a scratch folder and a deadline.
    """

    def __init__(
        self,
        *,
        target: Target,
        settings: Settings,
        workspace: Files,
        scratch: Path,
        deadline: float,
        fixer: str = "",
    ) -> None:
        super().__init__(
            name=fixer,
            target=target,
            settings=settings,
            scratch=scratch,
            deadline=deadline,
        )
        self.workspace = workspace

    @property
    def options(self) -> GateOptions:
        """The ``[tool.readiness.fix]`` table (shared by every fixer)."""
        return self.settings.fix_options()

    def read(self, path: str) -> str:
        """The file's current text (after earlier fixers' edits); :class:`FixError`
        when it cannot be read or is not UTF-8."""
        return self.workspace.read(path)

    def exists(self, path: str) -> bool:
        return self.workspace.exists(path)

    def line(self, path: str, line: int) -> int | None:
        """Where line ``line`` of the audited file is now; ``None`` if it was edited."""
        return self.workspace.line(path, line)


class Fixer(ABC):
    """A safe, automatic fix. The class docstring's first line is its description."""

    #: Stable name, shown in the summary (``markers``, ``tar-extract``, ...).
    name: ClassVar[str]
    title: ClassVar[str]
    #: The plan priority it belongs to: it runs when fixing at this priority or a
    #: later one (``ruff-black`` rewrites whole files, so never during P0).
    priority: ClassVar[Priority]
    #: What it takes, declared once: gate name → the rule IDs it resolves in that
    #: gate's findings (an ID ending in ``*`` is a prefix: ``"*"`` takes every
    #: rule). :func:`readiness.fixers.routing.route` reads it.
    takes: ClassVar[Mapping[str, frozenset[str]]]

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or cls.title).strip().splitlines()[0]

    @classmethod
    def accepts(
        cls,
        gate: str,  # noqa: ARG003 - a fixer taking several gates may need it
        finding: Finding,  # noqa: ARG003 - the evidence a fixer may check
    ) -> bool:
        """A further condition on a finding :attr:`takes` matched, where the
        evidence is in the finding itself (ruff said it can fix it safely, ...)."""
        return True

    @abstractmethod
    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        """The edits that resolve ``findings`` (each one routed to this fixer)."""


__all__ = [
    "Changed",
    "Failed",
    "FileEdit",
    "FixContext",
    "FixError",
    "Fixer",
    "Left",
    "Outcome",
    "Skipped",
    "by_path",
    "outcome",
    "require_insertion",
]
