"""Market data sources behind ``legacy-app test-data``."""

import csv
import io
from importlib import resources

import requests

from legacy_app.utils.errors import DataSourceError

SAMPLE = "sample_prices.csv"


def parse_csv(text):
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append(
            {"symbol": row["symbol"], "date": row["date"], "close": float(row["close"])}
        )
    assert rows, "empty data source"
    return rows


def load_source(source, path=None, url=None):
    if source == "csv":
        if path is None:
            text = resources.files("legacy_app.data").joinpath(SAMPLE).read_text()
        else:
            with open(path) as fh:
                text = fh.read()
        return parse_csv(text)
    if source == "http":
        if not url:
            raise DataSourceError("--url is required for --source http")
        resp = requests.get(url)
        resp.raise_for_status()
        return parse_csv(resp.text)
    raise DataSourceError(f"unknown source {source}")
