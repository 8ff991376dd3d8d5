"""The gap analysis as one self-contained HTML page, for people and CI artefacts.

One file, nothing loaded from anywhere: the style is inline, the charts are
inline SVG, there is no script, and a Content-Security-Policy forbids any
other resource, so the page reads the same offline, from a CI artefact or an
e-mail attachment. It shows the verdict, a chart of findings by gate and
priority, the plan with its acceptance criteria, the gates, and every finding
with an anchor named by its ``file:line`` (``report.html#src/app/x.py:12``).
Given earlier reports it adds the trend and what changed since the last one
(new, fixed and unchanged findings, matched by fingerprint).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape
from typing import ClassVar

from readiness.findings import (
    Finding,
    GateResult,
    PlanItem,
    Priority,
    Report,
    Status,
    Verdict,
)
from readiness.reports.history import Difference, Point, difference, ordered, trend
from readiness.reports.interface import (
    Renderer,
    criteria_counts,
    figures,
    one_line,
)
from readiness.wording import plural

COLORS = {Priority.P0: "#b3261e", Priority.P1: "#e07b00", Priority.P2: "#1f6fb2"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;
color:#1b1b1f;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:26px}h2{margin:32px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#555;margin:0}.verdict{display:inline-block;padding:4px 12px;
border-radius:4px;font-weight:700;color:#fff;margin:12px 0}
.ready{background:#2e7d32}.not-ready{background:#b3261e}
table{border-collapse:collapse;width:100%;margin:8px 0;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f3}td.num{text-align:right}code{font-size:13px}
.met{color:#2e7d32}.unmet{color:#b3261e}.status-pass{color:#2e7d32}
.status-fail{color:#b3261e}.status-error{color:#8e24aa}.status-skipped{color:#8a6d00}
tr:target{background:#fff3c4}.item{background:#fff;border:1px solid #ddd;
padding:8px 16px;margin:8px 0}ul.criteria{list-style:none;padding-left:4px}
svg{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}
.new{color:#b3261e}.fixed{color:#2e7d32}
"""


class HtmlRenderer(Renderer):
    format: ClassVar[str] = "html"
    filename: ClassVar[str] = "readiness-report.html"

    def render(self, report: Report, *, previous: Sequence[Report] = ()) -> str:
        """The page; ``previous`` are earlier reports of the same target."""
        title = f"{report.target_name or report.target} production readiness"
        body = [
            *_header(report, title),
            *_summary(report),
            *_chart(report),
            *_changes(report, previous),
            *_plan(report.plan),
            *_gates(report.gates),
            *_findings(report.gates),
        ]
        head = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
        ]
        return "\n".join([*head, *body, "</main>", "</body>", "</html>"]) + "\n"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def anchor(finding: Finding) -> str:
    """The id of a finding's row: its ``file:line``, whitespace made ``_``."""
    return "_".join(finding.location.split())


def _header(report: Report, title: str) -> list[str]:
    ready = report.verdict is Verdict.READY
    label = "READY" if ready else "NOT READY"
    return [
        "<header>",
        f"<h1>{_e(title)}</h1>",
        (
            f'<p class="meta">Target <code>{_e(report.target)}</code> · audited'
            f" {_e(report.generated_at)} · readiness {_e(report.readiness_version)} on"
            f" Python {_e(report.python)}</p>"
        ),
        f'<p id="verdict" class="verdict {report.verdict.value}">{label}</p>',
        "</header>",
    ]


def _summary(report: Report) -> list[str]:
    met, total = criteria_counts(report)
    findings = [finding for gate in report.gates for finding in gate.findings]
    by_priority = Counter(finding.priority for finding in findings)
    split = ", ".join(f"{by_priority[p]} {p}" for p in Priority if by_priority[p])
    noun = "criterion" if total == 1 else "criteria"
    statuses = Counter(gate.status for gate in report.gates)
    gates = ", ".join(f"{statuses[s]} {s.value}" for s in Status if statuses[s])
    lines = [
        '<section id="summary">',
        "<h2>Summary</h2>",
        (
            f"<p>{met} of {total} acceptance {noun} met;"
            f" {plural(len(findings), 'finding')}{f' ({split})' if split else ''};"
            f" {plural(len(report.gates), 'gate')}{f' ({gates})' if gates else ''}.</p>"
        ),
    ]
    blockers = [
        (item, criterion.text)
        for item in report.plan
        for criterion in item.criteria
        if not criterion.met
    ]
    if blockers:
        lines.append("<p>Blocking the verdict:</p><ul>")
        lines += [
            f"<li>{item.priority} {_e(item.title)}: {_e(one_line(text))}</li>"
            for item, text in blockers
        ]
        lines.append("</ul>")
    return [*lines, "</section>"]


def _chart(report: Report) -> list[str]:
    """A stacked bar per gate: its findings by priority, P0 at the bottom."""
    gates = report.gates
    counts = [Counter(f.priority for f in gate.findings) for gate in gates]
    top = max([sum(count.values()) for count in counts] + [1])
    left, bottom, height, step = 48, 40, 200, 76
    width = left + step * max(len(gates), 1) + 24
    total_height = height + bottom + 40
    parts = [
        '<section id="chart">',
        "<h2>Findings by gate and priority</h2>",
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}"'
            f' height="{total_height}" viewBox="0 0 {width} {total_height}"'
            ' role="img" aria-labelledby="chart-title">'
        ),
        '<title id="chart-title">Findings by gate and priority</title>',
    ]
    base = 24 + height
    for tick in sorted({0, top // 2, top}):
        y = base - tick * height / top
        parts.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}"'
            ' stroke="#e3e3e8"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end"'
            f' font-size="11">{tick}</text>'
        )
    for index, (gate, count) in enumerate(zip(gates, counts, strict=True)):
        x = left + index * step + 14
        y = float(base)
        for priority in Priority:
            if not count[priority]:
                continue
            size = count[priority] * height / top
            y -= size
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="44" height="{size:.1f}"'
                f' fill="{COLORS[priority]}"><title>{_e(gate.name)} {priority}:'
                f" {count[priority]}</title></rect>"
            )
        parts.append(
            f'<text x="{x + 22}" y="{y - 4:.1f}" text-anchor="middle"'
            f' font-size="12">{sum(count.values())}</text>'
            f'<text x="{x + 22}" y="{base + 16}" text-anchor="middle"'
            f' font-size="12">{_e(gate.name)}</text>'
        )
    for index, priority in enumerate(Priority):
        x = left + index * 60
        parts.append(
            f'<rect x="{x}" y="{base + 28}" width="12" height="12"'
            f' fill="{COLORS[priority]}"/><text x="{x + 16}" y="{base + 38}"'
            f' font-size="12">{priority}</text>'
        )
    return [*parts, "</svg>", "</section>"]


def _changes(report: Report, previous: Sequence[Report]) -> list[str]:
    if not previous:
        return []
    points = trend(report, previous)
    change = difference(report, ordered(previous)[-1])
    return [
        '<section id="changes">',
        "<h2>Trend and changes</h2>",
        *_trend_chart(points),
        *_trend_table(points),
        *_difference(change),
        "</section>",
    ]


def _trend_chart(points: Sequence[Point]) -> list[str]:
    left, top_margin, height, step = 48, 16, 160, 120
    width = left + step * (len(points) - 1) + 80
    top = max([point.findings for point in points] + [1])
    base = top_margin + height

    def where(index: int, value: int) -> tuple[float, float]:
        return left + 24 + index * step, base - value * height / top

    coordinates = [where(i, point.findings) for i, point in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}"'
            f' height="{base + 40}" viewBox="0 0 {width} {base + 40}" role="img"'
            ' aria-labelledby="trend-title">'
        ),
        '<title id="trend-title">Findings per audit, oldest first</title>',
        (
            f'<line x1="{left}" y1="{base}" x2="{width - 8}" y2="{base}"'
            ' stroke="#bbb"/>'
        ),
        (
            f'<polyline points="{line}" fill="none" stroke="#1f6fb2"'
            ' stroke-width="2"/>'
        ),
    ]
    for point, (x, y) in zip(points, coordinates, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1f6fb2">'
            f"<title>{_e(point.generated_at)}: {point.findings}</title></circle>"
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle"'
            f' font-size="12">{point.findings}</text>'
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle"'
            f' font-size="11">{_e(point.generated_at[:10])}</text>'
        )
    return [*parts, "</svg>"]


def _trend_table(points: Sequence[Point]) -> list[str]:
    header = "".join(f"<th>{p}</th>" for p in Priority)
    rows = [
        (
            "<table><thead><tr><th>audited</th><th>verdict</th><th>findings</th>"
            f"{header}<th>criteria met</th></tr></thead><tbody>"
        )
    ]
    for point in points:
        split = "".join(
            f'<td class="num">{count}</td>' for _, count in point.by_priority
        )
        rows.append(
            f"<tr><td>{_e(point.generated_at)}</td><td>{_e(point.verdict)}</td>"
            f'<td class="num">{point.findings}</td>{split}'
            f'<td class="num">{point.criteria_met} of {point.criteria_total}</td></tr>'
        )
    return [*rows, "</tbody></table>"]


def _difference(change: Difference) -> list[str]:
    lines = [
        (
            f"<p>Since {_e(change.since)}:"
            f' <span class="new">{len(change.new)} new</span>,'
            f' <span class="fixed">{len(change.fixed)} fixed</span>,'
            f" {len(change.unchanged)} unchanged.</p>"
        )
    ]
    for kind, findings in (("New", change.new), ("Fixed", change.fixed)):
        if not findings:
            continue
        lines.append(f"<h3>{kind} findings</h3><ul>")
        for finding in findings:
            place = _e(finding.location or "project")
            if kind == "New" and finding.location:
                place = f'<a href="#{_e(anchor(finding))}">{place}</a>'
            lines.append(
                f"<li>{place} <code>{_e(finding.rule)}</code>"
                f" {_e(one_line(finding.message))}</li>"
            )
        lines.append("</ul>")
    return lines


def _plan(plan: Iterable[PlanItem]) -> list[str]:
    lines = ['<section id="plan">', "<h2>Prioritized remediation plan</h2>"]
    items = list(plan)
    if not items:
        lines.append("<p>No gate judged an acceptance criterion.</p>")
    for item in items:
        state = "done" if item.done else "open"
        lines += [
            f'<div class="item" id="plan-{item.priority}-{_slug(item.title)}">',
            f"<h3>{item.priority} · {_e(item.title)} — {state}</h3>",
            "<p>Gates: "
            + ", ".join(f'<a href="#gate-{_e(g)}">{_e(g)}</a>' for g in item.gates)
            + "</p>",
            "<p>Acceptance criteria:</p>",
            '<ul class="criteria">',
        ]
        lines += [
            f'<li class="{"met" if c.met else "unmet"}">{"✓" if c.met else "✗"}'
            f" {_e(one_line(c.text))}</li>"
            for c in item.criteria
        ]
        lines.append("</ul>")
        if item.actions:
            lines.append("<p>Actions:</p><ul>")
            lines += [f"<li>{_e(one_line(action))}</li>" for action in item.actions]
            lines.append("</ul>")
        lines.append("</div>")
    return [*lines, "</section>"]


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _gates(gates: Sequence[GateResult]) -> list[str]:
    lines = [
        '<section id="gates">',
        "<h2>Gates</h2>",
        (
            "<table><thead><tr><th>gate</th><th>status</th><th>priority</th>"
            "<th>time</th><th>findings</th><th>figures</th></tr></thead><tbody>"
        ),
    ]
    for gate in gates:
        detail = gate.reason if gate.status in (Status.ERROR, Status.SKIPPED) else ""
        shown = one_line(detail or figures(gate.metrics))
        reused = " cached" if gate.cached else ""  # from the result cache
        lines.append(
            f'<tr><td><a href="#gate-{_e(gate.name)}">{_e(gate.name)}</a></td>'
            f'<td class="status-{gate.status.value}">{gate.status.value}</td>'
            f"<td>{gate.priority}</td>"
            f'<td class="num">{gate.duration_s:.1f}s{reused}</td>'
            f'<td class="num">{len(gate.findings)}</td><td>{_e(shown)}</td></tr>'
        )
    return [*lines, "</tbody></table>", "</section>"]


def _findings(gates: Sequence[GateResult]) -> list[str]:
    lines = ['<section id="findings">', "<h2>Findings</h2>"]
    taken: set[str] = set()
    for gate in gates:
        title = f"{gate.name}: {gate.title}" if gate.title else gate.name
        lines.append(f'<h3 id="gate-{_e(gate.name)}">{_e(title)}</h3>')
        if gate.status in (Status.ERROR, Status.SKIPPED):
            lines.append(f"<p>{gate.status.value}: {_e(gate.reason or '')}</p>")
        if not gate.findings:
            lines.append("<p>No findings.</p>")
            continue
        lines.append(
            "<table><thead><tr><th>location</th><th>rule</th><th>severity</th>"
            "<th>priority</th><th>message</th><th>fix</th></tr></thead><tbody>"
        )
        ordered_findings = sorted(
            gate.findings,
            key=lambda f: (f.severity.rank, f.path or "", f.line or 0, f.rule),
        )
        lines += [_finding_row(finding, taken) for finding in ordered_findings]
        lines.append("</tbody></table>")
    return [*lines, "</section>"]


def _finding_row(finding: Finding, taken: set[str]) -> str:
    if finding.location:
        key = anchor(finding)
        row_id = "" if key in taken else f' id="{_e(key)}"'
        taken.add(key)
        where = f'<a href="#{_e(key)}"><code>{_e(finding.location)}</code></a>'
    else:
        row_id, where = "", "project"
    return (
        f"<tr{row_id}><td>{where}</td><td><code>{_e(finding.rule)}</code></td>"
        f"<td>{finding.severity.value}</td><td>{finding.priority}</td>"
        f"<td>{_e(one_line(finding.message))}</td><td>{_e(one_line(finding.fix))}</td>"
        "</tr>"
    )
