"""``readiness report merge``: CI matrix jobs' JSON reports as one report.

Each job audits the same target with some of the gates; merging keeps every
gate result, routes the findings to the fixers anew, rebuilds the plan and the
verdict from all of them, and takes the latest date. Two reports of different
targets, or two results for the same gate, cannot be merged: the user must say
which one counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from readiness.audit import build_report
from readiness.errors import UsageError
from readiness.findings import GateResult, Report
from readiness.gates import registry
from readiness.reports.json import load


def read(paths: Sequence[Path]) -> list[Report]:
    reports = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot be read: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not a UTF-8 text file") from None
        try:
            reports.append(load(text))
        except UsageError as error:
            raise UsageError(f"{path}: {error}") from None
    return reports


def merge(reports: Sequence[Report], names: Sequence[str]) -> Report:
    """One report from ``reports`` (``names`` say where each came from, for errors)."""
    if not reports:
        raise UsageError("report merge needs at least one report file")
    first = reports[0]
    gates: dict[str, tuple[GateResult, str]] = {}
    tools: dict[str, str] = {}
    for report, name in zip(reports, names, strict=True):
        if report.target_name != first.target_name:
            raise UsageError(
                f"{name} audits {report.target_name!r}, {names[0]} audits"
                f" {first.target_name!r}: only reports of one target can be merged"
            )
        for gate in report.gates:
            if gate.name in gates:
                raise UsageError(
                    f"gate {gate.name!r} is in both {gates[gate.name][1]} and {name}"
                )
            gates[gate.name] = (gate, name)
        tools.update(report.tools)
    order = {name: index for index, name in enumerate(registry())}
    results = tuple(
        gates[name][0] for name in sorted(gates, key=lambda n: order.get(n, len(order)))
    )
    return build_report(
        results,
        target=first.target,
        target_name=first.target_name,
        generated_at=max(report.generated_at for report in reports),
        readiness_version=first.readiness_version,
        python=first.python,
        tools=tools,
    )
