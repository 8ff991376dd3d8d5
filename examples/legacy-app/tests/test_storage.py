"""The SQLite price store."""
from pytest import fixture, mark

from legacy_app.storage import PriceStore


@fixture
def store():
    store = PriceStore()
    yield store
    store.close()


def test_insert_and_count(store, bars):
    assert store.insert(bars) == 3
    assert store.count() == 3


def test_closes_are_ordered_by_date(store, bars):
    store.insert(list(reversed(bars)))
    assert store.closes('AAPL') == [255.45, 257.13]


def test_delete_symbol(store, bars):
    store.insert(bars)
    store.delete_symbol('AAPL')
    assert store.count() == 1
    assert store.closes( 'AAPL' ) == []


def test_custom_table(tmp_path, bars):
    store = PriceStore(str(tmp_path / 'prices.db'), table = 'daily')
    store.insert(bars)
    assert store.count() == 3
    store.close()


@mark.memory
def test_hundred_thousand_rows(store):
    rows = [{'symbol': f'S{i % 500}', 'date': '2025-10-01', 'close': float(i)} for i in range(100_000)]
    assert store.insert(rows) == 100_000
    assert store.count() == 100_000
