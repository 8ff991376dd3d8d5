"""DP001: the prod lock pulls in a dev stack (pytest, jupyter, torch, ...).

A plugin of a stack runs inside it: pytest is pytest-xdist's runtime, not a
test stack that leaked into its production. The target is a plugin of stack
``X`` when its metadata says so (the entry-point group and classifier in
:data:`PLUGIN_MARKS`: ``pytest11``, ``Framework :: Pytest``) or its name is
``X-*``; a locked package is one by its name. A dev stack is not reported
when every way into it comes from such plugins, all the way up to a target
that is one. Each package is reported once, whatever the number of
marker-split versions the lock holds.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.utils import canonicalize_name

from readiness.findings import Finding, Priority, Severity
from readiness.locks import Lock
from readiness.target import Target

from .config import ARROW, DepsConfig
from .findings import AuditedLock
from .rules import DEV_STACK

#: stack -> (entry-point group, trove classifier) that make a distribution its plugin.
PLUGIN_MARKS = {
    "pytest": ("pytest11", "Framework :: Pytest"),
}


def plugin_of(target: Target) -> frozenset[str]:
    """The stacks the target declares itself a plugin of, from its metadata."""
    groups, classifiers = _declared_marks(target)
    found = {
        stack
        for stack, (group, classifier) in PLUGIN_MARKS.items()
        if group in groups or classifier in classifiers
    }
    return frozenset(found)


def _declared_marks(target: Target) -> tuple[set[str], set[str]]:
    """Entry-point groups and classifiers of ``[project]`` and ``setup.cfg``."""
    project: Mapping[str, Any] = target.pyproject.get("project", {})
    entry_points = project.get("entry-points", {})
    groups = set(entry_points) if isinstance(entry_points, Mapping) else set()
    listed = project.get("classifiers", [])
    listed = listed if isinstance(listed, list) else []
    classifiers = {str(c).strip() for c in listed}
    setup_cfg = target.root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(setup_cfg.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, configparser.Error):
            return groups, classifiers
        if parser.has_section("options.entry_points"):
            groups.update(parser["options.entry_points"])
        raw = parser.get("metadata", "classifiers", fallback="")
        classifiers.update(line.strip() for line in raw.splitlines() if line.strip())
    return groups, classifiers


def _named_plugin(name: str, stack: str) -> bool:
    return name.startswith(f"{stack}-")


def _parents(lock: Lock, name: str) -> set[str]:
    """Who requires ``name`` (every marker-split entry); ``""`` is the target."""
    found: set[str] = set()
    for package in lock:
        if package.name == name:
            found.update(p if lock.get(p) is not None else "" for p in package.via)
            if not package.via:
                found.add("")
    return found


def _inside_stack(
    lock: Lock, name: str, stack: str, *, root_is_plugin: bool, seen: frozenset[str]
) -> bool:
    """Whether every way into ``name`` comes from plugins of ``stack``, up to a
    target that is one."""
    for parent in _parents(lock, name):
        if parent == "":
            held = root_is_plugin
        else:
            held = (
                parent not in seen
                and _named_plugin(parent, stack)
                and _inside_stack(
                    lock,
                    parent,
                    stack,
                    root_is_plugin=root_is_plugin,
                    seen=seen | {parent},
                )
            )
        if not held:
            return False
    return True


def dev_stack_findings(
    audited: Sequence[AuditedLock], config: DepsConfig, target: Target
) -> list[Finding]:
    prod = next((a for a in audited if a.lock.name == "prod"), None)
    if prod is None:
        return []
    own = canonicalize_name(target.name)
    declared = plugin_of(target)
    findings = []
    reported: set[str] = set()
    for package in prod.lock:
        name = package.name
        if name not in config.dev_stacks or name in reported:
            continue
        reported.add(name)
        root_is_plugin = name in declared or _named_plugin(own, name)
        if _inside_stack(
            prod.lock, name, name, root_is_plugin=root_is_plugin, seen=frozenset({name})
        ):
            continue
        versions = sorted(
            {p.version for p in prod.lock if p.name == name and p.version is not None}
        )
        chain = prod.lock.chain(name)
        entry = chain[1] if len(chain) > 1 else name
        findings.append(
            Finding(
                rule=DEV_STACK.id,
                severity=Severity.MEDIUM,
                priority=Priority.P1,
                message=f"the prod lock pulls in {name} {', '.join(versions) or '?'}"
                f" (a dev stack) through {ARROW.join(chain)}",
                path=prod.shown,
                line=package.line if prod.committed else None,
                fix=f"move {entry} to an extra or a dependency group (or, if"
                " production needs it, drop it from [tool.readiness.deps] dev-stacks)",
                details={"package": name, "chain": ARROW.join(chain)},
            )
        )
    return findings
