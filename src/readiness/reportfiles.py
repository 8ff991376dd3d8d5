"""Report files: the edge where renderers' inputs are read and their text written.

Renderers are pure and never open files; what some of them need from disk is
read here, once:
earlier JSON reports for the HTML trend (``--previous``), the flagged lines
for the SARIF fingerprints, the audited folder's place in the repository for
SARIF and JUnit paths (``--sarif-root``). Each file is written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from readiness.atomicio import write_text_atomic
from readiness.errors import UsageError
from readiness.findings import Report
from readiness.reports import json as json_report
from readiness.reports import renderer


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
    written = []
    for name in formats:
        chosen = renderer(name)()
        path = out / chosen.filename
        text = chosen.render(report, **_keywords(name, options))
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            raise UsageError(
                f"{path}: cannot write the report: {exc.strerror}"
            ) from None
        written.append(path)
    return written


#: Files larger than this are not read for fingerprints (logs, data files).
MAX_BYTES = 2_000_000


class SourceLines:
    """``lines(path, number)``: a line of a file under ``root``, or ``None``.

    ``None`` for a path outside ``root``, a folder, a missing, unreadable,
    binary or very large file, or a line past its end. Each file is read once.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._read = lru_cache(maxsize=512)(self._lines)

    def __call__(self, path: str, number: int) -> str | None:
        lines = self._read(path)
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _lines(self, path: str) -> tuple[str, ...] | None:
        file = (self.root / path).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            return None
        try:
            if file.stat().st_size > MAX_BYTES:
                return None
            data = file.read_bytes()
        except OSError:
            return None
        if b"\0" in data:
            return None
        return tuple(data.decode("utf-8", errors="replace").splitlines())


def uri_prefix(target: Path, root: Path) -> str:
    """The audited folder relative to the repository root, as SARIF URIs start.

    ``""`` when they are the same folder, ``"sub/dir/"`` otherwise; a usage
    error when the root does not contain the target (``--sarif-root``).
    """
    resolved, base = target.resolve(), root.resolve()
    if not resolved.is_relative_to(base):
        raise UsageError(f"--sarif-root {root} does not contain the target {target}")
    relative = resolved.relative_to(base).as_posix()
    return "" if relative == "." else relative + "/"
