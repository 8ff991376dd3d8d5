"""One run of the project's type checker in the typing environment: mypy here with
the target's configuration, pyright in :mod:`.pyright`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from readiness import command
from readiness.cache import facts_folder, probed, probes_folder, tool_folder
from readiness.filefacts import FileFacts
from readiness.gates.interface import GateContext, GateError, GateSkipped
from readiness.mypy_config import (
    module_names,
    read_config,
    source_files,
    strict_scope,
)
from readiness.target import Target

from . import checker as checkers
from . import pyright
from .checked import Checked
from .environment import prepare
from .options import Guarded, guarded, read_options, requirement
from .output import read_json, read_text
from .rules import FIXED_FORMAT_CACHE, JSON_OUTPUT_SINCE

#: mypy's complaint about a ``python_version`` older than it supports.
_UNSUPPORTED_PYTHON = re.compile(
    r"python_version: Python (?P<version>\S+) is not supported"
)


def checks_every_module(target: Target, files: Iterable[str]) -> bool:
    """Whether mypy is given every ``.py`` module of the target's packages as a
    source: it then reads each from the tree, never from the installed copy
    (a source given to mypy is the module of its name, whatever site-packages
    holds)."""
    given = set(files)
    for package in target.packages:
        folder = target.root / package
        modules = folder.rglob("*.py") if folder.is_dir() else [folder]
        for module in modules:
            if module.relative_to(target.root).as_posix() not in given:
                return False
    return bool(target.packages)


def cache_format(version: Version) -> tuple[str, ...]:
    """``--fixed-format-cache`` for a mypy where it is stable but not yet the
    default (its cache is readiness's own folder: the format is not the
    project's concern)."""
    since, default = FIXED_FORMAT_CACHE
    return ("--fixed-format-cache",) if since <= version < default else ()


def _guarded(ctx: GateContext, files: Iterable[str]) -> Guarded:
    """The imports under an ImportError handler, each file's remembered."""
    facts = FileFacts(facts_folder(ctx.settings), "typing-guarded")
    found = guarded(ctx.target.root, files, facts)
    facts.save()
    return found


def check(ctx: GateContext) -> Checked:
    """Build (or reuse) the typing environment and run the project's checker there.

    With mypy: a ``python_version`` older than this mypy supports is not the
    target's fault (mypy ignores it with a complaint): mypy is then run again
    with the environment interpreter's version, and the report says so.
    """
    options = read_options(ctx)
    target = ctx.target
    checker = checkers.choose(target, options.checker)
    if checker.pyright:
        return pyright.check(ctx, options, checker)
    config = read_config(target)
    paths = () if config.selects_sources else target.packages
    if not config.selects_sources and not paths:
        raise GateSkipped(
            "no Python packages found and the mypy configuration names no files"
        )
    files = source_files(target.root, config.files or paths, config)
    optional = _guarded(ctx, files)
    prepared = prepare(
        ctx,
        options,
        set(optional.modules),
        reads_tree=checks_every_module(target, files),
    )
    python = prepared.env.python
    version = mypy_version(ctx, python)
    ctx.record_tool("mypy", str(version))
    if config.path is None:
        empty = ctx.scratch / "mypy.ini"
        empty.write_text("[mypy]\n", encoding="utf-8")
        config_file = str(empty)
    else:
        config_file = config.path
    json_output = version >= JSON_OUTPUT_SINCE
    cache = tool_folder(ctx.settings, ctx.scratch, "mypy")
    args = [
        str(python),
        *command.ISOLATED,
        "-m",
        "mypy",
        "--config-file",
        config_file,
        "--cache-dir",
        str(cache),
        "--no-color-output",
        *cache_format(version),
        *(
            ("--error-summary", "-O", "json")  # a clean run prints its empty summary
            if json_output
            else ("--show-error-codes", "--no-pretty", "--no-error-summary")
        ),
        *paths,
    ]
    completed = ctx.run(args, ok_codes=(0, 1, 2)).require_complete()
    complaints = _complaints(completed.stderr, config_file)
    unsupported = next(
        (m for line in complaints if (m := _UNSUPPORTED_PYTHON.search(line))), None
    )
    python_version = None
    if unsupported is not None:
        interpreter = prepared.env.interpreter.version
        used = f"{interpreter.major}.{interpreter.minor}"
        python_version = (unsupported["version"], used)
        after = args.index("mypy") + 1  # python -I -m mypy: its first option
        args[after:after] = ["--python-version", used]
        completed = ctx.run(args, ok_codes=(0, 1, 2)).require_complete()
        complaints = [
            line
            for line in _complaints(completed.stderr, config_file)
            if not _UNSUPPORTED_PYTHON.search(line)
        ]
    if complaints:
        more = f" (and {len(complaints) - 1} more)" if len(complaints) > 1 else ""
        raise GateError(f"mypy rejects its configuration: {complaints[0]}{more}")
    parse = read_json if json_output else read_text
    errors = tuple(
        sorted(
            parse(target, completed.stdout),
            key=lambda e: (e.path, e.line or 0, e.column or 0, e.code),
        )
    )
    if completed.returncode == 2 and not errors:
        reason = command.last_line(completed.stderr or completed.stdout)
        raise GateError(f"mypy could not check the target: {reason}")
    if completed.returncode == 1 and not errors:
        # mypy exits 1 only with an error to report: anything else is a crash.
        reason = command.last_line(completed.stderr or completed.stdout)
        raise GateError(f"mypy exited with code 1 without reporting an error: {reason}")
    if json_output and completed.returncode == 0 and not completed.stdout:
        # -O json hides the "Success" text, not the line it is printed on.
        reason = command.last_line(completed.stderr)
        raise GateError(f"mypy exited with code 0 without its summary line: {reason}")
    return Checked(
        config=config,
        checker=checker,
        optional_imports=optional.sites,
        provided=provided(ctx, prepared.env.path),
        scope=strict_scope(config, options.strict),
        errors=errors,
        modules=module_names(target.root, files),
        version=str(version),
        duration_s=round(completed.duration_s, 3),
        blocked=completed.returncode == 2,
        prepared=prepared,
        python_version=python_version,
    )


def provided(ctx: GateContext, env: Path) -> frozenset[str]:
    """The modules the project's requirements name (a distribution provides the
    module of its normalised name) and those the environment holds, lower case."""
    named = {
        canonicalize_name(parsed.name).replace("-", "_")
        for parsed in map(requirement, ctx.target.declared_requirements())
        if parsed is not None
    }
    held = {
        entry.name.split(".")[0].lower()
        for entry in env.glob("lib/python*/site-packages/*")
        if entry.is_dir() or entry.suffix in (".py", ".so")
    }
    return frozenset(named | held)


def _complaints(stderr: str, config_file: str) -> list[str]:
    """mypy's complaints about its configuration file."""
    return [
        line.strip()
        for line in stderr.splitlines()
        if line.startswith(f"{config_file}:")
    ]


def mypy_version(ctx: GateContext, python: Path) -> Version:
    """The environment's mypy version; remembered in the cache while the
    interpreter and mypy's installed record are unchanged."""
    args = [str(python), *command.ISOLATED, "-m", "mypy", "--version"]

    def ask() -> str:
        try:
            completed = ctx.run(args, record=False)
        except command.ToolFailed as error:
            raise GateError(
                f"mypy is not usable in the typing environment: {error}"
            ) from None
        match = re.search(r"mypy (\S+)", completed.stdout)
        try:
            return str(Version(match.group(1) if match else ""))
        except InvalidVersion:
            raise GateError(
                f"mypy --version printed no version: {completed.stdout.strip()[:80]!r}"
            ) from None

    # mypy's installed record: it changes when mypy is installed again or
    # upgraded, not when a run writes byte code into site-packages (the
    # folder itself gets a new mtime the first time any tool runs there).
    site = sorted(python.parent.parent.glob("lib/python*/site-packages"))
    records = sorted(
        path for folder in site for path in folder.glob("mypy-*.dist-info")
    )
    folder = probes_folder(ctx.settings.cache_dir)
    return Version(probed(folder, args, ask, depends=records or site))
