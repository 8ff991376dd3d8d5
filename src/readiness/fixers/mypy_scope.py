"""``mypy-scope``: the stub packages and the strict overrides the typing gate asks for.

Two edits of the target's ``pyproject.toml``, with tomlkit (comments and
layout kept, text only added):

* **stubs** (TY001): each stub distribution the typing gate named goes into
  the dev dependencies: the ``dev`` extra when it exists, else the ``dev``
  dependency group when the target uses ``[dependency-groups]``, else a new
  ``dev`` extra. A requirement already there (compared by canonical name) is
  not added again.
* **strict scope**: when ``[tool.readiness.typing] strict`` names modules that
  the mypy configuration does not make strict (:mod:`readiness.mypy_config`
  resolves each module's effective flags as mypy does), one
  ``[[tool.mypy.overrides]]`` table lists them with the per-module flags
  ``--strict`` implies (:data:`STRICT_OVERRIDE_FLAGS`). Never ``strict = true``:
  inside an override mypy applies it to every module (TY002). Only done when
  the mypy configuration lives in ``pyproject.toml`` (or there is none, so
  mypy will read it); shell-glob entries that are not mypy module patterns are
  left, with the reason. It runs whenever the fixer has a typing finding to
  work on; the mypy errors themselves are never "fixed" here.

A second run finds the stubs present and the modules strict: nothing to do.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Table

from readiness.errors import ConfigError
from readiness.findings import Finding, Priority
from readiness.fixers.interface import (
    FileEdit,
    FixContext,
    Fixer,
    FixError,
    Left,
    Outcome,
    Skipped,
    outcome,
    require_insertion,
)
from readiness.gates.typing import MISSING_STUBS
from readiness.mypy_config import (
    EffectiveOptions,
    MypyConfig,
    _toml_config,
    read_config,
)

PYPROJECT = "pyproject.toml"
#: The flags written for the strict scope (``--strict``'s per-module flags).
STRICT_OVERRIDE_FLAGS = (
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_calls",
    "disallow_untyped_decorators",
    "disallow_any_generics",
    "check_untyped_defs",
    "no_implicit_reexport",
    "warn_return_any",
    "strict_equality",
    "warn_unused_ignores",
)
#: A mypy module pattern: dotted names, ``*`` as whole components only.
_MODULE_PATTERN = re.compile(r"(\*|[A-Za-z_]\w*)(\.(\*|[A-Za-z_]\w*))*\Z")


class MypyScopeFixer(Fixer):
    """Adds the stub packages to the dev dependencies, makes the strict scope strict.

    The strict scope is ``[tool.readiness.typing] strict``, written as a
    ``[[tool.mypy.overrides]]`` table with the per-module strict flags.
    """

    name = "mypy-scope"
    title = "stub packages and strict mypy overrides"
    priority = Priority.P1
    takes: ClassVar[Mapping[str, frozenset[str]]] = {
        "typing": frozenset({MISSING_STUBS.id})
    }

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        left: list[Left] = []
        stubs: dict[str, list[Finding]] = {}
        for finding in findings:
            stub = str(finding.details.get("stub", ""))
            if stub:
                stubs.setdefault(stub, []).append(finding)
            else:
                reason = "no stub distribution is known for this package"
                left.append(Left(finding=finding, reason=f"{reason}: {finding.fix}"))
        if not ctx.exists(PYPROJECT):
            return Skipped(
                reason="the target has no pyproject.toml to edit",
                left=tuple(
                    Left(finding=f, reason="no pyproject.toml") for f in findings
                ),
            )
        not_done: list[str] = []
        try:
            before = ctx.read(PYPROJECT)
            document = parse(before)
            notes = [
                *add_stubs(document, sorted(stubs)),
                *strict_overrides(ctx, document, not_done),
            ]
            after = tomlkit.dumps(document)
            check(after)
            require_insertion(PYPROJECT, before, after)
        except FixError as error:
            return Skipped(
                reason=str(error),
                left=tuple(Left(finding=f, reason=str(error)) for f in findings),
            )
        addressed = [f for group in stubs.values() for f in group]
        return outcome(
            [FileEdit(path=PYPROJECT, before=before, after=after)],
            addressed,
            left,
            notes=[*notes, *not_done],
            nothing="the stubs are declared and the strict scope is strict already",
        )


def parse(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FixError(f"{PYPROJECT} is not valid TOML ({first}); not edited") from None


def check(text: str) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FixError(f"{PYPROJECT}: the edit would not parse ({error})") from None


# --- stubs ---------------------------------------------------------------------


def add_stubs(document: tomlkit.TOMLDocument, stubs: Sequence[str]) -> list[str]:
    """Add ``stubs`` to the dev dependencies; one note per place written to."""
    if not stubs:
        return []
    array, where = dev_array(document, stubs)
    present = {name for item in array if (name := requirement_name(item))}
    added = [s for s in stubs if canonicalize_name(s) not in present]
    for stub in added:
        array.append(stub)
    return [f"added {', '.join(added)} to {where}"] if added else []


def dev_array(
    document: tomlkit.TOMLDocument, stubs: Sequence[str]
) -> tuple[Array, str]:
    """The dev extra, else the dev group of a target with groups, else a new extra."""
    project = document.get("project")
    extras = None
    if isinstance(project, Table):
        extras = project.get("optional-dependencies")
    groups = document.get("dependency-groups")
    if isinstance(extras, Table | Container) and "dev" in extras:
        array, where = extras["dev"], "[project.optional-dependencies] dev"
    elif isinstance(groups, Table):
        if "dev" not in groups:
            groups.add("dev", multiline_array())
        array, where = groups["dev"], "[dependency-groups] dev"
    elif isinstance(project, Table):
        if extras is None:
            # a table follows [project]: keep the blank line before it
            spaced = project.as_string().endswith("\n\n")
            extras = tomlkit.table()
            extras.add("dev", multiline_array())
            if spaced:
                extras.add(tomlkit.nl())
            project.add("optional-dependencies", extras)
        elif not isinstance(extras, Table):
            raise FixError(f"{PYPROJECT}: optional-dependencies is not a table")
        else:
            extras.add("dev", multiline_array())
        array, where = extras["dev"], "[project.optional-dependencies] dev"
    else:
        raise FixError(
            f"{PYPROJECT} has no [project] table: add {', '.join(stubs)} to the dev"
            " dependencies by hand"
        )
    if not isinstance(array, Array):
        raise FixError(f"{PYPROJECT}: {where} is not a list; not edited")
    return array, where


def multiline_array() -> Array:
    array = tomlkit.array()
    array.multiline(multiline=True)
    return array


def requirement_name(item: object) -> str | None:
    if not isinstance(item, str):
        return None  # {include-group = ...}
    try:
        return canonicalize_name(Requirement(item).name)
    except InvalidRequirement:
        return None


# --- strict scope --------------------------------------------------------------


def strict_overrides(
    ctx: FixContext, document: tomlkit.TOMLDocument, notes: list[str]
) -> list[str]:
    """Append a strict override for the scope's modules mypy does not check strictly.

    Returns what was done; reasons for what was not go into ``notes``.
    """
    options = ctx.settings.options("typing")
    if "strict" not in options.values:
        return []
    try:
        patterns = options.strings("strict")
        on_disk = read_config(ctx.target)
    except ConfigError as error:
        notes.append(f"strict scope not written: {error}")
        return []
    if on_disk.path not in (None, PYPROJECT):
        notes.append(
            f"strict scope not written: the mypy configuration is {on_disk.path}"
            " (only pyproject.toml is edited)"
        )
        return []
    unusable = [p for p in patterns if not _MODULE_PATTERN.match(p)]
    if unusable:
        notes.append(
            "strict scope: not mypy module patterns, make them strict by hand: "
            + ", ".join(unusable)
        )
    wanted = make_strict(document, [p for p in patterns if _MODULE_PATTERN.match(p)])
    if not wanted:
        return []
    note = (
        f"[[tool.mypy.overrides]] makes {', '.join(wanted)} strict (the strict"
        " scope of [tool.readiness.typing]): expect mypy to report more errors there"
    )
    return [note]


def make_strict(document: tomlkit.TOMLDocument, patterns: Sequence[str]) -> list[str]:
    """Append one strict override for the ``patterns`` mypy does not check
    strictly yet; returns those patterns (none: nothing appended)."""
    config = current_config(document)
    wanted = [p for p in patterns if not strict(config, p)]
    if not wanted:
        return []
    table = tomlkit.table()
    table.add("module", list(wanted))
    for flag in STRICT_OVERRIDE_FLAGS:
        table.add(flag, True)  # noqa: FBT003 - tomlkit's API
    effective = EffectiveOptions(config)
    if any(effective.flags(p).get("ignore_errors") for p in wanted):
        table.add("ignore_errors", False)  # noqa: FBT003
    append_override(document, table)
    after = current_config(document)
    still = [p for p in wanted if not strict(after, p)]
    if still:
        raise FixError(
            f"{PYPROJECT}: the strict override would not make {', '.join(still)}"
            " strict (another override wins); not edited"
        )
    return wanted


def current_config(document: tomlkit.TOMLDocument) -> MypyConfig:
    data: dict[str, Any] = tomllib.loads(tomlkit.dumps(document))
    table = data.get("tool", {}).get("mypy")
    if table is None:
        return MypyConfig(path=None, options={})
    try:
        return _toml_config(table)
    except ConfigError as error:
        raise FixError(f"{error}; not edited") from None


def strict(config: MypyConfig, pattern: str) -> bool:
    effective = EffectiveOptions(config)
    names = [pattern]
    if pattern.endswith(".*"):
        names.append(pattern[:-2])  # mypy's ``a.b.*`` matches ``a.b`` too
    return all(effective.is_strict(name) for name in names)


def append_override(document: tomlkit.TOMLDocument, table: Table) -> None:
    tool = document.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document.add("tool", tool)
    if not isinstance(tool, Table):
        raise FixError(f"{PYPROJECT}: tool is not a table; not edited")
    mypy = tool.get("mypy")
    if mypy is None:
        mypy = tomlkit.table(is_super_table=True)
        tool.add("mypy", mypy)
    if not isinstance(mypy, Table):
        raise FixError(f"{PYPROJECT}: [tool.mypy] is not a table; not edited")
    overrides = mypy.get("overrides")
    if overrides is None:
        aot = tomlkit.aot()
        aot.append(table)
        mypy.add("overrides", aot)
        return
    if not isinstance(overrides, AoT):
        raise FixError(
            f"{PYPROJECT}: [tool.mypy] overrides is not written as"
            " [[tool.mypy.overrides]] tables; add the strict override by hand"
        )
    if overrides.body and overrides.body[-1].as_string().endswith("\n\n"):
        table.add(tomlkit.nl())
    overrides.append(table)
