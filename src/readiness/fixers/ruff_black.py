"""``ruff-black``: ``ruff check --fix`` then the project's formatter, on flagged files.

The formatter is the one whose finding the file has: ``ruff format`` for FM003,
black for FM001; for a file with lint findings only, the project's own
(``readiness.pins.formatter``). ruff format runs at the version the project
pins (``readiness.toolenv``). Only
the files with a safely fixable ruff diagnostic or a formatter finding are
touched, each through the tools' standard input
(``--stdin-filename``), so the target's configuration, per-file ignores and
exclusions apply exactly as in the lint and format gates, nothing is written
behind the engine's back, and a dry run shows the tools' result as a diff.
ruff applies safe fixes only (``--no-unsafe-fixes``, whatever the target's
configuration says); black's output is checked by black itself (it refuses to
write code whose AST differs).

This fixer belongs to P1: it rewrites whole files, so it never runs during a
P0 fix, whose diff must show only the hotfixes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from readiness import pins, toolenv
from readiness.command import ToolError
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
from readiness.fixers.python import black_format
from readiness.gates.format import RUFF_WOULD_REFORMAT, WOULD_REFORMAT
from readiness.gates.lint import BLANKET_NOQA, INVALID_NOQA, SYNTAX_ERROR, ruff_config

#: ruff's exit code when diagnostics remain after fixing.
REMAINING = 1
NOT_RUFF = frozenset({INVALID_NOQA.id, BLANKET_NOQA, SYNTAX_ERROR.id})


class RuffBlackFixer(Fixer):
    """Applies ruff's safe fixes, then black, to the files the gates flagged."""

    name = "ruff-black"
    title = "ruff --fix and black"
    priority = Priority.P1
    takes: ClassVar[Mapping[str, frozenset[str]]] = {
        "format": frozenset({WOULD_REFORMAT.id, RUFF_WOULD_REFORMAT.id}),
        "lint": frozenset({"*"}),
    }

    @classmethod
    def accepts(cls, gate: str, finding: Finding) -> bool:
        """Lint findings only where ruff itself reported a safe fix."""
        return gate != "lint" or (finding.tool_fix and finding.rule not in NOT_RUFF)

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        edits: list[FileEdit] = []
        addressed: list[Finding] = []
        left: list[Left] = []
        choice = pins.formatter(
            ctx.target.root,
            ctx.target.pyproject,
            dev_requirements=toolenv.dev_requirements(ctx.target),
        )
        for path, group in by_path(findings).items():
            try:
                before = ctx.read(path)
                fixed = ruff_fix(ctx, path, before)
                rules = {finding.rule for finding in group}
                formatter = (
                    "ruff"
                    if RUFF_WOULD_REFORMAT.id in rules
                    else "black" if WOULD_REFORMAT.id in rules else choice.tool
                )
                if formatter == "ruff":
                    after = ruff_format(ctx, path, fixed)
                else:
                    after = black_format(ctx, path, fixed)
                moved = tools.new_findings(ctx, path, fixed, after)
            except (FixError, ToolError) as error:
                left.extend(Left(finding=f, reason=str(error)) for f in group)
                continue
            if before.strip() and not (fixed.strip() and after.strip()):
                raise FixError(f"{path}: a tool returned nothing; nothing written")
            if moved:
                # black would move a pragma off the line it silences: ruff only.
                after = fixed
                reason = (
                    f"{formatter} would move a `# nosec`/`# noqa` comment off the"
                    f" line it silences (new: {', '.join(moved)}); reformat it by hand"
                )
                for finding in group:
                    if finding.rule in (WOULD_REFORMAT.id, RUFF_WOULD_REFORMAT.id):
                        left.append(Left(finding=finding, reason=reason))
                    else:
                        addressed.append(finding)
            else:
                addressed.extend(group)
            edits.append(FileEdit(path=path, before=before, after=after))
        return outcome(edits, addressed, left)


def ruff_fix(ctx: FixContext, path: str, text: str) -> str:
    isolated = () if ruff_config(ctx.target) else ("--isolated",)
    completed = ctx.run(
        [
            "ruff",
            "check",
            "--fix",
            "--no-unsafe-fixes",
            "--no-cache",
            "--force-exclude",
            "--quiet",
            *isolated,
            "--stdin-filename",
            path,
            "-",
        ],
        input_text=text,
        ok_codes=(0, REMAINING),
    )
    return completed.stdout


def ruff_format(ctx: FixContext, path: str, text: str) -> str:
    """``text`` as the project's ruff formats it for ``path`` (its config applies)."""
    tool = toolenv.resolve(ctx.target, "ruff", run=ctx.run)
    isolated = () if ruff_config(ctx.target) else ("--isolated",)
    completed = ctx.run(
        [
            tool.executable,
            "format",
            "--no-cache",
            "--force-exclude",
            *isolated,
            "--stdin-filename",
            path,
            "-",
        ],
        input_text=text,
    )
    return completed.stdout
