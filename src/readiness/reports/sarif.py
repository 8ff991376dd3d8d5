"""SARIF 2.1.0 that GitHub code scanning accepts as is: one run per gate.

Each gate is its own run, with its own tool name and ``automationDetails``
category, so code scanning groups and tracks results by gate (it refuses two
runs of one tool and category in an upload). Gates that could not run, or were
skipped, are tool configuration notifications of their run's invocation, so a
missing check is never silent.

What code scanning needs, and where it is decided here:

* every result has a location: findings about the project as a whole (no
  path) are located at the file that declares the project (``pyproject.toml``
  unless the caller names another), at line 1;
* ``partialFingerprints`` hash the rule, the path, the message and the
  normalised flagged line with the two lines after it (read through the
  caller's ``snippet`` function: renderers never open files), plus an
  occurrence number among identical ones, so distinct findings never collide
  and an edit above a finding leaves it unchanged;
* rules of the security gates carry ``tags: ["security", ...]`` and a
  ``security-severity`` (bandit's severity and confidence, the advisory's CVSS
  score, the kind of secret), and a ``helpUri`` where the tool documents them;
* URIs are relative to ``%SRCROOT%``, the repository root, which the caller
  makes differ from the audited folder with ``uri_prefix``; ``%SRCROOT%`` is
  left for the consumer to resolve (never mapped to ``file:///``);
* GitHub's documented limits (20 runs per file, 25,000 results and rules per
  run, 20 tags per rule) are respected: the least severe results beyond the
  cap are left out and a notification says how many.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

from readiness.findings import Finding, GateResult, Report, Severity, Status
from readiness.reports.interface import Renderer, ReportError, one_line
from readiness.rules import catalogue

#: The line of a file, by path relative to the audited folder and 1-based
#: number, or ``None`` when it cannot be read. The caller reads the files.
Snippet = Callable[[str, int], str | None]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "readiness/v2"
#: GitHub code scanning's hard limits on an upload (docs.github.com, "SARIF
#: results exceed limit").
MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_TAGS = 20
#: Lines of context after the flagged one that go into its fingerprint.
CONTEXT_AFTER = 2

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub's bands: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.LOW: 3.0,
    Severity.INFO: 1.0,
}
#: Bandit's severity sets the band, its confidence the place inside it.
BANDIT_SCORES = {
    (Severity.HIGH, "high"): 8.9,
    (Severity.HIGH, "medium"): 8.0,
    (Severity.HIGH, "low"): 7.0,
    (Severity.MEDIUM, "high"): 6.5,
    (Severity.MEDIUM, "medium"): 5.5,
    (Severity.MEDIUM, "low"): 4.5,
    (Severity.LOW, "high"): 3.5,
    (Severity.LOW, "medium"): 2.5,
    (Severity.LOW, "low"): 1.5,
}
#: detect-secrets types, by the damage a leaked one allows; others score 8.0.
SECRET_SCORES = {
    "Private Key": 9.5,
    "AWS Access Key": 9.3,
    "Azure Storage Account access key": 9.3,
    "GitHub Token": 9.0,
    "GitLab Token": 9.0,
    "PyPI Token": 9.0,
    "Stripe Access Key": 9.0,
    "Basic Auth Credentials": 8.5,
    "JSON Web Token": 7.5,
    "Secret Keyword": 7.5,
    "Base64 High Entropy String": 7.0,
    "Hex High Entropy String": 7.0,
}
ADVISORY_SCORES = {"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 2.5}
SECURITY_GATES = ("sast", "deps", "secrets")
#: Each tool's list of its rules, for a rule without a link of its own: the
#: gate's metric that names the tool it ran, the tool, the list.
TOOL_HELP = {
    "typing": (
        "checker",
        {
            "mypy": "https://mypy.readthedocs.io/en/stable/error_code_list.html",
            "pyright": "https://microsoft.github.io/pyright/#/configuration"
            "?id=type-check-diagnostics-settings",
        },
    ),
    "lint": ("linter", {"ruff": "https://docs.astral.sh/ruff/rules/"}),
}
OSV_URI = "https://osv.dev/vulnerability/{id}"


class SarifRenderer(Renderer):
    format: ClassVar[str] = "sarif"
    filename: ClassVar[str] = "readiness-report.sarif"

    def render(
        self,
        report: Report,
        *,
        snippet: Snippet | None = None,
        uri_prefix: str = "",
        category: str = "readiness",
        project_file: str = "pyproject.toml",
        max_results: int = MAX_RESULTS,
    ) -> str:
        """The SARIF log of ``report``.

        ``snippet`` reads a line of the audited files for the fingerprints
        (without it they fall back to rule, path and message); ``uri_prefix``
        is the audited folder relative to the repository root (``""`` when
        they are the same, else ``"sub/dir/"``); ``category`` starts each
        run's ``automationDetails.id``; ``project_file`` locates findings about
        the project as a whole; ``max_results`` caps each run's results.
        """
        if len(report.gates) > MAX_RUNS:
            message = f"SARIF for code scanning holds at most {MAX_RUNS} runs"
            raise ReportError(f"{message}, the report has {len(report.gates)} gates")
        options = _Options(
            snippet=snippet or _no_snippet,
            prefix=_prefix(uri_prefix),
            category=category.strip("/") or "readiness",
            project_file=project_file,
            max_results=max_results,
        )
        document = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [_run(report, gate, options) for gate in report.gates],
        }
        return json.dumps(document, indent=2) + "\n"


@dataclass(frozen=True, kw_only=True)
class _Options:
    snippet: Snippet
    prefix: str
    category: str
    project_file: str
    max_results: int


def _no_snippet(path: str, line: int) -> str | None:  # noqa: ARG001 - a Snippet
    return None


def _prefix(uri_prefix: str) -> str:
    prefix = uri_prefix.replace("\\", "/").strip("/")
    if prefix in ("", "."):
        return ""
    if prefix.startswith("../") or prefix == ".." or ":" in prefix:
        raise ReportError(
            f"the SARIF root must contain the audited folder, not {uri_prefix!r}"
        )
    return prefix + "/"


def _run(report: Report, gate: GateResult, options: _Options) -> dict[str, Any]:
    tool = gate.command[0] if gate.command else gate.name
    worst_first = sorted(
        range(len(gate.findings)), key=lambda i: gate.findings[i].severity.rank
    )
    findings = [gate.findings[i] for i in sorted(worst_first[: options.max_results])]
    rule_ids = sorted({finding.rule for finding in findings})
    driver: dict[str, Any] = {
        "name": f"readiness-{gate.name}",
        "fullName": f"readiness {gate.name} gate ({gate.title or tool})",
        "version": report.readiness_version,
        "rules": [_rule(rule_id, gate, findings) for rule_id in rule_ids],
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
    left_out = len(gate.findings) - len(findings)
    if left_out:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {
                    "text": f"{left_out} of {len(gate.findings)} results left out:"
                    f" code scanning accepts at most {options.max_results} per run"
                },
            }
        ]
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"{options.category}/{gate.name}/"},
        "invocations": [invocation],
        "results": _results(findings, rule_ids, options),
        "properties": {
            "status": gate.status.value,
            "priority": gate.priority.value,
            # reused from the result cache: none of the gate's inputs changed
            "cached": gate.cached,
        },
    }


def _rule(
    rule_id: str, gate: GateResult, findings: Sequence[Finding]
) -> dict[str, Any]:
    mine = [finding for finding in findings if finding.rule == rule_id]
    worst = min((finding.severity for finding in mine), key=lambda s: s.rank)
    known = catalogue().get(rule_id)
    rule: dict[str, Any] = {"id": rule_id}
    if known is not None:
        rule |= {
            "name": known.title,
            "shortDescription": {"text": known.title},
            "fullDescription": {"text": one_line(known.explanation)},
            "help": {"text": known.fix},
        }
    else:
        test_name = mine[0].details.get("test_name")
        if test_name:
            rule["name"] = str(test_name)
        example = mine[0]
        rule |= {
            "shortDescription": {"text": one_line(example.message)[:200] or rule_id},
            "help": {
                "text": example.fix or f"see the {gate.name} gate's tool for {rule_id}"
            },
        }
        help_uri = _help_uri(rule_id, gate, mine)
        if help_uri:
            rule["helpUri"] = help_uri
    rule["defaultConfiguration"] = {"level": LEVELS[worst]}
    properties: dict[str, Any] = {"tags": _tags(gate.name, mine)}
    score = _security_severity(gate.name, mine)
    if score is not None:
        properties["security-severity"] = f"{score:.1f}"
        properties["precision"] = _precision(mine)
    rule["properties"] = properties
    return rule


def _help_uri(
    rule_id: str, gate: GateResult, findings: Sequence[Finding]
) -> str | None:
    for finding in findings:
        more = finding.details.get("more_info")
        if isinstance(more, str) and more.startswith("https://"):
            return more
        if finding.fix.startswith("https://") and " " not in finding.fix:
            return finding.fix
    if _is_advisory(findings[0]):
        return OSV_URI.format(id=rule_id)
    return _tool_help(gate)


def _tool_help(gate: GateResult) -> str | None:
    """The rule list of the tool the gate ran (its metric's first word: the
    typing gate's says ``mypy (the project's config)``); none for a tool
    without one (flake8, whose plugins document their own codes)."""
    metric, lists = TOOL_HELP.get(gate.name, ("", {}))
    tool = str(gate.metrics.get(metric, "")).split(" ", 1)[0]
    return lists.get(tool)


def _is_advisory(finding: Finding) -> bool:
    return "advisory_severity" in finding.details


#: The deps gate's rule for advisories of packages only test or dev locks pin:
#: security findings rated by their (capped) severity, not the advisory's score.
OUTSIDE_PROD = "DP005"


def _is_security(gate: str, findings: Sequence[Finding]) -> bool:
    """Vulnerabilities, not readiness's own checks of the tools around them."""
    if gate == "secrets":
        return True
    first = findings[0]
    return (gate == "sast" and "confidence" in first.details) or (
        gate == "deps" and (_is_advisory(first) or first.rule == OUTSIDE_PROD)
    )


def _tags(gate: str, findings: Sequence[Finding]) -> list[str]:
    tags = ["security"] if _is_security(gate, findings) else []
    tags.append(gate)
    cwes = sorted({int(f.details["cwe"]) for f in findings if "cwe" in f.details})
    tags += [f"external/cwe/cwe-{cwe}" for cwe in cwes]
    return tags[:MAX_TAGS]


def _security_severity(gate: str, findings: Sequence[Finding]) -> float | None:
    """The worst score among the rule's findings, or None for a non-security rule."""
    if gate not in SECURITY_GATES or not _is_security(gate, findings):
        return None
    return max(_score(finding) for finding in findings)


def _score(finding: Finding) -> float:
    details = finding.details
    score = details.get("score")
    if isinstance(score, int | float) and not isinstance(score, bool):
        return max(0.0, min(float(score), 10.0))
    confidence = details.get("confidence")
    if isinstance(confidence, str):
        key = (finding.severity, confidence.lower())
        if key in BANDIT_SCORES:
            return BANDIT_SCORES[key]
    kind = details.get("type")
    if isinstance(kind, str):
        return SECRET_SCORES.get(kind, SECURITY_SEVERITY[Severity.HIGH])
    advisory = details.get("advisory_severity")
    if isinstance(advisory, str) and advisory in ADVISORY_SCORES:
        return ADVISORY_SCORES[advisory]
    return SECURITY_SEVERITY[finding.severity]


def _precision(findings: Sequence[Finding]) -> str:
    """Bandit's best confidence for the rule; the other sources are exact matches."""
    confidences = {str(f.details.get("confidence", "high")).lower() for f in findings}
    for precision in ("high", "medium", "low"):
        if precision in confidences:
            return "very-high" if precision == "high" else precision
    return "high"


def _results(
    findings: Iterable[Finding], rule_ids: list[str], options: _Options
) -> list[dict[str, Any]]:
    results = []
    seen: Counter[str] = Counter()
    for finding in sorted(findings, key=_order):
        base = _fingerprint(finding, options.snippet)
        seen[base] += 1
        results.append(_result(finding, rule_ids, options, f"{base}:{seen[base]}"))
    return results


def _order(finding: Finding) -> tuple[str, int, str, str]:
    return (finding.path or "", finding.line or 0, finding.rule, finding.message)


def _fingerprint(finding: Finding, snippet: Snippet) -> str:
    """Rule, path, message and the flagged lines with whitespace taken out."""
    context: list[str] = []
    if finding.path is not None and finding.line is not None:
        for number in range(finding.line, finding.line + CONTEXT_AFTER + 1):
            text = snippet(finding.path, number)
            if text is None:
                break
            context.append("".join(text.split()))
    key = "\x1f".join(
        (finding.rule, finding.path or "", one_line(finding.message), *context)
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(
    finding: Finding, rule_ids: list[str], options: _Options, fingerprint: str
) -> dict[str, Any]:
    path = finding.path if finding.path is not None else options.project_file
    region = {"startLine": max(finding.line or 1, 1)}
    message = one_line(finding.message) or finding.rule
    if finding.path is None:
        message = f"{message} (about the project as a whole)"
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_ids.index(finding.rule),
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": _uri(options.prefix + path),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "priority": finding.priority.value,
            "fixable": finding.fixable,
        },
    }


def _uri(path: str) -> str:
    """A relative URI reference: spaces and other reserved characters escaped."""
    return quote(path, safe="/")
