"""SARIF 2.1.0 for code scanning: one run per gate, results with their locations.

Each gate is its own run, so a code-scanning UI groups results by tool. Gates
that could not run, or were skipped, are reported as tool configuration
notifications of their run's invocation, so a missing check is never silent.
Results carry readiness's line-independent fingerprint as a partial
fingerprint, which keeps alerts stable when lines move.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from readiness.findings import Finding, GateResult, Report, Severity, Status
from readiness.reports.interface import Renderer, one_line
from readiness.rules import catalogue

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


class SarifRenderer(Renderer):
    format: ClassVar[str] = "sarif"
    filename: ClassVar[str] = "readiness-report.sarif"

    def render(self, report: Report) -> str:
        document = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [_run(report, gate) for gate in report.gates],
        }
        return json.dumps(document, indent=2) + "\n"


def _run(report: Report, gate: GateResult) -> dict[str, Any]:
    tool = gate.command[0] if gate.command else gate.name
    rule_ids = sorted({finding.rule for finding in gate.findings})
    driver: dict[str, Any] = {
        "name": f"readiness-{gate.name}",
        "fullName": f"readiness {gate.name} gate ({gate.title or tool})",
        "version": report.readiness_version,
        "rules": [_rule(rule_id, gate) for rule_id in rule_ids],
    }
    if tool in report.tools:
        driver["properties"] = {"tool": tool, "toolVersion": report.tools[tool]}
    invocation: dict[str, Any] = {
        "executionSuccessful": gate.status in (Status.PASS, Status.FAIL),
        "commandLine": " ".join(gate.command),
    }
    if gate.status in (Status.ERROR, Status.SKIPPED):
        invocation["toolConfigurationNotifications"] = [
            {
                "level": "error" if gate.status is Status.ERROR else "note",
                "message": {"text": f"{gate.name} {gate.status}: {gate.reason or ''}"},
            }
        ]
    return {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///"}},
        "results": [_result(finding, rule_ids) for finding in gate.findings],
        "properties": {"status": gate.status.value, "priority": gate.priority.value},
    }


def _rule(rule_id: str, gate: GateResult) -> dict[str, Any]:
    known = catalogue().get(rule_id)
    if known is not None:
        return {
            "id": rule_id,
            "name": known.title,
            "shortDescription": {"text": known.title},
            "fullDescription": {"text": one_line(known.explanation)},
            "help": {"text": known.fix},
        }
    example = next(f for f in gate.findings if f.rule == rule_id)
    return {
        "id": rule_id,
        "shortDescription": {"text": one_line(example.message)[:200]},
        "help": {
            "text": example.fix or f"see the {gate.name} gate's tool for {rule_id}"
        },
    }


def _result(finding: Finding, rule_ids: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_ids.index(finding.rule),
        "level": LEVELS[finding.severity],
        "message": {"text": one_line(finding.message) or finding.rule},
        "partialFingerprints": {"readiness/v1": finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "priority": finding.priority.value,
            "fixable": finding.fixable,
        },
    }
    if finding.path is not None:
        location: dict[str, Any] = {
            "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"}
        }
        if finding.line is not None:
            location["region"] = {"startLine": max(finding.line, 1)}
        result["locations"] = [{"physicalLocation": location}]
    return result
