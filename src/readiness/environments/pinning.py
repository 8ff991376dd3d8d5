"""Where an environment's versions come from: the target's own lock, if it has one.

In order:

* ``uv.lock``: exported with ``uv export --frozen --no-hashes`` for the
  environment's extras and groups (the project itself left out: it is
  installed from a copy), then installed as requirements *and* constraints, so
  the environment holds exactly the locked versions and whatever readiness
  adds (pytest-cov, mypy) must fit them;
* the constraints file the caller names (``Spec.constraints``, e.g. the prod
  lock ``constraints/prod.txt``);
* the versions of another lock the target commits (``pylock.toml``,
  ``poetry.lock``, ``pdm.lock``, ``requirements*.txt``/``constraints*.txt``,
  see :func:`readiness.pins.locked_versions`), as constraints;
* nothing: uv resolves the newest versions that fit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from readiness import pins
from readiness.target import Target

#: ``Environment.versions_from`` when no lock pins anything.
RESOLVED = "resolved (no lock)"
EXPORT_NAME = "readiness-lock.txt"
CONSTRAINTS_NAME = "readiness-constraints.txt"


@dataclass(frozen=True, kw_only=True)
class Pinning:
    """What pins an environment's versions, and what enters its key."""

    versions_from: str
    uv_lock: Path | None = None
    constraints: Path | None = None
    locked: pins.Locked | None = None

    @property
    def digest(self) -> str:
        """A hash of the pinning inputs, for the environment's key."""
        digest = hashlib.sha256(self.versions_from.encode())
        for path in (self.uv_lock, self.constraints):
            digest.update(path.read_bytes() if path is not None else b"-")
        if self.locked is not None:
            digest.update(repr(sorted(self.locked.versions.items())).encode())
        return digest.hexdigest()


def plan(target: Target, constraints: Path | None) -> Pinning:
    """The pinning of an environment of ``target`` (see the module)."""
    uv_lock = target.root / "uv.lock"
    if uv_lock.is_file():
        return Pinning(versions_from="uv.lock", uv_lock=uv_lock)
    if constraints is not None:
        return Pinning(versions_from=target.rel(constraints), constraints=constraints)
    locked = pins.locked_versions(target.root)
    if locked is not None:
        return Pinning(versions_from=locked.path, locked=locked)
    return Pinning(versions_from=RESOLVED)


def export_args(
    target: Target, extras: tuple[str, ...], groups: tuple[str, ...]
) -> list[str]:
    """``uv export`` of the target's lock for ``extras`` and ``groups`` only."""
    args = [
        "uv",
        "export",
        "--quiet",
        "--frozen",
        "--no-hashes",
        "--no-header",
        "--no-emit-project",
        "--no-default-groups",
        "--project",
        str(target.root),
    ]
    for extra in extras:
        args += ["--extra", extra]
    for group in groups:
        args += ["--group", group]
    return args


def constraint_lines(locked: pins.Locked) -> str:
    """A constraints file holding the lock's ``name==version`` pins."""
    return "".join(
        f"{name}=={version}\n" for name, version in sorted(locked.versions.items())
    )
