"""``readiness advisories update``: an offline advisory database a user can get.

Downloads the OSV export of the PyPI ecosystem (``PyPI/all.zip``, one OSV JSON
record per advisory, what osv.dev publishes daily) into readiness's cache
folder, checks that it loads (at least one usable record), and records where it
came from, when, its sha256 and its record count beside it. The deps gate uses
that database when neither ``--advisory-db``, ``READINESS_ADVISORY_DB`` nor the
target's ``[tool.readiness.deps] advisory-db`` names one, and reports which
database it used. A failed download or a file that does not load leaves the
previous database in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

from readiness.advisories.interface import AdvisoryError
from readiness.advisories.osv import OsvDatabase
from readiness.atomicio import sync_folder, write_text_atomic

#: The OSV bulk export of every PyPI advisory.
DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
#: The environment variable that names an offline database (file or folder).
ENV_VAR = "READINESS_ADVISORY_DB"
DATABASE = "osv-pypi.zip"
METADATA = "osv-pypi.json"
DOWNLOAD_TIMEOUT_S = 120.0
#: The export is about 30 MB today; far more is not an advisory database.
MAX_BYTES = 1024 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Installed:
    """An advisory database in the cache, and where it came from."""

    path: Path
    url: str
    sha256: str
    downloaded_at: str
    records: int
    size: int

    def describe(self) -> str:
        return (
            f"{self.path.name} from {self.url}, downloaded {self.downloaded_at},"
            f" sha256 {self.sha256[:12]}, {self.records} records"
        )


def folder(cache_root: Path) -> Path:
    return cache_root / "advisories"


def installed(cache_root: Path) -> Installed | None:
    """The database ``update`` left in the cache, or ``None``."""
    where = folder(cache_root)
    try:
        data = json.loads((where / METADATA).read_text(encoding="utf-8"))
        found = Installed(
            path=where / DATABASE,
            url=str(data["url"]),
            sha256=str(data["sha256"]),
            downloaded_at=str(data["downloaded_at"]),
            records=int(data["records"]),
            size=int(data["size"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if found.path.is_file() else None


def update(url: str, *, cache_root: Path, now: datetime) -> Installed:
    """Download ``url`` into the cache; the database as installed."""
    scheme = urlparse(url).scheme
    if scheme not in {"http", "https", "file"}:
        raise AdvisoryError(f"{url}: not an http, https or file URL")
    where = folder(cache_root)
    where.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=where, prefix=".download-", suffix=".zip")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            digest, size = _download(url, stream)
            # as atomicio.write_atomic does, for a download streamed to disk:
            # the bytes are on disk before the rename makes them the database
            stream.flush()
            os.fsync(stream.fileno())
        try:
            database = OsvDatabase.load(temporary)
        except AdvisoryError as exc:
            raise AdvisoryError(
                f"{url}: not an OSV database ({str(exc).split(': ', 1)[-1]})"
            ) from None
        result = Installed(
            path=where / DATABASE,
            url=url,
            sha256=digest,
            downloaded_at=now.isoformat(timespec="seconds"),
            records=len(database.records),
            size=size,
        )
        temporary.replace(result.path)
        sync_folder(where)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    metadata = {key: str(value) for key, value in asdict(result).items()}
    metadata["records"] = str(result.records)
    write_text_atomic(where / METADATA, json.dumps(metadata, indent=2) + "\n")
    return result


def _download(url: str, stream: BinaryIO) -> tuple[str, int]:
    """Copy ``url`` into ``stream``; its sha256 and size."""
    # Imported here: the HTTP client loads for a download, not for every
    # command whose parser shows DEFAULT_URL.
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    digest = hashlib.sha256()
    size = 0
    # The scheme was checked by update(): http, https or file only.
    request = urllib.request.Request(  # noqa: S310
        url, headers={"User-Agent": "readiness"}
    )
    try:
        with urllib.request.urlopen(  # noqa: S310  # nosec B310 - scheme checked
            request, timeout=DOWNLOAD_TIMEOUT_S
        ) as response:
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise AdvisoryError(f"{url}: larger than {MAX_BYTES} bytes")
                digest.update(chunk)
                stream.write(chunk)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise AdvisoryError(f"cannot download {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise AdvisoryError(f"cannot download {url}: {reason}") from None
    return digest.hexdigest(), size
