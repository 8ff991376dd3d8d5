"""The tests gate's reading of pytest's outputs (recorded with pytest 9.2,
pytest-cov 7.1) and its diagnosis of an outcome, on fakes of the environment
and the run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from readiness.findings import Severity
from readiness.gates.interface import GateError
from readiness.gates.tests import config as tests_config
from readiness.gates.tests import diagnosis as tests_diagnosis
from readiness.gates.tests import gate as tests_gate
from readiness.gates.tests import rules as tests_rules
from readiness.gates.tests import run as tests_run
from readiness.gates.tests.diagnosis import Broken
from readiness.gates.tests.imports import Undeclared
from readiness.gates.tests.run import Case, Progress
from readiness.pytest_survey.imports import ImportSite
from readiness.target import discover
from tests.conftest import MakeRepo
from tests.gate_tests_support import (
    app_repo,
    fake_inputs,
    options,
    outcome,
)


@pytest.fixture
def app_root(make_repo: MakeRepo) -> Path:
    return app_repo(make_repo)


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
    cases = tests_run.read_junit(report, target)
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
    findings = tests_diagnosis.test_findings(cases)
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
    collected = tests_run.read_junit(report, target)
    assert collected is not None
    (collection,) = collected
    assert (collection.nodeid, collection.path, collection.outcome) == (
        "tests/sub",
        "tests/sub",
        "collection",
    )


def test_read_junit_missing_and_unreadable(make_repo: MakeRepo, tmp_path: Path) -> None:
    target = discover(make_repo({"tests/test_a.py": ""}))
    assert tests_run.read_junit(tmp_path / "absent.xml", target) is None
    broken = tmp_path / "broken.xml"
    broken.write_text("<testsuites><testcase")
    with pytest.raises(GateError, match=r"^pytest wrote a JUnit file that"):
        tests_run.read_junit(broken, target)


def test_node_ids_without_xunit1_attributes() -> None:
    assert tests_run._nodeid(None, "tests.test_a", "test_x") == "tests.test_a::test_x"
    assert tests_run._nodeid("t/test_a.py", "elsewhere.Cls", "test_x") == (
        "t/test_a.py::test_x"
    )


def test_a_failure_list_is_capped() -> None:
    cases = [
        Case(
            nodeid=f"t.py::test_{n}", path="t.py", line=1, outcome="failed", message=""
        )
        for n in range(tests_diagnosis.MAX_TEST_FINDINGS + 3)
    ]
    findings = tests_diagnosis.test_findings(cases)
    assert len(findings) == tests_diagnosis.MAX_TEST_FINDINGS + 1
    assert findings[-1].message == "... and 3 more failing tests"
    assert findings[0].message == "t.py::test_0 failed: (no details)"


COVERAGE_JSON = RECORDED / "coverage.json"


def test_read_coverage_and_the_modules_below_the_threshold(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    target = discover(make_repo({"README.md": ""}))
    report = tmp_path / "coverage.json"
    report.write_text(COVERAGE_JSON.read_text())
    coverage = tests_run.read_coverage(report, target)
    assert coverage is not None
    assert (coverage.percent, coverage.statements, coverage.missing) == (
        96.6321243523316,
        386,
        13,
    )
    config = tests_config.configure(target, options(fail_under=90))
    (low,) = tests_diagnosis.coverage_findings(config, coverage)
    assert (low.location, low.severity) == ("src/app/bundles.py:12", Severity.LOW)
    assert low.message == (
        "55.00 % covered (9 of 20 statements missed), below 90 %"
        " ([tool.readiness.tests] fail_under)"
    )
    # requests sets no coverage target: readiness's default of 90 % gives one
    # finding for the total, only while the total is below it, and says whose
    # target it is; the modules go to the metrics
    default = tests_config.configure(target, options())
    assert tests_diagnosis.coverage_findings(default, coverage) == []
    below = dataclasses.replace(coverage, percent=87.82, missing=47)
    (total,) = tests_diagnosis.coverage_findings(default, below)
    assert (total.path, total.severity, total.message) == (
        None,
        Severity.LOW,
        (
            "87.82 % of the code is covered (47 of 386 statements missed), below"
            " readiness's default of 90 % (the project sets no coverage target);"
            " 1 module below it, listed in the gate's metrics"
        ),
    )
    assert tests_diagnosis.coverage_metrics(default, below) == {
        "coverage_modules_below": 1,
        "coverage_lowest": "src/app/bundles.py 55.00 %",
    }
    assert tests_run.read_coverage(tmp_path / "absent.json", target) is None
    report.write_text("{")
    with pytest.raises(GateError, match="not JSON"):
        tests_run.read_coverage(report, target)
    report.write_text('{"files": {}}')
    with pytest.raises(GateError, match="without coverage totals"):
        tests_run.read_coverage(report, target)


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
    progress = tests_run.read_progress(path)
    assert (progress.collected, progress.deselected) == (3, 3)
    assert progress.running == ["t.py::b"]
    assert tests_run.read_progress(tmp_path / "absent") == Progress()


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
    reason = tests_run.timeout_reason("python was killed", progress, output)
    assert reason == f"python was killed with its process group, {where}"


def test_exit_meanings() -> None:
    assert tests_run.exit_meaning(0) == "all selected tests passed"
    assert tests_run.exit_meaning(2, collection_errors=1) == (
        "interrupted, 1 error during collection"
    )
    assert tests_run.exit_meaning(-9) == "killed by signal 9"
    assert tests_run.exit_meaning(42) == "unknown exit code 42"


# --- evaluating an outcome (fakes of the environment and the run) -----------


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
            7,
            "boom: unexpected failure\n",
            "",
            "pytest exit 7 (unknown exit code 7): boom: unexpected failure",
            id="unknown-exit-code",
        ),
        pytest.param(
            -9,
            "",
            "",
            "pytest exit -9 (killed by signal 9): (no output)",
            id="signal",
        ),
    ],
)
def test_exits_no_test_explains_become_findings(
    app_root: Path, code: int, stdout: str, stderr: str, message: str
) -> None:
    result = tests_gate.evaluate(
        fake_inputs(app_root), outcome(code, stdout=stdout, stderr=stderr, cases=())
    )
    usage = [f for f in result.findings if f.rule == "TS008"]
    assert [f.message for f in usage] == [message]
    assert usage[0].fix == tests_rules.PYTEST_UNUSABLE.fix
    assert result.metrics["coverage"] == "not measured"


def test_unmeasured_coverage_says_why(app_root: Path) -> None:
    passed = (Case(nodeid="t::a", path="t", line=1, outcome="passed"),)
    no_sources = tests_gate.evaluate(
        fake_inputs(app_root, coverage=()), outcome(0, cases=passed)
    )
    assert no_sources.criteria[1].text == (
        "coverage >= 90 % (not measured: no package to measure;"
        " set [tool.readiness.tests] coverage)"
    )
    no_report = tests_gate.evaluate(fake_inputs(app_root), outcome(0, cases=passed))
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
    result = tests_gate.evaluate(
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
    finding = tests_diagnosis.undeclared_finding(
        fake_inputs(root), installed_only, aborted=False
    )
    assert finding.severity is Severity.MEDIUM
    assert finding.fix == (
        'add "responses" to pyproject.toml [project.optional-dependencies] test'
        " (a new test extra)"
    )
    assert "only the packages readiness adds" in finding.message
    grouped = make_repo(
        {
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\n'
            '[dependency-groups]\ntest = ["pytest"]\n'
        }
    )
    finding = tests_diagnosis.undeclared_finding(
        fake_inputs(grouped), installed_only, aborted=True
    )
    assert finding.severity is Severity.HIGH
    assert finding.details["group"] == "test"
    assert finding.fix == 'add "responses" to pyproject.toml [dependency-groups] test'


def test_startup_failures_split_several_conftests(app_root: Path) -> None:
    first = app_root / "tests" / "conftest.py"
    second = app_root / "conftest.py"
    stderr = (
        f"ImportError while loading conftest '{first}'.\nE   KeyError: 'a'\n"
        f"ImportError while loading conftest '{second}'.\nE   KeyError: 'b'\n"
    )
    found = tests_diagnosis.startup_failures(discover(app_root), stderr)
    assert found == [
        Broken(path="tests/conftest.py", text="\nE   KeyError: 'a'\n"),
        Broken(path="conftest.py", text="\nE   KeyError: 'b'\n"),
    ]
