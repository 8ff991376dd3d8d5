"""The gap analysis as a Markdown document, laid out like the hand-written seed.

Sections: executive summary (the verdict, then a sentence per open area
naming what blocks it), scope and method (tool versions, the commands run),
findings and actions per plan area (in the order of
:data:`readiness.plan.AREAS`; every action listed, grouped by rule, each
acceptance criterion as a checkbox), the prioritized plan, ownership, the
risks of the open areas and a command reference a maintainer can copy and run
in the project (readiness's scratch files, its cached environments and its
internal pytest plugin left out). Each criterion is listed once. Every figure
comes from the report, so the same report always gives the same text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import ClassVar
from urllib.parse import quote

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

#: Who answers for each plan area, as the seed's "Ownership" section names them.
OWNERS = {
    "Security hotfixes": "Security",
    "Test unblocking and coverage": "QA/Testing",
    "Lint and format baseline": "DX/Quality",
    "Type checking scope and migration": "Type Safety",
    "Dependency hygiene": "Release",
    "Operational validations": "Ops",
}
#: What staying open costs, per plan area (the seed's "Risks if Unaddressed").
RISKS = {
    "Security hotfixes": (
        "security exposure through archive extraction, dynamic code execution,"
        " SQL built from strings, requests that hang or committed credentials."
    ),
    "Test unblocking and coverage": (
        "reliability cannot be certified before go-live: the suite does not run"
        " or does not cover the code."
    ),
    "Lint and format baseline": (
        "maintainability drifts without a lint and format baseline, and every"
        " review argues about style."
    ),
    "Type checking scope and migration": (
        "type errors reach production in the modules meant to be strict, and the"
        " migration stalls."
    ),
    "Dependency hygiene": (
        "known-vulnerable packages ship, and production installs development"
        " stacks it does not need."
    ),
    "Operational validations": (
        "audit gaps: the commands, documents and uptime operations rely on are not"
        " proven before deployment."
    ),
}
#: The prefix of readiness's own pytest plugins, loaded with ``-p`` in its runs.
INTERNAL_PLUGIN = "_readiness"

_URL = re.compile(r"https?://[^\s<>]+")
#: An absolute path, alone or as an option's value (``--x=/p``, ``json:/p``).
_SCRATCH = re.compile(r"^/|^-[^=]*=(?:[\w-]+:)?/")
_BACKTICKS = re.compile(r"`+")
#: An inline code span: a run of backticks, then the same run again.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")
#: What Markdown would read as markup in plain text: backslashes, ``*``, ``<``
#: and underscores that are not inside a word (``__init__``, not ``snake_case``).
_MARKUP = re.compile(r"[\\*<]|(?<![^\W_])_|_(?![^\W_])")


class MarkdownRenderer(Renderer):
    format: ClassVar[str] = "md"
    filename: ClassVar[str] = "readiness-report.md"

    def render(self, report: Report, *, source_url: str | None = None) -> str:
        """The document; ``source_url`` links each ``file:line`` to the code.

        ``source_url`` is the URL of the audited folder in a repository browser
        (``https://github.com/o/r/blob/<commit>/sub/dir/``): a site becomes
        ``<source_url><path>#L<line>``.
        """
        base = source_url if source_url is None else source_url.rstrip("/") + "/"
        sections = (
            _title(report),
            _executive_summary(report),
            _scope(report),
            _findings(report, base),
            _remediation_plan(report),
            _ownership(report),
            _risks(report),
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
    blockers = [_blocker(report, item) for item in report.plan if not item.done]
    if blockers:
        lines += ["", " ".join(blockers)]
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


def _blocker(report: Report, item: PlanItem) -> str:
    """One sentence: the open area and what each of its gates found."""
    parts = []
    for name in item.gates:
        gate = report.gate(name)
        if gate is None:
            continue
        if gate.status is Status.ERROR:
            parts.append(f"the {gate.name} gate could not run ({_reason(gate)})")
        elif gate.status is Status.FAIL and gate.findings:
            parts.append(f"{gate.name} found {severity_counts(gate.findings)}")
        elif gate.status is Status.FAIL:
            unmet = sum(not criterion.met for criterion in gate.criteria)
            parts.append(f"{gate.name} left {plural(unmet, 'criterion')} unmet")
    unmet = sum(not criterion.met for criterion in item.criteria)
    noun = "criterion" if unmet == 1 else "criteria"
    because = f": {_join(parts)}" if parts else ""
    return (
        f"{item.title} ({item.priority}) blocks the verdict with {unmet} unmet"
        f" {noun}{because}."
    )


def _join(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


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


def _findings(report: Report, base: str | None) -> list[str]:
    lines = ["## Findings and Recommended Actions"]
    for number, section in enumerate(_sections(report), start=1):
        lines += ["", f"### {number}) {section.title}"]
        for gate in section.gates:
            lines += ["", *_observed(gate, base)]
        if section.item is not None:
            actions = _actions(section.item, section.gates, base)
            lines += ["", *actions, "", "Acceptance criteria:", ""]
            lines += _checkboxes(section.item.criteria, indent="")
    return lines


def _observed(gate: GateResult, base: str | None) -> list[str]:
    label = f"{gate.name}: {_text(gate.title)}" if gate.title else gate.name
    lines = [f"Observed ({label}):"]
    if gate.status is Status.SKIPPED:
        return [*lines, f"- Status: skipped: {_reason(gate)}"]
    status = f"- Status: {gate.status} in {gate.duration_s:.1f}s"
    if gate.cached:
        status += " (reused from the cache: none of its inputs changed)"
    if gate.status is Status.ERROR:
        status += f": {_reason(gate)}"
    lines.append(status)
    if gate.metrics:
        lines.append(f"- Metrics: {figures(gate.metrics)}")
    if gate.findings:
        for rule_findings in _by_rule(gate.findings):
            lines += _rule_lines(rule_findings, base)
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


def _rule_lines(findings: Sequence[Finding], base: str | None) -> list[str]:
    """``- B113 message (medium, 3 sites)`` and its sites, at most :data:`MAX_SITES`."""
    rule = findings[0].rule
    severity = min((finding.severity for finding in findings), key=lambda s: s.rank)
    located = any(finding.location for finding in findings)
    count = plural(len(findings), "site" if located else "finding")
    messages = {_text(finding.message) for finding in findings}
    if len(messages) == 1:
        head = f"- {rule} {messages.pop()} ({severity}, {count})"
        sites = [
            f"  - {_where(finding, base)}" for finding in findings if finding.location
        ]
    else:
        head = f"- {rule} ({severity}, {count})"
        sites = [f"  - {_site(finding, base)}" for finding in findings]
    if len(sites) > MAX_SITES:
        sites = [*sites[:MAX_SITES], f"  - … and {len(sites) - MAX_SITES} more"]
    return [head, *sites]


def _site(finding: Finding, base: str | None) -> str:
    message = _text(finding.message)
    return f"{_where(finding, base)} {message}" if finding.location else message


def _where(finding: Finding, base: str | None) -> str:
    """The ``file:line`` code span, linked to the code when its URL is known."""
    code = _code(finding.location)
    if base is None or finding.path is None:
        return code
    line = f"#L{finding.line}" if finding.line is not None else ""
    return f"[{code}]({base}{quote(finding.path)}{line})"


def _actions(
    item: PlanItem, gates: Sequence[GateResult], base: str | None
) -> list[str]:
    """Every action of the area: a gate to make runnable, then a fix per rule."""
    lines = ["Actions:", ""]
    actions = [
        f"- Make the {gate.name} gate runnable: {_reason(gate)}"
        for gate in gates
        if gate.status is Status.ERROR
    ]
    for gate in gates:
        for group in _by_rule(gate.findings):
            actions += _fix_lines(group, base)
    if actions:
        return lines + actions
    if item.done:
        return [*lines, "- None: the acceptance criteria hold."]
    return [*lines, "- Address the observations above."]


def _fix_lines(findings: Sequence[Finding], base: str | None) -> list[str]:
    """``- B113 (3 sites): fix``, or the fix of each site when they differ."""
    fixed = [finding for finding in findings if finding.fix]
    if not fixed:
        return []
    rule = fixed[0].rule
    located = any(finding.location for finding in fixed)
    count = plural(len(fixed), "site" if located else "finding")
    fixes = list(dict.fromkeys(finding.fix for finding in fixed))
    if len(fixes) == 1:
        return [f"- {rule} ({count}): {_fix_text(fixes[0])}"]
    lines = [f"- {rule} ({count}):"]
    for fix in fixes:
        sites = [_where(f, base) for f in fixed if f.fix == fix and f.location]
        where = f"{', '.join(sites)}: " if sites else ""
        lines.append(f"  - {where}{_fix_text(fix)}")
    return lines


def _fix_text(fix: str) -> str:
    """A fix as a sentence; a bare documentation URL becomes a link."""
    if _URL.fullmatch(fix):
        return f"see <{fix}>"
    return _text(fix)


def _checkboxes(criteria: Iterable[Criterion], *, indent: str) -> list[str]:
    return [
        f"{indent}- [{'x' if criterion.met else ' '}] {_text(criterion.text)}"
        for criterion in criteria
    ]


def _remediation_plan(report: Report) -> list[str]:
    """The areas in order; their criteria are listed once, in their section."""
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
        unmet = sum(not criterion.met for criterion in item.criteria)
        state = "done" if item.done else f"open, {unmet} of {len(item.criteria)} unmet"
        lines += [
            "",
            f"{marker}{item.title} ({item.priority}): {state}",
            f"{indent}- Gates: {', '.join(item.gates)}",
        ]
    return lines


def _section_numbers(report: Report) -> dict[str, str]:
    """The number of each plan area's section under "Findings and Actions"."""
    return {
        section.item.title: str(number)
        for number, section in enumerate(_sections(report), start=1)
        if section.item is not None
    }


def _ownership(report: Report) -> list[str]:
    """Who answers for each area, and when it is accepted."""
    lines = ["## Ownership & Acceptance Criteria", ""]
    if not report.plan:
        return [*lines, "No acceptance criterion was judged."]
    numbers = _section_numbers(report)
    for item in report.plan:
        met = sum(criterion.met for criterion in item.criteria)
        owner = OWNERS.get(item.title, "Maintainers")
        lines.append(
            f"- {owner}: {item.title} ({item.priority}), accepted when the criteria"
            f" of section {numbers.get(item.title, '?')} hold:"
            f" {met} of {len(item.criteria)} met"
        )
    return lines


def _risks(report: Report) -> list[str]:
    lines = ["## Risks if Unaddressed", ""]
    open_items = [item for item in report.plan if not item.done]
    if not open_items:
        return [*lines, "None: every area's acceptance criteria hold."]
    return lines + [
        f"- {item.title} ({item.priority}): "
        + RISKS.get(item.title, "the gaps above stay open in production.")
        for item in open_items
    ]


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
        commands = list(
            dict.fromkeys(
                shlex.join(runnable)
                for command in gate.commands
                if (runnable := _runnable(command))
            )
        )
        if commands:
            lines += ["", f"# {gate.name}: what the gate ran"]
            lines += commands
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


def _runnable(command: Sequence[str]) -> tuple[str, ...]:
    """The command as a user runs it in the project, or ``()`` if it is internal.

    Left out: building readiness's cached environments (``uv venv``, ``uv pip
    install``), its internal pytest plugins (``-p _readiness...``), and options
    pointing at its scratch files (absolute paths, such as ``-o /tmp/x.json``
    or ``--junitxml=/tmp/j.xml``), which only the audit itself reads.
    """
    if tuple(command[:2]) == ("uv", "venv") or tuple(command[:3]) == (
        "uv",
        "pip",
        "install",
    ):
        return ()
    kept: list[str] = []
    skip = False
    for index, argument in enumerate(command):
        if skip:
            skip = False
            continue
        following = command[index + 1] if index + 1 < len(command) else ""
        if argument == "-p" and following.startswith(INTERNAL_PLUGIN):
            skip = True
            continue
        if index and _SCRATCH.search(argument):
            continue
        if (
            argument.startswith("-")
            and "=" not in argument
            and _SCRATCH.match(following)
        ):
            skip = True
            continue
        kept.append(argument)
    return tuple(kept)


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
