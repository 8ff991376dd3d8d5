"""What the Python fixers share: keeping black-formatted files so.

:func:`keep_black_clean`: an insertion can push a line past the line length.
When the file was black-formatted before the edit (under the target's own
black configuration, as the format gate runs it), black formats the edited
text too; black is stable on the statements the edit did not touch, so only
the edited statements change layout, and a P0 fix does not open a P1 finding.
The edits themselves are in :mod:`readiness.fixers.edits`.
"""

from __future__ import annotations

from readiness.command import ToolError
from readiness.fixers.interface import FixContext


def black_format(ctx: FixContext, path: str, text: str) -> str:
    """``text`` as black formats it for ``path`` with the target's configuration."""
    if (ctx.target.root / "pyproject.toml").is_file():
        config = "pyproject.toml"
    else:
        empty = ctx.scratch / "black-defaults.toml"
        empty.write_text("", encoding="utf-8")
        config = str(empty)
    completed = ctx.run(
        ["black", "-q", "--config", config, "--stdin-filename", path, "-"],
        input_text=text,
        env={"BLACK_CACHE_DIR": str(ctx.scratch / "black-cache")},
    )
    return completed.stdout


def keep_black_clean(ctx: FixContext, path: str, before: str, after: str) -> str:
    """``after`` formatted by black if ``before`` was black-clean, else ``after``."""
    if before == after:
        return after
    try:
        if _lf(black_format(ctx, path, before)) != _lf(before):
            return after
        formatted = black_format(ctx, path, after)
    except ToolError:
        return after
    return formatted if formatted.strip() else after


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")
