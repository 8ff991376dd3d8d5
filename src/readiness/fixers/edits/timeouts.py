"""``timeout=`` added to the ``requests``/``httpx`` calls on given lines
(:mod:`readiness.fixers.request_timeouts`)."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from readiness.fixers.edits.syntax import (
    append_keyword,
    has_double_star,
    keyword_names,
    parse,
)

LIBRARIES = frozenset({"requests", "httpx"})
#: bandit's B113 names: the HTTP verbs, plus httpx's request helpers and clients.
CALLS = frozenset(
    {"get", "options", "head", "post", "put", "patch", "delete"}
    | {"request", "stream", "Client", "AsyncClient"}
)


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
