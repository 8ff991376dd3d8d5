"""Uptime analysis of heartbeat logs."""

import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest

from conftest import write_heartbeats
from legacy_app.uptime import analyze_uptime, parse_date, parse_ts


def test_parse_date_is_utc_midnight():
    assert parse_date("2025-10-01") == datetime(2025, 10, 1, tzinfo=timezone.utc)


def test_parse_ts_accepts_zulu():
    assert parse_ts("2025-10-01T00:01:00Z").minute == 1


def test_single_outage(heartbeat_dir):
    day = parse_date("2025-10-01")
    report = analyze_uptime(str(heartbeat_dir), day, day)
    assert report.heartbeats == 1430
    assert report.outages == [(day + timedelta(hours=12), 10.0)]
    assert report.uptime_pct == pytest.approx(99.306)


def test_sample_logs(sample_logs):
    report = analyze_uptime(
        str(sample_logs), parse_date("2025-10-01"), parse_date("2025-10-02")
    )
    assert report.heartbeats == 2848
    assert [minutes for _, minutes in report.outages] == [7.0, 25.0]
    assert report.downtime_minutes == 32.0
    assert report.uptime_pct == 98.889


def test_garbage_and_other_events_are_ignored(tmp_path):
    log_dir = tmp_path / "logs"
    path = write_heartbeats(log_dir, parse_date("2025-10-01"), 1440)
    with path.open("a") as fh:
        fh.write("not json\n")
        fh.write('{"ts": "2025-10-01T10:00:30Z", "event": "order"}\n')
    day = parse_date("2025-10-01")
    report = analyze_uptime(str(log_dir), day, day)
    assert report.heartbeats == 1440
    assert report.uptime_pct == 100.0


def test_no_logs_is_full_outage(tmp_path):
    day = parse_date("2025-10-01")
    report = analyze_uptime(str(tmp_path), day, day)
    assert report.uptime_pct == 0.0


@pytest.mark.memory
def test_thirty_days_of_heartbeats_stay_small(tmp_path):
    start = parse_date("2025-09-01")
    for day in range(30):
        write_heartbeats(tmp_path / "logs", start + timedelta(days=day), 1440)
    tracemalloc.start()
    report = analyze_uptime(str(tmp_path / "logs"), start, start + timedelta(days=29))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.heartbeats == 30 * 1440
    assert peak < 64 * 1024 * 1024
