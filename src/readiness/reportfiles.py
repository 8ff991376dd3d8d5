"""Report files: the edge where renderers' inputs are read and their text written.

Renderers are pure; what some of them need from disk is read here, once:
earlier JSON reports for the HTML trend (``--previous``), the flagged lines
for the SARIF fingerprints, the audited folder's place in the repository for
SARIF and JUnit paths (``--sarif-root``). Each file is written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness.atomicio import write_text_atomic
from readiness.errors import UsageError
from readiness.findings import Report
from readiness.reports import json as json_report
from readiness.reports import renderers
from readiness.reports.sources import SourceLines, uri_prefix


@dataclass(frozen=True, kw_only=True)
class Options:
    """What the renderers get beside the report."""

    previous: tuple[Report, ...] = ()
    #: The folder whose files the findings' paths are relative to.
    root: Path | None = None
    #: ``--sarif-root``: the repository root the SARIF and JUnit paths start at.
    repository_root: Path | None = None


def read_previous(files: Sequence[Path]) -> tuple[Report, ...]:
    """Earlier JSON reports (``--previous``); a one-line error for a bad one."""
    reports = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"{path}: cannot read the report: {exc.strerror}"
            ) from None
        try:
            reports.append(json_report.load(text))
        except UsageError as exc:
            raise UsageError(f"{path}: {exc}") from None
    return tuple(reports)


def prepare(folder: Path) -> None:
    """Create the report folder (before the gates run, so a typo fails fast)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{folder}: cannot create the report folder: {exc.strerror}"
        ) from None


def _keywords(name: str, options: Options) -> dict[str, Any]:
    root = options.root
    prefix = (
        uri_prefix(root, options.repository_root)
        if root is not None and options.repository_root is not None
        else ""
    )
    if name == "sarif":
        return {
            "snippet": SourceLines(root) if root is not None else None,
            "uri_prefix": prefix,
        }
    if name == "junit":
        return {"path_prefix": prefix}
    if name == "html":
        return {"previous": options.previous}
    return {}


def write(
    report: Report, formats: Sequence[str], out: Path, options: Options | None = None
) -> list[Path]:
    """Render each format and write it atomically into ``out``; the paths written."""
    options = options or Options()
    available = renderers()
    written = []
    for name in formats:
        renderer = available[name]()
        path = out / renderer.filename
        text = renderer.render(report, **_keywords(name, options))
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            raise UsageError(
                f"{path}: cannot write the report: {exc.strerror}"
            ) from None
        written.append(path)
    return written
