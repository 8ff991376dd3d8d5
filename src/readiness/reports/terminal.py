"""What a person sees in the terminal: progress while gates run, a summary after.

:func:`summary` renders a finished report to text (a table of gates, the
verdict and, when not ready, the unmet acceptance criteria). The two progress
observers implement the runner's ``Observer`` protocol: :class:`LiveProgress`
redraws a table in place on an interactive terminal, :class:`PlainProgress`
prints one line per finished gate for logs. The runner calls observers from
worker threads, so both serialise their updates.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Self

from rich import box
from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from readiness.findings import GateResult, Priority, Report, Status, Verdict
from readiness.reports.interface import criteria_counts, figures, one_line, plural

if TYPE_CHECKING:
    from readiness.gates.interface import Gate

_STATUS_STYLE = {
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
            _status(gate.status),
            Text(gate.priority),
            Text(_key_figures(gate)),
            Text(str(len(gate.findings))),
            Text(_seconds(gate.duration_s)),
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


def _status(status: Status) -> Text:
    return Text(status.value, style=_STATUS_STYLE[status])


def _seconds(duration_s: float) -> str:
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


@dataclass(frozen=True, kw_only=True)
class _Running:
    since: float
    spinner: Spinner


class LiveProgress:
    """A table of gates redrawn in place while they run; gone when done.

    Use it as a context manager around the run::

        with LiveProgress(console, [gate.name for gate in gates]) as progress:
            run_gates(gates, ..., observer=progress)
    """

    def __init__(
        self,
        console: Console,
        gates: Iterable[str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._rows: dict[str, _Running | GateResult | None] = dict.fromkeys(gates)
        self._live = Live(
            console=console,
            transient=True,
            refresh_per_second=8,
            redirect_stdout=False,
            redirect_stderr=False,
            get_renderable=self.renderable,
        )

    def __enter__(self) -> Self:
        self._live.start(refresh=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._live.stop()

    def started(self, gate: Gate) -> None:
        with self._lock:
            self._rows[gate.name] = _Running(
                since=self._clock(),
                spinner=Spinner(
                    "dots", text=Text("running", style="cyan"), style="cyan"
                ),
            )
        self._refresh()

    def finished(self, result: GateResult) -> None:
        with self._lock:
            self._rows[result.name] = result
        self._refresh()

    def _refresh(self) -> None:
        if self._live.is_started:
            self._live.refresh()

    def renderable(self) -> RenderableType:
        """The table as it stands now (what the live display draws)."""
        with self._lock:
            rows = list(self._rows.items())
        now = self._clock()
        done = sum(isinstance(state, GateResult) for _, state in rows)
        table = Table(
            box=box.SIMPLE,
            show_edge=False,
            pad_edge=False,
            title=f"readiness: {done}/{len(rows)} gates finished",
            title_justify="left",
        )
        table.add_column("gate", no_wrap=True)
        table.add_column("status", no_wrap=True, min_width=9)
        table.add_column("time", justify="right", no_wrap=True, min_width=6)
        table.add_column("findings", justify="right", no_wrap=True)
        for name, state in rows:
            if isinstance(state, GateResult):
                table.add_row(
                    Text(name),
                    _status(state.status),
                    Text(_seconds(state.duration_s)),
                    Text(str(len(state.findings))),
                )
            elif isinstance(state, _Running):
                table.add_row(
                    Text(name),
                    state.spinner,
                    Text(_seconds(now - state.since)),
                    Text(""),
                )
            else:
                table.add_row(
                    Text(name), Text("waiting", style="dim"), Text(""), Text("")
                )
        return table


class PlainProgress:
    """One line per finished gate, for logs and other non-interactive output.

    ``markers   fail      12.3s  2 findings``
    """

    def __init__(self, console: Console, gates: Iterable[str] = ()) -> None:
        self._console = console
        self._lock = threading.Lock()
        self._width = max((len(name) for name in gates), default=0)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def started(self, gate: Gate) -> None:
        """Nothing: a log only needs the outcome."""

    def finished(self, result: GateResult) -> None:
        if result.status in (Status.ERROR, Status.SKIPPED):
            tail = one_line(result.reason or "no reason recorded")
        else:
            tail = plural(len(result.findings), "finding")
        with self._lock:
            self._width = max(self._width, len(result.name))
            line = Text.assemble(
                f"{result.name:<{self._width}}   ",
                (f"{result.status.value:<7}", _STATUS_STYLE[result.status]),
                f"  {_seconds(result.duration_s):>7}  {tail}",
            )
            self._console.print(line, soft_wrap=True)
