"""Invoke tasks that chain readiness and the nox sessions into the remediation plan.

``invoke remediate --priority P0`` runs, in order, the sessions that prove that
priority's acceptance criteria and stops at the first failing step with its
exit code.
"""

from __future__ import annotations

import sys

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

#: The nox sessions that prove each priority's acceptance criteria.
SESSIONS = {
    "P0": ("security", "tests"),
    "P1": ("lint", "format", "typecheck", "security"),
    "P2": (),
}
LOCKS = {"prod": "", "test": "--extra test", "dev": "--extra dev --extra test"}


@task(help={"path": "repository to audit (default: .)"})
def audit(c: Context, path: str = ".") -> None:
    """Run every gate on PATH and write the reports into .readiness/."""
    c.run(f"readiness audit {path} --out .readiness", pty=sys.stdout.isatty())


@task(help={"priority": "P0, P1 or P2", "path": "repository to audit (default: .)"})
def remediate(c: Context, priority: str = "P0", path: str = ".") -> None:
    """Run the sessions of every priority up to PRIORITY; stop at the first failure."""
    if priority not in SESSIONS:
        raise Exit(f"unknown priority {priority!r}; use P0, P1 or P2", code=2)
    ordered = [p for p in SESSIONS if p <= priority]
    steps = list(dict.fromkeys(s for p in ordered for s in SESSIONS[p]))
    results: list[tuple[str, int]] = []
    for session in steps:
        result = c.run(
            f"nox -s {session} -- {path}", warn=True, pty=sys.stdout.isatty()
        )
        code = result.exited if result is not None else 1
        results.append((session, code))
        if code != 0:
            _table(results)
            raise Exit(f"step nox -s {session} failed", code=code)
    _table(results)


def _table(results: list[tuple[str, int]]) -> None:
    print("\nstep                 result")
    for session, code in results:
        print(f"nox -s {session:<13} {'ok' if code == 0 else f'exit {code}'}")


@task
def lock(c: Context) -> None:
    """Regenerate uv.lock and the split locks constraints/{prod,test,dev}.txt."""
    c.run("uv lock")
    for name, extras in LOCKS.items():
        c.run(
            "uv export --frozen --format requirements-txt --no-emit-project --no-hashes"
            f" {extras} -o constraints/{name}.txt -q"
        )
