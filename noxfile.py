"""Isolated environments for readiness's own checks and for auditing a target.

Every gate session takes the repository to audit as its first positional
argument (``nox -s security -- ../legacy-app``), defaulting to this repository;
the arguments after it go to ``readiness audit`` (``--format json --out DIR``,
``--advisory-db FILE``). The environments install readiness from the split locks
in ``constraints/`` with nox's uv backend.

Sessions carry tags: the priority whose acceptance criteria they prove
(``nox -t P0 -- PATH`` runs the P0 sessions), ``ci`` for the CI matrix
(``nox -l --json -t ci`` is the matrix that ``readiness ci github`` writes) and
``report`` for those that write a readiness report. A bare ``nox`` runs
``suite`` and ``audit``; ``nox -l`` lists every session.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).parent
#: The Pythons of ``requires-python`` (>=3.11) that readiness's suite runs on.
PYTHONS = ["3.11", "3.12", "3.13"]
#: The gate sessions need one interpreter: the gates build the target's own.
PYTHON = PYTHONS[0]


def _target(session: nox.Session) -> str:
    return session.posargs[0] if session.posargs else str(ROOT)


def _install(session: nox.Session, lock: str, extras: str = "") -> None:
    session.install(
        "-c", str(ROOT / "constraints" / f"{lock}.txt"), "-e", f"{ROOT}{extras}"
    )


def _gates(session: nox.Session, *gates: str) -> None:
    """Run ``readiness audit TARGET --gate ...`` with the tools of the prod lock."""
    _install(session, "prod")
    selected = [arg for gate in gates for arg in ("--gate", gate)]
    session.run(
        "python",
        "-m",
        "readiness",
        "audit",
        _target(session),
        *selected,
        *session.posargs[1:],
    )


@nox.session(python=PYTHONS, tags=["ci"])
def suite(session: nox.Session) -> None:
    """Run readiness's own test suite with coverage (what .ci/run runs)."""
    _install(session, "test", "[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON, tags=["P0", "ci", "report"], default=False)
def build(session: nox.Session) -> None:
    """The target builds an sdist and a wheel from its tracked files (build)."""
    _gates(session, "build")


@nox.session(python=PYTHON, tags=["P0", "ci", "report"], default=False)
def tests(session: nox.Session) -> None:
    """The target's test suite: markers registered, then pytest with coverage.

    The tests gate builds (or reuses) the target's own test environment with uv;
    this session only needs readiness itself.
    """
    _gates(session, "markers", "tests")


@nox.session(python=PYTHON, tags=["P0", "P1", "ci", "report"], default=False)
def security(session: nox.Session) -> None:
    """bandit, an advisory audit of each lock, .env and secrets (sast, deps, secrets).

    Extra arguments go to ``readiness audit``:
    ``nox -s security -- PATH --advisory-db ../advisory-db/osv.zip``.
    """
    _gates(session, "sast", "deps", "secrets")


@nox.session(python=PYTHON, tags=["P1", "ci", "report"], default=False)
def lint(session: nox.Session) -> None:
    """ruff on the target, with the target's own configuration (lint)."""
    _gates(session, "lint")


@nox.session(name="format", python=PYTHON, tags=["P1", "ci", "report"], default=False)
def format_(session: nox.Session) -> None:
    """The target's formatter in check mode, with its own configuration (format)."""
    _gates(session, "format")


@nox.session(python=PYTHON, tags=["P1", "ci", "report"], default=False)
def typecheck(session: nox.Session) -> None:
    """mypy with the target's own configuration, strict scope and baseline (typing)."""
    _gates(session, "typing")


@nox.session(python=PYTHON, tags=["P2", "ci", "report"], default=False)
def prod(session: nox.Session) -> None:
    """Every command's --help in the target's prod environment (cli).

    The gate builds that environment itself: the target alone, not editable, pinned
    by its constraints/prod.txt when it has one.
    """
    _gates(session, "cli")


@nox.session(python=PYTHON, tags=["P2", "ci", "report"], default=False)
def docs(session: nox.Session) -> None:
    """Every command the docs name exists and takes its documented options (docs)."""
    _gates(session, "docs")


@nox.session(python=PYTHON, tags=["P2", "ci", "report"], default=False)
def ops(session: nox.Session) -> None:
    """The target's declared ops commands, and uptime from its heartbeat logs (ops)."""
    _gates(session, "ops")


@nox.session(python=PYTHON, default=False)
def lock(session: nox.Session) -> None:
    """Write the target's hash-pinned constraints/{prod,test,dev}.txt."""
    _install(session, "prod")
    session.run("python", "-m", "readiness", "lock", _target(session))


@nox.session(python=PYTHON)
def audit(session: nox.Session) -> None:
    """Every available gate on the target; Markdown and JSON reports in .readiness/."""
    _install(session, "prod")
    session.run(
        "python",
        "-m",
        "readiness",
        "audit",
        _target(session),
        "--out",
        str(ROOT / ".readiness"),
        *session.posargs[1:],
    )
