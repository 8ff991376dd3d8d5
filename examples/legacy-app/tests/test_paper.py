"""Paper trading replay and heartbeats."""

import json

import pytest
from freezegun import freeze_time

from legacy_app.broker import BrokerError
from legacy_app.paper import heartbeat, parse_duration, run_paper_trading


@pytest.mark.parametrize(
    "text, seconds", [("30s", 30), ("5m", 300), ("2h", 7200), ("30d", 2_592_000)]
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "10", "10w"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration(text)


@freeze_time("2025-10-01 12:34:56")
def test_heartbeat_uses_the_clock(tmp_path):
    path = heartbeat(str(tmp_path))
    assert path.endswith("paper-trade-2025-10-01.jsonl")
    with open(path) as fh:
        assert json.loads(fh.read()) == {
            "ts": "2025-10-01T12:34:56Z",
            "event": "heartbeat",
        }


@freeze_time("2025-10-01 23:58:00")
def test_run_crosses_midnight(tmp_path, strategy_file):
    log_dir = tmp_path / "logs"
    result = run_paper_trading(str(strategy_file), duration="5m", log_dir=str(log_dir))
    assert result == {"orders": 0, "cash": 100_000.0}
    assert sorted(p.name for p in log_dir.iterdir()) == [
        "paper-trade-2025-10-01.jsonl",
        "paper-trade-2025-10-02.jsonl",
    ]


def test_run_with_symbols_and_init(tmp_path):
    strategy = tmp_path / "s.py"
    strategy.write_text(
        'SIGNAL = "close > limit"\nINIT = "limit = 660"\nQUANTITY = 60\n'
    )
    result = run_paper_trading(
        str(strategy), duration="1h", log_dir=str(tmp_path / "logs"), symbols=["SPY"]
    )
    # 60 SPY cost about 40k: the third order no longer fits in 100k of cash.
    assert result["orders"] == 2
    assert 19_000 < result["cash"] < 21_000


def test_only_paper_broker(strategy_file, tmp_path):
    with pytest.raises(BrokerError, match="only runs against the paper broker"):
        run_paper_trading(str(strategy_file), broker_name="rest", log_dir=str(tmp_path))
