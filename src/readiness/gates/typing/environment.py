"""The typing environment, as the project's own mypy setup would have it.

It holds what the project installs when it runs mypy: the extras and groups of
:mod:`.options`, the extras its code imports under guards, the
``additional_dependencies`` of its mypy pre-commit hook; mypy at the version
the project pins (its lock, its dev pins, the hook's ``rev``), readiness's own
only when it pins none (for a pyright project, pyright or basedpyright the same
way, instead of mypy); every version its ``uv.lock`` pins when it commits
one. When the target does not build, the environment holds its dependencies
without it, so mypy still checks the source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from readiness import command, environments, pins
from readiness.gates.interface import GateContext

from .options import TypingOptions, declared, guarded_extras, requirement
from .rules import BASEDPYRIGHT_VERSION, MYPY_VERSION, PYRIGHT_VERSION

#: What a BuildError says when the target itself is the part that fails.
BLOCKED = "blocked: "
LOCK = "uv.lock"


@dataclass(frozen=True, kw_only=True)
class MypyChoice:
    """The mypy requirement to install (none: the target's own decides), and why."""

    requirements: tuple[str, ...]
    source: str


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """The typing environment and how it was made, for the report."""

    env: environments.Environment
    #: Where the checker's version came from (mypy's, or pyright's for pyright).
    mypy_source: str
    versions_from: str
    extras: tuple[str, ...]
    #: The extras among ``extras`` installed because the code imports them guarded.
    guarded_extras: tuple[str, ...]
    hook_packages: tuple[str, ...]
    #: Why the target is not installed in it (``None``: it is).
    not_installed: str | None


def quiet(ctx: GateContext) -> environments.Runner:
    """``ctx.run`` without recording: the report's command is mypy's, not uv's."""

    def run(args: Sequence[str], **options: Any) -> command.Completed:
        return ctx.run(args, **{**options, "record": False})

    return run


def mypy_requirement(
    root: Path, requirements: Iterable[str], *, hooks: Sequence[str] = ()
) -> MypyChoice:
    """mypy at the version the target pins; else ``MYPY_VERSION`` unless the
    target's own requirement excludes it (then that requirement decides)."""
    return tool_requirement(root, "mypy", MYPY_VERSION, requirements, hooks=hooks)


def tool_requirement(
    root: Path,
    tool: str,
    ours: str,
    requirements: Iterable[str],
    *,
    hooks: Sequence[str] = (),
    extra: str = "",
) -> MypyChoice:
    """``tool`` (with ``extra``) at the version the target pins; else at ``ours``
    unless the target's own requirement excludes it (then that one decides)."""
    wanted = list(requirements)
    name = f"{tool}{extra}"
    pin = pins.tool_pin(root, tool, dev_requirements=wanted)
    if pin is not None:
        return MypyChoice(requirements=(f"{name}=={pin.version}",), source=pin.source)
    specifiers = [
        parsed.specifier
        for parsed in map(requirement, [*wanted, *hooks])
        if parsed is not None and canonicalize_name(parsed.name) == tool
    ]
    if all(spec.contains(Version(ours), prereleases=True) for spec in specifiers):
        return MypyChoice(
            requirements=(f"{name}=={ours}",),
            source=f"readiness (the target pins no {tool})",
        )
    shown = ", ".join(str(spec) for spec in specifiers)
    return MypyChoice(
        requirements=(name,) if extra else (),
        source=f"the target's requirement ({tool}{shown})",
    )


def hook_packages(root: Path, target_name: str) -> tuple[str, ...]:
    """The mypy pre-commit hook's ``additional_dependencies`` that are requirements
    (the target itself, named or as a path, is installed anyway)."""
    own = canonicalize_name(target_name)
    return tuple(
        text
        for text in pins.hook_dependencies(root, "mypy")
        if (parsed := requirement(text)) is not None
        and canonicalize_name(parsed.name) != own
    )


def checker_requirement(
    root: Path, checker: str, requirements: Iterable[str], hooks: Sequence[str]
) -> MypyChoice:
    """The requirement of the checker to run: pyright with its ``nodejs`` extra
    (node from a wheel: no download outside the package index)."""
    if checker == "pyright":
        return tool_requirement(
            root, "pyright", PYRIGHT_VERSION, requirements, extra="[nodejs]"
        )
    if checker == "basedpyright":
        return tool_requirement(
            root, "basedpyright", BASEDPYRIGHT_VERSION, requirements
        )
    return mypy_requirement(root, requirements, hooks=hooks)


def prepare(
    ctx: GateContext,
    options: TypingOptions,
    imported: set[str],
    checker: str = "mypy",
    *,
    reads_tree: bool = False,
) -> Prepared:
    """Build (or reuse) the typing environment; see the module docstring.

    ``reads_tree``: the checker is given every module of the target's packages
    as a source, so it never reads their installed copy: a change of those
    modules alone does not reinstall the target (``Spec.reads_tree``)."""
    target = ctx.target
    guarded = guarded_extras(target, imported, options.extras)
    extras = (*options.extras, *guarded)
    hooks = hook_packages(target.root, target.name) if checker == "mypy" else ()
    requirements = [*declared(target, extras, options.groups), *options.packages]
    choice = checker_requirement(target.root, checker, requirements, hooks)
    run = quiet(ctx)
    versions_from = "resolved"
    constraints = None
    if (target.root / LOCK).is_file():
        try:
            constraints = environments.export_lock(
                target,
                extras=extras,
                groups=options.groups,
                dest=ctx.scratch / "typing-locked.txt",
                run=run,
            )
            versions_from = LOCK
        except environments.BuildError as error:
            versions_from = f"resolved ({error})"
    spec = environments.Spec(
        kind="typing",
        extras=extras,
        groups=options.groups,
        packages=(*options.packages, *hooks, *choice.requirements),
        constraints=constraints,
        install_target=target.installable,
        reads_tree=reads_tree,
    )
    not_installed = target.not_installable
    try:
        env = environments.ensure(target, spec, run=run, python=options.python)
    except environments.BuildError as error:
        if not str(error).startswith(BLOCKED):
            raise
        not_installed = str(error).removeprefix(BLOCKED)
        without = dataclasses.replace(
            spec,
            extras=(),
            install_target=False,
            packages=(
                *target.dependencies,
                *declared(target, extras, ()),
                *spec.packages,
            ),
        )
        env = environments.ensure(target, without, run=run, python=options.python)
    return Prepared(
        env=env,
        mypy_source=choice.source,
        versions_from=versions_from,
        extras=extras,
        guarded_extras=guarded,
        hook_packages=hooks,
        not_installed=not_installed,
    )
