"""The round-4 false-alarm classes of the tests gate, on minimal suites the
gate runs for real (pytest, pytest-cov and a built environment): each test
module of the fixture plants one class, named after the real project that
showed it."""

from __future__ import annotations

import os

import pytest

from readiness.findings import Severity, Status
from readiness.gates.tests import TestsGate
from tests.conftest import MakeRepo, RunGate

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "fieldapp"
version = "1"

[tool.hatch.build.targets.wheel]
packages = ["src/fieldapp"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

PACKAGE = {
    "src/fieldapp/__init__.py": "",
    # covered: 2 statements
    "src/fieldapp/core.py": """
        def double(value):
            return 2 * value
    """,
    # unearth's deprecation shim: 3 statements no test imports
    "src/fieldapp/session.py": """
        import warnings

        from fieldapp.core import double

        warnings.warn("fieldapp.session is deprecated", DeprecationWarning)
    """,
    "tests/test_core.py": """
        from fieldapp.core import double


        def test_double():
            assert double(2) == 4
    """,
}

#: Planted: httpie's config file of mode 000 (passes as any user but root);
#: nox's child process that cannot resolve github.com (the test sees only the
#: exit code, the child's message is in what the test printed); unearth's
#: certificate failure against localhost, with github.com in a quoted comment.
FIELD_PROJECT = {
    "pyproject.toml": PYPROJECT,
    **PACKAGE,
    "tests/test_config.py": """
        def test_config_file_inaccessible(tmp_path):
            config_path = tmp_path / "config.json"
            config_path.touch(0o000)
            try:
                config_path.read_text()
            except PermissionError:
                said = "cannot read config file"
            else:
                said = "invalid config file"
            assert said == "cannot read config file"
    """,
    "tests/test_main.py": """
        import subprocess
        import sys

        CHILD = (
            "import sys; sys.stderr.write(\\"fatal: unable to access"
            " 'https://github.com/wntrblm/nox.git/': Could not resolve host:"
            " github.com\\\\n\\"); sys.exit(1)"
        )


        def test_noxfile_script_mode_url_req():
            job = subprocess.run(
                [sys.executable, "-c", CHILD], capture_output=True, text=True
            )
            print(job.stdout)
            print(job.stderr)
            assert job.returncode == 0
    """,
    "tests/test_session.py": """
        def test_session_with_selfsigned_ca():
            # [1] <https://github.com/urllib3/urllib3/issues/651>
            raise ConnectionError(
                "HTTPSConnectionPool(host='localhost', port=8443): Max retries"
                " exceeded (Caused by SSLError(SSLCertVerificationError(1,"
                " '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')))"
            )
    """,
}

SESSION = (
    "tests/test_session.py::test_session_with_selfsigned_ca failed:"
    " ConnectionError: HTTPSConnectionPool(host='localhost', port=8443): Max"
    " retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL:"
    " CERTIFICATE_VERIFY_FAILED] certificate verify failed')))"
)
CHILD = (
    "tests/test_main.py::test_noxfile_script_mode_url_req failed because of"
    " the machine: a host name could not be resolved (no DNS on this machine)"
)
#: CHILD when readiness cut the network for the suite (``contain``)
CHILD_CUT = (
    "tests/test_main.py::test_noxfile_script_mode_url_req failed because of"
    " the machine: a host name could not be resolved: readiness cut the network"
    " for the test suite"
)
AS_ROOT = (
    "tests/test_config.py::test_config_file_inaccessible failed because of the"
    " machine: running as root defeats file permissions: the test gives a file"
    " mode 0o000 to deny access, and root reads and writes any file"
)
TOTAL = (
    "40.00 % of the code is covered (3 of 5 statements missed), below"
    " readiness's default of 90 % (the project sets no coverage target);"
    " 1 module below it, listed in the gate's metrics"
)
SESSION_GAP = (
    "0.00 % covered (3 of 3 statements missed), below 90 %"
    " (pyproject.toml [tool.pytest.ini_options] addopts)"
)
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


@pytest.mark.tools
def test_machine_causes_and_the_default_coverage_target(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """httpie, nox and unearth's misfiled failures, and requests' and
    unearth's per-module TS010 against readiness's default target."""
    result = run_gate(TestsGate(), make_repo(FIELD_PROJECT))
    assert result.status is Status.FAIL, result.reason
    found = [(f.rule, f.severity, f.location, f.message) for f in result.findings]
    session = ("TS006", Severity.HIGH, "tests/test_session.py:3", SESSION)
    cut = str(result.metrics["network"]).startswith("cut")
    child = (
        "TS011",
        Severity.LOW,
        "tests/test_main.py:17",
        CHILD_CUT if cut else CHILD,
    )
    as_root = ("TS011", Severity.LOW, "tests/test_config.py:10", AS_ROOT)
    total = ("TS010", Severity.LOW, "", TOTAL)
    machine = [as_root, child] if ROOT else [child]
    assert found == [session, *machine, total]
    assert result.metrics["passed"] == (1 if ROOT else 2)
    assert result.metrics["environment_failures"] == len(machine)
    assert result.metrics["coverage_modules_below"] == 1
    assert result.metrics["coverage_lowest"] == "src/fieldapp/session.py 0.00 %"


@pytest.mark.tools
def test_a_project_target_in_addopts_names_the_modules(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """With ``--cov-fail-under`` in its addopts the project chose a target:
    the module below it is a finding (Medium: the total is below too), as
    examples/legacy-app's ``fail_under = 90`` keeps its planted gap."""
    pyproject = PYPROJECT + 'addopts = "--cov-fail-under=90"\n'
    result = run_gate(TestsGate(), make_repo({"pyproject.toml": pyproject, **PACKAGE}))
    assert result.status is Status.FAIL, result.reason
    assert [(f.rule, f.severity, f.location, f.message) for f in result.findings] == [
        ("TS010", Severity.MEDIUM, "src/fieldapp/session.py:1", SESSION_GAP)
    ]
    assert (result.metrics["exit_code"], result.metrics["coverage"]) == (0, 40.0)


#: pytest-xdist 3.8.0's test_workqueue_ordered_by_input depends on which worker
#: starts first, and failed on a busy machine. Planted: one test that fails on
#: its first run and passes on the next (it leaves a mark in the gate's TMPDIR,
#: which both runs share), and one that always fails.
FLAKY_PROJECT = {
    "pyproject.toml": PYPROJECT,
    "src/fieldapp/__init__.py": "",
    "tests/test_order.py": """
        import pathlib
        import tempfile


        def test_first_worker_wins():
            mark = pathlib.Path(tempfile.gettempdir()) / "fieldapp-seen"
            if not mark.exists():
                mark.touch()
                assert "gw1" == "gw0"


        def test_always_broken():
            assert 1 + 1 == 3
    """,
}


@pytest.mark.tools
def test_a_test_that_passes_when_rerun_is_flaky_not_failing(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run_gate(TestsGate(), make_repo(FLAKY_PROJECT))
    assert result.status is Status.FAIL, result.reason
    found = [
        (f.rule, f.severity, f.priority.value, f.location, f.message)
        for f in result.findings
    ]
    assert found[:2] == [
        (
            "TS006",
            Severity.HIGH,
            "P0",
            "tests/test_order.py:13",
            "tests/test_order.py::test_always_broken failed: assert (1 + 1) == 3",
        ),
        (
            "TS012",
            Severity.MEDIUM,
            "P1",
            "tests/test_order.py:9",
            (
                "tests/test_order.py::test_first_worker_wins failed"
                " (AssertionError: assert 'gw1' == 'gw0'), then passed when rerun"
                " alone"
            ),
        ),
    ]
    assert (result.metrics["flaky"], result.metrics["rerun"]) == (1, 2)
