"""Shared fixtures: fixture repositories written by the tests, and a gate runner."""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from readiness.findings import GateResult
from readiness.gates.interface import Gate, GateContext
from readiness.runner import execute
from readiness.session import Session

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "legacy-app"

MakeRepo = Callable[[Mapping[str, str]], Path]
RunGate = Callable[[Gate, Path], GateResult]


@pytest.fixture(scope="session", autouse=True)
def readiness_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Build the targets' environments once per session, in a temporary cache.

    A developer's own ``READINESS_CACHE_DIR`` is kept, to reuse it across sessions.
    """
    configured = os.environ.get("READINESS_CACHE_DIR")
    if configured:
        yield Path(configured)
        return
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("readiness-cache")
        patch.setenv("READINESS_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def no_machine_advisory_db(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's default advisory database (CI sets one) stays out of the
    tests: each test names the database it means, or none."""
    monkeypatch.delenv("READINESS_ADVISORY_DB", raising=False)


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Write ``{relative path: text}`` (text is dedented) into a fresh folder."""

    def make(files: Mapping[str, str]) -> Path:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return make


def git(root: Path, *args: str) -> str:
    """``git ARGS`` in ``root`` with a fixed identity (for commits); its stdout."""
    return subprocess.run(  # nosec B603 B607 - git from PATH, list arguments
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


def run_gate_at(gate: Gate, root: Path, *, timeout_s: float = 300.0) -> GateResult:
    session = Session.open(root)
    started = time.monotonic()
    ctx = GateContext.start(
        gate.name,
        target=session.target,
        settings=session.settings,
        scratch=root.parent / f".scratch-{gate.name}",
        started=started,
        timeout_s=timeout_s,
    )
    return execute(gate, ctx, started)


@pytest.fixture
def run_gate() -> RunGate:
    """Run one gate on a repository exactly as the runner does; return its result."""
    return run_gate_at
