"""Facts read from one file's content alone, remembered by that content.

Gates parse the target's Python files for a few facts each: the markers a
test module uses and the modules it imports (the markers and tests gates),
the imports guarded by an ``ImportError`` handler (typing). Each such fact
depends on the file's bytes and on the readiness that derived it, nothing
else, so
:class:`FileFacts` keeps them by content hash, one JSON file per kind of fact
and target: after a small change an audit parses only the changed files.

What a run looked up is what it writes back (facts of files gone or changed
drop out), atomically, with a checksum; two audits may share the folder (the
last write wins, and either is right). A file that cannot be read, or whose
content does not match its checksum, is a fresh start. Without a folder
(``--no-cache``) nothing is read or written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from readiness.atomicio import write_text_atomic
from readiness.codeid import code_identity
from readiness.perfile import checksum


class FileFacts:
    """One kind of fact (``kind``, its derivation's name and version) by content."""

    def __init__(self, folder: Path | None, kind: str) -> None:
        self.path = None if folder is None else folder / f"{kind}.json"
        self._stamp = f"{kind}/{code_identity()}"
        self._known: dict[str, Any] = self._load()
        self._used: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("stamp") != self._stamp:
            return {}
        facts = data.get("facts")
        if not isinstance(facts, dict) or data.get("check") != checksum(facts):
            return {}
        return facts

    def get(self, content: bytes, derive: Callable[[], Any]) -> Any:
        """The facts of ``content``: remembered, else ``derive()`` (JSON values)."""
        digest = hashlib.sha256(content).hexdigest()
        with self._lock:
            if digest in self._used:
                return self._used[digest]
        value = self._known[digest] if digest in self._known else derive()
        with self._lock:
            self._used[digest] = value
        return value

    def save(self) -> None:
        """Keep the facts this run looked up, and only those."""
        if self.path is None or self._used == self._known:
            return
        data = {
            "stamp": self._stamp,
            "facts": self._used,
            "check": checksum(self._used),
        }
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(data, sort_keys=True))
