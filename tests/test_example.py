"""The functional corpus: the exact figures every gate finds in examples/legacy-app.

The gaps are planted and listed, with the real tools' figures, in
``examples/legacy-app/PLANTED.md``; the tool versions are pinned by
``constraints/test.txt``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from readiness import cli
from tests.conftest import EXAMPLE, REPO_ROOT

pytestmark = pytest.mark.tools

#: The offline advisory snapshot for the deps gate (no network here): beside
#: the repository, else ``$READINESS_ADVISORY_DB`` (which readiness reads too:
#: readiness's own tests gate runs this suite on a copy, where ``../shared``
#: is not beside it); absent, the gate tries the online sources and ends as
#: error.
ADVISORY_DB = REPO_ROOT.parent / "shared" / "advisory-db" / "osv-pypi-2024-10-10.zip"
if not ADVISORY_DB.is_file():
    ADVISORY_DB = Path(os.environ.get("READINESS_ADVISORY_DB") or ADVISORY_DB)


@pytest.fixture(scope="module")
def audit_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("report")
    database = ["--advisory-db", str(ADVISORY_DB)] if ADVISORY_DB.is_file() else []
    code = cli.main(
        [
            *("audit", str(EXAMPLE), "--format", "json", "--format", "md"),
            *("--out", str(out), *database),
        ]
    )
    return code, out


@pytest.fixture(scope="module")
def gates(audit_output: tuple[int, Path]) -> dict[str, dict[str, Any]]:
    report = json.loads((audit_output[1] / "readiness-report.json").read_text())
    return {gate["name"]: gate for gate in report["gates"]}


def sites(gate: dict[str, Any], rule: str) -> list[str]:
    return [f"{f['path']}:{f['line']}" for f in gate["findings"] if f["rule"] == rule]


def test_the_example_is_not_ready(audit_output: tuple[int, Path]) -> None:
    code, out = audit_output
    assert code == 1
    report = json.loads((out / "readiness-report.json").read_text())
    assert report["schema"] == "readiness-report/1"
    assert report["verdict"] == "not-ready"
    assert [(g["name"], g["status"]) for g in report["gates"]] == [
        ("build", "pass"),
        ("markers", "fail"),
        ("tests", "fail"),
        ("typing", "fail"),
        ("lint", "fail"),
        ("format", "fail"),
        ("sast", "fail"),
        ("deps", "pass" if ADVISORY_DB.is_file() else "error"),
        ("secrets", "fail"),
        ("cli", "pass"),
        ("docs", "fail"),
        ("ops", "fail"),
    ]


def test_markers_both_undefined_markers_with_every_use_site(
    gates: dict[str, dict[str, Any]],
) -> None:
    markers = gates["markers"]
    assert markers["metrics"]["undefined"] == 2
    assert sorted(
        (f["details"]["marker"], f"{f['path']}:{f['line']}", f["severity"])
        for f in markers["findings"]
    ) == [
        ("api_integration", "tests/test_broker_api.py:10", "high"),
        ("api_integration", "tests/test_data.py:22", "high"),
        ("memory", "tests/test_storage.py:38", "high"),
        ("memory", "tests/test_uptime.py:56", "high"),
    ]
    assert {f["priority"] for f in markers["findings"]} == {"P0"}


def test_tests_the_aborted_collection_and_the_undeclared_test_import(
    gates: dict[str, dict[str, Any]],
) -> None:
    tests = gates["tests"]
    assert tests["metrics"]["selection"] == (
        '-m "not memory and not api_integration and not live and not ib_integration"'
    )
    assert (tests["metrics"]["exit_code"], tests["metrics"]["collection_errors"]) == (
        4,
        5,
    )
    assert sorted(sites(tests, "TS001")) == [
        "tests/test_broker_api.py:10",
        "tests/test_data.py:22",
        "tests/test_storage.py:38",
        "tests/test_uptime.py:56",
    ]
    (freezegun,) = [f for f in tests["findings"] if f["rule"] == "TS002"]
    assert f"{freezegun['path']}:{freezegun['line']}" == "tests/test_paper.py:6"
    assert freezegun["details"]["extra"] == "test"


def test_sast_high_and_medium_findings_with_path_and_line(
    gates: dict[str, dict[str, Any]],
) -> None:
    sast = gates["sast"]
    assert (
        sast["metrics"]["high"],
        sast["metrics"]["medium"],
        sast["metrics"]["low"],
    ) == (
        1,
        11,
        3,
    )
    assert sites(sast, "B202") == ["src/legacy_app/data/bundles.py:28"]
    (b202,) = [f for f in sast["findings"] if f["rule"] == "B202"]
    assert (b202["severity"], b202["priority"], b202["details"]["cwe"]) == (
        "high",
        "P0",
        22,
    )
    assert sites(sast, "B102") == [
        "src/legacy_app/algorithm.py:12",
        "src/legacy_app/utils/preprocess.py:8",
        "src/legacy_app/utils/run_algo.py:9",
    ]
    assert sites(sast, "B307") == ["src/legacy_app/algorithm.py:17"]
    assert sites(sast, "B113") == [
        "src/legacy_app/broker.py:50",
        "src/legacy_app/broker.py:63",
        "src/legacy_app/data/bundles.py:13",
        "src/legacy_app/data/sources.py:35",
    ]
    assert sites(sast, "B608") == [
        "src/legacy_app/storage.py:14",
        "src/legacy_app/storage.py:19",
        "src/legacy_app/storage.py:26",
    ]
    assert sites(sast, "SA001") == ["src/legacy_app/storage.py:23"]
    assert sites(sast, "SA002") == ["src/legacy_app/broker.py:57"]
    medium = [
        f for f in sast["findings"] if f["severity"] == "medium" and f["rule"][0] == "B"
    ]
    assert len(medium) == 11


def test_lint_counts_by_rule_and_the_invalid_noqa(
    gates: dict[str, dict[str, Any]],
) -> None:
    lint = gates["lint"]
    assert lint["metrics"]["total"] == 27
    assert lint["metrics"]["invalid_noqa"] == 2
    by_rule = Counter(f["rule"] for f in lint["findings"])
    assert by_rule == {
        "B006": 1,
        "B905": 1,
        "E401": 1,
        "E501": 5,
        "E711": 1,
        "E722": 1,
        "F401": 2,
        "I001": 3,
        "PGH003": 1,
        "PGH004": 1,
        "UP004": 1,
        "UP006": 2,
        "UP017": 5,
        "UP035": 2,
        "LN001": 2,
    }
    assert sites(lint, "LN001") == [
        "src/legacy_app/cli.py:4",
        "src/legacy_app/storage.py:10",
    ]


def test_format_lists_the_files_black_would_reformat(
    gates: dict[str, dict[str, Any]],
) -> None:
    fmt = gates["format"]
    assert fmt["metrics"]["files_to_reformat"] == 4
    assert sorted(f["path"] for f in fmt["findings"]) == [
        "src/legacy_app/paper.py",
        "src/legacy_app/storage.py",
        "src/legacy_app/uptime.py",
        "tests/test_storage.py",
    ]


def test_the_markdown_reads_like_the_seed(audit_output: tuple[int, Path]) -> None:
    text = (audit_output[1] / "readiness-report.md").read_text()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Executive Summary",
        "## Scope and Method",
        "## Findings and Recommended Actions",
        "## Prioritized Remediation Plan",
        "## Ownership & Acceptance Criteria",
        "## Risks if Unaddressed",
        "## Command Reference",
    ]
    assert "The project is NOT ready for production as-is." in text
    assert "`src/legacy_app/data/bundles.py:28`" in text
    assert "- [ ] bandit High = 0 (1 found)" in text
