"""The deps gate's precision classes from the field corpus (issue 12, round 4).

Each fixture is a minimal repository with hand-written locks in uv's format
and an offline OSV database of planted records, built here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from readiness.findings import Finding, Priority, Severity, Status
from readiness.fixers.routing import route
from tests.test_gate_deps import audit
from tests.test_gate_deps import rules as rows

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo

HIGH_75 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
ARROW = " \u2192 "

#: httpie's shape: nothing vulnerable in prod; the test extra pins werkzeug
#: itself (werkzeug<2.1.0) and pytest-httpbin pulls it in again through
#: httpbin and flask.
PROD = """\
requests==2.31.0 \\
    --hash=sha256:1111
    # via cli (pyproject.toml)
"""
TEST = PROD + """\
flask==2.1.3 \\
    --hash=sha256:2222
    # via httpbin
httpbin==0.7.0 \\
    --hash=sha256:3333
    # via pytest-httpbin
pytest-httpbin==1.0.2 \\
    --hash=sha256:4444
    # via cli (pyproject.toml)
werkzeug==2.0.3 \\
    --hash=sha256:5555
    # via
    #   cli (pyproject.toml)
    #   flask
    #   httpbin
"""
#: pip-audit's shape: interrogate (a dev tool) pulls in py.
DEV = TEST + """\
interrogate==1.7.0 \\
    --hash=sha256:6666
    # via cli (pyproject.toml)
py==1.11.0 \\
    --hash=sha256:7777
    # via interrogate
"""
DISPUTED = "** DISPUTED ** Improper parsing of HTTP requests in Werkzeug"


def record(
    ident: str,
    package: str,
    fixed: str | None,
    *,
    score: str | None = None,
    summary: str | None = None,
) -> str:
    events: list[dict[str, str]] = [{"introduced": "0"}]
    if fixed is not None:
        events.append({"fixed": fixed})
    data: dict[str, Any] = {
        "id": ident,
        "aliases": [f"CVE-{ident}"],
        "summary": summary or f"{ident} summary",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }
    if score:
        data["severity"] = [{"type": "CVSS_V3", "score": score}]
    return json.dumps(data)


#: werkzeug 2.0.3's four advisories of the 2024-10-10 snapshot, as httpie met
#: them: one disputed and unscored, one scored 7.5, two unscored.
WERKZEUG = (
    record("PYSEC-2022-203", "werkzeug", "2.1.1", summary=DISPUTED),
    record("PYSEC-2023-221", "werkzeug", "2.3.8", score=HIGH_75),
    record("PYSEC-2023-57", "werkzeug", "2.2.3"),
    record("PYSEC-2023-58", "werkzeug", "2.2.3"),
)
FLASK = record("PYSEC-2023-62", "flask", "2.2.5")
PY = record(
    "PYSEC-2022-42969",
    "py",
    None,
    summary="** DISPUTED ** The py library through 1.11.0 for Python allows"
    " remote attackers to conduct a ReDoS",
)


def repo(
    make_repo: MakeRepo,
    *records: str,
    config: str = "",
    prod: str = PROD,
    test: str = TEST,
    dev: str = DEV,
) -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "cli"\nversion = "1"\n\n'
        '[tool.readiness.deps]\nadvisory-db = "osv"\n' + config,
        "constraints/prod.txt": prod,
        "constraints/test.txt": test,
        "constraints/dev.txt": dev,
        "osv/UNRELATED-1.json": record("UNRELATED-1", "unrelated", "1.0"),
    }
    files.update({f"osv/R{n}.json": text for n, text in enumerate(records)})
    return make_repo(files)


# --- class 1: advisories of packages only the test or dev locks pin ----------


def test_a_package_only_test_and_dev_pin_is_one_low_finding_per_version(
    make_repo: MakeRepo,
) -> None:
    """httpie: werkzeug 2.0.3 (test extra pin, for pytest-httpbin's loopback
    server) gave 8 High findings, one per advisory per lock, and flask 2.1.3
    two more; the prod lock is clean. Now one Low finding per package version,
    with its advisories, the worst, the locks and who pulls it in."""
    result = audit(repo(make_repo, *WERKZEUG, FLASK))

    assert result.status is Status.PASS
    assert rows(result) == [
        ("DP005", "low", "P2", "constraints/test.txt:4"),
        ("DP005", "low", "P2", "constraints/test.txt:13"),
    ]
    flask, werkzeug = result.findings
    assert werkzeug == Finding(
        rule="DP005",
        severity=Severity.LOW,
        priority=Priority.P2,
        message="werkzeug 2.0.3 in the test and dev locks (required by the project"
        " directly and pulled in by pytest-httpbin): 4 advisories PYSEC-2022-203,"
        " PYSEC-2023-221, PYSEC-2023-57, PYSEC-2023-58; the worst PYSEC-2023-221,"
        " high 7.5; each fixed by 2.3.8; the prod lock does not pin it, so"
        " nothing ships with it: low at most",
        path="constraints/test.txt",
        line=13,
        fix="upgrade werkzeug to 2.3.8 or later (it comes through pytest-httpbin:"
        " bump it if it holds werkzeug back), then `readiness lock .`",
        details={
            "lock": "test",
            "locks": "test, dev",
            "package": "werkzeug",
            "version": "2.0.3",
            "advisories": "PYSEC-2022-203, PYSEC-2023-221, PYSEC-2023-57,"
            " PYSEC-2023-58",
            "aliases": "CVE-PYSEC-2022-203, CVE-PYSEC-2023-221, CVE-PYSEC-2023-57,"
            " CVE-PYSEC-2023-58",
            "fixed": "2.3.8",
            "chain": f"cli{ARROW}werkzeug",
            "worst": "PYSEC-2023-221",
            "worst_severity": "high",
            "link": "https://osv.dev/vulnerability/PYSEC-2023-221",
            "waived": False,
            "worst_score": 7.5,
        },
    )
    assert flask.message == (
        "flask 2.1.3 in the test and dev locks (pulled in by pytest-httpbin):"
        " PYSEC-2023-62 (CVE-PYSEC-2023-62), unscored (no CVSS score, no severity"
        " in the database; counted as high): PYSEC-2023-62 summary; fixed in"
        " 2.2.5; the prod lock does not pin it, so nothing ships with it: low at"
        " most"
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        ("no High/Critical advisory in the prod lock (0 found)", True),
        (
            (
                "5 advisories on 2 package versions that the prod lock does not"
                " pin: reported as 2 findings (DP005), Low at most, since nothing"
                " ships with them"
            ),
            True,
        ),
        ("the prod lock pulls in no dev stack (0 found)", True),
    ]
    metrics = result.metrics
    assert (metrics["test_advisories"], metrics["dev_advisories"]) == (5, 5)
    assert metrics["outside_prod"] == 2


def test_a_disputed_unfixed_advisory_of_a_dev_tool_is_low_and_says_why(
    make_repo: MakeRepo,
) -> None:
    """pip-audit: py 1.11.0 in the dev lock (interrogate -> py), the disputed,
    unscored, unfixed ReDoS, was High only because unscored counts as High."""
    result = audit(repo(make_repo, PY))

    assert result.status is Status.PASS
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.location) == (
        "DP005",
        Severity.LOW,
        "constraints/dev.txt:22",
    )
    assert finding.message == (
        "py 1.11.0 in the dev lock (pulled in by interrogate): PYSEC-2022-42969"
        " (CVE-PYSEC-2022-42969), unscored and disputed (no CVSS score, no"
        " severity in the database; counted as low: a disputed advisory counts as"
        " low at most in the dev lock): ** DISPUTED ** The py library through"
        " 1.11.0 for Python allows remote attackers to conduct a ReDoS; no fix"
        " released; the prod lock does not pin it, so nothing ships with it: low"
        " at most"
    )
    assert finding.fix == (
        "no fixed release: drop interrogate from the test/dev requirements or"
        " waive PYSEC-2022-42969 with a reason and an expiry"
    )


def test_a_version_the_prod_lock_pins_keeps_its_severity_and_is_not_repeated(
    make_repo: MakeRepo,
) -> None:
    """The rule follows what ships: a version the prod lock pins is reported
    there, per advisory, at its severity, naming the other locks that pin it;
    a different version that only the test lock pins is a DP005 of its own."""
    test = TEST.replace("requests==2.31.0", "requests==2.20.0", 1)
    old_requests = record("REQ-OLD", "requests", "2.21.0", score=HIGH_75)
    new_requests = record("REQ-NEW", "requests", "2.32.0", score=HIGH_75)
    result = audit(repo(make_repo, old_requests, new_requests, test=test))

    assert result.status is Status.FAIL
    assert rows(result) == [
        ("REQ-NEW", "high", "P1", "constraints/prod.txt:1"),
        ("DP005", "low", "P2", "constraints/test.txt:1"),
    ]
    assert result.findings[0].message.startswith(
        "requests 2.31.0 in the prod lock (also in the dev lock): REQ-NEW"
    )
    assert result.findings[1].message.startswith(
        "requests 2.20.0 in the test lock (required by the project directly): 2"
        " advisories REQ-NEW, REQ-OLD; the worst REQ-NEW, high 7.5; each fixed by"
        " 2.32.0;"
    )


def test_a_waived_dev_only_package_is_info_and_a_partial_waiver_is_named(
    make_repo: MakeRepo,
) -> None:
    """Waivers name advisory IDs: the grouped finding is waived when all of
    its advisories are, and names the waived ones otherwise."""
    waive = '[[tool.readiness.deps.waivers]]\nid = "{0}"\nreason = "loopback only"\n'
    some = audit(repo(make_repo, *WERKZEUG, config=waive.format("PYSEC-2023-57")))
    every = "".join(
        waive.format(ident)
        for ident in ("PYSEC-2022-203", "PYSEC-2023-221", "CVE-PYSEC-2023-57")
    ) + waive.format("PYSEC-2023-58").replace("only", "only too")

    everything = audit(repo(make_repo, *WERKZEUG, config=every))

    assert some.findings[0].severity is Severity.LOW
    assert some.findings[0].message.endswith(
        "nothing ships with it: low at most; PYSEC-2023-57 waived"
    )
    (waived,) = everything.findings
    assert waived.severity is Severity.INFO
    assert waived.message.startswith(
        "waived (loopback only; loopback only too): werkzeug 2.0.3 in the test and"
        " dev locks"
    )
    assert waived.details["waived"] is True
    assert everything.metrics["waived"] == 8  # 4 advisories in each of 2 locks


# --- the severity rules of the prod lock --------------------------------------


@pytest.mark.parametrize(
    ("score", "said"),
    [
        (
            None,
            (
                "unscored and disputed (no CVSS score, no severity in the"
                " database; counted as medium: a disputed advisory counts as"
                " medium at most in the prod lock)"
            ),
        ),
        (
            HIGH_75,
            (
                "high 7.5, disputed (counted as medium: a disputed advisory counts"
                " as medium at most in the prod lock)"
            ),
        ),
    ],
    ids=["unscored", "scored-high"],
)
def test_a_disputed_advisory_in_prod_is_medium_at_most(
    make_repo: MakeRepo, score: str | None, said: str
) -> None:
    """httpie's PYSEC-2022-203 opens with ``** DISPUTED **``: in the prod lock
    it is reported at Medium (so it does not fail), and says why."""
    disputed = record("REQ-1", "requests", "2.32.0", score=score, summary=DISPUTED)
    result = audit(repo(make_repo, disputed))

    assert result.status is Status.PASS
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.priority) == (
        "REQ-1",
        Severity.MEDIUM,
        Priority.P1,
    )
    assert finding.message == (
        "requests 2.31.0 in the prod lock (also in the test and dev locks): REQ-1"
        f" (CVE-REQ-1), {said}: {DISPUTED}; fixed in 2.32.0; pulled in by"
        f" cli{ARROW}requests"
    )


def test_an_unscored_advisory_in_prod_still_counts_as_high_and_says_so(
    make_repo: MakeRepo,
) -> None:
    result = audit(repo(make_repo, record("REQ-2", "requests", "2.32.0")))

    assert result.status is Status.FAIL
    (finding,) = result.findings
    assert finding.severity is Severity.HIGH
    said = (
        "REQ-2 (CVE-REQ-2), unscored (no CVSS score, no severity in the database;"
        " counted as high): REQ-2 summary"
    )
    assert said in finding.message


# --- class 2: DP002 only for an application -----------------------------------

#: Nothing to resolve: uv answers offline, in milliseconds.
LIBRARY = """\
[project]
name = "tiny"
version = "0"
requires-python = ">=3.11"
dependencies = []

[tool.readiness.deps]
advisory-db = "osv"
"""
OPS = """
[[tool.readiness.ops.commands]]
name = "smoke"
command = ["tiny", "--help"]
"""


def unlocked(make_repo: MakeRepo, extra: str = "", **files: str) -> Path:
    return make_repo(
        {
            "pyproject.toml": LIBRARY + extra,
            "osv/U.json": record("UNRELATED-1", "unrelated", "1.0"),
            **files,
        }
    )


@pytest.mark.tools
def test_a_library_committing_no_lock_gets_no_dp002_and_the_scope_says_why(
    make_repo: MakeRepo,
) -> None:
    """pytest-xdist, nox, pip-audit, unearth and black got DP002 "no committed
    lock": their users resolve their ranges, and a lock of theirs pins nothing
    for them. The locks fixer, which takes DP002, has nothing to do."""
    result = audit(unlocked(make_repo))

    assert result.status is Status.PASS
    assert result.findings == ()
    said = (
        "no lock expected: library (evidence: a distributable package with no"
        ' deployment evidence (set [tool.readiness] kind = "application" if it is'
        " deployed)); its users resolve its version ranges, so a committed lock"
        " would pin nothing for them (the audited locks were generated from"
        " pyproject.toml)"
    )
    assert result.metrics["lock_expected"] == said
    assert (said, True) in [(c.text, c.met) for c in result.criteria]


@pytest.mark.tools
@pytest.mark.parametrize(
    ("extra", "files", "evidence"),
    [
        (OPS, {}, "declares [tool.readiness.ops] checks"),
        (
            '\n[tool.readiness]\nkind = "application"\n',
            {},
            'sets [tool.readiness] kind = "application"',
        ),
        ("", {"Procfile": "web: gunicorn app:app\n"}, "has a Procfile"),
    ],
    ids=["ops-checks", "declared", "procfile"],
)
def test_an_application_committing_no_lock_gets_dp002(
    make_repo: MakeRepo, extra: str, files: dict[str, str], evidence: str
) -> None:
    """The application keeps DP002 (examples/legacy-app declares ops checks),
    and the locks fixer takes it."""
    result = audit(unlocked(make_repo, extra, **files))

    assert rows(result) == [("DP002", "low", "P1", "pyproject.toml")]
    assert result.findings[0].message == (
        "no committed lock: constraints/prod.txt, constraints/test.txt,"
        " constraints/dev.txt missing, and no uv.lock, pylock.toml, poetry.lock,"
        " pdm.lock or pinned requirements file; audited locks generated from"
        f" pyproject.toml instead. A lock is expected of an application (this"
        f" project {evidence}; if it is not deployed, set [tool.readiness] kind ="
        ' "library")'
    )
    assert "lock_expected" not in result.metrics
    assert route("deps", result.findings[0]) == "locks"
