"""The gate registry: every gate class, in report order (the contract's order).

Adding a gate is one module under ``gates/`` and one line in :data:`GATES`
(see ``docs/architecture.md``).

A gate's module is imported when its class is first taken from the registry,
not when the registry is: an audit of five gates loads five gate modules (the
other seven, with the libraries they read with, cost a fifth of the start-up
of an audit whose results are all cached). Listing the names imports nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from readiness.gates.interface import Gate

#: Each gate's name, module (under ``readiness.gates``) and class, in report order.
GATES: tuple[tuple[str, str, str], ...] = (
    ("build", "build", "BuildGate"),
    ("markers", "markers", "MarkersGate"),
    ("tests", "tests", "TestsGate"),
    ("typing", "typing", "TypingGate"),
    ("lint", "lint", "LintGate"),
    ("format", "format", "FormatGate"),
    ("sast", "sast", "SastGate"),
    ("deps", "deps", "DepsGate"),
    ("secrets", "secrets", "SecretsGate"),
    ("cli", "cli_gate", "CliGate"),
    ("docs", "docs", "DocsGate"),
    ("ops", "ops", "OpsGate"),
)


class Registry(Mapping[str, type[Gate]]):
    """The gates by name, in report order; a class is imported when looked up."""

    def __init__(self) -> None:
        self._where = {name: (module, cls) for name, module, cls in GATES}

    def __getitem__(self, name: str) -> type[Gate]:
        module, cls = self._where[name]
        gate: type[Gate] = getattr(importlib.import_module(f"{__name__}.{module}"), cls)
        return gate

    def __contains__(self, name: object) -> bool:
        return name in self._where  # a name, without importing its gate

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def registry() -> Mapping[str, type[Gate]]:
    """The available gates, by name, in report order (see :class:`Registry`)."""
    return Registry()
