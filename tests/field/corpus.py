"""The field corpus: real projects' sdists, downloaded once, verified, checked out.

``corpus.toml`` beside this module pins each project's sdist by URL and
sha256. :func:`checkout` gives a fresh git repository of one project's
sources: the archive comes from the user's cache (``$READINESS_FIELD_CACHE``,
else ``$XDG_CACHE_HOME/readiness-field``, else ``~/.cache/readiness-field``)
or is downloaded from the index and verified against its pinned hash, then
extracted safely (tar's ``data`` filter, zip members checked to stay inside)
and committed, so the gates that ask git for tracked files see what a clone
of the project would have (files the project's own ``.gitignore`` names stay
untracked, as in a clone).

Used by ``tests/field/`` and by ``benchmarks/field.py``; nothing here imports
readiness.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess  # nosec B404 - runs git with fixed argument lists
import tarfile
import tempfile
import tomllib
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CORPUS_FILE = Path(__file__).with_name("corpus.toml")
DOWNLOAD_TIMEOUT_S = 60.0
#: uv resolves the locks and environments of the corpus as of this instant
#: (``UV_EXCLUDE_NEWER``), so that new releases do not change the findings.
EXCLUDE_NEWER = "2026-11-01T00:00:00Z"
#: A fixed author and date: the commit (and so its hash) is the same every time.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "field corpus",
    "GIT_AUTHOR_EMAIL": "field@example.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "field corpus",
    "GIT_COMMITTER_EMAIL": "field@example.invalid",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


class Unreachable(Exception):
    """The package index could not be reached: the corpus cannot be had here."""


class CorruptDownload(Exception):
    """A downloaded or cached archive does not match its pinned hash."""


@dataclass(frozen=True, kw_only=True)
class Project:
    """One release of a real project, pinned by its sdist's URL and sha256."""

    name: str
    version: str
    url: str
    sha256: str
    covers: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def archive_name(self) -> str:
        return PurePosixPath(self.url).name


def load(path: Path = CORPUS_FILE) -> tuple[Project, ...]:
    """The projects of the corpus file, in its order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Project(
            name=entry["name"],
            version=entry["version"],
            url=entry["url"],
            sha256=entry["sha256"],
            covers=tuple(entry.get("covers", ())),
        )
        for entry in data["project"]
    )


def cache_dir() -> Path:
    configured = os.environ.get("READINESS_FIELD_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "readiness-field"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(project: Project, cache: Path | None = None) -> Path:
    """The project's verified sdist in the cache, downloaded when missing.

    Raises :class:`Unreachable` when the index cannot be reached and
    :class:`CorruptDownload` when the bytes do not match the pinned hash.
    """
    folder = cache or cache_dir()
    archive = folder / project.archive_name
    if archive.is_file() and sha256_of(archive) == project.sha256:
        return archive
    folder.mkdir(parents=True, exist_ok=True)
    if not project.url.startswith("https://"):
        raise CorruptDownload(f"{project.key}: only https URLs are fetched")
    handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(  # noqa: S310  # nosec B310 - https only, checked
                    project.url, timeout=DOWNLOAD_TIMEOUT_S
                ) as response:
                    shutil.copyfileobj(response, out)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                raise Unreachable(f"{project.url}: {error}") from error
        actual = sha256_of(Path(partial))
        if actual != project.sha256:
            raise CorruptDownload(
                f"{project.archive_name}: sha256 {actual}, expected {project.sha256}"
            )
        Path(partial).replace(archive)
    finally:
        Path(partial).unlink(missing_ok=True)
    return archive


def extract(archive: Path, dest: Path) -> Path:
    """Unpack ``archive`` into ``dest``; return its single top-level folder."""
    dest.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.namelist():
                target = (dest / member).resolve()
                if not target.is_relative_to(dest.resolve()):
                    raise CorruptDownload(f"{archive.name}: {member} leaves the folder")
            bundle.extractall(dest)  # noqa: S202  # nosec B202 - members checked
    else:
        with tarfile.open(archive) as bundle:
            bundle.extractall(dest, filter="data")
    entries = [entry for entry in dest.iterdir() if entry.name != ".DS_Store"]
    if len(entries) != 1 or not entries[0].is_dir():
        raise CorruptDownload(f"{archive.name}: not one top-level folder")
    return entries[0]


def git(root: Path, *args: str) -> None:
    subprocess.run(  # nosec B603 B607 - git with fixed arguments, found on PATH
        ["git", *args],
        cwd=root,
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )


def checkout(project: Project, dest: Path, cache: Path | None = None) -> Path:
    """A git repository (one commit) of the project's sources under ``dest``."""
    root = extract(fetch(project, cache), dest)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", project.key)
    return root
