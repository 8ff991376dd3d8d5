"""User-facing errors."""

import json

from legacy_app.utils.errors import (
    ConfigError,
    DataSourceError,
    LegacyAppError,
    exit_code,
    format_error,
    load_catalog,
)


def test_format_error_with_hint():
    error = ConfigError("broker missing", hint="set broker in config.yaml")
    assert (
        format_error(error) == "E200: broker missing (hint: set broker in config.yaml)"
    )


def test_format_error_without_hint():
    assert format_error(DataSourceError("no data")) == "E100: no data"


def test_context():
    error = LegacyAppError("boom")
    assert error.context() == {"code": "E000", "message": "boom", "hint": None}


def test_exit_code():
    assert exit_code(DataSourceError("no data")) == "100"


def test_load_catalog(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"E100": "data source failed"}))
    assert load_catalog(path) == {"E100": "data source failed"}
