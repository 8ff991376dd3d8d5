"""The command line: parse, call the core, map the outcome to an exit code.

Exit codes (DESIGN.md): 0 ready, 1 gaps found, 2 usage or configuration
error, 3 internal error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TextIO

from rich.console import Console

from readiness import __version__, command, locks, merge, uptime
from readiness.audit import AuditRequest, BaselineRequest, audit, record_baseline
from readiness.errors import ReadinessError, UsageError
from readiness.findings import Priority, Report, Verdict
from readiness.fixers import engine as fix_engine
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
    audit_cmd.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="baseline file to compare with (default: PATH/readiness-baseline.json)",
    )
    audit_cmd.add_argument(
        "--advisory-db",
        type=Path,
        metavar="FILE_OR_DIR",
        help="offline OSV database for the deps gate (a folder or a zip of records)",
    )

    baseline_cmd = commands.add_parser(
        "baseline", help="record a gate's current results as the accepted baseline"
    )
    baseline_cmd.add_argument("gate", metavar="GATE", help="the gate, e.g. typing")
    baseline_cmd.add_argument(
        "path", nargs="?", default=".", help="repository to audit (default: .)"
    )
    baseline_cmd.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="baseline file to write (default: PATH/readiness-baseline.json)",
    )

    lock_cmd = commands.add_parser(
        "lock", help="write constraints/{prod,test,dev}.txt, hash-pinned, with uv"
    )
    lock_cmd.add_argument(
        "path", nargs="?", default=".", help="repository to lock (default: .)"
    )

    fix_cmd = commands.add_parser(
        "fix", help="apply the safe fixes of a priority, then re-run its gates"
    )
    fix_cmd.add_argument(
        "path", nargs="?", default=".", help="repository to fix (default: .)"
    )
    fix_cmd.add_argument(
        "--priority",
        required=True,
        choices=[p.value for p in Priority],
        help="fix the findings of this priority and the ones before it",
    )
    fix_cmd.add_argument(
        "--only", action="store_true", help="only this priority, not the earlier ones"
    )
    fix_cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="print the changes as a diff that git apply accepts; write nothing",
    )
    fix_cmd.add_argument(
        "--allow-dirty",
        action="store_true",
        help="edit a target with uncommitted changes, or one outside git",
    )

    commands.add_parser("gates", help="list the gates with their priorities")

    report_cmd = commands.add_parser("report", help="work with report files")
    report_actions = report_cmd.add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    merge_cmd = report_actions.add_parser(
        "merge", help="merge CI jobs' readiness-report.json files into one report"
    )
    merge_cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    merge_cmd.add_argument(
        "--format",
        action="append",
        default=[],
        dest="formats",
        choices=sorted(renderers()),
        metavar="FORMAT",
        help="write the merged report in this format (repeatable; default md, json)",
    )
    merge_cmd.add_argument(
        "--out", type=Path, metavar="DIR", help="folder for the merged report files"
    )

    uptime_cmd = commands.add_parser(
        "uptime", help="uptime and outages from heartbeat logs (as the ops gate)"
    )
    uptime_cmd.add_argument("--log-dir", type=Path, required=True, metavar="DIR")
    uptime_cmd.add_argument(
        "--start", required=True, metavar="DATE", help="YYYY-MM-DD or ISO datetime"
    )
    uptime_cmd.add_argument(
        "--end", required=True, metavar="DATE", help="inclusive when a date"
    )
    uptime_cmd.add_argument(
        "--interval", type=float, default=60.0, metavar="S", help="default 60"
    )
    uptime_cmd.add_argument(
        "--target", type=float, default=99.9, metavar="PCT", help="default 99.9"
    )
    uptime_cmd.add_argument(
        "--heartbeat", default="heartbeat", metavar="EVENT", help="the event's value"
    )
    uptime_cmd.add_argument(
        "--pattern", metavar="REGEX", help="read text logs: (?P<ts>...) required"
    )
    uptime_cmd.add_argument("--timezone", default="UTC", metavar="TZ")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with command.guard():  # SIGTERM/SIGHUP: tools ended, scratch removed
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
    handlers: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
        "audit": _audit_command,
        "baseline": lambda a, out, _err: write_baseline(
            BaselineRequest(path=a.path, gate=a.gate, file=a.baseline), out
        ),
        "fix": _fix_command,
        "gates": lambda _a, out, _err: list_gates(out),
        "lock": lambda a, out, _err: write_locks(a.path, out),
        "report": lambda a, out, _err: merge_reports(
            a.files, formats=tuple(dict.fromkeys(a.formats)), out=a.out, stdout=out
        ),
        "uptime": lambda a, out, _err: run_uptime(a, out),
    }
    return handlers[args.command](args, stdout, stderr)


def _audit_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return run_audit(
        AuditRequest(
            path=args.path,
            gates=tuple(args.gate),
            skip=tuple(args.skip),
            baseline=args.baseline,
            advisory_db=args.advisory_db,
        ),
        formats=tuple(dict.fromkeys(args.formats)),
        out=args.out,
        stdout=stdout,
        stderr=stderr,
    )


def _fix_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return run_fix(
        fix_engine.FixRequest(
            path=args.path,
            priority=Priority(args.priority),
            only=args.only,
            dry_run=args.dry_run,
            allow_dirty=args.allow_dirty,
        ),
        stdout=stdout,
        stderr=stderr,
    )


def merge_reports(
    files: Sequence[Path], *, formats: tuple[str, ...], out: Path | None, stdout: TextIO
) -> int:
    """``readiness report merge``: one report, plan and verdict from CI jobs' JSON."""
    report = merge.merge(merge.read(files), [str(path) for path in files])
    folder = out or Path.cwd()
    _prepare(folder)
    written = write_reports(report, formats or ("md", "json"), folder)
    print(terminal.summary(report, width=100, color=False), file=stdout)
    for path in written:
        print(f"wrote {path}", file=stdout)
    return EXIT_READY if report.verdict is Verdict.READY else EXIT_GAPS


def write_baseline(request: BaselineRequest, stdout: TextIO) -> int:
    path, recorded = record_baseline(request)
    print(f"wrote {path}: {request.gate} baseline, {recorded.summary}", file=stdout)
    return EXIT_READY


def write_locks(path: str, stdout: TextIO) -> int:
    for written in locks.lock(path):
        state = "wrote" if written.changed else "unchanged"
        shown = Path(path) / locks.CONSTRAINTS / written.path.name
        print(f"{state} {shown} ({written.packages} packages)", file=stdout)
    return EXIT_READY


def run_fix(request: fix_engine.FixRequest, *, stdout: TextIO, stderr: TextIO) -> int:
    """The diff of a dry run goes to stdout alone (so it pipes into git apply)."""
    with terminal.PlainProgress(Console(file=stderr)) as progress:
        result = fix_engine.fix(request, now=datetime.now(UTC), observer=progress)
    summary = fix_engine.summary(result)
    if request.dry_run:
        print(result.diff, end="", file=stdout)
    print(summary, end="", file=stderr if request.dry_run else stdout)
    return EXIT_READY if result.met else EXIT_GAPS


def run_uptime(args: argparse.Namespace, stdout: TextIO) -> int:
    tz = uptime.zone(args.timezone)
    fmt = uptime.log_format(
        "regex" if args.pattern else "jsonl",
        pattern=args.pattern,
        heartbeat=args.heartbeat,
    )
    logs, result = uptime.from_directory(
        args.log_dir,
        fmt=fmt,
        start=args.start,
        end=args.end,
        interval_s=args.interval,
        target_pct=args.target,
        tz=tz,
    )
    print(uptime.render(result, logs, tz), file=stdout)
    return EXIT_READY if result.met else EXIT_GAPS


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
