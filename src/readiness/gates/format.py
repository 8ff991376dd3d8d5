"""The ``format`` gate: files ``black --check`` would reformat or cannot format.

black has no machine-readable output, so its stderr lines are read (the only
text scraping of this gate): ``would reformat PATH`` for a file that needs
formatting, ``error: cannot parse...: PATH:LINE:COL`` (black 24+) and
``error: cannot format PATH: REASON`` for a file it cannot process.

black looks for its configuration in the nearest folder above the files that
holds ``.git``, ``.hg`` or a ``pyproject.toml`` with ``[tool.black]``, so a
target without its own configuration would borrow a parent directory's (or the
user's). ``--config`` is therefore always passed: the target's
``pyproject.toml`` when it has one (black also infers the target Python
versions from its ``requires-python``), otherwise an empty file in the scratch
folder. The cache goes to the scratch folder too.
"""

from __future__ import annotations

import re
from pathlib import Path

from readiness.cache import tool_folder
from readiness.command import ToolFailed, last_line
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    PROJECT_FILES,
    PYTHON_SOURCES,
    Evaluation,
    Gate,
    GateContext,
    GateError,
)
from readiness.target import Target

WOULD_REFORMAT = Rule(
    id="FM001",
    title="would be reformatted by black",
    explanation=(
        "The file's layout differs from black's; `black --check` fails in CI"
        " until it is reformatted."
    ),
    fix="black PATH",
)
CANNOT_FORMAT = Rule(
    id="FM002",
    title="black cannot format this file",
    explanation=(
        "black could not parse the file (a syntax error, a Python version black"
        " was not told about, or an unreadable encoding), so `black --check` fails."
    ),
    fix=(
        "fix the syntax error, or set [tool.black] target-version to the Python"
        " the file is written for"
    ),
)
#: readiness's own rules, for renderers and documentation.
RULES = (WOULD_REFORMAT, CANNOT_FORMAT)

#: black's exit codes: 1 with ``--check`` when files would change, 123 when one failed.
WOULD_CHANGE = 1
FAILED = 123

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WOULD_REFORMAT = re.compile(r"^would reformat (?P<path>.+)$")
_CANNOT_PARSE = re.compile(
    r"^(?:error: )?(?P<context>cannot parse[^:]*): (?P<path>.+):(?P<line>\d+):\d+$"
)
_CANNOT_FORMAT = re.compile(r"^error: cannot format (?P<rest>.+)$")
_DETAIL = re.compile(r"^\w+Error: .+$")
_SUMMARY_PART = re.compile(
    r"(\d+) files? would (?:be )?(reformatted|left unchanged|fail to reformat)"
)
_SUMMARY = re.compile(rf"^{_SUMMARY_PART.pattern}(?:, {_SUMMARY_PART.pattern})*\.$")
_NO_FILES = "No Python files are present to be formatted"


class FormatGate(Gate):
    """black --check passes: no file would be reformatted, every file can be parsed."""

    name = "format"
    title = "black formatting"
    priority = Priority.P1
    inputs = PYTHON_SOURCES + PROJECT_FILES + ("ruff.toml", ".ruff.toml")
    cost = 30.0

    def run(self, ctx: GateContext) -> Evaluation:
        ctx.tool_version("black")
        paths = ctx.options.strings("paths", (".",))
        own = (ctx.target.root / "pyproject.toml").is_file()
        if own:
            config = "pyproject.toml"
        else:
            empty = ctx.scratch / "black-defaults.toml"
            empty.write_text("", encoding="utf-8")
            config = str(empty)
        completed = ctx.run(
            ["black", "--check", "--config", config, *paths],
            ok_codes=(0, WOULD_CHANGE, FAILED),
            env={
                "BLACK_CACHE_DIR": str(tool_folder(ctx.settings, ctx.scratch, "black"))
            },
        ).require_complete()
        output = [
            _ANSI.sub("", line).rstrip() for line in completed.stderr.splitlines()
        ]
        reformat = would_reformat(ctx.target, output)
        failed = cannot_format(ctx.target, output)
        expected = {WOULD_CHANGE: reformat, FAILED: failed}.get(completed.returncode)
        if expected is not None and not expected:
            # Config and usage errors share these codes with the results.
            code, reason = completed.returncode, last_line(completed.stderr)
            raise ToolFailed(f"black exited with code {code}: {reason}")
        check_summary(completed.returncode, output, reformat, failed)
        files = "file" if len(reformat) == 1 else "files"
        text = f"black --check passes ({len(reformat)} {files} would be reformatted"
        text += f", {len(failed)} cannot be formatted)" if failed else ")"
        return Evaluation(
            criteria=(Criterion(text=text, met=not reformat and not failed),),
            findings=(*reformat, *failed),
            metrics={
                "files_to_reformat": len(reformat),
                "files_unformattable": len(failed),
                "config": config if own else "none (black defaults)",
            },
        )


def check_summary(
    code: int, lines: list[str], reformat: list[Finding], failed: list[Finding]
) -> None:
    """black ends with a summary; without one, or disagreeing, its output is not whole.

    ``1 file would be reformatted, 2 files would be left unchanged, 1 file would
    fail to reformat.``, or ``No Python files are present...`` when there is none.
    """
    if any(line.startswith(_NO_FILES) for line in lines):
        counts: dict[str, int] = {}
    else:
        summary = next((m for m in map(_SUMMARY.match, reversed(lines)) if m), None)
        if summary is None:
            last = last_line("\n".join(lines))
            raise GateError(
                f"black exited with code {code} without its summary line"
                f' ("N files would be left unchanged"): {last}'
            )
        counts = {
            kind: int(number)
            for number, kind in _SUMMARY_PART.findall(summary.group(0))
        }
    listed = {"reformatted": len(reformat), "fail to reformat": len(failed)}
    for kind, count in listed.items():
        if counts.get(kind, 0) != count:
            raise GateError(
                f"black's summary counts {counts.get(kind, 0)} files that would"
                f" {kind.replace('reformatted', 'be reformatted')} but names {count}"
            )


def would_reformat(target: Target, lines: list[str]) -> list[Finding]:
    paths = sorted(
        {target.rel(m["path"]) for m in map(_WOULD_REFORMAT.match, lines) if m}
    )
    return [
        Finding(
            rule=WOULD_REFORMAT.id,
            severity=Severity.LOW,
            priority=Priority.P1,
            message=WOULD_REFORMAT.title,
            path=path,
            fix=f"black {path}",
        )
        for path in paths
    ]


def cannot_format(target: Target, lines: list[str]) -> list[Finding]:
    found: dict[str, Finding] = {}
    for index, line in enumerate(lines):
        parse = _CANNOT_PARSE.match(line)
        fmt = _CANNOT_FORMAT.match(line)
        if parse:
            internal = index > 0 and "INTERNAL ERROR" in lines[index - 1]
            detail = next(
                (text for text in lines[index + 1 : index + 5] if _DETAIL.match(text)),
                "",
            )
            path = target.rel(parse["path"])
            reason = (
                "black produced invalid code: a bug in black"
                if internal
                else f"{parse['context']}: {detail}".removesuffix(": ")
            )
            number: int | None = None if internal else int(parse["line"])
        elif fmt:
            raw, reason = split_path(target.root, fmt["rest"])
            path, number = target.rel(raw), None
        else:
            continue
        found.setdefault(
            path,
            Finding(
                rule=CANNOT_FORMAT.id,
                severity=Severity.MEDIUM,
                priority=Priority.P1,
                message=f"{CANNOT_FORMAT.title} ({reason})",
                path=path,
                line=number,
                fix=CANNOT_FORMAT.fix,
            ),
        )
    return [found[path] for path in sorted(found)]


def split_path(root: Path, rest: str) -> tuple[str, str]:
    """Split ``PATH: REASON``; PATH may hold ``": "``, so the first that exists wins."""
    parts = rest.split(": ")
    for cut in range(1, len(parts)):
        candidate = ": ".join(parts[:cut])
        if (root / candidate).is_file():
            return candidate, ": ".join(parts[cut:])
    head, _, tail = rest.partition(": ")
    return head, tail
