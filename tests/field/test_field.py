"""The field corpus: the static gates on real projects, with their exact findings.

Each project of ``corpus.toml`` (real sdists at pinned versions and hashes) is
checked out once per session into a git repository, and each static gate
(markers, lint, sast, deps, secrets, docs) runs on it exactly as the runner
runs it; the cli gate's static discovery (no ``--help`` walk) gives the
command tree. The results must match ``expected.json``: each gate's status,
its finding count per rule and severity, and the first locations of each rule.

The expectations record what the gates report today, false alarms included:
``docs/field.md`` (``benchmarks/field.py``) judges them. After a change to a
gate, re-record with ``READINESS_FIELD_RECORD=1`` and review the diff of
``expected.json``: every line that goes is a false alarm fixed or a true
finding lost.

The deps gate reads the offline advisory snapshot (``$READINESS_ADVISORY_DB``,
else ``../shared/advisory-db/osv-pypi-2024-10-10.zip``) and is skipped without
it; the locks it generates are resolved by uv as of ``corpus.EXCLUDE_NEWER``, so
that new releases do not change them. Everything is skipped, with the reason, when
the package index cannot be reached and the cache does not hold the sdists.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from readiness import clistatic
from readiness import settings as settings_module
from readiness.findings import GateResult
from readiness.gates import registry
from readiness.gates.interface import GateContext
from readiness.runner import execute
from readiness.target import discover
from tests.conftest import REPO_ROOT, run_gate_at
from tests.field import corpus

pytestmark = [pytest.mark.field, pytest.mark.tools]

EXPECTED_FILE = Path(__file__).with_name("expected.json")
RECORD = os.environ.get("READINESS_FIELD_RECORD") == "1"
#: Locations recorded per rule and gate.
SITES = 3
STATIC_GATES = ("markers", "lint", "sast", "deps", "secrets", "docs")
PROJECTS = corpus.load()


def advisory_db() -> Path | None:
    configured = os.environ.get("READINESS_ADVISORY_DB")
    path = (
        Path(configured)
        if configured
        else REPO_ROOT.parent / "shared" / "advisory-db" / "osv-pypi-2024-10-10.zip"
    )
    return path if path.exists() else None


class Checkouts:
    """Each project checked out once per session, on first use."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.roots: dict[str, Path] = {}
        self.failures: dict[str, str] = {}

    def root(self, project: corpus.Project) -> Path:
        if project.key in self.failures:
            pytest.skip(self.failures[project.key])
        if project.key not in self.roots:
            try:
                self.roots[project.key] = corpus.checkout(
                    project, self.base / project.key
                )
            except corpus.Unreachable as error:
                self.failures[project.key] = (
                    f"the package index cannot be reached and {project.archive_name}"
                    f" is not cached: {error}"
                )
                pytest.skip(self.failures[project.key])
        return self.roots[project.key]


@pytest.fixture(scope="session")
def checkouts(tmp_path_factory: pytest.TempPathFactory) -> Checkouts:
    return Checkouts(tmp_path_factory.mktemp("field"))


@pytest.fixture
def fixed_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_EXCLUDE_NEWER", corpus.EXCLUDE_NEWER)


def run_deps(root: Path, database: Path) -> GateResult:
    """The deps gate as the runner runs it, with ``--advisory-db`` given."""
    gate = registry()["deps"]()
    target = discover(root)
    config = dataclasses.replace(
        settings_module.load(target, frozenset(registry())), advisory_db=database
    )
    scratch = root.parent / ".scratch-deps"
    scratch.mkdir(exist_ok=True)
    started = time.monotonic()
    ctx = GateContext(
        gate="deps",
        target=target,
        settings=config,
        scratch=scratch,
        deadline=started + 600.0,
    )
    return execute(gate, ctx, started)


def summary(result: GateResult) -> dict[str, Any]:
    """What is asserted of a gate's result: status, counts, the first sites per rule.

    The sites are the first ``SITES`` locations of each rule (in path and line
    order): enough to pin what is found where, without recording thousands.
    """
    counts = Counter(f"{f.rule} {f.severity}" for f in result.findings)
    sites: dict[str, list[str]] = {}
    for finding in sorted(result.findings, key=lambda f: (f.path or "", f.line or 0)):
        kept = sites.setdefault(finding.rule, [])
        if len(kept) < SITES:
            kept.append(finding.location or "-")
    return {
        "status": str(result.status),
        "reason": result.reason,
        "counts": dict(sorted(counts.items())),
        "sites": dict(sorted(sites.items())),
    }


def cli_summary(root: Path) -> dict[str, Any]:
    """The static model of each console script: its command paths, or why none."""
    scripts: dict[str, dict[str, Any]] = {}
    for script in clistatic.discover(discover(root)):
        if script.root is None:
            scripts[script.name] = {"model": None, "reason": script.reason}
            continue
        scripts[script.name] = {
            "model": [
                " ".join(path) + ("" if node.commands_complete else " ...")
                for path, node in script.root.walk()
            ],
            "options": len(script.root.options),
        }
    return scripts


def check(key: str, gate: str, actual: dict[str, Any]) -> None:
    """Assert ``actual`` is the recorded expectation (or record it)."""
    expected = (
        json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
        if EXPECTED_FILE.is_file()
        else {}
    )
    if RECORD:
        expected.setdefault(key, {})[gate] = actual
        EXPECTED_FILE.write_text(
            json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        return
    assert gate in expected.get(
        key, {}
    ), f"no expectation for {key} {gate}: record with READINESS_FIELD_RECORD=1"
    assert actual == expected[key][gate]


@pytest.mark.parametrize("gate", STATIC_GATES)
@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
@pytest.mark.usefixtures("fixed_resolution")
def test_static_gate_findings(
    checkouts: Checkouts, project: corpus.Project, gate: str
) -> None:
    root = checkouts.root(project)
    if gate == "deps":
        database = advisory_db()
        if database is None:
            pytest.skip(
                "no offline advisory database: set READINESS_ADVISORY_DB or put"
                " the snapshot in ../shared/advisory-db/"
            )
        result = run_deps(root, database)
    else:
        result = run_gate_at(registry()[gate](), root)
    check(project.key, gate, summary(result))


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_cli_static_discovery(checkouts: Checkouts, project: corpus.Project) -> None:
    check(project.key, "cli-static", cli_summary(checkouts.root(project)))


def test_corpus_covers_what_the_issue_asks() -> None:
    """At least 8 projects, each pinned by an https URL and a sha256."""
    assert len(PROJECTS) >= 8
    assert len({p.name for p in PROJECTS}) == len(PROJECTS)
    for project in PROJECTS:
        assert project.url.startswith("https://files.pythonhosted.org/")
        assert len(project.sha256) == 64
        assert project.archive_name.endswith((".tar.gz", ".zip"))
    covered = {item for p in PROJECTS for item in p.covers}
    for needed in (
        "setuptools setup.cfg",
        "setuptools setup.py",
        "hatchling",
        "flit-core",
        "poetry-core",
        "pdm-backend",
        "uv.lock",
        "ruff format",
        "black user",
        "pytest plugin",
        "click CLI",
        "argparse CLI",
        "Sphinx docs",
    ):
        assert needed in covered
