"""The ``lint`` gate: ruff's diagnostics, plus invalid and blanket ``# noqa`` comments.

Three things decide what ruff checks, and each is pinned down here:

* the version: the ruff the target pins (its lock, a dev/test pin, or its
  ruff pre-commit hook's ``rev``), installed by :mod:`readiness.toolenv`;
  readiness's own when it pins none (metric ``ruff_source`` says which);
* configuration: when the target's root holds a ruff configuration
  (``.ruff.toml``, ``ruff.toml``, or ``pyproject.toml`` with ``[tool.ruff]``),
  ruff discovers it itself. That root file shadows any configuration of a parent
  directory, and letting ruff discover it (rather than passing ``--config``)
  keeps the target's nested configurations working, exactly as in its own CI.
  Without one, ``--isolated`` stops ruff from borrowing a parent directory's
  or the user's configuration, and ``--select E4,E7,E9,F`` keeps to ruff's
  classic default rules (ruff 0.16 widened its default to some 400 rules: a
  project that configures no ruff has never seen those);
* exclusions: the project's own, beyond ruff's configuration: the ``exclude``
  of ``.pre-commit-config.yaml`` and of its linter hooks, and, without a ruff
  configuration, ``[tool.black]``'s excludes (:func:`readiness.pins.lint_exclusions`).
  Folders (``^tests/data/``) become ``--extend-exclude ./tests/data``; every
  other pattern filters the findings by path;
* the cache: ``--no-cache``, so nothing is written into the target, and so
  ruff re-reads every file (its ``# noqa`` warnings are printed only then);
* fixes: ``--no-fix``, whatever the target's ``fix = true`` says.

Invalid ``# noqa`` comments appear only as warnings on ruff's stderr, so that
text is read; everything else comes from ``--output-format json``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from readiness import pins, toolenv
from readiness.command import Completed, last_line
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    PROJECT_FILES,
    PYTHON_SOURCES,
    Evaluation,
    Gate,
    GateContext,
    GateError,
)
from readiness.repofiles import unsafe_links
from readiness.target import Target
from readiness.wording import summarise

INVALID_NOQA = Rule(
    id="LN001",
    title="invalid `# noqa` directive",
    explanation=(
        "ruff cannot read the rule codes of this `# noqa` comment, so the comment"
        " does not suppress what its author meant it to (ruff reports it only as a"
        " warning, which CI logs hide)."
    ),
    fix="list the codes as ruff expects them: `# noqa: F401, F841`",
)
SYNTAX_ERROR = Rule(
    id="invalid-syntax",
    title="the file is not valid Python",
    explanation=(
        "ruff could not parse the file, so it checked nothing after the error;"
        " black and bandit cannot process it either."
    ),
    fix="fix the syntax error (or exclude the file if it is not meant to be Python)",
)
#: readiness's own rules, for renderers and documentation.
RULES = (INVALID_NOQA, SYNTAX_ERROR)

BLANKET_NOQA = "PGH004"
#: ruff's default rules until 0.16, for a target that configures no ruff.
CLASSIC_DEFAULT = "E4,E7,E9,F"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: The noqa warnings of ruff's ``noqa.rs``: a line-level directive, a file-level
#: one (``ruff: noqa``), codes run together, and a file-level one after code.
_NOQA_WARNING = re.compile(
    r"^warning: (?:Invalid `# (?:ruff: )?noqa` directive (?:on|at)"
    r"|Missing or joined rule code\(s\) at"
    r"|Unexpected `# ruff: noqa` directive at)"
    r" (?P<path>.+?):(?P<line>\d+)(?::|\.) (?P<reason>.+)$"
)


class LintGate(Gate):
    """ruff check is clean: no diagnostics and no invalid `# noqa` comments."""

    name = "lint"
    title = "ruff lint"
    priority = Priority.P1
    inputs = PYTHON_SOURCES + PROJECT_FILES + ("ruff.toml", ".ruff.toml")
    cost = 5.0

    def run(self, ctx: GateContext) -> Evaluation:
        ruff = toolenv.resolve(ctx.target, "ruff", run=ctx.run)
        if ruff.own:
            ctx.tool_version("ruff")
        else:
            ctx.record_tool("ruff", ruff.pinned or "")
        paths = ctx.options.strings("paths", (".",))
        config = ruff_config(ctx.target)
        exclusions = pins.lint_exclusions(ctx.target.root, ctx.target.pyproject)
        folders = exclusions.ruff_patterns()
        base = [
            ruff.executable,
            "check",
            "--output-format",
            "json",
            "--no-fix",
            "--no-cache",
            "--force-exclude",
            *(() if config else ("--isolated",)),
            *(f"--extend-exclude={folder}" for folder in folders),
            # Links leaving the target (or looping) are never read.
            *(f"--extend-exclude=./{link}" for link in unsafe_links(ctx.target.root)),
        ]
        select = () if config else ("--select", CLASSIC_DEFAULT)
        main = ctx.run([*base, *select, *paths], ok_codes=(0, 1))
        diagnostics = read_diagnostics(json_output(main))
        # A second, cheap pass for blanket noqa comments, whatever the target selects;
        # the target's exclusions and per-file ignores still apply.
        blanket_pass = ctx.run(
            [*base, "--select", BLANKET_NOQA, *paths], ok_codes=(0, 1)
        )
        blanket = [
            item
            for item in read_diagnostics(json_output(blanket_pass))
            if item.get("code") == BLANKET_NOQA
        ]

        every = [diagnostic_finding(ctx.target, item) for item in diagnostics]
        reported = [f for f in every if not exclusions.excluded(f.path or "")]
        seen = {(f.path, f.line) for f in reported if f.rule == BLANKET_NOQA}
        extra: list[Finding] = []
        for item in blanket:
            finding = diagnostic_finding(ctx.target, item)
            if (finding.path, finding.line) not in seen and not exclusions.excluded(
                finding.path or ""
            ):
                seen.add((finding.path, finding.line))
                extra.append(finding)
        invalid = [
            f
            for f in invalid_noqa_findings(ctx.target, main.stderr)
            if not exclusions.excluded(f.path or "")
        ]

        open_count = len(reported) + len(invalid)
        metrics: dict[str, int | float | str] = {
            "total": len(reported),
            "fixable": sum(1 for finding in reported if finding.tool_fix),
            "by_rule": summarise(Counter(finding.rule for finding in reported)),
            "invalid_noqa": len(invalid),
            "blanket_noqa": len(seen),
            "config": config
            or f"none (ruff's default rules {CLASSIC_DEFAULT}, --isolated)",
            "ruff_source": ruff.source,
        }
        if exclusions.excludes:
            metrics["exclusions"] = exclusions.sources
            metrics["excluded_findings"] = len(every) - len(reported)
        return Evaluation(
            criteria=(
                Criterion(
                    text=f"ruff check passes ({open_count}"
                    f" finding{'' if open_count == 1 else 's'})",
                    met=open_count == 0,
                ),
            ),
            findings=(*reported, *extra, *invalid),
            metrics=metrics,
        )


def ruff_config(target: Target) -> str | None:
    """The configuration file ruff uses in the target's root, if there is one."""
    return pins.ruff_config(target.root, target.pyproject)


def json_output(completed: Completed) -> str:
    """ruff's stdout, once known to be whole: it prints ``[]`` when clean."""
    completed.require_complete()
    if not completed.stdout.strip():
        raise GateError(
            f"ruff crashed (exit code {completed.returncode}, no JSON printed):"
            f" {last_line(completed.stderr)}"
        )
    return completed.stdout


def read_diagnostics(stdout: str) -> list[Mapping[str, Any]]:
    """ruff's JSON list of diagnostics, or a :class:`GateError` saying why not."""
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError:
        raise GateError(
            f"ruff printed output that is not JSON: {stdout.strip()[:80]!r}"
        ) from None
    if not isinstance(data, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("filename"), str)
        and isinstance(item.get("location"), dict)
        for item in data
    ):
        raise GateError("ruff printed JSON that is not a list of diagnostics")
    return data


def diagnostic_finding(target: Target, item: Mapping[str, Any]) -> Finding:
    code = item.get("code")
    rule = SYNTAX_ERROR.id if code in (None, SYNTAX_ERROR.id) else str(code)
    fix = item.get("fix")
    safe = isinstance(fix, dict) and fix.get("applicability") == "safe"
    line = item["location"].get("row")
    return Finding(
        rule=rule,
        severity=(
            Severity.MEDIUM
            if rule == SYNTAX_ERROR.id or rule.startswith("F")
            else Severity.LOW
        ),
        priority=Priority.P1,
        message=str(item.get("message", "")).strip() or rule,
        path=target.rel(item["filename"]),
        line=line if isinstance(line, int) else None,
        fix=fix_hint(rule, safe=safe, url=item.get("url")),
        tool_fix=safe,
    )


def fix_hint(rule: str, *, safe: bool, url: object) -> str:
    if safe:
        return "ruff check --fix"
    if url:
        return str(url)
    return SYNTAX_ERROR.fix if rule == SYNTAX_ERROR.id else f"see `ruff rule {rule}`"


def invalid_noqa_findings(target: Target, stderr: str) -> list[Finding]:
    """One finding per line ruff warned about, by file and line.

    ruff reports invalid ``# noqa`` comments only as these warnings.
    """
    findings: dict[tuple[str, int], Finding] = {}
    for raw in stderr.splitlines():
        match = _NOQA_WARNING.match(_ANSI.sub("", raw).strip())
        if match is None:
            continue
        path = target.rel(match["path"])
        line = int(match["line"])
        reason = match["reason"].strip().rstrip(".")
        findings.setdefault(
            (path, line),
            Finding(
                rule=INVALID_NOQA.id,
                severity=Severity.LOW,
                priority=Priority.P1,
                message=f"{INVALID_NOQA.title}: {reason}",
                path=path,
                line=line,
                fix=INVALID_NOQA.fix,
            ),
        )
    # ruff checks files in parallel: its warnings come in no particular order.
    return [findings[key] for key in sorted(findings)]
