"""The live display while gates run: IO on the terminal, beside the pure renderers.

Both observers implement the runner's ``Observer`` protocol:
:class:`LiveProgress` redraws a table in place on an interactive terminal,
:class:`PlainProgress` prints one line per finished gate for logs. The runner
calls observers from worker threads, so both serialise their updates.
"""

from __future__ import annotations

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

from readiness.findings import GateResult, Status
from readiness.reports.interface import one_line
from readiness.reports.terminal import STATUS_STYLE, seconds, status_text
from readiness.wording import plural

if TYPE_CHECKING:
    from readiness.gates.interface import Gate


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
                    status_text(state.status),
                    Text(seconds(state.duration_s)),
                    Text(str(len(state.findings))),
                )
            elif isinstance(state, _Running):
                table.add_row(
                    Text(name),
                    state.spinner,
                    Text(seconds(now - state.since)),
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
                (f"{result.status.value:<7}", STATUS_STYLE[result.status]),
                f"  {seconds(result.duration_s):>7}  {tail}"
                + (" (cached: no input changed)" if result.cached else ""),
            )
            self._console.print(line, soft_wrap=True)
