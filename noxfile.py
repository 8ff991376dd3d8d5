"""Isolated environments for readiness's own checks and for auditing a target.

Every session takes the repository to audit as its first positional argument
(``nox -s security -- ../legacy-app``), defaulting to this repository. The
environments install readiness from the split locks in ``constraints/``.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["suite", "audit"]

ROOT = Path(__file__).parent
PYTHON = "3.11"


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
    session.run("readiness", "audit", _target(session), *selected, *session.posargs[1:])


@nox.session(python=PYTHON)
def suite(session: nox.Session) -> None:
    """Run readiness's own test suite with coverage (what .ci/run runs)."""
    _install(session, "test", "[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The target's test suite: markers registered, then pytest with coverage.

    The tests gate builds (or reuses) the target's own test environment with uv;
    this session only needs readiness itself.
    """
    _gates(session, "markers", "tests")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on the target, with the target's own configuration."""
    _gates(session, "lint")


@nox.session(name="format", python=PYTHON)
def format_(session: nox.Session) -> None:
    """black --check on the target, with the target's own configuration."""
    _gates(session, "format")


@nox.session(python=PYTHON)
def security(session: nox.Session) -> None:
    """bandit, an advisory audit of each lock, .env and secrets (sast, deps, secrets).

    Extra arguments go to ``readiness audit``:
    ``nox -s security -- PATH --advisory-db ../advisory-db/osv.zip``.
    """
    _gates(session, "sast", "deps", "secrets")


@nox.session(python=PYTHON)
def lock(session: nox.Session) -> None:
    """Write the target's hash-pinned constraints/{prod,test,dev}.txt."""
    _install(session, "prod")
    session.run("readiness", "lock", _target(session))


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy with the target's own configuration, strict scope and baseline (typing)."""
    _gates(session, "typing")


@nox.session(python=PYTHON)
def prod(session: nox.Session) -> None:
    """Every command's --help in the target's prod environment (the cli gate).

    The gate builds that environment itself: the target alone, not editable, pinned
    by its constraints/prod.txt when it has one.
    """
    _gates(session, "cli")


@nox.session(python=PYTHON)
def ops(session: nox.Session) -> None:
    """The target's declared ops commands, and uptime from its heartbeat logs (ops)."""
    _gates(session, "ops")


@nox.session(python=PYTHON)
def audit(session: nox.Session) -> None:
    """Every available gate on the target; Markdown and JSON reports in .readiness/."""
    _install(session, "prod")
    session.run(
        "readiness",
        "audit",
        _target(session),
        "--out",
        str(ROOT / ".readiness"),
        *session.posargs[1:],
    )
