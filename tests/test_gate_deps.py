"""The deps gate on fixture repositories with their own locks and OSV records."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from readiness import cli, command
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates.deps import DEFAULT_DEV_STACKS, DepsGate
from tests.conftest import EXAMPLE, REPO_ROOT, run_gate_at
from tests.test_advisories_online import replay

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo

SHARED = REPO_ROOT.parent / "shared" / "advisory-db"
SNAPSHOTS = ("osv-pypi-2024-10-10.zip", "pypa-advisory-database-2024-10-10.zip")
HIGH = "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"  # 7.8
CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"  # 5.3
ARROW = " \u2192 "

PROD = """\
# constraints/prod.txt for app (a hand-written lock in uv's format)
app-lib==1.0 \\
    --hash=sha256:1111
    # via app (pyproject.toml)
deep==2.0 \\
    --hash=sha256:2222
    # via app-lib
"""
TEST = PROD + "pytest==8.0\n    # via app (pyproject.toml)\n"
DEV = TEST + "gitpython==3.1.30\n    # via app (pyproject.toml)\n"


def osv(ident: str, package: str, fixed: str, score: str | None = None) -> str:
    data: dict[str, Any] = {
        "id": ident,
        "aliases": [f"CVE-{ident}"],
        "summary": f"{ident} summary",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": fixed}],
                    }
                ],
            }
        ],
    }
    if score:
        data["severity"] = [{"type": "CVSS_V3", "score": score}]
    return json.dumps(data)


DEEP_HIGH = osv("DEEP-1", "deep", "2.1", HIGH)
GIT_CRITICAL = osv("GIT-1", "GitPython", "3.1.32", CRITICAL)


def repo(
    make_repo: MakeRepo,
    *records: str,
    config: str = "",
    prod: str = PROD,
    test: str = TEST,
    dev: str = DEV,
) -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "app"\nversion = "1"\n\n'
        '[tool.readiness.deps]\nadvisory-db = "osv"\n' + textwrap.dedent(config),
        "constraints/prod.txt": prod,
        "constraints/test.txt": test,
        "constraints/dev.txt": dev,
    }
    files["osv/UNRELATED-1.json"] = osv("UNRELATED-1", "unrelated", "1.0", HIGH)
    files.update({f"osv/R{n}.json": text for n, text in enumerate(records)})
    return make_repo(files)


def audit(root: Path, today: date = date(2025, 1, 1)) -> GateResult:
    return run_gate_at(DepsGate(today=lambda: today), root)


def rules(result: GateResult) -> list[tuple[str, str, str, str]]:
    return [(f.rule, f.severity, f.priority, f.location) for f in result.findings]


def test_registered_as_p1_after_sast() -> None:
    names = list(registry())
    assert registry()["deps"] is DepsGate
    assert names.index("deps") == names.index("sast") + 1
    assert DepsGate.priority is Priority.P1
    assert DepsGate.description() == (
        "No High/Critical advisory in the prod lock, and prod pulls in no dev stack."
    )


def test_a_high_advisory_in_prod_fails_and_dev_is_only_reported(
    make_repo: MakeRepo,
) -> None:
    """The prod lock's advisory is one finding per advisory that names the
    other locks pinning the same version; gitpython, which only the dev lock
    pins, is one DP005 capped at Low."""
    result = audit(repo(make_repo, DEEP_HIGH, GIT_CRITICAL))

    assert result.status is Status.FAIL
    assert rules(result) == [
        ("DEEP-1", "high", "P1", "constraints/prod.txt:5"),
        ("DP005", "low", "P2", "constraints/dev.txt:10"),
    ]
    assert result.findings[0] == Finding(
        rule="DEEP-1",
        severity=Severity.HIGH,
        priority=Priority.P1,
        message="deep 2.0 in the prod lock (also in the test and dev locks):"
        " DEEP-1 (CVE-DEEP-1), high 7.8: DEEP-1 summary; fixed in 2.1; pulled in"
        f" by app{ARROW}app-lib{ARROW}deep",
        path="constraints/prod.txt",
        line=5,
        fix="upgrade deep to 2.1 or later, then `readiness lock .`",
        details={
            "lock": "prod",
            "also_in": "test, dev",
            "package": "deep",
            "version": "2.0",
            "fixed": "2.1",
            "chain": f"app{ARROW}app-lib{ARROW}deep",
            "advisory_severity": "high",
            "aliases": "CVE-DEEP-1",
            "link": "https://osv.dev/vulnerability/DEEP-1",
            "waived": False,
            "score": 7.8,
        },
    )
    assert result.findings[1].message == (
        "gitpython 3.1.30 in the dev lock (required by the project directly):"
        " GIT-1 (CVE-GIT-1), critical 9.8: GIT-1 summary; fixed in 3.1.32; the"
        " prod lock does not pin it, so nothing ships with it: low at most"
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        ("no High/Critical advisory in the prod lock (1 found)", False),
        (
            (
                "1 advisory on 1 package version that the prod lock does not pin:"
                " reported as 1 finding (DP005), Low at most, since nothing ships"
                " with them"
            ),
            True,
        ),
        ("the prod lock pulls in no dev stack (0 found)", True),
    ]
    assert result.metrics == {
        "source": "offline OSV database osv (3 records)",
        "prod_packages": 2,
        "prod_advisories": 1,
        "test_packages": 3,
        "test_advisories": 1,
        "dev_packages": 4,
        "dev_advisories": 2,
        "unreadable_records": 0,
        "waived": 0,
        "waivers_expired": 0,
        "dev_stacks": 0,
        "outside_prod": 1,
    }
    assert result.commands == ()


def test_advisories_only_in_dev_pass(make_repo: MakeRepo) -> None:
    result = audit(repo(make_repo, GIT_CRITICAL))

    assert result.status is Status.PASS
    assert rules(result) == [("DP005", "low", "P2", "constraints/dev.txt:10")]


def test_a_medium_advisory_in_prod_is_reported_not_failing(make_repo: MakeRepo) -> None:
    result = audit(repo(make_repo, osv("LIB-1", "app-lib", "1.1", MEDIUM)))

    assert result.status is Status.PASS
    assert rules(result)[0] == ("LIB-1", "medium", "P1", "constraints/prod.txt:2")


def test_an_unscored_advisory_counts_as_high_by_default(make_repo: MakeRepo) -> None:
    result = audit(repo(make_repo, osv("DEEP-2", "deep", "3.0")))

    assert result.status is Status.FAIL
    assert result.findings[0].severity is Severity.HIGH
    assert (
        "DEEP-2 (CVE-DEEP-2), unscored (no CVSS score, no severity in the database;"
        " counted as high): DEEP-2 summary" in result.findings[0].message
    )
    assert result.findings[0].details["advisory_severity"] == "unknown"


def test_what_unknown_counts_as_is_a_setting(make_repo: MakeRepo) -> None:
    root = repo(
        make_repo, osv("DEEP-2", "deep", "3.0"), config='unknown-severity = "medium"\n'
    )

    result = audit(root)

    assert result.status is Status.PASS
    assert "counted as medium)" in result.findings[0].message


def test_the_failing_locks_and_severities_are_settings(make_repo: MakeRepo) -> None:
    config = 'fail-locks = ["prod", "dev"]\nfail-severities = ["critical"]\n'
    result = audit(repo(make_repo, DEEP_HIGH, GIT_CRITICAL, config=config))

    assert result.status is Status.FAIL
    assert [(c.text, c.met) for c in result.criteria] == [
        ("no Critical advisory in the prod lock (0 found)", True),
        ("no Critical advisory in the dev lock (1 found)", False),
        ("the prod lock pulls in no dev stack (0 found)", True),
    ]
    # a lock that fails ships: its advisories are findings of their own; the
    # test lock's copy of deep 2.0 is named in them, not repeated
    assert rules(result) == [
        ("DEEP-1", "high", "P1", "constraints/prod.txt:5"),
        ("DEEP-1", "high", "P1", "constraints/dev.txt:5"),
        ("GIT-1", "critical", "P1", "constraints/dev.txt:10"),
    ]
    assert [f.details["also_in"] for f in result.findings] == ["test", "test", ""]


def test_no_fix_released(make_repo: MakeRepo) -> None:
    record = json.loads(DEEP_HIGH)
    record["affected"][0]["ranges"][0]["events"] = [{"introduced": "0"}]
    result = audit(repo(make_repo, json.dumps(record)))

    assert "; no fix released; pulled in by" in result.findings[0].message
    assert result.findings[0].fix == (
        "no fixed release: drop app-lib or waive DEEP-1 with a reason and an expiry"
    )


WAIVER = """
[[tool.readiness.deps.waivers]]
id = "CVE-DEEP-1"
reason = "only reachable on Windows"
"""


def test_a_waiver_without_expiry_waives(make_repo: MakeRepo) -> None:
    result = audit(repo(make_repo, DEEP_HIGH, config=WAIVER))

    assert result.status is Status.PASS
    waived = result.findings[0]
    assert (waived.severity, waived.priority) == (Severity.INFO, Priority.P2)
    assert waived.message.startswith(
        "waived (only reachable on Windows): deep 2.0 in the prod lock (also in"
        " the test and dev locks): DEEP-1"
    )
    assert waived.details["waived"] is True
    assert len(result.findings) == 1  # the test and dev copies are named in it
    assert result.metrics["waived"] == 3


def test_a_waiver_until_a_date_waives_until_then(make_repo: MakeRepo) -> None:
    root = repo(make_repo, DEEP_HIGH, config=WAIVER + "expires = 2025-06-30\n")

    on_the_day = audit(root, today=date(2025, 6, 30))
    after = audit(root, today=date(2025, 7, 1))

    assert on_the_day.status is Status.PASS
    assert on_the_day.findings[0].message.startswith(
        "waived until 2025-06-30 (only reachable on Windows): deep 2.0"
    )
    assert after.status is Status.FAIL
    expired = after.findings[0]
    assert (expired.severity, expired.priority) == (Severity.HIGH, Priority.P1)
    assert expired.message.endswith(
        "; its waiver expired on 2025-06-30 and no longer applies"
    )
    assert (after.metrics["waived"], after.metrics["waivers_expired"]) == (0, 3)


def test_a_waiver_date_may_be_a_string(make_repo: MakeRepo) -> None:
    config = WAIVER.replace("CVE-DEEP-1", "DEEP-1") + 'expires = "2030-01-01"\n'
    result = audit(repo(make_repo, DEEP_HIGH, config=config))

    assert result.status is Status.PASS
    assert "waived until 2030-01-01" in result.findings[0].message


def test_prod_pulling_in_a_dev_stack_is_a_finding_with_its_path(
    make_repo: MakeRepo,
) -> None:
    prod = PROD + "tornado==6.4\n    # via deep\n"
    result = audit(repo(make_repo, prod=prod, test=prod, dev=prod))

    assert result.status is Status.FAIL
    assert result.findings == (
        Finding(
            rule="DP001",
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message="the prod lock pulls in tornado 6.4 (a dev stack) through"
            f" app{ARROW}app-lib{ARROW}deep{ARROW}tornado",
            path="constraints/prod.txt",
            line=8,
            fix="move app-lib to an extra or a dependency group (or, if production"
            " needs it, drop it from [tool.readiness.deps] dev-stacks)",
            details={
                "package": "tornado",
                "chain": f"app{ARROW}app-lib{ARROW}deep{ARROW}tornado",
            },
        ),
    )
    assert result.criteria[-1].text == "the prod lock pulls in no dev stack (1 found)"
    assert {"jupyter", "notebook", "ipykernel", "torch", "streamlit"} <= set(
        DEFAULT_DEV_STACKS
    )


def test_the_dev_stack_list_is_a_setting(make_repo: MakeRepo) -> None:
    result = audit(repo(make_repo, config='dev-stacks = ["Deep"]\n'))

    chain = ARROW.join(("app", "app-lib", "deep"))
    assert [f.message for f in result.findings] == [
        f"the prod lock pulls in deep 2.0 (a dev stack) through {chain}"
    ]


def test_unpinned_entries_and_unreadable_lines_are_reported(
    make_repo: MakeRepo,
) -> None:
    prod = PROD + "url-pkg @ https://example.invalid/url_pkg-1.0.tar.gz\n=== nonsense\n"
    result = audit(repo(make_repo, prod=prod))

    assert result.status is Status.PASS
    (note,) = result.findings
    assert (note.rule, note.severity, note.priority, note.location) == (
        "DP004",
        Severity.LOW,
        Priority.P2,
        "constraints/prod.txt",
    )
    assert note.message == (
        "2 entries of the prod lock were not audited: line 9: not a requirement:"
        " === nonsense; url-pkg is not pinned to a version: not checked"
    )


def test_unreadable_records_are_in_the_scope_not_the_findings(
    make_repo: MakeRepo,
) -> None:
    """Every field project (requests, flask, ...) got a DP003 finding for the two
    records of readiness's own snapshot it cannot read: a fact about the
    database, which the target can do nothing about."""
    result = audit(repo(make_repo, GIT_CRITICAL, '{"id": ', "[]", "{}", "{}"))

    assert result.metrics["unreadable_records"] == 4
    assert rules(result) == [("DP005", "low", "P2", "constraints/dev.txt:10")]
    assert result.criteria[0].text == (
        "no High/Critical advisory in the prod lock (0 found; 4 unreadable records"
        " of the advisory database skipped)"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("colour = 1\n", "[tool.readiness.deps] has unknown key 'colour'; known keys:"),
        ('sources = ["osv"]\n', "[tool.readiness.deps] sources: 'osv' is not one of"),
        ('fail-locks = ["staging"]\n', "fail-locks: 'staging' is not one of prod"),
        ('fail-severities = ["urgent"]\n', "fail-severities: 'urgent' is not one of"),
        ('unknown-severity = "unknown"\n', "unknown-severity: 'unknown' is not one of"),
        ('osv-url = ""\n', "[tool.readiness.deps] osv-url must be a non-empty string"),
        ("waivers = 3\n", "waivers must be an array of tables"),
        ("waivers = [3]\n", "waivers entry 1 must be a table"),
        ("waivers = [{reason = 'x'}]\n", "waivers entry 1 needs an id"),
        ("waivers = [{id = 'X'}]\n", "waivers entry 1 (X) needs a reason"),
        ("waivers = [{id = 'X', reason = 'r', until = 1}]\n", "unknown key 'until'"),
        (
            "waivers = [{id = 'X', reason = 'r', expires = 'soon'}]\n",
            "expires must be a date (YYYY-MM-DD), not 'soon'",
        ),
        (
            "waivers = [{id = 'X', reason = 'r', expires = 2025-01-01T10:00:00}]\n",
            "not datetime.datetime(2025, 1, 1, 10, 0)",
        ),
    ],
)
def test_configuration_errors(make_repo: MakeRepo, config: str, message: str) -> None:
    result = audit(repo(make_repo, config=config))

    assert result.status is Status.ERROR
    assert result.reason is not None
    assert message in result.reason


def test_a_missing_advisory_database_is_an_error(make_repo: MakeRepo) -> None:
    root = repo(make_repo)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\n[tool.readiness.deps]\nadvisory-db = "gone.zip"\n'
    )

    result = audit(root)

    assert result.status is Status.ERROR
    assert result.reason == (
        f"advisory database: {root / 'gone.zip'}: no such file or directory"
    )


def test_without_a_database_or_network_the_gate_says_what_it_tried(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = (
        REPO_ROOT / "tests/fixtures/advisories/uv-audit-offline.stderr"
    ).read_text()
    replay(tmp_path, monkeypatch, "uv", code=2, stderr=stderr)
    root = repo(make_repo)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\n')

    result = audit(root)

    assert result.status is Status.ERROR
    assert result.reason == (
        "no advisory source could run; tried uv audit (uv exited with code 2: cause:"
        " failed to lookup address information: Name or service not known);"
        " pip-audit (not installed); safety (not installed). Without network, point"
        " the gate at an offline OSV database: --advisory-db FILE_OR_DIR,"
        " $READINESS_ADVISORY_DB, [tool.readiness.deps] advisory-db, or"
        " `readiness advisories update`"
    )
    assert result.commands[0][:3] == ("uv", "audit", "--script")


def test_an_online_source_answers_when_no_database_is_given(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay(
        tmp_path,
        monkeypatch,
        "pip-audit",
        fixture="pip-audit-vulns.json",
        to="--output",
        code=1,
    )
    root = repo(make_repo)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\n[tool.readiness.deps]\nsources = ["pip-audit"]\n'
    )

    result = audit(root)

    assert result.metrics["source"] == "pip-audit"
    assert result.status is Status.FAIL  # unscored advisories count as high in prod
    assert result.findings[0].message.startswith(
        "gitpython 3.1.30 in the prod lock (also in the test and dev locks):"
        " PYSEC-9999-1 (GHSA-aaaa-bbbb-cccc,"
        " CVE-9999-0001), unscored (no CVSS score, no severity in the database;"
        " counted as high): Untrusted search path"
    )
    assert result.findings[0].location == "constraints/prod.txt"  # not in that lock
    assert result.commands[0][0] == "pip-audit"


def test_nothing_to_audit_skips_the_gate(make_repo: MakeRepo) -> None:
    result = audit(make_repo({"README.md": "no project here\n"}))

    assert result.status is Status.SKIPPED
    assert result.reason == (
        "no constraints/ locks, and nothing to lock (not installable: no"
        " pyproject.toml with [project] or [build-system], no setup.py,"
        " no setup.cfg)"
    )


def test_the_advisory_db_option_of_the_command_line(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(make_repo)

    code = cli.main(["audit", str(root), "--gate", "deps", "--advisory-db", "nowhere"])

    assert code == 2
    assert capsys.readouterr().err == (
        "readiness: error: nowhere: no such advisory database\n"
    )


def test_the_command_line_database_wins_over_the_setting(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(make_repo, GIT_CRITICAL)
    (root / "other").mkdir()
    (root / "other" / "D.json").write_text(DEEP_HIGH)

    code = cli.main(
        ["audit", str(root), "--gate", "deps", "--advisory-db", str(root / "other")]
    )

    assert code == 1
    out = capsys.readouterr().out
    assert "offline OSV database other (1 records)" in out


@pytest.mark.tools
def test_locks_are_generated_when_the_target_commits_none(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "tiny"
                version = "0"
                requires-python = ">=3.11"
                dependencies = ["smmap==5.0.3"]

                [project.optional-dependencies]
                dev = ["gitdb==4.0.12"]

                [tool.readiness.deps]
                advisory-db = "osv"
            """,
            "osv/G.json": osv("GITDB-1", "gitdb", "5.0", CRITICAL),
        }
    )

    result = audit(root)

    # a library: no DP002 (tests/test_deps_precision.py has the application)
    assert result.status is Status.PASS
    assert rules(result) == [("DP005", "low", "P2", "pyproject.toml")]
    assert result.findings[0].message.startswith(
        "gitdb 4.0.12 in the dev lock (required by the project directly): GITDB-1"
    )
    assert result.findings[0].details["chain"] == f"tiny{ARROW}gitdb"
    assert str(result.metrics["lock_expected"]).startswith(
        "no lock expected: library (evidence: a distributable package"
    )
    assert result.metrics["prod_packages"] == 1
    assert [c[:3] for c in result.commands] == [("uv", "pip", "compile")] * 3
    assert not (root / "constraints").exists()


needs_snapshots = pytest.mark.skipif(
    not all((SHARED / name).is_file() for name in SNAPSHOTS),
    reason=f"the advisory snapshots are not in {SHARED}",
)


@needs_snapshots
@pytest.mark.tools
def test_the_example_has_the_planted_advisory_in_its_dev_lock_only(
    tmp_path: Path,
) -> None:
    """Gap 18 (gitpython 3.1.30 in the dev extra) and gap 19 (no committed
    lock: the example declares ops checks, so it is an application)."""
    found = {}
    for snapshot in SNAPSHOTS:
        out = tmp_path / snapshot
        code = cli.main(
            [
                *("audit", str(EXAMPLE), "--gate", "deps"),
                *("--advisory-db", str(SHARED / snapshot)),
                *("--format", "json", "--out", str(out)),
            ]
        )
        assert code == 0
        report = json.loads((out / "readiness-report.json").read_text())
        (gate,) = report["gates"]
        assert gate["status"] == "pass"
        assert report["verdict"] == "ready"
        found[snapshot] = [
            (f["rule"], f["severity"], f["priority"], f["details"]["lock"])
            for f in gate["findings"]
            if "lock" in f["details"]
        ]
        chains = {
            f["details"]["chain"] for f in gate["findings"] if "chain" in f["details"]
        }
        advisories = {
            f["details"]["advisories"]
            for f in gate["findings"]
            if "advisories" in f["details"]
        }
        assert chains == {f"legacy-app{ARROW}gitpython"}
        assert [f["rule"] for f in gate["findings"] if "lock" not in f["details"]] == [
            "DP002"
        ]
        assert (
            gate["metrics"]["prod_advisories"],
            gate["metrics"]["test_advisories"],
        ) == (
            0,
            0,
        )
        assert gate["metrics"]["dev_advisories"] == 4
    # gitpython 3.1.30, which only the dev lock pins: one DP005 for its four
    # advisories (PYSEC-2023-137 unscored, -161 and 2024-4 high 7.8, -165
    # medium 6.5), Low since nothing ships with it
    assert found[SNAPSHOTS[0]] == [("DP005", "low", "P2", "dev")]
    assert found[SNAPSHOTS[1]] == found[SNAPSHOTS[0]]
    assert advisories == {
        "PYSEC-2023-137, PYSEC-2023-161, PYSEC-2023-165, PYSEC-2024-4"
    }
    assert not (EXAMPLE / "constraints").exists()


# --- regressions from the field corpus (issue 12 item 5, issue 11) -----------

#: A pytest plugin's prod lock as uv writes it: pytest split by marker.
PLUGIN_PROD = """\
execnet==2.1.1 \\
    --hash=sha256:1111
    # via plug (pyproject.toml)
pytest==8.4.2 ; python_full_version < '3.10' \\
    --hash=sha256:2222
    # via plug (pyproject.toml)
pytest==9.2.0 ; python_full_version >= '3.10' \\
    --hash=sha256:3333
    # via plug (pyproject.toml)
"""


def plugin_repo(make_repo: MakeRepo, project: str, prod: str = PLUGIN_PROD) -> Path:
    """A committed prod lock pulling in pytest (twice: one entry per marker),
    and a ``[project]`` table that does or does not make the target a plugin."""
    return make_repo(
        {
            "pyproject.toml": f'[project]\nversion = "1"\n{project}\n'
            '[tool.readiness.deps]\nadvisory-db = "osv"\n',
            "constraints/prod.txt": prod,
            "constraints/test.txt": prod,
            "constraints/dev.txt": prod,
            "osv/UNRELATED-1.json": osv("UNRELATED-1", "unrelated", "1.0", HIGH),
        }
    )


@pytest.mark.parametrize(
    "project",
    [
        'name = "pytest-plug"',
        'name = "plug"\n[project.entry-points.pytest11]\nplug = "plug.plugin"',
        'name = "plug"\nclassifiers = ["Framework :: Pytest"]',
    ],
    ids=["its-name", "pytest11-entry-point", "classifier"],
)
def test_a_pytest_plugin_depending_on_pytest_is_no_dev_stack(
    make_repo: MakeRepo, project: str
) -> None:
    """pytest-xdist was failed with DP001 for depending on pytest, its runtime."""
    result = audit(plugin_repo(make_repo, project))

    assert result.status is Status.PASS
    assert result.findings == ()
    assert result.metrics["dev_stacks"] == 0


def test_a_plugin_declared_in_setup_cfg_is_known(make_repo: MakeRepo) -> None:
    """The same, for a plugin that declares its entry point in setup.cfg."""
    root = plugin_repo(make_repo, 'name = "plug"')
    (root / "setup.cfg").write_text(
        "[options.entry_points]\npytest11 =\n    plug = plug.plugin\n"
    )

    assert audit(root).findings == ()


def test_a_dev_stack_is_reported_once_whatever_its_marker_split_versions(
    make_repo: MakeRepo,
) -> None:
    """pytest-xdist's DP001 came twice, once per marker-split pytest version;
    an application (not a plugin) pulling pytest in gets one finding."""
    result = audit(plugin_repo(make_repo, 'name = "plug"'))

    assert result.status is Status.FAIL
    message = (
        "the prod lock pulls in pytest 8.4.2, 9.2.0 (a dev stack) through"
        f" plug{ARROW}pytest"
    )
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        ("DP001", "constraints/prod.txt:4", message)
    ]


def test_pytest_pulled_in_through_a_plugin_of_an_application_is_reported(
    make_repo: MakeRepo,
) -> None:
    """A plugin is exempt only up to a target that is one: an application whose
    prod lock pulls in pytest-foo (and so pytest) still gets DP001."""
    prod = (
        "pytest-foo==1.0\n    # via app (pyproject.toml)\n"
        "pytest==9.2.0\n    # via pytest-foo\n"
    )
    result = audit(plugin_repo(make_repo, 'name = "app"', prod=prod))

    chain = ARROW.join(("app", "pytest-foo", "pytest"))
    assert [f.message for f in result.findings] == [
        f"the prod lock pulls in pytest 9.2.0 (a dev stack) through {chain}"
    ]
    assert result.findings[0].fix.startswith("move pytest-foo to an extra")


def test_an_unscored_advisory_outside_prod_never_fails(make_repo: MakeRepo) -> None:
    """pip-audit's dev lock holds py 1.11.0 with PYSEC-2022-42969, disputed,
    unscored and unfixed: counted as high, said so, and no failure even in a
    failing dev lock."""
    record = osv("PY-1", "gitpython", "9.0")
    config = 'fail-locks = ["prod", "dev"]\n'
    result = audit(repo(make_repo, record, config=config))

    assert result.status is Status.PASS
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.location) == (
        "PY-1",
        "high",
        "constraints/dev.txt:10",
    )
    assert "unscored (no CVSS score, no severity in the database; counted as high)" in (
        finding.message
    )
    assert [(c.text, c.met) for c in result.criteria][:2] == [
        ("no High/Critical advisory in the prod lock (0 found)", True),
        ("no High/Critical advisory in the dev lock (0 found)", True),
    ]


SMMAP_OLD = osv("SMMAP-1", "smmap", "5.0.2", HIGH)


def lock_repo(make_repo: MakeRepo, files: dict[str, str]) -> Path:
    return make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "tiny"
                version = "0"
                requires-python = ">=3.11"
                dependencies = ["smmap>=5"]

                [tool.readiness.deps]
                advisory-db = "osv"
            """,
            "osv/S.json": SMMAP_OLD,
            **files,
        }
    )


@pytest.mark.tools
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pylock.toml", '[[packages]]\nname = "smmap"\nversion = "5.0.1"\n'),
        ("poetry.lock", '[[package]]\nname = "smmap"\nversion = "5.0.1"\n'),
        ("pdm.lock", '[[package]]\nname = "smmap"\nversion = "5.0.1"\n'),
    ],
)
def test_a_committed_lock_of_another_tool_is_a_lock(
    make_repo: MakeRepo, name: str, text: str
) -> None:
    """DP002 said "no committed lock" to projects that commit one; the audited
    locks now follow the versions the committed lock pins."""
    result = audit(lock_repo(make_repo, {name: text}))

    assert result.status is Status.FAIL
    assert rules(result) == [("SMMAP-1", "high", "P1", name)]
    assert result.findings[0].message.startswith(
        "smmap 5.0.1 in the prod lock (also in the test and dev locks)"
    )
    assert result.metrics["generated_from"] == (
        f"pyproject.toml, preferring the versions of {name}"
    )


@pytest.mark.tools
def test_a_committed_uv_lock_is_a_lock(make_repo: MakeRepo) -> None:
    """flask commits uv.lock and still got DP002."""
    root = lock_repo(make_repo, {})
    text = (root / "pyproject.toml").read_text().replace("smmap>=5", "smmap==5.0.1")
    (root / "pyproject.toml").write_text(text)
    command.run(["uv", "lock", "--quiet"], cwd=root, timeout_s=300)

    result = audit(root)

    assert rules(result) == [("SMMAP-1", "high", "P1", "uv.lock")]
    assert result.findings[0].details["also_in"] == "test, dev"
    assert result.metrics["generated_from"] == "uv.lock"
    # each export, then the resolution that finds the extras its lines need
    assert [c[:2] for c in result.commands] == [("uv", "export"), ("uv", "pip")] * 3


UNREACHABLE = "nowhere @ https://nowhere.invalid/nowhere-1.0.zip"


@pytest.mark.tools
def test_an_unreachable_url_in_an_optional_group_leaves_that_lock_out_of_scope(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """black's `diff-shades @ https://...zip` (a dependency group) turned the
    whole gate into an error: now prod and test are audited, dev is out of
    scope with uv's reason."""
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    root = lock_repo(
        make_repo, {"pylock.toml": '[[packages]]\nname = "smmap"\nversion = "5.0.1"\n'}
    )
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(
        text + f'\n[dependency-groups]\nshades = ["{UNREACHABLE}"]\n'
    )

    result = audit(root)

    assert result.status is Status.FAIL  # smmap 5.0.1 in prod, as planted
    assert [(f.details["lock"], f.details["also_in"]) for f in result.findings] == [
        ("prod", "test")
    ]
    reason = str(result.metrics["dev_lock"])
    assert reason.startswith(
        "out of scope: uv could not resolve it: Failed to download and build"
        f" `{UNREACHABLE}`: "
    )
    said = reason.removeprefix("out of scope: ")
    assert (f"the dev lock is out of scope, not audited: {said}", True) in [
        (c.text, c.met) for c in result.criteria
    ]


@pytest.mark.tools
def test_an_unreachable_url_in_prod_is_an_error(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the prod lock must be produced: without it the gate cannot judge."""
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    root = lock_repo(make_repo, {})
    text = (root / "pyproject.toml").read_text().replace("smmap>=5", UNREACHABLE)
    (root / "pyproject.toml").write_text(text)

    result = audit(root)

    assert result.status is Status.ERROR
    assert result.reason is not None
    assert result.reason.startswith(
        "cannot produce the prod lock: uv could not resolve it: Failed to download"
    )


@pytest.mark.tools
def test_a_setup_cfg_project_is_locked_from_its_metadata(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpie declares everything in setup.cfg and was skipped ("no [project]
    table to lock"); its dependencies and extras come from the backend."""
    root = make_repo(
        {
            "setup.cfg": """
                [metadata]
                name = cfgapp
                version = 1.0

                [options]
                py_modules = cfgapp
                install_requires = smmap==5.0.3

                [options.extras_require]
                test = gitdb==4.0.12
            """,
            "setup.py": "from setuptools import setup\nsetup()\n",
            "cfgapp.py": "",
            "osv/G.json": osv("GITDB-1", "gitdb", "5.0", CRITICAL),
        }
    )
    monkeypatch.setenv("READINESS_ADVISORY_DB", str(root / "osv"))

    result = audit(root)

    assert result.status is Status.PASS
    assert rules(result) == [("DP005", "low", "P2", "setup.cfg")]
    assert result.findings[0].message.startswith(
        "gitdb 4.0.12 in the test and dev locks (required by the project directly)"
    )
    assert result.findings[0].details["chain"] == f"cfgapp{ARROW}gitdb"
    assert (result.metrics["prod_packages"], result.metrics["test_packages"]) == (1, 2)
    assert result.metrics["generated_from"] == "setup.cfg"
    assert sorted(p.name for p in root.iterdir()) == [
        "cfgapp.py",
        "osv",
        "setup.cfg",
        "setup.py",
    ]
