"""Which locks the gate audits, and where each comes from.

The target's committed ``constraints/{prod,test,dev}.txt`` are audited as
they are. The missing ones are generated into the gate's scratch folder with
:mod:`readiness.locks`, as close to what the target pins as it can be:

- from its ``uv.lock`` (``uv export --frozen``) when it commits one;
- otherwise resolved by uv from its declared metadata, preferring the versions
  of the lock it commits (``pylock.toml``, ``poetry.lock``, ``pdm.lock``,
  pinned requirements files: :func:`readiness.pins.locked_versions`);
- the declared metadata is the static ``[project]`` table when it is
  complete, else the build backend's (``setup.cfg``/``setup.py`` projects,
  dynamic dependencies: :func:`readiness.metadata.prepared`), written as a
  static ``pyproject.toml`` in the scratch folder for uv to resolve.

The prod lock must be produced; a test or dev lock that cannot be (a URL
dependency of an optional group that cannot be fetched here) is left out of
scope with the reason, and the others are still audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from readiness import command, environments, locks, metadata, pins
from readiness.errors import ReadinessError
from readiness.gates.interface import GateContext, GateError, GateSkipped
from readiness.target import Target, discover

from .findings import AuditedLock


@dataclass(frozen=True, kw_only=True)
class Scope:
    audited: tuple[AuditedLock, ...]
    #: Locks that could not be produced, with the reason.
    out_of_scope: Mapping[str, str]
    #: Where the generated locks come from, for the report ("" when none were).
    generated_from: str
    #: Whether the target commits a lock of any kind (so DP002 does not apply).
    committed_lock: bool
    #: The split locks the target lacks (generated, or out of scope).
    missing: tuple[str, ...] = ()


def declared_in(target: Target) -> str:
    """The file the target's requirements are declared in, as findings name it."""
    project = target.pyproject.get("project")
    if isinstance(project, Mapping) and metadata.static_complete(project):
        return "pyproject.toml"
    for name in ("setup.cfg", "setup.py"):
        if (target.root / name).is_file():
            return name
    return "pyproject.toml"


def lockable(ctx: GateContext) -> Target:
    """The target as :mod:`readiness.locks` can resolve it: itself when uv can
    read its requirements statically (or it has a ``uv.lock``), else a copy
    of its backend's metadata as a static ``[project]`` table in scratch."""
    target = ctx.target
    project = target.pyproject.get("project")
    static = isinstance(project, Mapping) and metadata.static_complete(project)
    if static or locks.uses_uv_lock(target):
        return target
    try:
        prepared = metadata.prepared(
            target.root, target.pyproject, cache_root=environments.cache_root()
        )
    except ReadinessError as error:
        raise GateError(f"cannot produce the prod lock: {error}") from None
    folder = ctx.scratch / "project"
    folder.mkdir(parents=True, exist_ok=True)
    table: dict[str, object] = {
        "name": prepared.name,
        "version": "0",
        "dependencies": list(prepared.dependencies),
        "optional-dependencies": {k: list(v) for k, v in prepared.extras.items()},
    }
    if prepared.requires_python:
        table["requires-python"] = prepared.requires_python
    document: dict[str, object] = {"project": table}
    groups = target.pyproject.get("dependency-groups")
    if isinstance(groups, Mapping) and groups:
        document["dependency-groups"] = dict(groups)
    (folder / "pyproject.toml").write_text(tomlkit.dumps(document), encoding="utf-8")
    # the scratch project is static and complete: discovery reads it as is
    return discover(folder)


def scope(ctx: GateContext) -> Scope:
    """The committed locks, and generated ones for those missing."""
    target = ctx.target
    present = locks.existing(target.root)
    missing = [name for name in locks.LOCK_NAMES if name not in present]
    committed = pins.locked_versions(target.root)
    generated: dict[str, Path] = {}
    out_of_scope: dict[str, str] = {}
    source = generated_shown = ""
    project = target.name
    if missing and not target.installable:
        if not present:
            raise GateSkipped(
                f"no constraints/ locks, and nothing to lock ({target.not_installable})"
            )
    elif missing:
        resolvable = lockable(ctx)
        project = resolvable.name
        out = ctx.scratch / locks.CONSTRAINTS
        source = "uv.lock" if locks.uses_uv_lock(target) else declared_in(target)
        generated_shown = source
        if committed is not None and source != "uv.lock":
            _prefer(out, missing, committed.versions)
            source = f"{source}, preferring the versions of {committed.path}"
            generated_shown = committed.path
        for name in missing:
            try:
                (written,) = locks.generate(
                    resolvable, out, run=ctx.run, work=ctx.scratch / "uv", only=[name]
                )
            except locks.LockError as error:
                if name == "prod":
                    reason = uv_reason(error, name)
                    raise GateError(f"cannot produce the prod lock: {reason}") from None
                out_of_scope[name] = uv_reason(error, name)
                continue
            generated[name] = written.path
    audited = []
    for name in locks.LOCK_NAMES:
        if name in present:
            path, shown, is_file = present[name], target.rel(present[name]), True
        elif name in generated:
            path, shown, is_file = generated[name], generated_shown, False
        else:
            continue
        lock = locks.read(path, name=name, root=project)
        audited.append(AuditedLock(lock=lock, shown=shown, committed=is_file))
    return Scope(
        audited=tuple(audited),
        out_of_scope=out_of_scope,
        generated_from=source,
        # the split locks themselves count only when all three are there
        committed_lock=committed is not None
        and not committed.path.startswith(f"{locks.CONSTRAINTS}/"),
        missing=tuple(missing),
    )


def uv_reason(error: locks.LockError, name: str) -> str:
    """What uv said went wrong, in one line: its ``error:`` line and its last
    ``cause:`` (the lock error itself only keeps the last)."""
    failed = error.__context__
    output = failed.output if isinstance(failed, command.ToolFailed) else ""
    lines: list[str] = []
    for line in (line.strip() for line in output.splitlines()):
        if lines and line and not line.lower().startswith(("error:", "cause:")):
            lines[-1] += " " + line  # uv wraps long lines
        elif line:
            lines.append(line)
    first = next((line for line in lines if line.lower().startswith("error:")), "")
    causes = [line for line in lines if line.startswith("cause:")]
    if not first:
        return str(error).removeprefix(f"the {name} lock: ")
    said = first.removeprefix("error:").removeprefix("Error:").strip()
    if causes:
        said += ": " + causes[-1].removeprefix("cause:").strip()
    return f"uv could not resolve it: {said}"


def _prefer(out: Path, names: list[str], versions: Mapping[str, str]) -> None:
    """Seed uv's output files with the committed lock's versions: uv keeps the
    pins of an existing output file that still satisfy the requirements."""
    out.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{name}=={version}\n" for name, version in sorted(versions.items()))
    for name in names:
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
