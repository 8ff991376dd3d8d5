"""Stand-in tools for fault injection, put in front of the real ones.

Each stand-in is a small Python script written into a folder that
``READINESS_TOOLS_DIR`` names (:mod:`readiness.command` resolves a tool's bare
name there first). It records its pid (and its children's) in a file, hands
every call but the one under test to the real tool, and misbehaves on that one
as its :class:`Fault` says. mypy, pyright and pytest are not called by
name: the typing and tests gates run them with their environment's
interpreter, so for them the stand-in is ``uv``, which "builds" that
environment by writing the misbehaving interpreter (it hands every other call,
such as the tests gate's probe of what is installed or ``coverage json``, to
the real interpreter, readiness's own).

Tool names that are not a program's name say which call of which program
misbehaves: ``uv-venv`` (uv building the typing or test environment, the
interpreter written as above), ``uv-prod`` (uv building a real environment,
the prod one), ``uv-build``, ``uv-audit`` (its ``pip compile`` writing the
lock), ``uv-export`` (``uv export`` of the project's ``uv.lock``),
``ruff-format``; ``pip-audit`` and ``safety`` answer with a recorded
report when well, and ``app-check`` is a target's ops command (it prints
``app ok``).
"""

from __future__ import annotations

import enum
import shutil
import sys
from pathlib import Path


class Fault(enum.Enum):
    """What the tool under test does on its main call."""

    MISSING = "missing"
    EXIT_CODE = "exit-code"
    TRACEBACK = "traceback"
    SILENT = "silent"
    TRUNCATED = "truncated"
    WRONG_SHAPE = "wrong-shape"
    TIMEOUT = "timeout"
    ORPHAN = "orphan"
    FLOOD = "flood"

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DESCRIPTIONS = {
    Fault.MISSING: "is not installed",
    Fault.EXIT_CODE: "exits with code 7",
    Fault.TRACEBACK: "crashes with a traceback, exit 1",
    Fault.SILENT: "prints nothing, exit 0",
    Fault.TRUNCATED: "prints truncated output",
    Fault.WRONG_SHAPE: "prints valid JSON of the wrong shape, exit 0",
    Fault.TIMEOUT: "sleeps past the timeout (with a child)",
    Fault.ORPHAN: "leaves a child running with its pipes closed",
    Fault.FLOOD: "floods stdout and stderr with 50 MB each, exit 1",
}

#: Bytes written to each of stdout and stderr by :attr:`Fault.FLOOD`.
FLOOD_BYTES = 50 * 1024 * 1024

#: A lock as ``uv pip compile`` writes it: what the uv stand-in writes when well.
LOCK = (
    "requests==2.31.0 \\\n"
    "    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e0130\n"
    "    # via app (pyproject.toml)\n"
)

#: What the advisory tools report when well: requests 2.31.0 is affected by
#: REQ-1, fixed in 2.32.0 (uv audit has no severity; safety rates it 8.1).
UV_AUDIT = (
    '{"vulnerabilities": [{"id": "REQ-1", "aliases": [], "summary": "requests'
    ' leaks credentials", "fix_versions": ["2.32.0"], "dependency": {"name":'
    ' "requests", "version": "2.31.0"}}], "adverse_statuses": []}'
)
PIP_AUDIT = (
    '{"dependencies": [{"name": "requests", "version": "2.31.0", "vulns": [{"id":'
    ' "REQ-1", "fix_versions": ["2.32.0"], "aliases": [], "description": "requests'
    ' leaks credentials"}]}], "fixes": []}'
)
SAFETY = (
    '{"vulnerabilities": [{"vulnerability_id": "1", "package_name": "requests",'
    ' "analyzed_version": "2.31.0", "fixed_versions": ["2.32.0"], "advisory":'
    ' "requests leaks credentials", "severity": {"cvssv3": {"base_score": 8.1}}}]}'
)
#: Tools that are only stand-ins here (no real one is needed).
ONLY_STANDINS = ("pip-audit", "safety", "app-check")
#: Where each tool's stand-in is installed (its program's name).
PROGRAM = {
    "uv-venv": "uv",
    "uv-prod": "uv",
    "uv-build": "uv",
    "uv-audit": "uv",
    "uv-export": "uv",
    "ruff-format": "ruff",
    "mypy": "uv",
    "pytest": "uv",
    "pyright": "uv",
}
#: Run by an environment's interpreter, which the uv stand-in writes.
INSIDE = ("mypy", "pytest", "pyright")

#: A JUnit file as pytest writes it (xunit1) for the tests gate's fixture; the
#: truncated fault writes its head.
JUNIT = (
    '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest"'
    ' errors="0" failures="0" skipped="0" tests="1" time="0.01">'
    '<testcase classname="tests.test_app" file="tests/test_app.py" line="3"'
    ' name="test_add" time="0.001" /></testsuite></testsuites>'
)

_SCRIPT = '''\
#!{python}
"""Stand-in for {tool}: {fault}."""
import os
import subprocess
import sys
import time

TOOL = {tool!r}
FAULT = {fault!r}
REAL = {real!r}
PIDS = {pids!r}
LOCK = {lock!r}
ENV_PYTHON = {env_python!r}
FLOOD_BYTES = {flood}
TRACEBACK = """Traceback (most recent call last):
  File "/opt/{tool}/main.py", line 12, in <module>
    run()
RuntimeError: {tool} stand-in crashed
"""
JUNIT = {junit!r}
TRUNCATED = {{
    "ruff": '[{{"filename": "app/__init__.py", "location": {{"row": 1, "col',
    "black": "would reformat app/data.py\\n",
    "bandit": '{{"results": [{{"filename": "app/util.py", "test_id": "B1',
    "mypy": '{{"file": "app/util.py", "line": 5, "column": 9, "mess',
    "uv": "requests=",
    "uv-export": "requests=",
    "uv-venv": "Creating virtual environment at: .venv",
    "git": "tr",
    "pytest": JUNIT[:JUNIT.index("<testcase") + 40],
    "flake8": "./app/__init__.py\x1f1",
    "ruff-format": '[{{"filename": "app/data.py", "code": "unfor',
    "pyright": '{{"version": "1.1.414", "generalDiagnostics": [{{"file',
    "uv-prod": "Creating virtual environment at: .venv",
    "uv-build": "Building source distribution...",
    "uv-audit": '{{"vulnerabilities": [{{"id": "REQ',
    "pip-audit": '{{"dependencies": [{{"name": "requests", "version": "2.3',
    "safety": '{{"vulnerabilities": [{{"vulnerability_id": "1", "packa',
    "app-check": "app o",
}}
WRONG_SHAPE = {{
    "ruff": '{{"diagnostics": []}}',
    "black": '{{"files": 0}}',
    "bandit": '{{"results": {{"app/util.py": []}}}}',
    "mypy": '{{"errors": 0, "files": 2}}',
    "uv": '{{"packages": [{{"name": "requests"}}]}}',
    "uv-export": '{{"packages": [{{"name": "requests"}}]}}',
    "uv-venv": '{{"venv": true}}',
    "git": '{{"inside": true}}',
    "pytest": '<results><test name="test_add" outcome="passed" /></results>',
    "flake8": '{{"app/__init__.py": []}}',
    "ruff-format": '{{"diagnostics": []}}',
    "pyright": '{{"errors": 0, "files": 2}}',
    "uv-prod": '{{"venv": true}}',
    "uv-build": '{{"sdist": "app-1.tar.gz"}}',
    "uv-audit": '{{"vulnerabilities": {{"requests": []}}}}',
    "pip-audit": '{{"dependencies": {{"requests": "2.31.0"}}}}',
    "safety": '{{"vulnerabilities": {{"requests": []}}}}',
    "app-check": '{{"status": "ok"}}',
}}
UV_AUDIT = {uv_audit!r}
PIP_AUDIT = {pip_audit!r}
SAFETY = {safety!r}
argv = sys.argv[1:]


def record(pid):
    with open(PIDS, "a") as file:
        file.write(f"{{pid}}\\n")


def main_call():
    if TOOL == "ruff":
        return argv[:1] == ["check"]
    if TOOL == "black":
        return "--check" in argv
    if TOOL == "bandit":
        return "-r" in argv
    if TOOL in ("mypy", "pyright"):  # python -I -m TOOL
        return argv[:3] == ["-I", "-m", TOOL] and (
            FAULT == "missing" or "--version" not in argv
        )
    if TOOL == "flake8":
        return "--version" not in argv
    if TOOL == "ruff-format":
        return argv[:2] == ["format", "--check"]
    if TOOL == "pytest":  # python -m pytest, or python -m coverage run ... -m pytest
        return argv[:2] == ["-m", "pytest"] or (
            argv[:3] == ["-m", "coverage", "run"] and "pytest" in argv[3:]
        )
    if TOOL == "uv":
        return argv[:2] == ["pip", "compile"] or argv[:1] == ["export"]
    if TOOL == "uv-export":  # the project's uv.lock exported
        return argv[:1] == ["export"]
    if TOOL in ("uv-venv", "uv-prod"):
        return argv[:1] == ["venv"]
    if TOOL == "uv-build":
        return argv[:1] == ["build"]
    if TOOL == "uv-audit":
        return argv[:1] == ["audit"]
    return True  # git, pip-audit, safety, app-check: every call


def output_file():
    """Where the tool writes its machine output (bandit's report, uv's lock,
    pytest's JUnit file)."""
    if TOOL == "pytest":
        junit = [a for a in argv if a.startswith("--junitxml=")]
        return junit[0].partition("=")[2]
    for flag in ("-o", "--output", "--save-json"):
        if flag in argv and not (TOOL == "safety" and flag == "--output"):
            return argv[argv.index(flag) + 1]
    return None


def machine_output(text):
    target = output_file()
    if TOOL in ("black", "uv-build"):  # they report on stderr
        sys.stderr.write(text)
    elif target is None:
        sys.stdout.write(text)
    else:
        with open(target, "w") as file:
            file.write(text)


def fake_uv_for_typing():
    """uv building the typing environment: its python is the mypy stand-in."""
    if argv[:1] == ["venv"]:
        python = os.path.join(argv[-1], "bin", "python")
        os.makedirs(os.path.dirname(python), exist_ok=True)
        with open(python, "w") as file:
            file.write(ENV_PYTHON)
        os.chmod(python, 0o755)
        sys.exit(0)
    if argv[:2] == ["pip", "install"]:
        sys.exit(0)
    os.execv(REAL, [REAL, *argv])


def lock_call():
    return argv[:2] == ["pip", "compile"] or argv[:1] == ["export"]


def well():
    """What a working tool does: the real one, a lock for uv, a recorded report."""
    if TOOL in ("uv", "uv-export") or (TOOL == "uv-audit" and lock_call()):
        machine_output(LOCK)
        sys.exit(0)
    if TOOL == "uv-venv":
        fake_uv_for_typing()
    if TOOL == "uv-audit":
        machine_output(UV_AUDIT)
        sys.exit(1)
    if TOOL == "pip-audit":
        machine_output(PIP_AUDIT)
        sys.exit(1)
    if TOOL == "safety":
        machine_output(SAFETY)
        sys.exit(64)
    if TOOL == "app-check":
        print("app ok")
        sys.exit(0)
    os.execv(REAL, [REAL, *argv])


def child():
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    record(sleeper.pid)


record(os.getpid())
if ENV_PYTHON is not None and not main_call():
    fake_uv_for_typing()
if not main_call():
    if TOOL == "uv-audit" and lock_call():
        well()
    os.execv(REAL, [REAL, *argv])
if FAULT == "missing":  # mypy, pyright, pytest: the others are hidden, not run
    sys.stderr.write(f"No module named {{TOOL}}\\n")
    sys.exit(1)
if FAULT == "exit-code":
    sys.stderr.write("boom: unexpected failure\\n")
    sys.exit(7)
if FAULT == "traceback":
    sys.stderr.write(TRACEBACK)
    sys.exit(1)
if FAULT == "silent":
    sys.exit(0)
if FAULT == "truncated":
    machine_output(TRUNCATED[TOOL])
    exit_zero = ("uv", "uv-export", "uv-venv", "uv-prod", "uv-build", "git")
    exit_zero += ("pytest", "flake8")
    sys.exit(0 if TOOL in (*exit_zero, "app-check") else 1)
if FAULT == "wrong-shape":
    machine_output(WRONG_SHAPE[TOOL])
    sys.exit(0)
if FAULT == "timeout":
    child()
    time.sleep(300)
if FAULT == "orphan":
    child()
    well()
if FAULT == "flood":
    line = b"x" * 1023 + b"\\n"
    for _ in range(FLOOD_BYTES // len(line)):
        sys.stdout.buffer.write(line)
        sys.stderr.buffer.write(line)
    sys.exit(1)
well()
'''


def install(tools: Path, tool: str, fault: Fault | None, pids: Path) -> None:
    """Put a stand-in for ``tool`` misbehaving as ``fault`` (``None``: working).

    ``mypy``, ``pyright``, ``pytest`` and ``uv-venv`` are all an environment's
    builder, uv: the first three write a faulty tool into the typing or test
    environment, the last fails to build it (and writes a working one when
    well).
    """
    tools.mkdir(parents=True, exist_ok=True)
    inside = tool in INSIDE  # run by the environment's interpreter
    name = PROGRAM.get(tool, tool)
    faulty = "well" if fault is None else fault.value
    if fault is Fault.MISSING and not inside:
        (tools / name).write_text("", encoding="utf-8")  # not executable: hidden
        return
    if tool == "uv-venv" or inside:
        env_python = script(
            tool if inside else "mypy",
            faulty if inside else "well",
            real=sys.executable,
            pids=pids,
        )
        builder = "uv" if inside else tool
        text = script(
            builder, faulty, real=real("uv"), pids=pids, env_python=env_python
        )
    else:
        text = script(tool, faulty, real=real(name), pids=pids)
    path = tools / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


def script(
    tool: str, fault: str, *, real: str, pids: Path, env_python: str | None = None
) -> str:
    """The stand-in's source: ``fault`` is a :class:`Fault` value, or ``well``."""
    return _SCRIPT.format(
        python=sys.executable,
        tool=tool,
        fault=fault,
        real=real,
        pids=str(pids),
        lock=LOCK,
        env_python=env_python,
        flood=FLOOD_BYTES,
        junit=JUNIT,
        uv_audit=UV_AUDIT,
        pip_audit=PIP_AUDIT,
        safety=SAFETY,
    )


def real(tool: str) -> str:
    """The real tool: beside this interpreter (our venv), else on PATH."""
    if tool in ONLY_STANDINS:
        return ""
    found = shutil.which(tool, path=str(Path(sys.executable).parent)) or shutil.which(
        tool
    )
    if found is None:
        raise LookupError(f"{tool} is needed by the fault tests")
    return found


def running(pids: Path) -> list[int]:
    """The recorded processes that still run (a zombie awaiting init does not)."""
    if not pids.is_file():
        return []
    alive = []
    for text in pids.read_text(encoding="utf-8").split():
        try:
            stat = Path(f"/proc/{text}/stat").read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        if stat.rpartition(")")[2].split()[0] != "Z":
            alive.append(int(text))
    return alive
