"""``--help`` of a target's commands, run in an installed environment and walked.

The cli gate uses it to prove that every command starts; the docs gate to learn
the command line of a script whose source does not show it. Each ``--help``
runs in the caller's scratch folder (so the target's source tree cannot shadow
the installed package), with plain wide output, without the user's
site-packages or ``PYTHONPATH``, and with its own timeout. stdout and stderr
stay apart: :mod:`readiness.clitree` reads help from the stdout of a zero exit
only, and stderr is the reason when a run fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from readiness import clitree, command, environments, prodenv

DEFAULT_TIMEOUT_S = 30.0
#: Output as plain, wide text, and nothing from the user's site or PYTHONPATH.
PLAIN = {
    "NO_COLOR": "1",
    "TERM": "dumb",
    "COLUMNS": "200",
    "PYTHONPATH": "",
    "PYTHONDONTWRITEBYTECODE": "1",
    "_TYPER_FORCE_DISABLE_TERMINAL": "1",
}


class Context(Protocol):
    """What running ``--help`` needs of its caller (a gate's context has it)."""

    @property
    def scratch(self) -> Path: ...

    def record_command(self, args: Sequence[str], *, first: bool = ...) -> None: ...

    def run(
        self,
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = ...,
        cwd: Path | None = ...,
        env: Mapping[str, str] | None = ...,
        record: bool = ...,
        timeout_s: float | None = ...,
    ) -> command.Completed: ...


def help_env(env: environments.Environment) -> dict[str, str]:
    """``env`` activated, with plain output."""
    return {**prodenv.activated(env), **PLAIN}


def argv0(env: environments.Environment, script: clitree.Script) -> list[str] | None:
    """How to start ``script`` in ``env``; ``None`` when ``env`` does not have it."""
    if script.name.startswith("python -m "):
        return [str(env.python), "-m", script.name.removeprefix("python -m ")]
    path = env.script(script.name)
    return [str(path)] if path.exists() else None


def run_help(
    ctx: Context,
    *,
    env: environments.Environment,
    argv0: Sequence[str],
    name: str,
    path: tuple[str, ...],
    timeout: float,
) -> clitree.HelpRun:
    """``<argv0> <path...> --help`` in the scratch folder, recorded as ``name ...``."""
    ctx.record_command((*name.split(), *path, "--help"))
    try:
        completed = ctx.run(
            [*argv0, *path, "--help"],
            cwd=ctx.scratch,
            timeout_s=timeout,
            ok_codes=range(-255, 256),
            env=help_env(env),
            record=False,
        )
    except command.ToolTimeout:
        return clitree.HelpRun(path=path, returncode=None)
    except command.ToolFailed as error:  # it could not even be started
        return clitree.HelpRun(path=path, returncode=127, stderr=str(error))
    return clitree.HelpRun(
        path=path,
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        duration_s=completed.duration_s,
    )


def walk(
    ctx: Context,
    env: environments.Environment,
    script: clitree.Script,
    argv0: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    depth: int = 6,
) -> tuple[clitree.Command, tuple[clitree.HelpRun, ...]]:
    """Walk ``script``'s ``--help``; its static model adds what help hides."""

    def runner(path: tuple[str, ...]) -> clitree.HelpRun:
        return run_help(
            ctx, env=env, argv0=argv0, name=script.name, path=path, timeout=timeout
        )

    return clitree.walk(script.name, runner, script.root, depth=depth)
