"""The other tool a gate may run, against that tool misbehaving in every known way.

The fixture is :mod:`tests.faults.test_faults`'s, configured so that the gate
picks the tool under test: flake8 for lint (a ``[flake8]`` section in
``setup.cfg``, no ruff configuration), ``ruff format`` for format
(``[tool.ruff.format]``, no ``[tool.black]``), pyright for typing
(``checker = "pyright"``), one online advisory source for deps (``sources``,
no offline database: uv audit, pip-audit or safety, each answering with a
recorded report of REQ-1 when well), and uv building the test environment for
tests. Everything else is as there: the planted F401, the unformatted
``app/data.py``, the assert (B101) and the str assigned to an int.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import harness, table
from tests.faults.harness import TIMEOUT_S, Stand
from tests.faults.standins import Fault
from tests.faults.test_faults import FILES, TEST_FILE

#: The gate, the tool a stand-in replaces, how the table shows it, the gate
#: whose result must not change beside it.
TOOLS = [
    ("tests", "uv-venv", "uv venv (test environment)", "format"),
    ("typing", "pyright", "pyright", "format"),
    ("lint", "flake8", "flake8", "format"),
    ("format", "ruff-format", "ruff format", "sast"),
    ("deps", "uv-audit", "uv audit", "format"),
    ("deps", "pip-audit", "pip-audit", "format"),
    ("deps", "safety", "safety", "format"),
]
COMPANION = {tool: companion for _, tool, _, companion in TOOLS}
#: The advisory source each deps row names in ``sources``.
SOURCE = {"uv-audit": "uv", "pip-audit": "pip-audit", "safety": "safety"}
CASES = [
    case
    for gate, tool, shown, _ in TOOLS
    for case in table.register(__name__, gate, tool, shown=shown)
]

BASE = """\
[project]
name = "app"
version = "1"
requires-python = ">=3.11"
dependencies = ["requests>=2"]

[tool.mypy]
{formatter}
[tool.readiness]
kind = "application"
"""


def fixture_repo(root: Path, gate: str, tool: str, fault: Fault) -> Path:
    """The app fixture, configured to pick ``tool`` (see the module docstring)."""
    root.mkdir()
    formatter = "[tool.ruff.format]" if tool == "ruff-format" else "[tool.black]"
    sections: dict[str, list[str]] = {gate: []}
    if tool == "pyright":
        sections["typing"].append('checker = "pyright"')
    if gate == "deps":
        sections["deps"].append(f'sources = ["{SOURCE[tool]}"]')
    if fault is Fault.TIMEOUT:
        sections[gate].append(f"timeout = {TIMEOUT_S}")
    text = BASE.format(formatter=formatter)
    for name, lines in sections.items():
        if lines:
            text += f"\n[tool.readiness.{name}]\n" + "".join(f"{x}\n" for x in lines)
    files = {name: text for name, text in FILES.items() if not name.startswith("osv/")}
    files["pyproject.toml"] = text
    if tool == "flake8":
        files["setup.cfg"] = "[flake8]\nmax-line-length = 88\n"
    if gate == "tests":
        files["tests/test_app.py"] = TEST_FILE
    return harness.write_files(root, files)


def stands(tool: str, fault: Fault) -> list[Stand]:
    """The stand-in under test, and a working uv locking for pip-audit and safety."""
    working = [Stand(tool="uv", fault=None)] if tool in ("pip-audit", "safety") else []
    return [*working, Stand(tool=tool, fault=fault)]


@pytest.mark.tools
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_other_tools_never_pass_on_a_fault_nor_leave_a_process(
    *,
    case: table.Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gate, tool, fault = case.key
    root = fixture_repo(tmp_path / "repo", gate, tool, fault)
    companion = COMPANION[tool]
    ran = harness.run(
        ["audit", str(root), "--gate", gate, "--gate", companion],
        tmp_path=tmp_path,
        stands=stands(tool, fault),
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    outcome = harness.outcome(ran, gate, companion, tmp_path)
    harness.dump(case, outcome)
    assert (outcome.status, outcome.reason) == expected(case)
    assert outcome.companion == WELL[companion]
    assert outcome.exit_code == 1
    harness.check(ran, fault)
    table.record(case, outcome)


WELL = {
    "format": "fail: FM001 app/data.py",
    "sast": "pass: B101 app/util.py:5",
}


def expected(case: table.Case) -> tuple[str, str]:
    return OUTCOMES[f"{case.gate}-{case.tool}"][case.fault]


#: How the deps gate says that its one advisory source could not run.
NO_SOURCE = (
    "no advisory source could run; tried {}. Without network, point the gate at"
    " an offline OSV database: --advisory-db FILE_OR_DIR, $READINESS_ADVISORY_DB,"
    " [tool.readiness.deps] advisory-db, or `readiness advisories update`"
)
#: The status and reason (or findings) each case must end with.
OUTCOMES: dict[str, dict[Fault, tuple[str, str]]] = {
    "tests-uv-venv": {
        Fault.MISSING: (
            "error",
            (
                "cannot build the test environment: uv is not installed "
                "(READINESS_TOOLS_DIR hides it: <tools>/uv is not an "
                "executable file)"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            (
                "cannot build the test environment: uv exited with code 7: "
                "boom: unexpected failure"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            (
                "cannot build the test environment: uv exited with code 1: "
                "RuntimeError: uv-venv stand-in crashed"
            ),
        ),
        Fault.SILENT: (
            "error",
            (
                "cannot build the test environment: uv venv exited with code "
                "0 but created no interpreter"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                "cannot build the test environment: uv venv exited with code "
                "0 but created no interpreter"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            (
                "cannot build the test environment: uv venv exited with code "
                "0 but created no interpreter"
            ),
        ),
        Fault.TIMEOUT: ("error", "uv did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "error",
            "cannot build the test environment: uv exited with code 1: " + "x" * 300,
        ),
    },
    "typing-pyright": {
        Fault.MISSING: (
            "error",
            (
                "pyright exited with code 1 without its JSON report: No "
                "module named pyright"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            "pyright exited with code 7: boom: unexpected failure",
        ),
        Fault.TRACEBACK: (
            "error",
            (
                "pyright exited with code 1 without its JSON report: "
                "RuntimeError: pyright stand-in crashed"
            ),
        ),
        Fault.SILENT: (
            "error",
            ("pyright exited with code 0 without its JSON report: (no " "output)"),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                'the type checker printed no JSON report: {"version": '
                '"1.1.414", "generalDiagnostics": [{"file'
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            "the type checker's JSON report has no generalDiagnostics",
        ),
        Fault.TIMEOUT: ("error", "pyright did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "reportAssignmentType app/util.py:6"),
        Fault.FLOOD: (
            "error",
            (
                "pyright printed more than 16 MiB (exit code 1); its output "
                "was cut, so its result cannot be trusted"
            ),
        ),
    },
    "lint-flake8": {
        Fault.MISSING: (
            "error",
            (
                "flake8 is not installed (READINESS_TOOLS_DIR hides it: "
                "<tools>/flake8 is not an executable file)"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            "flake8 exited with code 7: boom: unexpected failure",
        ),
        Fault.TRACEBACK: (
            "error",
            ("flake8 exited with code 1: RuntimeError: flake8 stand-in " "crashed"),
        ),
        Fault.SILENT: (
            "error",
            (
                "flake8's output cannot be read: no error count at its end "
                "(--count), so its output is incomplete: '(no output)'"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                "flake8's output cannot be read: no error count at its end "
                "(--count), so its output is incomplete: "
                "'./app/__init__.py\\x1f1'"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            (
                "flake8's output cannot be read: no error count at its end "
                "(--count), so its output is incomplete: "
                "'{\"app/__init__.py\": []}'"
            ),
        ),
        Fault.TIMEOUT: ("error", "flake8 did not finish within 5s and was killed"),
        Fault.ORPHAN: (
            "fail",
            (
                "F401 app/__init__.py:1, E201 app/data.py:1, E231 "
                "app/data.py:1, E202 app/data.py:1"
            ),
        ),
        Fault.FLOOD: ("error", "flake8 exited with code 1: " + "x" * 300),
    },
    "format-ruff-format": {
        Fault.MISSING: (
            "error",
            (
                "ruff is not installed (READINESS_TOOLS_DIR hides it: "
                "<tools>/ruff is not an executable file)"
            ),
        ),
        Fault.EXIT_CODE: ("error", "ruff exited with code 7: boom: unexpected failure"),
        Fault.TRACEBACK: (
            "error",
            (
                'ruff format ended without its summary line ("N files '
                'already formatted"): RuntimeError: ruff-format stand-in '
                "crashed"
            ),
        ),
        Fault.SILENT: (
            "error",
            (
                'ruff format ended without its summary line ("N files '
                'already formatted"): (no output)'
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                'ruff format printed output that is not JSON: \'[{"filename": '
                '"app/data.py", "code": "unfor\''
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            (
                'ruff format ended without its summary line ("N files '
                'already formatted"): {"diagnostics": []}'
            ),
        ),
        Fault.TIMEOUT: ("error", "ruff did not finish within 5s and was killed"),
        Fault.ORPHAN: ("fail", "FM003 app/data.py"),
        Fault.FLOOD: (
            "error",
            (
                "ruff printed more than 16 MiB (exit code 1); its output was "
                "cut, so its result cannot be trusted"
            ),
        ),
    },
    "deps-uv-audit": {
        Fault.MISSING: (
            "error",
            (
                "cannot produce the prod lock: uv is not installed "
                "(READINESS_TOOLS_DIR hides it: <tools>/uv is not an "
                "executable file)"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            NO_SOURCE.format(
                "uv audit (uv exited with code 7: boom: unexpected failure)"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            NO_SOURCE.format(
                "uv audit (uv exited with code 1 without its JSON report: "
                "RuntimeError: uv-audit stand-in crashed)"
            ),
        ),
        Fault.SILENT: (
            "error",
            NO_SOURCE.format(
                "uv audit (uv exited with code 0 without its JSON report: "
                "(no output))"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            NO_SOURCE.format(
                'uv audit (uv did not write JSON: \'{"vulnerabilities": '
                '[{"id": "REQ\')'
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            NO_SOURCE.format(
                "uv audit (uv wrote JSON without the expected " "vulnerabilities list)"
            ),
        ),
        Fault.TIMEOUT: (
            "error",
            NO_SOURCE.format("uv audit (uv did not finish within 5s and was killed)"),
        ),
        Fault.ORPHAN: ("fail", "REQ-1 pyproject.toml, DP002 pyproject.toml"),
        Fault.FLOOD: (
            "error",
            NO_SOURCE.format(
                "uv audit (uv printed more than 16 MiB (exit code 1); its "
                "output was cut, so its result cannot be trusted)"
            ),
        ),
    },
    "deps-pip-audit": {
        Fault.MISSING: ("error", NO_SOURCE.format("pip-audit (not installed)")),
        Fault.EXIT_CODE: (
            "error",
            NO_SOURCE.format(
                "pip-audit (pip-audit exited with code 7: boom: unexpected " "failure)"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            NO_SOURCE.format(
                "pip-audit (pip-audit exited with code 1 without writing its "
                "report: RuntimeError: pip-audit stand-in crashed)"
            ),
        ),
        Fault.SILENT: (
            "error",
            NO_SOURCE.format(
                "pip-audit (pip-audit exited with code 0 without writing its "
                "report: (no output))"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            NO_SOURCE.format(
                'pip-audit (pip-audit did not write JSON: \'{"dependencies": '
                '[{"name": "requests", "version": "2.3\')'
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            NO_SOURCE.format(
                "pip-audit (pip-audit wrote JSON without the expected "
                "dependencies list)"
            ),
        ),
        Fault.TIMEOUT: (
            "error",
            NO_SOURCE.format(
                "pip-audit (pip-audit did not finish within 5s and was " "killed)"
            ),
        ),
        Fault.ORPHAN: ("fail", "REQ-1 pyproject.toml, DP002 pyproject.toml"),
        Fault.FLOOD: (
            "error",
            NO_SOURCE.format(
                "pip-audit (pip-audit printed more than 16 MiB (exit code "
                "1); its output was cut, so its result cannot be trusted)"
            ),
        ),
    },
    "deps-safety": {
        Fault.MISSING: ("error", NO_SOURCE.format("safety (not installed)")),
        Fault.EXIT_CODE: (
            "error",
            NO_SOURCE.format(
                "safety (safety exited with code 7: boom: unexpected failure)"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            NO_SOURCE.format(
                "safety (safety exited with code 1: RuntimeError: safety "
                "stand-in crashed)"
            ),
        ),
        Fault.SILENT: (
            "error",
            NO_SOURCE.format(
                "safety (safety exited with code 0 without writing its "
                "report: (no output))"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            NO_SOURCE.format("safety (safety exited with code 1: (no output))"),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            NO_SOURCE.format(
                "safety (safety wrote JSON without the expected "
                "vulnerabilities list)"
            ),
        ),
        Fault.TIMEOUT: (
            "error",
            NO_SOURCE.format("safety (safety did not finish within 5s and was killed)"),
        ),
        Fault.ORPHAN: ("fail", "PYUP-1 pyproject.toml, DP002 pyproject.toml"),
        Fault.FLOOD: (
            "error",
            NO_SOURCE.format("safety (safety exited with code 1: " + "x" * 300 + ")"),
        ),
    },
}
