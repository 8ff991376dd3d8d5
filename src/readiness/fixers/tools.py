"""bandit and ruff on a file's *pending* text, through their standard input.

Fixers see files as they will be, not as they are on disk (a dry run writes
nothing, and an earlier fixer may have edited the file), so the tools read the
text from stdin; ``--stdin-filename`` (ruff) keeps the target's per-file
configuration. The options mirror the sast and lint gates'.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from readiness.fixers.interface import FixContext, FixError
from readiness.gates.lint import ruff_config


def bandit_results(
    ctx: FixContext, text: str, *, ignore_nosec: bool
) -> list[Mapping[str, Any]]:
    """bandit's results for ``text`` (with the target's ``[tool.bandit]``)."""
    out = ctx.scratch / "bandit-stdin.json"
    out.unlink(missing_ok=True)
    args = ["bandit", "-q", "-f", "json", "-o", str(out)]
    if ignore_nosec:
        args.append("--ignore-nosec")
    if "bandit" in ctx.target.tool:
        args += ["-c", "pyproject.toml"]
    ctx.run([*args, "-"], input_text=text, ok_codes=(0, 1))
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise FixError("bandit wrote no readable report") from None
    results = data.get("results", []) if isinstance(data, dict) else []
    return [item for item in results if isinstance(item, dict)]


def ruff_diagnostics(
    ctx: FixContext, path: str, text: str, *, ignore_noqa: bool
) -> list[Mapping[str, Any]]:
    """ruff's diagnostics for ``text`` as if it were ``path`` in the target."""
    isolated = () if ruff_config(ctx.target) else ("--isolated",)
    completed = ctx.run(
        [
            "ruff",
            "check",
            *(("--ignore-noqa",) if ignore_noqa else ()),
            "--output-format",
            "json",
            "--no-fix",
            "--no-cache",
            "--force-exclude",
            *isolated,
            "--stdin-filename",
            path,
            "-",
        ],
        input_text=text,
        ok_codes=(0, 1),
    )
    try:
        data = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise FixError("ruff printed output that is not JSON") from None
    return (
        [item for item in data if isinstance(item, dict)]
        if isinstance(data, list)
        else []
    )


def rule_names(ctx: FixContext) -> dict[str, str]:
    """``rule name -> code`` for every rule ruff knows (``unused-import: F401``)."""
    completed = ctx.run(["ruff", "rule", "--all", "--output-format", "json"])
    try:
        data = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise FixError("ruff rule --all printed output that is not JSON") from None
    return {
        str(item["name"]): str(item["code"])
        for item in (data if isinstance(data, list) else [])
        if isinstance(item, dict) and "name" in item and "code" in item
    }


def new_findings(ctx: FixContext, path: str, before: str, after: str) -> list[str]:
    """What ``after`` reports that ``before`` did not, by bandit (``# nosec``
    honoured) and ruff (``# noqa`` honoured), line numbers aside.

    Run only when the text holds such comments: a reformatting that moves one
    off the line it silences shows up here.
    """
    found: list[str] = []
    if "nosec" in before:
        old = Counter(
            _bandit_key(i) for i in bandit_results(ctx, before, ignore_nosec=False)
        )
        new = Counter(
            _bandit_key(i) for i in bandit_results(ctx, after, ignore_nosec=False)
        )
        found.extend(f"bandit {key}" for key in (new - old))
    if "noqa" in before.lower():
        old = Counter(
            str(i.get("code"))
            for i in ruff_diagnostics(ctx, path, before, ignore_noqa=False)
        )
        new = Counter(
            str(i.get("code"))
            for i in ruff_diagnostics(ctx, path, after, ignore_noqa=False)
        )
        found.extend(f"ruff {key}" for key in (new - old))
    return sorted(found)


def _bandit_key(item: Mapping[str, Any]) -> str:
    return str(item.get("test_id"))
