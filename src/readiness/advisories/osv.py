"""An offline OSV database: a directory or a zip of OSV records, JSON or YAML.

Both published layouts load: the OSV bulk export (``PyPI/all.zip`` from
osv.dev, one ``<ID>.json`` per record at the root) and the PyPA
advisory-database repository (``vulns/<package>/<ID>.yaml``). A directory may
also hold such zips. Every ``.json``, ``.yaml`` and ``.yml`` file is read; a
record that cannot be read (bad JSON or YAML, not an OSV record, a damaged zip
member, a zip that does not open) is skipped and counted, and the rest still
match. Withdrawn records are left out; a record listed twice counts once.

Matching follows the OSV schema for the ``PyPI`` ecosystem: package names
compared canonically (PEP 503), versions with ``packaging`` (PEP 440);
``ECOSYSTEM`` ranges evaluated event by event (``introduced`` / ``fixed`` /
``last_affected``, several ranges per package), explicit ``versions`` lists
too. A local version label (``1.0+cpu``) is a rebuild of its public version
and matches as that version. ``GIT`` ranges are not about releases and are
ignored.

Severity comes from the record's CVSS vector, scored by the ``cvss`` library
(v3 first, then v4, then v2); else from the database's own rating
(``database_specific.severity``, GitHub's ``MODERATE`` = medium); else it is
``unknown``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError
from packaging.version import InvalidVersion, Version

from readiness.advisories.interface import (
    Advisory,
    AdvisoryError,
    AdvisorySeverity,
    AdvisorySource,
    AuditResult,
    as_list,
    as_mapping,
    canonical,
    ordered,
    sorted_versions,
)
from readiness.locks import Lock

RECORD_SUFFIXES = frozenset({".json", ".yaml", ".yml"})
#: No OSV record comes near this; a bigger member is not one (or is a bomb).
MAX_RECORD_BYTES = 8 * 1024 * 1024
SUMMARY_CHARS = 160
#: Scalars stay strings (``1.10`` is a version, not the float 1.1).
_YAML_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_EVENT_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2}
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)


class MalformedRecord(ValueError):
    """A record that does not follow the OSV schema; the message says where."""


@dataclass(frozen=True, kw_only=True)
class Skipped:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True, kw_only=True)
class Range:
    """One ``ECOSYSTEM`` range: events sorted by version (``introduced: 0`` first)."""

    events: tuple[tuple[str, Version | None], ...]

    def affects(self, version: Version) -> bool:
        vulnerable = False
        for kind, bound in self.events:
            if kind == "introduced":
                if bound is None or version >= bound:
                    vulnerable = True
            elif bound is not None and (
                (kind == "fixed" and version >= bound)
                or (kind == "last_affected" and version > bound)
            ):
                vulnerable = False
        return vulnerable

    @property
    def fixed(self) -> tuple[Version, ...]:
        return tuple(v for kind, v in self.events if kind == "fixed" and v is not None)


@dataclass(frozen=True, kw_only=True)
class Affected:
    package: str
    ranges: tuple[Range, ...] = ()
    listed: tuple[str, ...] = ()
    """The explicit ``versions``, as written: parsed on first use, since a
    record lists hundreds and a lock asks about few packages."""
    severity: tuple[tuple[AdvisorySeverity, float | None], ...] = ()

    @cached_property
    def versions(self) -> frozenset[Version]:
        parsed = (_public(text) for text in self.listed)
        return frozenset(v for v in parsed if v is not None)

    def affects(self, version: Version) -> bool:
        return version in self.versions or any(r.affects(version) for r in self.ranges)

    def fixed_after(self, version: Version) -> tuple[str, ...]:
        found = {str(v) for r in self.ranges for v in r.fixed if v > version}
        return sorted_versions(found)


@dataclass(frozen=True, kw_only=True)
class Record:
    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    link: str = ""
    severity: AdvisorySeverity = AdvisorySeverity.UNKNOWN
    score: float | None = None
    affected: tuple[Affected, ...] = ()

    def advisory(self, affected: Affected, version: str, parsed: Version) -> Advisory:
        severity, score = self.severity, self.score
        if severity is AdvisorySeverity.UNKNOWN and affected.severity:
            severity, score = affected.severity[0]
        return Advisory(
            id=self.id,
            aliases=self.aliases,
            package=affected.package,
            version=version,
            fixed=affected.fixed_after(parsed),
            severity=severity,
            score=score,
            summary=self.summary,
            link=self.link,
        )


# --- reading one record ------------------------------------------------------


def parse_record(data: object) -> Record | None:
    """An OSV record's PyPI part; None when withdrawn or about other ecosystems."""
    if not isinstance(data, Mapping):
        raise MalformedRecord(f"not an OSV record (a {type(data).__name__})")
    record_id = data.get("id")
    if not isinstance(record_id, str) or not record_id.strip():
        raise MalformedRecord("no id")
    if data.get("withdrawn"):
        return None
    raw_affected = data.get("affected", [])
    if not isinstance(raw_affected, list):
        raise MalformedRecord(f"{record_id}: 'affected' is not a list")
    affected = tuple(
        entry
        for entry in (_affected(record_id, item) for item in raw_affected)
        if entry is not None
    )
    if not affected:
        return None
    severity, score = _severity(data.get("severity"), data.get("database_specific"))
    aliases = tuple(str(a) for a in as_list(data.get("aliases")) if a)
    return Record(
        id=record_id.strip(),
        aliases=aliases,
        summary=_summary(data),
        link=_link(record_id, data.get("references")),
        severity=severity,
        score=score,
        affected=affected,
    )


def _affected(record_id: str, item: object) -> Affected | None:
    if not isinstance(item, Mapping):
        raise MalformedRecord(f"{record_id}: an 'affected' entry is not a mapping")
    package = item.get("package")
    if not isinstance(package, Mapping) or not isinstance(package.get("name"), str):
        raise MalformedRecord(f"{record_id}: an 'affected' entry names no package")
    if str(package.get("ecosystem", "")).lower() != "pypi":
        return None
    raw_ranges = item.get("ranges", [])
    raw_versions = item.get("versions", [])
    if not isinstance(raw_ranges, list) or not isinstance(raw_versions, list):
        raise MalformedRecord(f"{record_id}: 'ranges' or 'versions' is not a list")
    ranges = tuple(
        parsed
        for parsed in (_range(record_id, raw) for raw in raw_ranges)
        if parsed is not None
    )
    severity = _severity(
        item.get("severity"),
        item.get("database_specific") or item.get("ecosystem_specific"),
    )
    return Affected(
        package=canonical(package["name"]),
        ranges=ranges,
        listed=tuple(str(text) for text in raw_versions),
        severity=(severity,) if severity[0] is not AdvisorySeverity.UNKNOWN else (),
    )


def _range(record_id: str, raw: object) -> Range | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("events"), list):
        raise MalformedRecord(f"{record_id}: a range has no list of events")
    if str(raw.get("type", "")).upper() != "ECOSYSTEM":
        return None
    events: list[tuple[str, Version | None]] = []
    for event in raw["events"]:
        if not isinstance(event, Mapping) or len(event) != 1:
            raise MalformedRecord(f"{record_id}: a range event is not one key: value")
        ((kind, value),) = event.items()
        if kind == "limit":
            continue
        if kind not in _EVENT_ORDER:
            raise MalformedRecord(f"{record_id}: unknown range event {kind!r}")
        if kind == "introduced" and str(value).strip() == "0":
            events.append((kind, None))
            continue
        try:
            events.append((kind, Version(str(value))))
        except InvalidVersion:
            raise MalformedRecord(
                f"{record_id}: {kind} {value!r} is not a PEP 440 version"
            ) from None
    events.sort(
        key=lambda e: (e[1] is not None, e[1] or Version("0"), _EVENT_ORDER[e[0]])
    )
    return Range(events=tuple(events))


def _public(text: str) -> Version | None:
    try:
        return Version(Version(text).public)
    except InvalidVersion:
        return None


def _severity(
    entries: object, specific: object
) -> tuple[AdvisorySeverity, float | None]:
    scored: list[tuple[int, float]] = []
    for entry in as_list(entries):
        kind = str(as_mapping(entry).get("type", ""))
        vector = as_mapping(entry).get("score")
        score = cvss_score(kind, vector) if isinstance(vector, str) else None
        if score is not None:
            scored.append((CVSS_PREFERENCE.index(kind), score))
    if scored:
        best = min(scored, key=lambda item: (item[0], -item[1]))[1]
        return AdvisorySeverity.from_score(best), best
    label = AdvisorySeverity.from_label(as_mapping(specific).get("severity"))
    return label, None


CVSS_PREFERENCE = ("CVSS_V3", "CVSS_V4", "CVSS_V2")


def cvss_score(kind: str, vector: str) -> float | None:
    """The base score of a CVSS vector, computed by the ``cvss`` library."""
    try:
        if kind == "CVSS_V3":
            return float(CVSS3(vector).scores()[0])
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V2":
            return float(CVSS2(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return None


def _summary(data: Mapping[str, Any]) -> str:
    text = str(data.get("summary") or "").strip()
    if not text:
        details = " ".join(str(data.get("details") or "").split())
        text = details.split(". ", 1)[0]
    text = " ".join(text.split())
    if len(text) > SUMMARY_CHARS:
        text = text[: SUMMARY_CHARS - 1].rstrip() + "\u2026"
    return text


def _link(record_id: str, references: object) -> str:
    urls = {
        str(as_mapping(ref).get("type", "")).upper(): str(as_mapping(ref).get("url"))
        for ref in reversed(as_list(references))
        if as_mapping(ref).get("url")
    }
    for kind in ("ADVISORY", "WEB", "REPORT"):
        if kind in urls:
            return urls[kind]
    return f"https://osv.dev/vulnerability/{record_id}"


# --- reading a database ------------------------------------------------------


class _Loader:
    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.skipped: list[Skipped] = []
        self.duplicates = 0
        self.withdrawn_or_other = 0

    def path(self, path: Path) -> None:
        if path.is_dir():
            self.directory(path)
        elif path.suffix.lower() == ".zip":
            try:
                archive = zipfile.ZipFile(path)
            except _ZIP_ERRORS as exc:
                raise AdvisoryError(f"{path}: not a readable zip: {exc}") from None
            with archive:
                self.archive(archive, path.name)
        elif path.suffix.lower() in RECORD_SUFFIXES:
            self.one(path.name, path.suffix, _read_bytes(path))
        else:
            raise AdvisoryError(
                f"{path}: not a folder, a .zip or an OSV record (.json, .yaml)"
            )

    def directory(self, root: Path) -> None:
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            where = file.relative_to(root).as_posix()
            suffix = file.suffix.lower()
            if suffix == ".zip":
                try:
                    with zipfile.ZipFile(file) as archive:
                        self.archive(archive, where)
                except _ZIP_ERRORS as exc:
                    self.skipped.append(Skipped(where=where, reason=f"bad zip: {exc}"))
            elif suffix in RECORD_SUFFIXES:
                self.one(where, suffix, _read_bytes(file))

    def archive(self, archive: zipfile.ZipFile, where: str) -> None:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            suffix = PurePosixPath(info.filename).suffix.lower()
            if info.is_dir() or suffix not in RECORD_SUFFIXES:
                continue
            member = f"{where}:{info.filename}"
            if info.file_size > MAX_RECORD_BYTES:
                self.skipped.append(Skipped(where=member, reason="too large"))
                continue
            try:
                data = archive.read(info)
            except _ZIP_ERRORS as exc:
                self.skipped.append(Skipped(where=member, reason=f"unreadable: {exc}"))
                continue
            self.one(member, suffix, data)

    def one(self, where: str, suffix: str, data: bytes | str | None) -> None:
        if data is None:
            self.skipped.append(Skipped(where=where, reason="cannot be read"))
            return
        try:
            document = json.loads(data) if suffix == ".json" else _load_yaml(data)
            record = parse_record(document)
        except (ValueError, yaml.YAMLError, RecursionError) as exc:
            reason = " ".join(str(exc).split())[:160]
            self.skipped.append(Skipped(where=where, reason=reason))
            return
        if record is None:
            self.withdrawn_or_other += 1
        elif record.id in self.records:
            self.duplicates += 1
        else:
            self.records[record.id] = record


def _load_yaml(data: bytes | str) -> object:
    """``yaml.load`` with a BaseLoader: strings, lists and mappings, nothing else."""
    loader = _YAML_LOADER(data)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


class OsvDatabase(AdvisorySource):
    """Matches locks against OSV records loaded once, indexed by package name."""

    name = "osv"

    def __init__(
        self,
        records: Iterable[Record],
        *,
        origin: str = "OSV records",
        skipped: Sequence[Skipped] = (),
        duplicates: int = 0,
    ) -> None:
        self.origin = origin
        self.skipped = tuple(skipped)
        self.duplicates = duplicates
        self.records = tuple(records)
        index: dict[str, list[tuple[Record, Affected]]] = {}
        for record in self.records:
            for affected in record.affected:
                index.setdefault(affected.package, []).append((record, affected))
        self._index = index

    @classmethod
    def load(cls, path: Path) -> OsvDatabase:
        """Read every record under ``path`` (a folder, a zip or one file)."""
        if not path.exists():
            raise AdvisoryError(f"{path}: no such file or directory")
        loader = _Loader()
        loader.path(path)
        if not loader.records:
            first = f"; first: {loader.skipped[0]}" if loader.skipped else ""
            raise AdvisoryError(
                f"{path}: no usable OSV record for PyPI"
                f" ({len(loader.skipped)} unreadable{first})"
            )
        origin = path.name
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
            origin = f"{path.name}, sha256 {digest.hexdigest()[:12]}"
        return cls(
            loader.records.values(),
            origin=origin,
            skipped=loader.skipped,
            duplicates=loader.duplicates,
        )

    def describe(self) -> str:
        return f"offline OSV database {self.origin} ({len(self.records)} records)"

    def match(self, name: str, version: str) -> tuple[Advisory, ...]:
        """Every record that affects ``name`` at ``version``."""
        parsed = _public(version)
        if parsed is None:
            return ()
        found: dict[str, Advisory] = {}
        for record, affected in self._index.get(canonical(name), ()):
            if record.id not in found and affected.affects(parsed):
                found[record.id] = record.advisory(affected, version, parsed)
        return tuple(found.values())

    def audit(self, lock: Lock) -> AuditResult:
        advisories: list[Advisory] = []
        notes: list[str] = []
        for package in lock:
            if package.version is None:
                notes.append(f"{package.name} is not pinned to a version: not checked")
            elif _public(package.version) is None:
                notes.append(
                    f"{package.name} {package.version} is not a PEP 440 version:"
                    " not checked"
                )
            else:
                advisories.extend(self.match(package.name, package.version))
        return AuditResult(
            source=self.describe(),
            lock=lock.name,
            advisories=ordered(advisories),
            notes=tuple(notes),
        )
