"""The ``ops`` gate: the target's declared operational checks, and its uptime.

The seed's operational validations: "all operational commands succeed with
expected outputs, and paper trading uptime (>= 99.9 %) is demonstrated over
the validation window". Both are declared by the target, since only it knows
which commands prove it works and where its heartbeats are logged:

```toml
[tool.readiness.ops]
environment = "prod"       # run the commands with the prod environment first on
                           # PATH (default when the target is installable), or "none"

[[tool.readiness.ops.commands]]
name = "data source"
command = ["legacy-app", "test-data", "--source", "csv"]
exit_code = 0              # expected (default 0)
expect_output = "15 bars"  # a regex searched in stdout and stderr (optional)
timeout = 60               # seconds (default 60)
cwd = "."                  # relative to the target (default ".")
env = { APP_ENV = "ci" }   # added to the environment (optional)

[tool.readiness.ops.uptime]
log_dir = "logs"
glob = "*.jsonl"           # which files of log_dir (default "*")
format = "jsonl"           # or "regex", with pattern = '(?P<ts>...) (?P<event>...)'
heartbeat = "heartbeat"    # the heartbeat event's value (default "heartbeat")
time_key = "ts"            # jsonl: the timestamp field (default: ts, timestamp, time)
event_key = "event"        # jsonl: the event field (default "event")
interval = 60              # seconds between heartbeats (default 60)
tolerance = 90             # longest gap that is not an outage (default 1.5 intervals)
start = "2025-10-01"       # the window: dates (end inclusive) or ISO datetimes;
end = "2025-10-02"         # default: from the first heartbeat to the last
timezone = "UTC"           # for dates and zone-less timestamps (default UTC)
target = 99.9              # percent (default 99.9)
```

The uptime computation is :mod:`readiness.uptime`; ``readiness uptime`` runs
the same analysis alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, timedelta, tzinfo
from pathlib import Path
from typing import Any

from readiness import command, environments, prodenv, uptime
from readiness.errors import ConfigError
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.regexes import compile_given
from readiness.target import Target

COMMAND_FAILED = Rule(
    id="OP001",
    title="an operational command does not succeed",
    explanation=(
        "A command the target declares as proof that it works exited with another"
        " code than expected, or did not print the expected output."
    ),
    fix="fix what the command checks (its output is in the message)",
)
COMMAND_HUNG = Rule(
    id="OP002",
    title="an operational command does not finish",
    explanation="The command outran its timeout and was killed.",
    fix="find what it waits for, or raise its timeout if it is legitimately slow",
)
COMMAND_MISSING = Rule(
    id="OP003",
    title="an operational command cannot be started",
    explanation="The program is not installed where the command runs.",
    fix="install it (a console script of the target belongs in [project.scripts])",
)
BELOW_TARGET = Rule(
    id="UP001",
    title="uptime below target",
    explanation=(
        "The heartbeat logs show less uptime over the validation window than the"
        " target the service must demonstrate before going live."
    ),
    fix="fix the causes of the outages listed, then run a new validation window",
)
OUTAGE = Rule(
    id="UP002",
    title="an outage in the heartbeat logs",
    explanation="No heartbeat arrived for longer than the tolerated gap.",
    fix="find the outage's cause in the logs around its start",
)
MALFORMED = Rule(
    id="UP003",
    title="a log line could not be read",
    explanation=(
        "The line is not a record of the configured format; it was skipped, which"
        " may hide a heartbeat."
    ),
    fix="fix the writer of the log, or the [tool.readiness.ops.uptime] format",
)
UNORDERED = Rule(
    id="UP004",
    title="log lines out of order",
    explanation=(
        "Heartbeats are earlier than the line before them in the same file; they"
        " were sorted before the analysis."
    ),
    fix="check the clock and the buffering of the log writer",
)
#: readiness's own rules, for renderers and documentation.
RULES = (
    COMMAND_FAILED,
    COMMAND_HUNG,
    COMMAND_MISSING,
    BELOW_TARGET,
    OUTAGE,
    MALFORMED,
    UNORDERED,
)

DEFAULT_COMMAND_TIMEOUT_S = 60.0
#: Malformed lines reported one by one; the rest are counted in one finding.
MAX_MALFORMED = 20
COMMAND_KEYS = frozenset(
    {"name", "command", "exit_code", "expect_output", "timeout", "cwd", "env"}
)
UPTIME_KEYS = frozenset(
    {
        "log_dir",
        "glob",
        "format",
        "pattern",
        "heartbeat",
        "time_key",
        "event_key",
        "time_format",
        "interval",
        "tolerance",
        "start",
        "end",
        "timezone",
        "target",
    }
)


@dataclass(frozen=True, kw_only=True)
class OpsCommand:
    name: str
    command: tuple[str, ...]
    exit_code: int = 0
    expect_output: re.Pattern[str] | None = None
    timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S
    cwd: str = "."
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class UptimeConfig:
    log_dir: str
    fmt: uptime.LogFormat
    glob: str = "*"
    interval_s: float = uptime.DEFAULT_INTERVAL_S
    tolerance_s: float | None = None
    start: str | None = None
    end: str | None = None
    tz: tzinfo = UTC
    target_pct: float = uptime.DEFAULT_TARGET_PCT


class OpsGate(Gate):
    """The declared operational commands succeed and uptime meets its target."""

    name = "ops"
    title = "operational checks and uptime"
    priority = Priority.P2
    cost = 10.0

    def run(self, ctx: GateContext) -> Evaluation:
        values = ctx.options.values
        unknown = sorted(set(values) - {"timeout", "environment", "commands", "uptime"})
        if unknown:
            raise ConfigError(f"[tool.readiness.ops] has unknown key {unknown[0]!r}")
        commands = parse_commands(values.get("commands", []))
        uptime_table = values.get("uptime")
        config = parse_uptime(uptime_table) if uptime_table is not None else None
        if not commands and config is None:
            raise GateSkipped(
                "nothing declared in [tool.readiness.ops] (commands, uptime)"
            )
        findings: list[Finding] = []
        criteria: list[Criterion] = []
        metrics: dict[str, int | float | str] = {}
        if commands:
            env = command_env(ctx)
            failed = [f for c in commands if (f := run_command(ctx, c, env))]
            findings += failed
            metrics |= {"commands": len(commands), "commands_failed": len(failed)}
            criteria.append(
                Criterion(
                    text="declared ops commands succeed"
                    f" ({len(commands) - len(failed)} of {len(commands)})",
                    met=not failed,
                )
            )
        if config is not None:
            found, measured, criterion = judge_uptime(ctx.target, config)
            findings += found
            metrics |= measured
            criteria.append(criterion)
        return Evaluation(
            criteria=tuple(criteria), findings=tuple(findings), metrics=metrics
        )


# --- configuration -----------------------------------------------------------


def _where(index: int, key: str) -> str:
    return f"[tool.readiness.ops] commands[{index}] {key}"


def parse_commands(raw: object) -> list[OpsCommand]:
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise ConfigError("[tool.readiness.ops] commands must be an array of tables")
    parsed = []
    for index, table in enumerate(raw):
        unknown = sorted(set(table) - COMMAND_KEYS)
        if unknown:
            raise ConfigError(f"{_where(index, repr(unknown[0]))} is not a known key")
        argv = table.get("command")
        if (
            not isinstance(argv, list)
            or not argv
            or not all(isinstance(a, str) for a in argv)
        ):
            raise ConfigError(f"{_where(index, 'command')} must be a list of strings")
        name = table.get("name", argv[0])
        env = table.get("env", {})
        if not isinstance(env, Mapping) or not all(
            isinstance(v, str) for v in env.values()
        ):
            raise ConfigError(f"{_where(index, 'env')} must be a table of strings")
        exit_code = table.get("exit_code", 0)
        if isinstance(exit_code, bool) or not isinstance(exit_code, int):
            raise ConfigError(f"{_where(index, 'exit_code')} must be an integer")
        parsed.append(
            OpsCommand(
                name=str(name),
                command=tuple(argv),
                exit_code=exit_code,
                expect_output=_regex(table.get("expect_output"), index),
                timeout_s=_positive(
                    table.get("timeout", DEFAULT_COMMAND_TIMEOUT_S),
                    _where(index, "timeout"),
                ),
                cwd=_text(table.get("cwd", "."), _where(index, "cwd")),
                env={str(k): str(v) for k, v in env.items()},
            )
        )
    return parsed


def _regex(value: object, index: int) -> re.Pattern[str] | None:
    if value is None:
        return None
    where = _where(index, "expect_output")
    try:
        return compile_given(_text(value, where), re.MULTILINE)
    except re.error as exc:
        raise ConfigError(f"{where} is not a valid regex: {exc}") from None


def _positive(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where} must be a positive number")
    return float(value)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string")
    return value


def _optional_text(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    return None if value is None else _text(value, f"[tool.readiness.ops.uptime] {key}")


def parse_uptime(raw: object) -> UptimeConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError("[tool.readiness.ops.uptime] must be a table")
    unknown = sorted(set(raw) - UPTIME_KEYS)
    if unknown:
        raise ConfigError(
            f"[tool.readiness.ops.uptime] has unknown key {unknown[0]!r}; known keys: "
            + ", ".join(sorted(UPTIME_KEYS))
        )
    where = "[tool.readiness.ops.uptime]"
    if "log_dir" not in raw:
        raise ConfigError(f"{where} needs log_dir")
    target = raw.get("target", uptime.DEFAULT_TARGET_PCT)
    if isinstance(target, bool) or not isinstance(target, int | float):
        raise ConfigError(f"{where} target must be a percentage")
    if not 0 < target <= 100:
        raise ConfigError(f"{where} target must be a percentage in (0, 100]")
    tolerance = raw.get("tolerance")
    return UptimeConfig(
        log_dir=_text(raw["log_dir"], f"{where} log_dir"),
        fmt=uptime.log_format(
            _text(raw.get("format", "jsonl"), f"{where} format"),
            pattern=_optional_text(raw, "pattern"),
            time_key=_optional_text(raw, "time_key"),
            event_key=_text(raw.get("event_key", "event"), f"{where} event_key"),
            heartbeat=_text(raw.get("heartbeat", "heartbeat"), f"{where} heartbeat"),
            time_format=_optional_text(raw, "time_format"),
        ),
        glob=_text(raw.get("glob", "*"), f"{where} glob"),
        interval_s=_positive(
            raw.get("interval", uptime.DEFAULT_INTERVAL_S), f"{where} interval"
        ),
        tolerance_s=(
            None if tolerance is None else _positive(tolerance, f"{where} tolerance")
        ),
        start=_optional_text(raw, "start"),
        end=_optional_text(raw, "end"),
        tz=uptime.zone(_text(raw.get("timezone", "UTC"), f"{where} timezone")),
        target_pct=float(target),
    )


# --- commands -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CommandEnv:
    """Where commands run: a bin folder searched first, and environment variables."""

    bin_dir: Path | None = None
    variables: Mapping[str, str] = field(default_factory=dict)


def command_env(ctx: GateContext) -> CommandEnv:
    """The prod environment first on PATH, unless ``environment = "none"``."""
    default = "prod" if ctx.target.installable else "none"
    choice = ctx.options.values.get("environment", default)
    if choice not in {"prod", "none"}:
        raise ConfigError('[tool.readiness.ops] environment must be "prod" or "none"')
    if choice == "none":
        return CommandEnv()
    try:
        env = prodenv.ensure(ctx.target, run=ctx.run)
    except environments.BuildError as error:
        raise GateError(f"ops commands not run, no prod environment: {error}") from None
    return CommandEnv(bin_dir=env.python.parent, variables=prodenv.activated(env))


def resolve(program: str, env: CommandEnv) -> str:
    """A bare program name found in the environment's bin folder, else as given."""
    if env.bin_dir is not None and "/" not in program:
        candidate = env.bin_dir / program
        if candidate.exists():
            return str(candidate)
    return program


def run_command(ctx: GateContext, spec: OpsCommand, env: CommandEnv) -> Finding | None:
    """Run one declared command; the finding that says how it failed, if it did."""
    ctx.record_command(spec.command)
    cwd = (ctx.target.root / spec.cwd).resolve()
    if not cwd.is_dir():
        raise ConfigError(f"ops command {spec.name!r}: cwd {spec.cwd} does not exist")
    args = [resolve(spec.command[0], env), *spec.command[1:]]
    try:
        completed = ctx.run(
            args,
            cwd=cwd,
            timeout_s=spec.timeout_s,
            ok_codes=range(-255, 256),
            env={**env.variables, **spec.env},
            record=False,
        )
    except command.ToolTimeout:
        return command_finding(
            ctx.target,
            spec,
            COMMAND_HUNG,
            f"did not finish within {spec.timeout_s:g} s and was killed",
        )
    except command.ToolError as error:
        return command_finding(ctx.target, spec, COMMAND_MISSING, str(error))
    # each stream on its own: joined, a flood of output would be held twice
    streams = (completed.stdout, completed.stderr)
    last = command.last_line(streams[1] if streams[1].strip() else streams[0])
    if completed.returncode != spec.exit_code:
        return command_finding(
            ctx.target,
            spec,
            COMMAND_FAILED,
            f"exited {completed.returncode} (expected {spec.exit_code}): {last}",
        )
    expected = spec.expect_output
    if expected is not None and not any(expected.search(text) for text in streams):
        return command_finding(
            ctx.target,
            spec,
            COMMAND_FAILED,
            f"output does not match /{expected.pattern}/: {last}",
        )
    return None


def command_finding(
    target: Target, spec: OpsCommand, rule: Rule, problem: str
) -> Finding:
    return Finding(
        rule=rule.id,
        severity=Severity.HIGH,
        priority=Priority.P2,
        message=f"ops command {spec.name!r} (`{' '.join(spec.command)}`) {problem}",
        path="pyproject.toml",
        line=name_line(target, spec.name),
        fix=rule.fix,
        details={"command": " ".join(spec.command)},
    )


def name_line(target: Target, name: str) -> int | None:
    """The pyproject.toml line that declares the command named ``name``."""
    try:
        text = (target.root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    pattern = re.compile(rf"""\bname\s*=\s*["']{re.escape(name)}["']""")
    return next(
        (n for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)),
        None,
    )


# --- uptime -------------------------------------------------------------------


def judge_uptime(
    target: Target, config: UptimeConfig
) -> tuple[list[Finding], dict[str, int | float | str], Criterion]:
    log_dir = target.root / config.log_dir
    logs, result = uptime.from_directory(
        log_dir,
        fmt=config.fmt,
        start=config.start,
        end=config.end,
        interval_s=config.interval_s,
        tolerance_s=config.tolerance_s,
        target_pct=config.target_pct,
        tz=config.tz,
        pattern=config.glob,
        root=target.root,
    )
    rel_dir = target.rel(log_dir)
    shown = f"{result.uptime_pct:.3f}%"
    span = (
        f"{uptime.stamp(result.window.start, config.tz)} to"
        f" {uptime.stamp(result.window.end, config.tz)}"
    )
    findings: list[Finding] = []
    if not result.met:
        findings.append(
            Finding(
                rule=BELOW_TARGET.id,
                severity=Severity.HIGH,
                priority=Priority.P2,
                message=f"uptime {shown} from {span} is below the"
                f" {result.target_pct:g}% target ({len(result.outages)} outages,"
                f" {uptime.duration(result.downtime_s)} down,"
                f" {result.heartbeats} heartbeats)",
                path=rel_dir,
                fix=BELOW_TARGET.fix,
                details={
                    "uptime_pct": round(result.uptime_pct, 3),
                    "target_pct": result.target_pct,
                },
            )
        )
    findings += outage_findings(result, logs, rel_dir, config.tz)
    findings += reading_findings(logs, rel_dir)
    metrics: dict[str, int | float | str] = {
        "uptime_pct": round(result.uptime_pct, 3),
        "target_pct": result.target_pct,
        "outages": len(result.outages),
        "downtime_s": round(result.downtime_s, 3),
        "heartbeats": result.heartbeats,
        "log_files": logs.files,
        "malformed_lines": len(logs.malformed),
        "unordered_lines": logs.unordered,
        "window": span,
    }
    criterion = Criterion(
        text=f"uptime >= {result.target_pct:g}% over the window ({shown})",
        met=result.met,
    )
    return findings, metrics, criterion


def outage_findings(
    result: uptime.UptimeResult,
    logs: uptime.Heartbeats,
    rel_dir: str,
    tz: tzinfo,
) -> list[Finding]:
    """One per outage, at the last heartbeat before it when the logs hold it."""
    findings = []
    interval = timedelta(seconds=result.interval_s)
    for outage in result.outages:
        path, line = logs.where.get(outage.start - interval, (rel_dir, None))
        findings.append(
            Finding(
                rule=OUTAGE.id,
                severity=Severity.LOW,
                priority=Priority.P2,
                message=f"outage {uptime.describe(outage, tz)}",
                path=path,
                line=line,
                fix=OUTAGE.fix,
                details={
                    "start": uptime.stamp(outage.start, tz),
                    "end": uptime.stamp(outage.end, tz),
                    "seconds": round(outage.seconds, 3),
                },
            )
        )
    return findings


def reading_findings(logs: uptime.Heartbeats, rel_dir: str) -> list[Finding]:
    findings = [
        Finding(
            rule=MALFORMED.id,
            severity=Severity.INFO,
            priority=Priority.P2,
            message=f"{MALFORMED.title}: {item.reason}",
            path=item.path,
            line=item.line,
            fix=MALFORMED.fix,
        )
        for item in logs.malformed[:MAX_MALFORMED]
    ]
    rest = len(logs.malformed) - MAX_MALFORMED
    if rest > 0:
        findings.append(
            Finding(
                rule=MALFORMED.id,
                severity=Severity.INFO,
                priority=Priority.P2,
                message=f"{rest} more log lines could not be read",
                path=rel_dir,
                fix=MALFORMED.fix,
            )
        )
    if logs.unordered:
        findings.append(
            Finding(
                rule=UNORDERED.id,
                severity=Severity.INFO,
                priority=Priority.P2,
                message=f"{logs.unordered} heartbeats are earlier than the line"
                " before them (sorted before the analysis)",
                path=rel_dir,
                fix=UNORDERED.fix,
            )
        )
    return findings
