"""The console script and its subcommands."""

import os
import runpy
import sys

import pytest

from legacy_app import __version__
from legacy_app.cli import main

SUBCOMMANDS = [
    "test-data",
    "test-broker",
    "analyze-uptime",
    "verify-config",
    "paper-trade",
]


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_subcommand_help(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_python_dash_m(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["legacy_app", "--help"])
    with pytest.raises(SystemExit) as exc:
        runpy.run_module("legacy_app", run_name="__main__")
    assert exc.value.code == 0
    assert "analyze-uptime" in capsys.readouterr().out


def test_test_data_csv(runner):
    result = runner.invoke(main, ["test-data", "--source", "csv"])
    assert result.exit_code == 0
    assert "csv: 15 bars for AAPL, MSFT, SPY" in result.output


def test_test_data_http_needs_url(runner):
    result = runner.invoke(main, ["test-data", "--source", "http"])
    assert result.exit_code == 1
    assert "E100: --url is required" in result.output


def test_test_broker_paper(runner):
    result = runner.invoke(main, ["test-broker", "--broker", "paper"])
    assert result.exit_code == 0
    assert "broker paper: ok" in result.output


def test_test_broker_unknown(runner):
    result = runner.invoke(main, ["test-broker", "--broker", "nope"])
    assert result.exit_code == 1
    assert "unknown broker: nope" in result.output


def test_analyze_uptime_below_target(runner, sample_logs):
    args = ["analyze-uptime", "--log-dir", str(sample_logs)]
    args += ["--start-date", "2025-10-01", "--end-date", "2025-10-02"]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "outages: 2" in result.output
    assert "uptime: 98.889% (target 99.9%)" in result.output


def test_analyze_uptime_meets_lower_target(runner, heartbeat_dir):
    args = ["analyze-uptime", "--log-dir", str(heartbeat_dir), "--target", "99"]
    args += ["--start-date", "2025-10-01", "--end-date", "2025-10-01"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2025-10-01T12:00:00+00:00 10 min" in result.output


def test_verify_config_paper(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["verify-config"])
    assert result.exit_code == 0
    assert "config: ok" in result.output


def test_verify_config_rest_without_credentials(runner, tmp_path, monkeypatch):
    monkeypatch.delenv("BROKER_API_KEY", raising=False)
    monkeypatch.delenv("BROKER_API_SECRET", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text("broker: rest\nenv_file: missing.env\n")
    result = runner.invoke(main, ["verify-config", "--config", str(config)])
    assert result.exit_code == 1
    assert "BROKER_API_KEY is not set" in result.output


def test_paper_trade(runner, strategy_file, tmp_path):
    log_dir = tmp_path / "logs"
    args = ["paper-trade", "--strategy", str(strategy_file), "--duration", "15m"]
    result = runner.invoke(main, args + ["--log-dir", str(log_dir)])
    assert result.exit_code == 0, result.output
    assert "orders: 10" in result.output
    assert list(log_dir.glob("paper-trade-*.jsonl"))


@pytest.mark.live
@pytest.mark.skipif(
    not os.environ.get("LEGACY_APP_LIVE"), reason="needs LEGACY_APP_LIVE=1"
)
def test_test_broker_live(runner):
    url = os.environ["BROKER_BASE_URL"]
    result = runner.invoke(main, ["test-broker", "--broker", "rest", "--url", url])
    assert result.exit_code == 0
