"""Command line interface of legacy-app."""

import sys
import os  # noqa: unused-import

import click

from legacy_app import __version__
from legacy_app.broker import BrokerError, get_broker
from legacy_app.config import load_config, verify_config
from legacy_app.data.sources import load_source
from legacy_app.paper import run_paper_trading
from legacy_app.uptime import analyze_uptime, parse_date
from legacy_app.utils.errors import LegacyAppError, format_error


@click.group()
@click.version_option(__version__, prog_name="legacy-app")
def main():
    """Legacy App operations toolkit."""


@main.command("test-data")
@click.option("--source", type=click.Choice(["csv", "http"]), required=True)
@click.option("--path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--url", default=None, help="CSV endpoint for --source http.")
def test_data(source, path, url):
    """Load a market data source and report what it holds."""
    try:
        bars = load_source(source, path=path, url=url)
    except LegacyAppError as exc:
        click.echo(format_error(exc), err=True)
        sys.exit(1)
    symbols = sorted({bar["symbol"] for bar in bars})
    click.echo(f"{source}: {len(bars)} bars for {', '.join(symbols)}")


@main.command("test-broker")
@click.option("--broker", "broker_name", default="paper", show_default=True)
@click.option("--url", default=None, help="Base URL of a REST broker.")
@click.option("--testnet", is_flag=True, help="Use the broker's test network.")
def test_broker(broker_name, url, testnet):
    """Check that a broker answers."""
    try:
        broker = get_broker(broker_name, url=url, testnet=testnet)
        status = broker.ping()
    except BrokerError as exc:
        click.echo(f"broker {broker_name}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"broker {broker_name}: {status['status']}")


@main.command("analyze-uptime")
@click.option("--log-dir", type=click.Path(exists=True, file_okay=False), required=True)
@click.option("--start-date", required=True, help="First day, YYYY-MM-DD.")
@click.option("--end-date", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--target", default=99.9, show_default=True, help="Uptime target, %.")
def analyze_uptime_cmd(log_dir, start_date, end_date, target):
    """Compute uptime from heartbeat logs."""
    report = analyze_uptime(log_dir, parse_date(start_date), parse_date(end_date))
    click.echo(f"heartbeats: {report.heartbeats}")
    click.echo(f"outages: {len(report.outages)}")
    for start, minutes in report.outages:
        click.echo(f"  {start.isoformat()} {minutes:.0f} min")
    click.echo(f"uptime: {report.uptime_pct:.3f}% (target {target}%)")
    if report.uptime_pct < target:
        sys.exit(1)


@main.command("verify-config")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
def verify_config_cmd(config_path):
    """Check the configuration and the broker credentials."""
    problems = verify_config(load_config(config_path))
    for problem in problems:
        click.echo(f"config: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("config: ok")


@main.command("paper-trade")
@click.option("--strategy", type=click.Path(exists=True, dir_okay=False), required=True)
@click.option("--broker", "broker_name", default="paper", show_default=True)
@click.option("--duration", default="1m", show_default=True, help="e.g. 30s, 5m, 30d")
@click.option("--log-dir", type=click.Path(file_okay=False), default="logs")
def paper_trade(strategy, broker_name, duration, log_dir):
    """Run a strategy against the paper broker."""
    result = run_paper_trading(strategy, broker_name, duration, log_dir=log_dir)
    click.echo(f"orders: {result['orders']}, cash: {result['cash']:.2f}")
