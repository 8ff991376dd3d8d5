"""The format gate keeps to the files the project's formatter hooks receive,
with the real ruff and black on small fixture repositories."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from readiness.findings import Status
from readiness.gates.format import FormatGate

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

pytestmark = pytest.mark.tools

UNFORMATTED = "x = {  'a':1 }\n"
#: requests' layout; ``repo: local`` stands for astral-sh/ruff-pre-commit so
#: that readiness's own ruff runs (a ``rev`` would install that version).
REQUESTS_PRECOMMIT = """
    exclude: 'docs/|ext/'
    repos:
      - repo: local
        hooks:
          - id: ruff-check
            name: ruff check
            entry: ruff check
            language: system
          - id: ruff-format
            name: ruff format
            entry: ruff format
            language: system
            exclude: tests/test_lowlevel.py
"""


def test_a_file_the_ruff_format_hook_excludes_is_left_out_and_counted(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """requests excludes ``tests/test_lowlevel.py`` (hand-split byte strings
    spelling out raw HTTP) from its ruff-format hook; readiness reported it as
    FM003 (its sdist lacks the pre-commit config, so the field run cannot show it).

    Plants: ``[tool.ruff.format]``, the hooks above, and unformatted
    ``tests/test_lowlevel.py`` (excluded), ``docs/conf.py`` (top-level
    exclude) and ``src/app.py`` (reported)."""
    root = make_repo(
        {
            ".pre-commit-config.yaml": REQUESTS_PRECOMMIT,
            "pyproject.toml": "[tool.ruff.format]\nquote-style = 'double'\n",
            "tests/test_lowlevel.py": UNFORMATTED,
            "docs/conf.py": UNFORMATTED,
            "src/app.py": UNFORMATTED,
        }
    )

    result = run_gate(FormatGate(), root)

    assert result.status is Status.FAIL
    assert [(f.rule, f.location) for f in result.findings] == [("FM003", "src/app.py")]
    assert [c.text for c in result.criteria] == [
        "ruff format --check passes (1 file would be reformatted)"
    ]
    assert result.metrics == {
        "files_to_reformat": 1,
        "files_unformattable": 0,
        "config": "pyproject.toml",
        "formatter": "ruff",
        "formatter_evidence": "[tool.ruff.format] in pyproject.toml",
        "ruff_source": "readiness's own",
        "exclusions": ".pre-commit-config.yaml ruff-format hook",
        "excluded_files": 2,
        "excluded_by": (
            "ruff-format hook exclude `tests/test_lowlevel.py`=1,"
            " top-level exclude `docs/|ext/`=1"
        ),
    }


def test_black_hooks_files_and_types_decide_too(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """The same class through ``files`` and ``types_or``: a black hook for
    ``^src/`` only, and for Python sources but not stubs.

    Plants unformatted ``src/app.py`` (reported), ``src/app.pyi`` (a stub the
    hook's ``types_or: [python]`` leaves out) and ``scripts/tool.py``
    (outside the hook's ``files``)."""
    root = make_repo(
        {
            ".pre-commit-config.yaml": """
                repos:
                  - repo: local
                    hooks:
                      - id: black
                        name: black
                        entry: black
                        language: system
                        files: ^src/
                        types_or: [python]
            """,
            "src/app.py": UNFORMATTED,
            "src/app.pyi": UNFORMATTED,
            "scripts/tool.py": UNFORMATTED,
        }
    )

    result = run_gate(FormatGate(), root)

    assert [(f.rule, f.location) for f in result.findings] == [("FM001", "src/app.py")]
    assert result.metrics["formatter_evidence"] == "the black pre-commit hook"
    assert result.metrics["excluded_files"] == 2
    assert result.metrics["excluded_by"] == (
        "black hook files `^src/`=1, black hook types_or [python]=1"
    )
