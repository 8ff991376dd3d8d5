"""Fuzzing the readers of tool output (issue 13, item 7).

Each reader gets arbitrary text, truncated documents and JSON of the wrong
shape; it returns its normal type or raises :class:`GateError` (the gate then
ends as ``error`` with that reason), never anything else.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from readiness import flake8_config, sast_run
from readiness.findings import Finding
from readiness.gates import format as format_gate
from readiness.gates import lint, sast
from readiness.gates.interface import GateContext, GateError
from readiness.gates.tests import diagnosis, machine, run
from readiness.gates.typing import output, pyright
from readiness.sast_run import BanditFailed
from readiness.target import Target
from tests.fuzzing import (
    DEEP_JSON,
    FUZZ,
    HUGE_FLOAT,
    HUGE_INT,
    json_documents,
    lines_like,
    make_target,
    suppressing,
    texts,
    write,
)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    return make_target(tmp_path_factory.mktemp("fuzz") / "repo")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


def _all_findings(value: object) -> None:
    """A reader's result: findings, or tuples/lists of them (None: it raised)."""
    if value is None:
        return
    if isinstance(value, tuple | list):
        for item in value:
            _all_findings(item)
    else:
        assert isinstance(value, Finding)


# --- format: black and ruff format --------------------------------------------

BLACK = "\n".join(
    [
        "would reformat /repo/src/a.py",
        (
            "error: cannot format /repo/src/b.py:"
            " Cannot parse for target version Python 3.12: 3:4: x = ("
        ),
        "error: cannot format /repo/src/c.py: INTERNAL ERROR: Black produced invalid",
        "error: cannot format src/d.py: cannot parse: 1:2: oops",
        "ParseError: bad input on line 3",
        "",
        "Oh no! 💥 💔 💥",
        (
            "1 file would be reformatted, 2 files would be left unchanged,"
            " 3 files would fail to reformat."
        ),
        "No Python files are present to be formatted. Nothing to do 😴",
    ]
)

RUFF_FORMAT_JSON = [
    {"code": "unformatted", "filename": "/repo/a.py", "message": "x"},
    {
        "code": "E902",
        "filename": "b.py",
        "message": "No such file",
        "location": {"row": 3, "column": 1},
    },
]

RUFF_FORMAT_TEXT = """\
Would reformat: src/a.py
error: Failed to parse src/b.py:3:4: Expected an expression
2 files would be reformatted, 1 file already formatted
No Python files found
"""


@FUZZ
@given(text=lines_like(BLACK), code=st.integers(-1, 2))
@example(text="1 file would be reformatted.\nwould reformat " + "9" * 5000, code=1)
def test_black_output(target: Target, text: str, code: int) -> None:
    lines = text.splitlines()

    def read() -> object:
        reformat = format_gate.would_reformat(target, lines)
        failed = format_gate.cannot_format(target, lines)
        format_gate.check_summary(code, lines, reformat, failed)
        return reformat, failed

    _all_findings(suppressing((GateError,), read))


@FUZZ
@given(text=json_documents(RUFF_FORMAT_JSON))
@example(text=DEEP_JSON)
@example(text=HUGE_INT)
@example(text=f'[{{"filename": "a.py", "location": {{"row": {HUGE_FLOAT}}}}}]')
def test_ruff_format_json(target: Target, text: str) -> None:
    _all_findings(
        suppressing((GateError,), lambda: format_gate.ruff_json(target, text))
    )


@FUZZ
@given(stdout=lines_like(RUFF_FORMAT_TEXT), stderr=lines_like(RUFF_FORMAT_TEXT))
@example(stdout="", stderr="error: Failed to parse a.py:" + "1" * 5000 + ":1: x")
@example(stdout="1 file would be reformatted" + "0" * 5000, stderr="")
def test_ruff_format_text(target: Target, stdout: str, stderr: str) -> None:
    _all_findings(
        suppressing((GateError,), lambda: format_gate.ruff_text(target, stdout, stderr))
    )


# --- lint: ruff check and flake8 -------------------------------------------------

RUFF_CHECK = [
    {
        "code": "F401",
        "filename": "/repo/src/a.py",
        "location": {"row": 1, "column": 8},
        "message": "`os` imported but unused",
        "fix": {"applicability": "safe"},
        "url": "https://docs.astral.sh/ruff/rules/unused-import",
    },
    {"code": None, "filename": "b.py", "location": {"row": 2}, "message": "x"},
]

NOQA = (
    "warning: Invalid `# noqa` directive on src/a.py:3: expected a"
    " comma-separated list of codes (e.g., `# noqa: F401, F841`).\n"
    "warning: Invalid rule code provided to `# noqa` at src/b.py:7: XYZ\n"
)

FLAKE8 = (
    f"src/a.py{flake8_config.SEPARATOR}3{flake8_config.SEPARATOR}1"
    f"{flake8_config.SEPARATOR}F401{flake8_config.SEPARATOR}'os' imported\n"
)


@FUZZ
@given(text=json_documents(RUFF_CHECK))
@example(text=DEEP_JSON)
@example(text=HUGE_INT)
def test_ruff_check_json(target: Target, text: str) -> None:
    def read() -> list[Finding]:
        return [
            lint.diagnostic_finding(target, item)
            for item in lint.read_diagnostics(text)
        ]

    _all_findings(suppressing((GateError,), read))


@FUZZ
@given(stderr=lines_like(NOQA))
@example(stderr="warning: Invalid `# noqa` directive on a.py:" + "1" * 5000 + ": x")
def test_ruff_noqa_warnings(target: Target, stderr: str) -> None:
    _all_findings(lint.invalid_noqa_findings(target, stderr))


@FUZZ
@given(text=lines_like(FLAKE8))
@example(text=FLAKE8.replace("3", "²", 1))
@example(text=FLAKE8.replace("3", "1" * 5000, 1))
def test_flake8_output(target: Target, text: str) -> None:
    """``parse`` documents ``ValueError``; the gate turns it into a GateError."""

    def read() -> list[Finding]:
        return [lint.flake8_finding(target, item) for item in flake8_config.parse(text)]

    _all_findings(suppressing((ValueError,), read))


# --- typing: mypy and pyright ------------------------------------------------------

MYPY_JSON = {
    "file": "src/a.py",
    "line": 3,
    "column": 4,
    "message": "Incompatible types",
    "hint": "see docs",
    "code": "assignment",
    "severity": "error",
}

MYPY_TEXT = """\
src/a.py:3:5: error: Incompatible types in assignment  [assignment]
src/a.py:3:5: note: See https://mypy.rtfd.io
src/b.py:1: error: Name "x" is not defined  [name-defined]
Found 2 errors in 2 files (checked 3 source files)
"""

PYRIGHT = {
    "version": "1.1.400",
    "generalDiagnostics": [
        {
            "file": "/repo/src/a.py",
            "severity": "error",
            "message": "x is not defined",
            "range": {"start": {"line": 2, "character": 4}},
            "rule": "reportUndefinedVariable",
        },
        {"file": "b.py", "severity": "warning", "message": "w"},
    ],
}


@FUZZ
@given(
    lines=st.lists(
        st.one_of(json_documents(MYPY_JSON), lines_like(MYPY_TEXT)), max_size=5
    )
)
@example(lines=[DEEP_JSON])
@example(lines=["[" + HUGE_INT + "]"])
def test_mypy_json(target: Target, lines: list[str]) -> None:
    found = suppressing(
        (GateError,), lambda: output.read_json(target, "\n".join(lines))
    )
    assert found is None or all(isinstance(e, output.MypyError) for e in found)  # type: ignore[attr-defined]


@FUZZ
@given(text=lines_like(MYPY_TEXT))
@example(text="a.py:" + "1" * 5000 + ": error: x")
@example(text="a.py:²: error: x")
@example(text="x" * 300 + "/src/a.py:1: error: a name too long for the file system")
def test_mypy_text(target: Target, text: str) -> None:
    found = output.read_text(target, text)
    assert all(isinstance(error, output.MypyError) for error in found)


@FUZZ
@given(text=json_documents(PYRIGHT))
@example(text=DEEP_JSON)
@example(text='{"generalDiagnostics": [{"severity": "error", "range": []}]}')
@example(text='{"generalDiagnostics": [{"severity": "error", "range": {"start": 1}}]}')
def test_pyright_output(target: Target, text: str) -> None:
    ctx = cast(GateContext, SimpleNamespace(target=target))
    found = suppressing((GateError,), lambda: pyright.read_output(ctx, text))
    if found is not None:
        version, errors, warnings = cast(tuple[str, list[Any], int], found)
        assert isinstance(version, str)
        assert isinstance(warnings, int)
        assert all(isinstance(error, output.MypyError) for error in errors)


# --- sast: bandit --------------------------------------------------------------------

BANDIT = {
    "results": [
        {
            "filename": "/repo/src/a.py",
            "test_id": "B602",
            "test_name": "subprocess_popen_with_shell_equals_true",
            "line_number": 3,
            "issue_severity": "HIGH",
            "issue_confidence": "HIGH",
            "issue_cwe": {"id": 78, "link": "https://cwe.mitre.org"},
            "issue_text": "shell=True",
            "more_info": "https://bandit.readthedocs.io",
        }
    ],
    "errors": [{"filename": "src/b.py", "reason": "syntax error"}],
    "metrics": {"_totals": {"loc": 10}, "/repo/src/a.py": {"loc": 10}},
}

BANDIT_RESULT: dict[str, Any] = BANDIT["results"][0]  # type: ignore[index]

BANDIT_HELP = """\
The following tests were discovered and loaded:
  B101	assert_used
  B602	subprocess_popen_with_shell_equals_true
"""


@FUZZ
@given(text=json_documents(BANDIT))
@example(text=DEEP_JSON)
@example(text=HUGE_INT)
@example(text=json.dumps({**BANDIT, "results": [{**BANDIT_RESULT, "line_number": -5}]}))
@example(
    text=json.dumps({**BANDIT, "results": [{**BANDIT_RESULT, "filename": "a\x00"}]})
)
def test_bandit_report(target: Target, scratch: Path, text: str) -> None:
    path = write(scratch / "bandit.json", text)

    def read() -> list[Finding]:
        report = sast_run.read_report(path)
        files = sast_run.per_file(target, report)
        merged = sast_run.combined(files)
        return [sast.result_finding(target, item) for item in merged["results"]] + [
            sast.error_finding(target, item) for item in merged["errors"]
        ]

    _all_findings(suppressing((BanditFailed,), read))


@FUZZ
@given(text=lines_like(BANDIT_HELP))
def test_bandit_help(text: str) -> None:
    assert isinstance(sast.known_tests(text), frozenset)


# --- tests: pytest's JUnit file, coverage JSON, progress, stderr ----------------------

JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" tests="3">
<testcase classname="tests.test_a.TestA" name="test_one"
 file="tests/test_a.py" line="3">
<failure message="assert 1 == 2">E   assert 1 == 2</failure>
<system-out>out</system-out></testcase>
<testcase classname="" name="tests/test_b.py" file="tests/test_b.py">
<error message="collection failure">ImportError</error></testcase>
<testcase classname="tests.test_c" name="test_skip" line="9">
<skipped type="pytest.xfail" message="later"/></testcase>
</testsuite></testsuites>
"""

COVERAGE = {
    "totals": {"percent_covered": 91.5, "num_statements": 10, "missing_lines": 1},
    "files": {
        "src/a.py": {
            "summary": {
                "percent_covered": 91.5,
                "num_statements": 10,
                "missing_lines": 1,
            },
            "missing_lines": [4],
        }
    },
}

TOTALS: dict[str, Any] = COVERAGE["totals"]  # type: ignore[assignment]

PROGRESS = [
    {"event": "collected", "count": 3},
    {"event": "deselected", "count": 1},
    {"event": "start", "nodeid": "tests/test_a.py::test_one"},
    {"event": "finish", "nodeid": "tests/test_a.py::test_one"},
]

STDERR = """\
ImportError while loading conftest '/repo/tests/conftest.py'.
tests/conftest.py:3: in <module>
    import missing
E   ModuleNotFoundError: No module named 'missing'
  File "/repo/src/a.py", line 12, in f
requests.get('http://example.com:80/x', host='db.internal')
"""


@FUZZ
@given(text=st.one_of(lines_like(JUNIT), st.binary(max_size=300)))
@example(text=JUNIT.replace('line="3"', 'line="²"'))
@example(text=JUNIT.replace('line="3"', f'line="{HUGE_INT}"'))
@example(text=b"\xef\xbb\xbf" + JUNIT.encode())
def test_junit(target: Target, scratch: Path, text: str | bytes) -> None:
    path = write(scratch / "junit.xml", text)
    cases = suppressing((GateError,), lambda: run.read_junit(path, target))
    assert cases is None or isinstance(cases, tuple)


@FUZZ
@given(text=json_documents(COVERAGE))
@example(text=DEEP_JSON)
@example(text=json.dumps({**COVERAGE, "totals": {**TOTALS, "num_statements": 1e400}}))
def test_coverage_json(target: Target, scratch: Path, text: str) -> None:
    path = write(scratch / "coverage.json", text)
    found = suppressing((GateError,), lambda: run.read_coverage(path, target))
    assert found is None or isinstance(found, run.Coverage)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(*(json_documents(record) for record in PROGRESS)), max_size=6
    )
)
@example(lines=['{"event": "start"}'])
@example(lines=['{"event": "collected", "count": "x"}'])
@example(lines=[DEEP_JSON])
def test_progress(scratch: Path, lines: list[str]) -> None:
    """Our own plugin's file, possibly cut by a kill or rewritten by a test."""
    path = write(scratch / "progress.jsonl", "\n".join(lines))
    assert isinstance(run.read_progress(path), run.Progress)


@FUZZ
@given(text=lines_like(STDERR))
@example(text='  File "/repo/src/a.py", line ' + "1" * 5000 + ", in f")
def test_pytest_stderr(target: Target, text: str) -> None:
    assert all(
        isinstance(item, diagnosis.Broken)
        for item in diagnosis.startup_failures(target, text)
    )
    location = diagnosis.crash_location(target, text)
    assert location is None or isinstance(location[1], int)
    assert isinstance(diagnosis.error_line(text), str)
    assert all(isinstance(host, str) for host in machine.hosts_in(text))


@FUZZ
@given(host=texts)
@example(host="::1%eth0")
def test_loopback(host: str) -> None:
    assert isinstance(machine.loopback(host), bool)
