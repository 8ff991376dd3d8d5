"""Code a person would type, as the documentation shows it.

Markdown (fenced and indented code blocks, inline code), reStructuredText
(literal blocks, code directives, inline literals) and notebooks (markdown
cells, code cells' ``!`` shell lines, ``%%bash`` cells) read into
:class:`Snippet` lines, prompts removed and ``\\`` continuations joined. The
docs gate looks for invocations of the target's command line in them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from readiness.repofiles import walk

#: Documentation files above this size are not read, and are reported as
#: skipped: a guide is kilobytes, and 50 MB of Markdown took minutes to scan.
MAX_BYTES = 2_000_000
DOC_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".ipynb"})
_PROMPT = re.compile(r"^\s*(?:\([\w.-]+\)\s*)?[$%]\s+")
_INLINE_MD = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_INLINE_RST = re.compile(r"``(.+?)``")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_RST_CODE = re.compile(r"^\s*\.\.\s+(?:code-block|code|sourcecode|prompt)::")
_RST_DIRECTIVE = re.compile(r"^\s*\.\.\s+[\w:-]+::")
_NOTEBOOK_SHELL = re.compile(r"^\s*%%(?:bash|sh|script\s+(?:ba)?sh)\b")


@dataclass(frozen=True, kw_only=True)
class Snippet:
    """Text that may hold a command: a logical line of a code block, or inline code."""

    line: int
    text: str


def doc_files(root: Path, skip: Sequence[str] = ()) -> list[str]:
    """Markdown, reST and notebook files, and README files of any suffix."""
    return [
        rel
        for rel in walk(root, skip)
        if PurePosixPath(rel).suffix.lower() in DOC_SUFFIXES
        or PurePosixPath(rel).name.upper().startswith("README")
    ]


def too_large(
    root: Path, files: Sequence[str], max_bytes: int = MAX_BYTES
) -> dict[str, str]:
    """Those of ``files`` above ``max_bytes``, each with why it is skipped."""
    large: dict[str, str] = {}
    for rel in files:
        try:
            size = (root / rel).stat().st_size
        except OSError:
            continue
        if size > max_bytes:
            large[rel] = f"{size:,} bytes > {max_bytes:,}"
    return large


def read_snippets(path: Path) -> list[Snippet]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return notebook_snippets(text)
    if suffix == ".rst":
        return rst_snippets(text)
    return markdown_snippets(text)


def logical_lines(lines: Sequence[tuple[int, str]]) -> Iterator[Snippet]:
    """Code lines with their prompt removed and ``\\`` continuations joined."""
    pending: list[str] = []
    start = 0
    for number, raw in lines:
        text = _PROMPT.sub("", raw) if not pending else raw
        if not pending:
            start = number
        if text.rstrip().endswith("\\"):
            pending.append(text.rstrip()[:-1])
            continue
        pending.append(text)
        yield Snippet(line=start, text=" ".join(part.strip() for part in pending))
        pending = []
    if pending:
        yield Snippet(line=start, text=" ".join(part.strip() for part in pending))


def inline(number: int, line: str, pattern: re.Pattern[str]) -> Iterator[Snippet]:
    for match in pattern.finditer(line):
        yield Snippet(line=number, text=match.group(match.lastindex or 1).strip())


def markdown_snippets(text: str, first: int = 1) -> list[Snippet]:
    """Fenced and indented code blocks (each logical line), and inline code."""
    found: list[Snippet] = []
    block: list[tuple[int, str]] = []
    fence: str | None = None
    blank_before = True
    in_list = False
    indented: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=first):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                found.extend(logical_lines(block))
                fence, block = None, []
            else:
                block.append((number, line))
            continue
        opening = _FENCE.match(line)
        if opening:
            found.extend(logical_lines(indented))
            indented = []
            fence = opening.group("fence")
            continue
        is_code = line.startswith(("    ", "\t")) and bool(line.strip())
        if is_code and (indented or (blank_before and not in_list)):
            indented.append((number, line))
            continue
        found.extend(logical_lines(indented))
        indented = []
        if line.strip():
            if not line.startswith(" "):
                in_list = bool(_LIST_ITEM.match(line))
            found.extend(inline(number, line, _INLINE_MD))
        blank_before = not line.strip()
    found.extend(logical_lines(block))
    found.extend(logical_lines(indented))
    return found


def rst_snippets(text: str) -> list[Snippet]:
    """Literal blocks (``::`` and code directives) and ````inline```` literals."""
    found: list[Snippet] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        number = index + 1
        literal = _RST_CODE.match(line) or (
            line.rstrip().endswith("::") and not _RST_DIRECTIVE.match(line)
        )
        found.extend(inline(number, line, _INLINE_RST))
        index += 1
        if not literal:
            continue
        base = len(line) - len(line.lstrip())
        block: list[tuple[int, str]] = []
        while index < len(lines):
            candidate = lines[index]
            if candidate.strip() and len(candidate) - len(candidate.lstrip()) <= base:
                break
            if candidate.strip() and not re.match(r"^\s*:[\w-]+:", candidate):
                block.append((index + 1, candidate))
            index += 1
        found.extend(logical_lines(block))
    return found


def notebook_snippets(raw: str) -> list[Snippet]:
    """Markdown cells as Markdown; code cells' ``!`` lines and shell cells.

    Lines are those of the ``.ipynb`` file where nbformat's usual layout
    (one source line per JSON line) allows finding them, else the cell's start.
    """
    try:
        notebook = json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON, huge ints, deep nesting
        return []
    cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
    raw_lines = raw.splitlines()
    cursor = 0
    found: list[Snippet] = []
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        text = "".join(map(str, source)) if isinstance(source, list) else str(source)
        lines = text.splitlines()
        numbers = []
        for line in lines:
            encoded = '"' + json.dumps(line)[1:-1] if line.strip() else None
            position = next(
                (
                    i
                    for i in range(cursor, len(raw_lines))
                    if encoded and encoded in raw_lines[i]
                ),
                None,
            )
            if position is not None:
                cursor = position + 1
            numbers.append(position + 1 if position is not None else cursor or 1)
        if cell.get("cell_type") == "markdown":
            found.extend(
                replace(snippet, line=numbers[snippet.line - 1])
                for snippet in markdown_snippets(text)
            )
        elif cell.get("cell_type") == "code":
            shell = bool(lines) and _NOTEBOOK_SHELL.match(lines[0]) is not None
            picked = [
                (numbers[i], line if shell else line.lstrip()[1:])
                for i, line in enumerate(lines)
                if (shell and i > 0) or (not shell and line.lstrip().startswith("!"))
            ]
            found.extend(logical_lines(picked))
    return found
