"""The secrets gate with real git and detect-secrets on fixture repositories.

The fake credentials are assembled from pieces at run time, so that this file
itself holds nothing a secret scanner would flag (readiness audits its own
repository with this gate).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command
from readiness import settings as settings_module
from readiness.findings import GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates.interface import GateContext, GateError
from readiness.gates.secrets import (
    ENV_MODE,
    ENV_NOT_IGNORED,
    ENV_TRACKED,
    SECRET,
    SecretsGate,
    chunks,
    detected,
    git_state,
    is_env_file,
    parse_json,
)
from readiness.repofiles import excluded, walk
from readiness.target import discover
from tests.conftest import EXAMPLE

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

#: An AWS-shaped access key id and a keyword assignment, built from pieces.
AWS_KEY = "AKIA" + "Z7QW3XKJ5NPR2TYU"
API_SECRET = "_".join(["BROKER", "API", "SECRET"]) + "=" + "-".join(["q9", "Lm2", "x7"])


def git(root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout


def commit_all(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "fixture")


def example_copy(tmp_path: Path) -> Path:
    """examples/legacy-app as its own git repository, everything committed."""
    root = tmp_path / "legacy-app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    commit_all(root)
    return root


def by_rule(result: GateResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.rule, []).append(finding.location)
    return found


def context(root: Path, values: dict[str, object] | None = None) -> GateContext:
    target = discover(root)
    config = settings_module.load(target, frozenset(registry()))
    if values is not None:
        config = settings_module.Settings(gates={"secrets": values})
    scratch = root.parent / ".scratch-secrets"
    scratch.mkdir(exist_ok=True)
    return GateContext(
        gate="secrets",
        target=target,
        settings=config,
        scratch=scratch,
        deadline=time.monotonic() + 300,
    )


# --- the example --------------------------------------------------------------


@pytest.mark.tools
def test_the_examples_committed_env_is_a_p0_finding(
    tmp_path: Path, run_gate: RunGate
) -> None:
    root = example_copy(tmp_path)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.FAIL, result.reason
    assert by_rule(result) == {
        ENV_TRACKED.id: [".env"],
        ENV_NOT_IGNORED.id: [".gitignore"],
        ENV_MODE.id: [".env"],
        SECRET.id: [
            ".env:2",
            ".env:3",
            "tests/test_config.py:20",
            "tests/test_config.py:21",
        ],
    }
    tracked = next(f for f in result.findings if f.rule == ENV_TRACKED.id)
    assert (tracked.severity, tracked.priority) == (Severity.CRITICAL, Priority.P0)
    assert {f.priority for f in result.findings} == {Priority.P0}
    assert dict(result.metrics) == {
        "env_files": 1,
        "git": "yes",
        "env_tracked": 1,
        "env_not_ignored": 1,
        "env_too_open": 1,
        "files_scanned": 38,
        "secrets": 4,
        "secrets_in_baseline": 0,
    }
    assert [c.met for c in result.criteria] == [False, False, False, False]
    assert "detect-secrets" in result.tools
    # a finding names type, file and line, never the secret
    values = [
        line.partition("=")[2]
        for line in (root / ".env").read_text().splitlines()
        if "=" in line
    ]
    shown = json.dumps(
        [(f.message, f.fix, dict(f.details)) for f in result.findings]
        + [list(c) for c in result.commands]
    )
    assert values
    assert not [value for value in values if value in shown]
    secret = next(f for f in result.findings if f.rule == SECRET.id)
    assert secret.message == "possible secret committed: Secret Keyword"


@pytest.mark.tools
def test_the_example_in_place_answers_for_the_enclosing_repository(
    run_gate: RunGate,
) -> None:
    """examples/legacy-app is a sub-folder of readiness's work tree: git answers
    for that repository, where the example's .env is tracked."""
    if ".env" not in git(EXAMPLE, "ls-files"):
        pytest.skip("the example is not committed in this work tree")
    result = run_gate(SecretsGate(), EXAMPLE)
    assert ".env" in by_rule(result)[ENV_TRACKED.id]
    assert result.metrics["secrets"] == 4


# --- hygiene that passes, and the variants -------------------------------------


@pytest.mark.tools
def test_a_hygienic_repository_passes(make_repo: MakeRepo, run_gate: RunGate) -> None:
    root = make_repo(
        {
            ".gitignore": ".env\n.env.*\n!.env.example\n",
            ".env.example": "BROKER_URL=\n",
            "app.py": "import os\n\nKEY = os.environ['BROKER_KEY']\n",
        }
    )
    commit_all(root)
    (root / ".env").write_text(API_SECRET + "\n")
    (root / ".env").chmod(0o600)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["env_files"] == 1
    assert result.metrics["files_scanned"] == 3  # .env is not tracked


@pytest.mark.tools
def test_variants_tracked_unignored_and_templates(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            ".gitignore": ".env\n",
            ".env.production": "MODE=prod\n",
            ".env.sample": "MODE=\n",
            "config/.env.staging": "MODE=staging\n",
        }
    )
    commit_all(root)
    (root / ".env.local").write_text("MODE=local\n")
    for name in (".env.production", ".env.local", "config/.env.staging"):
        (root / name).chmod(0o600)
    result = run_gate(SecretsGate(), root)
    assert by_rule(result) == {
        ENV_TRACKED.id: [".env.production", "config/.env.staging"],
        ENV_NOT_IGNORED.id: [".gitignore"] * 3,
    }
    unignored = sorted(
        str(f.details["file"]) for f in result.findings if f.rule == ENV_NOT_IGNORED.id
    )
    assert unignored == [".env.local", ".env.production", "config/.env.staging"]


@pytest.mark.tools
def test_a_repository_without_env_in_gitignore(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"app.py": "print('hi')\n"})
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    (finding,) = result.findings
    assert finding.rule == ENV_NOT_IGNORED.id
    assert "absent now" in finding.message


@pytest.mark.tools
def test_outside_git_the_git_checks_are_skipped_and_every_file_scanned(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "settings.py": f"ACCESS_KEY_ID = '{AWS_KEY}'\n",
            ".venv/lib/leak.py": f"KEY = '{AWS_KEY}'\n",
            "node_modules/x/leak.js": f"const k = '{AWS_KEY}'\n",
        }
    )
    (root / ".env").write_text(API_SECRET + "\n")
    (root / ".env").chmod(0o640)
    result = run_gate(SecretsGate(), root)
    assert result.metrics["git"] == "checks skipped: not in a git repository"
    assert by_rule(result) == {
        ENV_MODE.id: [".env"],
        SECRET.id: [".env:1", "settings.py:1"],
    }
    mode = next(f for f in result.findings if f.rule == ENV_MODE.id)
    assert mode.message == ".env has mode 0640; credentials files must be 0600"
    assert [c.text for c in result.criteria] == [
        ".env files owner-only, mode 0600 (1 readable by others)",
        "no secret in the files (2 found)",
    ]


# --- the baseline and the options ------------------------------------------------


@pytest.mark.tools
def test_the_baseline_accepts_known_secrets_unless_audited_real(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            ".gitignore": ".env\n.env.*\n",
            "a.py": f"ACCESS_KEY_ID = '{AWS_KEY}'\n",
            "b.py": "TOKEN = None\n",
        }
    )
    completed = command.run(
        ["detect-secrets", "scan", "-n", "a.py"], cwd=root, timeout_s=120
    )
    (root / ".secrets.baseline").write_text(completed.stdout)
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["secrets_in_baseline"] == 1
    assert result.criteria[-1].text == (
        "no secret in the tracked files (0 found, 1 accepted in the baseline)"
    )

    (root / "b.py").write_text(f"OTHER_ACCESS_KEY_ID = '{AWS_KEY[:-1]}Q'\n")
    audited = json.loads(completed.stdout)
    audited["results"]["a.py"][0]["is_secret"] = True
    (root / ".secrets.baseline").write_text(json.dumps(audited))
    result = run_gate(SecretsGate(), root)
    assert by_rule(result) == {SECRET.id: ["a.py:1", "b.py:1"]}
    assert result.metrics["secrets_in_baseline"] == 0


@pytest.mark.tools
def test_exclude_and_exclude_lines_options(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": """
                [tool.readiness.secrets]
                exclude = ["corpus"]
                exclude_lines = ["FIXTURE_KEY"]
            """,
            ".gitignore": ".env\n",
            "corpus/.env": API_SECRET + "\n",
            "corpus/leak.py": f"KEY = '{AWS_KEY}'\n",
            "app.py": f"FIXTURE_KEY = '{AWS_KEY}'\n",
        }
    )
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["files_scanned"] == 3


@pytest.mark.tools
def test_a_configured_baseline_must_exist(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {"pyproject.toml": '[tool.readiness.secrets]\nbaseline = "ds.json"\n'}
    )
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.ERROR
    assert result.reason == "[tool.readiness.secrets] baseline ds.json does not exist"
    root.joinpath("pyproject.toml").write_text(
        "[tool.readiness.secrets]\nbaseline = 3\n"
    )
    assert run_gate(SecretsGate(), root).reason == (
        "[tool.readiness.secrets] baseline must be a path"
    )


# --- pieces ----------------------------------------------------------------------


class FakeGit(GateContext):
    """A context whose commands fail the way a missing git does."""

    def __init__(self, root: Path, error: Exception) -> None:
        super().__init__(
            gate="secrets",
            target=discover(root),
            settings=settings_module.Settings(),
            scratch=root,
            deadline=time.monotonic() + 10,
        )
        self.error = error

    def run(self, args: Sequence[str], **kwargs: object) -> command.Completed:
        raise self.error


def test_git_state_without_git_or_outside_a_work_tree(tmp_path: Path) -> None:
    missing = git_state(FakeGit(tmp_path, command.ToolNotFound("git")))
    assert (missing.tracked, missing.reason) == (None, "git is not installed")
    fatal = "fatal: not a git repository (or any of the parent directories): .git"
    outside = git_state(
        FakeGit(tmp_path, command.ToolFailed("128", output=fatal, returncode=128))
    )
    assert outside.reason == "not in a git repository"


@pytest.mark.tools
def test_git_state_inside_a_bare_repository_folder(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "repo.git")
    state = git_state(context(tmp_path / "repo.git", {}))
    assert (state.tracked, state.reason) == (None, "not in a git work tree")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (".env", True),
        (".env.local", True),
        (".env.production", True),
        (".env.example", False),
        (".env.sample", False),
        (".envrc", False),
        ("prod.env", False),
        ("env", False),
    ],
)
def test_env_file_names(name: str, expected: bool) -> None:  # noqa: FBT001
    assert is_env_file(name) is expected


def test_chunks_keep_command_lines_short() -> None:
    files = [f"file{i}.py" for i in range(10)]
    batches = list(chunks(files, limit=30))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert [f for b in batches for f in b] == files
    assert list(chunks([])) == []


def test_walk_and_exclusion_patterns(tmp_path: Path) -> None:
    for rel in ("a.py", "docs/x.md", "docs/archive/old.md", "venvy/pyvenv.cfg"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "app.egg-info").mkdir()
    (tmp_path / "app.egg-info" / "PKG-INFO").write_text("")
    assert list(walk(tmp_path)) == ["a.py", "docs/x.md", "docs/archive/old.md"]
    assert list(walk(tmp_path, ["docs/archive"])) == ["a.py", "docs/x.md"]
    assert excluded("docs/archive/old.md", ["docs/*/"])
    assert excluded("CHANGELOG.md", ["CHANGELOG*"])
    assert not excluded("docs/x.md", ["*.py"])
    assert not excluded("a.py", [])


def test_detect_secrets_output_is_read_defensively() -> None:
    with pytest.raises(GateError, match="is not JSON"):
        parse_json("Traceback", "detect-secrets output")
    with pytest.raises(GateError, match="has no results table"):
        parse_json('{"results": []}', "detect-secrets output")
    data = parse_json(
        json.dumps(
            {
                "results": {
                    "a.py": [{"type": "T", "line_number": 3, "hashed_secret": "h"}],
                    "b.py": ["junk", {"type": "U"}],
                    "c.py": "junk",
                }
            }
        ),
        "x",
    )
    assert [(d.path, d.line, d.kind) for d in detected(data)] == [
        ("a.py", 3, "T"),
        ("b.py", None, "U"),
    ]


@pytest.mark.tools
def test_this_file_holds_no_literal_secret() -> None:
    """The fixtures assemble their secrets; detect-secrets sees none here."""
    here = Path(__file__)
    completed = command.run(
        ["detect-secrets", "scan", "-n", here.name], cwd=here.parent, timeout_s=120
    )
    assert json.loads(completed.stdout)["results"] == {}
