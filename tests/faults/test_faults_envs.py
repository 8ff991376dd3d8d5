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
from tests.faults.harness import TIMEOUT_S, Stand
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
    ("lint", "uv-prod", "uv venv (the ruff the project pins)", {}),
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
        "docs",
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
    if fault is Fault.TIMEOUT and gate in ("build", "lint", *PROD) and tool != "app":
        sections.setdefault(gate, []).append(f"timeout = {TIMEOUT_S}")
    text = PYPROJECT + "".join(sections.pop("", ())) + "\n"
    if gate == "lint":  # a ruff of its own, which readiness installs with uv
        text += '\n[project.optional-dependencies]\ndev = ["ruff==0.6.9"]\n'

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
    if gate == "lint":  # the pinned ruff's environment, built by each case anew
        monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
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
    return OUTCOMES[case.id.rpartition(f"-{case.fault.value}")[0]][case.fault]


#: The ruff the lint rows' fixture pins, as the lint gate names it.
RUFF_PIN = "ruff 0.6.9 (pinned by pyproject.toml (dev/test pins))"
RUFF_NO_INTERPRETER = (
    f"{RUFF_PIN} cannot be installed: uv venv exited with code 0 but created no"
    " interpreter"
)
#: How the docs gate begins a reason for an invocation it could not check.
UNCHECKED = (
    "no invocation could be checked: 1 invocation of app not checked (its --help"
)
#: The status and reason (or findings) each case must end with.
OUTCOMES: dict[str, dict[Fault, tuple[str, str]]] = {
    "build-uv-build": {
        Fault.MISSING: (
            "error",
            (
                "uv is not installed (READINESS_TOOLS_DIR hides it: "
                "<tools>/uv is not an executable file)"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            (
                "uv crashed, so whether the package builds is unknown: uv "
                "exited with code 7: boom: unexpected failure"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            (
                "uv crashed, so whether the package builds is unknown: uv "
                "exited with code 1: RuntimeError: uv-build stand-in crashed"
            ),
        ),
        Fault.SILENT: (
            "error",
            "uv build left nothing where one *.tar.gz was expected",
        ),
        Fault.TRUNCATED: (
            "error",
            "uv build left nothing where one *.tar.gz was expected",
        ),
        Fault.WRONG_SHAPE: (
            "error",
            "uv build left nothing where one *.tar.gz was expected",
        ),
        Fault.TIMEOUT: ("error", "uv did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "error",
            (
                "uv crashed, so whether the package builds is unknown: uv "
                "exited with code 1: "
            )
            + "x" * 300,
        ),
    },
    "build-git": {
        Fault.MISSING: (
            "error",
            (
                "git is not installed (READINESS_TOOLS_DIR hides it: "
                "<tools>/git is not an executable file)"
            ),
        ),
        Fault.EXIT_CODE: ("error", "git exited with code 7: boom: unexpected failure"),
        Fault.TRACEBACK: (
            "error",
            "git exited with code 1: RuntimeError: git stand-in crashed",
        ),
        Fault.SILENT: (
            "error",
            (
                "git rev-parse --show-toplevel answered '', not a folder "
                "holding the target"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                "git rev-parse --show-toplevel answered 'tr', not a folder "
                "holding the target"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            (
                "git rev-parse --show-toplevel answered '{\"inside\": true}', "
                "not a folder holding the target"
            ),
        ),
        Fault.TIMEOUT: ("error", "git did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: ("error", "git exited with code 1: " + "x" * 300),
    },
    "lint-uv-prod": {
        Fault.MISSING: (
            "error",
            (
                f"{RUFF_PIN} cannot be installed: uv is not installed"
                " (READINESS_TOOLS_DIR hides it: <tools>/uv is not an executable file)"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            f"{RUFF_PIN} cannot be installed: boom: unexpected failure",
        ),
        Fault.TRACEBACK: (
            "error",
            f"{RUFF_PIN} cannot be installed: RuntimeError: uv-prod stand-in crashed",
        ),
        Fault.SILENT: ("error", RUFF_NO_INTERPRETER),
        Fault.TRUNCATED: ("error", RUFF_NO_INTERPRETER),
        Fault.WRONG_SHAPE: ("error", RUFF_NO_INTERPRETER),
        # the gate's own deadline ran out, as for every tool it runs
        Fault.TIMEOUT: ("error", "uv did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: ("error", f"{RUFF_PIN} cannot be installed: " + "x" * 300),
    },
    "cli-uv-prod": {
        Fault.MISSING: (
            "error",
            (
                "help walk not run, no prod environment: cannot build the "
                "prod environment: uv is not installed (READINESS_TOOLS_DIR "
                "hides it: <tools>/uv is not an executable file); the source "
                "declares 1 command: app"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            (
                "help walk not run, no prod environment: cannot build the "
                "prod environment: uv exited with code 7: boom: unexpected "
                "failure; the source declares 1 command: app"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            (
                "help walk not run, no prod environment: cannot build the "
                "prod environment: uv exited with code 1: RuntimeError: "
                "uv-prod stand-in crashed; the source declares 1 command: app"
            ),
        ),
        Fault.SILENT: (
            "error",
            (
                "help walk not run, no prod environment: cannot build the "
                "prod environment: uv venv exited with code 0 but created no "
                "interpreter; the source declares 1 command: app"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                "help walk not run, no prod environment: cannot build the "
                "prod environment: uv venv exited with code 0 but created no "
                "interpreter; the source declares 1 command: app"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            (
                "help walk not run, no prod environment: cannot build the "
                "prod environment: uv venv exited with code 0 but created no "
                "interpreter; the source declares 1 command: app"
            ),
        ),
        Fault.TIMEOUT: ("error", "uv did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "error",
            (
                "help walk not run, no prod environment: cannot build the "
                "prod environment: uv exited with code 1: "
            )
            + "x" * 300
            + "; the source declares 1 command: app",
        ),
    },
    "docs-uv-prod": {
        Fault.MISSING: (
            "error",
            (
                "no invocation could be checked: 1 invocation of app not "
                "checked (help walk not run, no prod environment: cannot "
                "build the prod environment: uv is not installed "
                "(READINESS_TOOLS_DIR hides it: <tools>/uv is not an "
                "executable file))"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            (
                "no invocation could be checked: 1 invocation of app not "
                "checked (help walk not run, no prod environment: cannot "
                "build the prod environment: uv exited with code 7: boom: "
                "unexpected failure)"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            (
                "no invocation could be checked: 1 invocation of app not "
                "checked (help walk not run, no prod environment: cannot "
                "build the prod environment: uv exited with code 1: "
                "RuntimeError: uv-prod stand-in crashed)"
            ),
        ),
        Fault.SILENT: (
            "error",
            (
                "no invocation could be checked: 1 invocation of app not "
                "checked (help walk not run, no prod environment: cannot "
                "build the prod environment: uv venv exited with code 0 but "
                "created no interpreter)"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                "no invocation could be checked: 1 invocation of app not "
                "checked (help walk not run, no prod environment: cannot "
                "build the prod environment: uv venv exited with code 0 but "
                "created no interpreter)"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            (
                "no invocation could be checked: 1 invocation of app not "
                "checked (help walk not run, no prod environment: cannot "
                "build the prod environment: uv venv exited with code 0 but "
                "created no interpreter)"
            ),
        ),
        Fault.TIMEOUT: ("error", "uv did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "error",
            (
                "no invocation could be checked: 1 invocation of app not "
                "checked (help walk not run, no prod environment: cannot "
                "build the prod environment: uv exited with code 1: "
            )
            + "x" * 300
            + ")",
        ),
    },
    "ops-uv-prod": {
        Fault.MISSING: (
            "error",
            (
                "ops commands not run, no prod environment: cannot build the "
                "prod environment: uv is not installed (READINESS_TOOLS_DIR "
                "hides it: <tools>/uv is not an executable file)"
            ),
        ),
        Fault.EXIT_CODE: (
            "error",
            (
                "ops commands not run, no prod environment: cannot build the "
                "prod environment: uv exited with code 7: boom: unexpected "
                "failure"
            ),
        ),
        Fault.TRACEBACK: (
            "error",
            (
                "ops commands not run, no prod environment: cannot build the "
                "prod environment: uv exited with code 1: RuntimeError: "
                "uv-prod stand-in crashed"
            ),
        ),
        Fault.SILENT: (
            "error",
            (
                "ops commands not run, no prod environment: cannot build the "
                "prod environment: uv venv exited with code 0 but created no "
                "interpreter"
            ),
        ),
        Fault.TRUNCATED: (
            "error",
            (
                "ops commands not run, no prod environment: cannot build the "
                "prod environment: uv venv exited with code 0 but created no "
                "interpreter"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "error",
            (
                "ops commands not run, no prod environment: cannot build the "
                "prod environment: uv venv exited with code 0 but created no "
                "interpreter"
            ),
        ),
        Fault.TIMEOUT: ("error", "uv did not finish within 5s and was killed"),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "error",
            (
                "ops commands not run, no prod environment: cannot build the "
                "prod environment: uv exited with code 1: "
            )
            + "x" * 300,
        ),
    },
    "cli-app": {
        Fault.MISSING: (
            "fail",
            (
                "CL001 app/cli.py:10: `app --help` fails in the prod "
                "environment: exit 1, ImportError: cannot import name 'main' "
                "from 'app.cli'"
            ),
        ),
        Fault.EXIT_CODE: (
            "fail",
            (
                "CL001: `app --help` fails in the prod environment: exit 7, "
                "boom: unexpected failure"
            ),
        ),
        Fault.TRACEBACK: (
            "fail",
            (
                "CL001 app/cli.py:45: `app --help` fails in the prod "
                "environment: exit 1, RuntimeError: app crashed"
            ),
        ),
        Fault.SILENT: (
            "fail",
            (
                "CL001: `app --help` fails in the prod environment: exit 0 "
                "but printed nothing"
            ),
        ),
        Fault.TRUNCATED: ("pass", "no finding"),
        Fault.WRONG_SHAPE: ("pass", "no finding"),
        Fault.TIMEOUT: (
            "fail",
            (
                "CL002: `app --help` hangs in the prod environment: no "
                "answer within 5 s"
            ),
        ),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "fail",
            (
                "CL001: `app --help` fails in the prod environment: exit 1, "
                "printed more than 16 MiB"
            ),
        ),
    },
    "docs-app": {
        # the documented `app run` is never checked against a help that is not
        # one: the invocation is counted unchecked, with the cli gate's words
        Fault.MISSING: (
            "skipped",
            (
                f"{UNCHECKED} fails in the prod environment: exit 1, ImportError:"
                " cannot import name 'main' from 'app.cli')"
            ),
        ),
        Fault.EXIT_CODE: (
            "skipped",
            (
                f"{UNCHECKED} fails in the prod environment: exit 7, boom: unexpected"
                " failure)"
            ),
        ),
        Fault.TRACEBACK: (
            "skipped",
            (
                f"{UNCHECKED} fails in the prod environment: exit 1, RuntimeError: app"
                " crashed)"
            ),
        ),
        Fault.SILENT: (
            "skipped",
            f"{UNCHECKED} fails in the prod environment: exit 0 but printed nothing)",
        ),
        # half a help still names `run` in its usage line; a help that names no
        # subcommand takes `run` as a positional word, as a real one would
        Fault.TRUNCATED: ("pass", "no finding"),
        Fault.WRONG_SHAPE: ("pass", "no finding"),
        Fault.TIMEOUT: (
            "skipped",
            f"{UNCHECKED} does not finish in the prod environment)",
        ),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "skipped",
            (
                f"{UNCHECKED} fails in the prod environment: exit 1, printed more than"
                " 16 MiB)"
            ),
        ),
    },
    "ops-app-check": {
        Fault.MISSING: (
            "fail",
            (
                "OP003 pyproject.toml:26: ops command 'run' (`app-check`) "
                "app-check is not installed (READINESS_TOOLS_DIR hides it: "
                "<tools>/app-check is not an executable file)"
            ),
        ),
        Fault.EXIT_CODE: (
            "fail",
            (
                "OP001 pyproject.toml:26: ops command 'run' (`app-check`) "
                "exited 7 (expected 0): boom: unexpected failure"
            ),
        ),
        Fault.TRACEBACK: (
            "fail",
            (
                "OP001 pyproject.toml:26: ops command 'run' (`app-check`) "
                "exited 1 (expected 0): RuntimeError: app-check stand-in "
                "crashed"
            ),
        ),
        Fault.SILENT: (
            "fail",
            (
                "OP001 pyproject.toml:26: ops command 'run' (`app-check`) "
                "output does not match /app ok/: (no output)"
            ),
        ),
        Fault.TRUNCATED: (
            "fail",
            (
                "OP001 pyproject.toml:26: ops command 'run' (`app-check`) "
                "output does not match /app ok/: app o"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "fail",
            (
                "OP001 pyproject.toml:26: ops command 'run' (`app-check`) "
                'output does not match /app ok/: {"status": "ok"}'
            ),
        ),
        Fault.TIMEOUT: (
            "fail",
            (
                "OP002 pyproject.toml:27: ops command 'run' (`app-check`) "
                "did not finish within 5 s and was killed"
            ),
        ),
        Fault.ORPHAN: ("pass", "no finding"),
        Fault.FLOOD: (
            "fail",
            (
                "OP001 pyproject.toml:26: ops command 'run' (`app-check`) "
                "exited 1 (expected 0): "
            )
            + "x" * 300,
        ),
    },
    "cache-git": {
        Fault.MISSING: ("fail", "FM001 app/data.py"),
        Fault.EXIT_CODE: ("fail", "FM001 app/data.py"),
        Fault.TRACEBACK: ("fail", "FM001 app/data.py"),
        Fault.SILENT: ("fail", "FM001 app/data.py"),
        Fault.TRUNCATED: ("fail", "FM001 app/data.py"),
        Fault.WRONG_SHAPE: ("fail", "FM001 app/data.py"),
        Fault.TIMEOUT: ("fail", "FM001 app/data.py"),
        Fault.ORPHAN: ("fail", "FM001 app/data.py"),
        Fault.FLOOD: ("fail", "FM001 app/data.py"),
    },
    "fix-git": {
        Fault.MISSING: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git is not installed (READINESS_TOOLS_DIR "
                "hides it: <tools>/git is not an executable file)); pass "
                "--allow-dirty to fix it anyway; nothing run, nothing "
                "written (see --dry-run)"
            ),
        ),
        Fault.EXIT_CODE: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git exited with code 7: boom: unexpected "
                "failure); pass --allow-dirty to fix it anyway; nothing run, "
                "nothing written (see --dry-run)"
            ),
        ),
        Fault.TRACEBACK: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git exited with code 1: RuntimeError: git "
                "stand-in crashed); pass --allow-dirty to fix it anyway; "
                "nothing run, nothing written (see --dry-run)"
            ),
        ),
        Fault.SILENT: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git rev-parse answered ''); pass "
                "--allow-dirty to fix it anyway; nothing run, nothing "
                "written (see --dry-run)"
            ),
        ),
        Fault.TRUNCATED: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git rev-parse answered 'tr'); pass "
                "--allow-dirty to fix it anyway; nothing run, nothing "
                "written (see --dry-run)"
            ),
        ),
        Fault.WRONG_SHAPE: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git rev-parse answered '{\"inside\": true}'); "
                "pass --allow-dirty to fix it anyway; nothing run, nothing "
                "written (see --dry-run)"
            ),
        ),
        Fault.TIMEOUT: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git did not finish within 30s and was "
                "killed); pass --allow-dirty to fix it anyway; nothing run, "
                "nothing written (see --dry-run)"
            ),
        ),
        Fault.ORPHAN: ("run", "no gate of priority P0 is available yet: nothing to do"),
        Fault.FLOOD: (
            "refused",
            (
                "readiness: error: cannot tell whether <tmp>/repo is a clean "
                "git work tree (git exited with code 1: "
            )
            + "x" * 300
            + (
                "); pass --allow-dirty to fix it anyway; nothing run, "
                "nothing written (see --dry-run)"
            ),
        ),
    },
}
