"""The target's tools at the target's versions: one isolated environment each.

ruff, black (and the others) must judge the target as its own CI does, so they
run at the version the target pins (:func:`readiness.pins.tool_pin`: its lock,
an exact dev/test pin, or a pre-commit hook's ``rev``). Each pinned
``(tool, version)`` gets a virtualenv of its own under
``environments.cache_root() / "tools"``, built with uv (``uv venv`` then
``uv pip install TOOL==VERSION``) and reused by every later audit of any
target; a lock file beside it keeps two audits from building it at once.

A target that pins nothing, or pins the very version readiness ships with,
gets readiness's own tool, by its bare name (so ``READINESS_TOOLS_DIR`` still
shadows it). Every answer says where its version came from.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from readiness import command, environments, installed, pins
from readiness.errors import ReadinessError
from readiness.target import Target

#: What a tool's ``source`` says when the target pins no version of it.
OWN = "readiness's own"
READY = ".readiness-tool.json"
_TREE = " \u2570\u2500\u25b6\u00d7\u2502"  # uv's tree drawing


class ToolEnvError(ReadinessError):
    """A pinned tool cannot be installed; the message names tool, version, pin."""


@dataclass(frozen=True, kw_only=True)
class Tool:
    """A tool to run: its executable, the version pinned (if any) and why."""

    name: str
    executable: str
    source: str
    pinned: str | None = None

    @property
    def own(self) -> bool:
        """Whether this is readiness's own installation of the tool."""
        return self.executable == self.name


def dev_requirements(target: Target) -> tuple[str, ...]:
    """The requirements of every extra and dependency group: where dev pins live."""
    found: list[str] = []
    for values in (*target.extras.values(), *target.dependency_groups.values()):
        found.extend(values)
    return tuple(found)


@functools.cache
def own_version(tool: str) -> str | None:
    """The version of ``tool`` installed with readiness, if it is a package here."""
    return installed.version(tool)


def resolve(
    target: Target,
    tool: str,
    *,
    run: environments.Runner,
    root: Path | None = None,
    extras: tuple[str, ...] = (),
) -> Tool:
    """``tool`` at the version ``target`` pins (installed if need be), else ours;
    ``extras`` (pinned plugins) are installed beside it, at our version if need be."""
    pin = pins.tool_pin(target.root, tool, dev_requirements=dev_requirements(target))
    own = own_version(tool)
    if pin is None and (not extras or own is None):
        return Tool(name=tool, executable=tool, source=OWN)
    if pin is None:
        pin = pins.Pin(version=str(own), source=OWN)
    if _same(pin.version, own) and not extras:
        return Tool(name=tool, executable=tool, source=pin.source, pinned=pin.version)
    executable = install(
        tool, pin.version, source=pin.source, run=run, root=root, extras=extras
    )
    return Tool(
        name=tool, executable=str(executable), source=pin.source, pinned=pin.version
    )


def _same(pinned: str, own: str | None) -> bool:
    try:
        return own is not None and Version(pinned) == Version(own)
    except InvalidVersion:
        return False


def install(
    tool: str,
    version: str,
    *,
    source: str,
    run: environments.Runner,
    root: Path | None = None,
    extras: tuple[str, ...] = (),
) -> Path:
    """The executable of ``tool==version`` (and ``extras``) in its own
    environment, built if missing.

    Raises :class:`ToolEnvError` naming the tool, the version and ``source``
    (the file that pins it) when uv cannot install it.
    """
    what = f"{tool} {version} (pinned by {source})"
    try:
        Version(version)
    except InvalidVersion:
        raise ToolEnvError(f"{what} is not a version uv can install") from None
    interpreter = environments.choose(environments.interpreters(run), None, None)
    digest = hashlib.sha256(str(interpreter.path).encode()).hexdigest()[:8]
    folder = (root or environments.cache_root()) / "tools"
    if extras:
        digest += "-" + hashlib.sha256("\n".join(extras).encode()).hexdigest()[:8]
    name = f"{re.sub(r'[^A-Za-z0-9._+-]', '_', f'{tool}-{version}')}-{digest}"
    path = folder / name
    executable = path / "bin" / tool
    with environments.locked(folder / f"{name}.lock"):
        if (path / READY).is_file() and executable.is_file():
            return executable
        shutil.rmtree(path, ignore_errors=True)
        try:
            _build(tool, version, path, interpreter.path, run, what=what, extras=extras)
        except (command.ToolTimeout, ToolEnvError):
            shutil.rmtree(path, ignore_errors=True)
            raise
        except command.ToolError as error:
            shutil.rmtree(path, ignore_errors=True)
            output = error.output if isinstance(error, command.ToolFailed) else ""
            raise ToolEnvError(
                f"{what} cannot be installed: {_reason(output or str(error))}"
            ) from None
        if not executable.is_file():
            shutil.rmtree(path, ignore_errors=True)
            raise ToolEnvError(
                f"{what} was installed but has no `{tool}` command ({executable})"
            )
        (path / READY).write_text(
            json.dumps({"tool": tool, "version": version, "source": source}) + "\n",
            encoding="utf-8",
        )
    return executable


def _build(
    tool: str,
    version: str,
    path: Path,
    interpreter: Path,
    run: environments.Runner,
    *,
    what: str,
    extras: tuple[str, ...] = (),
) -> None:
    run(
        ["uv", "venv", "--quiet", "--python", str(interpreter), str(path)],
        env=environments.UV_ENV,
        record=False,
    )
    python = path / "bin" / "python"
    if not python.is_file():
        raise ToolEnvError(
            f"{what} cannot be installed: uv venv exited with code 0 but created no"
            " interpreter"
        )
    wanted = f"{tool}=={version}"
    run(
        ["uv", "pip", "install", "--quiet", "--python", str(python), wanted, *extras],
        env=environments.UV_ENV,
        record=False,
    )


def _reason(output: str) -> str:
    """uv's telling line: the resolver's "Because ..." or its ``error:`` line."""
    lines = [
        line.strip(_TREE).strip().removeprefix("cause:").strip()
        for line in output.splitlines()
    ]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith("Because"):
            return line
    for line in reversed(lines):
        if line.startswith("error:"):
            return line.removeprefix("error:").strip()
    return command.last_line(output)
