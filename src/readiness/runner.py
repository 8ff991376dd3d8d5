"""Run gates concurrently, each with its own deadline, and record every outcome.

This is the one place where a gate's exceptions become a status: a gate that
raises, hangs or whose tool is missing ends as ``error`` with the reason, and
the other gates go on. Ctrl-C still stops everything (and kills the tools).
"""

from __future__ import annotations

import dataclasses
import os
import queue
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from readiness import command
from readiness.errors import ReadinessError
from readiness.findings import GateResult, Status
from readiness.gates.interface import Gate, GateContext, GateSkipped
from readiness.settings import Settings
from readiness.target import Target

#: How long past its deadline a gate's thread may take to notice and return.
GRACE_S = 5.0


class Observer(Protocol):
    def started(self, gate: Gate) -> None: ...

    def finished(self, result: GateResult) -> None: ...


class _Silent:
    def started(self, gate: Gate) -> None:
        pass

    def finished(self, result: GateResult) -> None:
        pass


def run_gates(
    gates: Sequence[Gate],
    *,
    target: Target,
    settings: Settings,
    observer: Observer | None = None,
    jobs: int | None = None,
) -> tuple[GateResult, ...]:
    """Run ``gates``; results come back in the order the gates were given."""
    observer = observer or _Silent()
    workers = jobs or max(2, os.cpu_count() or 2)
    slots = threading.BoundedSemaphore(workers)
    finished: queue.Queue[GateResult] = queue.Queue()
    deadlines: dict[str, tuple[float, float]] = {}
    deadlines_lock = threading.Lock()
    results: dict[str, GateResult] = {}

    with tempfile.TemporaryDirectory(prefix="readiness-") as scratch_root:

        def work(gate: Gate) -> None:
            with slots:
                started = time.monotonic()
                ctx = GateContext.start(
                    gate.name,
                    target=target,
                    settings=settings,
                    scratch=Path(scratch_root) / gate.name,
                    started=started,
                )
                with deadlines_lock:
                    deadlines[gate.name] = (started, ctx.deadline)
                observer.started(gate)
                finished.put(execute(gate, ctx, started))

        threads = [
            threading.Thread(target=work, args=(gate,), daemon=True, name=gate.name)
            for gate in gates
        ]
        for thread in threads:
            thread.start()
        try:
            while len(results) < len(gates):
                try:
                    result = finished.get(timeout=0.2)
                except queue.Empty:
                    _abandon_overdue(
                        gates, deadlines, deadlines_lock, results, observer
                    )
                    continue
                if result.name not in results:
                    results[result.name] = result
                    observer.finished(result)
        except KeyboardInterrupt:
            command.terminate_all()
            raise
    return tuple(results[gate.name] for gate in gates)


def _abandon_overdue(
    gates: Sequence[Gate],
    deadlines: dict[str, tuple[float, float]],
    lock: threading.Lock,
    results: dict[str, GateResult],
    observer: Observer,
) -> None:
    now = time.monotonic()
    with lock:
        overdue = {
            name: (started, deadline)
            for name, (started, deadline) in deadlines.items()
            if name not in results and now > deadline + GRACE_S
        }
    for gate in gates:
        if gate.name not in overdue:
            continue
        started, deadline = overdue[gate.name]
        result = GateResult(
            name=gate.name,
            title=gate.title,
            status=Status.ERROR,
            priority=gate.priority,
            duration_s=round(now - started, 3),
            reason=f"did not finish within its {deadline - started:.0f}s timeout"
            " and was abandoned",
        )
        results[gate.name] = result
        observer.finished(result)


def execute(gate: Gate, ctx: GateContext, started: float) -> GateResult:
    """Run one gate and turn whatever happens into a :class:`GateResult`."""
    result = GateResult(
        name=gate.name,
        title=gate.title,
        priority=gate.priority,
        status=Status.ERROR,
        duration_s=0.0,
    )
    try:
        evaluation = gate.run(ctx)
    except GateSkipped as skipped:
        result = dataclasses.replace(result, status=Status.SKIPPED, reason=str(skipped))
    except ReadinessError as error:
        result = dataclasses.replace(result, reason=str(error))
    except Exception as error:  # noqa: BLE001 - the one place it becomes a status
        reason = f"internal error: {type(error).__name__}: {error}"
        result = dataclasses.replace(result, reason=reason)
    else:
        findings = tuple(
            dataclasses.replace(
                finding, priority=ctx.priority(finding.rule, finding.priority)
            )
            for finding in evaluation.findings
        )
        met = all(criterion.met for criterion in evaluation.criteria)
        result = dataclasses.replace(
            result,
            status=Status.PASS if met else Status.FAIL,
            metrics=dict(evaluation.metrics),
            findings=findings,
            criteria=evaluation.criteria,
        )
    return dataclasses.replace(
        result,
        duration_s=_since(started),
        commands=tuple(ctx.commands),
        tools=dict(ctx.tools),
    )


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
