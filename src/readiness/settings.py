"""``[tool.readiness]``: the target's settings for the audit, with defaults.

```toml
[tool.readiness]
timeout = 900                 # seconds each gate may run
skip = ["typing"]             # gates left out unless named with --gate
kind = "application"          # or "library"; default: from the evidence

[tool.readiness.priorities]   # rule ID or ID prefix -> P0 | P1 | P2
B101 = "P2"

[tool.readiness.sast]         # one table per gate, read by that gate
packages = ["src/app"]

[tool.readiness.fix]          # the fixers of `readiness fix`
timeout = 30                  # seconds, for requests/httpx calls that lack one
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.accepted import Waiver, waivers
from readiness.errors import ConfigError
from readiness.findings import Priority
from readiness.projectkind import KIND_ERROR
from readiness.target import Target

DEFAULT_TIMEOUT_S = 900.0
TOP_LEVEL_KEYS = frozenset({"timeout", "skip", "priorities", "fix", "waivers", "kind"})


@dataclass(frozen=True, kw_only=True)
class Settings:
    timeout_s: float = DEFAULT_TIMEOUT_S
    skip: tuple[str, ...] = ()
    priorities: Mapping[str, Priority] = field(default_factory=dict)
    gates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fix: Mapping[str, Any] = field(default_factory=dict)
    #: ``--baseline FILE``: the baseline file gates compare with (None: the default).
    baseline: Path | None = None
    #: ``--advisory-db FILE_OR_DIR``: the deps gate's offline OSV database.
    advisory_db: Path | None = None
    #: This target's cache folder (results, tools' caches); ``None``: no cache.
    cache_dir: Path | None = None
    #: ``[[tool.readiness.waivers]]``: accepted findings, by rule or fingerprint.
    waivers: tuple[Waiver, ...] = ()

    def options(self, gate: str) -> GateOptions:
        return GateOptions(gate=gate, values=self.gates.get(gate, {}))

    def fix_options(self) -> GateOptions:
        """``[tool.readiness.fix]``: the fixers' options (``timeout`` for requests)."""
        return GateOptions(gate="fix", values=self.fix)

    def timeout_for(self, gate: str) -> float:
        return self.options(gate).number("timeout", self.timeout_s)

    def priority_for(self, rule: str, default: Priority) -> Priority:
        """The configured priority of the longest matching rule prefix."""
        matches = [key for key in self.priorities if rule.startswith(key)]
        if not matches:
            return default
        return self.priorities[max(matches, key=len)]


@dataclass(frozen=True, kw_only=True)
class GateOptions:
    """Typed access to one gate's table; a wrong type is a one-line error."""

    gate: str
    values: Mapping[str, Any]

    def _where(self, key: str) -> str:
        table = f"tool.readiness.{self.gate}" if self.gate else "tool.readiness"
        return f"[{table}] {key}"

    def number(self, key: str, default: float) -> float:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{self._where(key)} must be a positive number")
        return float(value)

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.values.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{self._where(key)} must be true or false")
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.values.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self._where(key)} must be a list of strings")
        return tuple(value)


def load(target: Target, gate_names: frozenset[str]) -> Settings:
    """Read ``[tool.readiness]``; unknown keys are errors (they are usually typos)."""
    raw = target.tool.get("readiness", {})
    if not isinstance(raw, Mapping):
        raise ConfigError("[tool.readiness] must be a table")
    unknown = sorted(set(raw) - TOP_LEVEL_KEYS - gate_names)
    if unknown:
        raise ConfigError(
            f"[tool.readiness] has unknown key {unknown[0]!r}; known keys: "
            + ", ".join(sorted(TOP_LEVEL_KEYS | gate_names))
        )
    if raw.get("kind", "application") not in ("application", "library"):
        raise ConfigError(KIND_ERROR)
    top = GateOptions(gate="", values=raw)
    skip = tuple(top.strings("skip"))
    for name in skip:
        if name not in gate_names:
            raise ConfigError(f"[tool.readiness] skip names unknown gate {name!r}")
    priorities_raw = raw.get("priorities", {})
    if not isinstance(priorities_raw, Mapping):
        raise ConfigError("[tool.readiness.priorities] must be a table")
    priorities: dict[str, Priority] = {}
    for rule, value in priorities_raw.items():
        try:
            priorities[str(rule)] = Priority(str(value))
        except ValueError:
            message = f"{rule} must be P0, P1 or P2, not {value!r}"
            raise ConfigError(f"[tool.readiness.priorities] {message}") from None
    gates: dict[str, Mapping[str, Any]] = {}
    for name in gate_names & set(raw):
        if not isinstance(raw[name], Mapping):
            raise ConfigError(f"[tool.readiness.{name}] must be a table")
        gates[name] = raw[name]
    fix = raw.get("fix", {})
    if not isinstance(fix, Mapping):
        raise ConfigError("[tool.readiness.fix] must be a table")
    return Settings(
        timeout_s=top.number("timeout", DEFAULT_TIMEOUT_S),
        skip=skip,
        priorities=priorities,
        gates=gates,
        fix=fix,
        waivers=waivers(raw.get("waivers")),
    )
