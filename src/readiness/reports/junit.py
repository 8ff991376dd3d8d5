"""JUnit XML for test UIs: one test suite per gate, one test case per criterion.

A case is named by its criterion's identity ("ruff check passes"), never by
the figures of one run ("... (29 findings)"): CI test history tracks a case by
its name, so a name that changes with every count would look like a new test
each run and a fixed one would never show as fixed. The figures go into the
failure message and the case's output instead.

An unmet criterion is a failure whose text lists the gate's findings; a gate
that could not run is an error, a skipped gate a skipped case. Each case has a
``time`` (the gate's duration, shared between its cases: one run of the tool
judges them all) and a ``file`` (where the gate's worst finding is, else the
file that declares the project), which CI annotators use to place it.
"""

from __future__ import annotations

from typing import ClassVar
from xml.etree import ElementTree as ET  # nosec B405 - builds XML, never parses it

from readiness.findings import Criterion, Finding, GateResult, Report, Status
from readiness.reports.interface import Renderer, value_text

#: How many findings an unmet criterion's failure text lists.
MAX_LISTED = 200


class JunitRenderer(Renderer):
    format: ClassVar[str] = "junit"
    filename: ClassVar[str] = "readiness-junit.xml"

    def render(
        self,
        report: Report,
        *,
        path_prefix: str = "",
        project_file: str = "pyproject.toml",
        max_listed: int = MAX_LISTED,
    ) -> str:
        """The JUnit document; ``path_prefix`` puts ``file`` under a repository root.

        ``path_prefix`` is the audited folder relative to the repository root
        (``"sub/dir/"``, or ``""``), as for SARIF's ``uri_prefix``;
        ``max_listed`` caps the findings a failure's text lists.
        """
        prefix = path_prefix.strip("/") + "/" if path_prefix.strip("/.") else ""
        suites = ET.Element("testsuites", name=f"readiness {report.target_name}")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for gate in report.gates:
            suite = _suite(report, gate, prefix + project_file, prefix, max_listed)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
            suites.append(suite)
        for key, value in totals.items():
            suites.set(key, str(value))
        suites.set("time", _seconds(sum(gate.duration_s for gate in report.gates)))
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def case_name(criterion: Criterion) -> str:
    """The criterion's identity: its text without the trailing ``(figures)``.

    ``ruff check passes (29 findings)`` -> ``ruff check passes``; every
    trailing parenthesised group goes, nested ones included.
    """
    text = criterion.text.strip()
    while text.endswith(")"):
        start = _opening(text)
        if start is None or not text[:start].strip():
            break
        text = text[:start].rstrip()
    return text


def _opening(text: str) -> int | None:
    """Where the parenthesised group that closes ``text`` opens, if balanced."""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            depth -= 1
            if depth == 0:
                return index
    return None


def _suite(
    report: Report, gate: GateResult, project: str, prefix: str, max_listed: int
) -> ET.Element:
    suite = ET.Element("testsuite", name=gate.name, time=_seconds(gate.duration_s))
    properties = _properties(report, gate)
    if len(properties):
        suite.append(properties)
    classname = f"readiness.{gate.name}"
    cases: list[tuple[str, Criterion | None]] = []
    if gate.status in (Status.ERROR, Status.SKIPPED):
        cases.append((f"{gate.name} gate runs", None))
    cases += [(case_name(criterion), criterion) for criterion in gate.criteria]
    share = gate.duration_s / len(cases) if cases else 0.0
    worst = _worst(gate.findings)
    counts = {"tests": len(cases), "failures": 0, "errors": 0, "skipped": 0}
    names: set[str] = set()
    for name, criterion in cases:
        unique = _unique(name, names)
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=unique, time=_seconds(share)
        )
        failed = criterion is not None and not criterion.met
        where = worst.path if failed and worst is not None else None
        case.set("file", project if where is None else prefix + where)
        if criterion is None:
            kind = "error" if gate.status is Status.ERROR else "skipped"
            ET.SubElement(case, kind, message=gate.reason or "")
            counts["errors" if kind == "error" else "skipped"] += 1
            continue
        if failed:
            counts["failures"] += 1
            failure = ET.SubElement(case, "failure", message=criterion.text)
            failure.text = _listing(gate, max_listed)
        else:
            ET.SubElement(case, "system-out").text = criterion.text
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _properties(report: Report, gate: GateResult) -> ET.Element:
    """The gate's status, whether its result came from the cache, its tool
    version and metrics, for CI UIs that show them."""
    properties = ET.Element("properties")
    rows: list[tuple[str, str]] = [
        ("status", gate.status.value),
        ("priority", gate.priority.value),
        ("cached", "true" if gate.cached else "false"),
    ]
    tool = gate.command[0] if gate.command else ""
    if tool in report.tools:
        rows.append((f"version.{tool}", report.tools[tool]))
    rows += [(f"metric.{k}", value_text(v)) for k, v in gate.metrics.items()]
    for name, value in rows:
        ET.SubElement(properties, "property", name=name, value=value)
    return properties


def _worst(findings: tuple[Finding, ...]) -> Finding | None:
    located = [finding for finding in findings if finding.path is not None]
    return min(located, key=lambda f: f.severity.rank, default=None)


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name [2]`` when two criteria share an identity."""
    unique, number = name, 1
    while unique in taken:
        number += 1
        unique = f"{name} [{number}]"
    taken.add(unique)
    return unique


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _listing(gate: GateResult, max_listed: int) -> str:
    lines = [
        f"{finding.location or '-'} {finding.rule} {finding.message}"
        for finding in gate.findings[:max_listed]
    ]
    if len(gate.findings) > max_listed:
        lines.append(f"... and {len(gate.findings) - max_listed} more")
    return "\n".join(lines)
