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

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

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
from readiness.fixers.python import (
    append_keyword,
    has_double_star,
    keep_black_clean,
    keyword_names,
    parse,
)

DEFAULT_TIMEOUT_S = 30.0
LIBRARIES = frozenset({"requests", "httpx"})
#: bandit's B113 names: the HTTP verbs, plus httpx's request helpers and clients.
CALLS = frozenset(
    {"get", "options", "head", "post", "put", "patch", "delete"}
    | {"request", "stream", "Client", "AsyncClient"}
)


class RequestTimeoutsFixer(Fixer):
    """Adds timeout= to requests/httpx calls that have none."""

    name = "request-timeouts"
    title = "add timeouts to HTTP calls"
    priority = Priority.P0
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"sast": frozenset({"B113"})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
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


def add_timeouts(
    path: str, text: str, lines: set[int], value: str
) -> tuple[str, set[int], dict[int, str]]:
    """``text`` with ``timeout=value`` on the calls starting on ``lines``."""
    wrapper = MetadataWrapper(parse(path, text), unsafe_skip_copy=True)
    transformer = _AddTimeout(lines, value)
    changed = wrapper.visit(transformer)
    return changed.code, transformer.fixed, transformer.refused


class _AddTimeout(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self, lines: set[int], value: str) -> None:
        super().__init__()
        self.lines = lines
        self.value = value
        self.fixed: set[int] = set()
        self.refused: dict[int, str] = {}

    def leave_Call(  # noqa: N802 - libcst's visitor method name
        self, original: cst.Call, updated: cst.Call
    ) -> cst.BaseExpression:
        line = self.get_metadata(PositionProvider, original).start.line
        if line not in self.lines or not self.is_http_call(original):
            return updated
        if "timeout" in keyword_names(updated):
            self.refused[line] = (
                "timeout= is already given (timeout=None?): bound it, or justify it"
                " with `# nosec B113 - why`"
            )
            return updated
        if has_double_star(updated):
            self.refused[line] = (
                "the call passes **kwargs, which may hold a timeout already;"
                " add it by hand"
            )
            return updated
        self.fixed.add(line)
        return append_keyword(updated, "timeout", self.value)

    def is_http_call(self, call: cst.Call) -> bool:
        names = self.get_metadata(QualifiedNameProvider, call.func, set())
        for qualified in names:
            parts = qualified.name.split(".")
            if parts[0] in LIBRARIES and parts[-1] in CALLS:
                return True
        return False
