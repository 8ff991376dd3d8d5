"""From pytest's reports to findings: why collection broke, what failed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from readiness import command, environments, wording
from readiness.findings import Finding, Priority, Rule, Severity
from readiness.pytest_survey.imports import ImportSite, local_modules
from readiness.pytest_survey.marks import Survey
from readiness.target import Target

from . import contain
from .config import Config, declare_in
from .imports import WELL_KNOWN, Undeclared
from .machine import Cause, cause
from .rules import (
    COLLECTION_ERROR,
    CONFTEST_CRASH,
    ENVIRONMENT_FAILURE,
    ERRORING_TEST,
    FAILING_TEST,
    FLAKY_TEST,
    LOW_COVERAGE,
    NO_TESTS,
    PYTEST_UNUSABLE,
    SYNTAX_ERROR,
    TREE_CHANGED,
    UNDECLARED_IMPORT,
    UNREGISTERED_MARKER,
)
from .run import Case, Coverage, FileCoverage, Outcome, exit_meaning
from .selection import Selection

#: Findings for failing tests beyond this many are summed up in one.
MAX_TEST_FINDINGS = 50
#: How many of the modules below the threshold are named.
MAX_COVERAGE_FINDINGS = 5

_MARKER_ERROR = re.compile(r"'(?P<marker>[^']+)' not found in `markers` configuration")
_NO_MODULE = re.compile(r"No module named '(?P<module>[^']+)'")
_SYNTAX = re.compile(r'^E?\s*File "(?P<path>[^"]+)", line (?P<line>\d+)', re.MULTILINE)
_E_LINE = re.compile(r"^E\s+(?P<text>\S.*)$", re.MULTILINE)
_LOCATION = re.compile(r"^(?P<path>[^\s:<>][^:\n]*\.py):(?P<line>\d+): ", re.MULTILINE)
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Warning))")
_CONFTEST_LOAD = re.compile(
    r"^ImportError while loading conftest '(?P<path>[^']+)'\.$", re.MULTILINE
)
#: ``ERROR: ...`` (not argparse's usage line) and argparse's ``PROG: error: ...``.
_USAGE = re.compile(
    r"^(?:ERROR: (?!usage: )|[^\n]*?: error: )(?P<text>.+)$", re.MULTILINE
)
_INTERNAL = re.compile(r"^INTERNALERROR> (?P<text>\S.*)$", re.MULTILINE)


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """What the gate knew before the run."""

    target: Target
    config: Config
    survey: Survey
    selection: Selection
    undeclared: tuple[Undeclared, ...]
    environment: environments.Environment


@dataclass(frozen=True, kw_only=True)
class Broken:
    """A file pytest could not collect, with pytest's explanation."""

    path: str
    text: str


def startup_failures(target: Target, stderr: str) -> list[Broken]:
    """A conftest that fails while pytest starts is only on stderr (no report yet)."""
    found = []
    for match in _CONFTEST_LOAD.finditer(stderr):
        rest = stderr[match.end() :]
        following = _CONFTEST_LOAD.search(rest)
        text = rest[: following.start()] if following else rest
        found.append(Broken(path=target.rel(match["path"]), text=text))
    return found


def diagnose(
    inputs: Inputs, item: Broken, aborted: set[tuple[str, str]]
) -> list[Finding]:
    """Why pytest could not collect ``item``, as findings with file:line."""
    target = inputs.target
    marker = _MARKER_ERROR.search(item.text)
    if marker is not None:
        return marker_findings(inputs, item, marker["marker"])
    location = crash_location(target, item.text)
    path, line = location if location else (item.path, None)
    detail = error_line(item.text)
    missing = _NO_MODULE.search(item.text)
    if missing is not None:
        module = missing["module"]
        top = module.partition(".")[0]
        own = top in local_modules(target, [target.root / path])
        if not own and "ModuleNotFoundError" in detail:
            aborted.add((path, top))
            if any(
                u.site.path == path and u.site.top == top for u in inputs.undeclared
            ):
                return []  # the static finding for that import says it, see below
            site = ImportSite(module=module, path=path, line=line or 0)
            guess = Undeclared(
                site=site, distribution=WELL_KNOWN.get(top), installed=False
            )
            return [undeclared_finding(inputs, guess, aborted=True)]
    syntax = _SYNTAX.search(item.text)
    if "SyntaxError" in detail or "IndentationError" in detail or "TabError" in detail:
        where = (
            (target.rel(syntax["path"]), int(syntax["line"]))
            if syntax
            else (path, line)
        )
        return [
            _finding(
                SYNTAX_ERROR,
                f"{detail}; pytest cannot collect {where[0]}",
                path=where[0],
                line=where[1],
            )
        ]
    if path.endswith("conftest.py") or item.path.endswith("conftest.py"):
        return [
            _finding(
                CONFTEST_CRASH,
                f"conftest.py raises {detail}; pytest cannot collect the tests"
                " below it",
                path=path,
                line=line,
            )
        ]
    return [
        _finding(
            COLLECTION_ERROR,
            f"pytest cannot collect {item.path}: {detail}",
            path=path,
            line=line,
        )
    ]


def marker_findings(inputs: Inputs, item: Broken, marker: str) -> list[Finding]:
    target = inputs.target
    config = target.pytest_config
    where, section = (
        (config.path, config.section)
        if config
        else ("pyproject.toml", "tool.pytest.ini_options")
    )
    sites = [
        use
        for use in inputs.survey.uses
        if use.marker == marker
        and (use.path == item.path or use.path.startswith(f"{item.path}/"))
    ]
    locations: list[tuple[str, int | None]] = [(use.path, use.line) for use in sites]
    return [
        _finding(
            UNREGISTERED_MARKER,
            f"marker {marker!r} is not registered; pytest aborted collecting"
            f" {item.path}",
            path=path,
            line=line,
            fix=f"register it in {where} [{section}] markers:"
            f' "{marker}: <description>"',
            details={"marker": marker, "config": where},
        )
        for path, line in locations or [(item.path, None)]
    ]


def undeclared_finding(inputs: Inputs, item: Undeclared, *, aborted: bool) -> Finding:
    """TS002, as severe as its evidence: High only when pytest could not import
    the file; Medium for a module-level import of a module the test environment
    has only through readiness (or lacks while pytest did not get that far);
    Low for an import inside a test function or of a module no known
    distribution provides."""
    site = item.site
    where, declare = declare_in(inputs.target, inputs.config)
    if aborted:
        consequence = f"pytest could not import {site.path}"
        severity = Severity.HIGH
    elif item.installed:
        consequence = (
            "only the packages readiness adds to the test environment provide it"
        )
        severity = Severity.LOW if site.in_function else Severity.MEDIUM
    else:
        consequence = "the test environment does not have it"
        weak = site.in_function or item.distribution is None
        severity = Severity.LOW if weak else Severity.MEDIUM
    if item.distribution is not None:
        provider = f" ({item.distribution})"
        fix = f'add "{item.distribution}" to {where}'
    else:
        provider = ""
        consequence += "; no known distribution provides it"
        fix = f"declare the distribution that provides {site.top!r} in {where}"
    return _finding(
        UNDECLARED_IMPORT,
        f"the tests import {site.module!r} but no declared dependency provides"
        f" it{provider}; {consequence}",
        path=site.path,
        line=site.line or None,
        severity=severity,
        fix=fix,
        details={
            "module": site.top,
            "distribution": item.distribution or "",
            "installed": item.installed,
            **declare,
        },
    )


def crash_location(target: Target, text: str) -> tuple[str, int] | None:
    """The last ``path:line:`` of a traceback that lies inside the target."""
    found = None
    for match in _LOCATION.finditer(text):
        rel = target.rel(match["path"])
        if not rel.startswith("/") and not rel.startswith("../"):
            found = (rel, int(match["line"]))
    return found


def error_line(text: str) -> str:
    """The exception pytest reports: the last ``E   Type: message`` line."""
    lines = [m["text"].strip() for m in _E_LINE.finditer(text)]
    exceptions = [line for line in lines if _EXCEPTION.match(line)]
    if exceptions:
        return exceptions[-1][:300]
    return command.last_line(text) if text.strip() else "(no details)"


def split_failures(
    cases: Sequence[Case],
    root: Path,
    *,
    euid: int | None = None,
    network_cut: bool = False,
) -> tuple[list[Case], list[tuple[Case, Cause]]]:
    """Failing cases: those the code explains, and those the machine explains
    (``euid``: the user id pytest ran as; ``network_cut``: readiness cut the
    network, see :func:`machine.cause`)."""
    code: list[Case] = []
    machine: list[tuple[Case, Cause]] = []
    for case in cases:
        if case.outcome not in {"failed", "error"}:
            continue
        reason = cause(case, root, euid=euid, network_cut=network_cut)
        if reason is None:
            code.append(case)
        else:
            machine.append((case, reason))
    return code, machine


def deselection(cases: Iterable[Case]) -> str:
    """pytest options that leave ``cases`` out of the run."""
    return " ".join(f'--deselect "{case.nodeid}"' for case in cases)


def test_findings(failing: Sequence[Case]) -> list[Finding]:
    """One finding per failing or erroring test the code explains (capped)."""
    failing = [case for case in failing if case.outcome in {"failed", "error"}]
    findings = []
    for case in failing[:MAX_TEST_FINDINGS]:
        rule = FAILING_TEST if case.outcome == "failed" else ERRORING_TEST
        first = first_line(case.message) or error_line(case.text)
        verb = "failed" if case.outcome == "failed" else "errored"
        path, line = _where(case)
        findings.append(
            _finding(
                rule,
                f"{case.nodeid} {verb}: {first}",
                path=path,
                line=line,
                details={"test": case.nodeid},
            )
        )
    if len(failing) > MAX_TEST_FINDINGS:
        findings.append(
            _finding(
                FAILING_TEST,
                f"... and {len(failing) - MAX_TEST_FINDINGS} more failing tests",
            )
        )
    return findings


def flaky_findings(flaky: Sequence[Case]) -> list[Finding]:
    """Failures that passed when rerun alone: Medium, P1, one each (capped)."""
    findings = []
    for case in flaky[:MAX_TEST_FINDINGS]:
        verb = "failed" if case.outcome == "failed" else "errored"
        path, line = _where(case)
        first = first_line(case.message) or error_line(case.text)
        findings.append(
            _flaky(
                f"{case.nodeid} {verb} ({first}), then passed when rerun alone",
                path=path,
                line=line,
                details={"test": case.nodeid, "cause": "flaky"},
            )
        )
    if len(flaky) > MAX_TEST_FINDINGS:
        more = len(flaky) - MAX_TEST_FINDINGS
        findings.append(_flaky(f"... and {more} more flaky tests"))
    return findings


def _flaky(
    message: str,
    *,
    path: str | None = None,
    line: int | None = None,
    details: Mapping[str, str | int | float | bool] | None = None,
) -> Finding:
    return Finding(
        rule=FLAKY_TEST.id,
        severity=Severity.MEDIUM,
        priority=Priority.P1,
        message=message,
        path=path,
        line=line,
        fix=FLAKY_TEST.fix,
        details=dict(details or {}),
    )


def machine_findings(failing: Sequence[tuple[Case, Cause]]) -> list[Finding]:
    """Failures the machine explains: Low, P2, each with its deselection."""
    findings = []
    for case, found in failing[:MAX_TEST_FINDINGS]:
        verb = "failed" if case.outcome == "failed" else "errored"
        path, line = _where(case)
        findings.append(
            Finding(
                rule=ENVIRONMENT_FAILURE.id,
                severity=Severity.LOW,
                priority=Priority.P2,
                message=f"{case.nodeid} {verb} because of the machine:"
                f" {found.reason}",
                path=path,
                line=line,
                fix=f"{found.remedy}, or leave it out here: {deselection([case])}",
                details={"test": case.nodeid, "cause": "environment"},
            )
        )
    rest = [case for case, _ in failing[MAX_TEST_FINDINGS:]]
    if rest:
        findings.append(
            Finding(
                rule=ENVIRONMENT_FAILURE.id,
                severity=Severity.LOW,
                priority=Priority.P2,
                message=f"... and {len(rest)} more tests failed because of the"
                " machine",
                fix=f"leave them out here: {deselection(rest)}",
            )
        )
    return findings


def _where(case: Case) -> tuple[str | None, int | None]:
    location = _last_location(case.text, case.path)
    return case.path, case.line if location is None else location


def _last_location(text: str, path: str | None) -> int | None:
    """The line in the test's own file where the failure was raised, if shown."""
    lines = [int(m["line"]) for m in _LOCATION.finditer(text) if m["path"] == path]
    return lines[-1] if lines else None


def first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def exit_findings(
    inputs: Inputs, outcome: Outcome, cases: Sequence[Case]
) -> list[Finding]:
    """Findings for exits that no test case explains."""
    code = outcome.returncode
    output = f"{outcome.stderr}\n{outcome.stdout}"
    if code == 5:
        deselected = outcome.progress.deselected
        detail = f" ({deselected} deselected)" if deselected else ""
        return [
            _finding(
                NO_TESTS,
                f"pytest collected no tests with the selection {inputs.selection}"
                f"{detail} (exit 5)",
            )
        ]
    if code == 4:
        texts = [m["text"].strip() for m in _USAGE.finditer(output)]
    elif code == 3:
        texts = [m["text"].strip() for m in _INTERNAL.finditer(output)][-1:]
    elif code == 1 and not any(c.outcome in {"failed", "error"} for c in cases):
        texts = [f"pytest exited 1 without a failing test: {command.last_line(output)}"]
    elif code < 0 or code > 5:
        texts = [command.last_line(output)]  # the meaning is in the message
    else:
        texts = []
    if code in {3, 4} and not texts:
        texts = [command.last_line(output)]
    return [
        _finding(
            PYTEST_UNUSABLE,
            f"pytest exit {code} ({exit_meaning(code)}): {text}",
            fix=(
                "register those markers (the selection names them), or leave them"
                " out of [tool.readiness.tests] markers"
                if text.startswith("Unknown marker")
                else None
            ),
        )
        for text in dict.fromkeys(texts)
    ]


def tree_findings(changes: contain.Changes | None) -> list[Finding]:
    """TS013: the project's files the suite deleted, created or changed (in
    the copy it ran on), named in the message and counted in the details."""
    if changes is None or not changes.count:
        return []
    return [
        Finding(
            rule=TREE_CHANGED.id,
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message=contain.message(changes),
            fix=TREE_CHANGED.fix,
            details={
                "deleted": len(changes.deleted),
                "created": len(changes.created),
                "modified": len(changes.modified),
            },
        )
    ]


def coverage_findings(config: Config, coverage: Coverage) -> list[Finding]:
    """Coverage below the target, as the target's owner would read it.

    With a target the project sets (coverage's ``fail_under``, pytest-cov's
    ``--cov-fail-under``, ``[tool.readiness.tests] fail_under``): the modules
    furthest below it, worst first, the project's own measure of a gap. With
    readiness's default only, at most one Low finding for the total, and only
    while the total is below it: the project agreed to no figure per module,
    and on the field corpus every module below 90 % was an import fallback, a
    deprecation shim or code that runs in a subprocess coverage does not follow
    (requests, unearth, pytest-xdist), not a gap a maintainer would fill. The
    per-module figures are then the gate's metrics (:func:`coverage_metrics`).
    The caller leaves this out when no test ran: the figures would only repeat
    that.
    """
    below = modules_below(config, coverage)
    if config.threshold_source == "default":
        if coverage.percent >= config.threshold:
            return []
        return [
            _finding(
                LOW_COVERAGE,
                f"{coverage.percent:.2f} % of the code is covered ({coverage.missing}"
                f" of {coverage.statements} statements missed), below readiness's"
                f" default of {config.threshold:g} % (the project sets no coverage"
                f" target); {wording.plural(len(below), 'module')} below it, listed"
                " in the gate's metrics",
                severity=Severity.LOW,
                fix="add tests for the modules the metrics list, or set the"
                " project's own target (fail_under in coverage's configuration)",
                details={"percent": round(coverage.percent, 2), "target": "default"},
            )
        ]
    severity = Severity.MEDIUM if coverage.percent < config.threshold else Severity.LOW
    return [
        _finding(
            LOW_COVERAGE,
            f"{entry.percent:.2f} % covered ({entry.missing} of {entry.statements}"
            f" statements missed), below {config.threshold:g} %"
            f" ({config.threshold_source})",
            path=entry.path,
            line=entry.first_missing,
            severity=severity,
            details={"percent": round(entry.percent, 2)},
        )
        for entry in below[:MAX_COVERAGE_FINDINGS]
    ]


def modules_below(config: Config, coverage: Coverage) -> list[FileCoverage]:
    """The measured modules below the threshold, worst first."""
    return sorted(
        (f for f in coverage.files if f.percent < config.threshold and f.statements),
        key=lambda f: (f.percent, f.path),
    )


def coverage_metrics(config: Config, coverage: Coverage) -> dict[str, int | str]:
    """The per-module figures for the gate's metrics: how many modules are
    below the threshold and the worst of them (the findings name them only
    when the project sets its own target)."""
    below = modules_below(config, coverage)
    worst = ", ".join(
        f"{entry.path} {entry.percent:.2f} %" for entry in below[:MAX_COVERAGE_FINDINGS]
    )
    more = len(below) - MAX_COVERAGE_FINDINGS
    if more > 0:
        worst += f" and {more} more"
    return {"coverage_modules_below": len(below), "coverage_lowest": worst or "none"}


def _finding(
    rule: Rule,
    message: str,
    *,
    path: str | None = None,
    line: int | None = None,
    severity: Severity = Severity.HIGH,
    fix: str | None = None,
    details: Mapping[str, str | int | float | bool] | None = None,
) -> Finding:
    return Finding(
        rule=rule.id,
        severity=severity,
        priority=Priority.P0,
        message=message,
        path=path,
        line=line,
        fix=rule.fix if fix is None else fix,
        details=dict(details or {}),
    )
