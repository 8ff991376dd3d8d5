"""The locks fixer: the missing split locks, created through the workspace with uv."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from readiness import locks
from readiness.findings import Priority
from readiness.fixers.interface import Changed, Skipped
from readiness.fixers.locks import LocksFixer
from readiness.fixers.text import unified_diff
from readiness.target import discover
from tests.fixing import context, finding, workspace

if TYPE_CHECKING:
    from tests.conftest import MakeRepo

#: A target with nothing to resolve: uv answers offline, in milliseconds.
PYPROJECT = """
[project]
name = "tiny"
version = "0.1"
requires-python = ">=3.11"
dependencies = []
"""
DP002 = finding("DP002", "pyproject.toml", None, priority=Priority.P1)


@pytest.mark.tools
def test_dry_run_shows_the_new_locks_and_writes_nothing(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT, "constraints/prod.txt": "x==1\n"})
    ctx = context(root, dry_run=True)
    outcome = LocksFixer().plan(ctx, [DP002])
    assert isinstance(outcome, Changed)
    assert [edit.path for edit in outcome.edits] == [
        "constraints/test.txt",
        "constraints/dev.txt",
    ]
    test, _dev = outcome.edits
    assert test.before is None
    assert test.after.startswith("# constraints/test.txt for tiny: runtime and test")
    assert "#    readiness lock .\n" in test.after
    workspace(ctx).apply(outcome.edits)
    diff = workspace(ctx).diff()
    assert diff.startswith("diff --git a/constraints/dev.txt b/constraints/dev.txt\n")
    assert unified_diff("constraints/test.txt", None, test.after) in diff
    assert sorted(p.name for p in (root / "constraints").iterdir()) == ["prod.txt"]


@pytest.mark.tools
def test_writes_the_locks_readiness_lock_would_and_then_has_nothing_to_do(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT})
    ctx = context(root, dry_run=False)
    outcome = LocksFixer().plan(ctx, [DP002])
    assert isinstance(outcome, Changed)
    assert outcome.addressed == (DP002,)
    workspace(ctx).apply(outcome.edits)
    written = {
        p.name: p.read_text(encoding="utf-8") for p in (root / "constraints").iterdir()
    }
    assert sorted(written) == ["dev.txt", "prod.txt", "test.txt"]

    # the same texts as `readiness lock`, which then has nothing to change
    assert not any(w.changed for w in locks.lock(discover(root)))
    assert set(locks.existing(root)) == set(locks.LOCK_NAMES)

    again = LocksFixer().plan(context(root, dry_run=False), [DP002])
    assert isinstance(again, Skipped)
    assert "exist already" in again.reason


def test_a_dry_run_without_the_folder_plans_the_files(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT})
    outcome = LocksFixer().plan(context(root, dry_run=True), [DP002])
    assert isinstance(outcome, Changed)
    assert [e.path for e in outcome.edits] == [
        "constraints/prod.txt",
        "constraints/test.txt",
        "constraints/dev.txt",
    ]
    assert not (root / "constraints").exists()


def test_no_project_table_is_reported(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": "[tool.black]\n", "constraints/x": ""})
    outcome = LocksFixer().plan(context(root, dry_run=True), [DP002])
    assert isinstance(outcome, Skipped)
    assert "no [project] table" in outcome.reason
