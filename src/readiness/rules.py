"""The one place readiness's own rules are looked up by ID.

Each gate module declares its rules once, in a module-level ``RULES`` tuple;
renderers (SARIF's rule metadata, for one) read them from here.
"""

from __future__ import annotations

import sys

from readiness.findings import Rule
from readiness.gates import registry


def catalogue() -> dict[str, Rule]:
    """Every rule readiness defines, by ID (tool rules such as B202 are not here)."""
    found: dict[str, Rule] = {}
    for gate in registry().values():
        for rule in getattr(sys.modules[gate.__module__], "RULES", ()):
            found[rule.id] = rule
    return found
