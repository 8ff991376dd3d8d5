"""The target's files as the fixers see them, and the one place that writes them.

Fixers read through the workspace: the first read of a file records its bytes,
size and modification time (a *snapshot*) and its text becomes the file's
*original*, against which the final diff is made. Each fixer's edits are then
*applied*: validated first (the file is unchanged on disk since that fixer read
it, it is writable, it stays inside the target), then, unless this is a dry
run, written through :mod:`readiness.fixers.journal` (every temporary
written beside its file with the old file's mode and, where allowed, owner,
and fsynced; then each renamed over its file; the folders fsynced). When one
file of a fixer cannot be written, the ones already replaced are put back, and
a run killed at any moment leaves a journal the next ``readiness fix`` rolls
forward or back, so a fixer lands whole or not at all. In a dry run the new
text only goes into the workspace, so the next fixer builds on it exactly as
it would on disk. (A rename gives the path a new inode: a hard link to the old
file keeps the old text.)

A file is kept in the line endings it had: when every line ended in CRLF, the
bare LFs an edit brings are turned into CRLF too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from readiness.atomicio import current_umask
from readiness.fixers import journal
from readiness.fixers.interface import FileEdit, FixError
from readiness.fixers.text import (
    NEW_FILE_MODE,
    keep_line_endings,
    line_map,
    unified_diff,
)


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """A file as it was on disk when read; ``data`` is ``None`` when absent."""

    data: bytes | None
    mtime_ns: int = 0
    size: int = 0


class Workspace:
    """``step``: called before each write step (default: the fault seam
    :func:`readiness.fixers.journal.hook_from_environment`)."""

    def __init__(
        self, root: Path, *, dry_run: bool, step: journal.Step | None = None
    ) -> None:
        self.root = root
        self.dry_run = dry_run
        self._step = step or journal.hook_from_environment()
        self.original: dict[str, str | None] = {}
        self.current: dict[str, str | None] = {}
        self.snapshots: dict[str, Snapshot] = {}
        self._line_maps: dict[str, tuple[str | None, list[int | None]]] = {}

    # --- reading ------------------------------------------------------------

    def path(self, rel: str) -> Path:
        """The absolute path of ``rel``; :class:`FixError` outside the target."""
        candidate = (self.root / rel).resolve()
        if not candidate.is_relative_to(self.root):
            raise FixError(f"{rel} lies outside the target; not edited")
        return candidate

    def exists(self, rel: str) -> bool:
        if rel in self.current:
            return self.current[rel] is not None
        return self.path(rel).is_file()

    def read(self, rel: str) -> str:
        """The text a fixer works on; records the snapshot its edits must match."""
        snapshot = take_snapshot(self.path(rel), rel)
        if rel not in self.current:
            text = None if snapshot.data is None else decode(rel, snapshot.data)
            self.original[rel] = text
            self.current[rel] = text
        elif not self.dry_run and snapshot.data != encoded(self.current[rel]):
            raise FixError(f"{rel} was changed by someone else while readiness ran")
        self.snapshots[rel] = snapshot
        text = self.current[rel]
        if text is None:
            raise FixError(f"{rel} does not exist")
        return text

    def line(self, rel: str, line: int) -> int | None:
        """Map a line of the original file to the current text (1-based)."""
        original, current = self.original.get(rel), self.current.get(rel)
        if original is None or current is None or original == current:
            return line
        cached = self._line_maps.get(rel)
        if cached is None or cached[0] != current:
            cached = (current, line_map(original, current))
            self._line_maps[rel] = cached
        mapping = cached[1]
        return mapping[line - 1] if 0 < line <= len(mapping) else None

    # --- writing ------------------------------------------------------------

    def apply(self, edits: Sequence[FileEdit]) -> None:
        """Validate ``edits`` and write them (not in a dry run); all or nothing."""
        prepared = [self._prepare(edit) for edit in edits]
        if not self.dry_run:
            self._write_all(prepared)
        for edit, _target, _mode in prepared:
            self.current[edit.path] = edit.after

    def _prepare(self, edit: FileEdit) -> tuple[FileEdit, Path, int]:
        rel = edit.path
        if rel not in self.current:
            # A fixer that creates a file without reading it first.
            self.read_absent(rel)
        if edit.before != self.current[rel]:
            raise FixError(f"{rel}: the edit was not made on the file's current text")
        target = self.path(rel)
        before = self.snapshots.get(rel)
        now = take_snapshot(target, rel)
        if before is None or now != before:
            raise FixError(
                f"{rel} was changed by someone else after readiness read it;"
                " nothing written"
            )
        if now.data is None:
            mode = NEW_FILE_MODE & ~current_umask()
            # A new file may need new folders; the nearest existing one must take them.
            existing = next(p for p in target.parents if p.exists())
            if not os.access(existing, os.W_OK):
                raise FixError(f"{rel}: its folder is not writable; nothing written")
        else:
            mode = stat.S_IMODE(target.stat().st_mode)
            if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
                target, os.W_OK
            ):
                raise FixError(f"{rel} is read-only; nothing written")
        after = keep_line_endings(edit.before or "", edit.after)
        return FileEdit(path=rel, before=edit.before, after=after), target, mode

    def read_absent(self, rel: str) -> None:
        snapshot = take_snapshot(self.path(rel), rel)
        if snapshot.data is not None:
            raise FixError(f"{rel}: a fixer tried to create a file that exists")
        self.original[rel] = self.current[rel] = None
        self.snapshots[rel] = snapshot

    def _write_all(self, prepared: Sequence[tuple[FileEdit, Path, int]]) -> None:
        changes = [
            journal.Change(
                path=target.relative_to(self.root).as_posix(),
                data=edit.after.encode("utf-8"),
                mode=mode,
                previous=self.snapshots[edit.path].data,
            )
            for edit, target, mode in prepared
        ]
        journal.commit(self.root, changes, self._step)
        for edit, target, _mode in prepared:
            self.snapshots[edit.path] = take_snapshot(target, edit.path)

    # --- results ------------------------------------------------------------

    def changed(self) -> list[str]:
        return sorted(
            rel for rel, text in self.current.items() if text != self.original[rel]
        )

    def diff(self) -> str:
        """Every change since the first read, as a patch ``git apply`` accepts."""
        return "".join(
            unified_diff(rel, self.original[rel], self.current[rel])
            for rel in self.changed()
        )


def take_snapshot(path: Path, rel: str) -> Snapshot:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise FixError(f"{rel} is not a regular file; not edited")
        data = path.read_bytes()
    except FileNotFoundError:
        return Snapshot(data=None)
    except OSError as exc:
        raise FixError(f"{rel} cannot be read: {exc.strerror or exc}") from None
    return Snapshot(data=data, mtime_ns=info.st_mtime_ns, size=info.st_size)


def decode(rel: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FixError(f"{rel} is not UTF-8; not edited") from None


def encoded(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8")
