"""The ``lint`` gate: the project's linter (ruff, or flake8 where the project
lints with flake8), plus invalid and blanket ``# noqa`` comments.

**Which linter** is the project's (:func:`readiness.flake8_config.linter`):
flake8 for a project that configures no ruff and lints with flake8 (its
pre-commit hook, a ``[flake8]`` section, or flake8 among its dev
dependencies), ruff otherwise. Metrics ``linter`` and ``linter_evidence`` say
which and why. Findings keep the linter's rule codes (E741, F401...).

For **ruff**, three things decide what it checks, and each is pinned down here:

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
* the cache: ``--no-cache``, so nothing is written into the target, and so
  ruff re-reads every file (its ``# noqa`` warnings are printed only then);
  fixes: ``--no-fix``, whatever the target's ``fix = true`` says.

**flake8** runs at the version the project pins, with the plugins it pins, its
own configuration file and its hook's configuration ``args``
(:mod:`readiness.flake8_config`); its ``--format`` output on stdout is read
field by field (``--exit-zero`` leaves a non-zero exit to crashes), and
must end with its ``--count``, which proves it whole. It fixes nothing: no
finding carries a tool fix. File links that leave the target (or point
nowhere) are added to its ``extend-exclude``, as ruff's are excluded: flake8
reads every file its walk lists, links included.

**Scope**: the files the project's pre-commit hooks for the linter would not
receive (their ``files``/``exclude``/``types``, top-level and per hook:
:mod:`readiness.precommit`) are not reported, and without any linter
configuration neither are ``[tool.black]``'s excludes (such a project lints
the tree it formats). Metrics ``exclusions`` (what declares them),
``excluded_findings`` and ``excluded_by`` (how many, and why) say what was
left out. Excluded folders become ruff ``--extend-exclude ./dir`` patterns.

Invalid ``# noqa`` comments appear only as warnings on ruff's stderr, so that
text is read; everything else comes from ``--output-format json``. A second
ruff pass selects only ``PGH004`` (blanket ``# noqa``), whatever the linter:
a bare or colon-less ``# noqa`` silences every rule under flake8 too.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness import flake8_config, pins, precommit, toolenv
from readiness.cache import tool_folder
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
from readiness.perfile import PerFileMemo, Plan, tool_key
from readiness.repofiles import unsafe_links
from readiness.target import Target
from readiness.wording import plural, summarise

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
    r" (?P<path>.+?):(?P<line>\d{1,9})(?::|\.) (?P<reason>.+)$"
)


class LintGate(Gate):
    """The project's linter (ruff or flake8) is clean, with no invalid `# noqa`.

    A result's title names the linter that ran (``ruff lint``, ``flake8 lint``).
    """

    name = "lint"
    title = "lint (ruff or flake8)"
    priority = Priority.P1
    criteria_from_findings = True
    inputs = PYTHON_SOURCES + PROJECT_FILES + ("ruff.toml", ".ruff.toml", ".flake8")
    cost = 5.0

    def run(self, ctx: GateContext) -> Evaluation:
        target = ctx.target
        choice = flake8_config.linter(
            target.root,
            target.pyproject,
            dev_requirements=toolenv.dev_requirements(target),
        )
        if choice.tool == "flake8":
            return run_flake8(ctx, choice)
        return run_ruff(ctx, choice)


@dataclass(frozen=True, kw_only=True)
class Scope:
    """What the project leaves out of its linting, beyond the linter's own
    configuration: its pre-commit scope and (without a linter configured)
    black's excludes."""

    precommit: precommit.Scope
    black: tuple[pins.Exclude, ...] = ()

    def left_out(self, path: str) -> str | None:
        """Why ``path``'s findings are not reported; ``None`` if they are."""
        reason = self.precommit.left_out(path)
        if reason is None:
            reason = next((e.source for e in self.black if e.matches(path)), None)
        return reason

    @property
    def sources(self) -> str:
        found = [f".pre-commit-config.yaml {h.id} hook" for h in self.precommit.hooks]
        found += [item.source for item in self.black]
        return ", ".join(dict.fromkeys(found))

    def ruff_folders(self) -> tuple[str, ...]:
        """``--extend-exclude`` patterns for the excludes that are whole folders."""
        found: list[str] = []
        for pattern in self.precommit.folders():
            found.extend(pins.Exclude(pattern=pattern, source="").folders() or ())
        return tuple(dict.fromkeys(found))


def run_ruff(ctx: GateContext, choice: flake8_config.Linter) -> Evaluation:
    """``ruff check`` with the project's configuration (or the classic rules)."""
    ruff = _ruff(ctx)
    paths = ctx.options.strings("paths", (".",))
    config = ruff_config(ctx.target)
    scope = Scope(
        precommit=precommit.scope(ctx.target.root, flake8_config.RUFF_HOOKS),
        black=(
            tuple(pins.black_excludes(ctx.target.pyproject)) if config is None else ()
        ),
    )
    base = ruff_base(
        ruff, ctx.target.root, isolated=config is None, excludes=scope.ruff_folders()
    )
    select = () if config else ("--select", CLASSIC_DEFAULT)
    main = ctx.run([*base, *select, *paths], ok_codes=(0, 1))
    every = [
        diagnostic_finding(ctx.target, item)
        for item in read_diagnostics(json_output(main))
    ]
    blanket, invalid = noqa_pass(ctx, base, paths, main.stderr)
    metrics: dict[str, int | float | str] = {
        "config": config
        or f"none (ruff's default rules {CLASSIC_DEFAULT}, --isolated)",
        "ruff_source": ruff.source,
    }
    return evaluate(
        "ruff check",
        choice=choice,
        scope=scope,
        every=every,
        blanket=blanket,
        invalid=invalid,
        metrics=metrics,
    )


def run_flake8(ctx: GateContext, choice: flake8_config.Linter) -> Evaluation:
    """flake8 at the project's version, with its plugins and configuration."""
    target = ctx.target
    hooks = precommit.hooks(target.root, flake8_config.FLAKE8_HOOKS)
    plugins = flake8_config.plugins(
        target.root, hooks, toolenv.dev_requirements(target)
    )
    flake8 = toolenv.resolve(target, "flake8", run=ctx.run, extras=plugins.pinned)
    if flake8.own:
        ctx.tool_version("flake8")
    else:
        ctx.record_tool("flake8", flake8.pinned or "")
    config = flake8_config.config_file(target.root)
    kept, dropped = flake8_config.hook_args(hooks)
    chosen = any(arg.startswith(("--config", "--isolated")) for arg in kept)
    own_config = () if chosen else (("--config", config) if config else ("--isolated",))
    paths = ctx.options.strings("paths", (".",))
    options = (*own_config, *kept)
    argv = [
        flake8.executable,
        *options,
        *flake8_config.link_exclusion(target.root, options, unsafe_links(target.root)),
        "--exit-zero",
        "--count",
        f"--format={flake8_config.FORMAT}",
    ]
    memo = (
        None
        if chosen or flake8_config.chooses_files(target.root, config, kept)
        else _flake8_memo(ctx, flake8, argv, paths, config)
    )
    diagnostics = _flake8_diagnostics(ctx, argv, paths, memo)
    every = [flake8_finding(target, item) for item in diagnostics]
    scope = Scope(precommit=precommit.scope(target.root, flake8_config.FLAKE8_HOOKS))
    ruff = _ruff(ctx)
    folders = (*flake8_config.excludes(target.root, config), *scope.ruff_folders())
    base = ruff_base(ruff, target.root, isolated=True, excludes=folders)
    blanket, invalid = noqa_pass(ctx, base, paths, None)
    metrics: dict[str, int | float | str] = {
        "config": config or "none (flake8 defaults, --isolated)",
        "flake8_source": flake8.source,
        "ruff_source": ruff.source,
    }
    if kept or dropped:
        metrics["hook_args"] = " ".join(kept) or "none"
    if dropped:
        metrics["hook_args_ignored"] = " ".join(dropped)
    if plugins.pinned:
        metrics["plugins"] = ", ".join(plugins.pinned)
    if plugins.unpinned:
        metrics["plugins_not_installed"] = (
            ", ".join(plugins.unpinned) + " (no pinned version)"
        )
    return evaluate(
        "flake8",
        choice=choice,
        scope=scope,
        every=every,
        blanket=blanket,
        invalid=invalid,
        metrics=metrics,
    )


def _flake8_memo(
    ctx: GateContext,
    flake8: toolenv.Tool,
    argv: list[str],
    paths: tuple[str, ...],
    config: str | None,
) -> PerFileMemo | None:
    """Per-file results of flake8 for a whole-tree run with the cache on, keyed
    by its version, its plugins, its arguments and its configuration's text.

    Its checks judge each file on its own (pyflakes, pycodestyle, mccabe and
    the plugins see one file's tree, tokens and lines)."""
    if paths != (".",) or ctx.settings.cache_dir is None:
        return None
    try:
        text = (ctx.target.root / config).read_text("utf-8") if config else ""
    except (OSError, UnicodeDecodeError):
        return None
    version = flake8.pinned or ctx.tools.get("flake8", "")
    return PerFileMemo(
        tool_folder(ctx.settings, ctx.scratch, "flake8-files"),
        tool_key=tool_key("flake8", version, *argv, text),
        root=ctx.target.root,
    )


def _flake8_diagnostics(
    ctx: GateContext,
    argv: list[str],
    paths: tuple[str, ...],
    memo: PerFileMemo | None,
) -> list[flake8_config.Diagnostic]:
    """flake8's diagnostics: of the changed files only (its walk of the tree
    with ``--filename`` naming them) and the rest remembered, when ``memo``
    knows every other file; in flake8's own order either way (by file name as
    printed, then as flake8 listed each file's)."""
    plan = memo.plan() if memo is not None else Plan(full=True)
    if not plan.full and not plan.rerun:
        ctx.record_command([*argv, *paths])
        return _remembered(plan.reused)
    only = None if plan.full else flake8_config.only_files(plan.rerun)
    if only is None:
        plan = Plan(full=True)
    completed = ctx.run([*argv, *([only] if only else []), *paths]).require_complete()
    try:
        diagnostics = flake8_config.parse_counted(completed.stdout)
    except ValueError as error:
        raise GateError(f"flake8's output cannot be read: {error}") from None
    if memo is None:
        return diagnostics
    fresh: dict[str, list[list[int | str]]] = {
        rel: [] for rel in (memo.current if plan.full else plan.rerun)
    }
    for item in diagnostics:
        rel = ctx.target.rel(item.path)
        if rel not in fresh:  # a file the memo does not know: remember nothing
            return diagnostics
        fresh[rel].append([item.row, item.col, item.code, item.text])
    memo.save({**plan.reused, **fresh})
    return _remembered({**plan.reused, **fresh})


def _remembered(results: Mapping[str, Any]) -> list[flake8_config.Diagnostic]:
    return [
        flake8_config.Diagnostic(
            path=f"./{rel}", row=row, col=col, code=code, text=text
        )
        for rel in sorted(results, key=lambda rel: f"./{rel}")
        for row, col, code, text in results[rel]
    ]


def _ruff(ctx: GateContext) -> toolenv.Tool:
    ruff = toolenv.resolve(ctx.target, "ruff", run=ctx.run)
    if ruff.own:
        ctx.tool_version("ruff")
    else:
        ctx.record_tool("ruff", ruff.pinned or "")
    return ruff


def ruff_base(
    ruff: toolenv.Tool, root: Path, *, isolated: bool, excludes: tuple[str, ...]
) -> list[str]:
    """ruff's arguments common to both passes; links leaving the target (or
    looping) are excluded, never read."""
    return [
        ruff.executable,
        "check",
        "--output-format",
        "json",
        "--no-fix",
        "--no-cache",
        "--force-exclude",
        *(("--isolated",) if isolated else ()),
        *(f"--extend-exclude={folder}" for folder in excludes),
        *(f"--extend-exclude=./{link}" for link in unsafe_links(root)),
    ]


def noqa_pass(
    ctx: GateContext, base: list[str], paths: tuple[str, ...], stderr: str | None
) -> tuple[list[Finding], list[Finding]]:
    """Blanket ``# noqa`` diagnostics (a second, cheap pass selecting only
    ``PGH004``, whatever the target selects; its exclusions and per-file
    ignores still apply) and invalid ``# noqa`` warnings (of ``stderr``, the
    main ruff pass's, else of this pass)."""
    completed = ctx.run([*base, "--select", BLANKET_NOQA, *paths], ok_codes=(0, 1))
    blanket = [
        diagnostic_finding(ctx.target, item)
        for item in read_diagnostics(json_output(completed))
        if item.get("code") == BLANKET_NOQA
    ]
    warnings = completed.stderr if stderr is None else stderr
    return blanket, invalid_noqa_findings(ctx.target, warnings)


def evaluate(
    shown: str,
    *,
    choice: flake8_config.Linter,
    scope: Scope,
    every: list[Finding],
    blanket: list[Finding],
    invalid: list[Finding],
    metrics: dict[str, int | float | str],
) -> Evaluation:
    """The linter's findings in scope, blanket and invalid ``# noqa`` ones
    not already among them, and the metrics that say what was left out."""
    excluded: Counter[str] = Counter()

    def kept(findings: list[Finding]) -> list[Finding]:
        return precommit.keep_in_scope(scope.left_out, findings, excluded)

    reported = kept(every)
    seen = {(f.path, f.line) for f in reported if f.rule == BLANKET_NOQA}
    extra: list[Finding] = []
    for finding in kept(blanket):
        if (finding.path, finding.line) not in seen:
            seen.add((finding.path, finding.line))
            extra.append(finding)
    noqa = kept(invalid)
    open_count = len(reported) + len(noqa)
    result: dict[str, int | float | str] = {
        "total": len(reported),
        "fixable": sum(1 for finding in reported if finding.tool_fix),
        "by_rule": summarise(Counter(finding.rule for finding in reported)),
        "invalid_noqa": len(noqa),
        "blanket_noqa": len(seen),
        **metrics,
        "linter": choice.tool,
        "linter_evidence": choice.evidence,
    }
    if scope.sources:
        result["exclusions"] = scope.sources
        result["excluded_findings"] = sum(excluded.values())
        if excluded:
            result["excluded_by"] = summarise(excluded)
    return Evaluation(
        criteria=(
            Criterion(
                text=f"{shown} passes ({plural(open_count, 'finding')})",
                met=open_count == 0,
            ),
        ),
        findings=(*reported, *extra, *noqa),
        metrics=result,
        title=f"{choice.tool} lint",
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
    except (ValueError, RecursionError):  # bad JSON, a 5,000-digit int, deep nesting
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


#: Where each flake8 code family is documented (the first prefix that matches).
FLAKE8_DOCS = (
    ("F", "https://flake8.pycqa.org/en/latest/user/error-codes.html"),
    ("C90", "https://github.com/PyCQA/mccabe"),
    ("E", "https://pycodestyle.pycqa.org/en/latest/intro.html#error-codes"),
    ("W", "https://pycodestyle.pycqa.org/en/latest/intro.html#error-codes"),
)
#: flake8's codes for a file it could not read or parse.
FLAKE8_BROKEN = frozenset({"E902", "E999"})


def flake8_finding(target: Target, item: flake8_config.Diagnostic) -> Finding:
    """One flake8 diagnostic, under its own code; pyflakes' and broken files'
    codes are medium, like ruff's F rules and syntax errors."""
    serious = item.code.startswith("F") or item.code in FLAKE8_BROKEN
    docs = next(
        (url for prefix, url in FLAKE8_DOCS if item.code.startswith(prefix)), None
    )
    return Finding(
        rule=item.code,
        severity=Severity.MEDIUM if serious else Severity.LOW,
        priority=Priority.P1,
        message=item.text.strip() or item.code,
        path=target.rel(item.path),
        line=item.row or None,
        fix=docs
        or f"see the documentation of the flake8 plugin that reports {item.code}",
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
