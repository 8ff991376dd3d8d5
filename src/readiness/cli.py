"""The command line: parse, call the core, map the outcome to an exit code.

Exit codes (DESIGN.md, defined in :mod:`readiness.errors`): 0 ready, 1 gaps
found, 2 usage or configuration error, 3 internal error. Errors are one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from rich.console import Console

from readiness import __version__, command, reportfiles
from readiness.audit import (
    AuditRequest,
    BaselineRequest,
    BaselineWrite,
    audit,
    record_baseline,
    write_baselines,
)
from readiness.console import LiveProgress, PlainProgress
from readiness.environments import cache_root
from readiness.errors import (
    EXIT_GAPS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_READY,
    ReadinessError,
    UsageError,
)
from readiness.findings import Priority, Report, Verdict
from readiness.fixers import journal as fix_journal
from readiness.gates import registry
from readiness.reportfiles import uri_prefix
from readiness.reports import FORMATS, terminal
from readiness.session import Session


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


if TYPE_CHECKING:
    from readiness.fixresults import FixRequest

    # argparse exports no public name for what add_subparsers returns.
    Subcommands = argparse._SubParsersAction[_Parser]


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
    # Called one by one, not in a loop: the docs and cli gates read this parser
    # statically (clistatic follows calls, not loops over functions).
    _audit_parser(commands)
    _baseline_parser(commands)
    _lock_parser(commands)
    _fix_parser(commands)
    _gates_parser(commands)
    _report_parser(commands)
    _uptime_parser(commands)
    _ci_parser(commands)
    _advisories_parser(commands)
    return parser


def _path(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "path", nargs="?", default=".", help=f"repository to {what} (default: .)"
    )


def _formats(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--format",
        action="append",
        default=[],
        dest="formats",
        choices=sorted(FORMATS),
        metavar="FORMAT",
        help=help_text,
    )


def _audit_parser(commands: Subcommands) -> None:
    audit_cmd = commands.add_parser(
        "audit", help="run the gates and write the gap analysis"
    )
    _path(audit_cmd, "audit")
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
    _formats(
        audit_cmd,
        f"write a report file: {', '.join(sorted(FORMATS))} (repeatable)",
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
    _advisory_db(audit_cmd)
    audit_cmd.add_argument(
        "--previous",
        action="append",
        default=[],
        type=Path,
        metavar="REPORT.json",
        help="an earlier JSON report, for the HTML trend and difference (repeatable)",
    )
    audit_cmd.add_argument(
        "--strict-baseline",
        action="store_true",
        help="fail a gate whose baseline lists findings no longer found",
    )
    audit_cmd.add_argument(
        "--no-cache",
        action="store_true",
        help="run every gate; read and write no cached result",
    )
    audit_cmd.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="where results and tool caches are kept (default: the user cache)",
    )
    audit_cmd.add_argument(
        "--sarif-root",
        type=Path,
        metavar="PATH",
        help="repository root the SARIF and JUnit paths are relative to"
        " (default: the audited folder)",
    )


def _advisory_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--advisory-db",
        type=Path,
        metavar="FILE_OR_DIR",
        help="offline OSV database for the deps gate (a folder or a zip of records)",
    )


def _baseline_parser(commands: Subcommands) -> None:
    baseline_cmd = commands.add_parser(
        "baseline", help="record a gate's current results as the accepted baseline"
    )
    baseline_cmd.add_argument(
        "action",
        metavar="write|GATE",
        help="write: record the findings of every gate (or of each --gate);"
        " a gate name: that gate alone (the older form)",
    )
    _path(baseline_cmd, "audit")
    baseline_cmd.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="NAME",
        help="record this gate (repeatable; default: every gate)",
    )
    baseline_cmd.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="baseline file to write (default: PATH/readiness-baseline.json)",
    )


def _lock_parser(commands: Subcommands) -> None:
    lock_cmd = commands.add_parser(
        "lock", help="write constraints/{prod,test,dev}.txt, hash-pinned, with uv"
    )
    _path(lock_cmd, "lock")


def _fix_parser(commands: Subcommands) -> None:
    fix_cmd = commands.add_parser(
        "fix", help="apply the safe fixes of a priority, then re-run its gates"
    )
    _path(fix_cmd, "fix")
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
    _advisory_db(fix_cmd)


def _gates_parser(commands: Subcommands) -> None:
    commands.add_parser("gates", help="list the gates with their priorities")


def _report_parser(commands: Subcommands) -> None:
    report_cmd = commands.add_parser("report", help="work with report files")
    report_actions = report_cmd.add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    merge_cmd = report_actions.add_parser(
        "merge", help="merge CI jobs' readiness-report.json files into one report"
    )
    merge_cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _formats(
        merge_cmd,
        "write the merged report in this format (repeatable; default md, json)",
    )
    merge_cmd.add_argument(
        "--out", type=Path, metavar="DIR", help="folder for the merged report files"
    )


def _uptime_parser(commands: Subcommands) -> None:
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


def _ci_parser(commands: Subcommands) -> None:
    ci_cmd = commands.add_parser("ci", help="write CI configuration")
    ci_actions = ci_cmd.add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    github_cmd = ci_actions.add_parser(
        "github",
        help="write .github/workflows/readiness.yml: a job per nox session tagged ci,"
        " then the merged report",
    )
    _path(github_cmd, "configure")


def _advisories_parser(commands: Subcommands) -> None:
    advisories_cmd = commands.add_parser(
        "advisories", help="the offline advisory database"
    )
    advisories_actions = advisories_cmd.add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    update_cmd = advisories_actions.add_parser(
        "update", help="download the OSV export of PyPI advisories into the cache"
    )
    update_cmd.add_argument(
        "--url",
        metavar="URL",
        help="where to download it from (default: the OSV export)",
    )


@functools.cache
def _freeze_startup() -> None:
    """Keep the garbage collector off what importing readiness built (its
    modules, functions, compiled patterns: alive for the whole run): each
    collection then scans only what the audit itself allocates. Once per
    process."""
    gc.freeze()


def main(argv: Sequence[str] | None = None) -> int:
    _freeze_startup()
    try:
        with command.guard():  # SIGTERM/SIGHUP: tools ended, scratch removed
            return _dispatch(argv, stdout=sys.stdout, stderr=sys.stderr)
    except ReadinessError as error:
        print(f"readiness: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("readiness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
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
        "baseline": write_baseline,
        "fix": _fix_command,
        "gates": lambda _a, out, _err: list_gates(out),
        "lock": lambda a, out, _err: write_locks(a.path, out),
        "report": lambda a, out, _err: merge_reports(
            a.files, formats=tuple(dict.fromkeys(a.formats)), out=a.out, stdout=out
        ),
        "uptime": lambda a, out, _err: run_uptime(a, out),
        "ci": lambda a, out, _err: write_ci(a.path, out),
        "advisories": lambda a, out, _err: update_advisories(a.url, out),
    }
    return handlers[args.command](args, stdout, stderr)


def _audit_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.sarif_root is not None:  # a wrong root fails before the gates run
        uri_prefix(Path(args.path), args.sarif_root)
    fix_journal.refuse_pending(args.path)  # a half-written tree is not audited
    return run_audit(
        AuditRequest(
            path=args.path,
            gates=tuple(args.gate),
            skip=tuple(args.skip),
            baseline=args.baseline,
            advisory_db=args.advisory_db,
            cache=not args.no_cache,
            strict_baseline=args.strict_baseline,
            cache_dir=args.cache_dir,
        ),
        formats=tuple(dict.fromkeys(args.formats)),
        out=args.out,
        stdout=stdout,
        stderr=stderr,
        options=reportfiles.Options(
            previous=reportfiles.read_previous(args.previous),
            root=Path(args.path),
            repository_root=args.sarif_root,
        ),
    )


def _fix_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from readiness.fixresults import FixRequest  # noqa: PLC0415 - see write_locks

    return run_fix(
        FixRequest(
            path=args.path,
            priority=Priority(args.priority),
            only=args.only,
            dry_run=args.dry_run,
            allow_dirty=args.allow_dirty,
            advisory_db=args.advisory_db,
        ),
        stdout=stdout,
        stderr=stderr,
    )


def merge_reports(
    files: Sequence[Path], *, formats: tuple[str, ...], out: Path | None, stdout: TextIO
) -> int:
    """``readiness report merge``: one report, plan and verdict from CI jobs' JSON."""
    from readiness import merge  # noqa: PLC0415 - see write_locks

    report = merge.merge(merge.read(files), [str(path) for path in files])
    folder = out or Path.cwd()
    reportfiles.prepare(folder)
    written = reportfiles.write(report, formats or ("md", "json"), folder)
    print(terminal.summary(report, width=100, color=False), file=stdout)
    for path in written:
        print(f"wrote {path}", file=stdout)
    return EXIT_READY if report.verdict is Verdict.READY else EXIT_GAPS


def write_baseline(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.action != "write":  # ``readiness baseline GATE [PATH]``
        if args.gate:
            raise UsageError("--gate goes with `readiness baseline write`")
        request = BaselineRequest(path=args.path, gate=args.action, file=args.baseline)
        path, recorded = record_baseline(request)
        print(f"wrote {path}: {args.action} baseline, {recorded.summary}", file=stdout)
        return EXIT_READY
    names = tuple(dict.fromkeys(args.gate))
    unknown = [name for name in names if name not in registry()]
    if unknown:
        raise UsageError(
            f"unknown gate {unknown[0]!r}; available gates: {', '.join(registry())}"
        )
    with PlainProgress(Console(file=stderr), registry()) as progress:
        path, written = write_baselines(
            BaselineWrite(path=args.path, gates=names, file=args.baseline),
            observer=progress,
        )
    for gate, summary in written:
        print(f"wrote {path}: {gate} baseline, {summary}", file=stdout)
    return EXIT_READY


def write_locks(path: str, stdout: TextIO) -> int:
    # Imported here, as in write_ci: what only one command needs is not
    # loaded for every audit.
    from readiness import locks  # noqa: PLC0415

    for written in locks.lock(Session.open(path).target):
        state = "wrote" if written.changed else "unchanged"
        shown = Path(path) / locks.CONSTRAINTS / written.path.name
        print(f"{state} {shown} ({written.packages} packages)", file=stdout)
    return EXIT_READY


def run_fix(request: FixRequest, *, stdout: TextIO, stderr: TextIO) -> int:
    """The diff of a dry run goes to stdout alone (so it pipes into git apply).
    An interrupted fix's journal is recovered first (a dry run refuses it)."""
    from readiness.fixers import engine as fix_engine  # noqa: PLC0415 - see write_locks
    from readiness.reports.fixsummary import summary as fix_summary  # noqa: PLC0415

    if request.dry_run:
        fix_journal.refuse_pending(request.path)
    else:
        recovered = fix_journal.recover(request.path)
        if recovered is not None:
            print(recovered.describe(), file=stdout)
    with PlainProgress(Console(file=stderr)) as progress:
        result = fix_engine.fix(request, now=datetime.now(UTC), observer=progress)
    summary = fix_summary(result)
    if request.dry_run:
        print(result.diff, end="", file=stdout)
    print(summary, end="", file=stderr if request.dry_run else stdout)
    return EXIT_READY if result.met else EXIT_GAPS


def run_uptime(args: argparse.Namespace, stdout: TextIO) -> int:
    from readiness import uptime  # noqa: PLC0415 - see write_locks
    from readiness.reports.uptime import render as uptime_text  # noqa: PLC0415

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
    print(uptime_text(result, logs, tz), file=stdout)
    return EXIT_READY if result.met else EXIT_GAPS


def write_ci(path: str, stdout: TextIO) -> int:
    from readiness import ciworkflow  # noqa: PLC0415 - see write_locks

    written = ciworkflow.write_github(Path(path))
    print(f"wrote {written}", file=stdout)
    return EXIT_READY


def update_advisories(url: str | None, stdout: TextIO) -> int:
    # Imported here, as in write_locks: the download, its HTTP client and the
    # database reader load for this command only.
    from readiness.advisories import update  # noqa: PLC0415
    from readiness.advisories.interface import AdvisoryError  # noqa: PLC0415

    try:
        installed = update.update(
            url or update.DEFAULT_URL, cache_root=cache_root(), now=datetime.now(UTC)
        )
    except AdvisoryError as error:
        raise UsageError(str(error)) from None
    print(f"installed {installed.path}: {installed.describe()}", file=stdout)
    return EXIT_READY


def list_gates(stdout: TextIO) -> int:
    from readiness.reports.gates import GateLine, gate_list  # noqa: PLC0415

    lines = (
        GateLine(name=name, priority=gate.priority, description=gate.description())
        for name, gate in registry().items()
    )
    print(gate_list(lines), end="", file=stdout)
    return EXIT_READY


def run_audit(
    request: AuditRequest,
    *,
    formats: tuple[str, ...],
    out: Path | None,
    stdout: TextIO,
    stderr: TextIO,
    options: reportfiles.Options | None = None,
) -> int:
    if out is not None and not formats:
        formats = ("md", "json")
    folder = out or Path.cwd()
    if formats:
        reportfiles.prepare(folder)  # fail before the gates run, not after
    report = _audit_with_progress(request, stderr)
    written = reportfiles.write(report, formats, folder, options)
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
    progress: LiveProgress | PlainProgress
    if stderr.isatty() and not os.environ.get("CI"):
        progress = LiveProgress(console, ())
    else:
        progress = PlainProgress(console, registry())  # one column for any gate
    with progress:
        return audit(request, now=now, observer=progress)
