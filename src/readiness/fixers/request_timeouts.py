"""``request-timeouts``: give the ``requests``/``httpx`` calls bandit flags (B113)
a ``timeout=``.

A call without a timeout can hang forever on a dead peer. The value comes from
``[tool.readiness.fix] timeout`` (seconds, default 30). Calls are recognised by
their qualified name (``import requests as r``, ``from requests import get``
included), on the line bandit reported.

Left for a human, with the reason: ``timeout=None`` (an explicit choice, such
as a long poll; bandit flags it, and a reviewer should either bound it or
justify it with ``# nosec B113 - why``) and calls passing ``**kwargs``, which
may carry a timeout already (a second one would be a ``TypeError``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from readiness.findings import Finding, Priority
from readiness.fixers.interface import (
    FileEdit,
    FixContext,
    Fixer,
    FixError,
    Left,
    Outcome,
    by_path,
    outcome,
    require_insertion,
)
from readiness.fixers.python import keep_black_clean

DEFAULT_TIMEOUT_S = 30.0


class RequestTimeoutsFixer(Fixer):
    """Adds timeout= to requests/httpx calls that have none."""

    name = "request-timeouts"
    title = "add timeouts to HTTP calls"
    priority = Priority.P0
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"sast": frozenset({"B113"})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        from readiness.fixers.edits.timeouts import add_timeouts  # noqa: PLC0415

        value = timeout_text(ctx.options.number("timeout", DEFAULT_TIMEOUT_S))
        edits: list[FileEdit] = []
        addressed: list[Finding] = []
        left: list[Left] = []
        for path, group in by_path(findings).items():
            try:
                before = ctx.read(path)
                lines = [(f, ctx.line(path, f.line or 0)) for f in group]
                text, fixed, refused = add_timeouts(
                    path, before, {line for _, line in lines if line}, value
                )
            except FixError as error:
                left.extend(Left(finding=f, reason=str(error)) for f in group)
                continue
            require_insertion(path, before, text)
            for finding, line in lines:
                if line in fixed:
                    addressed.append(finding)
                else:
                    reason = refused.get(
                        line or 0, "no requests/httpx call on the line"
                    )
                    left.append(Left(finding=finding, reason=reason))
            after = keep_black_clean(ctx, path, before, text)
            edits.append(FileEdit(path=path, before=before, after=after))
        return outcome(edits, addressed, left)


def timeout_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))
