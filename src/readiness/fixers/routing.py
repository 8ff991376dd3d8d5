"""Which fixer takes a finding: decided here, once, for the report and the engine.

Each fixer declares what it takes (:attr:`Fixer.takes`, and
:meth:`Fixer.accepts` where the evidence is in the finding); :func:`route`
reads those declarations in registry order and returns the first fixer that
takes the finding. The audit stamps ``Finding.fixable`` from it
(:func:`stamp`, also after ``report merge``), and the fix engine assigns
findings to fixers with it. Gates never decide what is fixable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from readiness.findings import Finding, GateResult
from readiness.fixers import registry

if TYPE_CHECKING:  # loaded with the fixers: an audit of cached results needs none
    from readiness.fixers.interface import Fixer

    FixerKind = type[Fixer] | Fixer


def route(
    gate: str, finding: Finding, fixers: Iterable[FixerKind] | None = None
) -> str | None:
    """The name of the first fixer (of ``fixers``, default: the registry, in
    order) that takes ``finding`` reported by ``gate``; ``None`` if none does."""
    candidates = registry().values() if fixers is None else fixers
    return next(
        (fixer.name for fixer in candidates if _takes(fixer, gate, finding)), None
    )


def _takes(fixer: FixerKind, gate: str, finding: Finding) -> bool:
    rules = fixer.takes.get(gate, frozenset())
    matched = finding.rule in rules or any(
        rule.endswith("*") and finding.rule.startswith(rule[:-1]) for rule in rules
    )
    return matched and fixer.accepts(gate, finding)


def stamp(results: Sequence[GateResult]) -> tuple[GateResult, ...]:
    """``results`` with every finding's ``fixable`` set from :func:`route`."""
    fixers = list(registry().values())
    return tuple(stamp_result(result, fixers) for result in results)


def stamp_result(
    result: GateResult, fixers: Sequence[FixerKind] | None = None
) -> GateResult:
    """One result with its findings' ``fixable`` set (fixers: the registry's)."""
    if not result.findings:
        return result  # nothing to route: the fixers need not even be loaded
    chosen = list(registry().values()) if fixers is None else fixers
    return dataclasses.replace(
        result,
        findings=tuple(
            dataclasses.replace(
                finding, fixable=route(result.name, finding, chosen) is not None
            )
            for finding in result.findings
        ),
    )
