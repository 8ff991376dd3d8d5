"""The prod environment: the target alone, installed the way production installs it.

Shared by the gates that run the target's own commands (cli, docs, ops): the
target installed, not editable, pinned by its prod lock ``constraints/prod.txt``
when it has one, and nothing else (see :mod:`readiness.environments`).
"""

from __future__ import annotations

import os

from readiness import environments
from readiness.target import Target


def spec(target: Target) -> environments.Spec:
    """The prod environment's contents: the target, pinned by its prod lock if any."""
    lock = target.root / "constraints" / "prod.txt"
    return environments.Spec(
        kind="prod", constraints=lock if lock.is_file() else None, editable=False
    )


def ensure(target: Target, *, run: environments.Runner) -> environments.Environment:
    """The prod environment of ``target``, built or reused."""
    return environments.ensure(target, spec(target), run=run)


def activated(env: environments.Environment) -> dict[str, str]:
    """Variables that put ``env`` first, as ``activate`` does, minus the user's site."""
    return {
        "PATH": f"{env.python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(env.path),
        "PYTHONNOUSERSITE": "1",
    }
