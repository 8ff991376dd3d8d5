"""The machine-readable report, schema ``readiness-report/1``, and its reader.

The document is built as plain data and serialised by :func:`json.dumps`;
:func:`load` reads it back into a :class:`~readiness.findings.Report` (for
``readiness report merge``), so ``render(load(render(report)))`` is the same
text as ``render(report)``. Per-gate tool versions are folded into the
report's ``tools`` table and are not repeated per gate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

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
from readiness.reports.interface import Renderer, ReportError

SCHEMA = "readiness-report/1"

_E = TypeVar("_E", bound=StrEnum)
_Object = dict[str, object]


class JsonRenderer(Renderer):
    format: ClassVar[str] = "json"
    filename: ClassVar[str] = "readiness-report.json"

    def render(self, report: Report) -> str:
        return json.dumps(to_data(report), indent=2, sort_keys=False) + "\n"


def to_data(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data, keys in the documented order."""
    return {
        "schema": SCHEMA,
        "target": report.target,
        "target_name": report.target_name,
        "verdict": report.verdict.value,
        "generated_at": report.generated_at,
        "readiness_version": report.readiness_version,
        "python": report.python,
        "tools": dict(sorted(report.tools.items())),
        "summary": _summary(report),
        "gates": [gate_data(gate) for gate in report.gates],
        "plan": [_plan_item(item) for item in report.plan],
    }


def _summary(report: Report) -> dict[str, Any]:
    statuses = Counter(gate.status for gate in report.gates)
    findings = [finding for gate in report.gates for finding in gate.findings]
    priorities = Counter(finding.priority for finding in findings)
    severities = Counter(finding.severity for finding in findings)
    return {
        "gates": {status.value: statuses[status] for status in Status},
        "findings": {
            "total": len(findings),
            "by_priority": {
                priority.value: priorities[priority] for priority in Priority
            },
            "by_severity": {
                severity.value: severities[severity] for severity in Severity
            },
        },
    }


def gate_data(gate: GateResult) -> dict[str, Any]:
    return {
        "name": gate.name,
        "title": gate.title,
        "status": gate.status.value,
        "priority": gate.priority.value,
        "duration_s": gate.duration_s,
        "reason": gate.reason,
        "command": list(gate.command),
        "commands": [list(command) for command in gate.commands],
        "metrics": dict(gate.metrics),
        "findings": [_finding(finding) for finding in gate.findings],
        "criteria": [_criterion(criterion) for criterion in gate.criteria],
        "cached": gate.cached,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "priority": finding.priority.value,
        "path": finding.path,
        "line": finding.line,
        "message": finding.message,
        "fix": finding.fix,
        "fixable": finding.fixable,
        "tool_fix": finding.tool_fix,
        "fingerprint": finding.fingerprint,
        "details": dict(finding.details),
    }


def _criterion(criterion: Criterion) -> dict[str, Any]:
    return {"text": criterion.text, "met": criterion.met}


def _plan_item(item: PlanItem) -> dict[str, Any]:
    return {
        "priority": item.priority.value,
        "title": item.title,
        "gates": list(item.gates),
        "criteria": [_criterion(criterion) for criterion in item.criteria],
        "actions": list(item.actions),
        "done": item.done,
    }


def load(text: str) -> Report:
    """Read a ``readiness-report/1`` document back into a :class:`Report`.

    Raises :class:`ReportError`, with a one-line message naming the offending
    field, for malformed JSON, another schema or a field of the wrong type.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportError(f"not a readiness JSON report: {error}") from None
    if not isinstance(data, dict):
        raise ReportError("not a readiness JSON report: the top level is not an object")
    schema = data.get("schema")
    if schema != SCHEMA:
        raise ReportError(
            f"unsupported report schema {schema!r}; this readiness reads {SCHEMA!r}"
        )
    return Report(
        schema=SCHEMA,
        target=_str(data, "target", ""),
        target_name=_str(data, "target_name", ""),
        verdict=_enum(data, "verdict", "", Verdict),
        generated_at=_str(data, "generated_at", ""),
        readiness_version=_str(data, "readiness_version", ""),
        python=_str(data, "python", ""),
        tools=_strings(data, "tools", ""),
        gates=tuple(
            load_gate(_object(value, f"gates[{index}]"), f"gates[{index}]")
            for index, value in enumerate(_list(data, "gates", ""))
        ),
        plan=tuple(
            _load_plan_item(_object(value, f"plan[{index}]"), f"plan[{index}]")
            for index, value in enumerate(_list(data, "plan", ""))
        ),
    )


def load_gate(data: _Object, where: str) -> GateResult:
    return GateResult(
        name=_str(data, "name", where),
        title=_str(data, "title", where),
        status=_enum(data, "status", where, Status),
        priority=_enum(data, "priority", where, Priority),
        duration_s=_number(data, "duration_s", where),
        reason=_optional_str(data, "reason", where),
        commands=tuple(
            _command(value, f"{where}.commands[{index}]")
            for index, value in enumerate(_list(data, "commands", where))
        ),
        metrics=_scalars(data, "metrics", where),
        findings=tuple(
            _load_finding(_object(value, f"{where}.findings[{index}]"), where, index)
            for index, value in enumerate(_list(data, "findings", where))
        ),
        criteria=_criteria(data, where),
        cached=_bool(data, "cached", where) if "cached" in data else False,
    )


def _load_finding(data: _Object, gate: str, index: int) -> Finding:
    where = f"{gate}.findings[{index}]"
    return Finding(
        rule=_str(data, "rule", where),
        severity=_enum(data, "severity", where, Severity),
        priority=_enum(data, "priority", where, Priority),
        path=_optional_str(data, "path", where),
        line=_optional_int(data, "line", where),
        message=_str(data, "message", where),
        fix=_str(data, "fix", where),
        fixable=_bool(data, "fixable", where),
        # optional: reports written before it existed load as "no tool fix"
        tool_fix="tool_fix" in data and _bool(data, "tool_fix", where),
        details=_scalars(data, "details", where),
    )


def _load_plan_item(data: _Object, where: str) -> PlanItem:
    return PlanItem(
        priority=_enum(data, "priority", where, Priority),
        title=_str(data, "title", where),
        gates=tuple(
            _item_str(value, f"{where}.gates[{index}]")
            for index, value in enumerate(_list(data, "gates", where))
        ),
        criteria=_criteria(data, where),
        actions=tuple(
            _item_str(value, f"{where}.actions[{index}]")
            for index, value in enumerate(_list(data, "actions", where))
        ),
    )


def _criteria(data: _Object, where: str) -> tuple[Criterion, ...]:
    criteria = []
    for index, value in enumerate(_list(data, "criteria", where)):
        item = _object(value, f"{where}.criteria[{index}]")
        at = f"{where}.criteria[{index}]"
        criteria.append(
            Criterion(text=_str(item, "text", at), met=_bool(item, "met", at))
        )
    return tuple(criteria)


def _command(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _malformed(where, "must be a list of strings")
    return tuple(_item_str(arg, f"{where}[{index}]") for index, arg in enumerate(value))


# Typed access to the parsed JSON, each failure naming where it happened.


def _malformed(where: str, problem: str) -> ReportError:
    return ReportError(f"malformed readiness report: {where} {problem}")


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _get(data: _Object, key: str, where: str) -> object:
    if key not in data:
        raise _malformed(_at(where, key), "is missing")
    return data[key]


def _object(value: object, where: str) -> _Object:
    if not isinstance(value, dict):
        raise _malformed(where, "must be an object")
    return value


def _list(data: _Object, key: str, where: str) -> list[object]:
    value = _get(data, key, where)
    if not isinstance(value, list):
        raise _malformed(_at(where, key), "must be a list")
    return value


def _item_str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _malformed(where, "must be a string")
    return value


def _str(data: _Object, key: str, where: str) -> str:
    return _item_str(_get(data, key, where), _at(where, key))


def _optional_str(data: _Object, key: str, where: str) -> str | None:
    value = _get(data, key, where)
    return None if value is None else _item_str(value, _at(where, key))


def _optional_int(data: _Object, key: str, where: str) -> int | None:
    value = _get(data, key, where)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _malformed(_at(where, key), "must be an integer or null")


def _number(data: _Object, key: str, where: str) -> float:
    value = _get(data, key, where)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise _malformed(_at(where, key), "must be a number")


def _bool(data: _Object, key: str, where: str) -> bool:
    value = _get(data, key, where)
    if not isinstance(value, bool):
        raise _malformed(_at(where, key), "must be true or false")
    return value


def _enum(data: _Object, key: str, where: str, kind: type[_E]) -> _E:
    value = _get(data, key, where)
    try:
        return kind(_item_str(value, _at(where, key)))
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise _malformed(
            _at(where, key), f"must be one of {choices}, not {value!r}"
        ) from None


def _strings(data: _Object, key: str, where: str) -> dict[str, str]:
    mapping = _object(_get(data, key, where), _at(where, key))
    return {
        name: _item_str(value, f"{_at(where, key)}.{name}")
        for name, value in mapping.items()
    }


def _scalars(data: _Object, key: str, where: str) -> Mapping[str, Any]:
    """A metrics or details table: values are strings, numbers or booleans."""
    mapping = _object(_get(data, key, where), _at(where, key))
    for name, value in mapping.items():
        if not isinstance(value, str | int | float):
            raise _malformed(
                f"{_at(where, key)}.{name}", "must be a string or a number"
            )
    return mapping
