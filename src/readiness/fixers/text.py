"""Text algorithms the fixers share: insertion checks, line maps, git diffs.

Pure functions of strings: no files, no fixer types. The workspace uses them to
map lines and show diffs; the insertion-only fixers use :func:`insertions` to
prove they never lose a character.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_BARE_LF = re.compile(r"(?<!\r)\n")
#: The mode git shows for a file the fixers create (before the umask).
NEW_FILE_MODE = 0o644


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


def keep_line_endings(before: str, after: str) -> str:
    """CRLF files stay CRLF: bare LFs in ``after`` become CRLF."""
    if "\r\n" in before and _BARE_LF.search(before) is None:
        return _BARE_LF.sub("\r\n", after)
    return after


def lines_of(text: str | None) -> list[str]:
    """Lines split on LF only (a CR stays part of its line), ends kept."""
    return _LINE.findall(text) if text else []


def line_map(original: str, current: str) -> list[int | None]:
    """For each original line (0-based index), its 1-based line now, or None."""
    old, new = lines_of(original), lines_of(current)
    mapping: list[int | None] = [None] * len(old)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                mapping[i1 + offset] = j1 + offset + 1
    return mapping


def unified_diff(
    rel: str, before: str | None, after: str | None, *, context: int = 3
) -> str:
    """One file's change in git's format, with ``\\ No newline at end of file``."""
    old, new = lines_of(before), lines_of(after)
    header = [f"diff --git a/{rel} b/{rel}\n"]
    if before is None:
        header += [f"new file mode 100{NEW_FILE_MODE:o}\n", "--- /dev/null\n"]
    else:
        header.append(f"--- a/{rel}\n")
    header.append(f"+++ b/{rel}\n")
    hunks: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        hunks.append(
            f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunks.extend(_diff_lines(" ", old[i1:i2]))
                continue
            hunks.extend(_diff_lines("-", old[i1:i2]))
            hunks.extend(_diff_lines("+", new[j1:j2]))
    return "".join(header + hunks) if hunks else ""


def _range(start: int, stop: int) -> str:
    """difflib's unified range: ``start,length`` (1-based; 0-based when empty)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _diff_lines(prefix: str, lines: Iterable[str]) -> list[str]:
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(prefix + line)
        else:
            out.append(f"{prefix}{line}\n\\ No newline at end of file\n")
    return out
