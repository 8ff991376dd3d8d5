"""Each gate's main tool, against that tool misbehaving in every known way (the
other tools a gate may run: ``test_faults_tools``; uv, git and the target's
own commands around the environments: ``test_faults_envs``).

Each case audits one small fixture repository with the faulty tool's gate and a
companion gate (``format``, or ``lint`` beside ``format``) through the CLI, with
a stand-in (:mod:`tests.faults.standins`) in front of the real tool. It asserts
the gate's status and reason exactly, the companion's result unchanged, the
exit code, that no process the stand-in started is left, and, for the floods,
that readiness kept a bounded amount of memory (:mod:`tests.faults.harness`).
A run of every fault module writes the table of cases and outcomes into
``docs/faults.md`` (:mod:`tests.faults.table`).

The fixture plants, for the real tools to find: ``app/__init__.py`` imports
``os`` unused (ruff F401, line 1); ``app/data.py`` is not black-formatted;
``app/util.py`` has an ``assert`` (bandit B101, Low, line 5) and assigns a str
to an int (mypy ``assignment``, line 6, a legacy error without a baseline);
the project requires ``requests``, locked at 2.31.0 by the uv stand-in, which
the offline advisory ``REQ-1`` (High, fixed in 2.32.0) affects; for the git
cases the repository is committed with git, no ``.env`` in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.faults import harness, table
from tests.faults.harness import FLOOD, MISSING, TIMEOUT_S, Stand
from tests.faults.standins import Fault

#: The gate and the tool a stand-in replaces (``uv-venv``: uv building the
#: typing environment; ``mypy`` and ``pytest``: the typing or test
#: environment's mypy or pytest, which uv installs).
TOOLS = [
    ("lint", "ruff"),
    ("format", "black"),
    ("sast", "bandit"),
    ("typing", "mypy"),
    ("typing", "uv-venv"),
    ("deps", "uv"),
    ("deps", "uv-export"),
    ("secrets", "git"),
    ("tests", "pytest"),
]
#: How the table names each tool.
SHOWN = {
    "uv-venv": "uv venv",
    "uv": "uv pip compile",
    "uv-export": "uv export (of the project's uv.lock)",
}
#: How the table describes a fault where the tool's output is a file.
DESCRIBED = {
    ("pytest", Fault.MISSING): "is not installed (No module named pytest, exit 1)",
    ("pytest", Fault.SILENT): "prints nothing, writes no JUnit file, exit 0",
    ("pytest", Fault.TRUNCATED): "writes a truncated JUnit file, exit 0",
    ("pytest", Fault.WRONG_SHAPE): "writes XML that is not JUnit, exit 0",
}
CASES = [
    case
    for gate, tool in TOOLS
    for case in table.register(
        __name__,
        gate,
        tool,
        shown=SHOWN.get(tool),
        described={f: text for (t, f), text in DESCRIBED.items() if t == tool},
    )
]

HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"
ADVISORY = {
    "id": "REQ-1",
    "summary": "requests leaks credentials",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "requests"},
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "0"}, {"fixed": "2.32.0"}],
                }
            ],
        }
    ],
    "severity": [{"type": "CVSS_V3", "score": HIGH}],
}
FILES = {
    "app/__init__.py": "import os\n",
    "app/data.py": "x = {  'a':1 }\n",
    "app/util.py": """\
        def add(a: int, b: int) -> int:
            return a + b


        assert add(1, 2) == 3
        total: int = "three"
        """,
    "osv/REQ-1.json": json.dumps(ADVISORY),
    ".gitignore": ".env\n",
}
#: Written for the tests gate only (the other gates' results stay as they are):
#: one passing test that imports every module, so coverage is 100 %.
TEST_FILE = """\
from app import data, util


def test_add() -> None:
    assert util.add(1, 2) == 3 and data.x
"""
PYPROJECT = """\
[project]
name = "app"
version = "1"
requires-python = ">=3.11"
dependencies = ["requests>=2"]

# The project adopts black and mypy, and is deployed (so DP002 applies): the
# gates report per file, per error and the missing lock, as the faults expect.
[tool.black]
[tool.mypy]

[tool.readiness]
kind = "application"

[tool.readiness.deps]
advisory-db = "osv"
"""

#: What each gate reports when its tool works (and for a fault it must survive).
WELL = {
    "lint": ("fail", "F401 app/__init__.py:1"),
    "format": ("fail", "FM001 app/data.py"),
    "sast": ("pass", "B101 app/util.py:5"),
    "typing": ("pass", "assignment app/util.py:6"),
    # REQ-1 in the prod lock (the test and dev locks named in it, not repeated)
    "deps": ("fail", "REQ-1 pyproject.toml, DP002 pyproject.toml"),
    "secrets": ("pass", "no finding"),
    "tests": ("pass", "no finding"),
}


#: The project's committed lock for the ``uv export`` rows (what readiness reads
#: of it; the stand-in answers the export itself): requests at 2.31.0.
UV_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "app"
version = "1"
source = { editable = "." }
dependencies = [{ name = "requests" }]

[package.metadata]
requires-dist = [{ name = "requests", specifier = ">=2" }]

[[package]]
name = "requests"
version = "2.31.0"
source = { registry = "https://pypi.org/simple" }
"""

#: How the deps gate names a lock it could not produce.
PROD_LOCK = "cannot produce the prod lock: "


def expected(gate: str, tool: str, fault: Fault) -> tuple[str, str]:
    """The status and reason (or findings) the gate must end with."""
    shown = {"uv-venv": "uv", "uv-export": "uv"}.get(tool, tool)
    if (tool, fault) in OTHERWISE:
        return OTHERWISE[(tool, fault)]
    if fault is Fault.ORPHAN:
        return WELL[gate]
    if fault is Fault.TIMEOUT:
        lock = PROD_LOCK if gate == "deps" else ""
        return (
            "error",
            f"{lock}{shown} did not finish within {TIMEOUT_S}s and was killed",
        )
    return "error", REASONS[tool][fault]


NO_JUNIT = (
    "pytest exited {} ({}) but wrote no JUnit report (junit.xml), so which tests"
    " ran is unknown"
)
JUNIT_HINT = (
    "check that the target's configuration or a plugin does not disable --junitxml"
)
NO_INTERPRETER = (
    "cannot build the typing environment: uv venv exited with code 0 but created"
    " no interpreter"
)
REASONS: dict[str, dict[Fault, str]] = {
    "ruff": {
        Fault.MISSING: "ruff " + MISSING.format("ruff"),
        Fault.EXIT_CODE: "ruff exited with code 7: boom: unexpected failure",
        Fault.TRACEBACK: "ruff crashed (exit code 1, no JSON printed):"
        " RuntimeError: ruff stand-in crashed",
        Fault.SILENT: "ruff crashed (exit code 0, no JSON printed): (no output)",
        Fault.TRUNCATED: "ruff printed output that is not JSON:"
        """ '[{"filename": "app/__init__.py", "location": {"row": 1, "col'""",
        Fault.WRONG_SHAPE: "ruff printed JSON that is not a list of diagnostics",
        Fault.FLOOD: FLOOD.format("ruff"),
    },
    "black": {
        Fault.MISSING: "black " + MISSING.format("black"),
        Fault.EXIT_CODE: "black exited with code 7: boom: unexpected failure",
        Fault.TRACEBACK: "black exited with code 1:"
        " RuntimeError: black stand-in crashed",
        Fault.SILENT: 'black exited with code 0 without its summary line ("N files'
        ' would be left unchanged"): (no output)',
        Fault.TRUNCATED: 'black exited with code 1 without its summary line ("N'
        ' files would be left unchanged"): would reformat app/data.py',
        Fault.WRONG_SHAPE: 'black exited with code 0 without its summary line ("N'
        ' files would be left unchanged"): {"files": 0}',
        Fault.FLOOD: FLOOD.format("black"),
    },
    "bandit": {
        Fault.MISSING: "bandit " + MISSING.format("bandit"),
        Fault.EXIT_CODE: "bandit exited with code 7: boom: unexpected failure",
        Fault.TRACEBACK: "bandit exited with code 1 without writing its report:"
        " RuntimeError: bandit stand-in crashed",
        Fault.SILENT: "bandit exited with code 0 without writing its report:"
        " (no output)",
        Fault.TRUNCATED: "bandit wrote a report that is not JSON:"
        """ '{"results": [{"filename": "app/util.py", "test_id": "B1'""",
        Fault.WRONG_SHAPE: "bandit wrote JSON without the expected results list",
        Fault.FLOOD: "bandit exited with code 1 without writing its report: "
        + "x" * 300,
    },
    "mypy": {
        Fault.MISSING: "mypy is not usable in the typing environment: mypy exited"
        " with code 1: No module named mypy",
        Fault.EXIT_CODE: "mypy exited with code 7: boom: unexpected failure",
        Fault.TRACEBACK: "mypy exited with code 1 without reporting an error:"
        " RuntimeError: mypy stand-in crashed",
        Fault.SILENT: "mypy exited with code 0 without its summary line: (no output)",
        Fault.TRUNCATED: "mypy printed a line that is not JSON:"
        """ '{"file": "app/util.py", "line": 5, "column": 9, "mess'""",
        Fault.WRONG_SHAPE: "mypy printed JSON that is not a message:"
        """ '{"errors": 0, "files": 2}'""",
        Fault.FLOOD: FLOOD.format("mypy"),
    },
    "uv-venv": {
        Fault.MISSING: "cannot build the typing environment: uv "
        + MISSING.format("uv"),
        Fault.EXIT_CODE: "cannot build the typing environment: uv exited with code"
        " 7: boom: unexpected failure",
        Fault.TRACEBACK: "cannot build the typing environment: uv exited with code"
        " 1: RuntimeError: uv-venv stand-in crashed",
        Fault.SILENT: NO_INTERPRETER,
        Fault.TRUNCATED: NO_INTERPRETER,
        Fault.WRONG_SHAPE: NO_INTERPRETER,
        Fault.FLOOD: "cannot build the typing environment: uv exited with code 1: "
        + "x" * 300,
    },
    "uv": {
        Fault.MISSING: f"{PROD_LOCK}uv " + MISSING.format("uv"),
        Fault.EXIT_CODE: f"{PROD_LOCK}uv exited with code 7: boom: unexpected failure",
        Fault.TRACEBACK: f"{PROD_LOCK}uv exited with code 1: RuntimeError: uv"
        " stand-in crashed",
        Fault.SILENT: f"{PROD_LOCK}uv exited with code 0 without writing the lock",
        Fault.TRUNCATED: f"{PROD_LOCK}uv wrote a lock readiness cannot read (line"
        " 1: not a requirement: requests=)",
        Fault.WRONG_SHAPE: f"{PROD_LOCK}uv wrote a lock readiness cannot read"
        """ (line 1: not a requirement: {"packages": [{"name": "requests"}]})""",
        Fault.FLOOD: f"{PROD_LOCK}uv exited with code 1: " + "x" * 300,
    },
    "uv-export": {
        Fault.MISSING: f"{PROD_LOCK}uv " + MISSING.format("uv"),
        Fault.EXIT_CODE: f"{PROD_LOCK}uv exited with code 7: boom: unexpected failure",
        Fault.TRACEBACK: f"{PROD_LOCK}uv exited with code 1: RuntimeError: uv-export"
        " stand-in crashed",
        # an export that exits 0 with nothing in it, of a project with a
        # requirement, is no lock (an empty prod lock would pass the gate)
        Fault.SILENT: f"{PROD_LOCK}uv wrote no package, but pyproject.toml declares"
        " 1 requirement for it (requests>=2)",
        Fault.TRUNCATED: f"{PROD_LOCK}uv wrote a lock readiness cannot read (line"
        " 1: not a requirement: requests=)",
        Fault.WRONG_SHAPE: f"{PROD_LOCK}uv wrote a lock readiness cannot read"
        """ (line 1: not a requirement: {"packages": [{"name": "requests"}]})""",
        Fault.FLOOD: f"{PROD_LOCK}uv exited with code 1: " + "x" * 300,
    },
    "git": {
        Fault.MISSING: "git " + MISSING.format("git") + "; the .env checks of a git"
        " checkout need it",
        Fault.EXIT_CODE: "git failed: git exited with code 7: boom: unexpected"
        " failure",
        Fault.TRACEBACK: "git failed: git exited with code 1: RuntimeError: git"
        " stand-in crashed",
        Fault.SILENT: "git rev-parse answered '', not true or false",
        Fault.TRUNCATED: "git rev-parse answered 'tr', not true or false",
        Fault.WRONG_SHAPE: """git rev-parse answered '{"inside": true}', not true"""
        " or false",
        Fault.FLOOD: "git failed: git exited with code 1: " + "x" * 300,
    },
    "pytest": {
        Fault.MISSING: "pytest is not installed in the test environment: No module"
        " named pytest",
        Fault.TRACEBACK: f"{NO_JUNIT.format(1, 'tests failed')}; its last output:"
        f" RuntimeError: pytest stand-in crashed; {JUNIT_HINT}",
        Fault.SILENT: f"{NO_JUNIT.format(0, 'all selected tests passed')};"
        f" {JUNIT_HINT}",
        Fault.TRUNCATED: "pytest wrote a JUnit file that cannot be read: unclosed"
        " token: line 1, column 133",
        Fault.WRONG_SHAPE: "pytest wrote a JUnit file of the wrong shape: its root is"
        " <results>, not <testsuites>, so which tests ran is unknown",
        Fault.FLOOD: FLOOD.format("pytest"),
    },
}
#: Where a fault has another outcome than ``error`` with the tool's reason.
OTHERWISE: dict[tuple[str, Fault], tuple[str, str]] = {
    # the export still works: REQ-1 in the committed lock (no DP002: it is one)
    ("uv-export", Fault.ORPHAN): ("fail", "REQ-1 uv.lock"),
    # pytest never exits 7: something ended it (a test's os._exit, say) before
    # it wrote its report, which the gate reports as a failure of the suite
    ("pytest", Fault.EXIT_CODE): (
        "fail",
        ("TS008: pytest exit 7 (unknown exit code 7): boom: unexpected failure"),
    ),
    # the tests gate also names where pytest was (its progress probe)
    ("pytest", Fault.TIMEOUT): (
        "error",
        (
            f"pytest did not finish within {TIMEOUT_S}s and was killed with its"
            " process group, while collecting (last output: (no output))"
        ),
    ),
}


def fixture_repo(root: Path, gate: str, tool: str, fault: Fault) -> Path:
    root.mkdir()
    pyproject = PYPROJECT
    if fault is Fault.TIMEOUT:  # [tool.readiness.deps] is the last table
        table = "" if gate == "deps" else f"\n[tool.readiness.{gate}]\n"
        pyproject += f"{table}timeout = {TIMEOUT_S}\n"
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    harness.write_files(root, FILES)
    if tool == "uv-export":
        (root / "uv.lock").write_text(UV_LOCK, encoding="utf-8")
    if gate == "tests":
        (root / "tests").mkdir()
        (root / "tests" / "test_app.py").write_text(TEST_FILE, encoding="utf-8")
    if gate == "secrets":
        harness.commit(root)
    return root


@pytest.mark.tools
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_faulty_tool_never_passes_nor_leaves_a_process(
    *,
    case: table.Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gate, tool, fault = case.key
    root = fixture_repo(tmp_path / "repo", gate, tool, fault)
    companion = "lint" if gate == "format" else "format"
    ran = harness.run(
        ["audit", str(root), "--gate", gate, "--gate", companion],
        tmp_path=tmp_path,
        stands=[Stand(tool=tool, fault=fault)],
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    outcome = harness.outcome(ran, gate, companion, tmp_path)
    harness.dump(case, outcome)
    assert (outcome.status, outcome.reason) == expected(gate, tool, fault)
    assert outcome.companion == ": ".join(WELL[companion])
    assert outcome.exit_code == 1
    harness.check(ran, fault)
    table.record(case, outcome)  # the table shows asserted outcomes only
