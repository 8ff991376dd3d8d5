"""The audit pipeline: discover → settings → select gates → run → plan → report.

Beside it, :func:`record_baseline`: discover → settings → one gate → its baseline.
"""

from __future__ import annotations

import dataclasses
import platform
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from readiness import __version__, baselines, command, plan, settings
from readiness.errors import UsageError
from readiness.findings import Report
from readiness.gates import registry
from readiness.gates.interface import Gate, GateContext, GateSkipped
from readiness.runner import Observer, run_gates
from readiness.target import discover


@dataclass(frozen=True, kw_only=True)
class AuditRequest:
    path: str
    gates: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    baseline: Path | None = None
    advisory_db: Path | None = None


def select(
    available: dict[str, type[Gate]],
    *,
    wanted: Sequence[str],
    skip: Sequence[str],
    configured_skip: Sequence[str],
) -> list[Gate]:
    """``--gate`` picks (and overrides the target's skip list); ``--skip`` removes."""
    for name in (*wanted, *skip):
        if name not in available:
            raise UsageError(
                f"unknown gate {name!r}; available gates: {', '.join(available)}"
            )
    names = (
        list(dict.fromkeys(wanted))
        if wanted
        else [name for name in available if name not in configured_skip]
    )
    names = [name for name in names if name not in skip]
    if not names:
        raise UsageError("no gate left to run after --gate/--skip")
    return [available[name]() for name in names]


def audit(
    request: AuditRequest,
    *,
    now: datetime,
    observer: Observer | None = None,
) -> Report:
    """Audit ``request.path``. ``now`` enters here, once, for the report's date."""
    target = discover(request.path)
    available = registry()
    config = settings.load(target, frozenset(available))
    if request.baseline is not None:
        if not request.baseline.is_file():
            raise UsageError(f"{request.baseline}: no such baseline file")
        config = dataclasses.replace(config, baseline=request.baseline.resolve())
    if request.advisory_db is not None:
        if not request.advisory_db.exists():
            raise UsageError(f"{request.advisory_db}: no such advisory database")
        config = dataclasses.replace(config, advisory_db=request.advisory_db.resolve())
    gates = select(
        available,
        wanted=request.gates,
        skip=request.skip,
        configured_skip=config.skip,
    )
    results = run_gates(gates, target=target, settings=config, observer=observer)
    items = plan.build(results)
    tools: dict[str, str] = {}
    for result in results:
        tools.update(result.tools)
    return Report(
        target=request.path,
        target_name=target.name,
        verdict=plan.verdict(results, items),
        generated_at=now.isoformat(timespec="seconds"),
        readiness_version=__version__,
        python=platform.python_version(),
        tools=dict(sorted(tools.items())),
        gates=results,
        plan=items,
    )


@dataclass(frozen=True, kw_only=True)
class BaselineRequest:
    path: str
    gate: str
    file: Path | None = None


def record_baseline(request: BaselineRequest) -> tuple[Path, baselines.Recorded]:
    """Run one gate and write what it found into the baseline file, as accepted."""
    target = discover(request.path)
    available = registry()
    config = settings.load(target, frozenset(available))
    keeping = [
        name
        for name, candidate in available.items()
        if issubclass(candidate, baselines.Baselined)
    ]
    if request.gate not in keeping:
        raise UsageError(
            f"the {request.gate!r} gate keeps no baseline; gates with a baseline:"
            f" {', '.join(keeping) or 'none'}"
        )
    gate = available[request.gate]()
    if not isinstance(gate, baselines.Baselined):  # pragma: no cover - checked above
        raise TypeError(gate)
    path = baselines.location(target.root, request.file)
    with tempfile.TemporaryDirectory(prefix="readiness-") as scratch:
        ctx = GateContext(
            gate=request.gate,
            target=target,
            settings=config,
            scratch=Path(scratch),
            deadline=time.monotonic() + config.timeout_for(request.gate),
        )
        try:
            recorded = gate.record_baseline(ctx)
        except GateSkipped as skipped:
            raise UsageError(
                f"the {request.gate} gate does not apply: {skipped}"
            ) from None
        except KeyboardInterrupt:
            command.terminate_all()
            raise
    baselines.write(path, request.gate, recorded.data)
    return path, recorded
