"""readiness is its own first user: its own audit passes."""

from __future__ import annotations

import pytest

from readiness import cli
from tests.conftest import REPO_ROOT


@pytest.mark.tools
def test_readiness_passes_its_own_audit(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["audit", str(REPO_ROOT)])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "Verdict: READY" in output
