"""The identity of readiness's own code, for the keys of what it remembers.

The version alone is not enough: an editable install (a checkout being worked
on, a fork, a patched wheel) changes the code under one version, and a result
or a file fact remembered by the old code would then be served as if the new
code had produced it.  So the identity is the version plus a hash of every
source file of the package, computed once per process (about 150 files,
4 ms on a 2-core machine: ``os.walk``, a third of ``Path.rglob``'s time).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from readiness import __version__

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_identity() -> str:
    """``VERSION+HASH``: the version and a short hash of the package's sources."""
    sources: list[str] = []
    for folder, subfolders, names in os.walk(_PACKAGE):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        relative = Path(folder).relative_to(_PACKAGE).as_posix()
        sources.extend(f"{relative}/{name}" for name in names if name.endswith(".py"))
    digest = hashlib.sha256()
    for source in sorted(sources):
        digest.update(source.encode() + b"\0")
        digest.update((_PACKAGE / source).read_bytes() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:16]}"
