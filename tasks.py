"""Invoke tasks that chain readiness and the nox sessions into the remediation plan.

``invoke remediate --priority P0`` runs, in order: ``readiness fix`` at that
priority, the nox sessions that prove the acceptance criteria of every priority
up to it, and one last audit of their gates, printed as the acceptance table.
A step that ends with "gaps remain" (exit 1) does not stop the chain: the
acceptance table decides, and its exit code is the task's. A usage or internal
error (exit 2 or 3) stops the chain at once with that code.

readiness and nox run as ``python -m ...`` with the interpreter that runs
invoke, so the tasks work from the project's own environment without ``PATH``.
"""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

#: The nox sessions that prove each priority's acceptance criteria.
SESSIONS = {
    "P0": ("build", "security", "tests"),
    "P1": ("lint", "format", "typecheck", "security"),
    "P2": ("prod", "docs", "ops"),
}
#: Exit codes of readiness (and of nox running it) that mean "gaps remain".
GAPS = 1
#: What a step's exit code means in the summary.
OUTCOMES = {0: "ok", GAPS: "gaps remain"}

PYTHON = shlex.quote(sys.executable)
READINESS = f"{PYTHON} -m readiness"
NOX = f"{PYTHON} -m nox"


def _audit_options(advisory_db: str, audit_args: str) -> str:
    options = f" --advisory-db {shlex.quote(advisory_db)}" if advisory_db else ""
    return options + (f" {audit_args}" if audit_args else "")


@task(
    help={
        "path": "repository to audit (default: .)",
        "advisory-db": "offline OSV database for the deps gate (file or folder)",
    }
)
def audit(c: Context, path: str = ".", advisory_db: str = "") -> None:
    """Run every gate on PATH and write the reports into .readiness/."""
    options = _audit_options(advisory_db, "")
    c.run(
        f"{READINESS} audit {shlex.quote(path)} --out .readiness{options}",
        pty=sys.stdout.isatty(),
    )


@task(
    help={
        "priority": "P0, P1 or P2",
        "path": "repository to remediate (default: .)",
        "allow-dirty": "let readiness fix edit a tree with uncommitted changes",
        "advisory-db": "offline OSV database for the deps gate (file or folder)",
        "audit-args": "more arguments for every readiness audit, as one string",
    }
)
def remediate(  # noqa: PLR0917 - invoke maps each parameter to a --flag
    c: Context,
    priority: str = "P0",
    path: str = ".",
    allow_dirty: bool = False,  # noqa: FBT001, FBT002 - invoke maps it to a flag
    advisory_db: str = "",
    audit_args: str = "",
) -> None:
    """Fix PRIORITY, run the sessions up to it, print the acceptance table.

    Exits 0 when every acceptance criterion up to PRIORITY holds, 1 when gaps
    remain, 2 or 3 (at once) when a step cannot run.
    """
    if priority not in SESSIONS:
        raise Exit(f"unknown priority {priority!r}; use P0, P1 or P2", code=2)
    ordered = [p for p in SESSIONS if p <= priority]
    quoted = shlex.quote(path)
    options = _audit_options(advisory_db, audit_args)
    fix = f"{READINESS} fix {quoted} --priority {priority}"
    if allow_dirty:
        fix += " --allow-dirty"
    if advisory_db:
        fix += f" --advisory-db {shlex.quote(advisory_db)}"
    steps = [(f"readiness fix --priority {priority}", fix)]
    sessions = dict.fromkeys(s for p in ordered for s in SESSIONS[p])
    steps += [(f"nox -s {s}", f"{NOX} -s {s} -- {quoted}{options}") for s in sessions]
    results: list[tuple[str, int]] = []
    for label, line in steps:
        result = c.run(line, warn=True, pty=sys.stdout.isatty())
        code = result.exited if result is not None else 3
        results.append((label, code))
        if code not in OUTCOMES:
            print(steps_table(results))
            raise Exit(f"step {label} could not run (exit {code})", code=code)
    with tempfile.TemporaryDirectory(prefix="readiness-acceptance-") as out:
        code, table = acceptance(c, path, ordered, Path(out), options)
    results.append((f"acceptance {_span(ordered)}", code))
    print(steps_table(results))
    print(table)
    if code != 0:
        raise Exit(
            (
                "acceptance criteria not met"
                if code == GAPS
                else "acceptance audit failed"
            ),
            code=code,
        )


def steps_table(results: list[tuple[str, int]]) -> str:
    """``step  result`` for every step run so far."""
    width = max(len(label) for label, _ in results)
    lines = ["", f"{'step':<{width}}  result"]
    lines += [
        f"{label:<{width}}  {OUTCOMES.get(code, f'exit {code}')}"
        for label, code in results
    ]
    return "\n".join(lines)


def acceptance(
    c: Context, path: str, priorities: list[str], out: Path, options: str = ""
) -> tuple[int, str]:
    """Audit the gates of ``priorities`` once more; their criteria as a table."""
    from readiness.gates import registry  # noqa: PLC0415 - the dev env has readiness

    gates = [n for n, gate in registry().items() if gate.priority in priorities]
    selected = " ".join(f"--gate {name}" for name in gates)
    result = c.run(
        f"{READINESS} audit {shlex.quote(path)} {selected} --format json"
        f" --out {shlex.quote(str(out))}{options}",
        warn=True,
        hide=True,
    )
    code = result.exited if result is not None else 3
    report = out / "readiness-report.json"
    if not report.is_file():
        raise Exit("the acceptance audit wrote no report", code=code or 3)
    return code, acceptance_table(json.loads(report.read_text()), priorities)


def acceptance_table(report: dict[str, Any], priorities: list[str]) -> str:
    """``priority | met | criterion`` for every criterion of those priorities."""
    rows = [
        (item["priority"], "yes" if criterion["met"] else "NO", criterion["text"])
        for item in report.get("plan", [])
        if item["priority"] in priorities
        for criterion in item["criteria"]
    ]
    lines = ["", f"acceptance criteria {_span(priorities)}", "priority  met  criterion"]
    lines += [f"{p:<8}  {met:<3}  {text}" for p, met, text in rows]
    if not rows:
        lines.append("(no gate of these priorities judged a criterion)")
    return "\n".join(lines)


def _span(priorities: list[str]) -> str:
    return (
        f"{priorities[0]}..{priorities[-1]}" if len(priorities) > 1 else priorities[0]
    )


@task(help={"tag": "the nox tag that selects the matrix sessions (default: ci)"})
def ci_matrix(c: Context, tag: str = "ci") -> None:  # noqa: ARG001 - invoke's task API
    """Print the CI matrix: the nox sessions tagged TAG, as JSON."""
    from readiness import ciworkflow  # noqa: PLC0415 - the dev env has readiness

    sessions = ciworkflow.list_sessions(Path.cwd(), tag=tag)
    print(json.dumps({"include": ciworkflow.matrix(sessions)}, indent=2))


@task(help={"path": "repository to lock (default: .)"})
def lock(c: Context, path: str = ".") -> None:
    """Refresh PATH's uv.lock (when it has one), then its constraints/ locks."""
    quoted = shlex.quote(path)
    if (Path(path) / "uv.lock").is_file():
        c.run(f"{PYTHON} -m uv lock --project {quoted}")
    c.run(f"{READINESS} lock {quoted}")
