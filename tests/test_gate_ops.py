"""The ops gate: declared commands run and judged, uptime from the logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from readiness.findings import Priority, Severity, Status
from readiness.gates.ops import (
    BELOW_TARGET,
    COMMAND_FAILED,
    COMMAND_HUNG,
    COMMAND_MISSING,
    MALFORMED,
    OUTAGE,
    UNORDERED,
    OpsGate,
)
from tests.conftest import EXAMPLE

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

COMMANDS = """
[project]
name = "app"

[tool.readiness.ops]
environment = "none"

[[tool.readiness.ops.commands]]
name = "greets"
command = ["python", "-c", "import os; print('hello', os.environ['WHO'])"]
env = { WHO = "ops" }
expect_output = "hello ops"

[[tool.readiness.ops.commands]]
name = "cwd"
command = ["python", "-c", "import pathlib; print(pathlib.Path.cwd().name)"]
cwd = "sub"
expect_output = "^sub$"

[[tool.readiness.ops.commands]]
name = "expected failure"
command = ["python", "-c", "raise SystemExit(3)"]
exit_code = 3

[[tool.readiness.ops.commands]]
name = "wrong code"
command = ["python", "-c", "import sys; sys.exit('broker down')"]

[[tool.readiness.ops.commands]]
name = "wrong output"
command = ["python", "-c", "print('0 bars')"]
expect_output = "[1-9][0-9]* bars"

[[tool.readiness.ops.commands]]
name = "sleeper"
command = ["python", "-c", "import time; time.sleep(30)"]
timeout = 1

[[tool.readiness.ops.commands]]
name = "nowhere"
command = ["no-such-program-anywhere", "--check"]
"""


def heartbeat_log(minutes: list[float]) -> str:
    start = datetime(2025, 10, 1, tzinfo=UTC)
    return "".join(
        json.dumps(
            {"ts": (start + timedelta(minutes=m)).isoformat(), "event": "heartbeat"}
        )
        + "\n"
        for m in minutes
    )


def test_declared_commands_run_and_failures_say_how(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"pyproject.toml": COMMANDS, "sub/.keep": ""})
    result = run_gate(OpsGate(), root)
    assert result.status is Status.FAIL, result.reason
    found = [(f.rule, f.location, f.message) for f in result.findings]
    assert found == [
        (
            COMMAND_FAILED.id,
            "pyproject.toml:25",
            (
                "ops command 'wrong code' (`python -c import sys;"
                " sys.exit('broker down')`) exited 1 (expected 0): broker down"
            ),
        ),
        (
            COMMAND_FAILED.id,
            "pyproject.toml:29",
            (
                "ops command 'wrong output' (`python -c print('0 bars')`)"
                " output does not match /[1-9][0-9]* bars/: 0 bars"
            ),
        ),
        (
            COMMAND_HUNG.id,
            "pyproject.toml:34",
            (
                "ops command 'sleeper' (`python -c import time; time.sleep(30)`)"
                " did not finish within 1 s and was killed"
            ),
        ),
        (
            COMMAND_MISSING.id,
            "pyproject.toml:39",
            "ops command 'nowhere' (`no-such-program-anywhere --check`)"
            " no-such-program-anywhere is not installed (looked beside "
            + found[3][2].split("looked beside ")[1],
        ),
    ]
    assert {f.priority for f in result.findings} == {Priority.P2}
    assert dict(result.metrics) == {"commands": 7, "commands_failed": 4}
    assert [c.text for c in result.criteria] == [
        "declared ops commands succeed (3 of 7)"
    ]
    assert len(result.commands) == 7


def test_uptime_from_logs_with_notes(make_repo: MakeRepo, run_gate: RunGate) -> None:
    good = heartbeat_log([m for m in range(1440) if not 600 <= m < 610])
    noisy = "\n".join(["{broken"] * 22) + "\n" + heartbeat_log([5, 3])
    root = make_repo(
        {
            "pyproject.toml": """
                [tool.readiness.ops.uptime]
                log_dir = "var/log"
                glob = "*.jsonl"
                start = "2025-10-01"
                end = "2025-10-01"
                target = 99.0
            """,
            "var/log/a.jsonl": good,
            "var/log/b.jsonl": noisy,
            "var/log/ignored.txt": "{broken}\n",
        }
    )
    result = run_gate(OpsGate(), root)
    assert result.status is Status.PASS, result.reason
    rules = [f.rule for f in result.findings]
    assert rules == [OUTAGE.id] + [MALFORMED.id] * 21 + [UNORDERED.id]
    outage = result.findings[0]
    assert outage.location == "var/log/a.jsonl:600"
    assert outage.message == (
        "outage 2025-10-01T10:00:00+00:00 to 2025-10-01T10:10:00+00:00 (10 min)"
    )
    assert result.findings[1].location == "var/log/b.jsonl:1"
    assert result.findings[21].message == "2 more log lines could not be read"
    assert result.findings[21].location == "var/log"
    assert result.findings[-1].severity is Severity.INFO
    assert result.metrics["uptime_pct"] == round(100 * (1 - 10 / 1440), 3)
    assert result.metrics["malformed_lines"] == 22
    assert result.metrics["unordered_lines"] == 1
    assert result.criteria[0].text == "uptime >= 99% over the window (99.306%)"


def test_the_window_defaults_to_the_logs_span(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": '[tool.readiness.ops.uptime]\nlog_dir = "logs"\n',
            "logs/app.jsonl": heartbeat_log([0, 1, 2, 3]),
        }
    )
    result = run_gate(OpsGate(), root)
    assert result.status is Status.PASS, result.reason
    assert result.metrics["window"] == (
        "2025-10-01T00:00:00+00:00 to 2025-10-01T00:04:00+00:00"
    )


def test_nothing_declared_skips(make_repo: MakeRepo, run_gate: RunGate) -> None:
    root = make_repo({"pyproject.toml": '[project]\nname = "app"\n'})
    result = run_gate(OpsGate(), root)
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "nothing declared in [tool.readiness.ops] (commands, uptime)"
    )


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        (
            "[tool.readiness.ops]\nrun = 1\n",
            "[tool.readiness.ops] has unknown key 'run'",
        ),
        (
            "[tool.readiness.ops]\ncommands = 3\n",
            "[tool.readiness.ops] commands must be an array of tables",
        ),
        (
            "[[tool.readiness.ops.commands]]\ncommand = []\n",
            "[tool.readiness.ops] commands[0] command must be a list of strings",
        ),
        (
            "[[tool.readiness.ops.commands]]\ncommand = ['x']\nretries = 2\n",
            "[tool.readiness.ops] commands[0] 'retries' is not a known key",
        ),
        (
            "[[tool.readiness.ops.commands]]\ncommand = ['x']\nenv = { A = 1 }\n",
            "[tool.readiness.ops] commands[0] env must be a table of strings",
        ),
        (
            "[[tool.readiness.ops.commands]]\ncommand = ['x']\nexit_code = true\n",
            "[tool.readiness.ops] commands[0] exit_code must be an integer",
        ),
        (
            "[[tool.readiness.ops.commands]]\ncommand = ['x']\nexpect_output = '('\n",
            "[tool.readiness.ops] commands[0] expect_output is not a valid regex:",
        ),
        (
            "[[tool.readiness.ops.commands]]\ncommand = ['x']\ntimeout = 0\n",
            "[tool.readiness.ops] commands[0] timeout must be a positive number",
        ),
        (
            "[[tool.readiness.ops.commands]]\ncommand = ['x']\ncwd = ''\n",
            "[tool.readiness.ops] commands[0] cwd must be a non-empty string",
        ),
        (
            (
                "[tool.readiness.ops]\nenvironment = 'dev'\n"
                "[[tool.readiness.ops.commands]]\ncommand = ['x']\n"
            ),
            '[tool.readiness.ops] environment must be "prod" or "none"',
        ),
        (
            (
                "[tool.readiness.ops]\nenvironment = 'none'\n"
                "[[tool.readiness.ops.commands]]\ncommand = ['x']\ncwd = 'gone'\n"
            ),
            "ops command 'x': cwd gone does not exist",
        ),
        (
            "[tool.readiness.ops]\nuptime = 1\n",
            "[tool.readiness.ops.uptime] must be a table",
        ),
        (
            "[tool.readiness.ops.uptime]\nlogs = 'x'\n",
            "[tool.readiness.ops.uptime] has unknown key 'logs'",
        ),
        (
            "[tool.readiness.ops.uptime]\ninterval = 5\n",
            "[tool.readiness.ops.uptime] needs log_dir",
        ),
        (
            "[tool.readiness.ops.uptime]\nlog_dir = 'x'\ntarget = 'high'\n",
            "[tool.readiness.ops.uptime] target must be a percentage",
        ),
        (
            "[tool.readiness.ops.uptime]\nlog_dir = 'x'\ntarget = 120\n",
            "[tool.readiness.ops.uptime] target must be a percentage in (0, 100]",
        ),
        (
            "[tool.readiness.ops.uptime]\nlog_dir = 'x'\ntolerance = -1\n",
            "[tool.readiness.ops.uptime] tolerance must be a positive number",
        ),
        (
            "[tool.readiness.ops.uptime]\nlog_dir = 'x'\nformat = 'regex'\n",
            "the regex log format needs a pattern",
        ),
        (
            "[tool.readiness.ops.uptime]\nlog_dir = 'x'\n",
            "log directory",
        ),
    ],
)
def test_configuration_mistakes_are_one_line_errors(
    make_repo: MakeRepo, run_gate: RunGate, table: str, reason: str
) -> None:
    root = make_repo({"pyproject.toml": table})
    result = run_gate(OpsGate(), root)
    assert result.status is Status.ERROR
    assert result.reason is not None
    assert result.reason.startswith(reason), result.reason


@pytest.mark.tools
def test_the_example_ops_commands_pass_and_uptime_misses_its_target(
    run_gate: RunGate,
) -> None:
    result = run_gate(OpsGate(), EXAMPLE)
    assert result.status is Status.FAIL, result.reason
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        (
            BELOW_TARGET.id,
            "logs",
            (
                "uptime 98.889% from 2025-10-01T00:00:00+00:00 to"
                " 2025-10-03T00:00:00+00:00 is below the 99.9% target (2 outages,"
                " 32 min down, 2848 heartbeats)"
            ),
        ),
        (
            OUTAGE.id,
            "logs/paper-trade-2025-10-01.jsonl:785",
            "outage 2025-10-01T13:05:00+00:00 to 2025-10-01T13:12:00+00:00 (7 min)",
        ),
        (
            OUTAGE.id,
            "logs/paper-trade-2025-10-02.jsonl:220",
            "outage 2025-10-02T03:40:00+00:00 to 2025-10-02T04:05:00+00:00 (25 min)",
        ),
    ]
    assert result.metrics["commands"] == 3
    assert result.metrics["commands_failed"] == 0
    assert result.metrics["uptime_pct"] == 98.889
    assert result.metrics["downtime_s"] == 1920
    assert [(c.text, c.met) for c in result.criteria] == [
        ("declared ops commands succeed (3 of 3)", True),
        ("uptime >= 99.9% over the window (98.889%)", False),
    ]
    ran = [c for c in result.commands if c[0] == "legacy-app"]
    assert ran == [
        ("legacy-app", "test-data", "--source", "csv"),
        ("legacy-app", "test-broker", "--broker", "paper"),
        ("legacy-app", "verify-config"),
    ]
