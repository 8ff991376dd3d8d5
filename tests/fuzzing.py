"""Hypothesis strategies for the fuzz tests (``tests/test_fuzz_*.py``).

Every parser of text readiness did not write (tool output, OSV records, the
target's configuration, help pages, logs) is fed arbitrary text and
structured-but-wrong documents; it must return its normal type or raise one of
its documented errors. These strategies produce the hostile inputs.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st

from readiness.target import Target, discover

#: Fast and deterministic enough for CI: no deadline (the machine is shared).
FUZZ = settings(max_examples=150, deadline=None)

#: JSON nested deeper than the interpreter's recursion limit.
DEEP_JSON = "[" * 100_000 + "]" * 100_000
#: An integer longer than ``int``'s default string-conversion limit (4300 digits).
HUGE_INT = "1" * 5_000
#: A float literal that becomes ``inf``.
HUGE_FLOAT = "1e400"

#: Pieces that break naive line-based readers.
_AWKWARD = st.sampled_from(
    [
        "\x00",
        "\ufeff",
        "\r\n",
        "\r",
        "\n",
        "\u2028",
        "\x85",
        "\x1b[31m",
        ":",
        ": ",
        "0",
        "99999999999999999999",
        "²",
        "٣",
        "-1",
        "\t",
        "\\",
        "/",
        "../",
        "{",
        "[",
        '"',
        "'",
        "=",
        "#",
    ]
)

#: Bytes decoded as readiness decodes undecodable output: lone surrogates.
_ESCAPED = st.binary(max_size=80).map(lambda b: b.decode("utf-8", "surrogateescape"))

#: Arbitrary text: unicode (NUL included), escaped surrogates, CR/LF mixes, BOMs.
texts = st.one_of(
    st.text(max_size=200),
    _ESCAPED,
    st.lists(st.one_of(_AWKWARD, st.text(max_size=12)), max_size=30).map("".join),
)


def lines_like(*samples: str) -> st.SearchStrategy[str]:
    """Text built from lines of ``samples``, cut, mixed with hostile pieces."""
    pieces = [line for sample in samples for line in sample.splitlines()]
    fragment = st.one_of(
        st.sampled_from(pieces),
        st.sampled_from(pieces).flatmap(
            lambda line: st.integers(0, len(line)).map(lambda cut: line[:cut])
        ),
        _AWKWARD,
        st.text(max_size=10),
    )
    line = st.lists(fragment, min_size=1, max_size=4).map("".join)
    separator = st.sampled_from(["\n", "\r\n", "\r", ""])
    return st.lists(st.tuples(line, separator), max_size=12).map(
        lambda parts: "".join(a + b for a, b in parts)
    )


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
)

#: Any JSON-like value: the wrong shape for every reader.
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=20,
)


def mutated(template: object) -> st.SearchStrategy[object]:
    """``template`` with any part dropped, replaced by a wrong value, or kept.

    The inputs a reader meets when a tool's JSON changes shape between versions.
    """
    if isinstance(template, Mapping):
        keys = list(template)
        return st.one_of(
            json_values,
            st.fixed_dictionaries(
                {},
                optional={key: mutated(template[key]) for key in keys},
            ).flatmap(
                lambda kept: st.dictionaries(
                    st.sampled_from(keys) if keys else st.text(max_size=5),
                    json_values,
                    max_size=2,
                ).map(lambda extra: {**extra, **kept})
            ),
        )
    if isinstance(template, list):
        if not template:
            return st.one_of(json_values, st.lists(json_values, max_size=3))
        return st.one_of(
            json_values,
            st.lists(st.one_of(*(mutated(item) for item in template)), max_size=4),
        )
    return st.one_of(st.just(template), json_values)


def dumped(values: st.SearchStrategy[object]) -> st.SearchStrategy[str]:
    """Values as JSON text (NaN and Infinity included, as Python writes them)."""
    return values.map(json.dumps)


def truncated(document: str) -> st.SearchStrategy[str]:
    """Every prefix of a valid document: output cut by a crash or a kill."""
    return st.integers(0, len(document)).map(lambda cut: document[:cut])


def json_documents(template: object) -> st.SearchStrategy[str]:
    """Wrong-shaped, truncated, BOM-prefixed or arbitrary JSON text."""
    valid = json.dumps(template)
    return st.one_of(
        dumped(mutated(template)),
        truncated(valid),
        st.just("\ufeff" + valid),
        dumped(json_values),
        texts,
    )


def suppressing(
    allowed: tuple[type[BaseException], ...], call: Callable[[], object]
) -> object:
    """``call()``, or ``None`` when it raised one of ``allowed``; others propagate."""
    try:
        return call()
    except allowed:
        return None


def make_target(root: Path, files: Mapping[str, str] | None = None) -> Target:
    """A small target at ``root``: a static ``[project]`` and a package."""
    root.mkdir(parents=True, exist_ok=True)
    written = {
        "pyproject.toml": """
            [project]
            name = "fuzzed"
            version = "1.0"
            """,
        "src/fuzzed/__init__.py": "",
        **(files or {}),
    }
    for name, text in written.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return discover(root)


def write(path: Path, content: str | bytes) -> Path:
    """``content`` into ``path`` (text as UTF-8, surrogates as the bytes they were)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogateescape")
    path.write_bytes(content)
    return path


def one_line(allowed: type[Exception], call: Callable[[], object]) -> object:
    """``call()``, or the ``allowed`` error it raised, checked to be one line."""
    try:
        return call()
    except allowed as error:
        message = str(error)
    assert "\n" not in message
    return message
