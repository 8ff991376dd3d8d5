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

Fixers still to come slot in the same way: a typing-scope fixer declares the
typing gate's rules and edits ``pyproject.toml`` with tomlkit; a locks fixer
declares the deps gate's lock rules and returns :class:`FileEdit` objects with
``before=None`` for the files it creates.
"""

from __future__ import annotations

import difflib
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from readiness import command
from readiness.errors import ReadinessError
from readiness.findings import Finding, Priority
from readiness.settings import GateOptions, Settings
from readiness.target import Target

if TYPE_CHECKING:
    from readiness.fixers.workspace import Workspace


class FixError(ReadinessError):
    """A fixer cannot go on; the message says why (it becomes :class:`Failed`)."""


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


def insertions(before: str, after: str) -> list[tuple[int, str]] | None:
    """``(offset in before, inserted text)`` pairs if ``after`` only adds text.

    ``None`` when ``after`` deletes or replaces anything: removing the inserted
    pieces from ``after`` then gives back ``before`` byte for byte. Lines are
    compared first and characters only inside the lines that differ, which
    keeps this fast on large files and the pieces readable; where that
    alignment misses, a leftmost subsequence match decides.
    """
    aligned = _aligned_insertions(before, after)
    return aligned if aligned is not None else _subsequence(before, after)


def _subsequence(before: str, after: str) -> list[tuple[int, str]] | None:
    """The insertions of the leftmost embedding of ``before`` in ``after``."""
    found: list[tuple[int, str]] = []
    index, start = 0, 0
    for position, char in enumerate(after):
        if index < len(before) and char == before[index]:
            if position > start:
                found.append((index, after[start:position]))
            index += 1
            start = position + 1
    if index < len(before):
        return None
    if start < len(after):
        found.append((index, after[start:]))
    return found


def _aligned_insertions(before: str, after: str) -> list[tuple[int, str]] | None:
    old, new = _lines(before), _lines(after)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    found: list[tuple[int, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "delete":
            return None
        if tag == "insert":
            found.append((starts[i1], "".join(new[j1:j2])))
            continue
        inner = _char_insertions("".join(old[i1:i2]), "".join(new[j1:j2]))
        if inner is None:
            return None
        found.extend((starts[i1] + offset, text) for offset, text in inner)
    return found


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _char_insertions(before: str, after: str) -> list[tuple[int, str]] | None:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    found = []
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            return None
        found.append((i1, after[j1:j2]))
    return found


def require_insertion(path: str, before: str, after: str) -> None:
    """Raise :class:`FixError` unless ``after`` is ``before`` plus insertions."""
    if insertions(before, after) is None:
        raise FixError(
            f"{path}: the edit would change existing text, not only add to it;"
            " nothing written (please report this)"
        )


class FixContext:
    """What a fixer gets: the target, the ``[tool.readiness.fix]`` options,
    file access through the engine's workspace, a scratch folder and a deadline.
    """

    def __init__(
        self,
        *,
        target: Target,
        settings: Settings,
        workspace: Workspace,
        scratch: Path,
        deadline: float,
    ) -> None:
        self.target = target
        self.settings = settings
        self.workspace = workspace
        self.scratch = scratch
        self.deadline = deadline

    @property
    def options(self) -> GateOptions:
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

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def run(
        self,
        args: Sequence[str],
        *,
        input_text: str | None = None,
        ok_codes: Iterable[int] = (0,),
        env: Mapping[str, str] | None = None,
    ) -> command.Completed:
        """Run a tool in the target's root (see :func:`readiness.command.run`)."""
        return command.run(
            args,
            cwd=self.target.root,
            timeout_s=self.remaining(),
            ok_codes=ok_codes,
            env=env,
            input_text=input_text,
        )


class Fixer(ABC):
    """A safe, automatic fix. The class docstring's first line is its description."""

    #: Stable name, shown in the summary (``markers``, ``tar-extract``, ...).
    name: ClassVar[str]
    title: ClassVar[str]
    #: The plan priority it belongs to: it runs when fixing at this priority or a
    #: later one (``ruff-black`` rewrites whole files, so never during P0).
    priority: ClassVar[Priority]
    #: The finding rules it resolves.
    rules: ClassVar[frozenset[str]]

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or cls.title).strip().splitlines()[0]

    def resolves(
        self,
        gate: str,  # noqa: ARG002 - subclasses that read several gates need it
        finding: Finding,
    ) -> bool:
        """Whether this fixer takes ``finding`` (reported by ``gate``)."""
        return finding.rule in self.rules

    @abstractmethod
    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        """The edits that resolve ``findings`` (each one :meth:`resolves` took)."""
