"""The audit pipeline: session → select gates → run → route → plan → report.

Beside it, :func:`record_baseline`: session → one gate → its baseline.
"""

from __future__ import annotations

import platform
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from readiness import __version__, accepted, baselines, command, plan
from readiness.environments import cache_root, probing_fresh
from readiness.errors import UsageError
from readiness.findings import GateResult, Report, Status
from readiness.fixers.routing import stamp, stamp_result
from readiness.gates.interface import Baselined, Gate, GateContext, GateSkipped
from readiness.redact import redact_report
from readiness.runner import Observer, run_gates
from readiness.session import Session


@dataclass(frozen=True, kw_only=True)
class AuditRequest:
    path: str
    gates: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    baseline: Path | None = None
    advisory_db: Path | None = None
    #: Fail on baseline entries no longer found (``--strict-baseline``).
    strict_baseline: bool = False
    #: Reuse results whose inputs did not change (``--no-cache``: False).
    cache: bool = True
    #: ``--cache-dir``: where the cache lives (default: the user cache folder).
    cache_dir: Path | None = None


def select(
    available: Mapping[str, type[Gate]],
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
    session = Session.open(
        request.path,
        baseline=request.baseline,
        advisory_db=request.advisory_db,
        cache=(
            (request.cache_dir or cache_root() / "targets") if request.cache else None
        ),
    )
    gates = select(
        session.gates,
        wanted=request.gates,
        skip=request.skip,
        configured_skip=session.settings.skip,
    )
    # --no-cache: interpreters are asked again too, nothing remembered is read
    with probing_fresh(fresh=not request.cache):
        results = run_gates(
            gates,
            target=session.target,
            settings=session.settings,
            observer=observer,
            finish=stamp_result,
        )
    sections = baselines.read(
        baselines.location(session.target.root, session.settings.baseline)
    )
    results = accepted.apply(
        results,
        sections,
        session.settings.waivers,
        today=now.date(),
        from_findings={gate.name for gate in gates if gate.criteria_from_findings},
        own_baseline={gate.name for gate in gates if isinstance(gate, Baselined)},
        strict=request.strict_baseline,
    )
    return build_report(
        results,
        target=request.path,
        target_name=session.target.name,
        generated_at=now.isoformat(timespec="seconds"),
        stamped=True,
    )


def build_report(
    results: Sequence[GateResult],
    *,
    target: str,
    target_name: str,
    generated_at: str,
    readiness_version: str = __version__,
    python: str | None = None,
    tools: Mapping[str, str] | None = None,
    stamped: bool = False,
) -> Report:
    """The report of ``results``: fixable stamped by the fixers' routing, the plan,
    the verdict, and the tool table (from the results unless ``tools`` is given).

    The audit and ``report merge`` both build their report here. The audit's
    results are ``stamped`` already: its runner stamped each as its gate
    finished, so a cached result was stored stamped and an audit whose
    results all come from the cache never loads the fixers. (The findings
    :mod:`readiness.accepted` adds since, expired waivers, no fixer takes.)
    """
    routed = tuple(results) if stamped else stamp(results)
    items = plan.build(routed)
    if tools is None:
        tools = {name: v for result in routed for name, v in result.tools.items()}
    report = Report(
        target=target,
        target_name=target_name,
        verdict=plan.verdict(routed, items),
        generated_at=generated_at,
        readiness_version=readiness_version,
        python=python or platform.python_version(),
        tools=dict(sorted(tools.items())),
        gates=routed,
        plan=items,
    )
    # Every text a tool or the target wrote passes through one redaction step.
    return redact_report(report)


@dataclass(frozen=True, kw_only=True)
class BaselineRequest:
    path: str
    gate: str
    file: Path | None = None


def record_baseline(request: BaselineRequest) -> tuple[Path, baselines.Recorded]:
    """Run one gate and write what it found into the baseline file, as accepted."""
    session = Session.open(request.path)
    keeping = [
        name
        for name, candidate in session.gates.items()
        if issubclass(candidate, Baselined)
    ]
    if request.gate not in keeping:
        raise UsageError(
            f"the {request.gate!r} gate keeps no baseline; gates with a baseline:"
            f" {', '.join(keeping) or 'none'}"
        )
    gate = session.gates[request.gate]()
    if not isinstance(gate, Baselined):  # pragma: no cover - checked above
        raise TypeError(gate)
    path = baselines.location(session.target.root, request.file)
    with tempfile.TemporaryDirectory(prefix="readiness-") as scratch:
        ctx = GateContext.start(
            request.gate,
            target=session.target,
            settings=session.settings,
            scratch=Path(scratch),
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


@dataclass(frozen=True, kw_only=True)
class BaselineWrite:
    path: str
    gates: tuple[str, ...] = ()
    file: Path | None = None


def write_baselines(
    request: BaselineWrite, *, observer: Observer | None = None
) -> tuple[Path, list[tuple[str, str]]]:
    """``readiness baseline write``: each gate's current findings as accepted.

    A gate with a baseline of its own (:class:`Baselined`: the typing gate's
    per-module ratchet) records that; every other gate its findings by
    fingerprint. Gates that end in ``error`` or are skipped record
    nothing (what they would accept is unknown). Returns the file and, per gate,
    what was recorded.
    """
    session = Session.open(request.path)
    path = baselines.location(session.target.root, request.file)
    chosen = select(
        session.gates,
        wanted=request.gates,
        skip=(),
        configured_skip=session.settings.skip,
    )
    own = [gate.name for gate in chosen if isinstance(gate, Baselined)]
    gates = [gate for gate in chosen if not isinstance(gate, Baselined)]
    written: list[tuple[str, str]] = []
    if gates:
        results = run_gates(
            gates, target=session.target, settings=session.settings, observer=observer
        )
        for result in results:
            if result.status in (Status.ERROR, Status.SKIPPED):
                written.append((result.name, f"not recorded: {result.status.value}"))
                continue
            baselines.write(path, result.name, accepted.record(result.findings))
            written.append((result.name, f"{len(result.findings)} findings"))
    for name in own:
        _, recorded = record_baseline(
            BaselineRequest(path=request.path, gate=name, file=request.file)
        )
        written.append((name, recorded.summary))
    return path, written
