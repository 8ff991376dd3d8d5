"""From gate results to the prioritized remediation plan and the verdict.

The areas and their order follow the seed's "Prioritized Remediation Plan";
each area's acceptance criteria are the criteria its gates judged. A gate that
could not run leaves its area unproven, so the verdict cannot be ``ready``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from readiness.findings import (
    Criterion,
    GateResult,
    PlanItem,
    Priority,
    Status,
    Verdict,
)

#: How many distinct actions an area lists before "and N more".
MAX_ACTIONS = 8


@dataclass(frozen=True, kw_only=True)
class Area:
    priority: Priority
    title: str
    gates: tuple[str, ...]


AREAS = (
    Area(priority=Priority.P0, title="Build from a clean checkout", gates=("build",)),
    Area(priority=Priority.P0, title="Security hotfixes", gates=("sast", "secrets")),
    Area(
        priority=Priority.P0,
        title="Test unblocking and coverage",
        gates=("markers", "tests"),
    ),
    Area(
        priority=Priority.P1, title="Lint and format baseline", gates=("lint", "format")
    ),
    Area(
        priority=Priority.P1,
        title="Type checking scope and migration",
        gates=("typing",),
    ),
    Area(priority=Priority.P1, title="Dependency hygiene", gates=("deps",)),
    Area(
        priority=Priority.P2,
        title="Operational validations",
        gates=("cli", "docs", "ops"),
    ),
)


def build(results: Sequence[GateResult]) -> tuple[PlanItem, ...]:
    """One plan item per area that had a gate run (or fail to run), by priority.

    A gate in none of :data:`AREAS` is an area of its own, titled as the gate:
    a new gate enters the plan without an edit here.
    """
    by_name = {result.name: result for result in results}
    placed = {name for area in AREAS for name in area.gates}
    own = [
        Area(priority=result.priority, title=result.title or result.name, gates=(name,))
        for name, result in by_name.items()
        if name not in placed
    ]
    items = []
    for area in (*AREAS, *own):
        ran = [
            by_name[name]
            for name in area.gates
            if name in by_name and by_name[name].status is not Status.SKIPPED
        ]
        if not ran:
            continue
        criteria: list[Criterion] = []
        actions: list[str] = []
        for result in ran:
            if result.status is Status.ERROR:
                criteria.append(
                    Criterion(
                        text=f"the {result.name} gate runs ({result.reason})", met=False
                    )
                )
                actions.append(f"Make the {result.name} gate runnable: {result.reason}")
            criteria.extend(result.criteria)
            actions.extend(_actions(result))
        unique = list(dict.fromkeys(actions))
        if len(unique) > MAX_ACTIONS:
            unique = [
                *unique[:MAX_ACTIONS],
                f"... and {len(unique) - MAX_ACTIONS} more",
            ]
        items.append(
            PlanItem(
                priority=area.priority,
                title=area.title,
                gates=tuple(result.name for result in ran),
                criteria=tuple(criteria),
                actions=tuple(unique),
            )
        )
    return tuple(sorted(items, key=lambda item: item.priority))


def _actions(result: GateResult) -> list[str]:
    """The fix hints of the findings that block a criterion, worst first."""
    if result.status is not Status.FAIL:
        return []
    ordered = sorted(result.findings, key=lambda f: (f.priority, f.severity.rank))
    return [finding.fix for finding in ordered if finding.fix]


def verdict(results: Sequence[GateResult], plan: Sequence[PlanItem]) -> Verdict:
    if any(result.status is Status.ERROR for result in results):
        return Verdict.NOT_READY
    return Verdict.READY if all(item.done for item in plan) else Verdict.NOT_READY
