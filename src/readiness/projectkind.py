"""Is the target an application that is deployed, or a package others install?

Some findings only mean something for a deployed application: a committed lock
(a library's users resolve its ranges, so its own lock pins nothing for them),
a ``.env`` that must stay out of git (a library that loads ``.env`` loads its
*user's*). The gates ask :func:`kind` instead of guessing each on its own.

The evidence, strongest first: ``[tool.readiness] kind = "application" |
"library"``; operational checks declared in ``[tool.readiness.ops]``; files
that only deployed software has (container and process manifests, platform
configs, a Django ``manage.py``; a container build when the project is no
package); a ``.env`` at the root; no package to
distribute at all (no ``[project]``, ``[build-system]``, ``setup.py`` or
``setup.cfg``). Without any of it, a distributable package is a library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from readiness.errors import ConfigError
from readiness.target import Target

Kind = Literal["application", "library"]

KIND_ERROR = '[tool.readiness] kind must be "application" or "library"'

#: Files whose presence at the root says the project is deployed somewhere.
DEPLOYMENT_FILES = (
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "Procfile",
    "app.yaml",
    "app.json",
    "fly.toml",
    "render.yaml",
    "railway.json",
    "serverless.yml",
    "serverless.yaml",
    "vercel.json",
    "manage.py",
    "wsgi.py",
    "asgi.py",
)
#: A container build says "deployed" only for what is not also a package: a
#: distributable tool's Dockerfile publishes an image of its release (black),
#: whose users still resolve its ranges.
CONTAINER_FILES = ("Dockerfile", "Containerfile")


@dataclass(frozen=True, kw_only=True)
class ProjectKind:
    kind: Kind
    #: Why, in words for a report: "declares ops checks", "has a Dockerfile", ...
    evidence: str

    @property
    def application(self) -> bool:
        return self.kind == "application"


def kind(target: Target) -> ProjectKind:
    """The target's kind and the evidence that decided it."""
    readiness = target.tool.get("readiness", {})
    declared = readiness.get("kind") if isinstance(readiness, Mapping) else None
    if declared is not None:
        if declared not in ("application", "library"):
            raise ConfigError(KIND_ERROR)
        return ProjectKind(kind=declared, evidence="[tool.readiness] kind")
    evidence = _deployment_evidence(target, readiness)
    if evidence is not None:
        return ProjectKind(kind="application", evidence=evidence)
    return ProjectKind(
        kind="library",
        evidence="a distributable package with no deployment evidence "
        '(set [tool.readiness] kind = "application" if it is deployed)',
    )


def _deployment_evidence(target: Target, readiness: object) -> str | None:
    """The first sign that the target is deployed, strongest first."""
    if isinstance(readiness, Mapping) and readiness.get("ops"):
        return "declares [tool.readiness.ops] checks"
    packaged = target.installable
    files = DEPLOYMENT_FILES + (() if packaged else CONTAINER_FILES)
    for name in files:
        if (target.root / name).is_file():
            return f"has a {name}"
    if (target.root / ".env").is_file():
        return "has a .env"
    return None if packaged else "is not a distributable package"
