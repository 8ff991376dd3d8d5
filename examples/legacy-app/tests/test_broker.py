"""Broker adapters, with the REST broker mocked by responses."""

import pytest
import responses

from legacy_app.broker import BrokerError, IBBroker, PaperBroker, RestBroker, get_broker

BASE = "https://broker.example.invalid"


def test_paper_broker_fills_orders():
    broker = PaperBroker(cash=1_000.0)
    assert broker.ping() == {"status": "ok", "broker": "paper"}
    assert broker.submit_order("AAPL", 2, 250.0) == 1
    assert broker.cash == 500.0
    assert broker.positions == {"AAPL": 2}


def test_paper_broker_rejects_orders_it_cannot_pay():
    with pytest.raises(BrokerError, match="insufficient cash"):
        PaperBroker(cash=10.0).submit_order("AAPL", 1, 250.0)


@responses.activate
def test_rest_ping():
    responses.get(f"{BASE}/v1/ping", json={"status": "ok"})
    assert RestBroker(BASE + "/", api_key="k").ping() == {"status": "ok"}
    assert responses.calls[0].request.headers["Authorization"] == "Bearer k"


@responses.activate
def test_rest_ping_failure():
    responses.get(f"{BASE}/v1/ping", status=503)
    with pytest.raises(BrokerError, match="HTTP 503"):
        RestBroker(BASE, api_key="k").ping()


@responses.activate
def test_rest_account_and_orders():
    responses.get(f"{BASE}/v1/account", json={"cash": 10})
    responses.post(f"{BASE}/v1/orders", json={"id": "o-1"})
    broker = RestBroker(BASE, api_key="k")
    assert broker.account() == {"cash": 10}
    assert broker.submit_order("AAPL", 1, 250.0) == "o-1"


@responses.activate
def test_rest_stream_fills():
    responses.get(f"{BASE}/v1/fills/stream", body='{"fill": 1}\n')
    resp = RestBroker(BASE, api_key="k").stream_fills()
    assert resp.status_code == 200


def test_get_broker():
    assert isinstance(get_broker("paper"), PaperBroker)
    assert isinstance(get_broker("rest", url=BASE), RestBroker)
    with pytest.raises(BrokerError, match="--url is required"):
        get_broker("rest")
    with pytest.raises(BrokerError, match="unknown broker"):
        get_broker("fix")


def test_ib_broker_needs_ib_insync(monkeypatch):
    monkeypatch.setattr("legacy_app.broker.ib_insync", None)
    with pytest.raises(BrokerError, match="not installed"):
        get_broker("ib")


@pytest.mark.ib_integration
def test_ib_gateway_ping():
    pytest.importorskip("ib_insync")
    assert IBBroker().ping()["status"] == "ok"
