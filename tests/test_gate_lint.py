"""The lint gate with the real ruff on small fixture repositories."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates.lint import (
    INVALID_NOQA,
    SYNTAX_ERROR,
    LintGate,
    diagnostic_finding,
    invalid_noqa_findings,
)
from readiness.target import discover
from readiness.wording import summarise

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

pytestmark = pytest.mark.tools

EVERYTHING = '[tool.ruff.lint]\nselect = ["ALL"]\n'
FILE_LEVEL = (
    "File-level suppression comments must appear on their own line."
    " For line-level suppression, omit the `ruff:` prefix"
)
NOQA_REASON = "expected a comma-separated list of codes (e.g., `# noqa: F401, F841`)"


def lint(run_gate: RunGate, root: Path) -> GateResult:
    return run_gate(LintGate(), root)


def sites(result: GateResult) -> list[str]:
    return [f"{f.location} {f.rule}" for f in result.findings]


def files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def fake_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, stdout: str
) -> None:
    """Resolve ``name`` to a script that prints a version, then ``stdout``."""
    script = tmp_path / f"fake-{name}"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"print('{name} 9.9.9' if '--version' in sys.argv else {stdout!r})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    real = command.which
    monkeypatch.setattr(
        command, "which", lambda tool: str(script) if tool == name else real(tool)
    )


def test_registered_with_its_description() -> None:
    assert registry()["lint"] is LintGate
    assert LintGate.priority is Priority.P1
    assert LintGate.title == "lint (ruff or flake8)"
    assert LintGate.description() == (
        "The project's linter (ruff or flake8) is clean, with no invalid `# noqa`."
    )


def test_a_target_without_config_is_isolated_from_a_parent_config(
    make_repo: MakeRepo, run_gate: RunGate, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(EVERYTHING, encoding="utf-8")
    root = make_repo({"app.py": "import os\n"})
    before = files_under(root)

    result = lint(run_gate, root)

    assert result.status is Status.FAIL
    assert result.findings == (
        Finding(
            rule="F401",
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message="`os` imported but unused",
            path="app.py",
            line=1,
            fix="ruff check --fix",
            tool_fix=True,
        ),
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        ("ruff check passes (1 finding)", False)
    ]
    assert result.title == "ruff lint"
    assert result.metrics == {
        "total": 1,
        "fixable": 1,
        "by_rule": "F401=1",
        "invalid_noqa": 0,
        "blanket_noqa": 0,
        "config": "none (ruff's default rules E4,E7,E9,F, --isolated)",
        "ruff_source": "readiness's own",
        "linter": "ruff",
        "linter_evidence": "no linter configured: ruff's classic default rules",
    }
    common = ("ruff", "check", "--output-format", "json", "--no-fix", "--no-cache")
    assert result.commands == (
        (*common, "--force-exclude", "--isolated", "--select", "E4,E7,E9,F", "."),
        (*common, "--force-exclude", "--isolated", "--select", "PGH004", "."),
    )
    assert result.tools["ruff"].count(".") >= 1
    assert files_under(root) == before  # no cache or anything else written


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "pyproject.toml",
            '[tool.ruff]\nline-length = 40\n[tool.ruff.lint]\nselect = ["E501"]\n',
        ),
        ("ruff.toml", 'line-length = 40\n[lint]\nselect = ["E501"]\n'),
        (".ruff.toml", 'line-length = 40\n[lint]\nselect = ["E501"]\n'),
    ],
    ids=["pyproject", "ruff.toml", ".ruff.toml"],
)
def test_the_targets_own_config_is_honoured(
    make_repo: MakeRepo, run_gate: RunGate, tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(EVERYTHING, encoding="utf-8")
    root = make_repo(
        {
            name: text,
            "app.py": "import os\n\nmsg = 'a line that is longer than forty chars'\n",
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == ["app.py:3 E501"]
    finding = result.findings[0]
    assert finding.severity is Severity.LOW
    assert finding.message == "Line too long (46 > 40)"
    assert finding.fix == "https://docs.astral.sh/ruff/rules/line-too-long"
    assert finding.tool_fix is False
    assert result.metrics["config"] == name
    assert "--isolated" not in result.command


def test_invalid_noqa_comments_fail_the_gate_on_their_own(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "app.py": "x = 1  # noqa: not codes\ny = 2  # noqa:\n",
            "pkg/mod.py": "z = 3\nw = 4  # noqa: ,\n",
        }
    )

    result = lint(run_gate, root)

    assert result.status is Status.FAIL
    assert sites(result) == ["app.py:1 LN001", "app.py:2 LN001", "pkg/mod.py:2 LN001"]
    finding = result.findings[0]
    assert finding == Finding(
        rule=INVALID_NOQA.id,
        severity=Severity.LOW,
        priority=Priority.P1,
        message=f"invalid `# noqa` directive: {NOQA_REASON}",
        path="app.py",
        line=1,
        fix="list the codes as ruff expects them: `# noqa: F401, F841`",
    )
    assert result.metrics["total"] == 0
    assert result.metrics["invalid_noqa"] == 3
    assert [(c.text, c.met) for c in result.criteria] == [
        ("ruff check passes (3 findings)", False)
    ]


def test_blanket_noqa_is_reported_without_failing_the_default_rules(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"app.py": "import os  # noqa\nimport sys  # noqa: F401\n"})

    result = lint(run_gate, root)

    assert result.status is Status.PASS
    assert sites(result) == ["app.py:1 PGH004"]
    finding = result.findings[0]
    assert finding.message == "Use specific rule codes when using `noqa`"
    assert finding.severity is Severity.LOW
    assert finding.fix == "https://docs.astral.sh/ruff/rules/blanket-noqa"
    assert result.metrics["total"] == 0
    assert result.metrics["blanket_noqa"] == 1
    assert [(c.text, c.met) for c in result.criteria] == [
        ("ruff check passes (0 findings)", True)
    ]


def test_blanket_noqa_is_not_counted_twice_when_the_target_selects_it(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "ruff.toml": '[lint]\nselect = ["F", "PGH004"]\n',
            "app.py": "import os  # noqa\n",
        }
    )

    result = lint(run_gate, root)

    assert result.status is Status.FAIL
    assert sites(result) == ["app.py:1 PGH004"]
    assert result.metrics["total"] == 1
    assert result.metrics["blanket_noqa"] == 1


def test_fixable_counts_only_safe_fixes_and_rules_are_summarised(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "app.py": """
                import os
                import sys


                def f():
                    unused = 1
                    return undefined
            """,
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == [
        "app.py:1 F401",
        "app.py:2 F401",
        "app.py:6 F841",
        "app.py:7 F821",
    ]
    fixes = {f.rule: (f.fix, f.tool_fix) for f in result.findings}
    assert fixes == {
        "F401": ("ruff check --fix", True),
        "F841": ("https://docs.astral.sh/ruff/rules/unused-variable", False),
        "F821": ("https://docs.astral.sh/ruff/rules/undefined-name", False),
    }
    assert result.metrics["total"] == 4
    assert result.metrics["fixable"] == 2
    assert result.metrics["by_rule"] == "F401=2, F821=1, F841=1"


def test_a_syntax_error_is_a_medium_finding(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"broken.py": "def f(:\n    pass\n"})

    result = lint(run_gate, root)

    assert result.status is Status.FAIL
    first = result.findings[0]
    assert first.rule == SYNTAX_ERROR.id == "invalid-syntax"
    assert first.location == "broken.py:1"
    assert first.severity is Severity.MEDIUM
    assert first.message.startswith("Expected a parameter")
    assert first.fix == SYNTAX_ERROR.fix
    assert first.tool_fix is False


def test_the_paths_option_limits_what_ruff_checks(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": '[tool.readiness.lint]\npaths = ["src"]\n',
            "src/app.py": "import os\n",
            "scripts/tool.py": "import sys\n",
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == ["src/app.py:1 F401"]
    assert result.command[-1] == "src"


def test_a_ruff_usage_error_is_a_gate_error(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {"ruff.toml": '[lint]\nselect = ["NOPE999"]\n', "app.py": "x = 1\n"}
    )

    result = lint(run_gate, root)

    assert result.status is Status.ERROR
    assert result.reason is not None
    assert result.reason.startswith("ruff exited with code 2: ")


@pytest.mark.parametrize(
    ("stdout", "reason"),
    [
        ("garbage", "ruff printed output that is not JSON: 'garbage'"),
        ('{"not": "a list"}', "ruff printed JSON that is not a list of diagnostics"),
        ('[{"filename": 1}]', "ruff printed JSON that is not a list of diagnostics"),
    ],
)
def test_unreadable_output_is_a_gate_error(
    *,
    make_repo: MakeRepo,
    run_gate: RunGate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stdout: str,
    reason: str,
) -> None:
    fake_tool(tmp_path, monkeypatch, "ruff", stdout)

    result = lint(run_gate, make_repo({"app.py": "x = 1\n"}))

    assert result.status is Status.ERROR
    assert result.reason == reason
    assert result.tools == {"ruff": "9.9.9"}


def test_a_missing_ruff_is_a_gate_error(
    make_repo: MakeRepo, run_gate: RunGate, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(tool: str) -> str:
        raise command.ToolNotFound(f"{tool} is not installed (looked nowhere)")

    monkeypatch.setattr(command, "which", missing)

    result = lint(run_gate, make_repo({"app.py": "x = 1\n"}))

    assert result.status is Status.ERROR
    assert result.reason == "ruff is not installed (looked nowhere)"


def test_summarise_names_the_most_frequent_rules_first() -> None:
    counts = Counter({f"E{n:03}": n for n in range(1, 13)})
    assert summarise(counts, top=3) == "E012=12, E011=11, E010=10, +9 more"
    assert summarise(Counter({"B": 2, "A": 2, "C": 1})) == "A=2, B=2, C=1"
    assert summarise(Counter()) == ""


def test_every_noqa_warning_of_ruff_becomes_one_finding_per_line(
    tmp_path: Path,
) -> None:
    target = discover(tmp_path)
    # Recorded from ruff 0.17.6 (the last line is its noqa.rs template, with colour).
    stderr = "\n".join(
        [
            f"warning: Invalid `# noqa` directive on a.py:2: {NOQA_REASON}.",
            (
                f"warning: Invalid `# noqa` directive on {tmp_path / 'pkg/m.py'}:1:"
                f" {NOQA_REASON}."
            ),
            f"warning: Invalid `# ruff: noqa` directive at a.py:6: {NOQA_REASON}.",
            (
                "warning: Missing or joined rule code(s) at a.py:3:"
                " expected rule code between commas"
            ),
            (
                "warning: Missing or joined rule code(s) at a.py:3:"
                " expected comma or space delimiter between codes"
            ),
            "warning: The top-level linter settings are deprecated",
            (
                "\x1b[1m\x1b[33mwarning\x1b[0m\x1b[1m:\x1b[0m Unexpected `# ruff: noqa`"
                " directive at b.py:4. File-level suppression comments must appear on"
                " their own line. For line-level suppression, omit the `ruff:` prefix."
            ),
        ]
    )
    found = invalid_noqa_findings(target, stderr)
    assert [(f.location, f.message) for f in found] == [
        ("a.py:2", f"invalid `# noqa` directive: {NOQA_REASON}"),
        ("a.py:3", "invalid `# noqa` directive: expected rule code between commas"),
        ("a.py:6", f"invalid `# noqa` directive: {NOQA_REASON}"),
        (
            "b.py:4",
            f"invalid `# noqa` directive: {FILE_LEVEL}",
        ),
        ("pkg/m.py:1", f"invalid `# noqa` directive: {NOQA_REASON}"),
    ]


def test_diagnostics_without_code_or_url(tmp_path: Path) -> None:
    target = discover(tmp_path)
    location = {"row": 4, "column": 1}
    old_syntax = diagnostic_finding(
        target,
        {
            "code": None,
            "message": "SyntaxError: bad",
            "filename": "x.py",
            "location": location,
        },
    )
    assert (old_syntax.rule, old_syntax.severity, old_syntax.fix) == (
        SYNTAX_ERROR.id,
        Severity.MEDIUM,
        SYNTAX_ERROR.fix,
    )
    plugin = diagnostic_finding(
        target, {"code": "XYZ1", "url": None, "filename": "x.py", "location": {}}
    )
    assert (plugin.message, plugin.line, plugin.fix) == (
        "XYZ1",
        None,
        "see `ruff rule XYZ1`",
    )


def test_without_ruff_config_only_ruffs_classic_default_rules_apply(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black's repository (no ruff configuration) got 327 B018 and 121 UP031
    findings from ruff 0.16+'s wide default set, which the project never runs.

    Plants: ``useless.py`` with a useless expression (B018, in ruff 0.16's
    default, not in E4/E7/E9/F) and an unused import (F401, in both)."""
    root = make_repo({"useless.py": "import os\n\n\ndef f(x):\n    x.y\n"})

    result = lint(run_gate, root)

    assert sites(result) == ["useless.py:1 F401"]


BLACK_LIKE_PRECOMMIT = """
    exclude: ^(profiling/|tests/data/)
    repos:
      - repo: local
        hooks:
          - id: ruff
            name: ruff
            entry: ruff check
            language: system
            exclude: ^src/vendored/
      - repo: https://github.com/pre-commit/mirrors-mypy
        rev: v1.10.0
        hooks:
          - id: mypy
            exclude: ^app\\.py$
"""
BLACK_LIKE_PYPROJECT = """
    [tool.black]
    extend-exclude = '''
    /(
        tests/data/
        | generated/
    )
    '''
"""


def test_the_projects_precommit_and_black_exclusions_hold_without_ruff_config(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black's repository: 8,783 findings under ``tests/data`` (5,959 F821),
    which its pre-commit ``exclude`` and ``[tool.black] extend-exclude`` keep
    out of its own linting (black lints with flake8 now: see
    tests/test_lint_flake8.py; this layout with a ruff hook and no ruff
    configuration keeps black's excludes).

    Plants an unused import in ``app.py`` (reported) and in each excluded
    place: ``tests/data/case.py`` (the top-level pre-commit ``exclude``),
    ``profiling/run.py`` (same), ``src/vendored/lib.py`` (the ruff hook's
    ``exclude``), ``generated/out.py`` (black's ``extend-exclude`` only, a
    regex ruff is not given: its finding is filtered). The mypy hook's
    ``exclude`` of ``app.py`` is not the linter's and does not count.
    """
    root = make_repo(
        {
            ".pre-commit-config.yaml": BLACK_LIKE_PRECOMMIT,
            "pyproject.toml": BLACK_LIKE_PYPROJECT,
            "app.py": "import os\n",
            "tests/data/case.py": "import os\nprint(undefined)\n",
            "profiling/run.py": "import os\n",
            "src/vendored/lib.py": "import os\n",
            "generated/out.py": "import os\n",
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == ["app.py:1 F401"]
    assert result.metrics["exclusions"] == (
        ".pre-commit-config.yaml ruff hook, [tool.black] extend-exclude"
    )
    assert result.metrics["excluded_findings"] == 1
    assert result.metrics["excluded_by"] == "[tool.black] extend-exclude=1"
    assert result.metrics["linter_evidence"] == "the ruff pre-commit hook"
    assert result.command == (
        "ruff",
        "check",
        "--output-format",
        "json",
        "--no-fix",
        "--no-cache",
        "--force-exclude",
        "--isolated",
        "--extend-exclude=./profiling",
        "--extend-exclude=./tests/data",
        "--extend-exclude=./src/vendored",
        "--select",
        "E4,E7,E9,F",
        ".",
    )


def test_a_precommit_ruff_hook_rev_pins_ruff(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants a ruff pre-commit hook at ``rev: v0.6.9`` and an unused import;
    the project's ruff configuration selects F."""
    precommit = """
        repos:
          - repo: https://github.com/astral-sh/ruff-pre-commit
            rev: v0.6.9
            hooks:
              - id: ruff
    """
    root = make_repo(
        {
            ".pre-commit-config.yaml": precommit,
            "ruff.toml": '[lint]\nselect = ["F"]\n',
            "app.py": "import os\n",
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == ["app.py:1 F401"]
    assert result.tools == {"ruff": "0.6.9"}
    assert result.metrics["ruff_source"] == ".pre-commit-config.yaml (hook rev)"
    assert result.metrics["config"] == "ruff.toml"
    assert result.command[:2] == ("ruff", "check")
