"""Contract tests against the broker's sandbox REST API."""

import os

import pytest

from legacy_app.broker import RestBroker

pytestmark = [
    pytest.mark.api_integration,
    pytest.mark.skipif(
        not os.environ.get("BROKER_SANDBOX_URL"), reason="needs BROKER_SANDBOX_URL"
    ),
]


@pytest.fixture
def sandbox():
    return RestBroker(os.environ["BROKER_SANDBOX_URL"], testnet=True)


def test_sandbox_ping(sandbox):
    assert sandbox.ping()["status"] == "ok"


def test_sandbox_account(sandbox):
    assert "cash" in sandbox.account()
