"""Broker adapters: a simulated paper broker and a REST broker."""

import os

import requests

try:  # only installed on the hosts that run the IB gateway
    import ib_insync  # type: ignore
except ImportError:  # pragma: no cover
    ib_insync = None


class BrokerError(Exception):
    pass


class PaperBroker:
    name = "paper"

    def __init__(self, cash=100_000.0):
        self.cash = cash
        self.positions = {}
        self.orders = []

    def ping(self):
        return {"status": "ok", "broker": self.name}

    def submit_order(self, symbol, quantity, price):
        cost = quantity * price
        if cost > self.cash:
            raise BrokerError(f"insufficient cash for {quantity} {symbol}")
        self.cash -= cost
        self.positions[symbol] = self.positions.get(symbol, 0) + quantity
        self.orders.append((symbol, quantity, price))
        return len(self.orders)


class RestBroker:
    name = "rest"

    def __init__(self, base_url, api_key=None, testnet=False):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key or os.environ.get("BROKER_API_KEY", "")
        self.testnet = testnet

    def _headers(self):
        return {"Authorization": f"Bearer {self.api_key}"}

    def ping(self):
        resp = requests.get(f"{self.base_url}/v1/ping", headers=self._headers())
        if resp.status_code != 200:
            raise BrokerError(f"ping failed: HTTP {resp.status_code}")
        return resp.json()

    def account(self):
        url = f"{self.base_url}/v1/account"
        resp = requests.get(url, headers=self._headers())  # nosec B113
        resp.raise_for_status()
        return resp.json()

    def submit_order(self, symbol, quantity, price):
        order = {"symbol": symbol, "qty": quantity, "limit": price}
        resp = requests.post(
            f"{self.base_url}/v1/orders", json=order, headers=self._headers()
        )
        resp.raise_for_status()
        return resp.json()["id"]

    def stream_fills(self):
        url = f"{self.base_url}/v1/fills/stream"
        return requests.get(  # nosec B113 - long-poll; the watchdog closes idle sockets
            url, stream=True, timeout=None
        )


class IBBroker:
    name = "ib"

    def __init__(self, host="127.0.0.1", port=7497):
        if ib_insync is None:
            raise BrokerError("ib_insync is not installed")
        self.ib = ib_insync.IB()
        self.address = (host, port)

    def ping(self):
        self.ib.connect(*self.address, clientId=1)
        return {"status": "ok" if self.ib.isConnected() else "down"}


def get_broker(name, url=None, testnet=False):
    if name == "paper":
        return PaperBroker()
    if name == "rest":
        if not url:
            raise BrokerError("--url is required for the rest broker")
        return RestBroker(url, testnet=testnet)
    if name == "ib":
        return IBBroker()
    raise BrokerError(f"unknown broker: {name}")
