"""The report formats: JSON (and reading it back), Markdown, the terminal views.

Reports are built by hand with the small builders below; the plan and the
verdict come from :mod:`readiness.plan`, as in a real audit. The golden files
under ``tests/golden/`` hold the exact text of the sample report in each
format; set ``READINESS_UPDATE_GOLDEN=1`` to rewrite them after an intended
change, and review the diff.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rich.console import Console

from readiness import plan, wording
from readiness.console import LiveProgress, PlainProgress
from readiness.errors import UsageError
from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    PlanItem,
    Priority,
    Report,
    Severity,
    Status,
    Verdict,
)
from readiness.gates import registry
from readiness.gates.interface import Evaluation, Gate, GateContext
from readiness.reports import FORMATS, Renderer, ReportError, renderers
from readiness.reports import interface as report_interface
from readiness.reports.json import JsonRenderer, load, to_data
from readiness.reports.markdown import MAX_SITES, MarkdownRenderer
from readiness.reports.terminal import summary
from readiness.runner import Observer

GOLDEN = Path(__file__).parent / "golden"

# Builders ------------------------------------------------------------------


def finding(
    rule: str = "B113",
    *,
    severity: Severity = Severity.MEDIUM,
    priority: Priority = Priority.P0,
    message: str = "Call to requests without timeout",
    path: str | None = "src/app/x.py",
    line: int | None = 12,
    fix: str = "",
    fixable: bool = False,
    details: Mapping[str, str | int | float | bool] | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        priority=priority,
        message=message,
        path=path,
        line=line,
        fix=fix,
        fixable=fixable,
        details=details or {},
    )


def gate(
    name: str,
    status: Status = Status.PASS,
    *,
    title: str = "",
    duration_s: float = 1.0,
    reason: str | None = None,
    commands: Sequence[Sequence[str]] = (),
    metrics: Mapping[str, int | float | str] | None = None,
    findings: Sequence[Finding] = (),
    criteria: Sequence[Criterion] | None = None,
    priority: Priority | None = None,
) -> GateResult:
    """A gate result; a pass or fail judges one criterion unless told otherwise."""
    if criteria is None:
        judged = status in (Status.PASS, Status.FAIL)
        criteria = (
            [Criterion(text=f"{name} is clean", met=status is Status.PASS)]
            if judged
            else []
        )
    return GateResult(
        name=name,
        title=title,
        status=status,
        priority=priority or registry()[name].priority,
        duration_s=duration_s,
        reason=reason,
        commands=tuple(tuple(command) for command in commands),
        metrics=metrics or {},
        findings=tuple(findings),
        criteria=tuple(criteria),
    )


def make_report(
    *gates: GateResult,
    target: str = "examples/legacy-app",
    tools: Mapping[str, str] | None = None,
    verdict: Verdict | None = None,
    items: Sequence[PlanItem] | None = None,
) -> Report:
    built = plan.build(gates) if items is None else tuple(items)
    return Report(
        target=target,
        target_name=Path(target).name,
        verdict=verdict or plan.verdict(gates, built),
        generated_at="2025-10-11T09:30:00+00:00",
        readiness_version="0.1.0",
        python="3.11.7",
        tools={"ruff": "0.6.9", "bandit": "1.8.0"} if tools is None else tools,
        gates=gates,
        plan=built,
    )


def sample_report() -> Report:
    """A not-ready audit with every kind of gate outcome and finding grouping."""
    bandit_medium = [
        finding(
            path=f"src/app/client{index:02}.py",
            line=12,
            fix="Pass timeout= to requests",
        )
        for index in range(25)
    ]
    return make_report(
        gate(
            "markers",
            Status.FAIL,
            title="Pytest markers",
            duration_s=1.234,
            commands=[["pytest", "--collect-only", "-q", "-m", "not memory"]],
            metrics={"undefined": 2},
            findings=[
                finding(
                    "MK001",
                    message=f"marker {marker!r} is not registered",
                    path=path,
                    line=line,
                    fix="Register the marker in [tool.pytest.ini_options].markers",
                    fixable=True,
                )
                for marker, path, line in (
                    ("memory", "tests/test_perf.py", 8),
                    ("memory", "tests/test_perf.py", 3),
                    ("api_integration", "tests/test_api.py", 21),
                )
            ],
            criteria=[
                Criterion(text="every marker the tests use is registered", met=False)
            ],
        ),
        gate(
            "tests",
            Status.ERROR,
            title="Test suite and coverage",
            duration_s=0.25,
            reason="pytest is not installed in the test environment",
        ),
        gate(
            "lint",
            Status.PASS,
            title="Ruff lint",
            duration_s=2.0,
            commands=[["ruff", "check", "--output-format", "json", "."]],
            metrics={"violations": 0},
        ),
        gate(
            "sast",
            Status.FAIL,
            title="Static security analysis",
            duration_s=6.1,
            commands=[
                ["bandit", "-r", "src", "-f", "json", "-o", "build/out dir/b.json"]
            ],
            metrics={"high": 1, "medium": 25, "score": 0.75},
            findings=[
                finding(
                    "B202",
                    severity=Severity.HIGH,
                    message="tarfile.extractall used without any validation",
                    path="src/app/data.py",
                    line=326,
                    fix="Validate each member's path before extracting",
                    details={"confidence": "high", "cwe": 22},
                ),
                *bandit_medium,
            ],
            criteria=[
                Criterion(text="bandit High = 0", met=False),
                Criterion(
                    text="every Medium fixed or `# nosec` with a reason", met=False
                ),
            ],
        ),
        gate(
            "deps",
            Status.FAIL,
            title="Dependency hygiene",
            duration_s=3.5,
            commands=[["uv", "export", "--no-dev"], ["pip-audit", "-f", "json"]],
            findings=[
                finding(
                    "PYSEC-2024-1",
                    severity=Severity.CRITICAL,
                    priority=Priority.P1,
                    message="tornado 6.0 is vulnerable",
                    path=None,
                    line=None,
                ),
                finding(
                    "PYSEC-2024-1",
                    severity=Severity.HIGH,
                    priority=Priority.P1,
                    message="tornado 6.0 is vulnerable",
                    path=None,
                    line=None,
                ),
            ],
            criteria=[
                Criterion(text="no High/Critical advisory in the prod lock", met=False)
            ],
        ),
        gate(
            "docs",
            Status.SKIPPED,
            title="Docs match the CLI",
            duration_s=0.0,
            reason="no docs",
        ),
    )


def ready_report() -> Report:
    return make_report(
        gate("lint", commands=[["ruff", "check", "."]], metrics={"violations": 0}),
        gate("format", commands=[["black", "--check", "."]]),
    )


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("READINESS_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


# The extension point ---------------------------------------------------------


def test_renderers_are_keyed_by_format() -> None:
    available = renderers()
    assert list(available) == ["md", "json", "sarif", "junit", "html"]
    assert tuple(available) == FORMATS  # the CLI's choices, known without imports
    assert all(cls.format == name for name, cls in available.items())
    assert available["md"] is MarkdownRenderer
    assert available["json"] is JsonRenderer
    assert [cls.filename for cls in available.values()] == [
        "readiness-report.md",
        "readiness-report.json",
        "readiness-report.sarif",
        "readiness-junit.xml",
        "readiness-report.html",
    ]
    assert all(issubclass(cls, Renderer) for cls in available.values())


def test_renderers_returns_a_fresh_mapping_each_call() -> None:
    renderers().clear()
    assert set(renderers()) == {"md", "json", "sarif", "junit", "html"}


def test_report_error_is_a_usage_error() -> None:
    assert issubclass(ReportError, UsageError)
    assert ReportError("x").exit_code == 2


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({}, ""),
        ({"high": 1, "medium": 4}, "high=1, medium=4"),
        ({"coverage": 87.5, "tool": "ruff"}, "coverage=87.5, tool=ruff"),
        ({"ratio": 0.1 + 0.2}, "ratio=0.3"),
    ],
)
def test_figures(metrics: dict[str, int | float | str], expected: str) -> None:
    assert report_interface.figures(metrics) == expected


def test_severity_counts_worst_first_without_zeros() -> None:
    findings = [
        finding(severity=Severity.LOW),
        finding(severity=Severity.HIGH),
        finding(severity=Severity.LOW),
    ]
    assert report_interface.severity_counts(findings) == "1 High, 2 Low"
    assert report_interface.severity_counts([]) == ""


def test_plural_and_one_line() -> None:
    assert wording.plural(1, "site") == "1 site"
    assert wording.plural(0, "site") == "0 sites"
    assert report_interface.one_line("a\n  b\tc ") == "a b c"


# JSON --------------------------------------------------------------------------


def render_json(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(JsonRenderer().render(report))
    return data


def test_json_top_level_fields_in_order() -> None:
    data = render_json(sample_report())
    assert list(data) == [
        "schema",
        "target",
        "target_name",
        "verdict",
        "generated_at",
        "readiness_version",
        "python",
        "tools",
        "summary",
        "gates",
        "plan",
    ]
    assert data["schema"] == "readiness-report/1"
    assert data["target"] == "examples/legacy-app"
    assert data["target_name"] == "legacy-app"
    assert data["verdict"] == "not-ready"
    assert data["generated_at"] == "2025-10-11T09:30:00+00:00"
    assert data["readiness_version"] == "0.1.0"
    assert data["python"] == "3.11.7"
    assert data["tools"] == {"bandit": "1.8.0", "ruff": "0.6.9"}
    assert list(data["tools"]) == ["bandit", "ruff"]


def test_json_summary_counts_gates_and_findings() -> None:
    assert render_json(sample_report())["summary"] == {
        "gates": {"pass": 1, "fail": 3, "error": 1, "skipped": 1},
        "findings": {
            "total": 31,
            "by_priority": {"P0": 29, "P1": 2, "P2": 0},
            "by_severity": {
                "critical": 1,
                "high": 2,
                "medium": 28,
                "low": 0,
                "info": 0,
            },
        },
    }


def test_every_format_marks_the_results_that_came_from_the_cache() -> None:
    report = sample_report()
    sast = report.gates[3]
    reused = dataclasses.replace(sast, cached=True)
    report = dataclasses.replace(
        report, gates=(*report.gates[:3], reused, *report.gates[4:])
    )
    text = {fmt: renderer().render(report) for fmt, renderer in renderers().items()}
    assert render_json(report)["gates"][3]["cached"] is True
    assert [g["cached"] for g in render_json(report)["gates"]].count(True) == 1
    assert (
        f"- Status: fail in {sast.duration_s:.1f}s (reused from the cache: none of its"
        " inputs changed)" in text["md"]
    )
    assert text["md"].count("reused from the cache") == 1
    assert text["html"].count(" cached</td>") == 1
    assert f"{sast.duration_s:.1f}s cached</td>" in text["html"]
    runs = json.loads(text["sarif"])["runs"]
    assert [run["properties"]["cached"] for run in runs].count(True) == 1
    (reused,) = [run for run in runs if run["properties"]["cached"]]
    assert reused["automationDetails"]["id"].endswith("/sast/")
    assert text["junit"].count('<property name="cached" value="true" />') == 1
    assert (
        text["junit"].count('<property name="cached" value="false" />')
        == len(report.gates) - 1
    )
    assert summary(report).count(" cached") == 1


def test_json_gate_fields() -> None:
    sast = render_json(sample_report())["gates"][3]
    assert list(sast) == [
        "name",
        "title",
        "status",
        "priority",
        "duration_s",
        "reason",
        "command",
        "commands",
        "metrics",
        "findings",
        "criteria",
        "cached",
    ]
    assert sast["cached"] is False
    assert sast["name"] == "sast"
    assert sast["title"] == "Static security analysis"
    assert sast["status"] == "fail"
    assert sast["priority"] == "P0"
    assert sast["duration_s"] == 6.1
    assert sast["reason"] is None
    assert sast["command"] == [
        "bandit",
        "-r",
        "src",
        "-f",
        "json",
        "-o",
        "build/out dir/b.json",
    ]
    assert sast["commands"] == [sast["command"]]
    assert sast["metrics"] == {"high": 1, "medium": 25, "score": 0.75}
    assert len(sast["findings"]) == 26
    assert sast["criteria"] == [
        {"text": "bandit High = 0", "met": False},
        {"text": "every Medium fixed or `# nosec` with a reason", "met": False},
    ]


def test_json_error_gate_has_reason_and_empty_command() -> None:
    tests = render_json(sample_report())["gates"][1]
    assert tests["status"] == "error"
    assert tests["reason"] == "pytest is not installed in the test environment"
    assert tests["command"] == []
    assert tests["commands"] == []


def test_json_finding_fields() -> None:
    report = sample_report()
    data = render_json(report)["gates"][3]["findings"][0]
    assert data == {
        "rule": "B202",
        "severity": "high",
        "priority": "P0",
        "path": "src/app/data.py",
        "line": 326,
        "message": "tarfile.extractall used without any validation",
        "fix": "Validate each member's path before extracting",
        "fixable": False,
        "tool_fix": False,
        "fingerprint": report.gates[3].findings[0].fingerprint,
        "details": {"confidence": "high", "cwe": 22},
    }


def test_json_keeps_every_finding_beyond_the_markdown_cap() -> None:
    data = render_json(sample_report())
    assert len(data["gates"][3]["findings"]) > MAX_SITES


def test_json_plan_items() -> None:
    items = render_json(sample_report())["plan"]
    assert [item["title"] for item in items] == [
        "Security hotfixes",
        "Test unblocking and coverage",
        "Lint and format baseline",
        "Dependency hygiene",
    ]
    assert items[1] == {
        "priority": "P0",
        "title": "Test unblocking and coverage",
        "gates": ["markers", "tests"],
        "criteria": [
            {"text": "every marker the tests use is registered", "met": False},
            {
                "text": "the tests gate runs"
                " (pytest is not installed in the test environment)",
                "met": False,
            },
        ],
        "actions": [
            "Register the marker in [tool.pytest.ini_options].markers",
            (
                "Make the tests gate runnable:"
                " pytest is not installed in the test environment"
            ),
        ],
        "done": False,
    }
    assert items[2]["done"] is True


def test_json_is_indented_and_ends_with_a_newline() -> None:
    text = JsonRenderer().render(ready_report())
    assert text.startswith('{\n  "schema": "readiness-report/1",\n')
    assert text.endswith("}\n")
    assert to_data(ready_report())["verdict"] == "ready"


@pytest.mark.parametrize("build", [sample_report, ready_report, make_report])
def test_json_round_trip_is_exact(build: Callable[[], Report]) -> None:
    report = build()
    text = JsonRenderer().render(report)
    loaded = load(text)
    assert JsonRenderer().render(loaded) == text
    assert loaded == report


def test_json_round_trip_keeps_markdown_identical() -> None:
    report = sample_report()
    loaded = load(JsonRenderer().render(report))
    assert MarkdownRenderer().render(loaded) == MarkdownRenderer().render(report)


def test_load_leaves_tool_versions_to_the_report_table() -> None:
    report = dataclasses.replace(
        make_report(gate("lint")),
        gates=(dataclasses.replace(gate("lint"), tools={"ruff": "0.6.9"}),),
    )
    loaded = load(JsonRenderer().render(report))
    assert loaded.tools == {"bandit": "1.8.0", "ruff": "0.6.9"}
    assert loaded.gates[0].tools == {}


def valid_document() -> dict[str, Any]:
    return to_data(sample_report())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a readiness JSON report: Expecting value: line 1 column 1 (char 0)"),
        (
            "{",
            (
                "not a readiness JSON report: Expecting property name enclosed in"
                " double quotes: line 1 column 2 (char 1)"
            ),
        ),
        ("[]", "not a readiness JSON report: the top level is not an object"),
        (
            "{}",
            "unsupported report schema None; this readiness reads 'readiness-report/1'",
        ),
        (
            '{"schema": "readiness-report/2"}',
            (
                "unsupported report schema 'readiness-report/2';"
                " this readiness reads 'readiness-report/1'"
            ),
        ),
    ],
)
def test_load_rejects_other_documents(text: str, message: str) -> None:
    with pytest.raises(ReportError) as raised:
        load(text)
    assert str(raised.value) == message


def _set(document: dict[str, Any], where: Sequence[str | int], value: object) -> None:
    target: Any = document
    for key in where[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[where[-1]]
    else:
        target[where[-1]] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (["target"], _DELETE, "target is missing"),
        (["target"], 3, "target must be a string"),
        (["verdict"], "maybe", "verdict must be one of ready, not-ready, not 'maybe'"),
        (["verdict"], None, "verdict must be a string"),
        (["tools"], [], "tools must be an object"),
        (["tools", "ruff"], 6, "tools.ruff must be a string"),
        (["gates"], {}, "gates must be a list"),
        (["gates", 0], "markers", "gates[0] must be an object"),
        (
            ["gates", 0, "status"],
            "broken",
            "gates[0].status must be one of pass, fail, error, skipped, not 'broken'",
        ),
        (
            ["gates", 0, "priority"],
            "P9",
            "gates[0].priority must be one of P0, P1, P2, not 'P9'",
        ),
        (["gates", 0, "duration_s"], "1s", "gates[0].duration_s must be a number"),
        (["gates", 0, "duration_s"], True, "gates[0].duration_s must be a number"),
        (["gates", 0, "reason"], 0, "gates[0].reason must be a string"),
        (
            ["gates", 0, "commands"],
            [["pytest", 1]],
            "gates[0].commands[0][1] must be a string",
        ),
        (
            ["gates", 0, "commands"],
            ["pytest"],
            "gates[0].commands[0] must be a list of strings",
        ),
        (
            ["gates", 0, "metrics", "undefined"],
            [2],
            "gates[0].metrics.undefined must be a string or a number",
        ),
        (
            ["gates", 0, "findings", 0, "line"],
            "8",
            "gates[0].findings[0].line must be an integer or null",
        ),
        (
            ["gates", 0, "findings", 0, "line"],
            False,
            "gates[0].findings[0].line must be an integer or null",
        ),
        (
            ["gates", 0, "findings", 0, "fixable"],
            "yes",
            "gates[0].findings[0].fixable must be true or false",
        ),
        (
            ["gates", 0, "findings", 0, "severity"],
            "severe",
            (
                "gates[0].findings[0].severity must be one of critical, high, medium,"
                " low, info, not 'severe'"
            ),
        ),
        (
            ["gates", 0, "findings", 0, "details"],
            None,
            "gates[0].findings[0].details must be an object",
        ),
        (["gates", 0, "criteria", 0], [], "gates[0].criteria[0] must be an object"),
        (
            ["gates", 0, "criteria", 0, "met"],
            1,
            "gates[0].criteria[0].met must be true or false",
        ),
        (["plan", 0, "gates", 0], None, "plan[0].gates[0] must be a string"),
        (["plan", 0, "actions"], "fix it", "plan[0].actions must be a list"),
        (
            ["plan", 0, "criteria", 0, "text"],
            _DELETE,
            "plan[0].criteria[0].text is missing",
        ),
    ],
)
def test_load_names_the_malformed_field(
    where: list[str | int], value: object, message: str
) -> None:
    document = valid_document()
    _set(document, where, value)
    with pytest.raises(ReportError) as raised:
        load(json.dumps(document))
    assert str(raised.value) == f"malformed readiness report: {message}"
    assert "\n" not in str(raised.value)


def test_load_ignores_the_derived_fields() -> None:
    document = valid_document()
    document["summary"] = None
    document["gates"][0]["findings"][0]["fingerprint"] = "stale"
    document["plan"][0]["done"] = "whatever"
    loaded = load(json.dumps(document))
    assert loaded == sample_report()


# Markdown ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_md() -> list[str]:
    return lines_of(MarkdownRenderer().render(sample_report()))


def test_markdown_title_and_date(sample_md: list[str]) -> None:
    assert sample_md[:3] == [
        "# legacy-app Production Readiness Gap Analysis",
        "",
        "Date: 2025-10-11T09:30:00+00:00",
    ]


def test_markdown_sections_in_the_seed_order(sample_md: list[str]) -> None:
    assert [line for line in sample_md if line.startswith("## ")] == [
        "## Executive Summary",
        "## Scope and Method",
        "## Findings and Recommended Actions",
        "## Prioritized Remediation Plan",
        "## Ownership & Acceptance Criteria",
        "## Risks if Unaddressed",
        "## Command Reference",
    ]
    assert [line for line in sample_md if line.startswith("### ")] == [
        "### 1) Security hotfixes (P0)",
        "### 2) Test unblocking and coverage (P0)",
        "### 3) Lint and format baseline (P1)",
        "### 4) Dependency hygiene (P1)",
        "### 5) Operational validations (P2)",
    ]


def test_markdown_executive_summary(sample_md: list[str]) -> None:
    assert (
        "Auditing `examples/legacy-app` with 6 gates found 5 of 6 acceptance criteria"
        " unmet. The project is NOT ready for production as-is."
    ) in sample_md
    assert "- sast (bandit): 1 High, 25 Medium (P0)" in sample_md
    assert "- markers (pytest): 3 Medium (P0)" in sample_md
    assert "- deps (uv): 1 Critical, 1 High (P1)" in sample_md
    assert "- tests: pytest is not installed in the test environment" in sample_md
    assert "Skipped gates: docs (no docs)." in sample_md


def test_markdown_primary_gaps_p0_first() -> None:
    report = make_report(
        gate("lint", Status.FAIL, findings=[finding("E501", severity=Severity.LOW)]),
        gate("sast", Status.FAIL),
    )
    text = MarkdownRenderer().render(report)
    assert (
        "Primary gaps:\n\n- sast: not met: sast is clean (P0)\n- lint: 1 Low (P1)\n"
        in text
    )


def test_markdown_failed_gate_without_findings_or_criteria() -> None:
    report = make_report(gate("ops", Status.FAIL, criteria=[]))
    assert "- ops: failed (P2)" in lines_of(MarkdownRenderer().render(report))


def test_markdown_ready_report() -> None:
    lines = lines_of(MarkdownRenderer().render(ready_report()))
    assert (
        "Auditing `examples/legacy-app` with 2 gates found 2 of 2 acceptance criteria"
        " met. The project is ready for production."
    ) in lines
    assert "Primary gaps:" not in lines
    assert "1. Lint and format baseline (P1): done" in lines
    assert "- None: the acceptance criteria hold." in lines
    assert not any(line.startswith("readiness fix") for line in lines)
    assert not any("--gate" in line for line in lines)


def test_markdown_single_criterion_wording() -> None:
    lines = lines_of(MarkdownRenderer().render(make_report(gate("lint", Status.FAIL))))
    assert (
        "Auditing `examples/legacy-app` with 1 gate found 1 of 1 acceptance criterion"
        " unmet. The project is NOT ready for production as-is."
    ) in lines


def test_markdown_empty_report() -> None:
    text = MarkdownRenderer().render(make_report(tools={}))
    lines = lines_of(text)
    assert (
        "Auditing `examples/legacy-app` with 0 gates found no acceptance criterion to"
        " judge. The project is ready for production."
    ) in lines
    assert "- Gates run: none" in lines
    assert "- No tool reported a version." in lines
    assert "- No gate ran an external command." in lines
    assert "Nothing to remediate: no gate judged an acceptance criterion." in lines
    assert "No acceptance criterion was judged." in lines
    assert "## Findings and Recommended Actions\n\n## Prioritized" in text


def test_markdown_scope_and_method(sample_md: list[str]) -> None:
    start = sample_md.index("## Scope and Method")
    end = sample_md.index("## Findings and Recommended Actions")
    assert sample_md[start:end] == [
        "## Scope and Method",
        "",
        "- Target: `examples/legacy-app`",
        "- readiness 0.1.0 on Python 3.11.7",
        "- Gates run: markers, tests, lint, sast, deps",
        "- Gates skipped: docs",
        "",
        "Tool versions:",
        "",
        "| tool | version |",
        "| --- | --- |",
        "| bandit | 1.8.0 |",
        "| ruff | 0.6.9 |",
        "",
        "Commands executed:",
        "",
        "- markers: `pytest --collect-only -q -m 'not memory'`",
        "- lint: `ruff check --output-format json .`",
        "- sast: `bandit -r src -f json -o 'build/out dir/b.json'`",
        "- deps: `uv export --no-dev`",
        "- deps: `pip-audit -f json`",
        "",
    ]


def test_markdown_findings_grouped_by_rule_with_sites(sample_md: list[str]) -> None:
    start = sample_md.index("Observed (sast: Static security analysis):")
    assert sample_md[start : start + 6] == [
        "Observed (sast: Static security analysis):",
        "- Status: fail in 6.1s",
        "- Metrics: high=1, medium=25, score=0.75",
        "- B202 tarfile.extractall used without any validation (high, 1 site)",
        "  - `src/app/data.py:326`",
        "- B113 Call to requests without timeout (medium, 25 sites)",
    ]
    sites = sample_md[start + 6 : start + 6 + MAX_SITES + 1]
    assert sites[0] == "  - `src/app/client00.py:12`"
    assert sites[MAX_SITES - 1] == "  - `src/app/client19.py:12`"
    assert sites[MAX_SITES] == "  - … and 5 more"
    assert "  - `src/app/client20.py:12`" not in sample_md


def test_markdown_site_cap_is_exactly_twenty() -> None:
    findings = [finding(path=f"src/app/m{index:02}.py") for index in range(MAX_SITES)]
    lines = lines_of(
        MarkdownRenderer().render(
            make_report(gate("sast", Status.FAIL, findings=findings))
        )
    )
    assert "  - `src/app/m19.py:12`" in lines
    assert not any("more" in line for line in lines)


def test_markdown_varying_messages_listed_per_site(sample_md: list[str]) -> None:
    start = sample_md.index("Observed (markers: Pytest markers):")
    assert sample_md[start : start + 8] == [
        "Observed (markers: Pytest markers):",
        "- Status: fail in 1.2s",
        "- Metrics: undefined=2",
        "- MK001 (medium, 3 sites)",
        "  - `tests/test_api.py:21` marker 'api_integration' is not registered",
        "  - `tests/test_perf.py:3` marker 'memory' is not registered",
        "  - `tests/test_perf.py:8` marker 'memory' is not registered",
        "",
    ]


def test_markdown_findings_without_location(sample_md: list[str]) -> None:
    start = sample_md.index("Observed (deps: Dependency hygiene):")
    assert sample_md[start : start + 4] == [
        "Observed (deps: Dependency hygiene):",
        "- Status: fail in 3.5s",
        "- PYSEC-2024-1 tornado 6.0 is vulnerable (critical, 2 findings)",
        "",
    ]


def test_markdown_mixed_locations_and_messages() -> None:
    findings = [
        finding("S1", message="first", path=None, line=None),
        finding("S1", message="second", path="setup.py", line=None),
    ]
    lines = lines_of(
        MarkdownRenderer().render(
            make_report(gate("secrets", Status.FAIL, findings=findings))
        )
    )
    index = lines.index("- S1 (medium, 2 sites)")
    assert lines[index + 1 : index + 3] == ["  - first", "  - `setup.py` second"]


def test_markdown_rule_groups_worst_severity_first() -> None:
    findings = [
        finding("A1", severity=Severity.LOW),
        finding("Z9", severity=Severity.HIGH),
        finding("B2", severity=Severity.LOW),
    ]
    lines = lines_of(
        MarkdownRenderer().render(
            make_report(gate("lint", Status.FAIL, findings=findings))
        )
    )
    heads = [
        line
        for line in lines
        if line.startswith("- ") and "(" in line and "site" in line
    ]
    assert [head.split()[1] for head in heads] == ["Z9", "A1", "B2"]


def test_markdown_error_and_skipped_gates(sample_md: list[str]) -> None:
    start = sample_md.index("Observed (tests: Test suite and coverage):")
    assert sample_md[start + 1] == (
        "- Status: error in 0.2s: pytest is not installed in the test environment"
    )
    start = sample_md.index("Observed (docs: Docs match the CLI):")
    assert sample_md[start + 1 : start + 3] == ["- Status: skipped: no docs", ""]


def test_markdown_error_without_reason() -> None:
    lines = lines_of(MarkdownRenderer().render(make_report(gate("cli", Status.ERROR))))
    assert "- Status: error in 1.0s: no reason recorded" in lines
    assert "Observed (cli):" in lines


def test_markdown_actions_and_checkboxes(sample_md: list[str]) -> None:
    start = sample_md.index("### 1) Security hotfixes (P0)")
    end = sample_md.index("### 2) Test unblocking and coverage (P0)")
    section = sample_md[start:end]
    tail = section[section.index("Actions:") :]
    assert tail == [
        "Actions:",
        "",
        "- B202 (1 site): Validate each member's path before extracting",
        "- B113 (25 sites): Pass timeout= to requests",
        "",
        "Acceptance criteria:",
        "",
        "- [ ] bandit High = 0",
        "- [ ] every Medium fixed or `# nosec` with a reason",
        "",
    ]
    assert "- [x] lint is clean" in sample_md


def test_markdown_unmet_plan_without_actions() -> None:
    lines = lines_of(MarkdownRenderer().render(make_report(gate("ops", Status.FAIL))))
    assert "- Address the observations above." in lines


def test_markdown_remediation_plan(sample_md: list[str]) -> None:
    start = sample_md.index("## Prioritized Remediation Plan")
    assert sample_md[start : start + 9] == [
        "## Prioritized Remediation Plan",
        "",
        "1. Security hotfixes (P0): open, 2 of 2 unmet",
        "   - Gates: sast",
        "",
        "2. Test unblocking and coverage (P0): open, 2 of 2 unmet",
        "   - Gates: markers, tests",
        "",
        "3. Lint and format baseline (P1): done",
    ]
    assert "3. Lint and format baseline (P1): done" in sample_md


def test_markdown_criteria_and_tool_table_escape_pipes() -> None:
    report = make_report(
        gate(
            "sast",
            Status.FAIL,
            criteria=[
                Criterion(text="bandit | High = 0", met=False),
                Criterion(text="no secrets\ncommitted", met=True),
            ],
        ),
        tools={"we|ird": "1|2"},
    )
    lines = lines_of(MarkdownRenderer().render(report))
    assert "| we\\|ird | 1\\|2 |" in lines
    assert "- [ ] bandit | High = 0" in lines
    assert "- [x] no secrets committed" in lines


def test_markdown_command_reference(sample_md: list[str]) -> None:
    start = sample_md.index("## Command Reference")
    assert sample_md[start:] == [
        "## Command Reference",
        "",
        "```bash",
        "# The whole audit",
        "readiness audit examples/legacy-app",
        "",
        "# markers: what the gate ran",
        "pytest --collect-only -q -m 'not memory'",
        "",
        "# lint: what the gate ran",
        "ruff check --output-format json .",
        "",
        "# sast: what the gate ran",
        "bandit -r src -f json -o 'build/out dir/b.json'",
        "",
        "# deps: what the gate ran",
        "uv export --no-dev",
        "pip-audit -f json",
        "",
        "# Re-run a gate that failed or could not run",
        "readiness audit examples/legacy-app --gate markers",
        "readiness audit examples/legacy-app --gate tests",
        "readiness audit examples/legacy-app --gate sast",
        "readiness audit examples/legacy-app --gate deps",
        "",
        "# Preview the safe fixes, priority by priority",
        "readiness fix examples/legacy-app --priority P0 --dry-run",
        "readiness fix examples/legacy-app --priority P1 --dry-run",
        "```",
    ]


def test_markdown_quotes_a_target_with_spaces() -> None:
    text = MarkdownRenderer().render(
        make_report(gate("lint", Status.FAIL), target="my repo")
    )
    assert "readiness audit 'my repo' --gate lint\n" in text
    assert "readiness fix 'my repo' --priority P1 --dry-run\n" in text
    assert text.startswith("# my repo Production Readiness Gap Analysis\n")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/a.py", "- Target: `src/a.py`"),
        ("odd`name", "- Target: ``odd`name``"),
        ("`edge", "- Target: `` `edge ``"),
        (" spaced ", "- Target: `  spaced  `"),
    ],
)
def test_markdown_code_spans_survive_backticks(path: str, expected: str) -> None:
    assert expected in lines_of(MarkdownRenderer().render(make_report(target=path)))


def test_markdown_escapes_markup_outside_code_spans() -> None:
    findings = [
        finding(
            "ANN204",
            message='Missing return type for "__init__" (see `__init__`) in *args <T>',
            path="src/pkg/__init__.py",
            line=3,
        )
    ]
    report = make_report(
        gate(
            "typing",
            Status.FAIL,
            findings=findings,
            criteria=[Criterion(text="mypy clean on my_pkg/*", met=False)],
        )
    )
    lines = lines_of(MarkdownRenderer().render(report))
    assert (
        '- ANN204 Missing return type for "\\_\\_init\\_\\_" (see `__init__`)'
        " in \\*args \\<T> (medium, 1 site)"
    ) in lines
    assert "  - `src/pkg/__init__.py:3`" in lines
    assert lines.count("- [ ] mypy clean on my_pkg/\\*") == 1


def test_markdown_unknown_gate_goes_to_other_gates() -> None:
    report = make_report(
        gate("lint"),
        gate("perf", Status.FAIL, priority=Priority.P2, findings=[finding("PF1")]),
        items=(),
    )
    lines = lines_of(MarkdownRenderer().render(report))
    assert "### 2) Other gates" in lines
    assert "Observed (perf):" in lines


def test_markdown_is_deterministic() -> None:
    report = sample_report()
    shuffled = dataclasses.replace(report, tools={"ruff": "0.6.9", "bandit": "1.8.0"})
    reordered = dataclasses.replace(report, tools={"bandit": "1.8.0", "ruff": "0.6.9"})
    assert MarkdownRenderer().render(shuffled) == MarkdownRenderer().render(reordered)
    assert not any(
        line != line.rstrip() for line in MarkdownRenderer().render(report).splitlines()
    )


def test_markdown_golden() -> None:
    check_golden("report.md", MarkdownRenderer().render(sample_report()))


def test_json_golden() -> None:
    check_golden("report.json", JsonRenderer().render(sample_report()))


# Terminal summary ----------------------------------------------------------------


def test_summary_rows() -> None:
    lines = lines_of(summary(sample_report()))
    assert lines[0].split() == [
        "gate",
        "status",
        "priority",
        "key",
        "figures",
        "findings",
        "time",
    ]
    assert lines[1] == "─" * 96
    assert lines[2:8] == [
        (
            "markers   fail      P0         undefined=2"
            "                                              3   1.2s"
        ),
        (
            "tests     error     P0         pytest is not installed in the test"
            " environment          0   0.2s"
        ),
        (
            "lint      pass      P1         violations=0"
            "                                             0   2.0s"
        ),
        (
            "sast      fail      P0         high=1, medium=25, score=0.75"
            "                           26   6.1s"
        ),
        (
            "deps      fail      P1"
            "                                                                  2   3.5s"
        ),
        (
            "docs      skipped   P2         no docs"
            "                                                  0   0.0s"
        ),
    ]


def test_summary_verdict_and_unmet_criteria() -> None:
    lines = lines_of(summary(sample_report(), width=120))
    start = lines.index("Verdict: NOT READY (5 of 6 acceptance criteria unmet)")
    assert lines[start - 1] == ""
    assert lines[start + 1 :] == [
        "P0 unmet:",
        "  - Security hotfixes: bandit High = 0",
        "  - Security hotfixes: every Medium fixed or `# nosec` with a reason",
        "  - Test unblocking and coverage: every marker the tests use is registered",
        (
            "  - Test unblocking and coverage: the tests gate runs"
            " (pytest is not installed in the test environment)"
        ),
        "P1 unmet:",
        "  - Dependency hygiene: no High/Critical advisory in the prod lock",
    ]


def test_summary_wraps_a_long_criterion_under_its_text() -> None:
    lines = lines_of(summary(sample_report(), width=100))
    index = lines.index(
        "  - Test unblocking and coverage: the tests gate runs"
        " (pytest is not installed in the test"
    )
    assert lines[index + 1] == "    environment)"


def test_summary_ready() -> None:
    text = summary(ready_report())
    assert text.endswith("\nVerdict: READY (2 of 2 acceptance criteria met)\n")
    assert "unmet" not in text


def test_summary_single_criterion() -> None:
    text = summary(make_report(gate("lint")))
    assert text.endswith("Verdict: READY (1 of 1 acceptance criterion met)\n")


def test_summary_plain_has_no_escape_codes_and_no_trailing_spaces() -> None:
    text = summary(sample_report(), width=100)
    assert "\x1b" not in text
    assert all(line == line.rstrip() for line in text.splitlines())
    assert max(len(line) for line in text.splitlines()) <= 100


def test_summary_color() -> None:
    text = summary(sample_report(), color=True)
    assert "\x1b[31mfail" in text
    assert "\x1b[32mpass" in text
    assert "NOT READY" in text


def test_summary_does_not_interpret_markup() -> None:
    report = make_report(gate("cli", Status.ERROR, reason="[bold]boom[/bold] :smile:"))
    assert "[bold]boom[/bold] :smile:" in summary(report, width=120)


def test_summary_wraps_to_the_width() -> None:
    text = summary(sample_report(), width=60)
    assert (
        max(len(line) for line in text.splitlines() if not line.startswith("  - "))
        <= 60
    )


def test_summary_golden() -> None:
    check_golden("summary.txt", summary(sample_report()))


# Progress observers ----------------------------------------------------------------


class FakeGate(Gate):
    name: ClassVar[str] = "markers"
    title: ClassVar[str] = "Pytest markers"
    priority: ClassVar[Priority] = Priority.P0

    def run(self, ctx: GateContext) -> Evaluation:
        raise NotImplementedError


def fake_gate(gate_name: str) -> Gate:
    cls = type(f"Fake_{gate_name}", (FakeGate,), {"name": gate_name})
    instance: Gate = cls()
    return instance


def terminal_console(width: int = 80) -> tuple[Console, io.StringIO]:
    output = io.StringIO()
    console = Console(
        file=output,
        width=width,
        force_terminal=True,
        color_system=None,
        legacy_windows=False,
    )
    return console, output


def plain_console() -> tuple[Console, io.StringIO]:
    output = io.StringIO()
    return Console(file=output, width=80, force_terminal=False), output


def test_progress_observers_satisfy_the_runner_protocol() -> None:
    console, _ = plain_console()
    observers: list[Observer] = [
        LiveProgress(console, ["markers"]),
        PlainProgress(console),
    ]
    assert len(observers) == 2


def test_live_progress_draws_each_state() -> None:
    console, output = terminal_console()
    now = [100.0]
    with LiveProgress(
        console, ["markers", "sast", "lint"], clock=lambda: now[0]
    ) as progress:
        progress.started(fake_gate("markers"))
        progress.finished(
            gate("markers", Status.FAIL, duration_s=12.34, findings=[finding()] * 2)
        )
        progress.started(fake_gate("sast"))
        now[0] = 103.0
        progress.started(fake_gate("docs"))
        snapshot = Console(file=io.StringIO(), width=80, color_system=None)
        with snapshot.capture() as capture:
            snapshot.print(progress.renderable())
    frame = [line.rstrip() for line in capture.get().splitlines()]
    assert frame[0] == "readiness: 1/4 gates finished"
    assert frame[3] == "markers   fail         12.3s          2"
    assert frame[4].startswith("sast      ")
    assert frame[4].endswith(" running     3.0s")
    assert frame[5] == "lint      waiting"
    assert frame[6].startswith("docs      ")
    assert frame[6].endswith(" running     0.0s")
    drawn = output.getvalue()
    assert "readiness: 0/3 gates finished" in drawn
    assert "readiness: 1/3 gates finished" in drawn
    assert drawn.endswith("\x1b[2K")  # transient: the table is erased at the end


def test_live_progress_outside_its_context_draws_nothing() -> None:
    console, output = terminal_console()
    progress = LiveProgress(console, ["lint"])
    progress.started(fake_gate("lint"))
    progress.finished(gate("lint"))
    assert output.getvalue() == ""


def test_live_progress_is_silent_on_a_plain_file() -> None:
    console, output = plain_console()
    with LiveProgress(console, ["lint"]) as progress:
        progress.started(fake_gate("lint"))
        progress.finished(gate("lint"))
    assert output.getvalue() == ""


def test_live_progress_from_worker_threads() -> None:
    console, _ = terminal_console()
    names = [f"gate{index}" for index in range(16)]

    with LiveProgress(console, names) as progress:

        def work(name: str) -> None:
            progress.started(fake_gate(name))
            progress.finished(gate(name, priority=Priority.P1))

        threads = [threading.Thread(target=work, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        snapshot = Console(file=io.StringIO(), width=80, color_system=None)
        with snapshot.capture() as capture:
            snapshot.print(progress.renderable())
    assert "readiness: 16/16 gates finished" in capture.get()
    assert capture.get().count("pass") == 16


def test_plain_progress_prints_one_line_per_finished_gate() -> None:
    console, output = plain_console()
    with PlainProgress(console, ["markers", "sast", "tests"]) as progress:
        progress.started(fake_gate("markers"))
        progress.finished(
            gate("markers", Status.FAIL, duration_s=12.34, findings=[finding()] * 2)
        )
        progress.finished(gate("sast", duration_s=0.5, findings=[finding()]))
        progress.finished(
            gate("tests", Status.ERROR, duration_s=0.1, reason="pytest\nmissing")
        )
        progress.finished(gate("docs", Status.SKIPPED, duration_s=0.0))
        progress.finished(
            gate("operations", Status.PASS, duration_s=100.0, priority=Priority.P2)
        )
    assert output.getvalue().splitlines() == [
        "markers   fail       12.3s  2 findings",
        "sast      pass        0.5s  1 finding",
        "tests     error       0.1s  pytest missing",
        "docs      skipped     0.0s  no reason recorded",
        "operations   pass      100.0s  0 findings",
    ]


def test_plain_progress_from_worker_threads() -> None:
    console, output = plain_console()
    progress = PlainProgress(console, ["lint"])
    threads = [
        threading.Thread(
            target=progress.finished, args=(gate("lint", duration_s=float(index)),)
        )
        for index in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = output.getvalue().splitlines()
    assert len(lines) == 20
    assert all(line.startswith("lint   pass   ") for line in lines)
