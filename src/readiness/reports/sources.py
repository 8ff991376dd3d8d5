"""What the caller of a renderer reads from disk on its behalf.

Renderers never open files; the SARIF fingerprints still need the flagged
lines, and its URIs the audited folder's place in the repository. The CLI
builds both here, at the edge, and hands them to the renderer.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from readiness.errors import UsageError

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
