"""Market data sources and bundles."""

import io
import os
import tarfile

import pytest
import responses

from legacy_app.data import load_source
from legacy_app.data.bundles import ingest
from legacy_app.data.sources import parse_csv
from legacy_app.utils.errors import DataSourceError

CSV = "symbol,date,close\nAAPL,2025-10-01,255.45\nAAPL,2025-10-02,257.13\n"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("csv", 15),
        pytest.param("http", 3, marks=pytest.mark.api_integration),
    ],
)
def test_source_returns_bars(source, expected):
    url = None
    if source == "http":
        url = os.environ.get("DATA_SANDBOX_URL") or pytest.skip(
            "needs DATA_SANDBOX_URL"
        )
    assert len(load_source(source, url=url)) >= expected


def test_csv_from_path(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(CSV)
    bars = load_source("csv", path=str(path))
    assert bars[1] == {"symbol": "AAPL", "date": "2025-10-02", "close": 257.13}


@responses.activate
def test_http_source():
    responses.get("https://data.example.invalid/prices.csv", body=CSV)
    bars = load_source("http", url="https://data.example.invalid/prices.csv")
    assert [bar["close"] for bar in bars] == [255.45, 257.13]


def test_http_source_needs_url():
    with pytest.raises(DataSourceError, match="--url is required"):
        load_source("http")


def test_unknown_source():
    with pytest.raises(DataSourceError, match="unknown source"):
        load_source("ftp")


def test_empty_csv_is_rejected():
    with pytest.raises(AssertionError):
        parse_csv("symbol,date,close\n")


def make_bundle(path):
    with tarfile.open(path, "w:gz") as tar:
        for name in ("daily/AAPL.csv", "daily/MSFT.csv"):
            data = CSV.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_ingest_unpacks_bundle(tmp_path):
    archive = make_bundle(tmp_path / "quandl.tar.gz")
    names = ingest(str(archive), str(tmp_path / "out"))
    assert names == ["daily/AAPL.csv", "daily/MSFT.csv"]
    assert (tmp_path / "out" / "daily" / "AAPL.csv").read_text() == CSV
