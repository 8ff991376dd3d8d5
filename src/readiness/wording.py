"""Small helpers for the words of messages, shared by gates and renderers."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
