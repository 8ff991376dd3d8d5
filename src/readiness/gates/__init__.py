"""The gate registry: gate names in the contract's order, and their classes."""

from __future__ import annotations

from readiness.gates import build as build_gate
from readiness.gates import cli_gate, deps, docs, lint, markers, ops, sast, secrets
from readiness.gates import format as format_gate
from readiness.gates import tests as tests_gate
from readiness.gates import typing as typing_gate
from readiness.gates.interface import Gate

#: Every gate name of the DESIGN.md contract, in report order.
GATE_ORDER = (
    "build",
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
        build_gate.BuildGate,
        markers.MarkersGate,
        tests_gate.TestsGate,
        lint.LintGate,
        format_gate.FormatGate,
        sast.SastGate,
        deps.DepsGate,
        typing_gate.TypingGate,
        secrets.SecretsGate,
        cli_gate.CliGate,
        docs.DocsGate,
        ops.OpsGate,
    )
    return {
        gate.name: gate
        for gate in sorted(gates, key=lambda g: GATE_ORDER.index(g.name))
    }
