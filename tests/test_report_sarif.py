"""SARIF that GitHub code scanning accepts: schema, locations, fingerprints, limits.

Every document rendered here is validated against the official OASIS SARIF
2.1.0 schema (``tests/fixtures/sarif-schema-2.1.0.json``, from
oasis-tcs/sarif-spec ``sarif-2.1/schema``) and checked against the rules code
scanning applies on upload (:func:`check_github`).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from readiness import cli
from readiness.errors import UsageError
from readiness.findings import Finding, Priority, Report, Severity, Status
from readiness.reportfiles import SourceLines, uri_prefix
from readiness.reports.interface import ReportError
from readiness.reports.json import load
from readiness.reports.sarif import FINGERPRINT_KEY, SarifRenderer, Snippet
from tests.conftest import EXAMPLE, REPO_ROOT
from tests.test_reports import finding, gate, make_report, sample_report

SCHEMA = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"
ADVISORY_DB = REPO_ROOT.parent / "shared" / "advisory-db" / "osv-pypi-2024-10-10.zip"


@cache
def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA.read_text())
    return data


def validate(document: Mapping[str, Any]) -> None:
    """Against the OASIS schema, when jsonschema (a test dependency) is installed.

    Without it the other checks still run, and
    :func:`test_the_schema_validates_and_rejects` skips, saying why.
    """
    if importlib.util.find_spec("jsonschema") is None:
        return
    jsonschema = importlib.import_module("jsonschema")
    jsonschema.Draft4Validator(_schema()).validate(document)


def test_the_schema_validates_and_rejects() -> None:
    jsonschema = pytest.importorskip(
        "jsonschema", reason="jsonschema (a test dependency) is not installed"
    )
    document = json.loads(SarifRenderer().render(sample_report()))
    validate(document)
    del document["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError, match="'message' is a required"):
        validate(document)


def check_github(document: Mapping[str, Any]) -> None:
    """What code scanning rejects or merges wrongly, as its documentation says."""
    runs = document["runs"]
    assert len(runs) <= 20
    identities = [
        (run["tool"]["driver"]["name"], run["automationDetails"]["id"]) for run in runs
    ]
    assert len(set(identities)) == len(identities)
    for run in runs:
        assert "originalUriBaseIds" not in run
        rules = run["tool"]["driver"]["rules"]
        assert len(run["results"]) <= 25_000
        assert len(rules) <= 25_000
        for rule in rules:
            properties = rule["properties"]
            assert 1 <= len(properties["tags"]) <= 20
            if "security" in properties["tags"]:
                assert 0.0 <= float(properties["security-severity"]) <= 10.0
            else:
                assert "security-severity" not in properties
        fingerprints = Counter(
            result["partialFingerprints"][FINGERPRINT_KEY] for result in run["results"]
        )
        assert [key for key, count in fingerprints.items() if count > 1] == []
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["message"]["text"]
            (location,) = result["locations"]
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert uri
            assert not uri.startswith(("/", "file:"))
            assert ".." not in uri.split("/")
            assert physical["region"]["startLine"] >= 1


def sarif(report: Report, **options: Any) -> dict[str, Any]:
    """The rendered document, validated and checked as every test here wants."""
    document: dict[str, Any] = json.loads(SarifRenderer().render(report, **options))
    validate(document)
    check_github(document)
    return document


def results(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [result for run in document["runs"] for result in run["results"]]


def fingerprints(document: Mapping[str, Any]) -> list[str]:
    return [r["partialFingerprints"][FINGERPRINT_KEY] for r in results(document)]


def rules(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        rule["id"]: rule
        for run in document["runs"]
        for rule in run["tool"]["driver"]["rules"]
    }


def test_the_sample_report_is_valid_and_every_result_located() -> None:
    document = sarif(sample_report())
    assert len(results(document)) == 31
    deps = next(
        r for r in document["runs"] if r["tool"]["driver"]["name"].endswith("deps")
    )
    assert [r["locations"][0]["physicalLocation"] for r in deps["results"]] == [
        {
            "artifactLocation": {"uri": "pyproject.toml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1},
        }
    ] * 2
    assert deps["results"][0]["message"]["text"] == (
        "tornado 6.0 is vulnerable (about the project as a whole)"
    )
    # The same advisory twice: told apart by their occurrence number.
    first, second = (r["partialFingerprints"][FINGERPRINT_KEY] for r in deps["results"])
    assert first.split(":")[0] == second.split(":")[0]
    assert (first.split(":")[1], second.split(":")[1]) == ("1", "2")


def test_project_findings_go_to_the_file_the_caller_names() -> None:
    report = make_report(
        gate("tests", Status.FAIL, findings=[finding("TS008", path=None, line=None)])
    )
    (result,) = results(sarif(report, project_file="setup.cfg"))
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "setup.cfg"
    assert location["region"] == {"startLine": 1}


def test_a_path_without_a_line_starts_at_line_one() -> None:
    report = make_report(
        gate(
            "format", Status.FAIL, findings=[finding("FM001", path="a b.py", line=None)]
        )
    )
    (result,) = results(sarif(report))
    location = result["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "a%20b.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }


def test_each_run_has_its_own_category() -> None:
    document = sarif(sample_report(), category="nightly/")
    assert [run["automationDetails"]["id"] for run in document["runs"]] == [
        "nightly/markers/",
        "nightly/tests/",
        "nightly/lint/",
        "nightly/sast/",
        "nightly/deps/",
        "nightly/docs/",
    ]
    default = sarif(sample_report())
    assert default["runs"][0]["automationDetails"] == {"id": "readiness/markers/"}


def test_uris_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "sub" / "app").mkdir(parents=True)
    prefix = uri_prefix(tmp_path / "sub" / "app", tmp_path)
    assert prefix == "sub/app/"
    assert uri_prefix(tmp_path, tmp_path) == ""
    document = sarif(sample_report(), uri_prefix=prefix)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in results(document)
    }
    assert "sub/app/src/app/data.py" in uris
    assert "sub/app/pyproject.toml" in uris
    assert all(uri.startswith("sub/app/") for uri in uris)
    with pytest.raises(UsageError, match="does not contain the target"):
        uri_prefix(tmp_path, tmp_path / "sub")
    with pytest.raises(ReportError, match="must contain the audited folder"):
        SarifRenderer().render(sample_report(), uri_prefix="../elsewhere")


def test_security_rules_carry_severity_tags_and_help() -> None:
    bandit: dict[str, str | int | float | bool] = {
        "confidence": "high",
        "cwe": 22,
        "more_info": "https://bandit.example/b202",
    }
    report = make_report(
        gate(
            "sast",
            Status.FAIL,
            findings=[
                finding("B202", severity=Severity.HIGH, details=bandit),
                finding("B113", details={"confidence": "low", "cwe": 400}),
                finding("SA002", severity=Severity.LOW),
            ],
        ),
        gate(
            "deps",
            Status.FAIL,
            findings=[
                finding("PYSEC-1", details={"advisory_severity": "high", "score": 7.8}),
                finding("PYSEC-2", details={"advisory_severity": "critical"}),
                finding("DP005", severity=Severity.LOW, details={"worst_score": 7.5}),
            ],
        ),
        gate(
            "secrets",
            Status.FAIL,
            findings=[
                finding("SE004", line=3, details={"type": "Private Key"}),
                finding("SE004", line=9, details={"type": "Secret Keyword"}),
            ],
        ),
        gate("lint", Status.FAIL, findings=[finding("E711", fix="https://ruff/e711")]),
    )
    found = rules(sarif(report))
    summary = {
        rule_id: (
            rule["properties"]["tags"],
            rule["properties"].get("security-severity"),
            rule.get("helpUri"),
        )
        for rule_id, rule in found.items()
    }
    assert summary == {
        "B202": (
            ["security", "sast", "external/cwe/cwe-22"],
            "8.9",
            "https://bandit.example/b202",
        ),
        "B113": (["security", "sast", "external/cwe/cwe-400"], "4.5", None),
        "SA002": (["sast"], None, None),
        # test/dev-only advisories: security, rated by their capped severity
        "DP005": (["security", "deps"], "3.0", None),
        "PYSEC-1": (
            ["security", "deps"],
            "7.8",
            "https://osv.dev/vulnerability/PYSEC-1",
        ),
        "PYSEC-2": (
            ["security", "deps"],
            "9.5",
            "https://osv.dev/vulnerability/PYSEC-2",
        ),
        "SE004": (["security", "secrets"], "9.5", None),
        "E711": (["lint"], None, "https://ruff/e711"),
    }
    assert found["B113"]["properties"]["precision"] == "low"
    assert found["B202"]["defaultConfiguration"] == {"level": "error"}
    assert found["SE004"]["name"] == "a secret is committed"


def test_tool_rules_without_a_url_link_the_rule_list_of_the_tool_that_ran() -> None:
    report = make_report(
        gate(
            "typing",
            Status.FAIL,
            findings=[finding("arg-type")],
            metrics={"checker": "mypy (the project's [tool.mypy])"},
        ),
        gate(
            "lint",
            Status.FAIL,
            findings=[finding("F401", fix="ruff check --fix")],
            metrics={"linter": "ruff"},
        ),
    )
    found = rules(sarif(report))
    assert found["arg-type"]["helpUri"] == (
        "https://mypy.readthedocs.io/en/stable/error_code_list.html"
    )
    assert found["F401"]["helpUri"] == "https://docs.astral.sh/ruff/rules/"


def test_flake8_plugin_codes_link_nothing_and_pyright_links_its_own_list() -> None:
    """Planted: a flake8-bugbear code (no link: ruff's list would be wrong) and
    a pyright rule."""
    report = make_report(
        gate(
            "lint",
            Status.FAIL,
            findings=[finding("B950", fix="see the flake8 plugin")],
            metrics={"linter": "flake8"},
        ),
        gate(
            "typing",
            Status.FAIL,
            findings=[finding("reportMissingImports")],
            metrics={"checker": "pyright ([tool.pyright])"},
        ),
    )
    found = rules(sarif(report))
    assert "helpUri" not in found["B950"]
    assert found["reportMissingImports"]["helpUri"] == (
        "https://microsoft.github.io/pyright/#/configuration"
        "?id=type-check-diagnostics-settings"
    )


def test_results_beyond_the_cap_leave_the_least_severe_out() -> None:
    findings = [
        finding("B101", severity=Severity.LOW, line=1),
        finding("B202", severity=Severity.HIGH, line=2),
        finding("B113", severity=Severity.MEDIUM, line=3),
    ]
    report = make_report(gate("sast", Status.FAIL, findings=findings))
    document = sarif(report, max_results=2)
    assert [r["ruleId"] for r in results(document)] == ["B202", "B113"]
    (invocation,) = document["runs"][0]["invocations"]
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "warning",
            "message": {
                "text": "1 of 3 results left out: code scanning accepts at most 2"
                " per run"
            },
        }
    ]
    assert [rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]] == [
        "B113",
        "B202",
    ]


def test_more_gates_than_code_scanning_accepts_is_an_error() -> None:
    gates = [gate(f"g{i}", priority=Priority.P2, criteria=[]) for i in range(21)]
    with pytest.raises(ReportError, match="at most 20 runs, the report has 21 gates"):
        SarifRenderer().render(make_report(*gates, items=[]))


# Fingerprints ----------------------------------------------------------------

#: Planted like examples/legacy-app's broker.py: the same call on two lines
#: with different neighbours (the B113 pair at :50 and :63), and two blocks
#: identical line for line, which only the occurrence number tells apart.
BROKER = """\
import requests
def quote(url):
    resp = requests.get(url)
    return resp.json()["quote"]
def order(url):
    resp = requests.get(url)
    return resp.status_code
def twin_a(url):
    resp = requests.get(url)
    return resp.status_code
    # twin
def twin_b(url):
    resp = requests.get(url)
    return resp.status_code
    # twin
"""
#: Findings on the first and the last line of a file.
EDGES = "eval(input())\nx = 1\nexec(x)\n"


def planted(root: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "broker.py").write_text(BROKER)
    (root / "edges.py").write_text(EDGES)


def planted_findings(shift: int = 0) -> list[Finding]:
    """Where bandit flags the planted files, ``shift`` lines further down."""
    b113 = [
        finding("B113", path="pkg/broker.py", line=line + shift)
        for line in (3, 6, 9, 13)
    ]
    edges = [
        finding("B307", path="edges.py", line=1 + shift, message="eval"),
        finding("B102", path="edges.py", line=3 + shift, message="exec"),
    ]
    return [*b113, *edges]


def planted_report(findings: Sequence[Finding]) -> Report:
    return make_report(gate("sast", Status.FAIL, findings=findings))


def test_distinct_findings_never_collide(tmp_path: Path) -> None:
    planted(tmp_path)
    document = sarif(planted_report(planted_findings()), snippet=SourceLines(tmp_path))
    prints = fingerprints(document)
    assert len(set(prints)) == 6
    by_line = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: r[
            "partialFingerprints"
        ][FINGERPRINT_KEY]
        for r in results(document)
        if r["ruleId"] == "B113"
    }
    # Lines 3 and 6 differ in the line after the call; 9 and 13 are twins.
    assert by_line[3].split(":")[0] != by_line[6].split(":")[0]
    assert by_line[9].split(":")[0] == by_line[13].split(":")[0]
    assert (by_line[9][-2:], by_line[13][-2:]) == (":1", ":2")


def test_a_line_inserted_above_leaves_every_fingerprint(tmp_path: Path) -> None:
    planted(tmp_path)
    before = fingerprints(
        sarif(planted_report(planted_findings()), snippet=SourceLines(tmp_path))
    )
    for name in ("pkg/broker.py", "edges.py"):
        path = tmp_path / name
        path.write_text("import os  # unrelated\n\n" + path.read_text())
    after = fingerprints(
        sarif(planted_report(planted_findings(shift=2)), snippet=SourceLines(tmp_path))
    )
    assert after == before


def test_a_changed_flagged_line_changes_its_fingerprint(tmp_path: Path) -> None:
    planted(tmp_path)
    findings = planted_findings()
    before = fingerprints(
        sarif(planted_report(findings), snippet=SourceLines(tmp_path))
    )
    broker = tmp_path / "pkg" / "broker.py"
    broker.write_text(broker.read_text().replace("get(url)", "get(url, timeout=5)", 1))
    after = fingerprints(sarif(planted_report(findings), snippet=SourceLines(tmp_path)))
    assert [a == b for a, b in zip(before, after, strict=True)] == [
        True,  # edges.py:1
        True,  # edges.py:3
        False,  # broker.py:3, the line edited
        True,
        True,
        True,
    ]


def test_whitespace_changes_leave_the_fingerprint(tmp_path: Path) -> None:
    planted(tmp_path)
    findings = planted_findings()
    before = fingerprints(
        sarif(planted_report(findings), snippet=SourceLines(tmp_path))
    )
    broker = tmp_path / "pkg" / "broker.py"
    broker.write_text(broker.read_text().replace("resp = ", "resp   =   "))
    after = fingerprints(sarif(planted_report(findings), snippet=SourceLines(tmp_path)))
    assert after == before


def test_without_sources_fingerprints_fall_back_to_rule_path_and_message() -> None:
    fake: Snippet = lambda path, line: None  # noqa: E731 - a one-line fake
    report = planted_report(planted_findings())
    assert fingerprints(sarif(report)) == fingerprints(sarif(report, snippet=fake))
    twins = [p for p in fingerprints(sarif(report)) if p.endswith((":3", ":4"))]
    assert len(twins) == 2


def test_source_lines_read_only_text_files_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "dir").mkdir(parents=True)
    (root / "a.py").write_text("first\r\nsecond\n")
    (root / "blob.bin").write_bytes(b"\0\1\2\n")
    (tmp_path / "outside.py").write_text("secret\n")
    lines = SourceLines(root)
    assert [lines("a.py", number) for number in (0, 1, 2, 3)] == [
        None,
        "first",
        "second",
        None,
    ]
    assert lines("blob.bin", 1) is None
    assert lines("dir", 1) is None
    assert lines("missing.py", 1) is None
    assert lines("../outside.py", 1) is None


# The functional corpus -------------------------------------------------------


def shifted(report: Report, files: set[str]) -> Report:
    """The report a re-run finds once a line is inserted atop each of ``files``."""

    def move(item: Finding) -> Finding:
        if item.path in files and item.line is not None:
            return replace(item, line=item.line + 1)
        return item

    gates = tuple(
        replace(result, findings=tuple(move(f) for f in result.findings))
        for result in report.gates
    )
    return replace(report, gates=gates)


@pytest.mark.tools
def test_the_example_sarif_is_accepted_and_its_fingerprints_stable(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    database = ["--advisory-db", str(ADVISORY_DB)] if ADVISORY_DB.is_file() else []
    cli.main(["audit", str(EXAMPLE), "--format", "json", "--out", str(out), *database])
    report = load((out / "readiness-report.json").read_text())
    copy = tmp_path / "legacy-app"
    shutil.copytree(EXAMPLE, copy)
    document = sarif(
        report, snippet=SourceLines(copy), uri_prefix="examples/legacy-app"
    )
    located = results(document)
    assert len(located) == sum(len(result.findings) for result in report.gates)
    assert len(located) > 50
    flagged = {
        f.path
        for result in report.gates
        for f in result.findings
        if f.path is not None and f.line is not None and (copy / f.path).is_file()
    }
    assert "src/legacy_app/broker.py" in flagged
    for name in flagged:
        path = copy / name
        path.write_bytes(b"# an unrelated line\n" + path.read_bytes())
    moved = sarif(
        shifted(report, flagged),
        snippet=SourceLines(copy),
        uri_prefix="examples/legacy-app",
    )
    assert fingerprints(moved) == fingerprints(document)
