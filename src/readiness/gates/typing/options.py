"""``[tool.readiness.typing]``, and what the typing environment holds because of
the target: its extras and groups, and the extras its code imports under guards."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness import pysource
from readiness.errors import ConfigError
from readiness.filefacts import FileFacts
from readiness.gates.interface import GateContext
from readiness.target import Target

from .rules import CHECKERS, DEFAULT_EXTRAS, OPTIONS

#: Exceptions whose handler makes an import optional.
GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
#: What a file must contain for a handler to catch ImportError: a bare
#: ``except:`` or one of :data:`GUARDS` (a file without is not parsed).
_MAY_GUARD = re.compile(
    rb"\bexcept\s*:|\b(?:" + b"|".join(g.encode() for g in sorted(GUARDS)) + rb")\b"
)


@dataclass(frozen=True, kw_only=True)
class TypingOptions:
    """``[tool.readiness.typing]``, checked: unknown keys are errors (usually typos)."""

    strict: tuple[str, ...] | None
    extras: tuple[str, ...]
    groups: tuple[str, ...]
    packages: tuple[str, ...]
    python: str | None
    #: The checker to run whatever the evidence says (``None``: the evidence decides).
    checker: str | None = None


def read_options(ctx: GateContext) -> TypingOptions:
    options = ctx.options
    unknown = sorted(set(options.values) - OPTIONS)
    if unknown:
        raise ConfigError(
            f"[tool.readiness.typing] has unknown key {unknown[0]!r}; known keys: "
            + ", ".join(sorted(OPTIONS))
        )
    target = ctx.target
    extras = options.strings(
        "extras", tuple(n for n in DEFAULT_EXTRAS if n in target.extras)
    )
    groups = options.strings(
        "groups", tuple(n for n in DEFAULT_EXTRAS if n in target.dependency_groups)
    )
    for kind, names, declared in (
        ("extras", extras, target.extras),
        ("groups", groups, target.dependency_groups),
    ):
        missing = [name for name in names if name not in declared]
        if missing:
            have = ", ".join(sorted(declared)) or "none"
            raise ConfigError(
                f"[tool.readiness.typing] {kind}: the target declares no"
                f" {missing[0]!r} (it declares: {have})"
            )
    python = options.values.get("python")
    if python is not None and not isinstance(python, str):
        raise ConfigError('[tool.readiness.typing] python must be a string like "3.12"')
    checker = options.values.get("checker")
    if checker is not None and checker not in CHECKERS:
        raise ConfigError(
            "[tool.readiness.typing] checker must be one of: " + ", ".join(CHECKERS)
        )
    return TypingOptions(
        strict=options.strings("strict") if "strict" in options.values else None,
        extras=extras,
        groups=groups,
        packages=options.strings("packages"),
        python=python,
        checker=checker,
    )


def declared(target: Target, extras: Sequence[str], groups: Sequence[str]) -> list[str]:
    """The requirements of ``extras`` (self-references expanded) and ``groups``."""
    own = canonicalize_name(target.name)
    found: list[str] = []
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in target.extras.get(extra, ()):
            parsed = requirement(text)
            if parsed is not None and canonicalize_name(parsed.name) == own:
                pending.extend(parsed.extras)
            else:
                found.append(text)
    for group in groups:
        found.extend(target.dependency_groups.get(group, ()))
    return found


def requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


@dataclass(frozen=True, kw_only=True)
class Guarded:
    """The code's imports under a handler that catches ImportError."""

    #: Top-level modules so imported: the code's optional dependencies.
    modules: frozenset[str]
    #: ``(file, line)`` of each such import: where mypy reports a missing module.
    sites: frozenset[tuple[str, int]]


def guarded(
    root: Path, files: Iterable[str], facts: FileFacts | None = None
) -> Guarded:
    """Each file parsed once; only statements are walked (a ``try`` and an import
    are statements, never inside an expression), and a file without the word
    ``try``, or without a handler that could catch ImportError, is not parsed
    at all. Unparsable files are left to mypy. ``facts``: each file's guarded
    imports remembered by its content."""
    modules: set[str] = set()
    sites: set[tuple[str, int]] = set()
    for name in files:
        try:
            source = (root / name).read_bytes()
        except OSError:
            continue
        if b"try" not in source or not _MAY_GUARD.search(source):
            continue
        found = (
            facts.get(source, functools.partial(_guarded_in, source, name))
            if facts is not None
            else _guarded_in(source, name)
        )
        for line, imported in found:
            modules.update(imported)
            sites.add((name, line))
    return Guarded(modules=frozenset(modules), sites=frozenset(sites))


def _guarded_in(source: bytes, name: str) -> list[list[Any]]:
    """``[line, [module...]]`` of each import under an ImportError handler."""
    try:
        tree = pysource.parse(source, filename=name)
    except SyntaxError:
        return []
    return [
        [inner.lineno, sorted(_imported(inner))]
        for node in pysource.statements(tree.body)
        if isinstance(node, ast.Try | ast.TryStar)
        and any(_catches_import_error(handler.type) for handler in node.handlers)
        for inner in pysource.statements(node.body)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    ]


def guarded_imports(root: Path, files: Iterable[str]) -> set[str]:
    """Top-level modules imported in a ``try`` whose handler catches ImportError:
    the code's optional dependencies."""
    return set(guarded(root, files).modules)


def optional_imports(root: Path, files: Iterable[str]) -> frozenset[tuple[str, int]]:
    """``(file, line)`` of those imports: where mypy reports a missing module (at
    the statement's first line)."""
    return guarded(root, files).sites


def _catches_import_error(caught: ast.expr | None) -> bool:
    if caught is None:
        return True
    if isinstance(caught, ast.Tuple):
        return any(_catches_import_error(item) for item in caught.elts)
    name = caught.attr if isinstance(caught, ast.Attribute) else None
    if isinstance(caught, ast.Name):
        name = caught.id
    return name in GUARDS


def _imported(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.Import):
        return {alias.name.split(".")[0] for alias in statement.names}
    if (
        isinstance(statement, ast.ImportFrom)
        and statement.module
        and not statement.level
    ):
        return {statement.module.split(".")[0]}
    return set()


def guarded_extras(
    target: Target, imported: set[str], chosen: Sequence[str]
) -> tuple[str, ...]:
    """The target's extras (beyond ``chosen``) that provide a module its code
    imports under a guard, so that mypy sees it instead of ``import-not-found``.
    A distribution counts as providing the module of its normalised name
    (``python-dateutil`` does not provide ``dateutil``: such extras stay out)."""
    modules = {name.lower() for name in imported}
    found = []
    for extra in sorted(target.extras):
        if extra in chosen:
            continue
        names = {
            canonicalize_name(parsed.name).replace("-", "_")
            for parsed in map(requirement, declared(target, (extra,), ()))
            if parsed is not None
        }
        if names & modules:
            found.append(extra)
    return tuple(found)
