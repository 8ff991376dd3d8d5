"""Baselines for every gate, and waivers: each gate judged on its new findings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from readiness import accepted, cli
from readiness.accepted import Waiver
from readiness.errors import ConfigError
from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    Priority,
    Severity,
    Status,
)
from readiness.gates import registry
from readiness.gates.interface import Baselined

from .conftest import MakeRepo

TODAY = date(2026, 12, 1)
#: The gates whose criteria all follow from their findings, as the audit
#: passes them (their gates say so: ``Gate.criteria_from_findings``).
FROM = frozenset({"lint"})


def finding(rule: str, path: str, message: str = "m") -> Finding:
    return Finding(
        rule=rule, severity=Severity.MEDIUM, priority=Priority.P1, message=message,
        path=path, line=3,
    )  # fmt: skip


F1, F2 = finding("F401", "a.py", "os unused"), finding("F401", "b.py", "sys unused")


def lint(*findings: Finding) -> GateResult:
    return GateResult(
        name="lint",
        status=Status.FAIL if findings else Status.PASS,
        priority=Priority.P1,
        duration_s=1.0,
        findings=findings,
        criteria=(
            Criterion(
                text=f"ruff check passes ({len(findings)} findings)",
                met=not findings,
            ),
        ),
    )


def test_a_gate_whose_findings_are_all_baselined_passes() -> None:
    sections = {"lint": accepted.record([F1, F2])}
    (result,) = accepted.apply(
        [lint(F1, F2)], sections, (), today=TODAY, from_findings=FROM
    )
    assert result.status is Status.PASS
    assert result.criteria == (
        Criterion(
            text="ruff check passes (2 findings); all 2 accepted (baseline or waiver)",
            met=True,
        ),
    )
    assert result.metrics == {"new": 0, "accepted": 2, "gone_from_baseline": 0}
    assert [f.details["accepted"] for f in result.findings] == ["baseline"] * 2


def test_a_new_finding_fails_and_a_gone_one_is_counted_or_strict() -> None:
    sections = {"lint": accepted.record([F1])}
    new = finding("E501", "a.py", "line too long")
    (result,) = accepted.apply(
        [lint(F1, new)], sections, (), today=TODAY, from_findings=FROM
    )
    assert result.status is Status.FAIL
    assert result.metrics["new"] == 1
    assert result.findings[1] == new
    (cleaned,) = accepted.apply([lint()], sections, (), today=TODAY, from_findings=FROM)
    assert cleaned.status is Status.PASS
    assert cleaned.metrics["gone_from_baseline"] == 1
    (strict,) = accepted.apply(
        [lint()], sections, (), today=TODAY, from_findings=FROM, strict=True
    )
    assert strict.status is Status.FAIL
    assert strict.criteria[-1] == Criterion(
        text="no stale baseline entry (1 gone)", met=False
    )


def test_waivers_by_rule_path_and_fingerprint_and_their_expiry() -> None:
    by_rule = Waiver(reason="legacy", rule="F4", path="a.*")
    by_print = Waiver(reason="known", fingerprint=F2.fingerprint)
    (result,) = accepted.apply(
        [lint(F1, F2)], {}, (by_rule, by_print), today=TODAY, from_findings=FROM
    )
    assert result.status is Status.PASS
    assert [f.details["accepted"] for f in result.findings] == [
        "waived: legacy",
        "waived: known",
    ]
    old = Waiver(reason="until fixed", rule="F401", expires=date(2026, 1, 31))
    (expired,) = accepted.apply([lint(F1)], {}, (old,), today=TODAY, from_findings=FROM)
    assert expired.status is Status.FAIL
    assert expired.findings[-1].rule == "RD001"
    assert expired.findings[-1].message == (
        "the waiver of F401 expired on 2026-01-31: until fixed"
    )


def test_criteria_not_from_findings_and_errors_are_left_alone() -> None:
    tests = GateResult(
        name="tests",
        status=Status.FAIL,
        priority=Priority.P0,
        duration_s=1.0,
        findings=(F1,),
        criteria=(Criterion(text="coverage >= 90 % (80 %)", met=False),),
    )
    error = GateResult(
        name="lint", status=Status.ERROR, priority=Priority.P1, duration_s=0.1
    )
    sections = {"tests": accepted.record([F1]), "lint": accepted.record([F1])}
    judged = accepted.apply(
        [tests, error], sections, (), today=TODAY, from_findings=FROM
    )
    assert judged[0].status is Status.FAIL
    assert judged[0].criteria == tests.criteria
    assert judged[1] == error


def test_the_gates_say_whose_criteria_follow_their_findings() -> None:
    """What :func:`accepted.apply` needs to know of a gate, the gate declares:
    a new gate is one module and one registry line, nothing to add here."""
    gates = registry()
    assert {name for name, gate in gates.items() if gate.criteria_from_findings} == {
        "build", "markers", "lint", "format", "sast", "deps", "secrets", "cli", "docs",
    }  # fmt: skip
    assert [name for name, gate in gates.items() if issubclass(gate, Baselined)] == [
        "typing"
    ]


def test_a_gate_with_a_baseline_of_its_own_is_not_judged_by_fingerprints() -> None:
    """The typing gate's section is its ratchet: never read as fingerprints."""
    typing = GateResult(
        name="typing", status=Status.FAIL, priority=Priority.P1, duration_s=1.0,
        findings=(F1,), criteria=(Criterion(text="strict scope clean", met=False),),
    )  # fmt: skip
    sections = {"typing": accepted.record([F1])}
    (judged,) = accepted.apply(
        [typing], sections, (), today=TODAY, from_findings=FROM, own_baseline={"typing"}
    )
    assert judged == typing
    (as_prints,) = accepted.apply(
        [typing], sections, (), today=TODAY, from_findings={"typing"}
    )
    assert as_prints.status is Status.PASS
    assert as_prints.findings[0].details["accepted"] == "baseline"


def test_the_recorded_section_is_sorted_and_stable() -> None:
    assert accepted.record([F2, F1, F1]) == accepted.record([F1, F2])
    assert [e["path"] for e in accepted.record([F2, F1])["findings"]] == [
        "a.py",
        "b.py",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "[[tool.readiness.waivers]] must be an array of tables"),
        ([{"rule": "B101"}], "[[tool.readiness.waivers]] entry 1 needs a reason"),
        ([{"reason": "x"}], "entry 1 needs a rule or a fingerprint"),
        ([{"reason": "x", "rule": "B1", "why": 1}], "entry 1 has unknown key 'why'"),
        ([{"reason": "x", "rule": "B1", "expires": "soon"}], "expires must be a date"),
    ],
)
def test_bad_waivers_are_one_line_errors(raw: object, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        accepted.waivers(raw)
    assert message in str(refused.value)


PROJECT = {
    "pyproject.toml": """
        [project]
        name = "app"
        version = "1.0"
    """,
    "app/__init__.py": "",
    "app/core.py": "import os\n",
}


@pytest.mark.tools
def test_baseline_write_then_audits_fail_only_on_new_findings(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(PROJECT)
    assert cli.main(["baseline", "write", str(root), "--gate", "lint"]) == 0
    assert capsys.readouterr().out == (
        f"wrote {root / 'readiness-baseline.json'}: lint baseline, 1 findings\n"
    )
    saved = json.loads((root / "readiness-baseline.json").read_text())
    assert [e["path"] for e in saved["gates"]["lint"]["findings"]] == ["app/core.py"]
    audit = ["audit", str(root), "--gate", "lint", "--no-cache"]
    assert cli.main(audit) == 0
    (root / "app/core.py").write_text("import os\nimport sys\n")
    assert cli.main(audit) == 1
    (root / "app/core.py").write_text("")
    assert cli.main(audit) == 0
    assert cli.main([*audit, "--strict-baseline"]) == 1
    assert "no stale baseline entry (1 gone)" in capsys.readouterr().out
