"""The ``format`` gate: ``ruff format --check`` or ``black --check``: the project's.

**Which formatter** is the project's (:func:`readiness.pins.formatter`):
``ruff format --check`` when it formats with ruff (``[tool.ruff.format]``, a
``ruff-format`` pre-commit hook, or ruff configured with black nowhere),
``black --check`` when it uses black, black by default (the checklist's tool).
Metrics ``formatter`` and ``formatter_evidence`` say which and why. The
formatter runs at the version the project pins (:mod:`readiness.toolenv`;
metric ``ruff_source`` / ``black_source``).

**Scope**: when the project runs its formatter from pre-commit, a file its
formatter hooks would not receive (their ``files``/``exclude``/``types``,
top-level and per hook: :mod:`readiness.precommit`) is not reported: requests
keeps ``tests/test_lowlevel.py`` out of its ruff-format hook on purpose.
Metrics ``exclusions`` (which hooks decide), ``excluded_files`` and
``excluded_by`` (how many files were left out, and why) say so.

**black** has no machine-readable output, so its stderr lines are read:
``would reformat PATH`` for a file that needs formatting,
``error: cannot parse...: PATH:LINE:COL`` (black 24+) and
``error: cannot format PATH: REASON`` for a file it cannot process. black
looks for its configuration in the nearest folder above the files that holds
``.git``, ``.hg`` or a ``pyproject.toml`` with ``[tool.black]``, so a target
without its own configuration would borrow a parent directory's (or the
user's). ``--config`` is therefore always passed: the target's
``pyproject.toml`` when it has one (black also infers the target Python
versions from its ``requires-python``), otherwise an empty file in the
scratch folder. The cache goes to the scratch folder too.

**ruff format** prints JSON (``--output-format json``) where the version has
it: ``unformatted`` and ``invalid-syntax`` diagnostics. Older versions (and
those whose help says the flag is "only respected in preview mode", which
would change the style) print ``Would reformat: PATH`` lines and a summary on
stdout and ``error: Failed to parse PATH:LINE:COL: MESSAGE`` on stderr, which
are read instead. ruff finds the target's configuration itself; without one,
``--isolated`` keeps a parent's out.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from readiness import pins, precommit, toolenv
from readiness.cache import tool_folder
from readiness.command import ToolFailed, last_line
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    PROJECT_FILES,
    PYTHON_SOURCES,
    Evaluation,
    Gate,
    GateContext,
    GateError,
)
from readiness.perfile import PerFileMemo, Plan, tool_key
from readiness.repofiles import unsafe_links
from readiness.target import Target
from readiness.wording import summarise

WOULD_REFORMAT = Rule(
    id="FM001",
    title="would be reformatted by black",
    explanation=(
        "The file's layout differs from black's; `black --check` fails in CI"
        " until it is reformatted."
    ),
    fix="black PATH",
)
CANNOT_FORMAT = Rule(
    id="FM002",
    title="black cannot format this file",
    explanation=(
        "black could not parse the file (a syntax error, a Python version black"
        " was not told about, or an unreadable encoding), so `black --check` fails."
    ),
    fix=(
        "fix the syntax error, or set [tool.black] target-version to the Python"
        " the file is written for"
    ),
)
RUFF_WOULD_REFORMAT = Rule(
    id="FM003",
    title="would be reformatted by ruff format",
    explanation=(
        "The file's layout differs from ruff's formatter; `ruff format --check`"
        " fails in CI until it is reformatted."
    ),
    fix="ruff format PATH",
)
RUFF_CANNOT_FORMAT = Rule(
    id="FM004",
    title="ruff format cannot format this file",
    explanation=(
        "ruff could not parse the file (a syntax error, or syntax newer than the"
        " configured target version), so `ruff format --check` fails."
    ),
    fix=(
        "fix the syntax error, or set [tool.ruff] target-version to the Python"
        " the file is written for"
    ),
)
NOT_ADOPTED = Rule(
    id="FM005",
    title="no formatter adopted",
    explanation=(
        "The project configures no formatter (no [tool.black], [tool.ruff.format],"
        " formatter hook or dev dependency), and its files are not in black's"
        " layout. One finding for the choice, not one per file: a project that"
        " never adopted a formatter has no per-file debt to pay until it does."
    ),
    fix="adopt a formatter (black or ruff format), run it once, check it in CI",
)
#: readiness's own rules, for renderers and documentation.
RULES = (
    WOULD_REFORMAT,
    CANNOT_FORMAT,
    RUFF_WOULD_REFORMAT,
    RUFF_CANNOT_FORMAT,
    NOT_ADOPTED,
)
#: Files named in the FM005 message; the rest are counted.
NAMED_FILES = 3

#: black's exit codes: 1 with ``--check`` when files would change, 123 when one failed.
WOULD_CHANGE = 1
FAILED = 123

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: ``black -v`` on a file it leaves as it is (checked now, or from its own cache).
_UNCHANGED = re.compile(
    r"^(?P<path>.+?) (?:already well formatted, good job\.|"
    r"wasn't modified on disk since last run\.)$"
)
_WOULD_REFORMAT = re.compile(r"^would reformat (?P<path>.+)$")
_CANNOT_PARSE = re.compile(
    r"^(?:error: )?(?P<context>cannot parse[^:]*): (?P<path>.+):(?P<line>\d{1,9}):\d+$"
)
_CANNOT_FORMAT = re.compile(r"^error: cannot format (?P<rest>.+)$")
_DETAIL = re.compile(r"^\w+Error: .+$")
_SUMMARY_PART = re.compile(
    r"(\d{1,9}) files? would (?:be )?(reformatted|left unchanged|fail to reformat)"
)
_SUMMARY = re.compile(rf"^{_SUMMARY_PART.pattern}(?:, {_SUMMARY_PART.pattern})*\.$")
_NO_FILES = "No Python files are present to be formatted"
#: ruff format's text output (versions without ``--output-format``).
_RUFF_REFORMAT = re.compile(r"^Would reformat: (?P<path>.+)$")
_RUFF_PARSE = re.compile(
    r"^error: Failed to (?:parse|format) (?P<path>.+?)(?::(?P<line>\d{1,9}):\d+)?:"
    r" (?P<reason>.+)$"
)
_RUFF_SUMMARY_PART = re.compile(
    r"(\d{1,9}) files? (would be reformatted|already formatted|left unchanged)"
)
_RUFF_NO_FILES = "No Python files found"


class FormatGate(Gate):
    """The project's formatter passes: ruff format or black, no file to reformat."""

    name = "format"
    title = "formatting (ruff format or black)"
    priority = Priority.P1
    criteria_from_findings = True
    inputs = PYTHON_SOURCES + PROJECT_FILES + ("ruff.toml", ".ruff.toml")
    cost = 30.0

    def run(self, ctx: GateContext) -> Evaluation:
        target = ctx.target
        choice = pins.formatter(
            target.root,
            target.pyproject,
            dev_requirements=toolenv.dev_requirements(target),
        )
        tool = toolenv.resolve(target, choice.tool, run=ctx.run)
        if tool.own:
            ctx.tool_version(tool.name)
        else:
            ctx.record_tool(tool.name, tool.pinned or "")
        paths = ctx.options.strings("paths", (".",))
        if choice.tool == "ruff":
            reformat, failed, config = run_ruff(ctx, tool, paths)
            shown = "ruff format --check"
        else:
            reformat, failed, config = run_black(ctx, tool, paths)
            shown = "black --check"
        scope = precommit.scope(target.root, pins.FORMAT_HOOKS[choice.tool])
        excluded: Counter[str] = Counter()
        kept = precommit.keep_in_scope(scope.left_out, reformat, excluded)
        broken = precommit.keep_in_scope(scope.left_out, failed, excluded)
        files = "file" if len(kept) == 1 else "files"
        text = f"{shown} passes ({len(kept)} {files} would be reformatted"
        text += f", {len(broken)} cannot be formatted)" if broken else ")"
        metrics: dict[str, int | float | str] = {
            "files_to_reformat": len(kept),
            "files_unformattable": len(broken),
            "config": config,
            "formatter": choice.tool,
            "formatter_evidence": choice.evidence,
            f"{choice.tool}_source": tool.source,
        }
        if scope.hooks:
            metrics["exclusions"] = ", ".join(
                dict.fromkeys(
                    f".pre-commit-config.yaml {h.id} hook" for h in scope.hooks
                )
            )
            metrics["excluded_files"] = sum(excluded.values())
            if excluded:
                metrics["excluded_by"] = summarise(excluded)
        findings = (*kept, *broken)
        if not choice.adopted and kept:
            findings = (not_adopted(kept), *broken)
        return Evaluation(
            criteria=(Criterion(text=text, met=not kept and not broken),),
            findings=findings,
            metrics=metrics,
        )


def not_adopted(reformat: Sequence[Finding]) -> Finding:
    """FM005: the one finding for a project that adopts no formatter."""
    paths = sorted(f.path for f in reformat if f.path)
    named = ", ".join(paths[:NAMED_FILES])
    more = len(paths) - NAMED_FILES
    named += f" and {more} more" if more > 0 else ""
    files = "file" if len(paths) == 1 else "files"
    return Finding(
        rule=NOT_ADOPTED.id,
        severity=Severity.LOW,
        priority=Priority.P2,
        message=(
            f"no formatter adopted; black (readiness's default) would reformat"
            f" {len(paths)} {files}: {named}"
        ),
        fix=NOT_ADOPTED.fix,
        details={"files_to_reformat": len(paths)},
    )


#: black's check. ``--fast``: black's safety net, an AST comparison and a
#: second formatting pass of each file it would change (30 % of a cold check
#: of an unformatted tree), guards a write that ``--check`` never makes; the
#: files it names are the same. Only a file the net would stop (black's own
#: bug, or code Python's parser refuses, 5,000 levels deep) is named "would
#: reformat" instead of "cannot format"; the format fixer runs black without
#: it and stops there.
CHECK = ("--check", "--fast")


def run_black(
    ctx: GateContext, tool: toolenv.Tool, paths: Sequence[str]
) -> tuple[list[Finding], list[Finding], str]:
    """``black --check``: files to reformat, files it cannot format, the config."""
    own = (ctx.target.root / "pyproject.toml").is_file()
    if own:
        config = "pyproject.toml"
    else:
        empty = ctx.scratch / "black-defaults.toml"
        empty.write_text("", encoding="utf-8")
        config = str(empty)
    memo = _black_memo(ctx, tool, paths, config)
    plan = memo.plan() if memo is not None else Plan(full=True)
    shown_config = config if own else "none (black defaults)"
    if not plan.full and not plan.rerun:
        reformat, failed = _from_memo(plan.reused)
        ctx.record_command([tool.executable, *CHECK, "--config", config, *paths])
        return reformat, failed, shown_config
    verbose = ["-v"] if memo is not None else []
    checked = list(paths) if plan.full else list(plan.rerun)
    completed = ctx.run(
        [
            tool.executable,
            *CHECK,
            *verbose,
            "--config",
            config,
            *_black_link_exclusion(ctx.target),
            *checked,
        ],
        ok_codes=(0, WOULD_CHANGE, FAILED),
        env={"BLACK_CACHE_DIR": str(tool_folder(ctx.settings, ctx.scratch, "black"))},
    ).require_complete()
    output = [_ANSI.sub("", line).rstrip() for line in completed.stderr.splitlines()]
    reformat = would_reformat(ctx.target, output)
    failed = cannot_format(ctx.target, output)
    expected = {WOULD_CHANGE: reformat, FAILED: failed}.get(completed.returncode)
    if expected is not None and not expected:
        # Config and usage errors share these codes with the results.
        code, reason = completed.returncode, last_line(completed.stderr)
        raise ToolFailed(f"black exited with code {code}: {reason}")
    check_summary(completed.returncode, output, reformat, failed)
    if memo is not None:
        fresh = _per_file(ctx.target, output, reformat, failed)
        memo.save({**plan.reused, **fresh})
        old_reformat, old_failed = _from_memo(plan.reused)
        reformat = sorted([*reformat, *old_reformat], key=lambda f: f.path or "")
        failed = sorted([*failed, *old_failed], key=lambda f: f.path or "")
    return reformat, failed, shown_config


def _black_link_exclusion(target: Target) -> list[str]:
    """``--force-exclude`` for links leaving the target or looping (black follows
    ``self -> .`` without end), joined to the project's own ``force-exclude``,
    which a command-line value would otherwise replace."""
    links = unsafe_links(target.root)
    if not links:
        return []
    ours = "^/(?:" + "|".join(re.escape(link) for link in links) + ")/?$"
    black = target.tool.get("black", {})
    theirs = black.get("force-exclude") if isinstance(black, Mapping) else None
    pattern = f"(?:{theirs})|(?:{ours})" if isinstance(theirs, str) else ours
    return ["--force-exclude", pattern]


def _black_memo(
    ctx: GateContext, tool: toolenv.Tool, paths: Sequence[str], config: str
) -> PerFileMemo | None:
    """Per-file results of black for a whole-tree check with the cache on."""
    if tuple(paths) != (".",) or ctx.settings.cache_dir is None:
        return None
    config_path = (
        Path(config) if Path(config).is_absolute() else ctx.target.root / config
    )
    try:
        config_text = config_path.read_text(encoding="utf-8")
    except OSError:
        return None
    version = tool.pinned or ctx.tools.get("black", "")
    return PerFileMemo(
        tool_folder(ctx.settings, ctx.scratch, "black-files"),
        tool_key=tool_key("black", tool.executable, version, config_text),
        root=ctx.target.root,
    )


def _per_file(
    target: Target, lines: list[str], reformat: list[Finding], failed: list[Finding]
) -> dict[str, Any]:
    """What black said of each file it checked (``-v`` lists the unchanged ones)."""
    results: dict[str, Any] = {
        target.rel(m["path"]): {"status": "ok"}
        for m in map(_UNCHANGED.match, lines)
        if m
    }
    for finding in reformat:
        results[finding.path or ""] = {"status": "reformat"}
    for finding in failed:
        results[finding.path or ""] = {
            "status": "fail",
            "line": finding.line,
            "message": finding.message,
        }
    return results


def _from_memo(reused: Mapping[str, Any]) -> tuple[list[Finding], list[Finding]]:
    reformat = reformat_findings(
        WOULD_REFORMAT,
        "black",
        [path for path, data in reused.items() if data.get("status") == "reformat"],
    )
    failed = [
        Finding(
            rule=CANNOT_FORMAT.id,
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message=str(data.get("message", CANNOT_FORMAT.title)),
            path=path,
            line=data.get("line"),
            fix=CANNOT_FORMAT.fix,
        )
        for path, data in sorted(reused.items())
        if data.get("status") == "fail"
    ]
    return reformat, failed


def run_ruff(
    ctx: GateContext, tool: toolenv.Tool, paths: Sequence[str]
) -> tuple[list[Finding], list[Finding], str]:
    """``ruff format --check``: files to reformat, files it cannot format, config."""
    config = pins.ruff_config(ctx.target.root, ctx.target.pyproject)
    base = [tool.executable, "format", "--check", "--no-cache", "--force-exclude"]
    base += [] if config else ["--isolated"]
    base += [f"--extend-exclude=./{link}" for link in unsafe_links(ctx.target.root)]
    usage = ctx.run([tool.executable, "format", "--help"], record=False).stdout
    usage = " ".join(usage.split())
    as_json = "--output-format" in usage and "only respected in preview" not in usage
    if as_json:
        base += ["--output-format", "json"]
    completed = ctx.run([*base, *paths], ok_codes=(0, 1, 2)).require_complete()
    # ruff 0.9-0.14 list the flag but ignore it outside preview mode (with a
    # warning): whatever ruff printed is read as what it is.
    if as_json and completed.stdout.lstrip().startswith("["):
        reformat, failed = ruff_json(ctx.target, completed.stdout)
    else:
        reformat, failed = ruff_text(ctx.target, completed.stdout, completed.stderr)
    if (completed.returncode == 1 and not reformat) or (
        completed.returncode == 2 and not failed
    ):
        # Usage and configuration errors exit 2 as well.
        code, reason = completed.returncode, last_line(completed.stderr)
        raise ToolFailed(f"ruff exited with code {code}: {reason}")
    return reformat, failed, config or "none (ruff defaults, --isolated)"


def ruff_json(target: Target, stdout: str) -> tuple[list[Finding], list[Finding]]:
    """``ruff format --output-format json``: ``unformatted`` and the rest."""
    try:
        data = json.loads(stdout)
    except (ValueError, RecursionError):  # bad JSON, a 5,000-digit int, deep nesting
        raise GateError(
            f"ruff format printed output that is not JSON: {stdout.strip()[:80]!r}"
        ) from None
    if not isinstance(data, list) or not all(
        isinstance(item, dict) and isinstance(item.get("filename"), str)
        for item in data
    ):
        raise GateError("ruff format printed JSON that is not a list of diagnostics")
    reformat: set[str] = set()
    failed: dict[str, tuple[int | None, str]] = {}
    for item in data:
        path = target.rel(item["filename"])
        if item.get("code") == "unformatted":
            reformat.add(path)
        else:
            failed.setdefault(path, (_row(item), str(item.get("message", ""))))
    return _ruff_reformat(reformat), _ruff_failed(failed)


def _row(item: Mapping[str, Any]) -> int | None:
    location = item.get("location")
    row = location.get("row") if isinstance(location, Mapping) else None
    return row if isinstance(row, int) else None


def ruff_text(
    target: Target, stdout: str, stderr: str
) -> tuple[list[Finding], list[Finding]]:
    """Older ruff's ``Would reformat: PATH`` lines, checked against its summary."""
    lines = [_ANSI.sub("", line).rstrip() for line in stdout.splitlines()]
    reformat = {target.rel(m["path"]) for m in map(_RUFF_REFORMAT.match, lines) if m}
    failed: dict[str, tuple[int | None, str]] = {}
    for raw in stderr.splitlines():
        match = _RUFF_PARSE.match(_ANSI.sub("", raw).strip())
        if match:
            line = int(match["line"]) if match["line"] else None
            failed.setdefault(target.rel(match["path"]), (line, match["reason"]))
    if _RUFF_NO_FILES not in stderr:
        summary = next(
            (line for line in reversed(lines) if _RUFF_SUMMARY_PART.match(line)), None
        )
        if summary is None:
            raise GateError(
                "ruff format ended without its summary line"
                f' ("N files already formatted"): {last_line(stdout + stderr)}'
            )
        counts = {k: int(n) for n, k in _RUFF_SUMMARY_PART.findall(summary)}
        if counts.get("would be reformatted", 0) != len(reformat):
            raise GateError(
                f"ruff format's summary counts {counts.get('would be reformatted', 0)}"
                f" files that would be reformatted but names {len(reformat)}"
            )
    return _ruff_reformat(reformat), _ruff_failed(failed)


def _ruff_reformat(paths: set[str]) -> list[Finding]:
    return reformat_findings(RUFF_WOULD_REFORMAT, "ruff format", paths)


def reformat_findings(rule: Rule, fixer: str, paths: Iterable[str]) -> list[Finding]:
    """One finding per file the formatter would change, in path order."""
    return [
        Finding(
            rule=rule.id,
            severity=Severity.LOW,
            priority=Priority.P1,
            message=rule.title,
            path=path,
            fix=f"{fixer} {path}",
        )
        for path in sorted(paths)
    ]


def _ruff_failed(failed: Mapping[str, tuple[int | None, str]]) -> list[Finding]:
    return [
        Finding(
            rule=RUFF_CANNOT_FORMAT.id,
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message=f"{RUFF_CANNOT_FORMAT.title} ({reason})".replace(" ()", ""),
            path=path,
            line=line,
            fix=RUFF_CANNOT_FORMAT.fix,
        )
        for path, (line, reason) in sorted(failed.items())
    ]


def check_summary(
    code: int, lines: list[str], reformat: list[Finding], failed: list[Finding]
) -> None:
    """black ends with a summary; without one, or disagreeing, its output is not whole.

    ``1 file would be reformatted, 2 files would be left unchanged, 1 file would
    fail to reformat.``, or ``No Python files are present...`` when there is none.
    """
    if any(line.startswith(_NO_FILES) for line in lines):
        counts: dict[str, int] = {}
    else:
        summary = next((m for m in map(_SUMMARY.match, reversed(lines)) if m), None)
        if summary is None:
            last = last_line("\n".join(lines))
            raise GateError(
                f"black exited with code {code} without its summary line"
                f' ("N files would be left unchanged"): {last}'
            )
        counts = {
            kind: int(number)
            for number, kind in _SUMMARY_PART.findall(summary.group(0))
        }
    listed = {"reformatted": len(reformat), "fail to reformat": len(failed)}
    for kind, count in listed.items():
        if counts.get(kind, 0) != count:
            raise GateError(
                f"black's summary counts {counts.get(kind, 0)} files that would"
                f" {kind.replace('reformatted', 'be reformatted')} but names {count}"
            )


def would_reformat(target: Target, lines: list[str]) -> list[Finding]:
    paths = {target.rel(m["path"]) for m in map(_WOULD_REFORMAT.match, lines) if m}
    return reformat_findings(WOULD_REFORMAT, "black", paths)


def cannot_format(target: Target, lines: list[str]) -> list[Finding]:
    found: dict[str, Finding] = {}
    for index, line in enumerate(lines):
        parse = _CANNOT_PARSE.match(line)
        fmt = _CANNOT_FORMAT.match(line)
        if parse:
            internal = index > 0 and "INTERNAL ERROR" in lines[index - 1]
            detail = next(
                (text for text in lines[index + 1 : index + 5] if _DETAIL.match(text)),
                "",
            )
            path = target.rel(parse["path"])
            reason = (
                "black produced invalid code: a bug in black"
                if internal
                else f"{parse['context']}: {detail}".removesuffix(": ")
            )
            number: int | None = None if internal else int(parse["line"])
        elif fmt:
            raw, reason = split_path(target.root, fmt["rest"])
            path, number = target.rel(raw), None
        else:
            continue
        found.setdefault(
            path,
            Finding(
                rule=CANNOT_FORMAT.id,
                severity=Severity.MEDIUM,
                priority=Priority.P1,
                message=f"{CANNOT_FORMAT.title} ({reason})",
                path=path,
                line=number,
                fix=CANNOT_FORMAT.fix,
            ),
        )
    return [found[path] for path in sorted(found)]


def split_path(root: Path, rest: str) -> tuple[str, str]:
    """Split ``PATH: REASON``; PATH may hold ``": "``, so the first that exists wins."""
    parts = rest.split(": ")
    for cut in range(1, len(parts)):
        candidate = ": ".join(parts[:cut])
        if (root / candidate).is_file():
            return candidate, ": ".join(parts[cut:])
    head, _, tail = rest.partition(": ")
    return head, tail
