"""The tests gate: build the environment, survey, run pytest, judge."""

from __future__ import annotations

import os
from dataclasses import replace

from readiness import environments
from readiness.cache import facts_folder
from readiness.filefacts import FileFacts
from readiness.findings import Criterion, Finding, Priority
from readiness.gates.interface import Evaluation, Gate, GateContext, GateSkipped
from readiness.pytest_survey.files import files_to_scan
from readiness.pytest_survey.imports import import_sites
from readiness.pytest_survey.marks import scan
from readiness.pytest_survey.source import MODULE_FACTS

from . import contain
from .config import Config, configure, environment_spec
from .contain import GUARD_ENV
from .diagnosis import (
    Broken,
    Inputs,
    coverage_findings,
    coverage_metrics,
    deselection,
    diagnose,
    exit_findings,
    flaky_findings,
    machine_findings,
    split_failures,
    startup_failures,
    test_findings,
    tree_findings,
    undeclared_finding,
)
from .imports import collected_files, undeclared_imports
from .probe import declared_closure, probe
from .rules import RULES
from .run import (
    EXIT_MEANINGS,
    MAX_RERUN,
    Outcome,
    exit_meaning,
    rerun_failures,
    run_pytest,
)
from .selection import marker_selection

#: ``RULES`` is re-exported: ``readiness.rules.catalogue`` reads a gate's rules
#: from the module that defines the gate class.
__all__ = ["RULES", "TestsGate", "criteria", "evaluate", "unmeasured"]


class TestsGate(Gate):
    """The target's test suite passes in its own test environment, with coverage."""

    __test__ = False  # a gate, not a pytest test class
    name = "tests"
    title = "pytest and coverage"
    priority = Priority.P0
    cost = 120.0

    def run(self, ctx: GateContext) -> Evaluation:
        target = ctx.target
        running = os.environ.get(GUARD_ENV, "").split(os.pathsep)
        if str(target.root) in running:
            raise GateSkipped(
                "this tests gate runs inside the suite of the same repository;"
                " starting it again would run the suite inside itself"
            )
        config = configure(target, ctx.options)
        # each module's imports and marks from one parse, remembered by content
        # with the markers gate's (across audits)
        facts = FileFacts(facts_folder(ctx.settings), MODULE_FACTS)
        tests, conftests = files_to_scan(target, facts)
        survey = scan(target, tests, conftests, facts)
        facts.save()
        env = environments.ensure(
            target, environment_spec(target, config), run=ctx.run, python=config.python
        )
        ctx.tool_version("uv")
        installed = probe(ctx, env)
        for tool in ("pytest", "pytest-cov"):
            if tool in installed.versions:
                ctx.record_tool(tool, installed.versions[tool])
        selection = marker_selection(config, target, survey, installed)
        declared = declared_closure(target, config, installed)
        collected, written = collected_files(target, tests, conftests)
        undeclared = undeclared_imports(
            target,
            import_sites(target, [*tests, *conftests]),
            installed,
            declared,
            collected=collected,
            written=written,
        )
        sandbox = contain.prepare(ctx, env, network=config.network)
        outcome = run_pytest(
            ctx,
            env,
            config,
            selection,
            plugin=installed.is_plugin(target.name),
            sandbox=sandbox,
        )
        code_failures, _ = split_failures(
            outcome.cases or (),
            target.root,
            euid=outcome.euid,
            network_cut=outcome.network_cut,
        )
        failing = [c for c in code_failures if c.outcome in {"failed", "error"}]
        if failing:
            flaky = rerun_failures(
                ctx,
                env,
                failing,
                pytest_cov="pytest-cov" in installed.versions,
                sandbox=sandbox,
            )
            outcome = replace(outcome, flaky=flaky, rerun=min(len(failing), MAX_RERUN))
        outcome = replace(outcome, changes=contain.compare(ctx, sandbox))
        return evaluate(
            Inputs(
                target=target,
                config=config,
                survey=survey,
                selection=selection,
                undeclared=tuple(undeclared),
                environment=env,
            ),
            outcome,
        )


def evaluate(inputs: Inputs, outcome: Outcome) -> Evaluation:
    """Findings, metrics and the P0 criteria from what the run left behind.

    A module that pytest could not import because a package is missing is
    reported once: the static finding for that import says so (``aborted``
    collects those ``(path, module)`` pairs while collection errors are read).
    """
    cases = outcome.cases or ()
    broken = [
        Broken(path=case.path or case.nodeid, text=case.text)
        for case in cases
        if case.outcome == "collection"
    ]
    broken.extend(startup_failures(inputs.target, outcome.stderr))
    aborted: set[tuple[str, str]] = set()
    findings: list[Finding] = []
    for item in broken:
        findings.extend(diagnose(inputs, item, aborted))
    findings.extend(
        undeclared_finding(
            inputs, item, aborted=(item.site.path, item.site.top) in aborted
        )
        for item in inputs.undeclared
    )
    failures, machine_failures = split_failures(
        cases,
        inputs.target.root,
        euid=outcome.euid,
        network_cut=outcome.network_cut,
    )
    flaky = [case for case in failures if case.nodeid in outcome.flaky]
    code_failures = [case for case in failures if case.nodeid not in outcome.flaky]
    findings.extend(test_findings(code_failures))
    findings.extend(machine_findings(machine_failures))
    findings.extend(flaky_findings(flaky))
    findings.extend(exit_findings(inputs, outcome, cases))
    findings.extend(tree_findings(outcome.changes))
    counts = {
        outcome_name: sum(1 for case in cases if case.outcome == outcome_name)
        for outcome_name in ("passed", "failed", "error", "skipped", "xfailed")
    }
    ran = counts["passed"] + counts["failed"] + counts["error"] > 0
    if outcome.coverage is not None and ran:
        findings.extend(coverage_findings(inputs.config, outcome.coverage))
    meaning = exit_meaning(outcome.returncode, collection_errors=len(broken))
    metrics: dict[str, int | float | str] = {
        "selection": str(inputs.selection),
        # where the test environment's versions came from: the target's lock or not
        "versions_from": inputs.environment.versions_from,
        "exit_code": outcome.returncode,
        "exit_meaning": meaning,
        "passed": counts["passed"],
        "failed": counts["failed"],
        "errors": counts["error"] + len(broken),
        "collection_errors": len(broken),
        "environment_failures": len(machine_failures),
        "flaky": len(flaky),
        "rerun": outcome.rerun,
        "skipped": counts["skipped"],
        "xfailed": counts["xfailed"],
        "deselected": outcome.progress.deselected,
        "coverage": (
            round(outcome.coverage.percent, 2)
            if outcome.coverage is not None
            else "not measured"
        ),
        "coverage_threshold": inputs.config.threshold,
        "coverage_measured_by": outcome.coverage_mode,
        "undeclared_imports": len({item.site.top for item in inputs.undeclared}),
        "test_requirements": inputs.config.source,
        "duration_s": outcome.duration_s,
        "python": str(inputs.environment.interpreter.version),
        "environment": "reused" if inputs.environment.reused else "built",
    }
    if outcome.coverage is not None and ran:
        metrics.update(coverage_metrics(inputs.config, outcome.coverage))
    metrics.update(outcome.containment)
    if outcome.changes is not None:
        metrics["tree_changes"] = outcome.changes.count
        metrics["home_files_written"] = len(outcome.changes.home)
    if machine_failures:
        metrics["environment_deselect"] = deselection(c for c, _ in machine_failures)
    code_failed = any(case.outcome in {"failed", "error"} for case in code_failures)
    only_machine = bool(machine_failures or flaky) and not code_failed and not broken
    return Evaluation(
        criteria=criteria(inputs, outcome, meaning, machine_only=only_machine),
        findings=tuple(findings),
        metrics=metrics,
    )


def criteria(
    inputs: Inputs, outcome: Outcome, meaning: str, *, machine_only: bool = False
) -> tuple[Criterion, ...]:
    """The P0 criteria. Failures the machine explains (TS011) alone do not
    break "pytest passes": they say nothing about the code."""
    config = inputs.config
    passes_text = (
        f"pytest passes with the agreed selection ({inputs.selection})"
        f" (exit {outcome.returncode}: {meaning})"
    )
    if machine_only and outcome.returncode == 1:
        passes_text += (
            "; every failure is the machine's (TS011) or passed when rerun"
            " (TS012), none the code's"
        )
    passes = Criterion(
        text=passes_text,
        met=outcome.returncode == 0 or (machine_only and outcome.returncode == 1),
    )
    wanted = f"coverage >= {config.threshold:g} %"
    if outcome.coverage is not None:
        got = outcome.coverage.percent
        coverage = Criterion(
            text=f"{wanted} (got {got:.2f} %)", met=got >= config.threshold
        )
    else:
        coverage = Criterion(
            text=f"{wanted} (not measured: {unmeasured(config, outcome)})", met=False
        )
    names = sorted({item.site.top for item in inputs.undeclared})
    imports = Criterion(
        text="every test-time import is provided by a declared dependency"
        + (f" ({len(names)} undeclared: {', '.join(names)})" if names else ""),
        met=not names,
    )
    return (passes, coverage, imports)


def unmeasured(config: Config, outcome: Outcome) -> str:
    if not config.coverage:
        return "no package to measure; set [tool.readiness.tests] coverage"
    if outcome.returncode == 5:
        return "no tests collected"
    if outcome.returncode in {2, 3, 4}:
        return f"pytest stopped before reporting ({EXIT_MEANINGS[outcome.returncode]})"
    return "pytest-cov wrote no report"
