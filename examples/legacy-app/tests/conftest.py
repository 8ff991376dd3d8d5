"""Shared fixtures for the legacy-app test suite."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

EXAMPLE_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def sample_logs():
    """The two days of heartbeat logs committed under logs/."""
    return EXAMPLE_ROOT / "logs"


def write_heartbeats(directory, start, minutes, missing=()):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"paper-trade-{start:%Y-%m-%d}.jsonl"
    with path.open("w") as fh:
        for minute in range(minutes):
            if minute in missing:
                continue
            ts = start + timedelta(minutes=minute)
            record = {"ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "event": "heartbeat"}
            fh.write(json.dumps(record) + "\n")
    return path


@pytest.fixture
def heartbeat_dir(tmp_path):
    """One day of heartbeats with a ten-minute outage at 12:00."""
    start = datetime(2025, 10, 1, tzinfo=timezone.utc)
    write_heartbeats(tmp_path / "logs", start, 1440, missing=range(720, 730))
    return tmp_path / "logs"


@pytest.fixture
def strategy_file(tmp_path):
    path = tmp_path / "strategy.py"
    path.write_text('SIGNAL = "close > 500"\nQUANTITY = 2\n')
    return path


@pytest.fixture
def bars():
    return [
        {"symbol": "AAPL", "date": "2025-10-01", "close": 255.45},
        {"symbol": "AAPL", "date": "2025-10-02", "close": 257.13},
        {"symbol": "MSFT", "date": "2025-10-01", "close": 519.71},
    ]
