"""The gate registry: gate names in the contract's order, and their classes."""

from __future__ import annotations

from readiness.gates import format as format_gate
from readiness.gates import lint, markers, sast
from readiness.gates.interface import Gate

#: Every gate name of the DESIGN.md contract, in report order.
GATE_ORDER = (
    "markers",
    "tests",
    "typing",
    "lint",
    "format",
    "sast",
    "deps",
    "secrets",
    "cli",
    "docs",
    "ops",
)


def registry() -> dict[str, type[Gate]]:
    """The available gates, by name, in report order (a new dict each call)."""
    gates: tuple[type[Gate], ...] = (
        markers.MarkersGate,
        lint.LintGate,
        format_gate.FormatGate,
        sast.SastGate,
    )
    return {
        gate.name: gate
        for gate in sorted(gates, key=lambda g: GATE_ORDER.index(g.name))
    }
