"""How the typing gate reads a pyright project's strict scope: its JSONC
configuration file and each file's ``# pyright:`` comments, as pyright does."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readiness import jsonc
from readiness.findings import Status
from readiness.gates.interface import GateContext
from readiness.gates.typing import TypingGate
from readiness.gates.typing.pyright import (
    PyrightConfig,
    file_mode,
    read_config,
    strict_scope,
)
from readiness.runner import execute
from readiness.session import Session
from tests.fuzzing import DEEP_JSON, FUZZ

if TYPE_CHECKING:  # tests/ fixtures' types, for mypy
    from tests.conftest import MakeRepo

PROJECT = '[project]\nname = "app"\nversion = "0"\n'
#: pyright's own configuration, with what JSONC allows: comments and a
#: trailing comma (and comment-like text inside strings, which stays text).
JSONC_CONFIG = """
{
  // checked with pyright; "strict" below names the strict files
  "include": ["app"],
  "strict": ["app/core.py"], /* one file, for now */
  "ignore": ["app/gen//*"],
}
"""


def context(root: Path, scratch: Path) -> GateContext:
    session = Session.open(root)
    return GateContext.start(
        "typing",
        target=session.target,
        settings=session.settings,
        scratch=scratch,
        timeout_s=600,
    )


def test_jsonc_keeps_strings_and_drops_comments_and_trailing_commas() -> None:
    assert jsonc.loads(JSONC_CONFIG) == {
        "include": ["app"],
        "strict": ["app/core.py"],
        "ignore": ["app/gen//*"],
    }
    assert jsonc.loads('\ufeff["a\\\\", "/*b*/", "c\\"//"] // end') == [
        "a\\",
        "/*b*/",
        'c"//',
    ]
    for bad in ('{"a": 1 /* never closed', "{'a': 1}", '{"a": 1,,}', ""):
        with pytest.raises(ValueError, match=r"."):
            jsonc.loads(bad)


#: JSON values whose strings hold what looks like comments and commas.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(alphabet=st.sampled_from('/*,]}"\\\n ab')),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(value=JSON_VALUES, indent=st.sampled_from([None, 2]))
def test_jsonc_reads_every_json_document_unchanged(
    value: object, indent: int | None
) -> None:
    """Plain JSON is JSONC: nothing inside its strings is taken for a comment."""
    assert jsonc.loads(json.dumps(value, indent=indent)) == value


@FUZZ
@given(text=st.text(alphabet=st.sampled_from('/*,]}[{"\\\n :1a')))
def test_jsonc_text_is_a_value_or_a_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        jsonc.loads(text)


def test_deep_nesting_is_a_recursion_error_the_gate_catches() -> None:
    with pytest.raises(RecursionError):
        jsonc.loads(DEEP_JSON)


def test_a_pyrightconfig_with_comments_is_read(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Plants a ``pyrightconfig.json`` with comments and a trailing comma (which
    pyright accepts): it was "not plain JSON", so its strict paths were dropped
    and every error counted as legacy. Found by reading the gate."""
    root = make_repo(
        {
            "pyproject.toml": PROJECT,
            "pyrightconfig.json": JSONC_CONFIG,
            "app/__init__.py": "",
            "app/core.py": "",
        }
    )
    ctx = context(root, tmp_path / "scratch")
    config = read_config(ctx, "pyright")
    assert config == PyrightConfig(
        path="pyrightconfig.json",
        options={
            "include": ["app"],
            "strict": ["app/core.py"],
            "ignore": ["app/gen//*"],
        },
    )
    scope = strict_scope(ctx, config, None, ["app/__init__.py", "app/core.py"])
    assert (scope.source, scope.patterns) == (
        "the strict paths of pyrightconfig.json",
        ("app.core",),
    )


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("# pyright: strict\nx = 1\n", True),
        ("#pyright:basic\n", False),
        ("# pyright: standard, reportPrivateUsage=false\n", False),
        ("# pyright: strict, reportPrivateUsage=false\n", True),
        ("# pyright: basic\n# pyright: strict\n", True),  # the last one wins
        ("# pyright: strict\n# pyright: basic\n", False),
        ("# pyright: reportPrivateUsage=false\n", None),
        ("x = 1  # pyright: ignore[reportGeneralTypeIssues]\n", None),
        ('DOC = """\n# pyright: strict\n"""\n', None),  # text, not a comment
        ("# Pyright: strict\n", None),  # pyright's prefix is lower case
        ("x = (\n# pyright: strict\n", True),  # before a tokenizer error
    ],
)
def test_file_mode_follows_pyrights_file_level_comments(
    *, tmp_path: Path, text: str, mode: bool | None
) -> None:
    path = tmp_path / "m.py"
    path.write_text(text, encoding="utf-8")
    assert file_mode(path) is mode


def test_file_comments_change_the_configured_strict_scope(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Plants ``typeCheckingMode = "strict"`` with one module opting out by
    ``# pyright: basic``, then strict paths with one more module opting in by
    ``# pyright: strict``: pyright applies both, readiness ignored them."""
    files = ["app/__init__.py", "app/core.py", "app/loose.py", "app/opted.py"]
    root = make_repo(
        {
            "pyproject.toml": PROJECT,
            "app/__init__.py": "",
            "app/core.py": "",
            "app/loose.py": "# pyright: basic\n",
            "app/opted.py": '"""Opted in."""\n\n# pyright: strict\n',
        }
    )
    ctx = context(root, tmp_path / "scratch")
    everything = PyrightConfig(
        path="pyproject.toml [tool.pyright]", options={"typeCheckingMode": "strict"}
    )
    scope = strict_scope(ctx, everything, None, files)
    assert scope.source == (
        'typeCheckingMode = "strict" (pyproject.toml [tool.pyright]); made 1 file'
        " not strict by `# pyright: basic` or `standard`"
    )
    assert scope.patterns == ("app", "app.core", "app.opted")
    assert "app.loose" not in scope
    paths = PyrightConfig(
        path="pyrightconfig.json", options={"strict": ["app/core.py"]}
    )
    scope = strict_scope(ctx, paths, None, files)
    assert scope.source == (
        "the strict paths of pyrightconfig.json; made 1 file strict by"
        " `# pyright: strict`"
    )  # app/loose.py's `basic` changes nothing: it is not strict here
    assert scope.patterns == ("app.core", "app.opted")
    unread = strict_scope(
        ctx, PyrightConfig(path="pyrightconfig.json", options=None), None, files
    )
    assert unread.source == (
        "none (pyrightconfig.json cannot be read: its strict paths were not read);"
        " made 1 file strict by `# pyright: strict`"
    )
    assert unread.patterns == ("app.opted",)
    chosen = strict_scope(ctx, everything, ("app.loose",), files)
    assert (chosen.source, chosen.patterns) == (
        "[tool.readiness.typing] strict",
        ("app.loose",),
    )


@pytest.mark.tools
def test_pyright_judged_with_its_jsonc_config_and_file_comments(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """The real pyright on a project whose strict scope is a JSONC file's
    ``strict`` path plus a module's ``# pyright: strict``: their errors fail
    the gate (medium); the other module's is legacy (low). Before, the file
    was unread and the comment ignored: all three were legacy, the gate passed."""
    root = make_repo(
        {
            "pyproject.toml": PROJECT,
            "pyrightconfig.json": JSONC_CONFIG,
            "app/__init__.py": "",
            "app/core.py": "x: int = 'a'\n",
            "app/opted.py": "# pyright: strict\ny: str = 1\n",
            "app/legacy.py": "z: str = 1\n",
        }
    )
    result = execute(
        TypingGate(), context(root, tmp_path / "scratch"), time.monotonic()
    )
    assert result.status is Status.FAIL, result.reason
    assert [(f.rule, f.location, f.severity.value) for f in result.findings] == [
        ("reportAssignmentType", "app/core.py:1", "medium"),
        ("reportAssignmentType", "app/opted.py:2", "medium"),
        ("reportAssignmentType", "app/legacy.py:1", "low"),
    ]
    assert result.metrics["strict_scope"] == (
        "the strict paths of pyrightconfig.json; made 1 file strict by"
        " `# pyright: strict`"
    )
    assert result.metrics["config"] == "pyrightconfig.json"
