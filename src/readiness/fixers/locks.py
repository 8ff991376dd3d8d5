"""``locks``: write the split lock files the deps gate found missing (DP002).

The texts come from :func:`readiness.locks.render`, the same uv commands and
header ``readiness lock`` writes, and go through the workspace as new files
(``before=None``): a dry run shows them as a diff and writes nothing, a real
run writes them atomically. Only the missing locks are created; a committed
lock is never regenerated here (``readiness lock .`` does that). Once the
three exist, DP002 is gone and a second run has nothing to do.

When ``constraints/`` is missing the workspace creates it as it writes the
first lock, so a dry run's diff is exactly what the real run writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from readiness import command
from readiness.errors import ReadinessError
from readiness.findings import Finding, Priority
from readiness.fixers.interface import (
    FileEdit,
    FixContext,
    Fixer,
    Left,
    Outcome,
    Skipped,
    outcome,
)
from readiness.gates.deps.rules import NO_LOCK
from readiness.locks import CONSTRAINTS, LOCK_NAMES, Runner, render


class LocksFixer(Fixer):
    """Writes the missing split locks (constraints/{prod,test,dev}.txt) with uv."""

    name = "locks"
    title = "write the split lock files"
    priority = Priority.P1
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"deps": frozenset({NO_LOCK.id})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        paths = {name: f"{CONSTRAINTS}/{name}.txt" for name in LOCK_NAMES}
        missing = [name for name, path in paths.items() if not ctx.exists(path)]
        if not missing:
            return Skipped(reason="the split locks exist already: nothing to write")
        notes: list[str] = []
        try:
            texts = render(
                ctx.target,
                run=runner(ctx),
                work=ctx.scratch / "uv",
                only=missing,
            )
        except ReadinessError as error:
            return Skipped(
                reason=f"uv could not produce the locks: {error}",
                left=left_all(findings, str(error)),
            )
        edits = [
            FileEdit(path=paths[name], before=None, after=texts[name])
            for name in missing
        ]
        notes.append(
            "generated with uv (`readiness lock .` regenerates them); commit"
            f" {CONSTRAINTS}/"
        )
        return outcome(edits, findings, (), notes=notes)


def left_all(findings: Iterable[Finding], reason: str) -> tuple[Left, ...]:
    return tuple(Left(finding=finding, reason=reason) for finding in findings)


def runner(ctx: FixContext) -> Runner:
    """:class:`readiness.locks.Runner` in the target's root, within the deadline."""

    def run(
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = (0,),
        cwd: Path | None = None,
    ) -> command.Completed:
        return command.run(
            args,
            cwd=cwd or ctx.target.root,
            timeout_s=ctx.remaining(),
            ok_codes=ok_codes,
        )

    return run
