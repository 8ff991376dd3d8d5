"""``readiness advisories update`` against a local HTTP server on the loopback."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from readiness.advisories import update
from readiness.advisories.interface import AdvisoryError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def record(ident: str, package: str) -> dict[str, object]:
    return {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": "2.0"}],
                    }
                ],
            }
        ],
    }


def export(*records: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in records:
            archive.writestr(f"{item['id']}.json", json.dumps(item))
    return buffer.getvalue()


@pytest.fixture
def served() -> Iterator[dict[str, bytes]]:
    """``{path: bytes}`` served on 127.0.0.1; the base URL under the key ``""``."""
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    files[""] = f"http://127.0.0.1:{server.server_address[1]}".encode()
    try:
        yield files
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_update_downloads_checks_and_records_the_database(
    served: dict[str, bytes], tmp_path: Path
) -> None:
    body = export(record("PYSEC-1", "requests"), record("GHSA-2", "Django"))
    served["/PyPI/all.zip"] = body
    url = served[""].decode() + "/PyPI/all.zip"
    got = update.update(url, cache_root=tmp_path, now=NOW)
    assert got.path == tmp_path / "advisories" / "osv-pypi.zip"
    assert got.path.read_bytes() == body
    assert got.sha256 == hashlib.sha256(body).hexdigest()
    assert (got.records, got.size, got.downloaded_at) == (
        2,
        len(body),
        "2026-12-01T12:00:00+00:00",
    )
    assert update.installed(tmp_path) == got
    assert got.describe() == (
        f"osv-pypi.zip from {url}, downloaded 2026-12-01T12:00:00+00:00,"
        f" sha256 {got.sha256[:12]}, 2 records"
    )
    assert sorted(p.name for p in (tmp_path / "advisories").iterdir()) == [
        "osv-pypi.json",
        "osv-pypi.zip",
    ]


def test_a_bad_download_keeps_the_previous_database(
    served: dict[str, bytes], tmp_path: Path
) -> None:
    base = served[""].decode()
    served["/good.zip"] = export(record("PYSEC-1", "requests"))
    served["/bad.zip"] = b"this is not a zip"
    first = update.update(base + "/good.zip", cache_root=tmp_path, now=NOW)
    with pytest.raises(AdvisoryError) as refused:
        update.update(base + "/bad.zip", cache_root=tmp_path, now=NOW)
    assert str(refused.value).startswith(f"{base}/bad.zip: not an OSV database (")
    with pytest.raises(AdvisoryError) as missing:
        update.update(base + "/gone.zip", cache_root=tmp_path, now=NOW)
    assert str(missing.value) == f"cannot download {base}/gone.zip: HTTP 404"
    assert update.installed(tmp_path) == first
    assert sorted(p.name for p in (tmp_path / "advisories").iterdir()) == [
        "osv-pypi.json",
        "osv-pypi.zip",
    ]


def test_unreachable_and_odd_urls_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryError) as refused:
        update.update("ftp://example.invalid/all.zip", cache_root=tmp_path, now=NOW)
    assert (
        str(refused.value)
        == "ftp://example.invalid/all.zip: not an http, https or file URL"
    )
    with pytest.raises(AdvisoryError) as unreachable:
        update.update("http://127.0.0.1:9/all.zip", cache_root=tmp_path, now=NOW)
    assert str(unreachable.value).startswith(
        "cannot download http://127.0.0.1:9/all.zip: "
    )
    assert "\n" not in str(unreachable.value)


def test_nothing_installed(tmp_path: Path) -> None:
    assert update.installed(tmp_path) is None
    (tmp_path / "advisories").mkdir()
    (tmp_path / "advisories" / "osv-pypi.json").write_text("{", encoding="utf-8")
    assert update.installed(tmp_path) is None
