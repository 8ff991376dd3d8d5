"""The CLI's newer entry points: ci github, advisories update, report options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readiness import cli

from .conftest import REPO_ROOT, MakeRepo
from .test_advisories_update import export, record, served  # noqa: F401 - fixture
from .test_cli import CLEAN, DIRTY, one_line_error


def test_ci_github_needs_a_noxfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ci", "github", str(tmp_path)]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        f"{tmp_path}: no noxfile.py; the CI matrix is its nox sessions"
    )


def test_advisories_update_installs_into_the_cache(
    served: dict[str, bytes],  # noqa: F811 - the fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    served["/all.zip"] = export(record("PYSEC-9", "flask"))
    url = served[""].decode() + "/all.zip"
    assert cli.main(["advisories", "update", "--url", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"installed {tmp_path}/advisories/osv-pypi.zip: osv-pypi.zip")
    assert out.rstrip().endswith(", 1 records")
    assert cli.main(["advisories", "update", "--url", url + ".gone"]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        f"cannot download {url}.gone: HTTP 404"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--previous", "missing.json"], "missing.json: cannot read the report"),
        (["--sarif-root", "/nonexistent-root"], "--sarif-root /nonexistent-root"),
    ],
)
def test_report_options_fail_in_one_line(
    make_repo: MakeRepo,
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    root = make_repo(CLEAN)
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    argv = ["audit", str(root), "--gate", "markers", "--format", "sarif"]
    argv += ["--out", str(tmp_path / "out"), *extra]
    assert cli.main(argv) == 2
    assert one_line_error(capsys.readouterr().err).startswith(message)


def test_a_previous_report_that_is_not_one_is_refused(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(CLEAN)
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    argv = ["audit", str(root), "--gate", "markers", "--previous", str(bad)]
    assert cli.main(argv) == 2
    assert one_line_error(capsys.readouterr().err).startswith(f"{bad}: ")


@pytest.mark.tools
def test_html_with_a_previous_report_and_sarif_relative_to_the_repository(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(DIRTY)
    first, second = tmp_path / "first", tmp_path / "second"
    argv = ["audit", str(root), "--gate", "lint", "--format", "json"]
    assert cli.main([*argv, "--out", str(first)]) == 1
    (root / "src/clean/bad.py").write_text("import os\nimport sys\n")
    assert (
        cli.main(
            [
                "audit",
                str(root),
                "--gate",
                "lint",
                "--format",
                "html",
                "--format",
                "sarif",
                "--out",
                str(second),
                "--previous",
                str(first / "readiness-report.json"),
                "--sarif-root",
                str(root.parent),
            ]
        )
        == 1
    )
    page = (second / "readiness-report.html").read_text(encoding="utf-8")
    assert (
        '<span class="new">1 new</span>, <span class="fixed">0 fixed</span>,'
        " 1 unchanged.</p>"
    ) in page
    sarif = json.loads((second / "readiness-report.sarif").read_text())
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for run in sarif["runs"]
        for result in run["results"]
    }
    assert uris == {"repo/src/clean/bad.py"}


def test_fix_takes_an_advisory_database(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(CLEAN)
    argv = ["fix", str(root), "--priority", "P1", "--dry-run"]
    assert cli.main([*argv, "--advisory-db", str(REPO_ROOT / "nope.zip")]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        f"{REPO_ROOT / 'nope.zip'}: no such advisory database"
    )
