"""The command line: arguments, exit codes, one-line errors, report files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from readiness import cli
from tests.conftest import MakeRepo

CLEAN = {
    "pyproject.toml": """
    [project]
    name = "clean"
    version = "1.0"

    [tool.ruff]
    line-length = 88
    """,
    "src/clean/__init__.py": '"""A clean package."""\n\nVALUE = 1\n',
}
DIRTY = {**CLEAN, "src/clean/bad.py": "import os\n"}


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("readiness: error: ")
    return lines[0].removeprefix("readiness: error: ")


def test_gates_lists_every_available_gate_with_its_priority(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["gates"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["build", "P0"],
        ["markers", "P0"],
        ["tests", "P0"],
        ["typing", "P1"],
        ["lint", "P1"],
        ["format", "P1"],
        ["sast", "P0"],
        ["deps", "P1"],
        ["secrets", "P0"],
        ["cli", "P2"],
        ["docs", "P2"],
        ["ops", "P2"],
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit", "does-not-exist"], "does-not-exist: no such directory"),
        (["audit", ".", "--gate", "nope"], "unknown gate 'nope'; available gates: "),
        (["audit", ".", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["frobnicate"], "argument command: invalid choice: 'frobnicate'"),
        (["audit", ".", "--gate", "lint", "--skip", "lint"], "no gate left to run"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make_repo: MakeRepo,
) -> None:
    monkeypatch.chdir(make_repo(CLEAN))
    assert cli.main(argv) == 2
    assert one_line_error(capsys.readouterr().err).startswith(message)


def test_malformed_pyproject_exits_2(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"pyproject.toml": "[project\n"})
    assert cli.main(["audit", str(root)]) == 2
    error = one_line_error(capsys.readouterr().err)
    assert error.startswith(f"{root / 'pyproject.toml'}: invalid TOML: ")


def test_clean_target_exits_0_and_writes_the_reports(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(CLEAN)
    out = tmp_path / "out"
    assert cli.main(["audit", str(root), "--gate", "lint", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == [
        "readiness-report.json",
        "readiness-report.md",
    ]
    report = json.loads((out / "readiness-report.json").read_text())
    assert report["verdict"] == "ready"
    assert [g["name"] for g in report["gates"]] == ["lint"]
    assert f"wrote {out / 'readiness-report.md'}" in captured.out
    # The plain progress line of the finished gate (stderr is no terminal here).
    (progress,) = captured.err.splitlines()
    name, status, seconds, *count = progress.split()
    assert (name, status, count) == ("lint", "pass", ["0", "findings"])
    assert seconds.endswith("s")
    # one column for any gate's name, so lines of different gates align
    assert progress.startswith("lint      pass ")


def test_gaps_exit_1_and_only_the_asked_format_is_written(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(DIRTY)
    out = tmp_path / "out"
    argv = ["audit", str(root), "--gate", "lint", "--format", "json", "--out", str(out)]
    assert cli.main(argv) == 1
    assert [p.name for p in out.iterdir()] == ["readiness-report.json"]
    report = json.loads((out / "readiness-report.json").read_text())
    assert report["verdict"] == "not-ready"
    (finding,) = report["gates"][0]["findings"]
    assert (finding["rule"], finding["path"], finding["line"]) == (
        "F401",
        "src/clean/bad.py",
        1,
    )
    capsys.readouterr()


def test_no_format_and_no_out_writes_nothing(
    make_repo: MakeRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_repo(CLEAN)
    monkeypatch.chdir(root)
    before = sorted(p.name for p in root.iterdir())
    assert cli.main(["audit", "--gate", "lint"]) == 0
    assert sorted(p.name for p in root.iterdir()) == before
    assert "wrote" not in capsys.readouterr().out


def test_unwritable_report_folder_exits_2(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(CLEAN)
    blocker = root / "blocker"
    blocker.write_text("a file, not a folder")
    assert (
        cli.main(["audit", str(root), "--gate", "lint", "--out", str(blocker / "x")])
        == 2
    )
    assert "cannot create the report folder" in one_line_error(capsys.readouterr().err)


def test_internal_errors_exit_3_and_interrupts_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(cli, "_dispatch", boom)
    assert cli.main(["gates"]) == 3
    assert (
        capsys.readouterr().err
        == "readiness: internal error: RuntimeError: unexpected\n"
    )

    def interrupt(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_dispatch", interrupt)
    assert cli.main(["gates"]) == 130


def test_console_script_and_module_entry_points() -> None:
    script = Path(sys.executable).parent / "readiness"
    version = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("readiness ")
    gates = subprocess.run(
        [sys.executable, "-m", "readiness", "gates"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert gates.stdout.split()[0] == "build"


def test_report_merge_combines_ci_jobs(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(CLEAN)
    for gate in ("lint", "format"):
        argv = ["audit", str(root), "--gate", gate, "--format", "json"]
        assert cli.main([*argv, "--out", str(tmp_path / gate)]) == 0
    jobs = [
        str(tmp_path / gate / "readiness-report.json") for gate in ("lint", "format")
    ]
    out = tmp_path / "merged"
    argv = ["report", "merge", *jobs, "--format", "json", "--out", str(out)]
    assert cli.main(argv) == 0
    merged = json.loads((out / "readiness-report.json").read_text())
    assert [g["name"] for g in merged["gates"]] == ["lint", "format"]
    assert merged["verdict"] == "ready"
    capsys.readouterr()
    assert cli.main(["report", "merge", jobs[0], jobs[0], "--out", str(out)]) == 2
    assert one_line_error(capsys.readouterr().err).startswith("gate 'lint' is in both")
