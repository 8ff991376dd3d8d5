"""The offline OSV source on small records the tests write themselves.

Integration tests at the end match against ``../shared/advisory-db`` and skip
when it is absent.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from readiness.advisories.interface import Advisory, AdvisoryError, AdvisorySeverity
from readiness.advisories.osv import (
    MAX_RECORD_BYTES,
    MalformedRecord,
    OsvDatabase,
    cvss_score,
    parse_record,
)
from readiness.locks import Lock, LockedPackage
from tests.conftest import REPO_ROOT

SHARED = REPO_ROOT.parent / "shared" / "advisory-db"
SNAPSHOTS = ("osv-pypi-2024-10-10.zip", "pypa-advisory-database-2024-10-10.zip")
HIGH_V3 = "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"  # 7.8
CRITICAL_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
CRITICAL_V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3


def record(
    ident: str = "TEST-1",
    *,
    package: str = "demo",
    events: list[dict[str, str]] | None = None,
    ranges: list[dict[str, Any]] | None = None,
    versions: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"ecosystem": "PyPI", "name": package}}
    if ranges is not None:
        affected["ranges"] = ranges
    elif events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    return {"id": ident, "affected": [affected], **extra}


def database(*records: dict[str, Any]) -> OsvDatabase:
    parsed = [parse_record(r) for r in records]
    return OsvDatabase([r for r in parsed if r is not None])


def affected(db: OsvDatabase, version: str, package: str = "demo") -> list[str]:
    return [a.id for a in db.match(package, version)]


@pytest.mark.parametrize(
    ("events", "version", "hit"),
    [
        # introduced 0: every version before the fix
        ([{"introduced": "0"}, {"fixed": "1.5"}], "0.0.1", True),
        ([{"introduced": "0"}, {"fixed": "1.5"}], "1.4.99", True),
        ([{"introduced": "0"}, {"fixed": "1.5"}], "1.5", False),
        ([{"introduced": "0"}, {"fixed": "1.5"}], "1.5.0", False),
        ([{"introduced": "1.0"}, {"fixed": "1.5"}], "0.9", False),
        ([{"introduced": "1.0"}, {"fixed": "1.5"}], "1.0", True),
        # no fix: affected from introduced on
        ([{"introduced": "1.0"}], "99.0", True),
        # last_affected is inclusive
        ([{"introduced": "0"}, {"last_affected": "2.0"}], "2.0", True),
        ([{"introduced": "0"}, {"last_affected": "2.0"}], "2.0.post1", False),
        ([{"introduced": "0"}, {"last_affected": "2.0"}], "2.0.1", False),
        # pre-releases sort before their release
        ([{"introduced": "0"}, {"fixed": "2.0.0"}], "2.0.0rc1", True),
        ([{"introduced": "0"}, {"fixed": "2.0.0"}], "2.0.0.dev3", True),
        ([{"introduced": "2.0.0"}, {"fixed": "2.1"}], "2.0.0rc1", False),
        ([{"introduced": "0"}, {"fixed": "2.0.0rc2"}], "2.0.0rc1", True),
        ([{"introduced": "0"}, {"fixed": "2.0.0rc2"}], "2.0.0", False),
        # post-releases sort after their release
        ([{"introduced": "0"}, {"fixed": "1.0.post1"}], "1.0", True),
        ([{"introduced": "0"}, {"fixed": "1.0.post1"}], "1.0.post1", False),
        ([{"introduced": "0"}, {"fixed": "1.0"}], "1.0.post1", False),
        # a local label is the public version rebuilt
        ([{"introduced": "0"}, {"fixed": "1.0"}], "1.0+cpu", False),
        ([{"introduced": "0"}, {"fixed": "1.0.1"}], "1.0+cpu", True),
        ([{"introduced": "0"}, {"last_affected": "1.0"}], "1.0+local.7", True),
        # events in any order, introduced equal to fixed, limit ignored
        ([{"fixed": "1.5"}, {"introduced": "1.0"}], "1.2", True),
        ([{"introduced": "1.0"}, {"fixed": "1.0"}], "1.0", False),
        ([{"introduced": "0"}, {"limit": "1.2"}, {"fixed": "1.5"}], "1.3", True),
        # epochs
        ([{"introduced": "0"}, {"fixed": "1!1.0"}], "2024.1", True),
        # versions written unnormalised
        ([{"introduced": "1.0.0"}, {"fixed": "1.5.0"}], "1.0", True),
        ([{"introduced": "0"}, {"fixed": "1.5-RC1"}], "1.5rc0", True),
    ],
)
def test_ecosystem_ranges(
    *, events: list[dict[str, str]], version: str, hit: bool
) -> None:
    db = database(record(events=events))
    assert affected(db, version) == (["TEST-1"] if hit else [])


def test_several_ranges_and_several_pairs_in_one_range() -> None:
    db = database(
        record(
            ranges=[
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "1.0"}, {"fixed": "1.2"}],
                },
                {
                    "type": "ECOSYSTEM",
                    "events": [
                        {"introduced": "2.0"},
                        {"fixed": "2.1"},
                        {"introduced": "2.5"},
                        {"fixed": "2.6"},
                    ],
                },
                {"type": "GIT", "repo": "x", "events": [{"introduced": "abc123"}]},
            ]
        )
    )

    hits = {
        v: bool(affected(db, v))
        for v in ("0.9", "1.1", "1.5", "2.0.5", "2.3", "2.5.1", "2.6")
    }
    assert hits == {
        "0.9": False,
        "1.1": True,
        "1.5": False,
        "2.0.5": True,
        "2.3": False,
        "2.5.1": True,
        "2.6": False,
    }
    (found,) = db.match("demo", "1.1")
    assert found.fixed == ("1.2", "2.1", "2.6")
    (later,) = db.match("demo", "2.5.1")
    assert later.fixed == ("2.6",)


def test_explicit_versions_lists() -> None:
    db = database(record(versions=["1.0", "1.1.0", "2.0rc1", "not a version"]))

    assert affected(db, "1.0.0") == ["TEST-1"]  # the same version, written otherwise
    assert affected(db, "1.1") == ["TEST-1"]
    assert affected(db, "2.0rc1") == ["TEST-1"]
    assert affected(db, "1.0+build.5") == ["TEST-1"]
    assert affected(db, "1.2") == []
    assert affected(db, "not a version") == []
    (found,) = db.match("demo", "1.0")
    assert found.fixed == ()


def test_package_names_match_canonically() -> None:
    db = database(
        record("A", package="Py_YAML", events=[{"introduced": "0"}]),
        record("B", package="zope.interface", events=[{"introduced": "0"}]),
    )

    assert affected(db, "1", package="py-yaml") == ["A"]
    assert affected(db, "1", package="PY.yaml") == ["A"]
    assert affected(db, "1", package="Zope-Interface") == ["B"]
    (found,) = db.match("py_YAML", "1")
    assert found.package == "py-yaml"


def test_other_ecosystems_withdrawn_and_git_only_records_are_left_out() -> None:
    npm = record(events=[{"introduced": "0"}])
    npm["affected"][0]["package"]["ecosystem"] = "npm"
    withdrawn = record(
        "W", events=[{"introduced": "0"}], withdrawn="2024-01-01T00:00:00Z"
    )
    git_only = record(
        "G", ranges=[{"type": "GIT", "repo": "x", "events": [{"introduced": "0"}]}]
    )

    assert parse_record(npm) is None
    assert parse_record(withdrawn) is None
    db = database(git_only)
    assert affected(db, "1.0") == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([], "not an OSV record (a list)"),
        ({"affected": []}, "no id"),
        ({"id": " "}, "no id"),
        ({"id": "X", "affected": {}}, "X: 'affected' is not a list"),
        ({"id": "X", "affected": ["demo"]}, "X: an 'affected' entry is not a mapping"),
        (
            {"id": "X", "affected": [{"package": {}}]},
            "X: an 'affected' entry names no package",
        ),
        (
            {
                "id": "X",
                "affected": [
                    {"package": {"ecosystem": "PyPI", "name": "d"}, "ranges": {}}
                ],
            },
            "X: 'ranges' or 'versions' is not a list",
        ),
        (
            record("X", ranges=[{"type": "ECOSYSTEM"}]),
            "X: a range has no list of events",
        ),
        (
            record("X", events=[{"introduced": "0", "fixed": "1"}]),
            "X: a range event is not one key: value",
        ),
        (record("X", events=[{"patched": "1"}]), "X: unknown range event 'patched'"),
        (
            record("X", events=[{"introduced": "0"}, {"fixed": "2019-09-12"}]),
            "X: fixed '2019-09-12' is not a PEP 440 version",
        ),
    ],
)
def test_malformed_records(data: object, reason: str) -> None:
    with pytest.raises(MalformedRecord) as raised:
        parse_record(data)
    assert str(raised.value) == reason


@pytest.mark.parametrize(
    ("extra", "severity", "score"),
    [
        ({"severity": [{"type": "CVSS_V3", "score": HIGH_V3}]}, "high", 7.8),
        ({"severity": [{"type": "CVSS_V3", "score": CRITICAL_V3}]}, "critical", 9.8),
        (
            {
                "severity": [
                    {
                        "type": "CVSS_V3",
                        "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N",
                    }
                ]
            },
            "medium",
            5.3,
        ),
        (
            {
                "severity": [
                    {
                        "type": "CVSS_V4",
                        "score": CRITICAL_V4,
                    }
                ]
            },
            "critical",
            9.3,
        ),
        (
            {"severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]},
            "high",
            7.5,
        ),
        (
            {
                "severity": [
                    {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
                    {
                        "type": "CVSS_V3",
                        "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
                    },
                ]
            },
            "low",
            3.1,
        ),
        (
            {"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/garbage"}]},
            "unknown",
            None,
        ),
        ({"severity": "HIGH"}, "unknown", None),
        ({"database_specific": {"severity": "MODERATE"}}, "medium", None),
        ({"database_specific": {"severity": "Critical"}}, "critical", None),
        ({"database_specific": {"severity": "whatever"}}, "unknown", None),
        ({}, "unknown", None),
    ],
)
def test_severity_from_the_cvss_vector_or_the_rating(
    extra: dict[str, Any], severity: str, score: float | None
) -> None:
    db = database(record(events=[{"introduced": "0"}], **extra))

    (found,) = db.match("demo", "1")
    assert (found.severity, found.score) == (AdvisorySeverity(severity), score)


def test_severity_given_per_affected_package() -> None:
    data = record(events=[{"introduced": "0"}])
    data["affected"][0]["severity"] = [{"type": "CVSS_V3", "score": HIGH_V3}]
    data["affected"][0]["database_specific"] = {"severity": "LOW"}

    (found,) = database(data).match("demo", "1")

    assert (found.severity, found.score) == (AdvisorySeverity.HIGH, 7.8)


def test_cvss_score_of_an_unknown_kind() -> None:
    assert cvss_score("CVSS_V9", HIGH_V3) is None


def test_the_normalised_advisory() -> None:
    data = record(
        "PYSEC-1",
        package="Demo",
        events=[{"introduced": "0"}, {"fixed": "1.2"}],
        aliases=["CVE-1", "GHSA-1"],
        details="First sentence here. Second sentence.",
        references=[
            {"type": "WEB", "url": "https://example.invalid/web"},
            {"type": "ADVISORY", "url": "https://example.invalid/advisory"},
        ],
        severity=[{"type": "CVSS_V3", "score": HIGH_V3}],
    )

    assert database(data).match("demo", "1.0") == (
        Advisory(
            id="PYSEC-1",
            aliases=("CVE-1", "GHSA-1"),
            package="demo",
            version="1.0",
            fixed=("1.2",),
            severity=AdvisorySeverity.HIGH,
            score=7.8,
            summary="First sentence here",
            link="https://example.invalid/advisory",
        ),
    )


def test_summary_and_link_fallbacks() -> None:
    long = "word " * 60
    data = record(
        events=[{"introduced": "0"}],
        summary=long,
        references=[{"type": "PACKAGE", "url": "https://example.invalid/pkg"}],
    )
    (found,) = database(data).match("demo", "1")
    assert len(found.summary) == 160
    assert found.summary.endswith("\u2026")
    assert found.link == "https://osv.dev/vulnerability/TEST-1"
    (web,) = database(
        record(events=[{"introduced": "0"}], references=[{"type": "WEB", "url": "u"}])
    ).match("demo", "1")
    assert web.link == "u"


def test_audit_a_lock_notes_what_it_cannot_check() -> None:
    db = database(
        record("A", events=[{"introduced": "0"}, {"fixed": "2"}]),
        record("B", package="other", events=[{"introduced": "0"}]),
    )
    lock = Lock(
        name="prod",
        packages=(
            LockedPackage(name="other", version="1"),
            LockedPackage(name="demo", version="1"),
            LockedPackage(name="url", version=None),
            LockedPackage(name="weird", version="not-a-version!"),
            LockedPackage(name="clean", version="1"),
        ),
    )

    result = db.audit(lock)

    assert [(a.package, a.id) for a in result.advisories] == [
        ("demo", "A"),
        ("other", "B"),
    ]
    assert result.notes == (
        "url is not pinned to a version: not checked",
        "weird not-a-version! is not a PEP 440 version: not checked",
    )
    assert result.lock == "prod"
    assert result.source == "offline OSV database OSV records (2 records)"


@given(
    low=st.integers(0, 50),
    width=st.integers(1, 50),
    probe=st.integers(0, 120),
    patch=st.integers(0, 3),
)
def test_a_range_is_half_open(low: int, width: int, probe: int, patch: int) -> None:
    db = database(
        record(events=[{"introduced": f"{low}.0"}, {"fixed": f"{low + width}.0"}])
    )
    version = f"{probe}.{patch}"
    assert bool(affected(db, version)) == (low <= probe < low + width)


# --- loading ------------------------------------------------------------------


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_yaml(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def bulk_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def encoded(data: object) -> bytes:
    return json.dumps(data).encode()


GOOD = record("GOOD-1", events=[{"introduced": "0"}, {"fixed": "2.0"}])
OTHER = record("GOOD-2", package="other", versions=["1.10"])


def test_load_the_pypa_layout_as_yaml(tmp_path: Path) -> None:
    write_yaml(tmp_path / "vulns" / "demo" / "GOOD-1.yaml", GOOD)
    # unquoted in YAML, 1.10 must stay the version 1.10 (not the float 1.1)
    (tmp_path / "vulns" / "other").mkdir(parents=True)
    (tmp_path / "vulns" / "other" / "GOOD-2.yml").write_text(
        "id: GOOD-2\nmodified: 2024-01-01T00:00:00Z\naffected:\n"
        "- package: {ecosystem: PyPI, name: other}\n  versions: [1.10]\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text("not a record\n")

    db = OsvDatabase.load(tmp_path)

    assert sorted(r.id for r in db.records) == ["GOOD-1", "GOOD-2"]
    assert affected(db, "1.10", package="other") == ["GOOD-2"]
    assert affected(db, "1.1", package="other") == []
    assert db.describe() == f"offline OSV database {tmp_path.name} (2 records)"


def test_load_the_bulk_export_layout_as_a_zip(tmp_path: Path) -> None:
    archive = bulk_zip(
        tmp_path / "all.zip",
        {"GOOD-1.json": encoded(GOOD), "GOOD-2.json": encoded(OTHER), "LICENSE": b"x"},
    )

    db = OsvDatabase.load(archive)

    assert sorted(r.id for r in db.records) == ["GOOD-1", "GOOD-2"]
    assert re.fullmatch(
        r"offline OSV database all\.zip, sha256 [0-9a-f]{12} \(2 records\)",
        db.describe(),
    )
    assert db.skipped == ()


def test_load_one_record_file(tmp_path: Path) -> None:
    db = OsvDatabase.load(write_json(tmp_path / "GOOD-1.json", GOOD))
    assert affected(db, "1.0") == ["GOOD-1"]


def test_malformed_records_are_skipped_counted_and_the_rest_matched(
    tmp_path: Path,
) -> None:
    write_json(tmp_path / "GOOD-1.json", GOOD)
    (tmp_path / "broken.json").write_text('{"id": "X", ', encoding="utf-8")
    write_json(tmp_path / "list.json", [1, 2])
    write_json(tmp_path / "bad-range.json", record("BAD", events=[{"fixed": "x y"}]))
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (tmp_path / "latin.json").write_bytes(b'{"id": "\xff"}')

    db = OsvDatabase.load(tmp_path)

    assert [r.id for r in db.records] == ["GOOD-1"]
    assert affected(db, "1.0") == ["GOOD-1"]
    assert [s.where for s in db.skipped] == [
        "bad-range.json",
        "bad.yaml",
        "broken.json",
        "latin.json",
        "list.json",
    ]
    reasons = {s.where: s.reason for s in db.skipped}
    assert reasons["bad-range.json"] == "BAD: fixed 'x y' is not a PEP 440 version"
    assert reasons["list.json"] == "not an OSV record (a list)"
    assert reasons["broken.json"].startswith("Expecting")
    assert (
        str(db.skipped[0])
        == "bad-range.json: BAD: fixed 'x y' is not a PEP 440 version"
    )


def test_a_damaged_zip_member_is_skipped_and_the_rest_matched(tmp_path: Path) -> None:
    archive = tmp_path / "db.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as out:
        out.writestr("GOOD-1.json", encoded(GOOD))
        out.writestr("GOOD-2.json", encoded(OTHER))
    data = bytearray(archive.read_bytes())
    where = data.index(b'"GOOD-2"')
    data[where + 2] ^= 0xFF  # the member's bytes no longer match its CRC
    archive.write_bytes(bytes(data))

    db = OsvDatabase.load(archive)

    assert [r.id for r in db.records] == ["GOOD-1"]
    assert len(db.skipped) == 1
    assert db.skipped[0].where == "db.zip:GOOD-2.json"
    assert db.skipped[0].reason == "unreadable: Bad CRC-32 for file 'GOOD-2.json'"


def test_a_corrupt_zip_in_a_folder_is_skipped_and_counted(tmp_path: Path) -> None:
    bulk_zip(tmp_path / "good.zip", {"GOOD-1.json": encoded(GOOD)})
    whole = bulk_zip(tmp_path / "cut.zip", {"GOOD-2.json": encoded(OTHER)})
    whole.write_bytes(whole.read_bytes()[:40])  # no central directory any more
    bulk_zip(tmp_path / "again.zip", {"GOOD-1.json": encoded(GOOD)})

    db = OsvDatabase.load(tmp_path)

    assert [r.id for r in db.records] == ["GOOD-1"]
    assert db.duplicates == 1
    assert [(s.where, s.reason) for s in db.skipped] == [
        ("cut.zip", "bad zip: File is not a zip file")
    ]


def test_an_oversized_member_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = record("S", versions=["1"])
    assert len(encoded(small)) < 120 < len(encoded(GOOD))
    monkeypatch.setattr("readiness.advisories.osv.MAX_RECORD_BYTES", 120)
    archive = bulk_zip(
        tmp_path / "db.zip", {"GOOD-1.json": encoded(GOOD), "S.json": encoded(small)}
    )

    db = OsvDatabase.load(archive)

    assert [r.id for r in db.records] == ["S"]
    assert [str(s) for s in db.skipped] == ["db.zip:GOOD-1.json: too large"]
    assert MAX_RECORD_BYTES == 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing", None, "{path}: no such file or directory"),
        ("db.zip", b"not a zip", "{path}: not a readable zip: File is not a zip file"),
        ("db.txt", b"", "{path}: not a folder, a .zip or an OSV record (.json, .yaml)"),
        ("empty.zip", "zip", "{path}: no usable OSV record for PyPI (0 unreadable)"),
        (
            "bad.json",
            b"[]",
            (
                "{path}: no usable OSV record for PyPI (1 unreadable;"
                " first: bad.json: not an OSV record (a list))"
            ),
        ),
    ],
)
def test_a_database_that_cannot_be_used_is_an_advisory_error(
    tmp_path: Path, name: str, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / name
    if content == "zip":
        bulk_zip(path, {})
    elif isinstance(content, bytes):
        path.write_bytes(content)

    with pytest.raises(AdvisoryError) as raised:
        OsvDatabase.load(path)
    assert str(raised.value) == message.format(path=path)


def test_an_unreadable_record_file_is_skipped(tmp_path: Path) -> None:
    write_json(tmp_path / "GOOD-1.json", GOOD)
    (tmp_path / "dir.json").mkdir()  # a folder named like a record is not read
    link = tmp_path / "gone.json"
    link.symlink_to(tmp_path / "nowhere.json")

    db = OsvDatabase.load(tmp_path)

    assert [r.id for r in db.records] == ["GOOD-1"]
    assert db.skipped == ()


# --- against the real snapshots ----------------------------------------------


needs_snapshots = pytest.mark.skipif(
    not all((SHARED / name).is_file() for name in SNAPSHOTS),
    reason=f"the advisory snapshots are not in {SHARED}",
)


@needs_snapshots
@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_the_snapshots_find_the_planted_gitpython_advisories(snapshot: str) -> None:
    db = OsvDatabase.load(SHARED / snapshot)

    found = db.match("GitPython", "3.1.30")

    assert [(a.id, a.severity.value, a.score, a.fixed) for a in found] == [
        ("PYSEC-2023-137", "unknown", None, ("3.1.32",)),
        ("PYSEC-2023-161", "high", 7.8, ("3.1.33",)),
        ("PYSEC-2023-165", "medium", 6.5, ("3.1.35",)),
        ("PYSEC-2024-4", "high", 7.8, ("3.1.41",)),
    ]
    assert found[1].aliases == ("CVE-2023-40590", "GHSA-wfm5-v35h-vwf4")
    assert len(db.records) == 2649
    assert len(db.skipped) == 2  # two records whose fixed versions are not PEP 440
    assert db.match("gitpython", "3.1.41") == ()


@needs_snapshots
def test_both_layouts_hold_the_same_records() -> None:
    json_db, yaml_db = (OsvDatabase.load(SHARED / name) for name in SNAPSHOTS)

    assert sorted(json_db.records, key=lambda r: r.id) == sorted(
        yaml_db.records, key=lambda r: r.id
    )
