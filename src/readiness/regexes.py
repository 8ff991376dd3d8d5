"""Regular expressions a target's configuration gives (mypy's ``exclude``, the
markers' and ops' expected messages, log formats, ``exclude_lines``, ...).

Python warns about some patterns it compiles (``[[`` is a "possible nested
set" a future version may read differently): the warning is about the
target's configuration, for its own tools to tell its authors, and would
reach an audit's output as a Python warning (or end it, where warnings are
errors). :func:`compile_given` compiles without it; a pattern that is not a
regular expression still raises :class:`re.error` for the caller to report.
"""

from __future__ import annotations

import re
import threading
import warnings

#: ``warnings.catch_warnings`` swaps the process's filters: gates compile
#: patterns from several threads at once, so one swap at a time.
_FILTERS = threading.Lock()


def compile_given(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)`` with Python's warnings about the pattern
    left out."""
    with _FILTERS, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return re.compile(pattern, flags)
