"""``invoke remediate``: fix, then the sessions, then the acceptance table."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

try:  # tasks.py runs with invoke (the test and dev extras)
    from invoke.context import MockContext
    from invoke.exceptions import Exit
    from invoke.runners import Result

    import tasks
except ImportError:  # pragma: no cover - only without invoke
    pytest.skip("tasks.py needs invoke", allow_module_level=True)

from readiness.gates import registry

from .conftest import EXAMPLE, REPO_ROOT, git

REPORT: dict[str, Any] = {
    "plan": [
        {
            "priority": "P0",
            "criteria": [
                {"text": "bandit High = 0 (0 found)", "met": True},
                {"text": "pytest passes", "met": False},
            ],
        },
        {"priority": "P1", "criteria": [{"text": "ruff check passes", "met": True}]},
        {
            "priority": "P2",
            "criteria": [{"text": "ops commands succeed", "met": False}],
        },
    ]
}
PY = tasks.PYTHON


class Context(MockContext):
    """Records the commands (without the interpreter prefix); the acceptance
    audit writes ``REPORT`` into --out."""

    def __init__(self, codes: dict[str, int]) -> None:
        super().__init__(repeat=True)
        self.codes = codes
        self.commands: list[str] = []

    def run(self, command: str, **kwargs: Any) -> Result:
        short = command.removeprefix(f"{PY} -m ")
        self.commands.append(short)
        if short.startswith("readiness audit"):
            out = Path(re.findall(r"--out (\S+)", command)[0])
            (out / "readiness-report.json").write_text(json.dumps(REPORT))
        code = next(
            (c for prefix, c in self.codes.items() if short.startswith(prefix)), 0
        )
        return Result(command=command, exited=code)


def test_remediate_p0_runs_fix_then_its_sessions_then_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    c = Context({"readiness audit": 0})
    tasks.remediate(c, priority="P0", path="../app")
    assert c.commands[:4] == [
        "readiness fix ../app --priority P0",
        "nox -s build -- ../app",
        "nox -s security -- ../app",
        "nox -s tests -- ../app",
    ]
    p0 = " ".join(f"--gate {n}" for n, g in registry().items() if g.priority == "P0")
    assert c.commands[4].startswith(f"readiness audit ../app {p0} --format json")
    assert len(c.commands) == 5
    out = capsys.readouterr().out
    assert "readiness fix --priority P0  ok" in out
    assert "acceptance P0                ok" in out
    assert "acceptance criteria P0\n" in out
    assert "P0        yes  bandit High = 0 (0 found)" in out
    assert "P0        NO   pytest passes" in out
    assert "ruff check passes" not in out


def test_gaps_do_not_stop_the_chain_the_acceptance_table_decides(
    capsys: pytest.CaptureFixture[str],
) -> None:
    c = Context({"readiness fix": 1, "nox -s lint": 1, "readiness audit": 1})
    with pytest.raises(Exit) as stopped:
        tasks.remediate(c, priority="P1", allow_dirty=True)
    assert stopped.value.code == 1
    assert stopped.value.message == "acceptance criteria not met"
    assert c.commands[:-1] == [
        "readiness fix . --priority P1 --allow-dirty",
        "nox -s build -- .",
        "nox -s security -- .",
        "nox -s tests -- .",
        "nox -s lint -- .",
        "nox -s format -- .",
        "nox -s typecheck -- .",
    ]
    out = capsys.readouterr().out
    assert "readiness fix --priority P1  gaps remain" in out
    assert "nox -s lint                  gaps remain" in out
    assert "acceptance P0..P1            gaps remain" in out


@pytest.mark.parametrize("code", [2, 3])
def test_a_step_that_cannot_run_stops_the_chain_with_its_code(
    code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    c = Context({"nox -s security": code})
    with pytest.raises(Exit) as stopped:
        tasks.remediate(c, priority="P0")
    assert stopped.value.code == code
    assert c.commands == [
        "readiness fix . --priority P0",
        "nox -s build -- .",
        "nox -s security -- .",
    ]
    assert f"nox -s security              exit {code}" in capsys.readouterr().out


def test_audit_options_reach_the_fix_every_session_and_the_acceptance_audit() -> None:
    c = Context({})
    tasks.remediate(
        c, priority="P0", advisory_db="db dir/osv.zip", audit_args="--skip secrets"
    )
    assert c.commands[0] == (
        "readiness fix . --priority P0 --advisory-db 'db dir/osv.zip'"
    )
    assert c.commands[1] == (
        "nox -s build -- . --advisory-db 'db dir/osv.zip' --skip secrets"
    )
    assert c.commands[4].endswith("--advisory-db 'db dir/osv.zip' --skip secrets")


def test_an_acceptance_audit_without_a_report_is_an_error() -> None:
    class Silent(Context):
        def run(self, command: str, **kwargs: Any) -> Result:
            self.commands.append(command)
            return Result(command=command, exited=3)

    with pytest.raises(Exit) as stopped:
        tasks.remediate(Silent({}), priority="P0")
    assert stopped.value.code == 3


def test_unknown_priority_is_a_usage_error() -> None:
    with pytest.raises(Exit) as stopped:
        tasks.remediate(Context({}), priority="P7")
    assert stopped.value.code == 2


def test_acceptance_table_without_criteria() -> None:
    assert tasks.acceptance_table({"plan": []}, ["P0"]).endswith(
        "(no gate of these priorities judged a criterion)"
    )


def test_invoke_list_shows_whole_sentences() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = re.sub(r"\n {14}", " ", listed)  # invoke wraps long summaries
    assert (
        "remediate   Fix PRIORITY, run the sessions up to it, print the acceptance"
        " table." in listed
    )
    assert "ci-matrix   Print the CI matrix: the nox sessions tagged TAG, as JSON." in (
        listed
    )


@pytest.mark.tools
@pytest.mark.skipif(shutil.which("nox") is None, reason="nox is not installed")
def test_each_priority_s_sessions_are_the_nox_sessions_tagged_with_it() -> None:
    """``invoke remediate --priority P`` runs what ``nox -t P`` selects."""
    for priority, sessions in tasks.SESSIONS.items():
        listed = subprocess.run(
            [sys.executable, "-m", "nox", "-l", "--json", "-t", priority],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        tagged = [entry["session"] for entry in json.loads(listed.stdout)]
        assert sorted(tagged) == sorted(sessions), priority


@pytest.mark.tools
@pytest.mark.skipif(shutil.which("nox") is None, reason="nox is not installed")
def test_remediate_p0_end_to_end_on_a_git_copy_of_the_example(tmp_path: Path) -> None:
    copy = tmp_path / "legacy-app"
    shutil.copytree(EXAMPLE, copy)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-qm", "legacy")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "remediate",
            "--priority=P0",
            f"--path={copy}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": os.defpath},  # no readiness or nox on PATH
    )
    out = completed.stdout
    # every step ran: the fix, each P0 session, the acceptance table
    steps = re.findall(
        r"^(readiness fix --priority P0|nox -s \w+|acceptance P0)\s+"
        r"(ok|gaps remain|exit \d+)$",
        out,
        re.MULTILINE,
    )
    assert [step for step, _ in steps] == [
        "readiness fix --priority P0",
        "nox -s build",
        "nox -s security",
        "nox -s tests",
        "acceptance P0",
    ], (
        out + completed.stderr
    )
    assert dict(steps)["readiness fix --priority P0"] == "gaps remain"
    assert "acceptance criteria P0\npriority  met  criterion\n" in out
    # the fix landed: the markers are registered and the tar extraction hardened
    assert "P0        yes  every pytest marker the tests use is registered" in out
    assert completed.returncode == 1  # the example still has P0 gaps
    assert git(copy, "status", "--porcelain") != ""
