"""The text ``readiness gates`` prints: one line per gate, in report order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from readiness.findings import Priority


@dataclass(frozen=True, kw_only=True)
class GateLine:
    """What the list shows of one gate."""

    name: str
    priority: Priority
    description: str


def gate_list(gates: Iterable[GateLine]) -> str:
    """``markers   P0  Pytest markers ...``: name, priority, description."""
    return "".join(
        f"{gate.name:<9} {gate.priority}  {gate.description}\n" for gate in gates
    )
