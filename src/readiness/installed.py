"""The versions of the distributions installed beside readiness, cheaply.

``importlib.metadata`` answers this by importing ``email``, ``zipfile`` and
``csv`` and parsing each ``METADATA`` file: about 50 ms at every start of a
2-core machine, more than an audit with nothing changed spends on its work
(every gate's cache key holds readiness's version and its tools' versions).
An installed distribution's ``.dist-info`` folder is named
``{name}-{version}.dist-info`` (the wheel specification; pip and uv write
it so, editable installs included), so one listing of each ``sys.path``
folder answers in well under a millisecond.  A name the listing does not
find (an ``.egg-info`` install, an unusual name) is asked of
``importlib.metadata``, whose answer is the reference.
"""

from __future__ import annotations

import functools
import os
import re
import sys

_SEPARATORS = re.compile(r"[-_.]+")


def _canonical(name: str) -> str:
    # PEP 503's normalisation, as packaging.utils.canonicalize_name: importing
    # that module loads packaging.tags too (~8 ms at every start)
    return _SEPARATORS.sub("-", name).lower()


@functools.cache
def _listed() -> dict[str, str]:
    """Canonical name to version, the first ``sys.path`` folder winning (as in
    ``importlib.metadata``)."""
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            with os.scandir(folder or ".") as entries:
                names = [entry.name for entry in entries]
        except OSError:
            continue
        for entry in names:
            if not entry.endswith(".dist-info"):
                continue
            name, sep, version = entry[: -len(".dist-info")].partition("-")
            if sep and version and "-" not in version:
                found.setdefault(_canonical(name), version)
    return found


def version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None."""
    listed = _listed().get(_canonical(name))
    if listed is not None:
        return listed
    from importlib import metadata  # noqa: PLC0415 - see the module docstring

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
