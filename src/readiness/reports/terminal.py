"""What a person sees in the terminal after an audit: a summary of the report.

:func:`summary` renders a finished report to text (a table of gates, the
verdict and, when not ready, the unmet acceptance criteria). The progress shown
while gates run is IO, not rendering: it lives in :mod:`readiness.console` and
borrows :func:`status_text` and :func:`seconds` from here.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from readiness.findings import GateResult, Priority, Report, Status, Verdict
from readiness.reports.interface import criteria_counts, figures, one_line

#: The colour of each status, in the summary and the progress display.
STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "red",
    Status.ERROR: "bold magenta",
    Status.SKIPPED: "yellow",
}


def summary(report: Report, *, width: int = 100, color: bool = False) -> str:
    """The end-of-audit summary: one row per gate, then the verdict."""
    output = io.StringIO()
    console = Console(
        file=output,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    table.add_column("gate", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("priority", no_wrap=True)
    table.add_column("key figures", overflow="fold")
    table.add_column("findings", justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for gate in report.gates:
        table.add_row(
            Text(gate.name),
            status_text(gate.status),
            Text(gate.priority),
            Text(_key_figures(gate)),
            Text(str(len(gate.findings))),
            Text(seconds(gate.duration_s) + (" cached" if gate.cached else "")),
        )
    console.print(table)
    console.print()
    console.print(_verdict(report))
    for line in _unmet(report):
        console.print(line)
    return "".join(line.rstrip() + "\n" for line in output.getvalue().splitlines())


def _key_figures(gate: GateResult) -> str:
    if gate.status in (Status.ERROR, Status.SKIPPED):
        return one_line(gate.reason or "no reason recorded")
    return figures(gate.metrics)


def status_text(status: Status) -> Text:
    return Text(status.value, style=STATUS_STYLE[status])


def seconds(duration_s: float) -> str:
    return f"{duration_s:.1f}s"


def _verdict(report: Report) -> Text:
    met, total = criteria_counts(report)
    noun = "criterion" if total == 1 else "criteria"
    if report.verdict is Verdict.READY:
        return Text.assemble(
            "Verdict: ",
            ("READY", "bold green"),
            f" ({met} of {total} acceptance {noun} met)",
        )
    return Text.assemble(
        "Verdict: ",
        ("NOT READY", "bold red"),
        f" ({total - met} of {total} acceptance {noun} unmet)",
    )


def _unmet(report: Report) -> list[RenderableType]:
    """The unmet acceptance criteria, grouped by priority, P0 first.

    Each criterion is a row of a grid, so a long one wraps under its own text.
    """
    blocks: list[RenderableType] = []
    for priority in Priority:
        unmet = [
            f"{item.title}: {one_line(criterion.text)}"
            for item in report.plan
            if item.priority is priority
            for criterion in item.criteria
            if not criterion.met
        ]
        if unmet:
            blocks.append(Text(f"{priority} unmet:", style="bold"))
            grid = Table.grid()
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            for text in unmet:
                grid.add_row(Text("  - "), Text(text))
            blocks.append(grid)
    return blocks
