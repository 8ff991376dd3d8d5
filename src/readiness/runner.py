"""Run gates concurrently, each with its own deadline, and record every outcome.

This is the one place where a gate's exceptions become a status: a gate that
raises, hangs or whose tool is missing ends as ``error`` with the reason, and
the other gates go on. Ctrl-C still stops everything (and kills the tools).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from readiness import command
from readiness.cache import FileIndex, facts_folder
from readiness.cache import key as cache_key
from readiness.contenthash import FILE as HASHES_FILE
from readiness.contenthash import HASHES
from readiness.errors import ReadinessError
from readiness.findings import GateResult, Status
from readiness.gates.interface import Gate, GateContext, GateSkipped
from readiness.resultstore import ResultCache
from readiness.settings import Settings
from readiness.target import Target

#: How long past its deadline a gate's thread may take to notice and return.
GRACE_S = 5.0


class Observer(Protocol):
    def started(self, gate: Gate) -> None: ...

    def finished(self, result: GateResult) -> None: ...


def _as_is(result: GateResult) -> GateResult:
    return result


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
    finish: Callable[[GateResult], GateResult] = _as_is,
) -> tuple[GateResult, ...]:
    """Run ``gates``; results come back in the order the gates were given.

    ``finish`` completes each result a gate computed before it is stored in
    the cache and reported (the audit stamps ``fixable`` there), so a result
    from the cache comes back completed as it was stored.
    """
    observer = observer or _Silent()
    store = None if settings.cache_dir is None else ResultCache(settings.cache_dir)
    index = _file_index(target, settings) if store is not None else None
    workers = jobs or slots_for(os.cpu_count() or 1)
    measured = store.durations() if store is not None else {}
    share = processes(gates, measured, os.cpu_count() or 1)
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
                    processes=share.get(gate.name, 1),
                )
                with deadlines_lock:
                    deadlines[gate.name] = (started, ctx.deadline)
                observer.started(gate)
                cache_key = None
                if store is not None and index is not None:
                    cache_key = _cache_key(gate, ctx, index)
                    hit = None if cache_key is None else _lookup(store, cache_key)
                    if hit is not None:
                        finished.put(
                            dataclasses.replace(hit, duration_s=_since(started))
                        )
                        return
                result = finish(execute(gate, ctx, started))
                if store is not None and cache_key is not None:
                    with contextlib.suppress(Exception):  # a full disk: no reuse
                        store.put(cache_key, result)
                finished.put(result)

        for gate in heaviest_first(gates, measured):
            threading.Thread(
                target=work, args=(gate,), daemon=True, name=gate.name
            ).start()
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
    ordered = tuple(results[gate.name] for gate in gates)
    if store is not None:
        store.record_durations(ordered)
        _keep_hashes(target, settings)
    return ordered


def _file_index(target: Target, settings: Settings) -> FileIndex:
    """The tree's files and content hashes, those of unchanged files remembered."""
    facts = facts_folder(settings)
    if facts is not None:
        HASHES.load(facts / HASHES_FILE)
    return FileIndex.of(target)


def _keep_hashes(target: Target, settings: Settings) -> None:
    """Remember the hashes this audit took (its environments' included)."""
    facts = facts_folder(settings)
    if facts is not None:
        HASHES.save(facts / HASHES_FILE, under=target.root)


def slots_for(cores: int) -> int:
    """How many gates run at once on ``cores``: one more than the cores.

    A gate holds its slot through its own Python work too (its cache key,
    reading and judging its tool's output), when its tool no longer uses a
    core; the extra gate's tool uses it then. Measured on 2 cores: an audit
    after a one-file change takes 15 % less wall time with 3 slots than with 2,
    a cold one the same.
    """
    return max(2, cores + 1)


def heaviest_first(gates: Sequence[Gate], measured: Mapping[str, float]) -> list[Gate]:
    """The gates by expected duration (measured, else their ``cost``), heaviest
    first, so no core idles at the end of a cold run; ties keep their order."""
    return sorted(gates, key=lambda g: -measured.get(g.name, g.cost))


def processes(
    gates: Sequence[Gate], measured: Mapping[str, float], cores: int
) -> dict[str, int]:
    """How many processes each gate's tool may run at once: every core for the
    longest pole, one for the others.

    The longest pole is the first of :func:`heaviest_first`: it starts first
    and is the one left running alone while the other cores idle; its tool's
    own parallelism (bandit's split file list) fills them. A gate run alone
    (a CI job per gate) is the pole. With no duration measured yet (a first
    audit, an empty cache) the pole is not known, and the static costs cannot
    tell it (bandit or mypy is the pole of a project formatted with ruff,
    black that of one formatted with black): every gate that can use the
    cores gets them (:attr:`Gate.splits`). While other gates still run the
    extra processes only share the cores, at the cost of their start-up,
    which each tool bounds (:mod:`readiness.sast_run`).
    """
    if len(gates) == 1:
        return {gates[0].name: cores}
    if not any(gate.name in measured for gate in gates):
        return {gate.name: cores if gate.splits else 1 for gate in gates}
    pole = heaviest_first(gates, measured)[0].name
    return {gate.name: cores if gate.name == pole else 1 for gate in gates}


def _lookup(store: ResultCache, key: str) -> GateResult | None:
    """A cached result; a store that cannot be read is a miss, never a hang."""
    try:
        return store.get(key)
    except Exception:  # noqa: BLE001 - the gate then simply runs
        return None


def _cache_key(gate: Gate, ctx: GateContext, index: FileIndex) -> str | None:
    """The key of ``gate``'s result, or ``None`` when it must run regardless."""
    try:
        extra = gate.cache_extra(ctx)
    except Exception:  # noqa: BLE001 - a gate that cannot say is run, not cached
        return None
    if extra is None:
        return None
    return cache_key(
        gate=gate.name,
        patterns=gate.inputs,
        extra=extra,
        settings=ctx.settings,
        index=index,
    )


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
            title=evaluation.title or gate.title,
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
