"""``--help`` of a target's commands, run in an installed environment and walked.

The cli gate uses it to prove that every command starts; the docs gate to learn
the command line of a script whose source does not show it. Each ``--help``
runs in the caller's scratch folder (so the target's source tree cannot shadow
the installed package), with plain wide output, without the user's
site-packages or ``PYTHONPATH``, and with its own timeout. stdout and stderr
stay apart: :mod:`readiness.clitree` reads help from the stdout of a zero exit
only, and stderr is the reason when a run fails.

A command that fails for want of one of the target's optional extras (blackd
without black's ``[d]``) is walked again in the prod environment plus that
extra (:func:`extra_env`): what a user who installs the extra gets.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from packaging.utils import canonicalize_name

from readiness import clitree, command, environments, prodenv, requirements
from readiness.target import Target

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
_NO_MODULE = re.compile(r"No module named '(?P<module>[\w.]+)'")
#: Extras that install a development stack, not an optional feature: a command
#: that needs one of them is broken in production (the seed's gitpython case).
DEV_EXTRAS = frozenset(
    {
        *("dev", "devel", "develop", "development", "test", "tests", "testing"),
        *("doc", "docs", "lint", "linting", "typing", "types", "mypy", "style"),
        *("qa", "ci", "check", "checks", "coverage", "cov", "all"),
    }
)


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
    if completed.truncated:  # help read from half an output is no help
        return clitree.HelpRun(
            path=path,
            returncode=completed.returncode,
            stderr=command.last_line(completed.stderr or completed.stdout),
            duration_s=completed.duration_s,
            cut=True,
        )
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


def needed_extras(
    target: Target, script: clitree.Script, output: str
) -> tuple[str, ...]:
    """The extras a failed ``--help`` needs, or ``()`` when the failure is not
    about one: the output says to install ``project[extra]`` (or "the '[extra]'
    extra"), or names a missing module that only extras declare; the extras of
    the entry point itself count when the output names any missing module."""
    features = [extra for extra in target.extras if extra.lower() not in DEV_EXTRAS]
    said = {
        extra
        for extra in features
        if f"{target.name}[{extra}]" in output or f"'[{extra}]'" in output
    }
    if said:
        return tuple(sorted(said))
    modules = [match["module"] for match in _NO_MODULE.finditer(output)]
    if not modules:
        return ()
    base = requirements.names(requirements.declared(target))
    wanted = {canonicalize_name(module.partition(".")[0]) for module in modules}
    by_extra = {
        extra
        for extra in features
        if wanted
        & (requirements.names(requirements.declared(target, extras=[extra])) - base)
    }
    if by_extra:
        return tuple(sorted(by_extra))
    return tuple(extra for extra in script.extras if extra in features)


def extra_env(
    target: Target, extras: Sequence[str], *, run: environments.Runner
) -> environments.Environment:
    """The prod environment plus ``extras`` (its own, built or reused);
    :class:`environments.BuildError` when it cannot be built."""
    spec = prodenv.spec(target)
    return environments.ensure(
        target,
        dataclasses.replace(
            spec, kind="+".join((spec.kind, *extras)), extras=tuple(extras)
        ),
        run=run,
    )


def failure_reason(run: clitree.HelpRun, timeout: float) -> str:
    """Why a ``--help`` gave no help to read (:attr:`clitree.HelpRun.answered`):
    it hung, printed more than readiness keeps, exited 0 printing nothing, or
    exited non-zero. The cli gate reports it; the docs gate says it of the
    invocations it could not check."""
    if run.timed_out:
        return f"no answer within {timeout:g} s"
    if run.cut:
        limit = command.MAX_OUTPUT_BYTES // (1024 * 1024)
        return f"exit {run.returncode}, printed more than {limit} MiB"
    if run.ok:
        return "exit 0 but printed nothing"
    return f"exit {run.returncode}, {command.last_line(run.output)}"


def environment_name(extras: Sequence[str]) -> str:
    """``the prod environment`` or ``the prod environment with the extra [d]``."""
    if not extras:
        return "the prod environment"
    noun = "extras" if len(extras) > 1 else "extra"
    shown = ", ".join(f"[{extra}]" for extra in extras)
    return f"the prod environment with the {noun} {shown}"
