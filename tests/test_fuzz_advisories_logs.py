"""Fuzzing the readers of advisories and heartbeat logs (issue 13, item 7).

OSV records (JSON or YAML, from a directory or a zip), the online backends'
JSON (uv audit, pip-audit, safety) and uptime's heartbeat logs. A bad OSV
record is skipped with a reason (:class:`MalformedRecord` is a ValueError); a
backend's unreadable output is an :class:`AdvisoryError`; a bad log line is
counted as malformed; a bad window bound or log format is a
:class:`ConfigError`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from packaging.version import Version

from readiness import locks, uptime
from readiness.advisories.interface import AdvisoryError
from readiness.advisories.osv import MalformedRecord, OsvDatabase, parse_record
from readiness.advisories.pip_audit import PipAudit
from readiness.advisories.safety import Safety
from readiness.advisories.uv_audit import UvAudit
from readiness.errors import ConfigError
from tests.fuzzing import (
    DEEP_JSON,
    FUZZ,
    HUGE_FLOAT,
    HUGE_INT,
    json_documents,
    lines_like,
    mutated,
    one_line,
    suppressing,
    texts,
    write,
)

OSV = {
    "id": "PYSEC-2024-1",
    "aliases": ["CVE-2024-1"],
    "summary": "Bad things.",
    "details": "Long text.",
    "withdrawn": None,
    "severity": [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
    ],
    "references": [{"type": "ADVISORY", "url": "https://example.com/a"}],
    "database_specific": {"severity": "HIGH"},
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Requests"},
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [
                        {"introduced": "0"},
                        {"fixed": "2.32.0"},
                        {"limit": "3"},
                    ],
                }
            ],
            "versions": ["2.31.0"],
            "ecosystem_specific": {"severity": "MODERATE"},
        }
    ],
}

UV_AUDIT = {
    "vulnerabilities": [
        {
            "id": "GHSA-1",
            "dependency": {"name": "requests", "version": "2.31.0"},
            "aliases": ["CVE-1"],
            "fix_versions": ["2.32.0"],
            "summary": "x",
            "link": "https://x",
        }
    ],
    "adverse_statuses": [{"name": "x"}],
}

PIP_AUDIT = {
    "dependencies": [
        {
            "name": "requests",
            "version": "2.31.0",
            "vulns": [{"id": "PYSEC-1", "fix_versions": ["2.32.0"], "aliases": []}],
        },
        {"name": "fuzzed", "skip_reason": "not on PyPI"},
    ]
}

SAFETY = {
    "vulnerabilities": [
        {
            "vulnerability_id": "12345",
            "package_name": "requests",
            "analyzed_version": "2.31.0",
            "CVE": "CVE-1",
            "fixed_versions": ["2.32.0"],
            "severity": {"cvssv3": {"base_score": 9.8, "base_severity": "CRITICAL"}},
            "advisory": "Bad.",
            "more_info_url": "https://x",
        }
    ]
}

HEARTBEATS = """\
{"event": "heartbeat", "ts": "2026-01-01T00:00:00Z"}
{"event": "heartbeat", "time": 1767225600}
{"event": "heartbeat", "ts": 1767225600123}
{"event": "deploy", "ts": "2026-01-01T00:01:00+01:00"}
2026-01-01 00:02:00 heartbeat ok
"""

LOCK = locks.parse("requests==2.31.0\n", name="prod")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("advisories")


@FUZZ
@given(record=mutated(OSV))
@example(
    record={
        **OSV,
        "affected": [
            {
                "package": {"name": "x", "ecosystem": "PyPI"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"fixed": "1"}, {"introduced": "0"}, {"fixed": "0"}],
                    }
                ],
            }
        ],
    }
)
@example(record={**OSV, "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}]})
@example(record={**OSV, "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:X"}]})
def test_osv_record(record: object) -> None:
    parsed = suppressing((MalformedRecord,), lambda: parse_record(record))
    if parsed is not None:
        for affected in parsed.affected:  # type: ignore[attr-defined]
            for version in ("2.31.0", "0", "1.0.post1", "2.32.0rc1"):
                if affected.affects(Version(version)):
                    parsed.advisory(affected, version, Version(version))  # type: ignore[attr-defined]


@FUZZ
@given(
    name=st.sampled_from(["a.json", "a.yaml", "a.yml"]),
    text=st.one_of(
        json_documents(OSV),
        st.just(yaml.safe_dump(OSV)),
        lines_like(yaml.safe_dump(OSV)),
        st.just("[" * 600),
        st.just("!!python/object/apply:os.system ['x']"),
        st.binary(max_size=100),
    ),
)
@example(name="a.json", text=DEEP_JSON)
@example(name="a.json", text=HUGE_INT)
def test_osv_database(folder: Path, name: str, text: str | bytes) -> None:
    """A record that cannot be read is skipped with its reason; the rest load."""
    db = folder / "db"
    if db.exists():
        for path in db.iterdir():
            path.unlink()
    write(db / name, text)
    database = one_line(AdvisoryError, lambda: OsvDatabase.load(db))
    if isinstance(database, str):  # documented: no usable record at all
        assert "no usable OSV record" in database
        return
    assert isinstance(database, OsvDatabase)
    assert isinstance(database.describe(), str)
    assert isinstance(database.audit(LOCK).advisories, tuple)


@FUZZ
@given(text=json_documents(UV_AUDIT))
@example(text=DEEP_JSON)
def test_uv_audit_output(folder: Path, text: str) -> None:
    backend = UvAudit(
        run=locks.local_runner(folder, timeout_s=1), work=folder, python="3.11"
    )
    suppressing((AdvisoryError,), lambda: backend.parse(text, lock="prod"))


@FUZZ
@given(text=json_documents(PIP_AUDIT))
@example(text=DEEP_JSON)
def test_pip_audit_output(folder: Path, text: str) -> None:
    backend = PipAudit(run=locks.local_runner(folder, timeout_s=1), work=folder)
    suppressing((AdvisoryError,), lambda: backend.parse(text, lock="prod"))


@FUZZ
@given(text=json_documents(SAFETY))
@example(text=DEEP_JSON)
@example(text='{"vulnerabilities": [{"severity": {"cvssv3": {"base_score": NaN}}}]}')
def test_safety_output(folder: Path, text: str) -> None:
    backend = Safety(run=locks.local_runner(folder, timeout_s=1), work=folder)
    suppressing((AdvisoryError,), lambda: backend.parse(text, lock="prod"))


# --- uptime -------------------------------------------------------------------------

JSONL = uptime.log_format("jsonl")
REGEX = uptime.log_format(
    "regex", pattern=r"^(?P<ts>\S+ \S+) (?P<event>\w+)", time_format="%Y-%m-%d %H:%M:%S"
)
ISO = uptime.log_format("regex", pattern=r"^(?P<ts>\S+)")
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            lines_like(HEARTBEATS),
            json_documents({"event": "heartbeat", "ts": "2026-01-01T00:00:00Z"}),
            st.builds(
                lambda value: json.dumps({"event": "heartbeat", "ts": value}),
                st.one_of(st.integers(), st.floats(), st.text(max_size=30)),
            ),
        ),
        max_size=8,
    ),
    tz=zones,
)
@example(lines=['{"event": "heartbeat", "ts": "0001-01-01T00:00:00+01:00"}'], tz=UTC)
@example(lines=['{"event": "heartbeat", "ts": "9999-12-31T23:59:59-12:00"}'], tz=UTC)
@example(
    lines=['{"event": "heartbeat", "ts": "0001-01-01T00:00:00"}'],
    tz=timezone(timedelta(hours=14)),
)
@example(
    lines=[
        '{"event": "heartbeat", "ts": 1e300}',
        '{"event": "heartbeat", "ts": -1e15}',
        '{"event": "heartbeat", "ts": "99999999999999999999"}',
    ],
    tz=UTC,
)
@example(
    lines=[
        '{"event": "heartbeat", "ts": ' + HUGE_INT + "}",
        DEEP_JSON,
        '{"event": "heartbeat", "ts": ' + HUGE_FLOAT + "}",
    ],
    tz=UTC,
)
def test_heartbeat_logs(lines: list[str], tz: timezone) -> None:
    """Every line is a heartbeat, another record, or counted as malformed."""
    for fmt in (JSONL, REGEX, ISO):
        triples = [("log", number, text) for number, text in enumerate(lines, 1)]
        beats = uptime.collect(triples, fmt, tz)
        assert all(isinstance(moment, datetime) for moment in beats.times)


@FUZZ
@given(
    text=st.one_of(
        texts,
        st.sampled_from(
            [
                "9999-12-31",
                "0001-01-01",
                "0001-01-01T00:00:00+01:00",
                "9999-12-31T23:59:59-12:00",
                "1e400",
                HUGE_INT,
            ]
        ),
    ),
    end=st.booleans(),
    tz=zones,
)
def test_window_bound(text: str, end: bool, tz: timezone) -> None:  # noqa: FBT001
    found = one_line(ConfigError, lambda: uptime.parse_bound(text, tz, end=end))
    assert isinstance(found, datetime | str)


@FUZZ
@given(
    kind=st.sampled_from(["jsonl", "regex", "csv"]),
    pattern=st.one_of(st.none(), texts),
    time_format=st.one_of(st.none(), texts),
)
@example(
    kind="regex", pattern="(?P<ts>" + "(" * 200 + ")" * 200 + ")", time_format=None
)
def test_log_format(kind: str, pattern: str | None, time_format: str | None) -> None:
    fmt = suppressing(
        (ConfigError,),
        lambda: uptime.log_format(kind, pattern=pattern, time_format=time_format),
    )
    if isinstance(fmt, uptime.LogFormat):
        uptime.collect([("log", 1, "2026-01-01 00:00:00 heartbeat")], fmt, UTC)


@FUZZ
@given(content=st.one_of(st.binary(max_size=300), lines_like(HEARTBEATS)))
def test_read_logs(folder: Path, content: bytes | str) -> None:
    path = write(folder / "logs" / "app.log", content)
    beats = uptime.read_logs([path], JSONL, UTC, root=folder)
    assert beats.files <= 1
