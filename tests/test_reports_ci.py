"""The CI formats (SARIF 2.1.0, JUnit XML) and merging per-job JSON reports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from readiness.errors import UsageError
from readiness.findings import Criterion, Status, Verdict
from readiness.merge import merge, read
from readiness.reports.json import JsonRenderer
from readiness.reports.junit import JunitRenderer, case_name
from tests.conftest import EXAMPLE
from tests.test_advisories_osv import record as osv_record
from tests.test_report_sarif import sarif as checked_sarif
from tests.test_reports import finding, gate, make_report, sample_report

#: A scratch folder of readiness's in a report (one per audit).
SCRATCH = re.compile(r"/[^\s\"']*?/readiness-[a-z0-9_]{8}")


def builds(command: list[str]) -> bool:
    """Whether ``command`` builds an environment (``uv venv``, ``uv pip
    install``): only the audit that finds none built runs it."""
    return command[:2] == ["uv", "venv"] or command[:3] == ["uv", "pip", "install"]


#: The example's gitpython 3.1.30 (its dev lock) with one planted advisory.
GIT_ADVISORY = osv_record(
    "GIT-1",
    package="gitpython",
    events=[{"introduced": "0"}, {"fixed": "99"}],
    summary="a planted advisory",
)


def parse(text: str) -> ET.Element:
    """Our own renderer's output, not untrusted input."""
    return ET.fromstring(text)  # noqa: S314


def sarif(report: Any) -> dict[str, Any]:
    """Rendered, validated against the OASIS schema and GitHub's rules."""
    return checked_sarif(report)


def test_sarif_has_one_run_per_gate_with_located_results() -> None:
    document = sarif(sample_report())
    assert document["version"] == "2.1.0"
    runs = {run["tool"]["driver"]["name"]: run for run in document["runs"]}
    assert list(runs) == [
        "readiness-markers",
        "readiness-tests",
        "readiness-lint",
        "readiness-sast",
        "readiness-deps",
        "readiness-docs",
    ]
    sast = runs["readiness-sast"]
    assert sast["tool"]["driver"]["properties"] == {
        "tool": "bandit",
        "toolVersion": "1.8.0",
    }
    assert [rule["id"] for rule in sast["tool"]["driver"]["rules"]] == ["B113", "B202"]
    high = next(r for r in sast["results"] if r["ruleId"] == "B202")
    assert high["level"] == "error"
    assert high["ruleIndex"] == 1
    assert high["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "src/app/data.py",
                    "uriBaseId": "%SRCROOT%",
                },
                "region": {"startLine": 326},
            }
        }
    ]
    assert len(high["partialFingerprints"]["readiness/v2"]) == len("0" * 32 + ":1")
    assert {r["level"] for r in sast["results"] if r["ruleId"] == "B113"} == {"warning"}


def test_sarif_reports_gates_that_did_not_run_as_notifications() -> None:
    runs = {r["tool"]["driver"]["name"]: r for r in sarif(sample_report())["runs"]}
    (error,) = runs["readiness-tests"]["invocations"]
    assert error["executionSuccessful"] is False
    assert error["toolConfigurationNotifications"] == [
        {
            "level": "error",
            "message": {
                "text": "tests error: pytest is not installed in the test environment"
            },
        }
    ]
    (skipped,) = runs["readiness-docs"]["invocations"]
    assert skipped["toolConfigurationNotifications"][0]["level"] == "note"
    # Findings without a path (a vulnerable package) are located at the
    # file that declares the project.
    deps = runs["readiness-deps"]["results"]
    assert [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["level"])
        for r in deps
    ] == [("pyproject.toml", "error"), ("pyproject.toml", "error")]


def test_sarif_rules_of_readiness_come_from_the_catalogue() -> None:
    report = make_report(
        gate(
            "markers",
            Status.FAIL,
            findings=[finding("MK001", message="marker 'memory' is not registered")],
        )
    )
    (run,) = sarif(report)["runs"]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["name"] == "pytest marker is not registered"
    assert rule["help"]["text"].startswith("register the marker")
    assert run["results"][0]["level"] == "warning"


def cases(suite: ET.Element) -> list[ET.Element]:
    return suite.findall("testcase")


def test_junit_has_a_suite_per_gate_and_a_case_per_criterion() -> None:
    root = parse(JunitRenderer().render(sample_report()))
    assert root.tag == "testsuites"
    assert {
        k: root.get(k) for k in ("tests", "failures", "errors", "skipped", "time")
    } == {
        "tests": "7",
        "failures": "4",
        "errors": "1",
        "skipped": "1",
        "time": "13.084",
    }
    suites = {suite.get("name"): suite for suite in root}
    sast = suites["sast"]
    assert [case.get("name") for case in cases(sast)] == [
        "bandit High = 0",
        "every Medium fixed or `# nosec` with a reason",
    ]
    failure = cases(sast)[0].find("failure")
    assert failure is not None
    assert failure.text is not None
    assert failure.text.splitlines()[0] == (
        "src/app/data.py:326 B202 tarfile.extractall used without any validation"
    )
    error = cases(suites["tests"])[0].find("error")
    assert error is not None
    assert error.get("message") == "pytest is not installed in the test environment"
    assert suites["lint"].get("failures") == "0"
    skipped = cases(suites["docs"])
    assert [(c.get("name"), c[0].tag) for c in skipped] == [
        ("docs gate runs", "skipped")
    ]


def test_junit_caps_the_listed_findings() -> None:
    root = parse(JunitRenderer().render(sample_report(), max_listed=2))
    sast = next(s for s in root if s.get("name") == "sast")
    failure = cases(sast)[0].find("failure")
    assert failure is not None
    assert failure.text is not None
    assert len(failure.text.splitlines()) == 3
    assert failure.text.splitlines()[-1] == "... and 24 more"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ruff check passes (29 findings)", "ruff check passes"),
        ("bandit High = 0 (1 found)", "bandit High = 0"),
        (
            (
                "coverage >= 90 % (not measured: pytest stopped before reporting"
                " (usage error))"
            ),
            "coverage >= 90 %",
        ),
        (
            (
                'pytest passes with the agreed selection (-m "not memory") (exit 4:'
                " usage error)"
            ),
            "pytest passes with the agreed selection",
        ),
        (
            "uptime >= 99.9% over the window (98.889%)",
            "uptime >= 99.9% over the window",
        ),
        (
            ".env and its variants ignored by git",
            ".env and its variants ignored by git",
        ),
        ("(only figures)", "(only figures)"),
        ("unbalanced (figures", "unbalanced (figures"),
        ("unbalanced figures)", "unbalanced figures)"),
    ],
)
def test_junit_case_names_leave_the_figures_out(text: str, name: str) -> None:
    assert case_name(Criterion(text=text, met=False)) == name


def lint_run(count: int, duration_s: float) -> str:
    criterion = Criterion(text=f"ruff check passes ({count} findings)", met=not count)
    findings = [finding("E501", path="src/a.py", line=n) for n in range(1, count + 1)]
    report = make_report(
        gate(
            "lint",
            Status.FAIL if count else Status.PASS,
            duration_s=duration_s,
            findings=findings,
            criteria=[criterion],
            commands=[["ruff", "check"]],
            metrics={"violations": count},
        )
    )
    return JunitRenderer().render(report, path_prefix="sub/app/")


def test_junit_case_identity_survives_changing_counts() -> None:
    runs = [parse(lint_run(count, 2.5)) for count in (29, 3, 0)]
    identities = [
        [(c.get("classname"), c.get("name")) for c in cases(run[0])] for run in runs
    ]
    assert identities == [[("readiness.lint", "ruff check passes")]] * 3
    failing, _, fixed = (cases(run[0])[0] for run in runs)
    failure = failing.find("failure")
    assert failure is not None
    assert failure.get("message") == "ruff check passes (29 findings)"
    assert fixed.find("failure") is None
    assert fixed.findtext("system-out") == "ruff check passes (0 findings)"


def test_junit_cases_have_a_time_a_file_and_the_gate_properties() -> None:
    root = parse(lint_run(3, 2.5))
    (suite,) = root
    (case,) = cases(suite)
    assert (suite.get("time"), case.get("time")) == ("2.500", "2.500")
    assert case.get("file") == "sub/app/src/a.py"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {
        "status": "fail",
        "priority": "P1",
        "cached": "false",
        "version.ruff": "0.6.9",
        "metric.violations": "3",
    }
    passing = cases(parse(lint_run(0, 1.0))[0])[0]
    assert passing.get("file") == "sub/app/pyproject.toml"


def test_junit_shares_the_gate_time_and_keeps_names_unique() -> None:
    report = make_report(
        gate(
            "secrets",
            Status.FAIL,
            duration_s=3.0,
            criteria=[
                Criterion(text="no secret in the tracked files (4 found)", met=False),
                Criterion(text="no secret in the tracked files (0 found)", met=True),
                Criterion(text=".env ignored", met=True),
            ],
        )
    )
    (suite,) = parse(JunitRenderer().render(report))
    assert [(c.get("name"), c.get("time")) for c in cases(suite)] == [
        ("no secret in the tracked files", "1.000"),
        ("no secret in the tracked files [2]", "1.000"),
        (".env ignored", "1.000"),
    ]
    # No finding located: a failed case points at the project's file.
    assert {c.get("file") for c in cases(suite)} == {"pyproject.toml"}


def write(tmp_path: Path, name: str, report: Any) -> Path:
    path = tmp_path / name
    path.write_text(JsonRenderer().render(report))
    return path


def test_merge_combines_matrix_jobs_and_rebuilds_the_verdict(tmp_path: Path) -> None:
    lint_job = make_report(gate("lint", Status.PASS))
    sast_job = make_report(
        gate("sast", Status.FAIL, findings=[finding("B202")]),
        tools={"bandit": "1.9.4"},
    )
    paths = [write(tmp_path, "a.json", lint_job), write(tmp_path, "b.json", sast_job)]
    merged = merge(read(paths), [str(p) for p in paths])
    assert [g.name for g in merged.gates] == ["lint", "sast"]
    assert merged.verdict is Verdict.NOT_READY
    assert [item.title for item in merged.plan] == [
        "Security hotfixes",
        "Lint and format baseline",
    ]
    assert merged.tools == {"bandit": "1.9.4", "ruff": "0.6.9"}
    only_lint = merge(read(paths[:1]), [str(paths[0])])
    assert only_lint.verdict is Verdict.READY


def test_merge_refuses_conflicts_and_bad_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", make_report(gate("lint")))
    b = write(tmp_path, "b.json", make_report(gate("lint")))
    with pytest.raises(
        UsageError, match=r"gate 'lint' is in both .*a.json and .*b.json"
    ):
        merge(read([a, b]), [str(a), str(b)])
    other = write(tmp_path, "c.json", make_report(gate("sast"), target="other/app"))
    with pytest.raises(UsageError, match="only reports of one target can be merged"):
        merge(read([a, other]), [str(a), str(other)])
    with pytest.raises(UsageError, match="at least one report"):
        merge([], [])
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(UsageError, match=r"broken.json: "):
        read([broken])
    with pytest.raises(UsageError, match=r"missing.json: cannot be read"):
        read([tmp_path / "missing.json"])
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(UsageError, match="not a UTF-8 text file"):
        read([binary])


@pytest.mark.tools
def test_one_partial_report_per_gate_merges_into_the_single_run_report(
    tmp_path: Path,
) -> None:
    """The CI matrix's promise: a job per gate, merged, equals one audit, for
    every gate (each run fresh: no result reused from another's cache)."""
    from readiness import cli  # noqa: PLC0415 - the end-to-end path
    from readiness.gates import registry  # noqa: PLC0415

    gates = tuple(registry())
    target = str(EXAMPLE)
    # one planted advisory, so the deps gate has a finding to merge
    database = tmp_path / "osv"
    database.mkdir()
    (database / "GIT-1.json").write_text(json.dumps(GIT_ADVISORY), encoding="utf-8")
    common = ["--no-cache", "--advisory-db", str(database), "--format", "json"]
    whole = tmp_path / "whole"
    cli.main(["audit", target, *common, "--out", str(whole)])
    partial = []
    for name in gates:
        out = tmp_path / name
        cli.main(["audit", target, "--gate", name, *common, "--out", str(out)])
        partial.append(out / "readiness-report.json")
    merged_out = tmp_path / "merged"
    files = [str(path) for path in partial]
    cli.main(["report", "merge", *files, "--format", "json", "--out", str(merged_out)])

    def comparable(path: Path) -> dict[str, Any]:
        """The report but for what differs between any two runs: when, how
        long, the cached mark, each run's scratch folder in the commands, the
        environment builds of whichever run came first, and whether an
        environment was built or reused."""
        text = SCRATCH.sub("<scratch>", path.read_text(encoding="utf-8"))
        data: dict[str, Any] = json.loads(text)
        data.pop("generated_at")
        for result in data["gates"]:
            result.pop("duration_s")
            result.pop("cached")
            result["commands"] = [c for c in result["commands"] if not builds(c)]
            if builds(result["command"]):
                result["command"] = result["commands"][0]
            result["metrics"].pop("environment", None)
            for key in [k for k in result["metrics"] if k.endswith("_s")]:
                del result["metrics"][key]  # seconds a tool took (mypy_s, ...)
        return data

    merged = comparable(merged_out / "readiness-report.json")
    single = comparable(whole / "readiness-report.json")
    assert [g["name"] for g in merged["gates"]] == list(gates)
    assert [g["status"] for g in single["gates"]].count("error") == 0
    assert merged == single
