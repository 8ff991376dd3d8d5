"""Issue 11's setup.cfg-only project: every gate reads it as its backend does.

httpie declares everything in setup.cfg; before, its test extra was not
installed, the cli gate passed after checking 0 commands, the docs gate
checked 0 invocations and the deps gate was skipped ("no [project] table").
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from readiness import cli

from .conftest import MakeRepo

# Plants: a `test` extra (pytest) and two console scripts in setup.cfg only, a
# `serve` subcommand, docs naming `cfgapp serve` (real) and `cfgapp deploy`
# (missing), and one advisory for its runtime dependency (packaging < 99).
PROJECT = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [tool.coverage.report]
        fail_under = 20
    """,
    "setup.cfg": """
        [metadata]
        name = cfgapp
        version = 1.0.0

        [options]
        packages = cfgapp
        python_requires = >=3.10
        install_requires =
            packaging

        [options.extras_require]
        test =
            pytest

        [options.entry_points]
        console_scripts =
            cfgapp = cfgapp.cli:main
            cfgapp-admin = cfgapp.admin:main
    """,
    "cfgapp/__init__.py": "",
    "cfgapp/cli.py": """
        import argparse


        def main() -> None:
            parser = argparse.ArgumentParser(prog="cfgapp")
            commands = parser.add_subparsers(dest="command")
            commands.add_parser("serve", help="serve the app")
            parser.parse_args()
    """,
    "cfgapp/admin.py": """
        import argparse


        def main() -> None:
            argparse.ArgumentParser(prog="cfgapp-admin").parse_args()
    """,
    "tests/test_app.py": """
        import cfgapp.cli


        def test_imports() -> None:
            assert cfgapp.cli.main
    """,
    "README.md": "Run `cfgapp serve`, or `cfgapp deploy` to ship it.\n",
}


def advisory_db(path: Path) -> Path:
    record = {
        "id": "PYSEC-0000-1",
        "modified": "2024-01-01T00:00:00Z",
        "summary": "a planted advisory",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "packaging"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": "99"}],
                    }
                ],
            }
        ],
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("PYSEC-0000-1.json", json.dumps(record))
    return path


@pytest.mark.tools
def test_a_setup_cfg_project_is_read_by_every_gate(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(PROJECT)
    before = tree(root)
    db = advisory_db(tmp_path / "osv.zip")
    out = tmp_path / "out"
    gates = ["--gate", "tests", "--gate", "cli", "--gate", "docs", "--gate", "deps"]
    argv = ["audit", str(root), *gates, "--advisory-db", str(db), "--no-cache"]
    assert cli.main([*argv, "--format", "json", "--out", str(out)]) == 1
    report = json.loads((out / "readiness-report.json").read_text(encoding="utf-8"))
    gates_by_name = {gate["name"]: gate for gate in report["gates"]}

    tests = gates_by_name["tests"]
    assert tests["status"] == "pass", tests
    assert tests["metrics"]["passed"] == 1
    assert (
        tests["metrics"]["test_requirements"]
        == "setup.cfg [options.extras_require] test"
    )
    assert tests["metrics"]["versions_from"] == "resolved (no lock)"

    cli_gate = gates_by_name["cli"]
    assert cli_gate["status"] == "pass", cli_gate
    assert cli_gate["metrics"]["scripts"] == 2
    assert cli_gate["metrics"]["commands"] == 3  # cfgapp, cfgapp serve, cfgapp-admin

    docs = gates_by_name["docs"]
    assert docs["status"] == "fail"
    assert [(f["rule"], f["details"]["command"]) for f in docs["findings"]] == [
        ("DC001", "cfgapp deploy")
    ]
    assert (docs["metrics"]["invocations"], docs["metrics"]["unchecked"]) == (2, 0)

    deps = gates_by_name["deps"]
    assert deps["status"] == "fail", deps
    # the prod lock fails, naming the test and dev locks that pin the same
    # version; no DP002, since cfgapp is a library
    assert [
        (f["rule"], f["severity"], f["priority"], f["path"]) for f in deps["findings"]
    ] == [("PYSEC-0000-1", "high", "P1", "setup.cfg")]
    locks = deps["findings"][0]["message"].split(": ")[0]
    assert locks.partition(" in the ")[2] == (
        "prod lock (also in the test and dev locks)"
    )
    assert deps["metrics"]["generated_from"] == "setup.cfg"
    assert (deps["metrics"]["prod_packages"], deps["metrics"]["prod_advisories"]) == (
        1,
        1,
    )  # packaging, the one runtime dependency
    assert tree(root) == before  # no build/, egg-info or cache left in the tree


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (ignored ones too) and its content."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
