"""The online sources, against the recorded real outputs of each tool.

``tests/fixtures/advisories/README.md`` says how each output was recorded. The
tools themselves are replaced by a script that replays the recording where
the real tool writes it (and checks the arguments it was given); one test runs
the real ``uv audit`` against an OSV service on 127.0.0.1.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from readiness import command, locks
from readiness.advisories.interface import (
    Advisory,
    AdvisoryError,
    AdvisorySeverity,
    first_sentence,
)
from readiness.advisories.pip_audit import PipAudit
from readiness.advisories.safety import Safety, severity_of
from readiness.advisories.uv_audit import UvAudit, script_for
from readiness.locks import Lock, LockedPackage
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "advisories"
LOCK = locks.parse(
    (FIXTURES / "pins.txt").read_text(encoding="utf-8")
    + "colorama==0.4.6 ; os_name == 'nt'\n",
    name="dev",
)
UNKNOWN = AdvisorySeverity.UNKNOWN


def replay(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tool: str,
    *,
    fixture: str | None = None,
    to: str | None = None,
    code: int = 0,
    stderr: str = "",
) -> Path:
    """Replace ``tool`` with a script that replays ``fixture`` (to stdout, or into
    the file after the ``to`` option) and exits ``code``; returns its argv log."""
    log = tmp_path / f"{tool}.argv"
    source = FIXTURES / fixture if fixture else None
    script = tmp_path / f"fake-{tool}"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, shutil, sys\n"
        "args = sys.argv[1:]\n"
        f"open({str(log)!r}, 'w').write(json.dumps(args))\n"
        f"source, to = {str(source) if source else None!r}, {to!r}\n"
        "if source and to:\n"
        "    shutil.copyfile(source, args[args.index(to) + 1])\n"
        "elif source:\n"
        "    sys.stdout.write(open(source).read())\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({code})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    real = command.which
    monkeypatch.setattr(
        command, "which", lambda name: str(script) if name == tool else real(name)
    )
    return log


def argv(log: Path) -> list[str]:
    loaded: list[str] = json.loads(log.read_text())
    return loaded


def uv(tmp_path: Path, service_url: str | None = None) -> UvAudit:
    return UvAudit(
        run=locks.local_runner(tmp_path, timeout_s=120),
        work=tmp_path / "work",
        python="3.11",
        service_url=service_url,
    )


RECORDED = [
    Advisory(
        id="PYSEC-9999-1",
        aliases=("CVE-9999-0001", "GHSA-aaaa-bbbb-cccc"),
        package="gitpython",
        version="3.1.30",
        fixed=("3.1.32",),
        summary="Untrusted search path lets a repository run a planted git binary",
        link="https://example.invalid/PYSEC-9999-1",
    ),
    Advisory(
        id="PYSEC-9999-2",
        aliases=("CVE-9999-0002",),
        package="gitpython",
        version="3.1.30",
        fixed=("3.1.35",),
        summary="Blind local file inclusion through a crafted reference name",
        link="https://osv.dev/vulnerability/PYSEC-9999-2",
    ),
    Advisory(
        id="GHSA-dddd-eeee-ffff",
        aliases=("CVE-9999-0003",),
        package="requests",
        version="2.31.0",
        fixed=("2.32.0",),
        summary="Session keeps certificate verification off after the first request",
        link="https://example.invalid/GHSA-dddd-eeee-ffff",
    ),
]


# --- uv audit ------------------------------------------------------------------


def test_uv_audit_recorded_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = replay(tmp_path, monkeypatch, "uv", fixture="uv-audit-vulns.json", code=1)

    result = uv(tmp_path, service_url="http://mirror.invalid/").audit(LOCK)

    assert list(result.advisories) == RECORDED
    assert {a.severity for a in result.advisories} == {UNKNOWN}
    assert (result.source, result.lock, result.notes) == ("uv audit", "dev", ())
    script = tmp_path / "work" / "uv-audit-dev.py"
    assert argv(log) == [
        *("audit", "--script", str(script), "--output-format", "json"),
        *("--no-progress", "--service-url", "http://mirror.invalid/"),
    ]
    assert script.read_text() == (
        "# /// script\n"
        '# requires-python = ">=3.11"\n'
        "# dependencies = [\n"
        '#   "gitpython==3.1.30",\n'
        '#   "gitdb==4.0.12",\n'
        '#   "smmap==5.0.3",\n'
        '#   "requests==2.31.0",\n'
        '#   "urllib3==2.8.0",\n'
        """#   "colorama==0.4.6 ; os_name == \\"nt\\"",\n"""
        "# ]\n"
        "# ///\n"
    )


def test_uv_audit_clean_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = replay(tmp_path, monkeypatch, "uv", fixture="uv-audit-clean.json")

    result = uv(tmp_path).audit(LOCK)

    assert result.advisories == ()
    assert "--service-url" not in argv(log)


def test_uv_audit_offline_is_an_advisory_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = (FIXTURES / "uv-audit-offline.stderr").read_text()
    replay(tmp_path, monkeypatch, "uv", code=2, stderr=stderr)

    with pytest.raises(AdvisoryError) as raised:
        uv(tmp_path).audit(LOCK)
    assert str(raised.value) == (
        "uv exited with code 2: cause: failed to lookup address information:"
        " Name or service not known"
    )


@pytest.mark.parametrize(
    ("stdout", "reason"),
    [
        ("", "uv did not write JSON: '(nothing)'"),
        ("error: not json", "uv did not write JSON: 'error: not json'"),
        ("{}", "uv wrote JSON without the expected vulnerabilities list"),
        (
            '{"vulnerabilities": [{"id": "X", "dependency": {"name": "a"}}]}',
            "uv wrote JSON without the expected vulnerabilities list",
        ),
    ],
)
def test_uv_audit_unexpected_output(stdout: str, reason: str, tmp_path: Path) -> None:
    with pytest.raises(AdvisoryError) as raised:
        uv(tmp_path).parse(stdout, lock="prod")
    assert str(raised.value) == reason


def test_uv_audit_adverse_statuses_become_notes(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "vulnerabilities": [],
            "adverse_statuses": [{"dependency": {"name": "old"}, "status": "yanked"}],
        }
    )

    result = uv(tmp_path).parse(text, lock="prod")

    note = 'uv reports an adverse status: {"dependency": {"name": "old"}, "status": '
    assert result.notes == (note + '"yanked"}',)


def test_script_for_an_empty_lock() -> None:
    assert script_for(Lock(name="prod", packages=()), "3.12") == (
        '# /// script\n# requires-python = ">=3.12"\n# dependencies = [\n# ]\n# ///\n'
    )


# --- pip-audit -------------------------------------------------------------------


def pip_audit(tmp_path: Path, service_url: str | None = None) -> PipAudit:
    return PipAudit(
        run=locks.local_runner(tmp_path, timeout_s=120),
        work=tmp_path / "work",
        service_url=service_url,
    )


def test_pip_audit_recorded_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = replay(
        tmp_path,
        monkeypatch,
        "pip-audit",
        fixture="pip-audit-vulns.json",
        to="--output",
        code=1,
    )

    result = pip_audit(tmp_path, service_url="http://mirror.invalid/v1/query").audit(
        LOCK
    )

    assert [
        (a.id, a.package, a.version, a.fixed, a.aliases) for a in result.advisories
    ] == [
        (
            "PYSEC-9999-1",
            "gitpython",
            "3.1.30",
            ("3.1.32",),
            ("GHSA-aaaa-bbbb-cccc", "CVE-9999-0001"),
        ),
        ("PYSEC-9999-2", "gitpython", "3.1.30", (), ("CVE-9999-0002",)),
        ("CVE-9999-0003", "requests", "2.31.0", ("2.32.0",), ("GHSA-dddd-eeee-ffff",)),
    ]
    first = result.advisories[0]
    assert (first.severity, first.summary, first.link) == (
        UNKNOWN,
        "Untrusted search path lets a repository run a planted git binary",
        "https://osv.dev/vulnerability/PYSEC-9999-1",
    )
    requirements = tmp_path / "work" / "pip-audit-dev.txt"
    assert argv(log) == [
        *("-r", str(requirements), "--no-deps", "--disable-pip"),
        *(
            "--format",
            "json",
            "--output",
            str(tmp_path / "work" / "pip-audit-dev.json"),
        ),
        *("--aliases", "on", "--desc", "on", "--progress-spinner", "off"),
        *(
            "--vulnerability-service",
            "osv",
            "--osv-url",
            "http://mirror.invalid/v1/query",
        ),
    ]
    assert requirements.read_text() == locks.pins(LOCK)


def test_pip_audit_clean_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = replay(
        tmp_path,
        monkeypatch,
        "pip-audit",
        fixture="pip-audit-clean.json",
        to="--output",
    )

    assert pip_audit(tmp_path).audit(LOCK).advisories == ()
    assert "--osv-url" not in argv(log)


def test_pip_audit_offline_audits_nothing_and_that_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay(
        tmp_path,
        monkeypatch,
        "pip-audit",
        fixture="pip-audit-offline.json",
        to="--output",
    )

    with pytest.raises(AdvisoryError) as raised:
        pip_audit(tmp_path).audit(LOCK)
    assert str(raised.value) == (
        "pip-audit audited none of the 5 packages (pip-audit skipped gitpython:"
        " Dependency not found on PyPI and could not be audited: gitpython (3.1.30))"
    )


def test_pip_audit_skipped_packages_become_notes(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "dependencies": [
                {"name": "a", "version": "1", "vulns": []},
                {"name": "b", "skip_reason": "not on PyPI"},
            ]
        }
    )

    result = pip_audit(tmp_path).parse(text, lock="prod")

    assert result.notes == ("pip-audit skipped b: not on PyPI",)


def test_pip_audit_without_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay(tmp_path, monkeypatch, "pip-audit")

    with pytest.raises(
        AdvisoryError, match="pip-audit exited with code 0 without writing its report"
    ):
        pip_audit(tmp_path).audit(LOCK)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[]", "pip-audit wrote JSON without the expected dependencies list"),
        (
            '{"dependencies": [{"name": "a", "version": "1", "vulns": [{}]}]}',
            "pip-audit wrote JSON without an id for each vulnerability",
        ),
    ],
)
def test_pip_audit_unexpected_output(text: str, reason: str, tmp_path: Path) -> None:
    with pytest.raises(AdvisoryError) as raised:
        pip_audit(tmp_path).parse(text, lock="prod")
    assert str(raised.value) == reason


# --- safety -------------------------------------------------------------------------


def safety(tmp_path: Path, db: str | None = None) -> Safety:
    return Safety(
        run=locks.local_runner(tmp_path, timeout_s=120), work=tmp_path / "work", db=db
    )


def test_safety_recorded_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = replay(
        tmp_path,
        monkeypatch,
        "safety",
        fixture="safety-vulns.json",
        to="--save-json",
        code=64,
    )

    result = safety(tmp_path, db="/srv/safety-db").audit(LOCK)

    assert list(result.advisories) == [
        Advisory(
            id="PYUP-90001",
            aliases=("90001", "CVE-9999-0001"),
            package="gitpython",
            version="3.1.30",
            fixed=("3.1.32",),
            severity=AdvisorySeverity.HIGH,
            score=7.8,
            summary="Untrusted search path lets a repository run a planted git binary.",
            link="https://data.safetycli.example/v/90001/f17",
        ),
        Advisory(
            id="PYUP-90002",
            aliases=("90002", "CVE-9999-0002"),
            package="gitpython",
            version="3.1.30",
            fixed=("3.1.35",),
            summary="Blind local file inclusion through a crafted reference name.",
            link="https://data.safetycli.example/v/90002/f17",
        ),
        Advisory(
            id="PYUP-90003",
            aliases=("90003",),
            package="requests",
            version="2.31.0",
            fixed=("2.32.0",),
            summary="Session keeps certificate verification off after the first"
            " request.",
            link="https://data.safetycli.example/v/90003/f17",
        ),
    ]
    requirements = tmp_path / "work" / "safety-dev.txt"
    assert argv(log) == [
        *("--disable-optional-telemetry", "check", "-r", str(requirements)),
        *(
            "--output",
            "json",
            "--save-json",
            str(tmp_path / "work" / "safety-dev.json"),
        ),
        *("--db", "/srv/safety-db"),
    ]


def test_safety_clean_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = replay(
        tmp_path, monkeypatch, "safety", fixture="safety-clean.json", to="--save-json"
    )

    assert safety(tmp_path).audit(LOCK).advisories == ()
    assert "--db" not in argv(log)


def test_safety_offline_is_an_advisory_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = (FIXTURES / "safety-offline.stderr").read_text()
    replay(tmp_path, monkeypatch, "safety", code=1, stderr=stderr)

    with pytest.raises(AdvisoryError) as raised:
        safety(tmp_path).audit(LOCK)
    assert str(raised.value) == (
        "safety exited with code 1: httpx.ConnectError: [Errno -2] Name or service"
        " not known"
    )


def test_safety_without_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay(tmp_path, monkeypatch, "safety", code=64)

    with pytest.raises(
        AdvisoryError, match="safety exited with code 64 without writing its report"
    ):
        safety(tmp_path).audit(LOCK)


def test_safety_unexpected_output(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryError) as raised:
        safety(tmp_path).parse('{"vulnerabilities": [{"package_name": 1}]}', lock="x")
    assert (
        str(raised.value)
        == "safety wrote JSON without the expected vulnerabilities list"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"cvssv3": {"base_score": 9.1}}, (AdvisorySeverity.CRITICAL, 9.1)),
        ({"cvssv3": {"base_severity": "MEDIUM"}}, (AdvisorySeverity.MEDIUM, None)),
        ({"cvssv3": None, "cvssv2": {"base_score": 5}}, (AdvisorySeverity.MEDIUM, 5.0)),
        ({"cvssv3": {"base_score": True}}, (UNKNOWN, None)),
        (None, (UNKNOWN, None)),
    ],
)
def test_safety_severity(
    raw: object, expected: tuple[AdvisorySeverity, float | None]
) -> None:
    assert severity_of(raw) == expected


def test_first_sentence_is_bounded() -> None:
    assert first_sentence("One. Two.") == "One"
    assert first_sentence(None) == ""
    assert len(first_sentence("x" * 500)) == 160


def test_severity_labels() -> None:
    assert AdvisorySeverity.from_label("Moderate") is AdvisorySeverity.MEDIUM
    assert AdvisorySeverity.from_label(None) is UNKNOWN
    assert AdvisorySeverity.from_score(0.0) is AdvisorySeverity.LOW
    assert AdvisorySeverity.from_score(4.0) is AdvisorySeverity.MEDIUM


# --- the real uv audit against a loopback OSV service ------------------------------


SMMAP_RECORD = {
    "id": "TEST-SMMAP-1",
    "modified": "2026-01-01T00:00:00Z",
    "published": "2026-01-01T00:00:00Z",
    "aliases": ["CVE-0000-0001"],
    "summary": "A hand-written record for this test",
    "details": "Nothing real.",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "smmap"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.0"}]}
            ],
        }
    ],
}


class _Osv(BaseHTTPRequestHandler):
    """The two endpoints uv audit calls: ``/v1/querybatch`` and ``/v1/vulns/ID``."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        results = [
            (
                {
                    "vulns": [
                        {"id": SMMAP_RECORD["id"], "modified": SMMAP_RECORD["modified"]}
                    ]
                }
                if q["package"]["name"] == "smmap"
                else {}
            )
            for q in query["queries"]
        ]
        self._send(200, {"results": results})

    def do_GET(self) -> None:
        if self.path.endswith(f"/{SMMAP_RECORD['id']}"):
            self._send(200, SMMAP_RECORD)
        else:
            self._send(404, {"message": "not found"})


@pytest.fixture
def osv_service() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Osv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.tools
def test_the_real_uv_audit_against_a_loopback_osv_service(
    tmp_path: Path, osv_service: str
) -> None:
    lock = Lock(name="prod", packages=(LockedPackage(name="smmap", version="5.0.3"),))

    result = uv(tmp_path, service_url=osv_service).audit(lock)

    assert list(result.advisories) == [
        Advisory(
            id="TEST-SMMAP-1",
            aliases=("CVE-0000-0001",),
            package="smmap",
            version="5.0.3",
            fixed=("9.0",),
            summary="A hand-written record for this test",
            link="https://osv.dev/vulnerability/TEST-SMMAP-1",
        )
    ]
