"""The gate registry: every gate class, in report order (the contract's order).

Adding a gate is one module under ``gates/`` and one line in :func:`registry`
(see ``docs/architecture.md``).
"""

from __future__ import annotations

from readiness.gates import build as build_gate
from readiness.gates import cli_gate, deps, docs, lint, markers, ops, sast, secrets
from readiness.gates import format as format_gate
from readiness.gates import tests as tests_gate
from readiness.gates import typing as typing_gate
from readiness.gates.interface import Gate


def registry() -> dict[str, type[Gate]]:
    """The available gates, by name, in report order (a new dict each call)."""
    gates: tuple[type[Gate], ...] = (
        build_gate.BuildGate,
        markers.MarkersGate,
        tests_gate.TestsGate,
        typing_gate.TypingGate,
        lint.LintGate,
        format_gate.FormatGate,
        sast.SastGate,
        deps.DepsGate,
        secrets.SecretsGate,
        cli_gate.CliGate,
        docs.DocsGate,
        ops.OpsGate,
    )
    return {gate.name: gate for gate in gates}
