"""Small wording helpers every layer shares: counted nouns and top-N tallies."""

from __future__ import annotations

from collections import Counter

#: How many entries a tally names before "+N more".
TOP = 10


def plural(count: int, noun: str) -> str:
    """``1 finding``, ``2 findings``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summarise(counts: Counter[str], top: int = TOP, *, empty: str = "") -> str:
    """``"E501=3, F401=2"``: the most frequent first, ties by name; ``empty``
    when there is nothing to count."""
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    text = ", ".join(f"{name}={count}" for name, count in ordered[:top])
    if len(ordered) > top:
        text += f", +{len(ordered) - top} more"
    return text or empty
