"""Uptime from heartbeat logs: the seed's "paper trading uptime >= 99.9 %".

A running service writes a heartbeat record every ``interval`` seconds. Each
heartbeat proves the service up for one interval after it; a gap between two
consecutive heartbeats longer than ``tolerance`` (default 1.5 intervals, so
ordinary jitter is not an outage) is an outage from the end of the earlier
heartbeat's interval to the later heartbeat. Only the part of an outage inside
the window counts, and heartbeats just outside the window are used to judge its
edges: a window that starts or ends in the middle of an outage counts the part
inside. Without a heartbeat before the window, the window's start is treated as
if one had arrived one interval earlier; without one after it, as if one
arrived at the window's end. So a window without any heartbeat is one outage
and 0 % uptime.

Reading is forgiving: unordered lines are sorted (and counted), duplicates are
merged (and counted), malformed lines are counted and listed with file:line,
and none of them stop the analysis. Timestamps without a zone, and window
bounds given as dates, are read in the configured time zone (UTC by default);
everything is compared in UTC.

Everything here is a pure function of its inputs except :func:`read_logs`.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from readiness.errors import ConfigError
from readiness.regexes import compile_given

DEFAULT_TARGET_PCT = 99.9
DEFAULT_INTERVAL_S = 60.0
#: A gap up to this many intervals is jitter, not an outage.
DEFAULT_TOLERANCE = 1.5
#: Keys tried, in order, for a JSON line's timestamp when none is configured.
TIME_KEYS = ("ts", "timestamp", "time", "@timestamp")
FORMATS = ("jsonl", "regex")
#: Epoch values above this are milliseconds, not seconds (year 5138 in seconds).
_EPOCH_MS = 1e11


@dataclass(frozen=True, kw_only=True)
class LogFormat:
    """How to read one line: JSON lines or a regex with named groups."""

    kind: str = "jsonl"
    pattern: re.Pattern[str] | None = None
    time_key: str | None = None
    event_key: str = "event"
    heartbeat: str = "heartbeat"
    time_format: str | None = None


@dataclass(frozen=True, kw_only=True)
class Malformed:
    path: str
    line: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class Heartbeats:
    """What the logs hold: sorted unique heartbeat times (UTC) and reading notes."""

    times: tuple[datetime, ...]
    files: int
    lines: int
    malformed: tuple[Malformed, ...] = ()
    unordered: int = 0
    duplicates: int = 0
    other: int = 0
    #: Where each heartbeat was first read: ``time -> (path, line)``.
    where: Mapping[datetime, tuple[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Window:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, kw_only=True)
class Outage:
    start: datetime
    end: datetime
    #: True when it touches an edge of the window (it may extend beyond it).
    at_edge: bool = False

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, kw_only=True)
class UptimeResult:
    window: Window
    interval_s: float
    tolerance_s: float
    heartbeats: int
    outages: tuple[Outage, ...]
    target_pct: float

    @property
    def downtime_s(self) -> float:
        return sum(outage.seconds for outage in self.outages)

    @property
    def uptime_pct(self) -> float:
        return 100.0 * (1.0 - self.downtime_s / self.window.seconds)

    @property
    def met(self) -> bool:
        # rounded like it is shown, so 99.8999999 is not reported as "99.900 < 99.9"
        return round(self.uptime_pct, 6) >= self.target_pct


# --- reading ----------------------------------------------------------------


def zone(name: str) -> tzinfo:
    """``"UTC"`` or an IANA name such as ``"Europe/Paris"``."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r}") from None


def parse_time(value: object, tz: tzinfo, time_format: str | None = None) -> datetime:
    """A timestamp as UTC: ISO 8601 text, ``time_format`` text, or epoch seconds/ms.

    Raises ``ValueError`` with a short reason when ``value`` is none of these.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a timestamp")
        seconds = value / 1000 if abs(value) > _EPOCH_MS else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value} is out of range for a timestamp") from None
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError(f"no timestamp in {value!r}"[:60])
    try:
        if time_format:
            parsed = datetime.strptime(text, time_format)
        elif re.fullmatch(r"\d+(\.\d+)?", text):
            return parse_time(float(text), tz)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unreadable timestamp {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 shifted past the calendar
        raise ValueError(f"timestamp {text[:40]!r} is out of range") from None


def parse_line(text: str, fmt: LogFormat, tz: tzinfo) -> datetime | str | None:
    """A heartbeat's time, ``None`` for another record, or why it is malformed."""
    if fmt.kind == "regex":
        return _regex_line(text, fmt, tz)
    return _json_line(text, fmt, tz)


def _json_line(text: str, fmt: LogFormat, tz: tzinfo) -> datetime | str | None:
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, deep nesting
        bad = exc.msg if isinstance(exc, json.JSONDecodeError) else "too long or deep"
        return f"not JSON ({bad})"
    if not isinstance(record, dict):
        return "not a JSON object"
    if fmt.event_key and record.get(fmt.event_key) != fmt.heartbeat:
        return None
    keys = (fmt.time_key,) if fmt.time_key else TIME_KEYS
    key = next((k for k in keys if k in record), None)
    if key is None:
        return f"no timestamp field ({', '.join(keys)})"
    try:
        return parse_time(record[key], tz, fmt.time_format)
    except ValueError as exc:
        return str(exc)


def _regex_line(text: str, fmt: LogFormat, tz: tzinfo) -> datetime | str | None:
    match = fmt.pattern.search(text) if fmt.pattern is not None else None
    if match is None:
        return None
    groups = match.groupdict()
    if "event" in groups and groups["event"] != fmt.heartbeat:
        return None
    try:
        return parse_time(groups.get("ts"), tz, fmt.time_format)
    except ValueError as exc:
        return str(exc)


def log_format(
    kind: str = "jsonl",
    *,
    pattern: str | None = None,
    time_key: str | None = None,
    event_key: str = "event",
    heartbeat: str = "heartbeat",
    time_format: str | None = None,
) -> LogFormat:
    """A validated :class:`LogFormat`; configuration mistakes are one-line errors."""
    if kind not in FORMATS:
        raise ConfigError(
            f"log format must be one of {', '.join(FORMATS)}, not {kind!r}"
        )
    compiled = None
    if kind == "regex":
        if not pattern:
            raise ConfigError("the regex log format needs a pattern")
        try:
            compiled = compile_given(pattern)
        except re.error as exc:
            raise ConfigError(f"invalid log pattern {pattern!r}: {exc}") from None
        if "ts" not in compiled.groupindex:
            raise ConfigError("the log pattern needs a named group (?P<ts>...)")
    return LogFormat(
        kind=kind,
        pattern=compiled,
        time_key=time_key,
        event_key=event_key,
        heartbeat=heartbeat,
        time_format=time_format,
    )


def collect(
    lines: Iterable[tuple[str, int, str]], fmt: LogFormat, tz: tzinfo
) -> Heartbeats:
    """Heartbeats from ``(path, line number, text)`` triples, in file order."""
    found: list[datetime] = []
    where: dict[datetime, tuple[str, int]] = {}
    malformed: list[Malformed] = []
    unordered = other = count = 0
    files: set[str] = set()
    previous: dict[str, datetime] = {}
    for path, number, text in lines:
        files.add(path)
        if not text.strip():
            continue
        count += 1
        parsed = parse_line(text, fmt, tz)
        if parsed is None:
            other += 1
        elif isinstance(parsed, str):
            malformed.append(Malformed(path=path, line=number, reason=parsed))
        else:
            if path in previous and parsed < previous[path]:
                unordered += 1
            previous[path] = parsed
            found.append(parsed)
            where.setdefault(parsed, (path, number))
    unique = sorted(set(found))
    return Heartbeats(
        times=tuple(unique),
        files=len(files),
        lines=count,
        malformed=tuple(malformed),
        unordered=unordered,
        duplicates=len(found) - len(unique),
        other=other,
        where=where,
    )


def log_files(log_dir: Path, pattern: str = "*") -> list[Path]:
    """The files of ``log_dir`` matching ``pattern``, by name; dotfiles left out."""
    if not log_dir.is_dir():
        raise ConfigError(f"log directory {log_dir} does not exist")
    return sorted(
        path
        for path in log_dir.glob(pattern)
        if path.is_file() and not path.name.startswith(".")
    )


def read_logs(
    paths: Sequence[Path], fmt: LogFormat, tz: tzinfo, *, root: Path | None = None
) -> Heartbeats:
    """Read every file (bad bytes replaced); paths are shown relative to ``root``."""

    def lines() -> Iterable[tuple[str, int, str]]:
        for path in paths:
            shown = _shown(path, root)
            with path.open(encoding="utf-8", errors="replace") as handle:
                for number, text in enumerate(handle, start=1):
                    yield shown, number, text

    return collect(lines(), fmt, tz)


def _shown(path: Path, root: Path | None) -> str:
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return path.as_posix()


# --- the window -------------------------------------------------------------


def parse_bound(text: str, tz: tzinfo, *, end: bool) -> datetime:
    """A window bound: a date means midnight (an end date is inclusive)."""
    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        try:
            return parse_time(value, tz)
        except ValueError:
            raise ConfigError(
                f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 datetime"
            ) from None
    try:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        if end:
            midnight = datetime.combine(day + timedelta(days=1), midnight.timetz())
        return midnight.astimezone(UTC)
    except OverflowError:
        raise ConfigError(f"{text!r} is out of the calendar's range") from None


def window(
    start: datetime | None,
    end: datetime | None,
    times: Sequence[datetime],
    interval_s: float,
) -> Window:
    """The window to judge: the given bounds, else the span the heartbeats cover."""
    if (start is None or end is None) and not times:
        raise ConfigError("no heartbeat found, and no window (start and end) given")
    first = start if start is not None else times[0]
    last = end if end is not None else times[-1] + timedelta(seconds=interval_s)
    if last <= first:
        raise ConfigError(
            f"the window is empty: it ends ({last.isoformat()}) before it starts"
            f" ({first.isoformat()})"
        )
    return Window(start=first, end=last)


# --- the analysis -----------------------------------------------------------


def analyze(
    times: Sequence[datetime],
    span: Window,
    *,
    interval_s: float = DEFAULT_INTERVAL_S,
    tolerance_s: float | None = None,
    target_pct: float = DEFAULT_TARGET_PCT,
) -> UptimeResult:
    """Outages and uptime over ``span`` from sorted heartbeat ``times``."""
    if interval_s <= 0:
        raise ConfigError("the heartbeat interval must be a positive number of seconds")
    tolerance = DEFAULT_TOLERANCE * interval_s if tolerance_s is None else tolerance_s
    if tolerance < interval_s:
        raise ConfigError("the tolerance must be at least one interval")
    interval = timedelta(seconds=interval_s)
    before = [t for t in times if t < span.start]
    inside = [t for t in times if span.start <= t < span.end]
    after = [t for t in times if t >= span.end]
    sequence = [
        before[-1] if before else span.start - interval,
        *inside,
        after[0] if after else span.end,
    ]
    outages = []
    for earlier, later in itertools.pairwise(sequence):
        if (later - earlier).total_seconds() <= tolerance:
            continue
        start = max(earlier + interval, span.start)
        end = min(later, span.end)
        if end > start:
            at_edge = start == span.start or end == span.end
            outages.append(Outage(start=start, end=end, at_edge=at_edge))
    return UptimeResult(
        window=span,
        interval_s=interval_s,
        tolerance_s=tolerance,
        heartbeats=len(inside),
        outages=tuple(outages),
        target_pct=target_pct,
    )


# --- presentation -----------------------------------------------------------


def duration(seconds: float) -> str:
    """``"45 s"``, ``"7 min"``, ``"1 h 5 min"``, ``"2 d 3 h"``."""
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min" + (f" {secs} s" if secs else "")
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")


def stamp(moment: datetime, tz: tzinfo = UTC) -> str:
    return moment.astimezone(tz).isoformat()


def describe(outage: Outage, tz: tzinfo = UTC) -> str:
    edge = " (at the window's edge)" if outage.at_edge else ""
    return (
        f"{stamp(outage.start, tz)} to {stamp(outage.end, tz)}"
        f" ({duration(outage.seconds)}){edge}"
    )


def from_directory(
    log_dir: Path,
    *,
    fmt: LogFormat,
    start: str | None = None,
    end: str | None = None,
    interval_s: float = DEFAULT_INTERVAL_S,
    tolerance_s: float | None = None,
    target_pct: float = DEFAULT_TARGET_PCT,
    tz: tzinfo = UTC,
    pattern: str = "*",
    root: Path | None = None,
) -> tuple[Heartbeats, UptimeResult]:
    """The whole analysis of one log folder: what ``readiness uptime`` prints."""
    logs = read_logs(log_files(log_dir, pattern), fmt, tz, root=root)
    span = window(
        parse_bound(start, tz, end=False) if start else None,
        parse_bound(end, tz, end=True) if end else None,
        logs.times,
        interval_s,
    )
    result = analyze(
        logs.times,
        span,
        interval_s=interval_s,
        tolerance_s=tolerance_s,
        target_pct=target_pct,
    )
    return logs, result
