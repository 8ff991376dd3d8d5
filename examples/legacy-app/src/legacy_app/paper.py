"""Paper trading: replay bars through a strategy, log a heartbeat per bar."""

import json
import os
import random
from datetime import datetime, timedelta, timezone

from legacy_app.algorithm import TradingAlgorithm
from legacy_app.broker import BrokerError, get_broker
from legacy_app.data.sources import load_source
from legacy_app.utils.run_algo import load_strategy

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    value, unit = text[:-1], text[-1:]
    if unit not in UNITS or not value:
        raise ValueError(f"bad duration {text!r}")
    return float(value) * UNITS[unit]


def heartbeat(log_dir, now=None):
    now = now or datetime.now(timezone.utc)
    os.makedirs(log_dir, exist_ok=True)
    path = os.path.join(log_dir, f"paper-trade-{now:%Y-%m-%d}.jsonl")
    record = {"ts": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "event": "heartbeat"}
    with open(path, "a") as fh:
        fh.write(json.dumps(record) + "\n")
    return path


def run_paper_trading(strategy_path, broker_name="paper", duration="1m", log_dir="logs", symbols=[]):
    if broker_name != "paper":
        raise BrokerError("paper trading only runs against the paper broker")
    namespace = load_strategy(strategy_path)
    algo = TradingAlgorithm(
        namespace["SIGNAL"],
        quantity=namespace.get("QUANTITY", 1),
        init_code=namespace.get("INIT"),
    )
    broker = get_broker(broker_name)
    steps = max(1, int(parse_duration(duration) // 60))
    bars = load_source("csv")
    if symbols:
        bars = [bar for bar in bars if bar["symbol"] in symbols]
    clock = datetime.now(timezone.utc)
    for i, bar in enumerate(bars[:steps]):
        if algo.should_buy(bar):
            slippage = 1 + random.uniform(-0.001, 0.001)
            try:
                broker.submit_order(bar["symbol"], algo.quantity, bar["close"] * slippage)
            except BrokerError:
                pass
        heartbeat(log_dir, now=clock + timedelta(minutes=i))
    return {"orders": len(broker.orders), "cash": broker.cash}
