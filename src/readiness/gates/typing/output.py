"""mypy's output read into :class:`MypyError`: ``-O json`` (mypy >= 1.11), else text."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass

from readiness.gates.interface import GateError
from readiness.mypy_config import ModuleNames
from readiness.target import Target

_LINE_NUMBER = re.compile(r"\bline \d+\b")
_TEXT_LINE = re.compile(
    r"^(?P<file>[^:\n]+?):(?P<line>\d{1,9})(?::(?P<column>\d{1,9}))?: "
    r"(?P<severity>error|note): (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


# --- running mypy ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MypyError:
    path: str
    line: int | None
    column: int | None
    code: str
    message: str
    hint: str
    module: str

    @property
    def key(self) -> str:
        """The baseline key: code and message (line numbers in the message masked)."""
        return f"{self.code}: {_LINE_NUMBER.sub('line N', self.message)}"

    @property
    def location(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


def _error(
    target: Target,
    modules: ModuleNames,
    *,
    file: str,
    line: int | None,
    column: int | None,
    code: str | None,
    message: str,
    hint: str,
) -> MypyError:
    path = target.rel(file) if file else "<unknown>"
    return MypyError(
        path=path,
        line=line,
        column=column,
        code=code or "mypy",
        message=message.strip(),
        hint=hint.strip(),
        module=modules(path) if file else "<unknown>",
    )


def read_json(target: Target, stdout: str) -> list[MypyError]:
    """``-O json``: one object per line; other lines (config notes) are skipped."""
    found = []
    modules = ModuleNames(target.root)  # a file has many errors
    for raw in stdout.splitlines():
        if not raw.startswith(("{", "[")):
            continue
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):  # bad JSON, huge ints, deep nesting
            raise GateError(
                f"mypy printed a line that is not JSON: {raw[:80]!r}"
            ) from None
        if not (
            isinstance(item, dict)
            and isinstance(item.get("severity"), str)
            and isinstance(item.get("message"), str)
        ):
            raise GateError(f"mypy printed JSON that is not a message: {raw[:80]!r}")
        if item["severity"] != "error":
            continue
        line, column = item.get("line"), item.get("column")
        found.append(
            _error(
                target,
                modules,
                file=str(item.get("file") or ""),
                line=line if isinstance(line, int) and line > 0 else None,
                column=column + 1 if isinstance(column, int) else None,
                code=item.get("code") if isinstance(item.get("code"), str) else None,
                message=str(item.get("message", "")),
                hint=str(item.get("hint") or ""),
            )
        )
    return found


def read_text(target: Target, stdout: str) -> list[MypyError]:
    """mypy < 1.11: ``file:line:col: error: message  [code]``; notes become hints."""
    found: list[MypyError] = []
    notes: dict[int, list[str]] = {}
    modules = ModuleNames(target.root)
    for raw in stdout.splitlines():
        match = _TEXT_LINE.match(raw.rstrip())
        if match is None:
            continue
        if match["severity"] == "note":
            if found and found[-1].path == target.rel(match["file"]):
                notes.setdefault(len(found) - 1, []).append(match["message"])
            continue
        found.append(
            _error(
                target,
                modules,
                file=match["file"],
                line=int(match["line"]),
                column=int(match["column"]) if match["column"] else None,
                code=match["code"],
                message=match["message"],
                hint="",
            )
        )
    return [
        dataclasses.replace(error, hint="\n".join(notes.get(index, ())))
        for index, error in enumerate(found)
    ]
