"""The session: one place opens the target, the gate registry and the settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness.errors import ConfigError, UsageError
from readiness.gates import registry
from readiness.gates.interface import GateContext
from readiness.session import Session

if TYPE_CHECKING:
    from tests.conftest import MakeRepo

PYPROJECT = """
[project]
name = "app"

[tool.readiness]
timeout = 30
skip = ["ops"]

[tool.readiness.lint]
timeout = 7
"""


def test_open_reads_target_gates_and_settings(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT})
    session = Session.open(root)
    assert session.target.name == "app"
    assert list(session.gates) == list(registry())
    assert session.settings.skip == ("ops",)
    assert (session.settings.baseline, session.settings.advisory_db) == (None, None)


def test_overrides_must_exist_and_are_resolved(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT, "base.json": "{}"})
    with pytest.raises(UsageError, match=r"^nope\.json: no such baseline file$"):
        Session.open(root, baseline=Path("nope.json"))
    with pytest.raises(UsageError, match=r"^db: no such advisory database$"):
        Session.open(root, advisory_db=Path("db"))
    session = Session.open(root, baseline=root / "base.json", advisory_db=tmp_path)
    assert session.settings.baseline == (root / "base.json").resolve()
    assert session.settings.advisory_db == tmp_path.resolve()


def test_bad_settings_stop_the_session(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": "[tool.readiness]\nskip = ['nope']\n"})
    with pytest.raises(ConfigError, match="skip names unknown gate 'nope'"):
        Session.open(root)


def test_a_gate_context_starts_with_its_configured_timeout(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    session = Session.open(make_repo({"pyproject.toml": PYPROJECT}))
    scratch = tmp_path / "scratch" / "lint"
    ctx = GateContext.start(
        "lint",
        target=session.target,
        settings=session.settings,
        scratch=scratch,
        started=100.0,
    )
    assert (ctx.gate, ctx.name, ctx.deadline) == ("lint", "lint", 107.0)
    assert scratch.is_dir()
    other = GateContext.start(
        "sast",
        target=session.target,
        settings=session.settings,
        scratch=scratch,
        started=100.0,
    )
    assert other.deadline == 130.0
    ctx.record_command(["/usr/bin/ruff", "check"])
    ctx.record_command(["ruff", "--version"], first=True)
    ctx.record_tool("ruff", "0.9.0")
    assert ctx.commands == (("ruff", "--version"), ("ruff", "check"))
    assert ctx.tools == {"ruff": "0.9.0"}
