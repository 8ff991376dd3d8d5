"""The markers fixer: TOML (tomlkit) and INI (by line), before/after and properties."""

from __future__ import annotations

import tomllib
from functools import partial
from typing import TYPE_CHECKING

import iniconfig
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.findings import Finding
from readiness.fixers.interface import Changed, FixError, Skipped
from readiness.fixers.markers import MarkersFixer, register_ini, register_toml
from tests.fixing import (
    assert_fix,
    context,
    finding,
    plan,
    without_insertions,
    workspace,
)

if TYPE_CHECKING:
    from tests.conftest import MakeRepo

INI_OPTIONS = ["tool", "pytest", "ini_options"]
NEW = ["memory: uses a lot of memory", "api_integration: talks to the API"]


def toml(text: str, keys: list[str] = INI_OPTIONS) -> str:
    return register_toml("pyproject.toml", text, keys, NEW)


def ini(section: str, text: str) -> str:
    return register_ini("setup.cfg", text, section, NEW)


def test_extends_a_multiline_array_keeping_comments_and_layout() -> None:
    assert_fix(
        toml,
        """
        [project]
        name = "app"  # the name

        [tool.pytest.ini_options]
        # markers pytest must know
        addopts = "--strict-markers"
        markers = [
          "live: talks to a live broker",  # slow
          # the gateway one
          "ib_integration: needs a gateway",
        ]

        [tool.coverage.run]
        source = ["app"]
        """,
        """
        [project]
        name = "app"  # the name

        [tool.pytest.ini_options]
        # markers pytest must know
        addopts = "--strict-markers"
        markers = [
          "live: talks to a live broker",  # slow
          # the gateway one
          "ib_integration: needs a gateway",
          "memory: uses a lot of memory",
          "api_integration: talks to the API",
        ]

        [tool.coverage.run]
        source = ["app"]
        """,
    )


def test_extends_a_one_line_array() -> None:
    assert_fix(
        lambda text: register_toml("p.toml", text, INI_OPTIONS, ["fast: quick"]),
        """
        [tool.pytest.ini_options]
        markers = ["slow: takes long"]
        """,
        """
        [tool.pytest.ini_options]
        markers = ["slow: takes long", "fast: quick"]
        """,
    )


def test_creates_the_markers_array_and_the_table() -> None:
    assert_fix(
        toml,
        """
        [tool.pytest.ini_options]
        addopts = "-ra"
        """,
        """
        [tool.pytest.ini_options]
        addopts = "-ra"
        markers = [
            "memory: uses a lot of memory",
            "api_integration: talks to the API",
        ]
        """,
    )
    assert_fix(
        toml,
        """
        [project]
        name = "app"
        """,
        """
        [project]
        name = "app"

        [tool.pytest.ini_options]
        markers = [
            "memory: uses a lot of memory",
            "api_integration: talks to the API",
        ]
        """,
    )


def test_native_pytest_table() -> None:
    assert_fix(
        partial(toml, keys=["tool", "pytest"]),
        """
        [tool.pytest]
        strict_markers = true
        markers = [
            "slow: takes long",
        ]
        """,
        """
        [tool.pytest]
        strict_markers = true
        markers = [
            "slow: takes long",
            "memory: uses a lot of memory",
            "api_integration: talks to the API",
        ]
        """,
    )


def test_crlf_toml_stays_crlf() -> None:
    before = '[tool.pytest.ini_options]\r\nmarkers = [\r\n  "a: b",\r\n]\r\n'
    after = toml(before)
    assert after == (
        '[tool.pytest.ini_options]\r\nmarkers = [\r\n  "a: b",\r\n'
        '  "memory: uses a lot of memory",\r\n  "api_integration: talks to the API",'
        "\r\n]\r\n"
    )


def test_already_registered_markers_are_not_added_twice() -> None:
    text = '[tool.pytest.ini_options]\nmarkers = ["memory: x"]\n'
    assert toml(text) == (
        '[tool.pytest.ini_options]\nmarkers = ["memory: x", "api_integration:'
        ' talks to the API"]\n'
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[tool.pytest.ini_options\nmarkers = 1\n", "is not valid TOML"),
        ('[tool.pytest.ini_options]\nmarkers = "a: b"\n', "markers is not a list"),
        ("[tool]\npytest = 3\n", "is not a table"),
    ],
)
def test_refuses_what_it_cannot_edit_safely(text: str, reason: str) -> None:
    with pytest.raises(FixError, match=reason):
        toml(text)


def test_ini_adds_continuation_lines_with_the_existing_indentation() -> None:
    assert_fix(
        partial(ini, "tool:pytest"),
        """
        [metadata]
        name = app

        [tool:pytest]
        addopts = --strict-markers
        markers =
          live: talks to a live broker

          # a comment inside the value
          slow: takes long
        testpaths = tests

        [flake8]
        max-line-length = 88
        """,
        """
        [metadata]
        name = app

        [tool:pytest]
        addopts = --strict-markers
        markers =
          live: talks to a live broker

          # a comment inside the value
          slow: takes long
          memory: uses a lot of memory
          api_integration: talks to the API
        testpaths = tests

        [flake8]
        max-line-length = 88
        """,
    )


def test_ini_value_on_the_key_line_and_a_missing_key() -> None:
    assert_fix(
        partial(ini, "pytest"),
        """
        [pytest]
        markers = live: talks to a live broker
        """,
        """
        [pytest]
        markers = live: talks to a live broker
            memory: uses a lot of memory
            api_integration: talks to the API
        """,
    )
    assert_fix(
        partial(ini, "pytest"),
        """
        [pytest]
        addopts = -ra

        [tox]
        envlist = py311
        """,
        """
        [pytest]
        addopts = -ra
        markers =
            memory: uses a lot of memory
            api_integration: talks to the API

        [tox]
        envlist = py311
        """,
    )


def test_ini_keeps_crlf_and_a_last_line_without_newline() -> None:
    assert ini("pytest", "[pytest]\r\nmarkers =\r\n  a: b\r\n") == (
        "[pytest]\r\nmarkers =\r\n  a: b\r\n  memory: uses a lot of memory\r\n"
        "  api_integration: talks to the API\r\n"
    )
    assert ini("pytest", "[pytest]\nmarkers =\n  a: b") == (
        "[pytest]\nmarkers =\n  a: b\n  memory: uses a lot of memory\n"
        "  api_integration: talks to the API\n"
    )


def test_ini_without_the_section_is_refused() -> None:
    with pytest.raises(FixError, match=r"has no \[pytest\] section"):
        ini("pytest", "[tox]\nenvlist = py311\n")


# --- properties ------------------------------------------------------------------

KEY = st.sampled_from(["name", "addopts", "minversion", "x_y", "testpaths"])
VALUE = st.sampled_from(['"text"', "1", "true", '["a", "b"]', "{ a = 1 }", "3.5"])
COMMENT = st.sampled_from(["", "  # note", " #x"])
MARKER = st.from_regex(r"[a-z][a-z0-9_]{0,8}: [a-z ]{0,12}", fullmatch=True)


@st.composite
def pyprojects(draw: st.DrawFn) -> str:
    """pyproject-like documents with a pytest table in every layout."""
    lines = [
        f"{draw(KEY)} = {draw(VALUE)}{draw(COMMENT)}"
        for _ in range(draw(st.integers(0, 2)))
    ]
    lines.append("")
    style = draw(st.sampled_from(["none", "empty", "inline", "multiline", "trailing"]))
    markers = draw(st.lists(MARKER, max_size=3, unique_by=lambda m: m.split(":")[0]))
    body = [f"{draw(KEY)} = {draw(VALUE)}" for _ in range(draw(st.integers(0, 2)))]
    quoted = [f'"{m}"' for m in markers]
    if style == "empty":
        body.append("markers = []")
    elif style == "inline":
        body.append(f"markers = [{', '.join(quoted)}]{draw(COMMENT)}")
    elif style in ("multiline", "trailing"):
        indent = draw(st.sampled_from(["  ", "    ", "\t"]))
        items = [f"{indent}{q},{draw(COMMENT)}" for q in quoted]
        if style == "multiline" and items:
            items[-1] = items[-1].replace(",", "", 1)
        body.extend(["markers = [", *items, "]"])
    if style != "none" or draw(st.booleans()):
        lines.extend(["[tool.pytest.ini_options]", *dict.fromkeys(body), ""])
    if draw(st.booleans()):
        lines.extend(["[tool.other]", "x = 1", ""])
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines)


@settings(max_examples=300, deadline=None, database=None)
@given(text=pyprojects(), new=st.lists(MARKER, min_size=1, max_size=3))
def test_toml_property_parses_and_only_inserts(text: str, new: list[str]) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # duplicate keys drawn: not a valid input
    try:
        after = register_toml("pyproject.toml", text, INI_OPTIONS, new)
    except FixError:
        return  # refused (reported), nothing written
    data = tomllib.loads(after)
    names = {m.split(":")[0] for m in data["tool"]["pytest"]["ini_options"]["markers"]}
    assert {m.split(":")[0] for m in new} <= names
    assert without_insertions(text, after) == text


INI_KEY = st.sampled_from(["addopts", "testpaths", "minversion", "python_files"])


@st.composite
def ini_files(draw: st.DrawFn) -> str:
    lines = ["[metadata]", "name = app", ""] if draw(st.booleans()) else []
    lines.append("[tool:pytest]")
    keys = draw(st.lists(INI_KEY, max_size=2, unique=True))
    lines.extend(f"{key} = value" for key in keys)
    style = draw(st.sampled_from(["none", "head", "block", "both"]))
    markers = draw(st.lists(MARKER, max_size=3, unique_by=lambda m: m.split(":")[0]))
    indent = draw(st.sampled_from(["  ", "    ", "\t"]))
    if style != "none":
        head = markers[0] if style in ("head", "both") and markers else ""
        lines.append(f"markers = {head}".rstrip() if head else "markers =")
        rest = markers[1:] if head else markers
        for marker in rest:
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(["", f"{indent}# note", "; other"])))
            lines.append(f"{indent}{marker}")
    if draw(st.booleans()):
        lines.extend(["", "[flake8]", "max-line-length = 88"])
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    ending = newline if draw(st.booleans()) else ""
    return newline.join(lines) + ending


@settings(max_examples=300, deadline=None, database=None)
@given(text=ini_files(), new=st.lists(MARKER, min_size=1, max_size=3))
def test_ini_property_parses_and_only_inserts(text: str, new: list[str]) -> None:
    new = list({m.split(":")[0]: m for m in new}.values())
    after = register_ini("setup.cfg", text, "tool:pytest", new)
    parsed = iniconfig.IniConfig("setup.cfg", data=after)
    registered = [
        line.split(":")[0] for line in parsed["tool:pytest"]["markers"].splitlines()
    ]
    assert {m.split(":")[0] for m in new} <= set(registered)
    assert len(registered) == len(set(registered))
    assert without_insertions(text, after) == text


# --- the fixer on repositories ------------------------------------------------------


def mk001(marker: str, path: str, line: int, config: str = "pyproject.toml") -> Finding:
    return finding(
        "MK001",
        path,
        line,
        message=f"marker {marker!r} is not registered",
        details={"marker": marker, "config": config},
    )


def test_plan_registers_in_the_file_pytest_reads(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pytest.ini": "[pytest]\naddopts = --strict-markers\n",
            "setup.cfg": "[tool:pytest]\nmarkers =\n    memory: big heaps\n",
            "tests/test_a.py": "import pytest\n",
        }
    )
    findings = [
        finding(
            "MK001",
            "tests/test_a.py",
            3,
            details={
                "marker": "memory",
                "config": "pytest.ini",
                "registered_in": "setup.cfg",
            },
        ),
        finding(
            "TS001",
            "tests/test_a.py",
            3,
            details={"marker": "memory", "config": "pytest.ini"},
        ),
        finding(
            "MK001",
            "tests/test_b.py",
            9,
            details={"marker": "slow", "config": "pytest.ini"},
        ),
    ]
    outcome, _ctx = plan(MarkersFixer(), root, findings)
    assert isinstance(outcome, Changed)
    (edit,) = outcome.edits
    assert edit.path == "pytest.ini"
    assert edit.after == (
        "[pytest]\naddopts = --strict-markers\nmarkers =\n    memory: big heaps\n"
        "    slow: registered by readiness fix (used in tests/test_b.py)\n"
    )
    assert len(outcome.addressed) == 3


def test_plan_skips_a_malformed_file_and_reports_why(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": "[project]\nname = 'x'\n"})
    ctx = context(root)
    # broken after discovery (discovery itself refuses invalid TOML: exit 2)
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options\n")
    outcome = MarkersFixer().plan(ctx, [mk001("slow", "tests/t.py", 1)])
    assert isinstance(outcome, Skipped)
    assert "is not valid TOML" in outcome.reason
    assert workspace(ctx).changed() == []


def test_plan_without_any_config_file(make_repo: MakeRepo) -> None:
    root = make_repo({"tests/test_a.py": "import pytest\n"})
    outcome, _ = plan(MarkersFixer(), root, [mk001("slow", "tests/test_a.py", 1)])
    assert isinstance(outcome, Skipped)
    assert "no pytest configuration file" in outcome.reason
