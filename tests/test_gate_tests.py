"""The tests gate as a whole: real pytest runs in real test environments.

Scenarios that need an environment share one fixture repository per module
(``sample``): each scenario rewrites ``tests/`` only, so the environment, keyed
on ``pyproject.toml``, is built once and reused. The gate's parts are tested
without environments in ``test_gate_tests_setup.py`` and
``test_gate_tests_diagnosis.py``.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import textwrap
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from readiness import settings as settings_module
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates import tests as tests_package
from readiness.gates.interface import GateContext
from readiness.gates.tests import TestsGate
from readiness.gates.tests.contain import GUARD_ENV
from readiness.runner import execute
from readiness.target import discover
from tests.conftest import EXAMPLE, REPO_ROOT, MakeRepo
from tests.gate_tests_support import SAMPLE_PYPROJECT

SAMPLE_CODE = """
def add(a, b):
    return a + b


def divide(a, b):
    if b == 0:
        raise ZeroDivisionError("b is zero")
    return a / b
"""
Scenario = Callable[..., GateResult]


def run_tests_gate(
    root: Path,
    scratch: Path,
    *,
    timeout_s: float = 300,
    overrides: Mapping[str, object] | None = None,
) -> GateResult:
    """Run the gate as the runner does, with the scratch folder outside ``root``.

    ``overrides`` replace options of the target's ``[tool.readiness.tests]``.
    """
    target = discover(root)
    config = settings_module.load(target, frozenset(registry()))
    if overrides:
        tests = {**config.gates.get("tests", {}), **overrides}
        config = dataclasses.replace(config, gates={**config.gates, "tests": tests})
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    ctx = GateContext(
        gate="tests",
        target=target,
        settings=config,
        scratch=scratch,
        deadline=started + timeout_s,
    )
    return execute(TestsGate(), ctx, started)


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "sample-app"
    write(
        root,
        {"pyproject.toml": SAMPLE_PYPROJECT, "src/sample_app/__init__.py": SAMPLE_CODE},
    )
    return root


@pytest.fixture(scope="module")
def scenario(sample: Path) -> Scenario:
    """Replace the sample's ``tests/`` with ``files`` and run the gate on it."""

    def run(files: Mapping[str, str], *, timeout_s: float = 300) -> GateResult:
        shutil.rmtree(sample / "tests", ignore_errors=True)
        write(sample, files)
        return run_tests_gate(sample, sample.parent / "scratch", timeout_s=timeout_s)

    return run


def by_rule(result: GateResult, rule: str) -> list[Finding]:
    return [finding for finding in result.findings if finding.rule == rule]


def locations(result: GateResult, rule: str) -> list[str]:
    return [finding.location for finding in by_rule(result, rule)]


def criteria(result: GateResult) -> list[tuple[str, bool]]:
    return [(criterion.text, criterion.met) for criterion in result.criteria]


# --- the gate as a whole ----------------------------------------------------


def test_registered_as_a_p0_gate_with_its_description() -> None:
    assert registry()["tests"] is TestsGate
    assert TestsGate.priority is Priority.P0
    assert TestsGate.description() == (
        "The target's test suite passes in its own test environment, with coverage."
    )
    assert [rule.id for rule in tests_package.RULES] == [
        f"TS{number:03d}" for number in range(1, 14)
    ]


@pytest.mark.tools
def test_an_aborted_collection_is_explained_file_by_file(scenario: Scenario) -> None:
    result = scenario(
        {
            "tests/test_marker.py": """
                import pytest


                @pytest.mark.memory
                def test_big():
                    assert True
            """,
            "tests/test_syntax.py": "def test_broken(:\n    pass\n",
            "tests/sub/conftest.py": """
                import os

                raise RuntimeError("no database configured")
            """,
            "tests/sub/test_db.py": "def test_db():\n    pass\n",
            "tests/test_optional.py": """
                from typing import TYPE_CHECKING

                try:
                    import numpy
                except ImportError:
                    numpy = None

                if TYPE_CHECKING:
                    import pandas


                def test_ok():
                    assert numpy is None or numpy
            """,
        }
    )
    assert result.status is Status.FAIL
    metrics = result.metrics
    assert metrics["selection"] == '-m "not memory and not live"'
    # --strict-markers: pytest rejects a -m naming an unregistered marker (exit 4)
    # after reporting the collection errors.
    assert (metrics["exit_code"], metrics["collection_errors"]) == (4, 3)
    assert metrics["exit_meaning"] == "usage error, 3 errors during collection"
    assert (metrics["passed"], metrics["coverage"]) == (0, "not measured")
    (marker,) = by_rule(result, "TS001")
    assert marker.location == "tests/test_marker.py:4"
    assert marker.message == (
        "marker 'memory' is not registered; pytest aborted collecting"
        " tests/test_marker.py"
    )
    assert marker.fix == (
        "register it in pyproject.toml [tool.pytest.ini_options] markers:"
        ' "memory: <description>"'
    )
    (syntax,) = by_rule(result, "TS003")
    assert syntax.location == "tests/test_syntax.py:1"
    assert syntax.message.startswith("SyntaxError: ")
    (conftest,) = by_rule(result, "TS004")
    assert conftest.location == "tests/sub/conftest.py:3"
    assert conftest.message == (
        "conftest.py raises RuntimeError: no database configured;"
        " pytest cannot collect the tests below it"
    )
    (usage,) = by_rule(result, "TS008")
    assert "Unknown marker(s) in '-m' expression: memory" in usage.message
    assert by_rule(result, "TS002") == []  # guarded imports are optional
    assert {f.priority for f in result.findings} == {Priority.P0}
    assert criteria(result)[1] == (
        (
            "coverage >= 80 % (not measured: pytest stopped before reporting"
            " (usage error))"
        ),
        False,
    )


@pytest.mark.tools
def test_a_missing_extra_names_the_module_distribution_and_extra(
    scenario: Scenario,
) -> None:
    result = scenario(
        {
            "tests/test_clock.py": """
                from freezegun import freeze_time

                from sample_app import add


                @freeze_time("2025-10-01")
                def test_add():
                    assert add(1, 2) == 3
            """,
            "tests/test_more.py": """
                import json

                import helpers
                import pytest


                def test_more():
                    import yaml

                    assert helpers.VALUE and json and pytest and yaml
            """,
            "tests/helpers.py": "VALUE = 1\n",
        }
    )
    assert result.status is Status.FAIL
    assert (result.metrics["exit_code"], result.metrics["collection_errors"]) == (2, 1)
    assert result.metrics["undeclared_imports"] == 2
    freezegun, yaml = by_rule(result, "TS002")
    assert freezegun.location == "tests/test_clock.py:1"
    assert freezegun.severity is Severity.HIGH
    assert freezegun.message == (
        "the tests import 'freezegun' but no declared dependency provides it"
        " (freezegun); pytest could not import tests/test_clock.py"
    )
    assert freezegun.fix == (
        'add "freezegun" to pyproject.toml [project.optional-dependencies] test'
    )
    assert dict(freezegun.details) == {
        "module": "freezegun",
        "distribution": "freezegun",
        "installed": False,
        "extra": "test",
    }
    # imported inside a test: collection works, the test will fail; PyYAML is
    # the distribution, from the table of well-known names
    assert yaml.location == "tests/test_more.py:8"
    assert yaml.details["distribution"] == "PyYAML"
    assert "the test environment does not have it" in yaml.message
    assert criteria(result)[2] == (
        (
            "every test-time import is provided by a declared dependency"
            " (2 undeclared: freezegun, yaml)"
        ),
        False,
    )


@pytest.mark.tools
def test_failing_tests_with_their_first_failure_line(
    scenario: Scenario, sample: Path
) -> None:
    result = scenario(
        {
            "tests/test_calc.py": """
                import pytest

                from sample_app import add, divide


                class TestAdd:
                    @pytest.mark.parametrize("a", [1, 2])
                    def test_add(self, a):
                        assert add(a, 1) == 2, "off by one"


                @pytest.fixture
                def broken():
                    raise ValueError("fixture broke")


                def test_uses_broken(broken):
                    pass


                def test_skipped():
                    pytest.skip("not today")


                @pytest.mark.xfail(reason="known")
                def test_xfail():
                    assert divide(1, 0)


                @pytest.mark.live
                def test_live():
                    pass
            """,
        }
    )
    assert result.status is Status.FAIL
    metrics = result.metrics
    assert metrics["selection"] == '-m "not live"'
    assert {
        key: metrics[key]
        for key in ("passed", "failed", "errors", "skipped", "xfailed", "deselected")
    } == {
        "passed": 1,
        "failed": 1,
        "errors": 1,
        "skipped": 1,
        "xfailed": 1,
        "deselected": 1,
    }
    assert (metrics["exit_code"], metrics["exit_meaning"]) == (1, "tests failed")
    (failed,) = by_rule(result, "TS006")
    assert failed.message == (
        "tests/test_calc.py::TestAdd::test_add[2] failed: AssertionError: off by one"
    )
    assert failed.location == "tests/test_calc.py:9"
    assert failed.details == {"test": "tests/test_calc.py::TestAdd::test_add[2]"}
    (errored,) = by_rule(result, "TS007")
    assert errored.message == (
        "tests/test_calc.py::test_uses_broken errored:"
        ' failed on setup with "ValueError: fixture broke"'
    )
    assert errored.location == "tests/test_calc.py:14"
    # coverage is measured even when tests fail
    assert isinstance(metrics["coverage"], float)
    assert not (sample / ".coverage").exists()


@pytest.mark.tools
def test_a_passing_suite_below_the_coverage_threshold(
    scenario: Scenario, sample: Path
) -> None:
    result = scenario(
        {
            "tests/test_add.py": "from sample_app import add\n\n\ndef test_add():\n"
            "    assert add(1, 2) == 3\n"
        }
    )
    assert result.status is Status.FAIL
    assert result.metrics["environment"] == "reused"
    assert (result.metrics["coverage"], result.metrics["coverage_threshold"]) == (
        50.0,
        80.0,
    )
    assert criteria(result)[:2] == [
        (
            (
                'pytest passes with the agreed selection (-m "not live")'
                " (exit 0: all selected tests passed)"
            ),
            True,
        ),
        ("coverage >= 80 % (got 50.00 %)", False),
    ]
    (low,) = by_rule(result, "TS010")
    assert low.location == "src/sample_app/__init__.py:6"
    assert low.message == (
        "50.00 % covered (3 of 6 statements missed), below 80 %"
        " (pyproject.toml [tool.coverage.report] fail_under)"
    )
    assert low.severity is Severity.MEDIUM


@pytest.mark.tools
def test_a_passing_suite_with_coverage_passes_and_leaves_the_target_untouched(
    scenario: Scenario, sample: Path
) -> None:
    result = scenario({"tests/test_all.py": """
                import os

                import pytest

                from sample_app import add, divide


                def test_add():
                    assert add(1, 2) == 3


                def test_divide():
                    assert divide(6, 3) == 2
                    with pytest.raises(ZeroDivisionError):
                        divide(1, 0)


                def test_hypothesis_would_write_into_scratch():
                    folder = os.environ["HYPOTHESIS_STORAGE_DIRECTORY"]
                    assert folder.endswith("hypothesis")
            """})
    assert result.status is Status.PASS, result.criteria
    assert result.metrics["coverage"] == 100.0
    assert result.metrics["passed"] == 3
    assert result.findings == ()
    assert result.tools["pytest"].startswith("9.")
    assert "pytest-cov" in result.tools
    command = result.command
    assert command[:3] == ("python", "-m", "pytest")
    assert "--cov=sample_app" in command
    leftovers = [
        path.relative_to(sample).as_posix()
        for path in sample.rglob("*")
        if path.name in {".coverage", ".pytest_cache", "__pycache__", ".hypothesis"}
    ]
    assert leftovers == []


@pytest.mark.tools
def test_a_conftest_that_fails_at_start_up_is_read_from_stderr(
    scenario: Scenario,
) -> None:
    result = scenario(
        {
            "tests/conftest.py": """
                import os

                raise RuntimeError("needs DATABASE_URL")
            """,
            "tests/test_a.py": "def test_a():\n    pass\n",
        }
    )
    assert result.status is Status.FAIL
    assert result.metrics["exit_code"] == 4
    (crash,) = by_rule(result, "TS004")
    assert crash.location == "tests/conftest.py:3"
    assert "RuntimeError: needs DATABASE_URL" in crash.message


@pytest.mark.tools
def test_no_tests_collected_is_exit_5_and_not_a_pass(scenario: Scenario) -> None:
    result = scenario({"tests/test_nothing.py": "HELPER = 1\n"})
    assert result.status is Status.FAIL
    assert (result.metrics["exit_code"], result.metrics["exit_meaning"]) == (
        5,
        "no tests collected",
    )
    (finding,) = by_rule(result, "TS009")
    assert finding.message == (
        'pytest collected no tests with the selection -m "not live" (exit 5)'
    )
    assert criteria(result)[:2] == [
        (
            (
                'pytest passes with the agreed selection (-m "not live")'
                " (exit 5: no tests collected)"
            ),
            False,
        ),
        ("coverage >= 80 % (not measured: no tests collected)", False),
    ]


@pytest.mark.tools
def test_a_hanging_test_is_killed_with_its_process_group(
    scenario: Scenario, tmp_path: Path
) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    result = scenario(
        {"tests/test_hang.py": f"""
                import subprocess
                import sys
                import time
                from pathlib import Path


                def test_quick():
                    pass


                def test_forever():
                    child = subprocess.Popen(
                        [sys.executable, "-c", "import time; time.sleep(120)"]
                    )
                    Path({str(pid_file)!r}).write_text(str(child.pid))
                    time.sleep(120)
            """},
        timeout_s=8,
    )
    assert time.monotonic() - started < 30
    assert result.status is Status.ERROR
    assert result.reason is not None
    assert result.reason.startswith("pytest did not finish within 8s")
    assert result.reason.endswith(
        "and was killed with its process group,"
        " still running: tests/test_hang.py::test_forever"
    )
    assert "\n" not in result.reason
    child = int(pid_file.read_text())
    assert _gone(child), "the test's child process outlived the kill"


def _gone(pid: int, wait_s: float = 5.0) -> bool:
    """Whether ``pid`` ended (a zombie waiting for its reaper counts as ended)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_a_requires_python_no_interpreter_satisfies_is_an_error(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "future-app"
                version = "1"
                requires-python = ">=3.99"
            """,
            "tests/test_a.py": "def test_a():\n    pass\n",
        }
    )
    result = run_tests_gate(root, tmp_path / "scratch")
    assert result.status is Status.ERROR
    assert result.reason is not None
    assert result.reason.startswith(
        "no installed interpreter is a Python satisfying requires-python >=3.99"
        " (found: "
    )
    assert "\n" not in result.reason


def test_the_gate_does_not_start_inside_its_own_run(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"tests/test_a.py": "def test_a():\n    pass\n"})
    monkeypatch.setenv(GUARD_ENV, os.pathsep.join(["/elsewhere", str(root)]))
    result = run_tests_gate(root, tmp_path / "scratch")
    assert result.status is Status.SKIPPED
    assert result.reason is not None
    assert "inside the suite of the same repository" in result.reason


# --- the example: the seed's Done-when --------------------------------------


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("example") / "legacy-app"
    shutil.copytree(EXAMPLE, root)
    return root


@pytest.mark.tools
def test_the_example_before_and_after_its_p0_test_fixes(example_copy: Path) -> None:
    scratch = example_copy.parent / "scratch"
    before = run_tests_gate(example_copy, scratch)
    assert before.status is Status.FAIL
    selection = (
        '-m "not memory and not api_integration and not live and not ib_integration"'
    )
    assert before.metrics["selection"] == selection
    assert (before.metrics["exit_code"], before.metrics["collection_errors"]) == (4, 5)
    assert sorted(
        (f.details["marker"], f.location) for f in by_rule(before, "TS001")
    ) == [
        ("api_integration", "tests/test_broker_api.py:10"),
        ("api_integration", "tests/test_data.py:22"),
        ("memory", "tests/test_storage.py:38"),
        ("memory", "tests/test_uptime.py:56"),
    ]
    (freezegun,) = by_rule(before, "TS002")
    assert freezegun.location == "tests/test_paper.py:6"
    assert (freezegun.details["distribution"], freezegun.details["extra"]) == (
        "freezegun",
        "test",
    )
    assert [met for _, met in criteria(before)] == [False, False, False]

    pyproject = example_copy / "pyproject.toml"
    text = pyproject.read_text()
    text = text.replace(
        '  "responses>=0.25",\n', '  "responses>=0.25",\n  "freezegun>=1.5",\n'
    )
    text = text.replace(
        '  "ib_integration: needs an Interactive Brokers gateway",\n',
        '  "ib_integration: needs an Interactive Brokers gateway",\n'
        '  "memory: memory profiling benchmarks",\n'
        '  "api_integration: marks tests requiring external API integration",\n',
    )
    pyproject.write_text(text)

    after = run_tests_gate(example_copy, scratch)
    assert after.status is Status.PASS, after.criteria
    assert after.metrics["environment"] == "built"  # pyproject changed: rebuilt
    assert {
        key: after.metrics[key]
        for key in ("passed", "failed", "errors", "deselected", "coverage")
    } == {"passed": 69, "failed": 0, "errors": 0, "deselected": 7, "coverage": 96.63}
    assert criteria(after) == [
        (
            (
                f"pytest passes with the agreed selection ({selection})"
                " (exit 0: all selected tests passed)"
            ),
            True,
        ),
        ("coverage >= 90 % (got 96.63 %)", True),
        ("every test-time import is provided by a declared dependency", True),
    ]


@pytest.mark.tools
@pytest.mark.selfcheck
def test_self_check(tmp_path: Path) -> None:
    """The tests gate on this repository, over two of its test modules.

    The whole suite under the gate is what ``readiness audit .`` runs (it takes
    as long as the suite); here the plumbing is checked with our own
    configuration: readiness installed from constraints/test.txt, our
    ``--strict-markers``, ``--strict-config`` and ``filterwarnings = error``
    with the gate's options, our selection, environments built by tests that
    run inside the gate, coverage measured and read back.
    """
    result = run_tests_gate(
        REPO_ROOT,
        tmp_path / "scratch",
        timeout_s=900,
        overrides={
            "args": ["tests/test_environments.py", "tests/test_gate_markers.py"],
            "fail_under": 0,
            # our tests build environments from PyPI: they need the network
            "network": True,
        },
    )
    assert result.status is Status.PASS, (result.reason, result.criteria)
    metrics = result.metrics
    assert metrics["selection"] == '-m "not selfcheck and not field"'
    assert (metrics["failed"], metrics["errors"]) == (0, 0)
    assert isinstance(metrics["passed"], int)
    assert metrics["passed"] > 50
    assert isinstance(metrics["coverage"], float)
    assert 0 < metrics["coverage"] < 100
