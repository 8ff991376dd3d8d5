"""The format gate with the real black on small fixture repositories."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command, environments, toolenv
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates.format import (
    CANNOT_FORMAT,
    NOT_ADOPTED,
    RUFF_CANNOT_FORMAT,
    RUFF_WOULD_REFORMAT,
    WOULD_REFORMAT,
    FormatGate,
    cannot_format,
    ruff_text,
    split_path,
)
from readiness.gates.interface import GateError
from readiness.target import discover

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

pytestmark = pytest.mark.tools

FORMATTED = "x = {'a': 1}\n".replace("'", '"')
UNFORMATTED = "x = {  'a':1 }\n"
#: 99 characters: black wraps it at its default 88, leaves it alone at 120.
LONG = (
    "result = some_function_name(first_argument_value, second_argument_value,"
    " third_argument_value)\n"
)


INTERNAL = "black produced invalid code: a bug in black"


#: The project adopts black through its dev dependencies (per-file findings).
BLACK_IN_DEV = '[dependency-groups]\ndev = ["black"]\n'


#: The format gate's black check of a project with a pyproject.toml.
BLACK_WITH_PYPROJECT = ("black", "--check", "--fast", "--config", "pyproject.toml", ".")


def check(run_gate: RunGate, root: Path) -> GateResult:
    return run_gate(FormatGate(), root)


def files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def fake_black(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stderr: str, code: int
) -> None:
    script = tmp_path / "fake-black"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "if '--version' in sys.argv:\n"
        "    print('black, 9.9.9')\n"
        "    sys.exit(0)\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({code})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    real = command.which
    monkeypatch.setattr(
        command, "which", lambda tool: str(script) if tool == "black" else real(tool)
    )


def test_registered_with_its_description() -> None:
    assert registry()["format"] is FormatGate
    assert FormatGate.priority is Priority.P1
    assert FormatGate.title == "formatting (ruff format or black)"
    assert FormatGate.description() == (
        "The project's formatter passes: ruff format or black, no file to reformat."
    )


def test_a_project_that_adopts_no_formatter_gets_one_finding(
    make_repo: MakeRepo, run_gate: RunGate, tmp_path: Path
) -> None:
    """httpie configures no formatter: 108 per-file "would be reformatted by
    black" findings judged the default formatter's, not the project's, debt.
    One FM005 for the choice instead."""
    # A parent's configuration must not leak in: at line-length 10 every file
    # here would need reformatting.
    (tmp_path / "pyproject.toml").write_text(
        "[tool.black]\nline-length = 10\n", encoding="utf-8"
    )
    root = make_repo(
        {"a.py": UNFORMATTED, "pkg/b.py": UNFORMATTED, "pkg/ok.py": FORMATTED}
    )
    before = files_under(root)

    result = check(run_gate, root)

    assert result.status is Status.FAIL
    assert result.findings == (
        Finding(
            rule=NOT_ADOPTED.id,
            severity=Severity.LOW,
            priority=Priority.P2,
            message=(
                "no formatter adopted; black (readiness's default) would reformat"
                " 2 files: a.py, pkg/b.py"
            ),
            fix="adopt a formatter (black or ruff format), run it once, check it in CI",
            details={"files_to_reformat": 2},
        ),
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        ("black --check passes (2 files would be reformatted)", False)
    ]
    assert result.metrics == {
        "files_to_reformat": 2,
        "files_unformattable": 0,
        "config": "none (black defaults)",
        "formatter": "black",
        "formatter_evidence": "no formatter configured: black, the checklist's tool",
        "black_source": "readiness's own",
    }
    assert result.command[:4] == ("black", "--check", "--fast", "--config")
    assert result.command[4].endswith("black-defaults.toml")
    assert result.command[5:] == (".",)
    assert "black" in result.tools
    assert files_under(root) == before


def test_each_unformatted_file_is_one_finding(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": BLACK_IN_DEV,
            "a.py": UNFORMATTED,
            "pkg/b.py": UNFORMATTED,
            "pkg/ok.py": FORMATTED,
        }
    )

    result = check(run_gate, root)

    assert result.status is Status.FAIL
    assert result.findings == tuple(
        Finding(
            rule=WOULD_REFORMAT.id,
            severity=Severity.LOW,
            priority=Priority.P1,
            message="would be reformatted by black",
            path=path,
            fix=f"black {path}",
        )
        for path in ("a.py", "pkg/b.py")
    )
    assert result.metrics["formatter_evidence"] == "black in the dev/test dependencies"


def test_the_targets_line_length_is_honoured(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {"pyproject.toml": "[tool.black]\nline-length = 120\n", "app.py": LONG}
    )

    result = check(run_gate, root)

    assert result.status is Status.PASS
    assert result.findings == ()
    assert [(c.text, c.met) for c in result.criteria] == [
        ("black --check passes (0 files would be reformatted)", True)
    ]
    assert result.metrics["config"] == "pyproject.toml"
    assert result.command == BLACK_WITH_PYPROJECT


def test_a_pyproject_without_black_settings_means_black_defaults(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": f"[project]\nname = 'app'\n{BLACK_IN_DEV}",
            "app.py": LONG,
        }
    )

    result = check(run_gate, root)

    assert [f.location for f in result.findings] == ["app.py"]
    assert result.metrics["config"] == "pyproject.toml"


def test_files_black_cannot_parse_are_medium_findings(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": BLACK_IN_DEV,
            "a.py": UNFORMATTED,
            "broken.py": "def f(:\n    pass\n",
            "ok.py": FORMATTED,
        }
    )
    (root / "latin.py").write_bytes(b"\xff\xfe = 1\n")

    result = check(run_gate, root)

    assert result.status is Status.FAIL
    assert [(f.rule, f.location) for f in result.findings] == [
        ("FM001", "a.py"),
        ("FM002", "broken.py:1"),
        ("FM002", "latin.py"),
    ]
    broken = result.findings[1]
    assert broken == Finding(
        rule=CANNOT_FORMAT.id,
        severity=Severity.MEDIUM,
        priority=Priority.P1,
        message="black cannot format this file (cannot parse: ParseError: bad input)",
        path="broken.py",
        line=1,
        fix=CANNOT_FORMAT.fix,
    )
    assert result.findings[2].message == (
        "black cannot format this file (invalid or missing encoding declaration)"
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        (
            "black --check passes (1 file would be reformatted, 2 cannot be formatted)",
            False,
        )
    ]
    assert result.metrics["files_unformattable"] == 2


def test_the_paths_option_limits_what_black_checks(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": BLACK_IN_DEV
            + '[tool.readiness.format]\npaths = ["src"]\n',
            "src/app.py": UNFORMATTED,
            "scripts/tool.py": UNFORMATTED,
        }
    )

    result = check(run_gate, root)

    assert [f.location for f in result.findings] == ["src/app.py"]


@pytest.mark.parametrize(
    ("code", "stderr"),
    [
        (1, "Error: Could not open file 'pyproject.toml'\n"),
        (123, "error: something black did not expect\n\nOh no!\n"),
    ],
)
def test_a_failure_code_without_per_file_lines_is_a_tool_failure(
    *,
    make_repo: MakeRepo,
    run_gate: RunGate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    stderr: str,
) -> None:
    fake_black(tmp_path, monkeypatch, stderr, code)

    result = check(run_gate, make_repo({"app.py": FORMATTED}))

    assert result.status is Status.ERROR
    last = stderr.strip().splitlines()[-1]
    assert result.reason == f"black exited with code {code}: {last}"


def test_an_unexpected_exit_code_is_a_tool_failure(
    make_repo: MakeRepo,
    run_gate: RunGate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_black(tmp_path, monkeypatch, "Usage: black [OPTIONS] SRC ...\n", 2)

    result = check(run_gate, make_repo({"app.py": FORMATTED}))

    assert result.status is Status.ERROR
    assert result.reason == "black exited with code 2: Usage: black [OPTIONS] SRC ..."


def test_a_missing_black_is_a_gate_error(
    make_repo: MakeRepo, run_gate: RunGate, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(tool: str) -> str:
        raise command.ToolNotFound(f"{tool} is not installed (looked nowhere)")

    monkeypatch.setattr(command, "which", missing)

    result = check(run_gate, make_repo({"app.py": FORMATTED}))

    assert result.status is Status.ERROR
    assert result.reason == "black is not installed (looked nowhere)"


def test_black_output_variants_are_read(make_repo: MakeRepo) -> None:
    root = make_repo({"odd: name.py": "", "other.py": ""})
    target = discover(root)
    lines = [
        "error: INTERNAL ERROR: Black 99.1 produced invalid code:",
        f"cannot parse: {root}/other.py:3:1",
        "    x = (",
        "ParseError: bad input",
        "error: cannot format odd: name.py: INTERNAL ERROR: not equivalent",
        "error: cannot format gone.py: Cannot parse: 1:6: def f(:",
        "error: cannot parse for target version Python 3.11: other.py:1:1",
    ]

    found = cannot_format(target, lines)

    assert [(f.location, f.message) for f in found] == [
        ("gone.py", "black cannot format this file (Cannot parse: 1:6: def f(:)"),
        (
            "odd: name.py",
            "black cannot format this file (INTERNAL ERROR: not equivalent)",
        ),
        ("other.py", f"black cannot format this file ({INTERNAL})"),
    ]


def test_split_path_prefers_a_prefix_that_exists(tmp_path: Path) -> None:
    (tmp_path / "a: b.py").write_text("", encoding="utf-8")
    assert split_path(tmp_path, "a: b.py: reason: more") == ("a: b.py", "reason: more")
    assert split_path(tmp_path, "x.py: reason: more") == ("x.py", "reason: more")


#: A ``uv.lock`` that pins ruff 0.6.9 (an old one: before ``--output-format``).
RUFF_LOCK = """
    version = 1
    requires-python = ">=3.11"

    [[package]]
    name = "ruff"
    version = "0.6.9"
"""
BROKEN = "def f(:\n    pass\n"
RUFF_FORMATTED = {
    "pyproject.toml": "[tool.ruff.format]\nquote-style = 'double'\n",
    "a.py": UNFORMATTED,
    "broken.py": BROKEN,
    "ok.py": FORMATTED,
}


def tool_version(executable: str) -> str:
    """What ``EXECUTABLE --version`` prints (the tool environment, read back)."""
    return command.run(
        [executable, "--version"], cwd=Path.cwd(), timeout_s=60
    ).stdout.strip()


def test_a_ruff_formatted_project_is_checked_with_the_ruff_its_lock_pins(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """requests formats with ruff: black there gave 3 "would reformat" findings.

    Plants: ``[tool.ruff.format]``, a ``uv.lock`` pinning ruff 0.6.9,
    ``a.py`` unformatted, ``broken.py`` a syntax error at line 1, ``ok.py``.
    ruff 0.6.9 has no ``--output-format`` for ``format``: its text is read.
    """
    root = make_repo({**RUFF_FORMATTED, "uv.lock": RUFF_LOCK})

    result = check(run_gate, root)

    assert result.status is Status.FAIL
    assert result.findings == (
        Finding(
            rule=RUFF_WOULD_REFORMAT.id,
            severity=Severity.LOW,
            priority=Priority.P1,
            message="would be reformatted by ruff format",
            path="a.py",
            fix="ruff format a.py",
        ),
        Finding(
            rule=RUFF_CANNOT_FORMAT.id,
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message="ruff format cannot format this file (Expected a parameter"
            " or the end of the parameter list)",
            path="broken.py",
            line=1,
            fix=RUFF_CANNOT_FORMAT.fix,
        ),
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        (
            (
                "ruff format --check passes (1 file would be reformatted,"
                " 1 cannot be formatted)"
            ),
            False,
        )
    ]
    assert result.metrics == {
        "files_to_reformat": 1,
        "files_unformattable": 1,
        "config": "pyproject.toml",
        "formatter": "ruff",
        "formatter_evidence": "[tool.ruff.format] in pyproject.toml",
        "ruff_source": "uv.lock",
    }
    assert result.commands == (
        ("ruff", "format", "--check", "--no-cache", "--force-exclude", "."),
    )
    assert result.tools == {"ruff": "0.6.9"}
    pinned = toolenv.resolve(discover(root), "ruff", run=command_runner(root))
    assert tool_version(pinned.executable) == "ruff 0.6.9"


def test_a_ruff_whose_json_output_needs_preview_is_read_as_text(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """flask locks ruff 0.14.14, whose ``format --output-format`` is honoured in
    preview mode only: the gate read "83 files already formatted" as JSON.

    Plants ``[tool.ruff.format]``, a ``uv.lock`` pinning ruff 0.14.14, ``a.py``
    unformatted and ``ok.py`` formatted."""
    lock = RUFF_LOCK.replace("0.6.9", "0.14.14")
    root = make_repo(
        {
            "pyproject.toml": RUFF_FORMATTED["pyproject.toml"],
            "uv.lock": lock,
            "a.py": UNFORMATTED,
            "ok.py": FORMATTED,
        }
    )

    result = check(run_gate, root)

    assert [(f.rule, f.location) for f in result.findings] == [("FM003", "a.py")]
    assert result.tools == {"ruff": "0.14.14"}
    assert result.command == (
        "ruff",
        "format",
        "--check",
        "--no-cache",
        "--force-exclude",
        ".",
    )


def command_runner(root: Path) -> environments.Runner:
    def run(args: list[str], **options: object) -> command.Completed:
        env = options.get("env")
        return command.run(
            args,
            cwd=root,
            timeout_s=300,
            env=env if isinstance(env, dict) else None,
        )

    return run


def test_readinesss_own_ruff_is_read_as_json(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants the same files, no pin: readiness's own ruff, ``--output-format json``."""
    root = make_repo(RUFF_FORMATTED)

    result = check(run_gate, root)

    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        ("FM003", "a.py", "would be reformatted by ruff format"),
        (
            "FM004",
            "broken.py:1",
            (
                "ruff format cannot format this file (Expected a parameter"
                " or the end of the parameter list)"
            ),
        ),
    ]
    assert result.metrics["ruff_source"] == "readiness's own"
    assert result.command == (
        "ruff",
        "format",
        "--check",
        "--no-cache",
        "--force-exclude",
        "--output-format",
        "json",
        ".",
    )
    assert result.tools["ruff"] == tool_version("ruff").split()[-1]


def test_a_precommit_ruff_format_hook_pins_ruff_and_its_exclude_holds(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants: no ruff configuration, a ``ruff-format`` hook at ``rev: v0.6.9``
    excluding ``^legacy/``; ``app.py`` and ``legacy/old.py`` unformatted."""
    precommit = """
        repos:
          - repo: https://github.com/astral-sh/ruff-pre-commit
            rev: v0.6.9
            hooks:
              - id: ruff-format
                exclude: ^legacy/
    """
    root = make_repo(
        {
            ".pre-commit-config.yaml": precommit,
            "app.py": UNFORMATTED,
            "legacy/old.py": UNFORMATTED,
        }
    )

    result = check(run_gate, root)

    assert [(f.rule, f.location) for f in result.findings] == [("FM003", "app.py")]
    assert result.metrics == {
        "files_to_reformat": 1,
        "files_unformattable": 0,
        "config": "none (ruff defaults, --isolated)",
        "formatter": "ruff",
        "formatter_evidence": "the ruff-format pre-commit hook",
        "ruff_source": ".pre-commit-config.yaml (hook rev)",
        "exclusions": ".pre-commit-config.yaml ruff-format hook",
        "excluded_files": 1,
        "excluded_by": "ruff-format hook exclude `^legacy/`=1",
    }
    assert result.tools == {"ruff": "0.6.9"}
    assert result.command == (
        "ruff",
        "format",
        "--check",
        "--no-cache",
        "--force-exclude",
        "--isolated",
        ".",
    )


def test_a_black_project_is_checked_with_black(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants ``[tool.black]`` beside a ruff lint configuration: black decides."""
    root = make_repo(
        {
            "pyproject.toml": "[tool.black]\n\n[tool.ruff.lint]\nselect = ['F']\n",
            "app.py": UNFORMATTED,
        }
    )

    result = check(run_gate, root)

    assert [(f.rule, f.location) for f in result.findings] == [("FM001", "app.py")]
    assert result.metrics["formatter"] == "black"
    assert result.metrics["formatter_evidence"] == "[tool.black] in pyproject.toml"
    assert result.metrics["black_source"] == "readiness's own"
    assert result.command == BLACK_WITH_PYPROJECT


def test_a_pinned_formatter_that_cannot_be_installed_is_a_gate_error(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants a dev extra pinning black 0.0.1, a version PyPI never had."""
    root = make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "app"
                version = "1"
                [project.optional-dependencies]
                dev = ["black==0.0.1"]
            """,
            "app.py": FORMATTED,
        }
    )

    result = check(run_gate, root)

    assert result.status is Status.ERROR
    assert result.reason is not None
    assert result.reason.startswith(
        "black 0.0.1 (pinned by pyproject.toml (dev/test pins)) cannot be installed:"
    )


@pytest.mark.parametrize(
    ("stdout", "stderr", "reason"),
    [
        ("Would reformat: a.py\n", "", "ruff format ended without its summary line"),
        (
            "Would reformat: a.py\n2 files would be reformatted\n",
            "",
            (
                "ruff format's summary counts 2 files that would be reformatted"
                " but names 1"
            ),
        ),
    ],
)
def test_ruff_text_output_must_be_whole(
    tmp_path: Path, stdout: str, stderr: str, reason: str
) -> None:
    with pytest.raises(GateError, match=f"^{reason}"):
        ruff_text(discover(tmp_path), stdout, stderr)


def test_ruff_text_output_variants_are_read(tmp_path: Path) -> None:
    stdout = (
        "Would reformat: b.py\nWould reformat: a.py\n2 files would be reformatted\n"
    )
    stderr = (
        "error: Failed to parse c.py:3:1: Unexpected indentation\n"
        "error: Failed to format d.py: not a file\n"
    )

    reformat, failed = ruff_text(discover(tmp_path), stdout, stderr)

    assert [f.path for f in reformat] == ["a.py", "b.py"]
    assert [(f.location, f.message) for f in failed] == [
        ("c.py:3", "ruff format cannot format this file (Unexpected indentation)"),
        ("d.py", "ruff format cannot format this file (not a file)"),
    ]
    assert ruff_text(
        discover(tmp_path), "", "warning: No Python files found under the given path"
    ) == ([], [])
