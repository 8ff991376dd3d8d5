"""The suppression-codes fixer (nosec/noqa) and the ruff-black fixer."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.command import Completed
from readiness.findings import Priority
from readiness.fixers import tools
from readiness.fixers.interface import Changed, FixError, Skipped
from readiness.fixers.ruff_black import RuffBlackFixer
from readiness.fixers.suppressions import (
    SuppressionCodesFixer,
    apply,
    bandit_lines,
    comments_by_line,
    fix_noqa_syntax,
    name_noqa,
    name_nosec,
    ruff_lines,
)
from tests.fixing import context, finding, plan, without_insertions

if TYPE_CHECKING:
    from tests.conftest import MakeRepo

NAMES = {"unused-import": "F401", "line-too-long": "E501"}


@pytest.mark.parametrize(
    ("comment", "ids", "after"),
    [
        ("# nosec", {"B608"}, "# nosec B608"),
        ("#nosec", {"B608", "B101"}, "#nosec B101, B608"),
        ("# nosec: internal use only", {"B608"}, "# nosec: B608 - internal use only"),
        ("# nosec - trusted input", {"B113"}, "# nosec B113 - trusted input"),
        ("# noqa: E501  # nosec", {"B608"}, "# noqa: E501  # nosec B608"),
    ],
)
def test_nosec_gets_the_ids_bandit_reports(
    comment: str, ids: set[str], after: str
) -> None:
    assert name_nosec(comment, ids) == after
    assert without_insertions(comment, after) == comment


def test_nosec_with_nothing_reported_is_left() -> None:
    with pytest.raises(FixError, match="bandit reports nothing on this line"):
        name_nosec("# nosec", set())


@pytest.mark.parametrize(
    ("comment", "codes", "after"),
    [
        ("# noqa", {"F401"}, "# noqa: F401"),
        ("# NOQA  why", {"E501", "F401"}, "# NOQA: E501, F401  why"),
        ("# type: ignore  # noqa", {"E501"}, "# type: ignore  # noqa: E501"),
    ],
)
def test_blanket_noqa_gets_the_codes_ruff_reports(
    comment: str, codes: set[str], after: str
) -> None:
    assert name_noqa(comment, codes) == after
    assert without_insertions(comment, after) == comment


def test_blanket_noqa_silencing_nothing_is_left() -> None:
    with pytest.raises(FixError, match="ruff reports nothing on this line"):
        name_noqa("# noqa", set())
    with pytest.raises(FixError, match="no blanket"):
        name_noqa("# noqa: E501", {"E501"})


@pytest.mark.parametrize(
    ("comment", "after"),
    [
        ("# noqa: unused-import", "# noqa: F401"),
        ("# noqa: E501,,", "# noqa: E501"),
        ("# noqa:E501,,W291 - long", "# noqa:E501, W291 - long"),
        (
            "# noqa: line-too-long, F401  # pragma: no cover",
            "# noqa: E501, F401  # pragma: no cover",
        ),
    ],
)
def test_invalid_noqa_is_rewritten_in_ruffs_syntax(comment: str, after: str) -> None:
    assert fix_noqa_syntax(comment, NAMES) == after


@pytest.mark.parametrize(
    ("comment", "reason"),
    [
        ("# noqa: whatever-this-is", "cannot tell which rules `whatever-this-is`"),
        ("# ruff: noqa: E501,,", "a file-level noqa directive"),
        ("# just a comment", "no `# noqa:` directive"),
    ],
)
def test_invalid_noqa_that_cannot_be_read_is_left(comment: str, reason: str) -> None:
    with pytest.raises(FixError, match=reason):
        fix_noqa_syntax(comment, NAMES)


def test_only_the_comment_changes() -> None:
    text = "x = 1  # nosec\r\ny = 2\n"
    comments = comments_by_line(text)
    assert comments == {1: (7, "# nosec")}
    assert (
        apply(text, comments, {1: "# nosec B105"}) == "x = 1  # nosec B105\r\ny = 2\n"
    )


def test_tool_output_readers() -> None:
    results = [
        {"test_id": "B608", "line_number": 3, "line_range": [3, 4]},
        {"test_id": "B101", "line_number": 4, "line_range": [4]},
    ]
    assert bandit_lines(results) == {3: {"B608"}, 4: {"B608", "B101"}}
    diagnostics: list[dict[str, object]] = [
        {"code": "F401", "noqa_row": 2},
        {"code": "PGH004", "noqa_row": 2},
        {"code": None, "noqa_row": 1},
    ]
    assert ruff_lines(diagnostics) == {2: {"F401"}}


CODE_LINES = st.sampled_from(
    ["x = 1", "import os", "call(a, b)", "y = 'text # not a comment'", "pass"]
)


@settings(max_examples=200, deadline=None, database=None)
@given(
    lines=st.lists(CODE_LINES, min_size=1, max_size=6),
    where=st.integers(0, 5),
    tail=st.sampled_from(["", " - reason", ": why", "  # other"]),
    ids=st.sets(st.sampled_from(["B101", "B608", "B113"]), min_size=1),
)
def test_nosec_property(lines: list[str], where: int, tail: str, ids: set[str]) -> None:
    where %= len(lines)
    lines[where] += f"  # nosec{tail}"
    text = "\n".join(lines) + "\n"
    comments = comments_by_line(text)
    new = name_nosec(comments[where + 1][1], ids)
    after = apply(text, comments, {where + 1: new})
    ast.parse(after)
    assert without_insertions(text, after) == text


# --- with the real tools ----------------------------------------------------------

REPO = {
    "pyproject.toml": """
    [project]
    name = "app"
    requires-python = ">=3.11"

    [tool.ruff.lint]
    select = ["E", "F", "I"]
    """,
    "src/app/__init__.py": "from app.core import run  # noqa\n",
    "src/app/core.py": """
    import sys
    import os  # noqa: unused-import


    def run(cursor, table):
        return cursor.execute(f"SELECT * FROM {table}")  # nosec


    def quiet(x):
        return x  # nosec
    """,
    "src/app/messy.py": "import os,sys\nx=[1,2 ,3]\n",
}


@pytest.mark.tools
def test_the_fixer_with_bandit_and_ruff(make_repo: MakeRepo) -> None:
    root = make_repo(REPO)
    findings = [
        finding("SA001", "src/app/core.py", 6),
        finding("SA001", "src/app/core.py", 10),
        finding("PGH004", "src/app/__init__.py", 1),
        finding("LN001", "src/app/core.py", 2),
    ]
    outcome, _ = plan(SuppressionCodesFixer(), root, findings)
    assert isinstance(outcome, Changed)
    after = {edit.path: edit.after for edit in outcome.edits}
    assert after["src/app/__init__.py"] == "from app.core import run  # noqa: F401\n"
    core = after["src/app/core.py"].splitlines()
    assert core[1] == "import os  # noqa: F401"
    assert core[5].endswith("# nosec B608")
    assert core[9].endswith("return x  # nosec")
    (left,) = outcome.left
    assert left.finding.line == 10
    assert "bandit reports nothing on this line" in left.reason
    assert outcome.notes == (
        (
            "src/app/core.py:6: `# nosec B608` still needs a written reason (SA002):"
            " say why the code is safe"
        ),
    )


@pytest.mark.tools
def test_ruff_then_black_on_the_flagged_files_only(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            **REPO,
            "src/app/core.py": "x = 1  # nosec\n",
            "src/app/other.py": "import os,sys\n",
            "src/app/pragma.py": (
                "def count(conn, table):\n"
                '    return conn.execute(f"SELECT COUNT(*) FROM {table} WHERE a = 1")'
                ".fetchone()[0]  # nosec B608\n"
            ),
        }
    )
    findings = [
        finding("I001", "src/app/messy.py", 1, priority=Priority.P1),
        finding("FM001", "src/app/messy.py", None),
        finding("FM001", "src/app/pragma.py", None),
    ]
    outcome, _ = plan(RuffBlackFixer(), root, findings)
    assert isinstance(outcome, Changed)
    (edit,) = outcome.edits
    assert edit.path == "src/app/messy.py"
    assert edit.after == "x = [1, 2, 3]\n"  # unused imports gone (F401), formatted
    (left,) = outcome.left
    assert left.finding.path == "src/app/pragma.py"
    assert "black would move a `# nosec`/`# noqa` comment" in left.reason
    unparsable = make_repo({**REPO, "src/app/messy.py": "def f(:\n"})
    broken, _ = plan(
        RuffBlackFixer(), unparsable, [finding("FM001", "src/app/messy.py", None)]
    )
    assert isinstance(broken, Skipped)
    assert "black exited with code 123" in broken.reason


@pytest.mark.tools
def test_new_findings_catches_a_moved_noqa_and_reads_bandits_config(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "pyproject.toml": (
                '[project]\nname = "app"\n\n[tool.ruff.lint]\nselect = ["E"]\n\n'
                '[tool.bandit]\nskips = ["B101"]\n'
            ),
            "src/app/__init__.py": "",
        }
    )
    ctx = context(root)
    long = "words " * 16
    before = f'foo(["{long}"])  # noqa: E501\n'
    after = f'foo(\n    [\n        "{long}"\n    ]\n)  # noqa: E501\n'
    assert tools.new_findings(ctx, "src/app/m.py", before, after) == ["ruff E501"]
    assert tools.bandit_results(ctx, "assert x\n", ignore_nosec=False) == []


def test_tool_output_that_cannot_be_read(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"src/app/__init__.py": ""})
    ctx = context(root)

    def garbage(args: list[str], **_: object) -> Completed:
        return Completed(
            args=tuple(args), returncode=0, stdout="x", stderr="", duration_s=0
        )

    monkeypatch.setattr(ctx, "run", garbage)
    with pytest.raises(FixError, match="bandit wrote no readable report"):
        tools.bandit_results(ctx, "x = 1\n", ignore_nosec=True)
    with pytest.raises(FixError, match="ruff printed output that is not JSON"):
        tools.ruff_diagnostics(ctx, "m.py", "x = 1\n", ignore_noqa=True)
    with pytest.raises(FixError, match="ruff rule --all printed output"):
        tools.rule_names(ctx)


@pytest.mark.tools
def test_a_project_formatting_with_ruff_is_fixed_with_ruff_format(
    make_repo: MakeRepo,
) -> None:
    """FM003 (requests formats with ruff): ruff format, never black."""
    root = make_repo(
        {
            "pyproject.toml": (
                '[project]\nname = "app"\n\n'
                '[tool.ruff.format]\nquote-style = "single"\n'
            ),
            "src/app/__init__.py": "",
            "src/app/messy.py": 'x = [1,2,  "a"]\n',
        }
    )
    outcome, _ = plan(
        RuffBlackFixer(), root, [finding("FM003", "src/app/messy.py", None)]
    )
    assert isinstance(outcome, Changed)
    (edit,) = outcome.edits
    assert edit.after == "x = [1, 2, 'a']\n"  # ruff's single quotes: not black's
