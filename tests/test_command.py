"""The one subprocess helper: resolution, success codes, timeouts, recorded command."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from readiness import command


def test_runs_a_tool_and_records_its_command(tmp_path: Path) -> None:
    completed = command.run(
        [
            sys.executable,
            "-c",
            "import sys; print('out'); print('err', file=sys.stderr)",
        ],
        cwd=tmp_path,
        timeout_s=30,
    )
    assert completed.returncode == 0
    assert completed.stdout == "out\n"
    assert completed.stderr == "err\n"
    assert completed.args[0] == Path(sys.executable).name
    assert completed.args[1:] == (
        "-c",
        "import sys; print('out'); print('err', file=sys.stderr)",
    )


def test_exit_codes_outside_ok_codes_fail_with_the_last_line(tmp_path: Path) -> None:
    script = (
        "import sys; print('first', file=sys.stderr);"
        " print('boom', file=sys.stderr); sys.exit(4)"
    )
    with pytest.raises(command.ToolFailed, match=r"exited with code 4: boom$"):
        command.run([sys.executable, "-c", script], cwd=tmp_path, timeout_s=30)
    completed = command.run(
        [sys.executable, "-c", script], cwd=tmp_path, timeout_s=30, ok_codes=(0, 4)
    )
    assert completed.returncode == 4


def test_a_missing_tool_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        command.ToolNotFound, match=r"^no-such-tool-xyz is not installed"
    ):
        command.run(["no-such-tool-xyz"], cwd=tmp_path, timeout_s=5)


def test_a_tool_that_cannot_start(tmp_path: Path) -> None:
    script = tmp_path / "tool"
    script.write_text("#!/nonexistent/interpreter\n")
    script.chmod(0o755)
    with pytest.raises(command.ToolFailed, match="could not start"):
        command.run([str(script)], cwd=tmp_path, timeout_s=5)


def test_a_hanging_tool_and_its_children_are_killed(tmp_path: Path) -> None:
    marker = tmp_path / "child-alive"
    child = f"import time; time.sleep(3); open({str(marker)!r}, 'w').close()"
    parent = (
        "import subprocess, sys, time;"
        f"subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(60)"
    )
    started = time.monotonic()
    with pytest.raises(
        command.ToolTimeout, match=r"did not finish within 1s and was killed"
    ):
        command.run([sys.executable, "-c", parent], cwd=tmp_path, timeout_s=1)
    assert time.monotonic() - started < 30
    time.sleep(3.5)
    assert not marker.exists(), "the tool's child outlived the timeout"


def test_env_is_added_to_the_environment(tmp_path: Path) -> None:
    completed = command.run(
        [
            sys.executable,
            "-c",
            "import os; print(os.environ['READINESS_X'], 'PATH' in os.environ)",
        ],
        cwd=tmp_path,
        timeout_s=30,
        env={"READINESS_X": "42"},
    )
    assert completed.stdout.split() == ["42", "True"]


def test_last_line_of_empty_output() -> None:
    assert command.last_line("  \n\n") == "(no output)"
