"""Per-file results of a per-file tool, so a run re-checks only what changed.

black and bandit judge each file on its own; a legacy codebase keeps most of
their findings from one audit to the next (black's own cache remembers only
files that are already formatted, bandit has none). :class:`PerFileMemo`
keeps, per target and per tool setup (``tool_key``: the tool, its version and
its configuration), each file's content hash and the tool's result for it.

:meth:`PerFileMemo.plan` says what to run:

- the whole tool (``full``) when nothing is remembered for this setup, or when
  a file appeared that was not there last time: the tool's own discovery
  (its include and exclude rules) then decides whether it belongs, which
  readiness does not try to replicate;
- otherwise only the files whose content changed (``rerun``), with the
  remembered results of the rest (``reused``); deleted files drop out.

The state is one JSON file, written atomically with a checksum of what it
holds; one that cannot be read, or whose content does not match its checksum
(damaged in place), is a full run. Without a cache folder (``--no-cache``)
every plan is a full run and nothing is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.atomicio import write_text_atomic
from readiness.repofiles import walk


@dataclass(frozen=True, kw_only=True)
class Plan:
    full: bool
    rerun: tuple[str, ...] = ()
    reused: Mapping[str, Any] = field(default_factory=dict)


def python_files(root: Path, suffixes: Iterable[str] = (".py",)) -> dict[str, str]:
    """Every file with one of ``suffixes`` under ``root`` and its content hash."""
    wanted = tuple(suffixes)
    found: dict[str, str] = {}
    for rel in walk(root):
        if rel.endswith(wanted):
            with contextlib.suppress(OSError):
                found[rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
    return found


class PerFileMemo:
    """One tool's per-file results for one target."""

    def __init__(
        self,
        folder: Path | None,
        *,
        tool_key: str,
        root: Path,
        suffixes: Iterable[str] = (".py",),
    ) -> None:
        self.path = None if folder is None else folder / "perfile.json"
        self.tool_key = tool_key
        self.current = python_files(root, suffixes)

    def _state(self) -> Mapping[str, Any] | None:
        if self.path is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("tool_key") != self.tool_key:
            return None
        seen, results = data.get("seen"), data.get("results")
        if not isinstance(seen, dict) or not isinstance(results, dict):
            return None
        if data.get("check") != checksum(self.tool_key, seen, results):
            return None
        return data

    def plan(self) -> Plan:
        state = self._state()
        if state is None:
            return Plan(full=True)
        seen: Mapping[str, str] = state["seen"]
        results: Mapping[str, Any] = state["results"]
        if any(rel not in seen for rel in self.current):
            return Plan(full=True)
        rerun = tuple(
            rel
            for rel, digest in self.current.items()
            if rel in results and seen.get(rel) != digest
        )
        reused = {
            rel: data
            for rel, data in results.items()
            if rel in self.current and rel not in rerun
        }
        return Plan(full=False, rerun=rerun, reused=reused)

    def save(self, results: Mapping[str, Any]) -> None:
        """Remember ``results`` (by file) against the files as they are now."""
        if self.path is None:
            return
        kept = {rel: results[rel] for rel in sorted(results)}
        data = {
            "tool_key": self.tool_key,
            "seen": self.current,
            "results": kept,
            "check": checksum(self.tool_key, self.current, kept),
        }
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(data, sort_keys=True))


def tool_key(*parts: object) -> str:
    """A short key for a tool setup: its name, version, configuration files' text."""
    digest = hashlib.sha256("\0".join(str(part) for part in parts).encode())
    return digest.hexdigest()[:24]


def checksum(*parts: object) -> str:
    """The hash of ``parts`` as JSON: what a state file holds, to tell a damaged
    one (a valid JSON file whose content changed) from a good one."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
