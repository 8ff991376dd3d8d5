"""``invoke remediate``: fix, then the sessions, then the acceptance table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

try:  # tasks.py runs with the dev extra; the test extra alone skips this module
    from invoke.context import MockContext
    from invoke.exceptions import Exit
    from invoke.runners import Result

    import tasks
except ImportError:  # pragma: no cover - only without the dev extra
    pytest.skip("tasks.py needs invoke (the dev extra)", allow_module_level=True)

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


class Context(MockContext):
    """Records the commands; the acceptance audit writes ``REPORT`` into --out."""

    def __init__(self, codes: dict[str, int]) -> None:
        super().__init__(repeat=True)
        self.codes = codes
        self.commands: list[str] = []

    def run(self, command: str, **kwargs: Any) -> Result:
        self.commands.append(command)
        if command.startswith("readiness audit"):
            out = Path(re.findall(r"--out (\S+)", command)[0])
            (out / "readiness-report.json").write_text(json.dumps(REPORT))
        code = next(
            (c for prefix, c in self.codes.items() if command.startswith(prefix)), 0
        )
        return Result(command=command, exited=code)


def test_remediate_p0_runs_fix_then_its_sessions_then_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    c = Context({})
    tasks.remediate(c, priority="P0", path="../app")
    assert c.commands[:3] == [
        "readiness fix ../app --priority P0",
        "nox -s security -- ../app",
        "nox -s tests -- ../app",
    ]
    assert c.commands[3].startswith(
        "readiness audit ../app --gate build --gate markers"
    )
    out = capsys.readouterr().out
    assert "readiness fix --priority P0  ok" in out
    assert "acceptance criteria P0\n" in out
    assert "P0        yes  bandit High = 0 (0 found)" in out
    assert "P0        NO   pytest passes" in out
    assert "ruff check passes" not in out


def test_remediate_stops_at_the_first_failing_step_with_its_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    c = Context({"nox -s lint": 3})
    with pytest.raises(Exit) as stopped:
        tasks.remediate(c, priority="P1", allow_dirty=True)
    assert stopped.value.code == 3
    assert c.commands == [
        "readiness fix . --priority P1 --allow-dirty",
        "nox -s security -- .",
        "nox -s tests -- .",
        "nox -s lint -- .",
    ]
    assert "nox -s lint                  exit 3" in capsys.readouterr().out


def test_a_failing_fix_stops_before_the_sessions() -> None:
    c = Context({"readiness fix": 1})
    with pytest.raises(Exit) as stopped:
        tasks.remediate(c, priority="P0")
    assert stopped.value.code == 1
    assert c.commands == ["readiness fix . --priority P0"]


def test_unmet_acceptance_criteria_end_with_the_audits_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    c = Context({"readiness audit": 1})
    with pytest.raises(Exit) as stopped:
        tasks.remediate(c, priority="P2")
    assert stopped.value.code == 1
    out = capsys.readouterr().out
    assert "acceptance criteria P0..P2" in out
    assert "P2        NO   ops commands succeed" in out


def test_unknown_priority_is_a_usage_error() -> None:
    with pytest.raises(Exit) as stopped:
        tasks.remediate(Context({}), priority="P7")
    assert stopped.value.code == 2


def test_acceptance_table_without_criteria() -> None:
    assert tasks.acceptance_table({"plan": []}, ["P0"]).endswith(
        "(no gate of these priorities judged a criterion)"
    )
