"""The content hash of each of the target's files, read once while it is unchanged.

The result cache's keys (:class:`readiness.cache.FileIndex`) and the
environments' source digests (:func:`readiness.environments.sources.listed`)
both hash every file of the tree by content. Each would read the whole tree,
at every audit, to find that nothing changed. Here a file's hash is kept
with its identity (inode, size, modification and change times; any write
moves the change time, which no tool can set back): the same identity is the
same content, as git's index assumes, and only a changed file is read again.

A file written within the same tick of the file system's clock as it was
hashed could keep its identity (git's "racily clean" entries), so only a
hash taken when the file's last change was at least :data:`SETTLED_NS` old
is kept for later audits. Within one audit every hash is reused: the tree
does not change under an audit.

The hashes of a target live in one JSON file beside its other remembered
facts, written back atomically with a checksum and holding only the files
this run looked up; two audits may share it (the last write wins, and each
entry is checked against the file before use). A damaged file is a fresh
start; without the cache (``--no-cache``) none is read or written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from readiness.atomicio import write_text_atomic
from readiness.perfile import checksum

#: How old a file's last change must be for its hash to be kept across audits.
SETTLED_NS = 2_000_000_000
#: The file of a target's hashes in its facts folder.
FILE = "content-hashes.json"
#: Bumped when an entry's layout changes.
FORMAT = "1"

# path -> [inode, size, mtime_ns, ctime_ns, sha256]
Entry = list[int | str]


def _identity(info: os.stat_result) -> list[int | str]:
    return [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


class ContentHashes:
    """sha256 of files' contents, by path, reused while each file is unchanged."""

    def __init__(self, clock: Callable[[], int] = time.time_ns) -> None:
        self._clock = clock
        self._known: dict[str, Entry] = {}
        self._settled: dict[str, Entry] = {}
        self._loaded: dict[str, Entry] = {}
        #: Paths whose hash this process took too soon after their last change.
        self._racy: set[str] = set()
        self._lock = threading.Lock()

    def hash(self, path: Path, info: os.stat_result | None = None) -> str:
        """The hex sha256 of the content of ``path`` (``OSError`` as reading);
        ``info``: the caller's ``stat`` of it, if it just took one."""
        key = str(path)
        before = _identity(path.stat() if info is None else info)
        with self._lock:
            entry = self._known.get(key)
        if entry is not None and entry[:4] == before:
            with self._lock:
                if key not in self._racy:  # a racy hash serves this audit only
                    self._settled.setdefault(key, entry)
            return str(entry[4])
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        info = path.stat()
        if _identity(info) == before:  # not changed while it was read
            entry = [*before, digest]
            changed = max(info.st_mtime_ns, info.st_ctime_ns)
            with self._lock:
                self._known[key] = entry
                if self._clock() - changed >= SETTLED_NS:
                    self._settled[key] = entry
                    self._racy.discard(key)
                else:
                    self._racy.add(key)
        return digest

    def load(self, file: Path) -> None:
        """Add the hashes remembered in ``file`` (a damaged one adds none)."""
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        entries = data.get("hashes")
        if not isinstance(entries, dict) or data.get("check") != checksum(entries):
            return
        with self._lock:
            for key, entry in entries.items():
                if isinstance(entry, list) and len(entry) == 5:
                    self._known.setdefault(key, entry)
                    self._loaded[key] = entry

    def save(self, file: Path, *, under: Path) -> None:
        """Write the settled hashes of files under ``under`` this process used."""
        prefix = str(under).rstrip(os.sep) + os.sep
        with self._lock:
            entries = {k: v for k, v in self._settled.items() if k.startswith(prefix)}
            loaded = {k: v for k, v in self._loaded.items() if k.startswith(prefix)}
        if entries == loaded:
            return  # nothing new: an audit with nothing changed writes nothing
        data = {"format": FORMAT, "hashes": entries, "check": checksum(entries)}
        with contextlib.suppress(OSError):
            file.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(file, json.dumps(data, sort_keys=True))


#: The process's hashes: every reader of the tree shares them.
HASHES = ContentHashes()
