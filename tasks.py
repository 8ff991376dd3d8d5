"""Invoke tasks that chain readiness and the nox sessions into the remediation plan.

``invoke remediate --priority P0`` runs, in order, ``readiness fix`` at that
priority, the nox sessions that prove the acceptance criteria of every priority
up to it, and one last audit of their gates, printed as the P0..Pn acceptance
table; it stops at the first failing step with that step's exit code.
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
    "P0": ("security", "tests"),
    "P1": ("lint", "format", "typecheck", "security"),
    "P2": ("prod", "ops"),
}


@task(help={"path": "repository to audit (default: .)"})
def audit(c: Context, path: str = ".") -> None:
    """Run every gate on PATH and write the reports into .readiness/."""
    c.run(f"readiness audit {path} --out .readiness", pty=sys.stdout.isatty())


@task(
    help={
        "priority": "P0, P1 or P2",
        "path": "repository to remediate (default: .)",
        "allow-dirty": "let readiness fix edit a tree with uncommitted changes",
    }
)
def remediate(
    c: Context,
    priority: str = "P0",
    path: str = ".",
    allow_dirty: bool = False,  # noqa: FBT001, FBT002 - invoke maps it to a flag
) -> None:
    """readiness fix, then the sessions of every priority up to PRIORITY, then the
    acceptance table; stop at the first failing step with its exit code."""
    if priority not in SESSIONS:
        raise Exit(f"unknown priority {priority!r}; use P0, P1 or P2", code=2)
    ordered = [p for p in SESSIONS if p <= priority]
    quoted = shlex.quote(path)
    fix = f"readiness fix {quoted} --priority {priority}"
    steps = [
        (f"readiness fix --priority {priority}", fix + allow_dirty * " --allow-dirty")
    ]
    sessions = dict.fromkeys(s for p in ordered for s in SESSIONS[p])
    steps += [(f"nox -s {s}", f"nox -s {s} -- {quoted}") for s in sessions]
    results: list[tuple[str, int]] = []
    for label, command in steps:
        result = c.run(command, warn=True, pty=sys.stdout.isatty())
        code = result.exited if result is not None else 1
        results.append((label, code))
        if code != 0:
            print(_table(results))
            raise Exit(f"step {label} failed", code=code)
    print(_table(results))
    with tempfile.TemporaryDirectory(prefix="readiness-acceptance-") as out:
        code, table = acceptance(c, path, ordered, Path(out))
    print(table)
    if code != 0:
        raise Exit("acceptance criteria not met", code=code)


def _table(results: list[tuple[str, int]]) -> str:
    width = max(len(label) for label, _ in results)
    lines = ["", f"{'step':<{width}}  result"]
    lines += [
        f"{label:<{width}}  {'ok' if code == 0 else f'exit {code}'}"
        for label, code in results
    ]
    return "\n".join(lines)


def acceptance(
    c: Context, path: str, priorities: list[str], out: Path
) -> tuple[int, str]:
    """Audit the gates of ``priorities`` once more; their criteria as a table."""
    from readiness.gates import registry  # noqa: PLC0415 - the dev env has readiness

    gates = [n for n, gate in registry().items() if gate.priority in priorities]
    selected = " ".join(f"--gate {name}" for name in gates)
    result = c.run(
        f"readiness audit {shlex.quote(path)} {selected} --format json"
        f" --out {shlex.quote(str(out))}",
        warn=True,
        hide=True,
    )
    code = result.exited if result is not None else 1
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
    span = (
        f"{priorities[0]}..{priorities[-1]}" if len(priorities) > 1 else priorities[0]
    )
    lines = ["", f"acceptance criteria {span}", "priority  met  criterion"]
    lines += [f"{p:<8}  {met:<3}  {text}" for p, met, text in rows]
    if not rows:
        lines.append("(no gate of these priorities judged a criterion)")
    return "\n".join(lines)


@task(help={"path": "repository to lock (default: .)"})
def lock(c: Context, path: str = ".") -> None:
    """Refresh PATH's uv.lock (when it has one), then its split locks constraints/."""
    quoted = shlex.quote(path)
    if (Path(path) / "uv.lock").is_file():
        c.run(f"uv lock --project {quoted}")
    c.run(f"readiness lock {quoted}")
