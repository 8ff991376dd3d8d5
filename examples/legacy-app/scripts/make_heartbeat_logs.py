"""Regenerate logs/: two days of heartbeats with outages of 7 and 25 minutes."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2025, 10, 1, tzinfo=UTC)
OUTAGES = [(START + timedelta(hours=13, minutes=5), 7)]
OUTAGES += [(START + timedelta(days=1, hours=3, minutes=40), 25)]


def is_down(ts: datetime) -> bool:
    return any(s <= ts < s + timedelta(minutes=m) for s, m in OUTAGES)


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "logs"
    out.mkdir(exist_ok=True)
    for day in range(2):
        first = START + timedelta(days=day)
        lines = []
        for minute in range(1440):
            ts = first + timedelta(minutes=minute)
            if not is_down(ts):
                record = {"ts": f"{ts:%Y-%m-%dT%H:%M:%SZ}", "event": "heartbeat"}
                lines.append(json.dumps(record) + "\n")
        (out / f"paper-trade-{first:%Y-%m-%d}.jsonl").write_text("".join(lines))


if __name__ == "__main__":
    main()
