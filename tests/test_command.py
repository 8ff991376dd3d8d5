"""The one subprocess helper: resolution, success codes, timeouts, recorded command."""

from __future__ import annotations

import signal
import sys
import threading
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


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for init to reap it does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


BACKGROUND_CHILD = (
    "import subprocess, sys;"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
    " stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL);"
    "print(child.pid)"
)


def test_a_background_child_does_not_outlive_the_call(tmp_path: Path) -> None:
    completed = command.run(
        [sys.executable, "-c", BACKGROUND_CHILD], cwd=tmp_path, timeout_s=30
    )
    child = int(completed.stdout)
    assert not _alive(child), "the tool's background child outlived the call"


def test_the_timeout_message_names_the_configured_timeout(tmp_path: Path) -> None:
    with pytest.raises(
        command.ToolTimeout, match=r"^python\S* did not finish within 600s and was"
    ):
        command.run(
            [sys.executable, "-c", "import time; time.sleep(60)"],
            cwd=tmp_path,
            timeout_s=0.5,
            shown_timeout_s=600,
        )


def test_output_is_cut_at_the_limit_and_flagged(tmp_path: Path) -> None:
    flood = (
        "import sys\n"
        "chunk = 'x' * 1023 + '\\n'\n"
        "for _ in range(20 * 1024):\n"
        "    sys.stdout.write(chunk)\n"
        "sys.stdout.write('last words\\n')\n"
    )
    completed = command.run([sys.executable, "-c", flood], cwd=tmp_path, timeout_s=60)
    assert completed.truncated
    assert len(completed.stdout) < command.MAX_OUTPUT_BYTES + 1024
    assert completed.stdout.endswith("last words\n")
    assert "bytes of output cut here]" in completed.stdout
    with pytest.raises(
        command.OutputTruncated,
        match=r"^python\S* printed more than 16 MiB \(exit code 0\); its output"
        r" was cut, so its result cannot be trusted$",
    ):
        completed.require_complete()


def test_complete_output_is_kept_whole(tmp_path: Path) -> None:
    completed = command.run(
        [sys.executable, "-c", "import sys; sys.stdout.write('a\\r\\nb\\rc\\n')"],
        cwd=tmp_path,
        timeout_s=30,
    )
    assert completed.require_complete() is completed
    assert not completed.truncated
    assert completed.stdout == "a\nb\nc\n"


def test_input_text_is_the_standard_input(tmp_path: Path) -> None:
    completed = command.run(
        [sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"],
        cwd=tmp_path,
        timeout_s=30,
        input_text="hello",
    )
    assert completed.stdout == "HELLO\n"


def test_a_failure_carries_its_exit_code_and_output(tmp_path: Path) -> None:
    script = "import sys; print('out'); sys.exit(3)"
    with pytest.raises(command.ToolFailed) as failed:
        command.run([sys.executable, "-c", script], cwd=tmp_path, timeout_s=30)
    assert failed.value.returncode == 3
    assert failed.value.output == "out"


def test_the_tools_folder_shadows_and_hides_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "ruff").write_text(f"#!{sys.executable}\nprint('stand-in')\n")
    (tools / "ruff").chmod(0o755)
    (tools / "black").write_text("")
    monkeypatch.setenv(command.TOOLS_DIR_ENV, str(tools))

    assert command.which("ruff") == str(tools / "ruff")
    assert command.run(["ruff"], cwd=tmp_path, timeout_s=30).stdout == "stand-in\n"
    with pytest.raises(command.ToolNotFound) as hidden:
        command.which("black")
    assert str(hidden.value) == (
        f"black is not installed (READINESS_TOOLS_DIR hides it: {tools / 'black'}"
        " is not an executable file)"
    )
    # a tool the folder does not hold, or a path, resolves as before
    assert command.which("git") != str(tools / "git")
    assert command.which(sys.executable) == sys.executable


def test_sigterm_inside_the_guard_ends_the_tools_and_exits_143(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pid_file = tmp_path / "pid"
    script = (
        "import os, signal, sys, time;"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()));"
        "os.kill(os.getppid(), signal.SIGTERM); time.sleep(60)"
    )
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped, command.guard():
        command.run([sys.executable, "-c", script], cwd=tmp_path, timeout_s=60)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert capsys.readouterr().err == "readiness: stopped by SIGTERM\n"
    assert not _alive(int(pid_file.read_text()))
    assert signal.getsignal(signal.SIGTERM) is previous
    # the next command starts tools again
    assert command.run([sys.executable, "-c", "pass"], cwd=tmp_path, timeout_s=30)


def test_no_tool_starts_while_readiness_stops(tmp_path: Path) -> None:
    started = threading.Event()
    refused: list[str] = []

    def gate() -> None:
        # a gate thread that keeps starting tools until it is refused
        for _ in range(10_000):
            try:
                command.run([sys.executable, "-c", "pass"], cwd=tmp_path, timeout_s=30)
            except command.Stopping as stopping:
                refused.append(str(stopping))
                return
            except command.ToolFailed:
                continue  # the run in flight was ended by the interrupt
            started.set()

    def interrupted() -> None:
        with command.guard():
            threading.Thread(target=gate, daemon=True).start()
            started.wait(30)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert refused == [
        f"{Path(sys.executable).name} was not started: readiness is stopping"
    ]
    # once the guard is left, tools run again
    assert command.run([sys.executable, "-c", "pass"], cwd=tmp_path, timeout_s=30)


def test_last_line_reads_from_the_end() -> None:
    assert command.last_line("first\n\n  second  \n\n") == "second"
    assert command.last_line("x" * 5000) == "x" * 300
    assert command.last_line("one line") == "one line"


def test_messages_name_the_module_a_python_runs() -> None:
    assert command.tool_name(["/env/bin/python3.11", "-m", "mypy", "src"]) == "mypy"
    assert command.tool_name(["/env/bin/python", "-I", "-m", "mypy", "src"]) == "mypy"
    assert command.tool_name(["/env/bin/python", "-I"]) == "python"
    assert command.tool_name(["/env/bin/python", "-c", "pass"]) == "python"
    assert command.tool_name(["ruff", "check"]) == "ruff"
