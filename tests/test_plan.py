"""The plan: areas in the seed's order, criteria from the gates, and the verdict."""

from __future__ import annotations

from readiness import plan
from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    Priority,
    Severity,
    Status,
    Verdict,
)
from readiness.gates import registry


def result(
    name: str,
    status: Status,
    *,
    criteria: tuple[Criterion, ...] = (),
    findings: tuple[Finding, ...] = (),
    reason: str | None = None,
) -> GateResult:
    return GateResult(
        name=name,
        status=status,
        priority=registry()[name].priority,
        duration_s=1.0,
        criteria=criteria,
        findings=findings,
        reason=reason,
    )


def finding(rule: str, fix: str, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(
        rule=rule, severity=severity, priority=Priority.P0, message=rule, fix=fix
    )


def test_areas_follow_the_seed_and_collect_their_gates_criteria() -> None:
    results = [
        result("lint", Status.PASS, criteria=(Criterion(text="ruff clean", met=True),)),
        result(
            "sast",
            Status.FAIL,
            criteria=(Criterion(text="bandit High = 0 (1 found)", met=False),),
            findings=(
                finding("B113", "add timeout=", Severity.MEDIUM),
                finding("B202", "use filter='data'"),
                finding("B203", "use filter='data'"),
            ),
        ),
        result("markers", Status.SKIPPED, reason="no tests"),
    ]
    items = plan.build(results)
    assert [(i.priority, i.title, i.gates, i.done) for i in items] == [
        (Priority.P0, "Security hotfixes", ("sast",), False),
        (Priority.P1, "Lint and format baseline", ("lint",), True),
    ]
    assert items[0].actions == ("use filter='data'", "add timeout=")
    assert plan.verdict(results, items) is Verdict.NOT_READY


def test_a_gate_error_is_an_unmet_criterion_and_blocks_ready() -> None:
    results = [result("format", Status.ERROR, reason="black is not installed")]
    (item,) = plan.build(results)
    assert item.criteria == (
        Criterion(text="the format gate runs (black is not installed)", met=False),
    )
    assert item.actions == ("Make the format gate runnable: black is not installed",)
    assert plan.verdict(results, (item,)) is Verdict.NOT_READY


def test_all_criteria_met_is_ready_and_actions_are_capped() -> None:
    ok = [result("lint", Status.PASS, criteria=(Criterion(text="x", met=True),))]
    assert plan.verdict(ok, plan.build(ok)) is Verdict.READY
    many = tuple(finding(f"E{i}", f"fix {i}") for i in range(12))
    failing = [result("lint", Status.FAIL, findings=many)]
    (item,) = plan.build(failing)
    assert len(item.actions) == plan.MAX_ACTIONS + 1
    assert item.actions[-1] == "... and 4 more"


def test_a_gate_in_no_area_is_an_area_of_its_own_at_its_priority() -> None:
    new = GateResult(
        name="licence",
        title="Licence headers",
        status=Status.FAIL,
        priority=Priority.P1,
        duration_s=0.1,
        criteria=(Criterion(text="every file has a header", met=False),),
    )
    ops = result("ops", Status.PASS, criteria=(Criterion(text="ok", met=True),))
    sast = result("sast", Status.PASS, criteria=(Criterion(text="ok", met=True),))
    items = plan.build([ops, new, sast])
    assert [(i.priority, i.title, i.gates) for i in items] == [
        (Priority.P0, "Security hotfixes", ("sast",)),
        (Priority.P1, "Licence headers", ("licence",)),
        (Priority.P2, "Operational validations", ("ops",)),
    ]
    assert plan.verdict([ops, new, sast], items) is Verdict.NOT_READY
