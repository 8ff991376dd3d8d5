"""The gates that install the target or run its commands, against uv, git and
the target's own commands misbehaving in every known way; and git under the
result cache and ``readiness fix``.

The fixture is an installable application (setuptools): ``app/cli.py`` is its
console script ``app``, a parser written by hand (so no static model: its
``--help`` is walked in the prod environment) with one subcommand, ``run``,
which prints ``ran``; ``README.md`` shows ``app run``; its ops command is
``app run``, expecting ``ran``; ``app/data.py`` is not black-formatted (the
companion, format, reports FM001). For the build, the cache and fix rows it is
a git repository with everything committed.

Where readiness runs a target's command (the console script under cli, an ops
command), the command's failure is the target's: the gate fails with a
finding, never passes on it, and never errors for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import harness, table
from tests.faults.harness import FLOOD, MISSING, TIMEOUT_S, Stand
from tests.faults.standins import FLOOD_BYTES, Fault

PYPROJECT = """\
[project]
name = "app"
version = "1"
requires-python = ">=3.11"

[project.scripts]
app = "app.cli:main"

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[tool.black]

[tool.readiness]
kind = "application"
"""
#: The ops command: the console script, or a stand-in run by name.
OPS = """
[[tool.readiness.ops.commands]]
name = "run"
command = {command}
expect_output = "{expect}"
timeout = {timeout}
"""
CLI = '''\
"""The fixture's console script, misbehaving as ``APP_FAULT`` says."""

import os
import subprocess
import sys
import time

FAULT = os.environ.get("APP_FAULT", "")
if FAULT == "missing":
    raise ImportError("cannot import name 'main' from 'app.cli'")

HELP = """usage: app [-h] {{run}} ...

positional arguments:
  {{run}}
    run       run the app

options:
  -h, --help  show this help message and exit
"""
RUN_HELP = """usage: app run [-h]

options:
  -h, --help  show this help message and exit
"""


def child() -> None:
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(os.environ["APP_PIDS"], "a") as file:
        file.write(f"{{os.getpid()}}\\n{{sleeper.pid}}\\n")


def main() -> int:
    args = sys.argv[1:]
    if FAULT == "exit-code":
        sys.stderr.write("boom: unexpected failure\\n")
        return 7
    if FAULT == "traceback":
        raise RuntimeError("app crashed")
    if FAULT == "silent":
        return 0
    if FAULT == "truncated":
        sys.stdout.write(HELP[:30])
        return 0
    if FAULT == "wrong-shape":
        sys.stdout.write('{{"commands": ["run"]}}\\n')
        return 0
    if FAULT in ("timeout", "orphan"):
        child()
    if FAULT == "timeout":
        time.sleep(300)
    if FAULT == "flood":
        line = b"x" * 1023 + b"\\n"
        for _ in range({flood} // len(line)):
            sys.stdout.buffer.write(line)
            sys.stderr.buffer.write(line)
        return 1
    if args == ["run"]:
        print("ran")
        return 0
    if args == ["run", "--help"]:
        print(RUN_HELP)
        return 0
    if args in (["--help"], ["-h"]):
        print(HELP)
        return 0
    sys.stderr.write("usage: app [-h] {{run}} ...\\n")
    return 2
'''
FILES = {
    "app/__init__.py": "",
    "app/cli.py": CLI.format(flood=FLOOD_BYTES),
    "app/data.py": "x = {  'a':1 }\n",
    "README.md": "Run it:\n\n```\napp run\n```\n",
}
#: The gates that build the prod environment, and what the companion reports.
PROD = ("cli", "docs", "ops")
COMPANION = "fail: FM001 app/data.py"

#: (gate, tool, shown, described faults) in the table's order within a gate.
ROWS: list[tuple[str, str, str, dict[Fault, str]]] = [
    ("build", "uv-build", "uv build", {}),
    ("build", "git", "git", {}),
    *((gate, "uv-prod", "uv venv (prod environment)", {}) for gate in PROD),
    (
        "cli",
        "app",
        "the target's console script",
        {
            Fault.MISSING: "its entry point cannot be imported (ImportError)",
            Fault.TRUNCATED: "prints half its help, exit 0",
            Fault.WRONG_SHAPE: "prints JSON for help, exit 0",
        },
    ),
    (
        "ops",
        "app-check",
        "an ops command",
        {Fault.MISSING: "is not installed (its name hidden)"},
    ),
    ("(cache)", "git", "git ls-files", {}),
    ("fix", "git", "git", {}),
]
CASES = [
    case
    for gate, tool, shown, described in ROWS
    for case in table.register(__name__, gate, tool, shown=shown, described=described)
]


def pyproject(case: table.Case) -> str:
    """The fixture's pyproject.toml: the gate's timeout in the timeout cases
    (but the console script's rows share one, and its help timeout is always
    short), the ops command, and for fix every gate of P0 skipped."""
    gate, tool, fault = case.key
    sections: dict[str, list[str]] = {"cli": [f"help_timeout = {TIMEOUT_S}"]}
    if gate == "fix":
        sections[""] = ['skip = ["build", "markers", "tests", "sast", "secrets"]']
    sections["ops"] = ['environment = "none"' if tool == "app-check" else ""]
    if fault is Fault.TIMEOUT and gate in ("build", *PROD) and tool != "app":
        sections.setdefault(gate, []).append(f"timeout = {TIMEOUT_S}")
    text = PYPROJECT + "".join(sections.pop("", ())) + "\n"
    for name, lines in sections.items():
        text += f"\n[tool.readiness.{name}]\n" + "".join(f"{x}\n" for x in lines if x)
    ops_command = tool == "app-check"
    return text + OPS.format(
        command='["app-check"]' if ops_command else '["app", "run"]',
        expect="app ok" if ops_command else "ran",
        timeout=TIMEOUT_S,
    )


def fixture_repo(root: Path, case: table.Case) -> Path:
    harness.write_files(root, {**FILES, "pyproject.toml": pyproject(case)})
    if case.gate in ("build", "(cache)", "fix"):
        harness.commit(root)
    return root


@pytest.fixture(scope="module")
def app_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fixture for the console script's rows, so that they share one prod
    environment (its inputs never change; each case sets its own fault)."""
    root = tmp_path_factory.mktemp("app") / "repo"
    return fixture_repo(root, CASES_BY_TOOL["app"][0])


CASES_BY_TOOL: dict[str, list[table.Case]] = {}
for _case in CASES:
    CASES_BY_TOOL.setdefault(_case.tool, []).append(_case)


AUDITED = [case for case in CASES if case.gate != "fix"]


@pytest.mark.tools
@pytest.mark.parametrize("case", AUDITED, ids=[c.id for c in AUDITED])
def test_a_faulty_builder_or_command_never_passes_nor_leaves_a_process(
    *,
    case: table.Case,
    tmp_path: Path,
    app_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gate, tool, fault = case.key
    if tool == "app":
        root, stands = app_repo, []
        monkeypatch.setenv("APP_FAULT", fault.value)
        monkeypatch.setenv("APP_PIDS", str(tmp_path / "pids"))
    else:
        root = fixture_repo(tmp_path / "repo", case)
        stands = [Stand(tool=tool, fault=fault)]
    gates = ["--gate", "format"]
    if gate != "(cache)":
        gates = ["--gate", gate, *gates]
    ran = harness.run(
        ["audit", str(root), *gates],
        tmp_path=tmp_path,
        stands=stands,
        monkeypatch=monkeypatch,
        capsys=capsys,
        cache=gate == "(cache)",
    )
    # the cache's row shows the gate it ran around, which must not change
    shown, companion = ("format", "-") if gate == "(cache)" else (gate, "format")
    outcome = harness.outcome(
        ran, shown, companion, tmp_path, messages=tool in ("app", "app-check")
    )
    harness.dump(case, outcome)
    assert (outcome.status, outcome.reason) == expected(case)
    if gate != "(cache)":
        assert outcome.companion == COMPANION
    assert outcome.exit_code == 1
    harness.check(ran, fault)
    table.record(case, outcome)


FIXED = [case for case in CASES if case.gate == "fix"]


@pytest.mark.tools
@pytest.mark.parametrize("case", FIXED, ids=[c.id for c in FIXED])
def test_fix_refuses_when_git_cannot_say_the_tree_is_clean(
    *,
    case: table.Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = fixture_repo(tmp_path / "repo", case)
    ran = harness.run(
        ["fix", str(root), "--priority", "P0"],
        tmp_path=tmp_path,
        stands=[Stand(tool="git", fault=case.fault)],
        monkeypatch=monkeypatch,
        capsys=capsys,
        report=False,
    )
    printed = (ran.err or ran.out).strip()
    said = printed.splitlines()[-1] if printed else "(nothing)"
    status = "refused" if ran.code == 2 else "run"
    outcome = harness.outcome(ran, "fix", "-", tmp_path, reason=said)
    outcome = table.Outcome(
        status=status,
        reason=outcome.reason,
        exit_code=ran.code,
        companion="-",
        left=ran.left,
    )
    harness.dump(case, outcome)
    assert (outcome.status, outcome.reason) == expected(case)
    harness.check(ran, case.fault)
    table.record(case, outcome)


def expected(case: table.Case) -> tuple[str, str]:
    return OUTCOMES.get((case.gate, case.tool), {}).get(case.fault, ("?", "?"))


OUTCOMES: dict[tuple[str, str], dict[Fault, tuple[str, str]]] = {}
del FLOOD, MISSING
