"""The baseline file: what a gate accepted as known debt, committed with the target.

One JSON file holds every gate's section, so that one ``--baseline FILE``
option serves every gate that keeps a baseline::

    {
      "schema": "readiness-baseline/1",
      "gates": {
        "typing": {...}
      }
    }

Its default place is ``readiness-baseline.json`` at the target's root, beside
``pyproject.toml``: it is meant to be reviewed and committed (``.readiness/``
holds generated reports and is usually ignored by git). Keys are sorted and the
file ends with a newline, so that re-recording an unchanged baseline changes
nothing and a changed one gives a readable diff. Nothing in it depends on line
numbers or on the time it was written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness.atomicio import write_text_atomic
from readiness.errors import ConfigError

SCHEMA = "readiness-baseline/1"
FILENAME = "readiness-baseline.json"


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """A gate's baseline section (JSON-ready) and one line saying what it holds."""

    data: Mapping[str, Any]
    summary: str


def location(root: Path, configured: Path | None) -> Path:
    """``configured`` (``--baseline FILE``) if given, else the default at ``root``."""
    return configured if configured is not None else root / FILENAME


def read(path: Path) -> dict[str, Mapping[str, Any]]:
    """Every gate's section; empty when the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not a readiness baseline: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ConfigError(
            f'{path}: not a readiness baseline (expected "schema": {SCHEMA!r})'
        )
    gates = data.get("gates", {})
    if not isinstance(gates, dict) or not all(
        isinstance(section, dict) for section in gates.values()
    ):
        raise ConfigError(f'{path}: "gates" must map gate names to objects')
    return {str(name): section for name, section in gates.items()}


def section(path: Path, gate: str) -> Mapping[str, Any] | None:
    """``gate``'s section of the file at ``path``; None when there is none."""
    return read(path).get(gate)


def write(path: Path, gate: str, data: Mapping[str, Any]) -> None:
    """Replace ``gate``'s section, keep the others, and write the file atomically."""
    gates: dict[str, Mapping[str, Any]] = {**read(path), gate: data}
    text = json.dumps({"schema": SCHEMA, "gates": gates}, indent=2, sort_keys=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text + "\n")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot write the baseline: {exc.strerror}"
        ) from None
