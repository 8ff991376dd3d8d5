"""The tests gate: real pytest runs in real test environments, and its parsers.

Scenarios that need an environment share one fixture repository per module
(``sample``): each scenario rewrites ``tests/`` only, so the environment, keyed
on ``pyproject.toml``, is built once and reused. The parsers are tested on
outputs recorded from pytest 9.2 / pytest-cov 7.1.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from packaging.version import Version

from readiness import environments
from readiness import settings as settings_module
from readiness.errors import ConfigError
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates import tests as gate_module
from readiness.gates.interface import GateContext, GateError
from readiness.gates.markers import Survey, Use
from readiness.gates.tests import (
    GUARD_ENV,
    Broken,
    Case,
    Config,
    Coverage,
    ImportSite,
    Inputs,
    Installed,
    Outcome,
    Progress,
    Selection,
    TestsGate,
    Undeclared,
)
from readiness.runner import execute
from readiness.settings import GateOptions
from readiness.target import discover
from tests.conftest import EXAMPLE, REPO_ROOT, MakeRepo

SAMPLE_PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "sample-app"
version = "0.1.0"
requires-python = ">=3.10"

[project.optional-dependencies]
test = ["pytest>=8", "pytest-cov>=5"]

[tool.hatch.build.targets.wheel]
packages = ["src/sample_app"]

[tool.pytest.ini_options]
addopts = "--strict-markers"
testpaths = ["tests"]
markers = ["live: talks to a live service"]

[tool.coverage.report]
fail_under = 80
"""
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
    assert [rule.id for rule in gate_module.RULES] == [
        f"TS{number:03d}" for number in range(1, 11)
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
        'add "freezegun" to [project.optional-dependencies] test (the test extra)'
        " in pyproject.toml"
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
    assert low.message == "50.00 % covered (3 of 6 statements missed), below 80 %"
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
        },
    )
    assert result.status is Status.PASS, (result.reason, result.criteria)
    metrics = result.metrics
    assert metrics["selection"] == '-m "not selfcheck"'
    assert (metrics["failed"], metrics["errors"]) == (0, 0)
    assert isinstance(metrics["passed"], int)
    assert metrics["passed"] > 50
    assert isinstance(metrics["coverage"], float)
    assert 0 < metrics["coverage"] < 100


# --- configuration (no environment needed) ----------------------------------


def options(**values: object) -> GateOptions:
    return GateOptions(gate="tests", values=values)


def test_configure_defaults_come_from_the_target(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": SAMPLE_PYPROJECT, "src/sample_app/a.py": ""})
    (root / "src/sample_app/__init__.py").write_text("")
    config = gate_module.configure(discover(root), options())
    assert config == Config(
        extras=("test",),
        groups=(),
        constraints=None,
        python=None,
        markers=None,
        keywords="",
        coverage=("sample_app",),
        threshold=80.0,
        threshold_source="pyproject.toml [tool.coverage.report] fail_under",
        args=(),
    )
    (root / "constraints").mkdir()
    (root / "constraints" / "test.txt").write_text("pytest==9.2.0\n")
    config = gate_module.configure(discover(root), options())
    assert config.constraints == root / "constraints" / "test.txt"


def test_configure_reads_every_option(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": SAMPLE_PYPROJECT
            + '\n[dependency-groups]\ntests = ["pytest"]\n',
            "locks/test.txt": "",
        }
    )
    config = gate_module.configure(
        discover(root),
        options(
            timeout=60,
            python="3.12",
            extras=[],
            groups=["tests"],
            constraints="locks/test.txt",
            markers="not slow",
            keywords="not flaky",
            coverage=["sample_app", "other"],
            fail_under=75.5,
            args=["-x"],
        ),
    )
    assert (config.extras, config.groups) == ((), ("tests",))
    assert config.constraints == root / "locks" / "test.txt"
    assert (config.python, config.markers, config.keywords) == (
        "3.12",
        "not slow",
        "not flaky",
    )
    assert config.coverage == ("sample_app", "other")
    assert (config.threshold, config.threshold_source) == (
        75.5,
        "[tool.readiness.tests] fail_under",
    )
    assert config.args == ("-x",)
    assert (
        gate_module.configure(discover(root), options(constraints="")).constraints
        is None
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"marker": "x"},
            "[tool.readiness.tests] has unknown key 'marker'; known keys: args,",
            id="unknown-key",
        ),
        pytest.param(
            {"extras": ["dev"]},
            "[tool.readiness.tests] extras: sample-app has no extra 'dev'",
            id="extra",
        ),
        pytest.param(
            {"groups": ["test"]},
            "[tool.readiness.tests] groups: sample-app has no dependency group 'test'",
            id="group",
        ),
        pytest.param(
            {"constraints": "nope.txt"},
            "[tool.readiness.tests] constraints: nope.txt not found",
            id="constraints",
        ),
        pytest.param(
            {"markers": ["not slow"]},
            "[tool.readiness.tests] markers must be a string",
            id="markers-type",
        ),
        pytest.param(
            {"fail_under": 101},
            "[tool.readiness.tests] fail_under must be a number from 0 to 100",
            id="over-100",
        ),
        pytest.param(
            {"fail_under": "lots"},
            "[tool.readiness.tests] fail_under must be a number from 0 to 100",
            id="not-a-number",
        ),
        pytest.param(
            {"fail_under": True},
            "[tool.readiness.tests] fail_under must be a number from 0 to 100",
            id="bool",
        ),
    ],
)
def test_configure_rejects_wrong_options_in_one_line(
    make_repo: MakeRepo, values: dict[str, object], message: str
) -> None:
    target = discover(make_repo({"pyproject.toml": SAMPLE_PYPROJECT}))
    with pytest.raises(ConfigError) as caught:
        gate_module.configure(target, options(**values))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({}, (90.0, "default"), id="default"),
        pytest.param(
            {".coveragerc": "[report]\nfail_under = 85\n"},
            (85.0, ".coveragerc [report] fail_under"),
            id="coveragerc",
        ),
        pytest.param(
            {"setup.cfg": "[coverage:report]\nfail_under = 70\n"},
            (70.0, "setup.cfg [coverage:report] fail_under"),
            id="setup-cfg",
        ),
        pytest.param(
            {
                "tox.ini": "[coverage:report]\nfail_under = 60\n",
                "pyproject.toml": "[tool.coverage.report]\nfail_under = 95\n",
            },
            (60.0, "tox.ini [coverage:report] fail_under"),
            id="tox-ini-before-pyproject",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.coverage.report]\nfail_under = 95\n"},
            (95.0, "pyproject.toml [tool.coverage.report] fail_under"),
            id="pyproject",
        ),
    ],
)
def test_the_coverage_threshold_is_read_where_coverage_reads_it(
    make_repo: MakeRepo, files: dict[str, str], expected: tuple[float, str]
) -> None:
    target = discover(make_repo({"README.md": "", **files}))
    assert gate_module.coverage_threshold(target, {}) == expected


def test_the_environment_adds_pytest_only_when_the_target_does_not_declare_it(
    make_repo: MakeRepo,
) -> None:
    sample = discover(make_repo({"pyproject.toml": SAMPLE_PYPROJECT}))
    spec = gate_module.environment_spec(
        sample, gate_module.configure(sample, options())
    )
    assert spec == environments.Spec(
        kind="test", extras=("test",), packages=("pytest-cov",)
    )
    bare = discover(make_repo({"pyproject.toml": """
                    [project]
                    name = "app"
                    version = "1"
                    [project.optional-dependencies]
                    test = ["hypothesis"]
                    dev = ["app[test]", "pytest", "ruff"]
                """}))
    spec = gate_module.environment_spec(bare, gate_module.configure(bare, options()))
    assert spec.packages == ("pytest", "pytest-cov")
    # the dev extra includes the test extra and pytest: nothing to add
    dev = gate_module.configure(bare, options(extras=["dev"]))
    assert gate_module.environment_spec(bare, dev).packages == ("pytest-cov",)
    assert gate_module.declared_names(bare, dev) == {"hypothesis", "pytest", "ruff"}


def test_a_folder_without_project_metadata_is_not_installed(
    make_repo: MakeRepo,
) -> None:
    target = discover(make_repo({"tests/test_a.py": ""}))
    spec = gate_module.environment_spec(
        target, gate_module.configure(target, options())
    )
    assert spec.install_target is False
    assert spec.packages == ("pytest", "pytest-cov")


# --- what the environment has, and what the tests import --------------------


def installed(**overrides: object) -> Installed:
    values: dict[str, object] = {
        "python": "3.11.7",
        "stdlib": frozenset(sys.stdlib_module_names),
        "providers": {
            "app": ("app",),
            "requests": ("requests",),
            "urllib3": ("urllib3",),
            "idna": ("idna",),
            "pytest": ("pytest",),
            "_pytest": ("pytest",),
            "pluggy": ("pluggy",),
            "coverage": ("coverage",),
            "pytest_cov": ("pytest-cov",),
        },
        "requires": {
            "app": ("requests>=2", "pytest; extra == 'test'", "ruff; extra == 'dev'"),
            "requests": ("urllib3", "idna; python_version < '3'"),
            "pytest": ("pluggy", "colorama; sys_platform == 'win32'"),
            "pytest-cov": ("coverage[toml]", "pytest"),
            "coverage": (
                "tomli; python_full_version <= '3.11.0a6' and extra == 'toml'",
            ),
            "urllib3": (
                "brotli; extra == 'brotli'",
                "h2; python_version ~= '3'",
                "not a requirement!",
            ),
        },
        "versions": {"app": "1", "pytest": "9.2.0"},
        "environment": {
            "python_version": "3.11",
            "python_full_version": "3.11.7",
            "sys_platform": "linux",
        },
    }
    values.update(overrides)
    return Installed(**values)  # type: ignore[arg-type]


APP_PYPROJECT = """
[project]
name = "app"
version = "1"
dependencies = ["requests>=2"]
[project.optional-dependencies]
test = ["pytest"]
[dependency-groups]
lint = ["ruff"]
"""


def test_the_declared_closure_follows_requirements_with_their_markers(
    make_repo: MakeRepo,
) -> None:
    target = discover(make_repo({"pyproject.toml": APP_PYPROJECT}))
    config = gate_module.configure(target, options(groups=["lint"]))
    closure = gate_module.declared_closure(target, config, installed())
    # idna (python < 3), colorama (win32) and brotli (an extra not asked for)
    # are left out; h2's marker cannot be evaluated (~= needs two components),
    # which must not hide a dependency: it is kept
    assert closure == {"app", "requests", "urllib3", "pytest", "pluggy", "ruff", "h2"}


def test_parse_probe_keeps_the_first_of_duplicate_distributions() -> None:
    result = gate_module.parse_probe(
        {
            "python": "3.9.18",
            "stdlib": [],
            "environment": {"python_version": "3.9"},
            "providers": {"yaml": ["PyYAML"]},
            "distributions": [
                {"name": "PyYAML", "version": "6.0.3", "requires": []},
                {"name": "pyyaml", "version": "5.0", "requires": ["x"]},
            ],
        }
    )
    assert result.versions == {"pyyaml": "6.0.3"}
    assert result.requires == {"pyyaml": ()}
    assert result.providers == {"yaml": ("pyyaml",)}
    # Python < 3.10 has no sys.stdlib_module_names: ours stands in
    assert "json" in result.stdlib


def test_import_sites_leave_out_optional_and_relative_imports(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "tests/test_a.py": """
                import os, json as j
                import xml.etree.ElementTree
                from . import helpers
                from .helpers import thing
                from typing import TYPE_CHECKING
                import typing

                try:
                    import numpy
                except (ImportError, AttributeError):
                    numpy = None
                else:
                    import orjson
                finally:
                    import gc

                try:
                    import ujson
                except ValueError:
                    pass

                if TYPE_CHECKING:
                    import pandas
                else:
                    import csv

                if typing.TYPE_CHECKING:
                    import polars

                try:
                    import simdjson
                except:
                    pass


                def test_a():
                    from PIL import Image
            """,
            "tests/test_broken.py": "def (:\n",
        }
    )
    sites = gate_module.import_sites(discover(root), sorted(root.rglob("*.py")))
    assert [(s.module, s.line) for s in sites] == [
        ("os", 1),
        ("json", 1),
        ("xml.etree.ElementTree", 2),
        ("typing", 5),
        ("typing", 6),
        ("orjson", 13),
        ("gc", 15),
        ("ujson", 18),
        ("csv", 25),
        ("PIL", 37),
    ]
    assert {s.path for s in sites} == {"tests/test_a.py"}
    assert sites[-1].top == "PIL"


def test_undeclared_imports_leave_out_stdlib_own_and_local_modules(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "pyproject.toml": APP_PYPROJECT
            + '[tool.pytest.ini_options]\npythonpath = "lib"\n',
            "src/app/__init__.py": "",
            "lib/shared.py": "",
            "tests/helpers/__init__.py": "",
            "tests/test_a.py": """
                import os
                import app
                import helpers
                import shared
                import pytest
                import requests
                import urllib3
                import coverage
                import PIL
                import totally_unknown
            """,
        }
    )
    target = discover(root)
    config = gate_module.configure(target, options())
    found = gate_module.undeclared_imports(
        target,
        gate_module.import_sites(target, [root / "tests/test_a.py"]),
        installed(),
        gate_module.declared_closure(target, config, installed()),
    )
    assert [(u.site.module, u.distribution, u.installed) for u in found] == [
        ("coverage", "coverage", True),
        ("PIL", "Pillow", False),
        ("totally_unknown", "totally_unknown", False),
    ]
    ancient = installed(providers={}, requires={}, versions={})
    sites = gate_module.import_sites(target, [root / "tests/test_a.py"])
    assert gate_module.undeclared_imports(target, sites, ancient, frozenset()) == []


def test_the_seed_selection_is_restricted_to_the_markers_the_target_has(
    make_repo: MakeRepo,
) -> None:
    target = discover(make_repo({"pyproject.toml": SAMPLE_PYPROJECT}))
    config = gate_module.configure(target, options())
    survey = Survey(
        files=1,
        uses=(Use(marker="memory", path="tests/test_a.py", line=3),),
        registered=frozenset({"ib_integration"}),
        errors=(),
    )
    selection = gate_module.marker_selection(config, target, survey, installed())
    assert str(selection) == '-m "not memory and not live and not ib_integration"'
    none = Survey(files=0, uses=(), registered=frozenset(), errors=())
    bare = discover(make_repo({"pyproject.toml": APP_PYPROJECT}))
    empty = gate_module.marker_selection(
        gate_module.configure(bare, options()), bare, none, installed()
    )
    assert (str(empty), empty.args) == ("all tests", [])
    configured = gate_module.marker_selection(
        gate_module.configure(target, options(markers="", keywords="not slow")),
        target,
        survey,
        installed(),
    )
    assert (str(configured), configured.args) == ('-k "not slow"', ["-k", "not slow"])
    both = Selection(markers="not live", keywords="fast")
    assert both.args == ["-m", "not live", "-k", "fast"]


# --- reading pytest's outputs (recorded with pytest 9.2, pytest-cov 7.1) -----

RECORDED = Path(__file__).parent / "fixtures" / "tests_gate"

#: ``--junitxml -o junit_family=xunit1``: a pass, a parametrized class method
#: failure, a fixture error, a skip and an xfail (paths shortened).
JUNIT_RUN = RECORDED / "junit-run.xml"
#: A collection error in a sub-folder's conftest (``file`` is the folder).
JUNIT_COLLECTION = RECORDED / "junit-collection.xml"


def test_read_junit_rebuilds_node_ids_and_outcomes(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    target = discover(make_repo({"tests/test_a.py": ""}))
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT_RUN.read_text())
    cases = gate_module.read_junit(report, target)
    assert cases is not None
    assert [(c.nodeid, c.outcome, c.line) for c in cases] == [
        ("tests/test_a.py::test_a", "passed", 1),
        ("tests/test_f.py::TestX::test_p[1]", "passed", 4),
        ("tests/test_f.py::TestX::test_p[2]", "failed", 4),
        ("tests/test_f.py::test_err", "error", 8),
        ("tests/test_f.py::test_skip", "skipped", 15),
        ("tests/test_f.py::test_xf", "xfailed", 18),
    ]
    assert cases[2].message == "AssertionError: v is not one\nassert 2 == 1"
    findings = gate_module.test_findings(cases)
    assert [(f.rule, f.location, f.message) for f in findings] == [
        (
            "TS006",
            "tests/test_f.py:6",
            "tests/test_f.py::TestX::test_p[2] failed: AssertionError: v is not one",
        ),
        (
            "TS007",
            "tests/test_f.py:13",
            (
                "tests/test_f.py::test_err errored: failed on setup with"
                ' "ValueError: fixture broke"'
            ),
        ),
    ]
    report.write_text(JUNIT_COLLECTION.read_text())
    collected = gate_module.read_junit(report, target)
    assert collected is not None
    (collection,) = collected
    assert (collection.nodeid, collection.path, collection.outcome) == (
        "tests/sub",
        "tests/sub",
        "collection",
    )


def test_read_junit_missing_and_unreadable(make_repo: MakeRepo, tmp_path: Path) -> None:
    target = discover(make_repo({"tests/test_a.py": ""}))
    assert gate_module.read_junit(tmp_path / "absent.xml", target) is None
    broken = tmp_path / "broken.xml"
    broken.write_text("<testsuites><testcase")
    with pytest.raises(GateError, match=r"^pytest wrote a JUnit file that"):
        gate_module.read_junit(broken, target)


def test_node_ids_without_xunit1_attributes() -> None:
    assert gate_module._nodeid(None, "tests.test_a", "test_x") == "tests.test_a::test_x"
    assert gate_module._nodeid("t/test_a.py", "elsewhere.Cls", "test_x") == (
        "t/test_a.py::test_x"
    )


def test_a_failure_list_is_capped() -> None:
    cases = [
        Case(
            nodeid=f"t.py::test_{n}", path="t.py", line=1, outcome="failed", message=""
        )
        for n in range(gate_module.MAX_TEST_FINDINGS + 3)
    ]
    findings = gate_module.test_findings(cases)
    assert len(findings) == gate_module.MAX_TEST_FINDINGS + 1
    assert findings[-1].message == "... and 3 more failing tests"
    assert findings[0].message == "t.py::test_0 failed: (no details)"


COVERAGE_JSON = RECORDED / "coverage.json"


def test_read_coverage_and_the_modules_below_the_threshold(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    target = discover(make_repo({"README.md": ""}))
    report = tmp_path / "coverage.json"
    report.write_text(COVERAGE_JSON.read_text())
    coverage = gate_module.read_coverage(report, target)
    assert coverage is not None
    assert (coverage.percent, coverage.statements, coverage.missing) == (
        96.6321243523316,
        386,
        13,
    )
    config = gate_module.configure(target, options())
    (low,) = gate_module.coverage_findings(config, coverage)
    assert (low.location, low.severity) == ("src/app/bundles.py:12", Severity.LOW)
    assert gate_module.read_coverage(tmp_path / "absent.json", target) is None
    report.write_text("{")
    with pytest.raises(GateError, match="not JSON"):
        gate_module.read_coverage(report, target)
    report.write_text('{"files": {}}')
    with pytest.raises(GateError, match="without coverage totals"):
        gate_module.read_coverage(report, target)


def test_read_progress_tolerates_a_line_cut_by_the_kill(tmp_path: Path) -> None:
    path = tmp_path / "progress.jsonl"
    path.write_text(
        '{"event": "collected", "count": 3}\n'
        '{"event": "deselected", "count": 1}\n'
        '{"event": "deselected", "count": 2}\n'
        '{"event": "start", "nodeid": "t.py::a"}\n'
        '{"event": "finish", "nodeid": "t.py::a"}\n'
        '{"event": "start", "nodeid": "t.py::b"}\n'
        "[1]\n"
        '{"event": "fin'
    )
    progress = gate_module.read_progress(path)
    assert (progress.collected, progress.deselected) == (3, 3)
    assert progress.running == ["t.py::b"]
    assert gate_module.read_progress(tmp_path / "absent") == Progress()


@pytest.mark.parametrize(
    ("progress", "output", "where"),
    [
        pytest.param(
            Progress(started=tuple(f"t::{n}" for n in range(7)), collected=7),
            "",
            "still running: t::0, t::1, t::2, t::3, t::4 and 2 more",
            id="many-running",
        ),
        pytest.param(
            Progress(),
            "collecting ...\nimporting x",
            "while collecting" " (last output: importing x)",
            id="collecting",
        ),
        pytest.param(
            Progress(), "", "while collecting (last output: (no output))", id="silent"
        ),
        pytest.param(
            Progress(started=("a",), finished=frozenset({"a"}), collected=1),
            "",
            "after 1 tests had finished",
            id="teardown",
        ),
    ],
)
def test_timeout_reasons_name_what_was_running(
    progress: Progress, output: str, where: str
) -> None:
    reason = gate_module.timeout_reason("python was killed", progress, output)
    assert reason == f"python was killed with its process group, {where}"


def test_exit_meanings() -> None:
    assert gate_module.exit_meaning(0) == "all selected tests passed"
    assert gate_module.exit_meaning(2, collection_errors=1) == (
        "interrupted, 1 error during collection"
    )
    assert gate_module.exit_meaning(-9) == "killed by signal 9"
    assert gate_module.exit_meaning(42) == "unknown exit code 42"


# --- evaluating an outcome (fakes of the environment and the run) -----------


def fake_inputs(
    target_root: Path,
    *,
    undeclared: tuple[Undeclared, ...] = (),
    coverage: tuple[str, ...] = ("app",),
    uses: tuple[Use, ...] = (),
) -> Inputs:
    target = discover(target_root)
    config = gate_module.configure(target, options(coverage=list(coverage)))
    interpreter = environments.Interpreter(
        path=Path(sys.executable), version=Version("3.11.7")
    )
    return Inputs(
        target=target,
        config=config,
        survey=Survey(files=1, uses=uses, registered=frozenset(), errors=()),
        selection=Selection(markers="", keywords=""),
        undeclared=undeclared,
        environment=environments.Environment(
            path=target_root / ".venv",
            python=Path(sys.executable),
            interpreter=interpreter,
            reused=True,
        ),
    )


def outcome(
    code: int,
    *,
    stdout: str = "",
    stderr: str = "",
    cases: tuple[Case, ...] | None = None,
    coverage: Coverage | None = None,
) -> Outcome:
    return Outcome(
        returncode=code,
        stdout=stdout,
        stderr=stderr,
        duration_s=0.5,
        cases=cases,
        coverage=coverage,
        progress=Progress(),
    )


@pytest.fixture
def app_root(make_repo: MakeRepo) -> Path:
    return make_repo(
        {
            "pyproject.toml": APP_PYPROJECT,
            "src/app/__init__.py": "",
            "tests/test_a.py": "",
        }
    )


@pytest.mark.parametrize(
    ("code", "stdout", "stderr", "message"),
    [
        pytest.param(
            4,
            "",
            "ERROR: usage: python -m pytest [options] [file_or_dir]\n"
            "python -m pytest: error: unrecognized arguments: --bogus\n"
            "  inifile: /x/pyproject.toml\n",
            "pytest exit 4 (usage error): unrecognized arguments: --bogus",
            id="usage",
        ),
        pytest.param(
            3,
            "INTERNALERROR> Traceback (most recent call last):\n"
            "INTERNALERROR> KeyError: 'x'\n",
            "",
            "pytest exit 3 (internal error): KeyError: 'x'",
            id="internal",
        ),
        pytest.param(
            3,
            "something odd\n",
            "",
            "pytest exit 3 (internal error): something odd",
            id="internal-without-trace",
        ),
        pytest.param(
            1,
            "FAIL Required test coverage of 90% not reached.\n",
            "",
            "pytest exit 1 (tests failed): pytest exited 1 without a failing test:"
            " FAIL Required test coverage of 90% not reached.",
            id="exit-1-without-failures",
        ),
        pytest.param(
            -9,
            "",
            "",
            "pytest exit -9 (killed by signal 9): pytest killed by signal 9:"
            " (no output)",
            id="signal",
        ),
    ],
)
def test_exits_no_test_explains_become_findings(
    app_root: Path, code: int, stdout: str, stderr: str, message: str
) -> None:
    result = gate_module.evaluate(
        fake_inputs(app_root), outcome(code, stdout=stdout, stderr=stderr, cases=())
    )
    usage = [f for f in result.findings if f.rule == "TS008"]
    assert [f.message for f in usage] == [message]
    assert usage[0].fix == gate_module.PYTEST_UNUSABLE.fix
    assert result.metrics["coverage"] == "not measured"


def test_unmeasured_coverage_says_why(app_root: Path) -> None:
    passed = (Case(nodeid="t::a", path="t", line=1, outcome="passed"),)
    no_sources = gate_module.evaluate(
        fake_inputs(app_root, coverage=()), outcome(0, cases=passed)
    )
    assert no_sources.criteria[1].text == (
        "coverage >= 90 % (not measured: no package to measure;"
        " set [tool.readiness.tests] coverage)"
    )
    no_report = gate_module.evaluate(fake_inputs(app_root), outcome(0, cases=passed))
    assert no_report.criteria[1].text == (
        "coverage >= 90 % (not measured: pytest-cov wrote no report)"
    )
    assert no_report.criteria[0].met is True


def test_collection_errors_are_diagnosed_by_kind(app_root: Path) -> None:
    def broken(path: str, text: str) -> Case:
        return Case(nodeid=path, path=path, line=None, outcome="collection", text=text)

    cases = (
        broken(
            "tests/test_own.py",
            "tests/test_own.py:1: in <module>\n    import app.missing\n"
            "E   ModuleNotFoundError: No module named 'app.missing'",
        ),
        broken(
            "tests/test_dyn.py",
            "tests/test_dyn.py:3: in <module>\n    importlib.import_module(name)\n"
            "E   ModuleNotFoundError: No module named 'sklearn'",
        ),
        broken(
            "tests/test_static.py",
            "tests/test_static.py:1: in <module>\n    import yaml\n"
            "E   ModuleNotFoundError: No module named 'yaml'",
        ),
        broken("tests/test_value.py", "E   ValueError: bad constant"),
        broken("tests/test_text.py", "something without an E line"),
        broken("tests/test_marks.py", "'slow' not found in `markers` configuration"),
        broken("tests/test_syntax.py", "E   SyntaxError: invalid syntax"),
    )
    static = Undeclared(
        site=ImportSite(module="yaml", path="tests/test_static.py", line=1),
        distribution="PyYAML",
        installed=False,
    )
    result = gate_module.evaluate(
        fake_inputs(app_root, undeclared=(static,)),
        outcome(
            2,
            cases=cases,
            stderr="ImportError while loading conftest '"
            f"{app_root / 'tests' / 'conftest.py'}'.\n"
            "tests/conftest.py:2: in <module>\n    boom()\nE   NameError: boom\n",
        ),
    )
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        (
            "TS005",
            "tests/test_own.py:1",
            (
                "pytest cannot collect tests/test_own.py: ModuleNotFoundError:"
                " No module named 'app.missing'"
            ),
        ),
        (
            "TS002",
            "tests/test_dyn.py:3",
            (
                "the tests import 'sklearn' but no declared dependency provides it"
                " (scikit-learn); pytest could not import tests/test_dyn.py"
            ),
        ),
        (
            "TS005",
            "tests/test_value.py",
            "pytest cannot collect tests/test_value.py: ValueError: bad constant",
        ),
        (
            "TS005",
            "tests/test_text.py",
            "pytest cannot collect tests/test_text.py: something without an E line",
        ),
        (
            "TS001",
            "tests/test_marks.py",
            (
                "marker 'slow' is not registered; pytest aborted collecting"
                " tests/test_marks.py"
            ),
        ),
        (
            "TS003",
            "tests/test_syntax.py",
            (
                "SyntaxError: invalid syntax;"
                " pytest cannot collect tests/test_syntax.py"
            ),
        ),
        (
            "TS004",
            "tests/conftest.py:2",
            (
                "conftest.py raises NameError: boom; pytest cannot collect the tests"
                " below it"
            ),
        ),
        (
            "TS002",
            "tests/test_static.py:1",
            (
                "the tests import 'yaml' but no declared dependency provides it"
                " (PyYAML); pytest could not import tests/test_static.py"
            ),
        ),
    ]
    assert result.metrics["collection_errors"] == 8
    assert result.metrics["exit_meaning"] == "interrupted, 8 errors during collection"


def test_undeclared_imports_without_a_test_extra_suggest_one(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"pyproject.toml": '[project]\nname = "a"\nversion = "1"\n'})
    site = ImportSite(module="responses", path="tests/test_a.py", line=2)
    installed_only = Undeclared(site=site, distribution="responses", installed=True)
    finding = gate_module.undeclared_finding(
        fake_inputs(root), installed_only, aborted=False
    )
    assert finding.severity is Severity.MEDIUM
    assert finding.fix == (
        'add "responses" to [project.optional-dependencies] test (a new test extra)'
        " in pyproject.toml"
    )
    assert "only the packages readiness adds" in finding.message
    grouped = make_repo(
        {
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\n'
            '[dependency-groups]\ntest = ["pytest"]\n'
        }
    )
    finding = gate_module.undeclared_finding(
        fake_inputs(grouped), installed_only, aborted=True
    )
    assert finding.severity is Severity.HIGH
    assert finding.details["group"] == "test"
    assert finding.fix.startswith(
        'add "responses" to [dependency-groups] test (the test dependency group)'
    )


def test_startup_failures_split_several_conftests(app_root: Path) -> None:
    first = app_root / "tests" / "conftest.py"
    second = app_root / "conftest.py"
    stderr = (
        f"ImportError while loading conftest '{first}'.\nE   KeyError: 'a'\n"
        f"ImportError while loading conftest '{second}'.\nE   KeyError: 'b'\n"
    )
    found = gate_module.startup_failures(discover(app_root), stderr)
    assert found == [
        Broken(path="tests/conftest.py", text="\nE   KeyError: 'a'\n"),
        Broken(path="conftest.py", text="\nE   KeyError: 'b'\n"),
    ]


def test_a_probe_that_prints_nothing_useful_is_a_gate_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app_root: Path
) -> None:
    inputs = fake_inputs(app_root)
    ctx = GateContext(
        gate="tests",
        target=inputs.target,
        settings=settings_module.Settings(),
        scratch=tmp_path,
        deadline=time.monotonic() + 30,
    )
    env = environments.Environment(
        path=tmp_path,
        python=Path(sys.executable),
        interpreter=inputs.environment.interpreter,
        reused=True,
    )
    monkeypatch.setattr(gate_module, "PROBE_SOURCE", "print('not json')")
    with pytest.raises(GateError, match="printed no package list"):
        gate_module.probe(ctx, env)
    monkeypatch.setattr(gate_module, "PROBE_SOURCE", "print('{}')")
    with pytest.raises(GateError, match="printed no package list"):
        gate_module.probe(ctx, env)


def test_the_probe_reads_this_interpreter(tmp_path: Path, app_root: Path) -> None:
    """The probe script itself, run by the interpreter running these tests."""
    inputs = fake_inputs(app_root)
    ctx = GateContext(
        gate="tests",
        target=inputs.target,
        settings=settings_module.Settings(),
        scratch=tmp_path,
        deadline=time.monotonic() + 30,
    )
    env = environments.Environment(
        path=tmp_path,
        python=Path(sys.executable),
        interpreter=inputs.environment.interpreter,
        reused=True,
    )
    found = gate_module.probe(ctx, env)
    assert "pytest" in found.versions
    assert "pytest" in found.providers["_pytest"]
    assert "json" in found.stdlib
    assert found.environment["python_version"] == "{}.{}".format(*sys.version_info)
    assert ctx.commands == ()  # the probe is not one of the gate's commands
