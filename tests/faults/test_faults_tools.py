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
from tests.faults.harness import FLOOD, MISSING, TIMEOUT_S, Stand
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
    assert (outcome.status, outcome.reason) == expected(tool, fault)
    assert outcome.companion == WELL[companion]
    assert outcome.exit_code == 1
    harness.check(ran, fault)
    table.record(case, outcome)


WELL = {
    "format": "fail: FM001 app/data.py",
    "sast": "pass: B101 app/util.py:5",
}


def expected(tool: str, fault: Fault) -> tuple[str, str]:
    return OUTCOMES.get(tool, {}).get(fault, ("?", "?"))


OUTCOMES: dict[str, dict[Fault, tuple[str, str]]] = {}
del FLOOD, MISSING
