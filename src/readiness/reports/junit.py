"""JUnit XML for test UIs: one test suite per gate, one test case per criterion.

An unmet criterion is a failure whose text lists the gate's findings; a gate
that could not run is an error, a skipped gate a skipped case, so CI test
views show the readiness checklist the way they show tests.
"""

from __future__ import annotations

from typing import ClassVar
from xml.etree import ElementTree as ET  # nosec B405 - builds XML, never parses it

from readiness.findings import GateResult, Report, Status
from readiness.reports.interface import Renderer

#: How many findings an unmet criterion's failure text lists.
MAX_LISTED = 200


class JunitRenderer(Renderer):
    format: ClassVar[str] = "junit"
    filename: ClassVar[str] = "readiness-junit.xml"

    def render(self, report: Report) -> str:
        suites = ET.Element("testsuites", name=f"readiness {report.target_name}")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for gate in report.gates:
            suite = _suite(gate)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
            suites.append(suite)
        for key, value in totals.items():
            suites.set(key, str(value))
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _suite(gate: GateResult) -> ET.Element:
    suite = ET.Element("testsuite", name=gate.name, time=f"{gate.duration_s:.3f}")
    classname = f"readiness.{gate.name}"
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if gate.status in (Status.ERROR, Status.SKIPPED):
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=f"{gate.name} gate runs"
        )
        kind = "error" if gate.status is Status.ERROR else "skipped"
        ET.SubElement(case, kind, message=gate.reason or "")
        counts["tests"] = 1
        counts["errors" if kind == "error" else "skipped"] = 1
    for criterion in gate.criteria:
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=criterion.text
        )
        counts["tests"] += 1
        if not criterion.met:
            counts["failures"] += 1
            failure = ET.SubElement(case, "failure", message=criterion.text)
            failure.text = _listing(gate)
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _listing(gate: GateResult) -> str:
    lines = [
        f"{finding.location or '-'} {finding.rule} {finding.message}"
        for finding in gate.findings[:MAX_LISTED]
    ]
    if len(gate.findings) > MAX_LISTED:
        lines.append(f"... and {len(gate.findings) - MAX_LISTED} more")
    return "\n".join(lines)
