"""The command line: parse, call the core, map the outcome to an exit code.

Exit codes (DESIGN.md): 0 ready, 1 gaps found, 2 usage or configuration
error, 3 internal error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TextIO

from rich.console import Console

from readiness import __version__
from readiness.audit import AuditRequest, audit
from readiness.errors import ReadinessError, UsageError
from readiness.findings import Report, Verdict
from readiness.gates import registry
from readiness.reports import renderers, terminal

EXIT_READY = 0
EXIT_GAPS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="readiness",
        description="Production-readiness audit and remediation of Python repositories",
    )
    parser.add_argument(
        "--version", action="version", version=f"readiness {__version__}"
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )

    audit_cmd = commands.add_parser(
        "audit", help="run the gates and write the gap analysis"
    )
    audit_cmd.add_argument(
        "path", nargs="?", default=".", help="repository to audit (default: .)"
    )
    audit_cmd.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this gate (repeatable)",
    )
    audit_cmd.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this gate out (repeatable)",
    )
    audit_cmd.add_argument(
        "--format",
        action="append",
        default=[],
        dest="formats",
        choices=sorted(renderers()),
        metavar="FORMAT",
        help=f"write a report file: {', '.join(sorted(renderers()))} (repeatable)",
    )
    audit_cmd.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the report files (default: the current folder)",
    )

    commands.add_parser("gates", help="list the gates with their priorities")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(argv, stdout=sys.stdout, stderr=sys.stderr)
    except ReadinessError as error:
        print(f"readiness: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("readiness: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the one line an unexpected failure gets
        print(
            f"readiness: internal error: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _dispatch(argv: Sequence[str] | None, *, stdout: TextIO, stderr: TextIO) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "gates":
        return list_gates(stdout)
    return run_audit(
        AuditRequest(path=args.path, gates=tuple(args.gate), skip=tuple(args.skip)),
        formats=tuple(dict.fromkeys(args.formats)),
        out=args.out,
        stdout=stdout,
        stderr=stderr,
    )


def list_gates(stdout: TextIO) -> int:
    for name, gate in registry().items():
        print(f"{name:<9} {gate.priority}  {gate.description()}", file=stdout)
    return EXIT_READY


def run_audit(
    request: AuditRequest,
    *,
    formats: tuple[str, ...],
    out: Path | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    if out is not None and not formats:
        formats = ("md", "json")
    folder = out or Path.cwd()
    if formats:
        _prepare(folder)  # fail before the gates run, not after
    report = _audit_with_progress(request, stderr)
    written = write_reports(report, formats, folder)
    interactive = stdout.isatty()
    width = Console(file=stdout).width if interactive else 100
    print(terminal.summary(report, width=width, color=interactive), file=stdout)
    for path in written:
        print(f"wrote {path}", file=stdout)
    return EXIT_READY if report.verdict is Verdict.READY else EXIT_GAPS


def _audit_with_progress(request: AuditRequest, stderr: TextIO) -> Report:
    """A live table on a terminal, one plain line per finished gate elsewhere."""
    now = datetime.now(UTC)
    console = Console(file=stderr)
    progress: terminal.LiveProgress | terminal.PlainProgress
    if stderr.isatty() and not os.environ.get("CI"):
        progress = terminal.LiveProgress(console, ())
    else:
        progress = terminal.PlainProgress(console)
    with progress:
        return audit(request, now=now, observer=progress)


def _prepare(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{folder}: cannot create the report folder: {exc.strerror}"
        ) from None


def write_reports(report: Report, formats: tuple[str, ...], out: Path) -> list[Path]:
    """Render each format and write it atomically into ``out``."""
    available = renderers()
    written = []
    for name in formats:
        renderer = available[name]()
        path = out / renderer.filename
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            temporary.write_text(renderer.render(report), encoding="utf-8")
            temporary.replace(path)
        except OSError as exc:
            raise UsageError(
                f"{path}: cannot write the report: {exc.strerror}"
            ) from None
        written.append(path)
    return written
