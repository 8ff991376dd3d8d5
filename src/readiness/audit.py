"""The audit pipeline: discover → settings → select gates → run → plan → report."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from readiness import __version__, plan, settings
from readiness.errors import UsageError
from readiness.findings import Report
from readiness.gates import registry
from readiness.gates.interface import Gate
from readiness.runner import Observer, run_gates
from readiness.target import discover


@dataclass(frozen=True, kw_only=True)
class AuditRequest:
    path: str
    gates: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()


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
