"""What the test environment has: distributions, stdlib, marker values.

A small script (:data:`PROBE_SOURCE`) runs with the environment's own
interpreter, so that the answers are the environment's, not readiness's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.utils import canonicalize_name

from readiness import environments, requirements
from readiness.gates.interface import GateContext, GateError
from readiness.target import Target

from .config import Config, declared_requirements

#: Run with the environment's interpreter: what it has installed, what its
#: stdlib is, and its values for environment markers.
PROBE_SOURCE = r"""
import inspect, json, os, platform, sys
try:
    from importlib import metadata
except ImportError:
    metadata = None

def version(info):
    text = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        text += info.releaselevel[0] + str(info.serial)
    return text

def top_levels(dist):
    text = dist.read_text("top_level.txt")
    if text:
        return text.split()
    names = set()
    for file in dist.files or ():
        parts = file.parts
        name = parts[0] if len(parts) > 1 else inspect.getmodulename(parts[0])
        if name and "." not in name:
            names.add(name)
    return sorted(names)

result = {
    "python": platform.python_version(),
    "stdlib": sorted(getattr(sys, "stdlib_module_names", ())),
    "environment": {
        "implementation_name": sys.implementation.name,
        "implementation_version": version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
    "distributions": [],
    "providers": {},
}
if metadata is not None:
    providers = getattr(metadata, "packages_distributions", lambda: None)()
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        plugins = [ep.value for ep in dist.entry_points if ep.group == "pytest11"]
        result["distributions"].append(
            {"name": name, "version": dist.version, "requires": dist.requires or [],
             "pytest11": plugins}
        )
        if providers is None:
            for top in top_levels(dist):
                result["providers"].setdefault(top, []).append(name)
    if providers is not None:
        result["providers"] = providers
print(json.dumps(result))
"""


@dataclass(frozen=True, kw_only=True)
class Installed:
    """The test environment's distributions, stdlib and marker values."""

    python: str
    stdlib: frozenset[str]
    #: import name -> canonical names of the distributions that provide it
    providers: Mapping[str, tuple[str, ...]]
    #: canonical distribution name -> its Requires-Dist
    requires: Mapping[str, tuple[str, ...]]
    versions: Mapping[str, str]
    environment: Mapping[str, str]
    #: canonical distribution name -> its ``pytest11`` entry points (plugins)
    plugins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def is_plugin(self, name: str) -> bool:
        """Whether the distribution ``name`` is a pytest plugin (``pytest11``)."""
        return bool(self.plugins.get(canonicalize_name(name)))


def probe(ctx: GateContext, env: environments.Environment) -> Installed:
    completed = ctx.run([str(env.python), "-c", PROBE_SOURCE], record=False)
    try:
        return parse_probe(json.loads(completed.stdout))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise GateError(
            "the test environment's interpreter printed no package list"
        ) from None


def parse_probe(data: Mapping[str, Any]) -> Installed:
    requires: dict[str, tuple[str, ...]] = {}
    versions: dict[str, str] = {}
    plugins: dict[str, tuple[str, ...]] = {}
    for dist in data["distributions"]:
        name = canonicalize_name(str(dist["name"]))
        if name not in versions:
            versions[name] = str(dist["version"])
            requires[name] = tuple(str(r) for r in dist["requires"])
            entries = tuple(str(entry) for entry in dist.get("pytest11", ()))
            if entries:
                plugins[name] = entries
    return Installed(
        python=str(data["python"]),
        stdlib=frozenset(data["stdlib"]) or frozenset(sys.stdlib_module_names),
        providers={
            str(module): tuple(canonicalize_name(str(d)) for d in dists)
            for module, dists in data["providers"].items()
        },
        requires=requires,
        versions=versions,
        environment={str(k): str(v) for k, v in data["environment"].items()},
        plugins=plugins,
    )


def declared_closure(
    target: Target, config: Config, installed: Installed
) -> frozenset[str]:
    """Every installed distribution the declared requirements pull in."""
    roots = declared_requirements(target, config)
    own = requirements.parse(
        f"{target.name}[{','.join(config.extras)}]".replace("[]", "")
    )
    if own is not None:
        roots.append(own)
    found: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [
        r for r in roots if _applies(r.marker, installed.environment, frozenset())
    ]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(name)
        for text in installed.requires.get(name, ()):
            child = requirements.parse(text)
            if child is not None and _applies(
                child.marker, installed.environment, extras
            ):
                pending.append(child)
    return frozenset(found)


def _applies(
    marker: Marker | None, environment: Mapping[str, str], extras: frozenset[str]
) -> bool:
    if marker is None:
        return True
    try:
        return any(
            marker.evaluate({**environment, "extra": extra})
            for extra in (extras or {""})
        )
    except (UndefinedComparison, UndefinedEnvironmentName):
        return True  # a marker we cannot evaluate must not hide a dependency
