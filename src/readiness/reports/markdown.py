"""The gap analysis as a Markdown document, laid out like the hand-written seed.

Sections: executive summary (verdict and primary gaps), scope and method (tool
versions, the exact commands), findings and actions per plan area (in the
order of :data:`readiness.plan.AREAS`), the prioritized plan, the acceptance
criteria table and a command reference. Every figure comes from the report,
so the same report always gives the same text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import ClassVar

from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    PlanItem,
    Report,
    Status,
    Verdict,
)
from readiness.plan import AREAS
from readiness.reports.interface import (
    Renderer,
    criteria_counts,
    figures,
    one_line,
    severity_counts,
)
from readiness.wording import plural

#: How many sites of one rule a gate section lists before "… and N more".
MAX_SITES = 20

_BACKTICKS = re.compile(r"`+")
#: An inline code span: a run of backticks, then the same run again.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")
#: What Markdown would read as markup in plain text: backslashes, ``*``, ``<``
#: and underscores that are not inside a word (``__init__``, not ``snake_case``).
_MARKUP = re.compile(r"[\\*<]|(?<![^\W_])_|_(?![^\W_])")


class MarkdownRenderer(Renderer):
    format: ClassVar[str] = "md"
    filename: ClassVar[str] = "readiness-report.md"

    def render(self, report: Report) -> str:
        sections = (
            _title(report),
            _executive_summary(report),
            _scope(report),
            _findings(report),
            _remediation_plan(report),
            _acceptance_criteria(report),
            _command_reference(report),
        )
        return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _title(report: Report) -> list[str]:
    name = _text(report.target_name or report.target)
    return [
        f"# {name} Production Readiness Gap Analysis",
        "",
        f"Date: {report.generated_at}",
    ]


def _executive_summary(report: Report) -> list[str]:
    lines = ["## Executive Summary", "", _verdict_sentence(report)]
    failing = sorted(
        (gate for gate in report.gates if gate.status is Status.FAIL),
        key=lambda gate: gate.priority,
    )
    if failing:
        lines += ["", "Primary gaps:", ""]
        lines += [
            f"- {_label(gate)}: {_gap_figures(gate)} ({gate.priority})"
            for gate in failing
        ]
    errored = [gate for gate in report.gates if gate.status is Status.ERROR]
    if errored:
        lines += ["", "Gates that could not run:", ""]
        lines += [f"- {gate.name}: {_reason(gate)}" for gate in errored]
    skipped = [gate for gate in report.gates if gate.status is Status.SKIPPED]
    if skipped:
        described = ", ".join(f"{gate.name} ({_reason(gate)})" for gate in skipped)
        lines += ["", f"Skipped gates: {described}."]
    return lines


def _verdict_sentence(report: Report) -> str:
    met, total = criteria_counts(report)
    ready = report.verdict is Verdict.READY
    noun = "criterion" if total == 1 else "criteria"
    if total == 0:
        judged = "no acceptance criterion to judge"
    elif ready:
        judged = f"{met} of {total} acceptance {noun} met"
    else:
        judged = f"{total - met} of {total} acceptance {noun} unmet"
    outcome = (
        "The project is ready for production."
        if ready
        else "The project is NOT ready for production as-is."
    )
    gates = plural(len(report.gates), "gate")
    return f"Auditing {_code(report.target)} with {gates} found {judged}. {outcome}"


def _label(gate: GateResult) -> str:
    """``sast (bandit)``: the gate and the tool it ran, as the seed names gaps."""
    tool = gate.command[0] if gate.command else ""
    return f"{gate.name} ({_text(tool)})" if tool and tool != gate.name else gate.name


def _gap_figures(gate: GateResult) -> str:
    if gate.findings:
        return severity_counts(gate.findings)
    unmet = [_text(criterion.text) for criterion in gate.criteria if not criterion.met]
    return f"not met: {'; '.join(unmet)}" if unmet else "failed"


def _reason(gate: GateResult) -> str:
    return _text(gate.reason) if gate.reason else "no reason recorded"


def _scope(report: Report) -> list[str]:
    ran = [gate.name for gate in report.gates if gate.status is not Status.SKIPPED]
    skipped = [gate.name for gate in report.gates if gate.status is Status.SKIPPED]
    lines = [
        "## Scope and Method",
        "",
        f"- Target: {_code(report.target)}",
        f"- readiness {report.readiness_version} on Python {report.python}",
        f"- Gates run: {', '.join(ran) or 'none'}",
    ]
    if skipped:
        lines.append(f"- Gates skipped: {', '.join(skipped)}")
    lines += ["", "Tool versions:", ""]
    if report.tools:
        lines += ["| tool | version |", "| --- | --- |"]
        lines += [
            f"| {_cell(tool)} | {_cell(version)} |"
            for tool, version in sorted(report.tools.items())
        ]
    else:
        lines.append("- No tool reported a version.")
    lines += ["", "Commands executed:", ""]
    commands = [
        f"- {gate.name}: {_code(shlex.join(command))}"
        for gate in report.gates
        for command in gate.commands
    ]
    lines += commands or ["- No gate ran an external command."]
    return lines


@dataclass(frozen=True, kw_only=True)
class _Section:
    title: str
    gates: tuple[GateResult, ...]
    item: PlanItem | None


def _sections(report: Report) -> list[_Section]:
    """The plan areas that have a gate in the report, then any unknown gates."""
    sections = []
    placed: set[str] = set()
    for area in AREAS:
        gates = tuple(gate for gate in report.gates if gate.name in area.gates)
        if not gates:
            continue
        placed.update(gate.name for gate in gates)
        item = next(
            (
                item
                for item in report.plan
                if item.title == area.title and item.priority is area.priority
            ),
            None,
        )
        sections.append(
            _Section(title=f"{area.title} ({area.priority})", gates=gates, item=item)
        )
    others = tuple(gate for gate in report.gates if gate.name not in placed)
    if others:
        sections.append(_Section(title="Other gates", gates=others, item=None))
    return sections


def _findings(report: Report) -> list[str]:
    lines = ["## Findings and Recommended Actions"]
    for number, section in enumerate(_sections(report), start=1):
        lines += ["", f"### {number}) {section.title}"]
        for gate in section.gates:
            lines += ["", *_observed(gate)]
        if section.item is not None:
            lines += ["", *_actions(section.item), "", "Acceptance criteria:", ""]
            lines += _checkboxes(section.item.criteria, indent="")
    return lines


def _observed(gate: GateResult) -> list[str]:
    label = f"{gate.name}: {_text(gate.title)}" if gate.title else gate.name
    lines = [f"Observed ({label}):"]
    if gate.status is Status.SKIPPED:
        return [*lines, f"- Status: skipped: {_reason(gate)}"]
    status = f"- Status: {gate.status} in {gate.duration_s:.1f}s"
    if gate.status is Status.ERROR:
        status += f": {_reason(gate)}"
    lines.append(status)
    if gate.metrics:
        lines.append(f"- Metrics: {figures(gate.metrics)}")
    if gate.findings:
        for rule_findings in _by_rule(gate.findings):
            lines += _rule_lines(rule_findings)
    elif gate.status is not Status.ERROR:
        lines.append("- No findings.")
    return lines


def _by_rule(findings: Iterable[Finding]) -> list[list[Finding]]:
    """Findings grouped by rule: the worst severity first, then by rule ID."""
    ordered = sorted(findings, key=lambda finding: finding.rule)
    groups = [
        sorted(group, key=lambda finding: (finding.path or "", finding.line or 0))
        for _, group in groupby(ordered, key=lambda finding: finding.rule)
    ]
    return sorted(
        groups,
        key=lambda group: (
            min(finding.severity.rank for finding in group),
            group[0].rule,
        ),
    )


def _rule_lines(findings: Sequence[Finding]) -> list[str]:
    """``- B113 message (medium, 3 sites)`` and its sites, at most :data:`MAX_SITES`."""
    rule = findings[0].rule
    severity = min((finding.severity for finding in findings), key=lambda s: s.rank)
    located = any(finding.location for finding in findings)
    count = plural(len(findings), "site" if located else "finding")
    messages = {_text(finding.message) for finding in findings}
    if len(messages) == 1:
        head = f"- {rule} {messages.pop()} ({severity}, {count})"
        sites = [
            f"  - {_code(finding.location)}" for finding in findings if finding.location
        ]
    else:
        head = f"- {rule} ({severity}, {count})"
        sites = [f"  - {_site(finding)}" for finding in findings]
    if len(sites) > MAX_SITES:
        sites = [*sites[:MAX_SITES], f"  - … and {len(sites) - MAX_SITES} more"]
    return [head, *sites]


def _site(finding: Finding) -> str:
    message = _text(finding.message)
    return f"{_code(finding.location)} {message}" if finding.location else message


def _actions(item: PlanItem) -> list[str]:
    lines = ["Actions:", ""]
    if item.actions:
        return lines + [f"- {_text(action)}" for action in item.actions]
    if item.done:
        return [*lines, "- None: the acceptance criteria hold."]
    return [*lines, "- Address the observations above."]


def _checkboxes(criteria: Iterable[Criterion], *, indent: str) -> list[str]:
    return [
        f"{indent}- [{'x' if criterion.met else ' '}] {_text(criterion.text)}"
        for criterion in criteria
    ]


def _remediation_plan(report: Report) -> list[str]:
    lines = ["## Prioritized Remediation Plan"]
    if not report.plan:
        return [
            *lines,
            "",
            "Nothing to remediate: no gate judged an acceptance criterion.",
        ]
    for number, item in enumerate(report.plan, start=1):
        marker = f"{number}. "
        indent = " " * len(marker)
        state = "done" if item.done else "open"
        lines += [
            "",
            f"{marker}{item.title} ({item.priority}): {state}",
            f"{indent}- Gates: {', '.join(item.gates)}",
            *_checkboxes(item.criteria, indent=indent),
        ]
    return lines


def _acceptance_criteria(report: Report) -> list[str]:
    lines = ["## Acceptance Criteria", ""]
    rows = [
        f"| {item.priority} | {_cell(criterion.text)} | {_yes_no(criterion.met)} |"
        for item in report.plan
        for criterion in item.criteria
    ]
    if not rows:
        return [*lines, "No acceptance criterion was judged."]
    return [*lines, "| priority | criterion | met |", "| --- | --- | --- |", *rows]


def _yes_no(met: bool) -> str:  # noqa: FBT001 - a predicate's value, not a flag
    return "yes" if met else "no"


def _command_reference(report: Report) -> list[str]:
    target = shlex.quote(report.target)
    lines = [
        "## Command Reference",
        "",
        "```bash",
        "# The whole audit",
        f"readiness audit {target}",
    ]
    for gate in report.gates:
        if gate.commands:
            lines += ["", f"# {gate.name}: what the gate ran"]
            lines += [shlex.join(command) for command in gate.commands]
    failing = [
        gate.name for gate in report.gates if gate.status in (Status.FAIL, Status.ERROR)
    ]
    if failing:
        lines += ["", "# Re-run a gate that failed or could not run"]
        lines += [
            f"readiness audit {target} --gate {shlex.quote(name)}" for name in failing
        ]
    open_priorities = sorted({item.priority for item in report.plan if not item.done})
    if open_priorities:
        lines += ["", "# Preview the safe fixes, priority by priority"]
        lines += [
            f"readiness fix {target} --priority {priority} --dry-run"
            for priority in open_priorities
        ]
    return [*lines, "```"]


def _code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it contains."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    edges = text[:1] + text[-1:]
    pad = " " if "`" in edges or edges == "  " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _text(text: str) -> str:
    """Free text (a message, a criterion) on one line, read literally by Markdown.

    Code spans the text already has (ruff's messages quote names in backticks)
    stay as they are; markup characters around them are escaped.
    """
    text = one_line(text)
    parts = []
    position = 0
    for span in _CODE_SPAN.finditer(text):
        parts += [_MARKUP.sub(r"\\\g<0>", text[position : span.start()]), span.group()]
        position = span.end()
    parts.append(_MARKUP.sub(r"\\\g<0>", text[position:]))
    return "".join(parts)


def _cell(text: str) -> str:
    """Table cell text: one line, markup and pipes escaped."""
    return _text(text).replace("|", "\\|")
