"""The format gate with the real black on small fixture repositories."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates.format import (
    CANNOT_FORMAT,
    WOULD_REFORMAT,
    FormatGate,
    cannot_format,
    split_path,
)
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


def test_each_unformatted_file_is_one_finding(
    make_repo: MakeRepo, run_gate: RunGate, tmp_path: Path
) -> None:
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
    assert result.command[:3] == ("black", "--check", "--config")
    assert result.command[3].endswith("black-defaults.toml")
    assert result.command[4:] == (".",)
    assert "black" in result.tools
    assert files_under(root) == before


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
    assert result.command == ("black", "--check", "--config", "pyproject.toml", ".")


def test_a_pyproject_without_black_settings_means_black_defaults(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"pyproject.toml": "[project]\nname = 'app'\n", "app.py": LONG})

    result = check(run_gate, root)

    assert [f.location for f in result.findings] == ["app.py"]
    assert result.metrics["config"] == "pyproject.toml"


def test_files_black_cannot_parse_are_medium_findings(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {"a.py": UNFORMATTED, "broken.py": "def f(:\n    pass\n", "ok.py": FORMATTED}
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
            "pyproject.toml": '[tool.readiness.format]\npaths = ["src"]\n',
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
