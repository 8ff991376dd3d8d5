"""The result store: gate results by cache key, as JSON files.

A folder of files named by key (:func:`readiness.cache.key`), each written
atomically: two audits of one target may share it, and a damaged or
unreadable entry is deleted and recomputed. Passing, failing and skipped
results are stored; an ``error`` never is (it may be a passing fault).
Beside the results, the last measured duration of each gate, which the runner
uses to start the heaviest gates first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

from readiness.atomicio import write_text_atomic
from readiness.errors import ReadinessError
from readiness.findings import GateResult, Status
from readiness.reports import json as json_report

CACHEABLE = frozenset({Status.PASS, Status.FAIL, Status.SKIPPED})


class ResultCache:
    """Gate results by key, in ``folder / "results"``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "results"

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> GateResult | None:
        """The stored result, marked cached; ``None`` (the entry removed) if bad."""
        path = self._path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            return None
        try:
            data = json.loads(text)
            result = json_report.load_gate(data["result"], "cache")
            tools = {str(k): str(v) for k, v in data["tools"].items()}
        except (ReadinessError, ValueError, KeyError, TypeError, AttributeError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return dataclasses.replace(result, tools=tools, cached=True)

    def put(self, key: str, result: GateResult) -> None:
        """Store ``result`` if it is worth reusing; a failure to write is ignored."""
        if result.status not in CACHEABLE:
            return
        data = {
            "result": json_report.gate_data(dataclasses.replace(result, cached=False)),
            "tools": dict(result.tools),
        }
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self._path(key), json.dumps(data, sort_keys=True))

    def durations(self) -> dict[str, float]:
        """The last measured duration per gate, for scheduling (heaviest first)."""
        path = self.folder.parent / "durations.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {str(k): float(v) for k, v in data.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def record_durations(self, results: Iterable[GateResult]) -> None:
        known = self.durations()
        known.update({r.name: r.duration_s for r in results if not r.cached})
        with contextlib.suppress(OSError):
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(
                self.folder.parent / "durations.json",
                json.dumps(known, sort_keys=True),
            )
