"""The one way readiness writes a file: all of it or none of it.

Reports, locks and baselines go through :func:`write_atomic` (fixers' edits go
through :mod:`readiness.fixers.journal`, which does the same for all of one
fixer's files at once):
the data goes to a temporary file beside the destination (a unique name per
call, so two processes writing the same path never share one), is flushed to
disk, gets the destination's mode (or ``mode``), replaces the destination in
one rename, and the folder is synced so the rename itself survives a crash.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

#: Suffix of the temporaries, so a crash's leftovers can be recognised.
TEMP_SUFFIX = ".readiness-tmp"


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def default_mode() -> int:
    """The mode a new file gets from ``open()``: 0666 less the umask."""
    return 0o666 & ~current_umask()


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically.

    The new file keeps the old file's mode and, where allowed, its owner;
    ``mode`` overrides the mode; a new file gets :func:`default_mode`.
    """
    try:
        old = path.stat()
    except FileNotFoundError:
        old = None
    if mode is None:
        mode = (old.st_mode & 0o7777) if old is not None else default_mode()
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)  # noqa: PTH101 - the path is a str from mkstemp
        if old is not None and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(PermissionError):
                os.chown(temporary, old.st_uid, old.st_gid)
        os.replace(temporary, path)  # noqa: PTH105 - same
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # noqa: PTH108 - same
        raise
    sync_folder(path.parent)


def write_text_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """:func:`write_atomic` of ``text`` encoded as UTF-8."""
    write_atomic(path, text.encode("utf-8"), mode)


def sync_folder(folder: Path) -> None:
    """fsync a folder so the renames in it are durable (a no-op where unsupported)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(handle)
    finally:
        os.close(handle)
