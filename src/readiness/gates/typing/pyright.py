"""One pyright (or basedpyright) run, for a project that checks its types with it.

The checker runs in the typing environment (:mod:`.environment`, with
``pyright[nodejs]`` or ``basedpyright``: both wheels carry the checker and node,
so nothing is downloaded outside the package index) as the project runs it: at
the target's root, where it reads the project's own configuration
(``pyrightconfig.json`` or ``[tool.pyright]``; basedpyright's own first), with
``--pythonpath`` naming the environment's interpreter so that the project's
dependencies resolve, and ``--outputjson``. Its errors are read into the same
:class:`~.output.MypyError` records as mypy's (the rule is the code); warnings
and information are not failures in pyright's own run either, and are counted.

The configuration is read as pyright reads it: ``pyrightconfig.json`` is JSON
with comments and trailing commas (:mod:`readiness.jsonc`).

The strict scope is what the configuration makes strict: every file under
``typeCheckingMode = "strict"`` (basedpyright: ``"all"`` too), else the files
under its ``strict`` paths; then each file's own ``# pyright:`` comments, in
order, as pyright applies them (``commentUtils.getFileLevelDirectives``):
``strict`` makes the file strict, ``basic`` or ``standard`` replaces its rules
with that mode's, so it is no longer strict. Errors elsewhere are legacy, as
with mypy.
"""

from __future__ import annotations

import io
import json
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness import command, jsonc
from readiness.gates.interface import GateContext, GateError
from readiness.mypy_config import (
    EffectiveOptions,
    ModuleNames,
    MypyConfig,
    StrictScope,
    module_name,
    module_names,
    source_files,
)
from readiness.wording import plural

from .checked import Checked
from .checker import CONFIG_FILES, Checker
from .environment import prepare
from .options import TypingOptions, guarded_imports
from .output import MypyError

#: ``typeCheckingMode`` values that make every file strict.
STRICT_MODES = frozenset({"strict", "all"})
_NO_CONFIG = MypyConfig(path=None, options={})


@dataclass(frozen=True, kw_only=True)
class PyrightConfig:
    """The configuration the checker reads at the root; ``options`` None: unreadable."""

    path: str | None
    options: Mapping[str, Any] | None


def read_config(ctx: GateContext, tool: str) -> PyrightConfig:
    """The first of the checker's configurations that exists, in its order: its
    JSON file, then its ``pyproject.toml`` table (basedpyright: its own, then
    pyright's)."""
    target = ctx.target
    family = [tool, "pyright"] if tool == "basedpyright" else [tool]
    for name in family:
        path = target.root / CONFIG_FILES[name]
        if path.is_file():
            try:
                data = jsonc.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError, RecursionError):
                return PyrightConfig(path=CONFIG_FILES[name], options=None)
            return PyrightConfig(
                path=CONFIG_FILES[name],
                options=data if isinstance(data, dict) else None,
            )
    for name in family:
        table = target.tool.get(name)
        if isinstance(table, Mapping):
            return PyrightConfig(path=f"pyproject.toml [tool.{name}]", options=table)
    return PyrightConfig(path=None, options={})


def _paths(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return ()


def strict_scope(
    ctx: GateContext,
    config: PyrightConfig,
    patterns: tuple[str, ...] | None,
    files: Sequence[str] = (),
) -> StrictScope:
    """``[tool.readiness.typing] strict`` when set, else what the configuration
    makes strict (nothing when it cannot be read, as for pyright), changed by
    the ``# pyright:`` comments of the checked ``files``."""
    effective = EffectiveOptions(_NO_CONFIG)
    if patterns is not None:
        return StrictScope(
            source="[tool.readiness.typing] strict",
            patterns=patterns,
            effective=effective,
        )
    root = ctx.target.root
    where = config.path or "the pyright defaults"
    options = config.options
    if options is None:
        source = f"none ({where} cannot be read: its strict paths were not read)"
        strict: set[str] = set()
        everything = False
    elif options.get("typeCheckingMode") in STRICT_MODES:
        source = f'typeCheckingMode = "{options["typeCheckingMode"]}" ({where})'
        strict = set(files)
        everything = True
    else:
        source = f"the strict paths of {where}"
        strict = set(source_files(root, _paths(options.get("strict")), _NO_CONFIG))
        everything = False
    made_strict, made_not = [], []
    for name in files:
        mode = file_mode(root / name)
        if mode is True and name not in strict:
            made_strict.append(name)
        elif mode is False and name in strict:
            made_not.append(name)
    strict = (strict | set(made_strict)) - set(made_not)
    said = [
        f"{plural(len(found), 'file')} {comment}"
        for found, comment in (
            (made_strict, "strict by `# pyright: strict`"),
            (made_not, "not strict by `# pyright: basic` or `standard`"),
        )
        if found
    ]
    return StrictScope(
        source=f"{source}; made {' and '.join(said)}" if said else source,
        patterns=(
            ("*",)
            if everything and not made_not
            else tuple(sorted({module_name(root, name) for name in strict}))
        ),
        effective=effective,
    )


#: What a ``# pyright:`` comment's operands make a file (pyright's order:
#: ``strict`` first, then ``standard``, then ``basic``).
_MODES = (("strict", True), ("standard", False), ("basic", False))


def file_mode(path: Path) -> bool | None:
    """Whether the file's ``# pyright:`` comments make it strict (True), basic
    or standard (False), or say nothing of its mode (None); the last one that
    names a mode wins, as pyright applies them in order. Comments only: the
    same words in a string are not a directive."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if "pyright:" not in text:
        return None
    mode = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            value = token.string[1:].strip()
            if token.type != tokenize.COMMENT or not value.startswith("pyright:"):
                continue
            operands = value.removeprefix("pyright:")
            if operands.strip().startswith("ignore"):
                continue
            names = {operand.strip() for operand in operands.split(",")}
            mode = next((m for word, m in _MODES if word in names), mode)
    except (tokenize.TokenError, SyntaxError):  # the comments before it count
        pass
    return mode


def read_output(ctx: GateContext, stdout: str) -> tuple[str, list[MypyError], int]:
    """``--outputjson``: the checker's version, its errors, its warning count."""
    try:
        data = json.loads(stdout)
    except (ValueError, RecursionError):  # bad JSON, huge ints, deep nesting
        raise GateError(
            f"the type checker printed no JSON report: {command.last_line(stdout)}"
        ) from None
    diagnostics = data.get("generalDiagnostics") if isinstance(data, dict) else None
    if not isinstance(diagnostics, list):
        raise GateError("the type checker's JSON report has no generalDiagnostics")
    target = ctx.target
    modules = ModuleNames(target.root)  # a file has many errors
    errors, warnings = [], 0
    for item in diagnostics:
        if not isinstance(item, dict):
            continue
        if item.get("severity") == "warning":
            warnings += 1
        if item.get("severity") != "error":
            continue
        span = item.get("range")
        start = span.get("start") if isinstance(span, dict) else None
        start = start if isinstance(start, dict) else {}
        line, column = start.get("line"), start.get("character")
        path = target.rel(str(item.get("file") or "")) if item.get("file") else ""
        errors.append(
            MypyError(
                path=path or "<unknown>",
                line=line + 1 if isinstance(line, int) else None,
                column=column + 1 if isinstance(column, int) else None,
                code=str(item.get("rule") or "pyright"),
                message=str(item.get("message", "")).strip(),
                hint="",
                module=modules(path) if path else "<unknown>",
            )
        )
    return str(data.get("version", "unknown")), errors, warnings


def check(ctx: GateContext, options: TypingOptions, checker: Checker) -> Checked:
    """Build (or reuse) the typing environment with the checker and run it."""
    target = ctx.target
    config = read_config(ctx, checker.name)
    include = _paths((config.options or {}).get("include")) or (".",)
    files = source_files(target.root, include, _NO_CONFIG)
    if not files:
        raise GateError(
            f"{checker.name} has no Python file to check"
            f" (include: {', '.join(include)})"
        )
    prepared = prepare(ctx, options, guarded_imports(target.root, files), checker.name)
    python = str(prepared.env.python)
    completed = ctx.run(
        [
            python,
            *command.ISOLATED,
            "-m",
            checker.name,
            "--outputjson",
            "--pythonpath",
            python,
        ],
        ok_codes=(0, 1, 2, 3, 4),
        env={"PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"},
    ).require_complete()
    if completed.returncode > 1:
        reason = command.last_line(completed.stderr or completed.stdout)
        raise GateError(
            f"{checker.name} could not check the target (exit"
            f" {completed.returncode}): {reason}"
        )
    if not completed.stdout.strip():  # it said why on stderr, if anywhere
        raise GateError(
            f"{checker.name} exited with code {completed.returncode} without its"
            f" JSON report: {command.last_line(completed.stderr)}"
        )
    version, errors, warnings = read_output(ctx, completed.stdout)
    ctx.record_tool(checker.name, version)
    if completed.returncode == 1 and not errors:
        reason = command.last_line(completed.stderr or completed.stdout)
        raise GateError(
            f"{checker.name} exited with code 1 without reporting an error: {reason}"
        )
    return Checked(
        config=None,
        checker=checker,
        config_path=config.path,
        scope=strict_scope(ctx, config, options.strict, files),
        errors=tuple(
            sorted(errors, key=lambda e: (e.path, e.line or 0, e.column or 0, e.code))
        ),
        modules=module_names(target.root, files),
        version=version,
        duration_s=round(completed.duration_s, 3),
        blocked=False,
        prepared=prepared,
        warnings=warnings,
    )
