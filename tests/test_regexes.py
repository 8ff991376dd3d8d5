"""Patterns a target's configuration gives are compiled without Python's
warnings about them (the fuzzer's ``[[``: "possible nested set", a
FutureWarning, which ended the audit where warnings are errors)."""

from __future__ import annotations

import re
import warnings
from datetime import UTC

import pytest

from readiness import uptime
from readiness.gates.markers import message_matches
from readiness.regexes import compile_given


def test_a_pattern_python_warns_about_compiles_without_the_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pattern = compile_given("[[a]x")
    assert pattern.match("[x") is not None
    assert pattern.flags & re.IGNORECASE == 0
    assert compile_given("A", re.IGNORECASE).match("a") is not None


def test_a_pattern_that_is_no_regular_expression_still_raises() -> None:
    with pytest.raises(re.error, match="unterminated character set"):
        compile_given("[")


def test_a_log_format_and_a_marker_message_with_a_nested_set() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fmt = uptime.log_format("regex", pattern=r"(?P<ts>[[\d :-]+)", time_format=None)
        beats = uptime.collect([("log", 1, "2026-01-01 00:00:00 up")], fmt, UTC)
        assert message_matches("[[x]", "[x] is not a marker", escape=False)
    assert len(beats.times) == 1
