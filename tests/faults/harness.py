"""What every fault module does with a case: run the command with the stand-ins
in front, read what it reported, and check the contract common to all rows.

A case runs ``readiness`` through :func:`readiness.cli.main` (in-process, so
that :mod:`tracemalloc` sees what readiness allocates while a tool floods)
with ``READINESS_TOOLS_DIR`` naming the stand-ins' folder, and the result
cache off (the fault is the gate's tool; the cache's own git has rows of its
own).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import tracemalloc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from readiness import cli, command
from tests.faults.standins import Fault, install, running
from tests.faults.table import Case, Outcome

#: The gate timeout in the timeout cases.
TIMEOUT_S = 5
#: What readiness may allocate while a tool prints 2 x 50 MB (tracemalloc's peak):
#: it keeps 16 MiB of each stream; about 48 MiB were measured.
MEMORY_BOUND = 64 * 1024 * 1024

MISSING = (
    "is not installed (READINESS_TOOLS_DIR hides it: <tools>/{} is not an"
    " executable file)"
)
FLOOD = (
    "{} printed more than 16 MiB (exit code 1); its output was cut, so its result"
    " cannot be trusted"
)


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{relative path: text}`` (dedented) under ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def commit(root: Path) -> None:
    """Make ``root`` a git repository with everything committed (the real git)."""
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "fixture"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)


def summary(result: Mapping[str, Any], *, messages: bool = False) -> str:
    """A gate's reason, or the rules and places of its findings (and their
    messages, with ``messages``)."""
    if result["status"] in ("error", "skipped"):
        return str(result["reason"])
    found = [
        (
            f"{f['rule']} {f['path']}" + (f":{f['line']}" if f["line"] else "")
            if f["path"]
            else f"{f['rule']}"
        )
        + (f": {f['message']}" if messages or not f["path"] else "")
        for f in result["findings"]
    ]
    return ", ".join(found) or "no finding"


@dataclass(frozen=True, kw_only=True)
class Stand:
    """A stand-in to install: ``tool`` misbehaving as ``fault`` (None: working)."""

    tool: str
    fault: Fault | None


@dataclass(frozen=True, kw_only=True)
class Ran:
    """What a command did: its exit code, its report's gates, what it printed."""

    code: int
    gates: dict[str, dict[str, Any]]
    out: str
    err: str
    left: int
    peak: int


def run(
    args: Sequence[str],
    *,
    tmp_path: Path,
    stands: Sequence[Stand],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    report: bool = True,
    cache: bool = False,
) -> Ran:
    """``readiness ARGS`` with ``stands`` in front of the real tools (the
    JSON report read when ``report``; the result cache used when ``cache``)."""
    tools, pids, out = tmp_path / "tools", tmp_path / "pids", tmp_path / "out"
    for stand in stands:
        install(tools, stand.tool, stand.fault, pids)
    monkeypatch.setenv(command.TOOLS_DIR_ENV, str(tools))
    extra = ["--format", "json", "--out", str(out)] if report else []
    extra += [] if cache or not report else ["--no-cache"]
    tracemalloc.start()
    try:
        code = cli.main([*args, *extra])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    printed = capsys.readouterr()
    gates: dict[str, dict[str, Any]] = {}
    if report:
        path = out / "readiness-report.json"
        assert path.is_file(), printed.err
        data = json.loads(path.read_text(encoding="utf-8"))
        gates = {result["name"]: result for result in data["gates"]}
    return Ran(
        code=code,
        gates=gates,
        out=printed.out,
        err=printed.err,
        left=len(running(pids)),
        peak=peak,
    )


def outcome(
    ran: Ran,
    gate: str,
    companion: str,
    tmp_path: Path,
    *,
    reason: str | None = None,
    messages: bool = False,
) -> Outcome:
    """The row of ``gate`` (``reason`` overrides the report's, for commands)."""
    status = ran.gates[gate]["status"] if gate in ran.gates else "none"
    shown = summary(ran.gates[gate], messages=messages) if reason is None else reason
    other = ran.gates.get(companion)
    return Outcome(
        status=status,
        reason=shown.replace(str(tmp_path), "<tmp>").replace("<tmp>/tools", "<tools>"),
        exit_code=ran.code,
        companion=f"{other['status']}: {summary(other)}" if other else "-",
        left=ran.left,
    )


def dump(case: Case, outcome: Outcome) -> None:
    """Append the outcome to the file ``FAULTS_DUMP`` names (to write a new
    row's expectation from what it did, then check it by hand)."""
    named = os.environ.get("FAULTS_DUMP")
    if named:
        with Path(named).open("a", encoding="utf-8") as file:
            file.write(f"{case.id}: {outcome!r}\n")


def check(ran: Ran, fault: Fault) -> None:
    """The contract every row holds: nothing left running, memory bounded."""
    assert ran.left == 0
    if fault is Fault.FLOOD:
        assert ran.peak < MEMORY_BOUND
