"""Uptime from heartbeat logs: the pure computation, its edge cases, and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from readiness import cli, uptime
from readiness.errors import ConfigError
from readiness.reports.uptime import render
from tests.conftest import EXAMPLE

JSONL = uptime.log_format()
DAY = datetime(2025, 10, 1, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return DAY + timedelta(minutes=minutes)


def beats(*minutes: float) -> list[datetime]:
    return [at(m) for m in minutes]


def every_minute(first: int, last: int, *, skip: range = range(0)) -> list[datetime]:
    return [at(m) for m in range(first, last) if m not in skip]


def one_day() -> uptime.Window:
    return uptime.Window(start=at(0), end=at(1440))


def record(moment: datetime | str, event: str = "heartbeat") -> str:
    stamp = moment if isinstance(moment, str) else f"{moment:%Y-%m-%dT%H:%M:%SZ}"
    return json.dumps({"ts": stamp, "event": event})


def collect(*lines: str, path: str = "app.jsonl") -> uptime.Heartbeats:
    return uptime.collect(
        ((path, number, text) for number, text in enumerate(lines, 1)), JSONL, UTC
    )


# --- the example ------------------------------------------------------------


def test_the_example_logs_give_the_planted_figures() -> None:
    logs, result = uptime.from_directory(
        EXAMPLE / "logs", fmt=JSONL, start="2025-10-01", end="2025-10-02", root=EXAMPLE
    )
    assert (logs.files, logs.lines, result.heartbeats) == (2, 2848, 2848)
    assert result.window.seconds == 2880 * 60
    assert [(o.start, o.end) for o in result.outages] == [
        (at(13 * 60 + 5), at(13 * 60 + 12)),
        (at(1440 + 3 * 60 + 40), at(1440 + 4 * 60 + 5)),
    ]
    assert result.downtime_s == 32 * 60
    assert round(result.uptime_pct, 3) == 98.889
    assert not result.met
    assert logs.where[at(13 * 60 + 4)] == ("logs/paper-trade-2025-10-01.jsonl", 785)


# --- edge cases ---------------------------------------------------------------


def test_no_heartbeat_at_all_is_one_outage_over_the_whole_window() -> None:
    result = uptime.analyze([], one_day())
    assert result.heartbeats == 0
    assert [(o.start, o.end, o.at_edge) for o in result.outages] == [
        (at(0), at(1440), True)
    ]
    assert result.uptime_pct == 0.0


def test_an_empty_log_folder_reads_as_no_heartbeat(tmp_path: Path) -> None:
    logs, result = uptime.from_directory(
        tmp_path, fmt=JSONL, start="2025-10-01", end="2025-10-01"
    )
    assert (logs.files, logs.lines, result.uptime_pct) == (0, 0, 0.0)


def test_a_missing_log_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        uptime.log_files(tmp_path / "nope")


def test_one_heartbeat_leaves_outages_before_and_after_it() -> None:
    result = uptime.analyze(beats(600), one_day())
    assert [(o.start, o.end) for o in result.outages] == [
        (at(0), at(600)),
        (at(601), at(1440)),
    ]
    assert result.heartbeats == 1
    assert round(result.uptime_pct, 6) == round(100 / 1440, 6)


def test_regular_heartbeats_are_full_uptime() -> None:
    result = uptime.analyze(every_minute(0, 1440), one_day())
    assert result.outages == ()
    assert result.uptime_pct == 100.0
    assert result.met


def test_jitter_within_the_tolerance_is_not_an_outage() -> None:
    times = [*every_minute(0, 101), at(101.4), *every_minute(102, 1440)]
    assert uptime.analyze(times, one_day()).outages == ()
    strict = uptime.analyze(times, one_day(), tolerance_s=60)
    assert [(o.start, o.end) for o in strict.outages] == [(at(101), at(101.4))]


def test_a_gap_across_the_window_start_counts_only_inside() -> None:
    # last heartbeat 10 minutes before the window, next 5 minutes into it
    times = [at(-11), at(-10), *every_minute(5, 1440)]
    result = uptime.analyze(times, one_day())
    assert [(o.start, o.end, o.at_edge) for o in result.outages] == [
        (at(0), at(5), True)
    ]
    assert result.heartbeats == 1435


def test_a_gap_across_the_window_end_counts_only_inside() -> None:
    times = [*every_minute(0, 1430), at(1450)]
    result = uptime.analyze(times, one_day())
    assert [(o.start, o.end, o.at_edge) for o in result.outages] == [
        (at(1430), at(1440), True)
    ]


def test_a_heartbeat_before_the_window_closes_its_start() -> None:
    inside = every_minute(1, 1440)
    assert uptime.analyze([at(-0.5), *inside], one_day()).outages == ()
    # without it, the window starts as if a heartbeat came one interval before
    alone = uptime.analyze(inside, one_day())
    assert [(o.start, o.end) for o in alone.outages] == [(at(0), at(1))]


def test_an_outage_wholly_outside_the_window_is_ignored() -> None:
    times = [at(-100), at(-20), *every_minute(0, 1440)]
    assert uptime.analyze(times, one_day()).outages == ()


def test_late_first_heartbeat_without_history_is_an_outage_from_the_start() -> None:
    result = uptime.analyze(every_minute(3, 1440), one_day())
    assert [(o.start, o.end) for o in result.outages] == [(at(0), at(3))]


def test_unordered_duplicate_and_malformed_lines_are_counted_not_fatal() -> None:
    logs = collect(
        record(at(2)),
        record(at(0)),  # earlier than the line before it
        record(at(1)),
        record(at(2)),  # a duplicate (and earlier than nothing: not unordered)
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"event": "heartbeat"}),
        record("yesterday"),
        record(at(3), event="trade"),
        "",
    )
    assert logs.times == tuple(beats(0, 1, 2))
    assert (logs.unordered, logs.duplicates, logs.other, logs.lines) == (1, 1, 1, 9)
    assert [(m.path, m.line) for m in logs.malformed] == [
        ("app.jsonl", 5),
        ("app.jsonl", 6),
        ("app.jsonl", 7),
        ("app.jsonl", 8),
    ]
    reasons = [m.reason for m in logs.malformed]
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "not a JSON object"
    assert reasons[2].startswith("no timestamp field")
    assert reasons[3] == "unreadable timestamp 'yesterday'"


def test_order_across_files_does_not_count_as_unordered() -> None:
    lines = [("b.jsonl", 1, record(at(0))), ("a.jsonl", 1, record(at(5)))]
    assert uptime.collect(lines, JSONL, UTC).unordered == 0


def test_time_zones_offsets_naive_times_and_local_dates() -> None:
    paris = ZoneInfo("Europe/Paris")
    logs = uptime.collect(
        [
            ("a", 1, record("2025-10-01T02:00:00+02:00")),  # 00:00 UTC
            ("a", 2, record("2025-10-01T00:01:00")),  # naive: read in Paris
            ("a", 3, json.dumps({"ts": 1759276920, "event": "heartbeat"})),
            ("a", 4, json.dumps({"ts": 1759276980000, "event": "heartbeat"})),
        ],
        JSONL,
        paris,
    )
    assert logs.times == (
        at(-120 + 1),
        at(0),
        at(2),
        at(3),
    )
    start = uptime.parse_bound("2025-10-01", paris, end=False)
    end = uptime.parse_bound("2025-10-01", paris, end=True)
    assert start == datetime(2025, 9, 30, 22, tzinfo=UTC)
    assert end == datetime(2025, 10, 1, 22, tzinfo=UTC)
    # the night the clocks change lasts 25 hours
    long_day = uptime.parse_bound("2025-10-26", paris, end=True) - uptime.parse_bound(
        "2025-10-26", paris, end=False
    )
    assert long_day == timedelta(hours=25)


def test_timestamps_in_other_shapes() -> None:
    assert uptime.parse_time("2025-10-01 00:00:00Z", UTC) == at(0)
    assert uptime.parse_time("1759276800", UTC) == at(0)
    assert uptime.parse_time(
        "01/10/2025 02:00", timezone(timedelta(hours=2)), "%d/%m/%Y %H:%M"
    ) == at(0)
    for bad in (True, None, "", float("nan"), {"a": 1}):
        with pytest.raises(ValueError, match="timestamp"):
            uptime.parse_time(bad, UTC)


def test_the_regex_format_reads_text_logs(tmp_path: Path) -> None:
    fmt = uptime.log_format(
        "regex", pattern=r"^(?P<ts>\S+) (?P<event>\w+)", heartbeat="alive"
    )
    log = tmp_path / "app.log"
    log.write_text(
        "2025-10-01T00:00:00Z alive\n"
        "2025-10-01T00:01:00Z order filled\n"
        "free text that matches nothing\n"
        "2025-10-01T00:02:00Z alive\n"
        "garbage-time alive\n"
    )
    logs = uptime.read_logs([log], fmt, UTC, root=tmp_path)
    assert logs.times == tuple(beats(0, 2))
    assert logs.other == 2
    assert [(m.path, m.line) for m in logs.malformed] == [("app.log", 5)]
    # without an event group, every matching line is a heartbeat
    plain = uptime.log_format("regex", pattern=r"^(?P<ts>\S+) alive")
    assert len(uptime.read_logs([log], plain, UTC).times) == 2


@pytest.mark.parametrize(
    ("kind", "pattern", "message"),
    [
        ("xml", None, "log format must be one of"),
        ("regex", None, "needs a pattern"),
        ("regex", "(", "invalid log pattern"),
        ("regex", r"\d+", "named group"),
    ],
)
def test_log_format_mistakes_are_one_line_errors(
    kind: str, pattern: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        uptime.log_format(kind, pattern=pattern)


def test_window_rules() -> None:
    times = beats(5, 6, 7)
    inferred = uptime.window(None, None, times, 60)
    assert (inferred.start, inferred.end) == (at(5), at(8))
    with pytest.raises(ConfigError, match="no heartbeat found"):
        uptime.window(None, at(5), [], 60)
    with pytest.raises(ConfigError, match="the window is empty"):
        uptime.window(at(5), at(5), times, 60)
    with pytest.raises(ConfigError, match="neither a date"):
        uptime.parse_bound("soon", UTC, end=False)
    assert uptime.parse_bound("2025-10-01T06:00:00Z", UTC, end=True) == at(360)
    with pytest.raises(ConfigError, match="interval"):
        uptime.analyze(times, inferred, interval_s=0)
    with pytest.raises(ConfigError, match="tolerance"):
        uptime.analyze(times, inferred, interval_s=60, tolerance_s=30)
    with pytest.raises(ConfigError, match="unknown time zone"):
        uptime.zone("Mars/Olympus")
    assert uptime.zone("utc") is UTC


def test_the_target_is_judged_as_it_is_shown() -> None:
    window = uptime.Window(start=at(0), end=at(100000))
    result = uptime.analyze(every_minute(0, 99900), window, target_pct=99.9)
    assert round(result.uptime_pct, 3) == 99.9
    assert result.met


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (45, "45 s"),
        (420, "7 min"),
        (425, "7 min 5 s"),
        (3900, "1 h 5 min"),
        (3600, "1 h"),
        (86400 * 2, "2 d"),
        (86400 + 7200, "1 d 2 h"),
    ],
)
def test_durations_are_short(seconds: float, shown: str) -> None:
    assert uptime.duration(seconds) == shown


def test_render_lists_window_notes_outages_and_verdict() -> None:
    logs = collect(record(at(1)), record(at(0)), "oops", record(at(1)))
    result = uptime.analyze(logs.times, uptime.Window(start=at(0), end=at(10)))
    text = render(result, logs)
    assert text.splitlines() == [
        "window: 2025-10-01T00:00:00+00:00 to 2025-10-01T00:10:00+00:00 (10 min)",
        "log files: 1, lines: 4",
        "heartbeats in the window: 2 (every 60 s expected)",
        "read: 1 malformed lines, 1 out-of-order lines, 1 duplicate heartbeats",
        "  malformed: app.jsonl:3: not JSON (Expecting value)",
        "outages: 1, downtime 8 min",
        (
            "  2025-10-01T00:02:00+00:00 to 2025-10-01T00:10:00+00:00 (8 min)"
            " (at the window's edge)"
        ),
        "uptime: 20.000% (target 99.9%: NOT met)",
    ]
    many = collect(*["bad"] * 12)
    assert "... and 2 more malformed lines" in render(result, many)


# --- the command line ---------------------------------------------------------


def test_readiness_uptime_on_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        [
            "uptime",
            "--log-dir",
            str(EXAMPLE / "logs"),
            "--start",
            "2025-10-01",
            "--end",
            "2025-10-02",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "outages: 2, downtime 32 min" in out
    assert "2025-10-01T13:05:00+00:00 to 2025-10-01T13:12:00+00:00 (7 min)" in out
    assert "2025-10-02T03:40:00+00:00 to 2025-10-02T04:05:00+00:00 (25 min)" in out
    assert out.rstrip().endswith("uptime: 98.889% (target 99.9%: NOT met)")


def test_readiness_uptime_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["uptime", "--start", "2025-10-01", "--end", "2025-10-02"]
    example = ["--log-dir", str(EXAMPLE / "logs")]
    assert cli.main([*base, *example, "--target", "98.5"]) == 0
    assert cli.main([*base, "--log-dir", str(tmp_path / "none")]) == 2
    assert "log directory" in capsys.readouterr().err
    (tmp_path / "app.log").write_text("2025-10-01T00:00:00Z beat\n")
    text = ["--log-dir", str(tmp_path), "--pattern", r"^(?P<ts>\S+) beat"]
    assert cli.main([*base, *text, "--timezone", "Europe/Paris"]) == 1
    assert "heartbeats in the window: 1" in capsys.readouterr().out
