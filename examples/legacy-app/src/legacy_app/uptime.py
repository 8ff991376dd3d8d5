"""Uptime analysis of paper-trading heartbeat logs (JSON lines)."""
import json
import glob, os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import List, Tuple, Optional

HEARTBEAT_INTERVAL = timedelta(seconds=60)


@dataclass
class UptimeReport:
    start: datetime
    end: datetime
    heartbeats: int = 0
    outages: List[Tuple[datetime, float]] = field(default_factory=list)
    downtime_minutes: float = 0.0

    @property
    def uptime_pct(self) -> float:
        total = (self.end - self.start).total_seconds() / 60
        return round(100.0 * (total - self.downtime_minutes) / total, 3)


def parse_date(value: str) -> datetime:
    return datetime.strptime(value, '%Y-%m-%d').replace(tzinfo=timezone.utc)


def parse_ts(value):
    return datetime.fromisoformat(value.replace('Z', '+00:00'))


def read_heartbeats(log_dir, start, end):
    stamps = []
    for path in sorted(glob.glob(os.path.join(log_dir, '*.jsonl'))):
        with open(path) as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except:
                    continue
                if record.get('event') != 'heartbeat':
                    continue
                ts = parse_ts(record['ts'])
                if start <= ts < end:
                    stamps.append(ts)
    return sorted(stamps)


def analyze_uptime(log_dir: str, start_date: datetime, end_date: datetime, interval: timedelta = None) -> UptimeReport:
    interval = interval or HEARTBEAT_INTERVAL
    start, end = start_date, end_date + timedelta(days=1)
    report = UptimeReport(start=start, end=end)
    stamps = read_heartbeats(log_dir, start, end)
    report.heartbeats = len(stamps)
    points = [start - interval] + stamps + [end]
    for previous, current in zip(points, points[1:]):
        gap = current - previous
        if gap > interval * 1.5:
            minutes = (gap - interval).total_seconds() / 60
            report.outages.append((previous + interval, minutes))
            report.downtime_minutes += minutes
    return report
