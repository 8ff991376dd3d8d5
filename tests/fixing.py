"""Helpers for the fixer tests: ``assert_fix(before, after)`` and a fixer harness.

``assert_fix`` is LibCST's ``assertCodemod`` for readiness: the texts are
dedented, the transform must turn ``before`` into ``after`` exactly, and, for
the insertion-only fixers, ``after`` must be ``before`` plus insertions (so
removing the edit gives the input back byte for byte). It also checks that
the transform is idempotent: a second pass changes nothing.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from readiness.findings import Finding, Priority, Severity
from readiness.fixers.interface import FixContext, Fixer, Outcome
from readiness.fixers.text import insertions
from readiness.fixers.workspace import Workspace
from readiness.session import Session


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def assert_fix(
    transform: Callable[[str], str],
    before: str,
    after: str,
    *,
    insert_only: bool = True,
    idempotent: bool = True,
) -> None:
    source, expected = dedent(before), dedent(after)
    got = transform(source)
    assert got == expected, f"--- got ---\n{got}\n--- expected ---\n{expected}"
    if insert_only:
        assert insertions(source, got) is not None, "the fix removed text"
    if idempotent:
        assert transform(got) == got, "a second pass changed the text"


def without_insertions(before: str, after: str) -> str:
    """``after`` with the inserted pieces taken out again."""
    pieces = insertions(before, after)
    assert pieces is not None, "the fix removed or replaced text"
    rebuilt, cursor = [], 0
    for offset, _text in pieces:
        rebuilt.append(before[cursor:offset])
        cursor = offset
    rebuilt.append(before[cursor:])
    return "".join(rebuilt)


def finding(
    rule: str,
    path: str | None,
    line: int | None,
    *,
    message: str = "",
    details: dict[str, str | int | float | bool] | None = None,
    priority: Priority = Priority.P0,
    tool_fix: bool = True,
) -> Finding:
    return Finding(
        rule=rule,
        severity=Severity.MEDIUM,
        priority=priority,
        message=message or f"{rule} at {path}:{line}",
        path=path,
        line=line,
        tool_fix=tool_fix,
        details=details or {},
    )


def context(root: Path, *, dry_run: bool = True) -> FixContext:
    """A fix context on the repository at ``root``, as the engine builds it."""
    session = Session.open(root)
    scratch = root.parent / ".fix-scratch"
    scratch.mkdir(exist_ok=True)
    return FixContext(
        target=session.target,
        settings=session.settings,
        workspace=Workspace(session.target.root, dry_run=dry_run),
        scratch=scratch,
        deadline=time.monotonic() + 300,
    )


def plan(
    fixer: Fixer, root: Path, findings: Sequence[Finding]
) -> tuple[Outcome, FixContext]:
    ctx = context(root)
    return fixer.plan(ctx, findings), ctx


def workspace(ctx: FixContext) -> Workspace:
    """The engine's workspace behind a context :func:`context` made."""
    assert isinstance(ctx.workspace, Workspace)
    return ctx.workspace
