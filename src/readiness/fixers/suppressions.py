"""``suppression-codes``: make ``# nosec`` and ``# noqa`` say what they silence.

* ``# nosec`` without a test ID (SA001) gets the IDs bandit reports for that
  line when it ignores the comment (``bandit --ignore-nosec``, on the file's
  current text, with the target's bandit configuration). The comment still
  needs a written reason (SA002), which only a person can give: the summary
  says so.
* a blanket ``# noqa`` (PGH004) gets the codes ruff reports for that line when
  it ignores noqa comments (``ruff check --ignore-noqa``, the target's ruff
  configuration), read from each diagnostic's ``noqa_row``.
* an invalid ``# noqa`` (LN001) is rewritten in ruff's syntax: rule names
  become codes (``unused-import`` is ``F401``, from ``ruff rule --all``) and
  stray commas go.

When nothing can be known (bandit or ruff reports nothing on the line, a word
that is neither a code nor a rule name), the finding is left with the reason.
Only the comment changes; for nosec and blanket noqa the edit is an insertion.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from readiness import pysource
from readiness.findings import Finding, Priority
from readiness.fixers import tools
from readiness.fixers.interface import (
    FileEdit,
    FixContext,
    Fixer,
    FixError,
    Left,
    Outcome,
    by_path,
    outcome,
)
from readiness.fixers.text import lines_of
from readiness.gates.lint import BLANKET_NOQA, INVALID_NOQA
from readiness.gates.sast import NOSEC_WITHOUT_ID

NOSEC = re.compile(r"#\s*nosec:?")
BLANKET = re.compile(r"#\s*noqa(?!\s*:)", re.IGNORECASE)
DIRECTIVE = re.compile(r"#\s*noqa\s*:\s*", re.IGNORECASE)
FILE_LEVEL = re.compile(r"#\s*(?:ruff|flake8)\s*:\s*noqa", re.IGNORECASE)
CODE = re.compile(r"[A-Z]+[0-9]+")
WORD = re.compile(r"[^\s,]+")
#: Codes never worth naming: the noqa checks themselves.
NOT_SILENCED = frozenset({BLANKET_NOQA, "RUF100"})
_SEPARATOR = tuple("-:;,#\u2013\u2014")


class SuppressionCodesFixer(Fixer):
    """Names the checks that blanket or invalid nosec/noqa comments silence."""

    name = "suppression-codes"
    title = "name what nosec/noqa comments silence"
    # P1: naming the codes only narrows a suppression; a person must still write
    # why it is safe, so it is no P0 hotfix and stays out of the P0 diff.
    priority = Priority.P1
    takes: ClassVar[Mapping[str, frozenset[str]]] = {
        "sast": frozenset({NOSEC_WITHOUT_ID.id}),
        "lint": frozenset({BLANKET_NOQA, INVALID_NOQA.id}),
    }

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        tools = Tools(ctx)
        edits: list[FileEdit] = []
        addressed: list[Finding] = []
        left: list[Left] = []
        notes: list[str] = []
        for path, group in by_path(findings).items():
            try:
                before = ctx.read(path)
                comments = comments_by_line(before)
            except FixError as error:
                left.extend(Left(finding=f, reason=str(error)) for f in group)
                continue
            replacements: dict[int, str] = {}
            for finding in group:
                line = ctx.line(path, finding.line or 0)
                found = comments.get(line or 0)
                if line is None or found is None:
                    left.append(Left(finding=finding, reason="no comment on the line"))
                    continue
                try:
                    new = rewrite(
                        tools,
                        path=path,
                        text=before,
                        line=line,
                        comment=found[1],
                        rule=finding.rule,
                    )
                except FixError as error:
                    left.append(Left(finding=finding, reason=str(error)))
                    continue
                replacements[line] = new
                comments[line] = (found[0], new)
                addressed.append(finding)
                if finding.rule == NOSEC_WITHOUT_ID.id:
                    notes.append(
                        f"{path}:{line}: `{new.strip()}` still needs a written reason"
                        " (SA002): say why the code is safe"
                    )
            after = apply(before, comments, replacements)
            check_parses(path, before, after)
            edits.append(FileEdit(path=path, before=before, after=after))
        return outcome(edits, addressed, left, notes=notes)


def comments_by_line(text: str) -> dict[int, tuple[int, str]]:
    """``line -> (column, comment)`` of each comment, as Python tokenizes it."""
    found: dict[int, tuple[int, str]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = (token.start[1], token.string)
    except (tokenize.TokenError, SyntaxError) as error:
        raise FixError(f"cannot read the comments ({error})") from None
    return found


def rewrite(
    tools: Tools, *, path: str, text: str, line: int, comment: str, rule: str
) -> str:
    """The comment with the codes it needs; :class:`FixError` says why not."""
    if rule == NOSEC_WITHOUT_ID.id:
        return name_nosec(comment, tools.bandit_ids(text).get(line, set()))
    if rule == BLANKET_NOQA:
        return name_noqa(comment, tools.ruff_codes(path, text).get(line, set()))
    return fix_noqa_syntax(comment, tools.rule_names())


def name_nosec(comment: str, ids: set[str]) -> str:
    match = NOSEC.search(comment)
    if match is None:
        raise FixError("no `# nosec` in the comment")
    if not ids:
        raise FixError(
            "bandit reports nothing on this line even with --ignore-nosec: remove"
            " the comment, or name the check it is meant for"
        )
    rest = comment[match.end() :]
    text = ", ".join(sorted(ids, key=_id_order))
    reason = rest.strip() and not rest.lstrip().startswith(_SEPARATOR)
    insertion = f" {text} -" if reason else f" {text}"
    return comment[: match.end()] + insertion + rest


def _id_order(test: str) -> tuple[int, str]:
    digits = test[1:]
    return (int(digits) if digits.isdigit() else 0, test)


def name_noqa(comment: str, codes: set[str]) -> str:
    match = BLANKET.search(comment)
    if match is None:
        raise FixError("no blanket `# noqa` in the comment")
    if not codes:
        raise FixError(
            "ruff reports nothing on this line with the target's rules: remove"
            " the comment, or name the tool and codes it is for"
        )
    return (
        comment[: match.end()]
        + ": "
        + ", ".join(sorted(codes))
        + comment[match.end() :]
    )


def fix_noqa_syntax(comment: str, names: Mapping[str, str]) -> str:
    """``# noqa: unused-import`` -> ``# noqa: F401``; ``E501,,`` -> ``E501``."""
    if FILE_LEVEL.search(comment):
        raise FixError("a file-level noqa directive: fix it by hand")
    match = DIRECTIVE.search(comment)
    if match is None:
        raise FixError("no `# noqa:` directive in the comment")
    head, hash_, tail = comment[match.end() :].partition("#")
    codes: list[str] = []
    end = 0
    unknown = ""
    for word in WORD.finditer(head):
        code = word.group() if CODE.fullmatch(word.group()) else names.get(word.group())
        if code is None:
            unknown = word.group()
            break
        if code not in codes:
            codes.append(code)
        end = word.end()
    if not codes:
        shown = unknown or head.strip() or "(nothing)"
        raise FixError(f"cannot tell which rules `{shown}` means: name the codes")
    while end < len(head) and head[end] == ",":
        end += 1
    rest = head[end:] + hash_ + tail
    return comment[: match.end()] + ", ".join(codes) + rest


def apply(
    text: str, comments: Mapping[int, tuple[int, str]], new: Mapping[int, str]
) -> str:
    rows = lines_of(text)
    for line, comment in new.items():
        column = comments[line][0]
        row = rows[line - 1]
        old = row[column:].rstrip("\r\n")
        ending = row[column + len(old) :]
        rows[line - 1] = row[:column] + comment + ending
    return "".join(rows)


def check_parses(path: str, before: str, after: str) -> None:
    try:
        pysource.parse(before)
    except SyntaxError:
        return
    try:
        pysource.parse(after)
    except SyntaxError:
        raise FixError(
            f"{path}: the edited comments would not parse; not edited"
        ) from None


class Tools:
    """bandit, ruff and ruff's rule list, each run once per text (or once)."""

    def __init__(self, ctx: FixContext) -> None:
        self.ctx = ctx
        self._bandit: dict[str, dict[int, set[str]]] = {}
        self._ruff: dict[tuple[str, str], dict[int, set[str]]] = {}
        self._names: dict[str, str] | None = None

    def bandit_ids(self, text: str) -> dict[int, set[str]]:
        """``line -> test IDs`` bandit reports there with ``--ignore-nosec``."""
        if text not in self._bandit:
            results = tools.bandit_results(self.ctx, text, ignore_nosec=True)
            self._bandit[text] = bandit_lines(results)
        return self._bandit[text]

    def ruff_codes(self, path: str, text: str) -> dict[int, set[str]]:
        """``line -> codes`` ruff reports there with ``--ignore-noqa``."""
        key = (path, text)
        if key not in self._ruff:
            found = tools.ruff_diagnostics(self.ctx, path, text, ignore_noqa=True)
            self._ruff[key] = ruff_lines(found)
        return self._ruff[key]

    def rule_names(self) -> dict[str, str]:
        if self._names is None:
            self._names = tools.rule_names(self.ctx)
        return self._names


def bandit_lines(results: Iterable[Mapping[str, Any]]) -> dict[int, set[str]]:
    """Each result under its line and every line of its range (as bandit's
    nosec lookup does)."""
    found: dict[int, set[str]] = {}
    for item in results:
        test = item.get("test_id")
        lines = {item.get("line_number"), *item.get("line_range", [])}
        for line in lines:
            if isinstance(line, int) and isinstance(test, str):
                found.setdefault(line, set()).add(test)
    return found


def ruff_lines(diagnostics: Iterable[Mapping[str, Any]]) -> dict[int, set[str]]:
    """Codes by the line their ``# noqa`` goes on (ruff's ``noqa_row``)."""
    found: dict[int, set[str]] = {}
    for item in diagnostics:
        code, row = item.get("code"), item.get("noqa_row")
        if isinstance(code, str) and isinstance(row, int) and code not in NOT_SILENCED:
            found.setdefault(row, set()).add(code)
    return found
