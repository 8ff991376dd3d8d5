"""readiness is its own first user: its own audit passes."""

from __future__ import annotations

import os

import pytest

from readiness import cli
from tests.conftest import REPO_ROOT


@pytest.mark.tools
@pytest.mark.selfcheck
def test_readiness_passes_its_own_audit(capsys: pytest.CaptureFixture[str]) -> None:
    """Every gate but the tests gate, which runs this whole suite once more.

    Inside this test that would double the suite's time and meet this test again
    (the gate refuses to start inside its own run of a repository, GUARD_ENV).
    ``readiness audit .`` runs it, with the selection of ``[tool.readiness.tests]``
    (which leaves out the ``selfcheck`` tests), and
    tests/test_gate_tests.py::test_self_check runs it on part of the suite.
    """
    skip = ["--skip", "tests"]
    snapshot = REPO_ROOT.parent / "shared" / "advisory-db" / "osv-pypi-2024-10-10.zip"
    if os.environ.get("READINESS_ADVISORY_DB"):
        pass  # the deps gate reads the database the environment names
    elif snapshot.is_file():
        skip += ["--advisory-db", str(snapshot)]
    else:
        # no offline database and no network on these machines: no source
        skip += ["--skip", "deps"]
    code = cli.main(["audit", str(REPO_ROOT), *skip])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "Verdict: READY" in output
