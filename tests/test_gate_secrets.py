"""The secrets gate and its scanner on fixture repositories (real git).

Fake credentials are assembled from pieces at run time (here and in
``tests/secrets_planted.py``), so that this file holds nothing a secret scanner
would flag: readiness audits its own repository with this gate.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command
from readiness import settings as settings_module
from readiness.findings import GateResult, Priority, Severity, Status
from readiness.gates.interface import GateContext, GateError
from readiness.gates.secrets import (
    ENV_MODE,
    ENV_NOT_IGNORED,
    ENV_TRACKED,
    SECRET,
    SecretsGate,
    git_state,
    is_env_file,
    parse_json,
)
from readiness.repofiles import excluded, walk
from readiness.secretscan import context_of, scan_files
from readiness.secretshapes import looks_secret, secret_key
from readiness.target import discover
from tests.conftest import EXAMPLE, git
from tests.secrets_planted import plant

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

#: An AWS-shaped access key id and a keyword assignment, built from pieces.
AWS_KEY = "AK" + "IA" + "Z7QW3MKJ5NPR2TYB"
SECRET_VALUE = "q9Lm2" + "Zt7Wk4" + "#x"
DOTENV_APPLICATION = (
    '[project]\nname = "a"\ndependencies = ["python-dotenv>=1"]\n'
    '[tool.readiness]\nkind = "application"\n'
)
API_SECRET = "_".join(["BROKER", "API", "SECRET"]) + "=" + SECRET_VALUE


def commit_all(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "fixture")


def by_rule(result: GateResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.rule, []).append(finding.location)
    return found


def shown(result: GateResult) -> str:
    """Every text of a result a report would show."""
    return json.dumps(
        [(f.message, f.fix, dict(f.details)) for f in result.findings]
        + [list(c) for c in result.commands]
        + [c.text for c in result.criteria]
        + [str(v) for v in result.metrics.values()]
    )


# --- the planted set ---------------------------------------------------------


def test_the_planted_set_every_secret_found_and_no_decoy(tmp_path: Path) -> None:
    """27 real-format secrets (4 of them test fixtures or a local database, Low)
    and 46 decoys of every false-alarm class seen on real projects; the test
    CA's key is set apart as a test key."""
    planted, decoys = plant(tmp_path)
    assert (len(planted), len(decoys)) == (27, 46)
    scan = scan_files(tmp_path, list(walk(tmp_path)))
    found = [(h.path, h.line, h.shape.id, h.severity.value) for h in scan.hits]
    assert sorted(found) == sorted(
        (p.path, p.line, p.shape, p.severity) for p in planted
    )
    reported = {(h.path, h.line) for h in scan.hits}
    assert [d for d in decoys if (d.path, d.line) in reported] == []
    assert (scan.scanned, scan.skipped) == (23, ())
    assert [(h.path, h.line) for h in scan.test_keys] == [
        ("tests/certs/ca/ca-private.key", 1)
    ]


def test_the_planted_set_per_rule_and_place(tmp_path: Path) -> None:
    planted, _ = plant(tmp_path)
    assert [(p.path, p.line, p.shape) for p in planted] == [
        ("app/settings.py", 2, "aws-access-key-id"),
        ("app/settings.py", 3, "aws-secret-access-key"),
        ("app/settings.py", 4, "keyword-assignment"),
        ("app/settings.py", 5, "database-url-password"),
        ("app/settings.py", 6, "database-url-password"),
        ("deploy/release.sh", 2, "github-pat"),
        ("deploy/release.sh", 3, "github-pat"),
        ("deploy/release.sh", 4, "gitlab-pat"),
        ("deploy/release.sh", 5, "pypi-token"),
        ("deploy/release.sh", 6, "npm-token"),
        ("app/integrations.py", 1, "slack-token"),
        ("app/integrations.py", 2, "slack-webhook"),
        ("app/integrations.py", 3, "stripe-live-key"),
        ("app/integrations.py", 4, "stripe-live-key"),
        ("app/integrations.py", 5, "google-api-key"),
        ("app/integrations.py", 6, "github-oauth"),
        ("app/integrations.py", 7, "github-app-token"),
        ("app/integrations.py", 8, "openai-key"),
        ("app/integrations.py", 9, "anthropic-key"),
        ("app/integrations.py", 10, "sendgrid-key"),
        ("app/integrations.py", 11, "huggingface-token"),
        ("app/integrations.py", 12, "jwt"),
        ("deploy/id_rsa", 1, "private-key"),
        ("config/app.ini", 2, "keyword-assignment"),
        ("tests/fixtures/server.key", 1, "private-key"),
        ("tests/test_client.py", 1, "keyword-assignment"),
        ("tests/test_client.py", 2, "database-url-password"),
    ]


@pytest.mark.tools
def test_the_gate_on_the_planted_set(tmp_path: Path, run_gate: RunGate) -> None:
    root = tmp_path / "planted"
    planted, _ = plant(root)
    (root / ".gitignore").write_text("/.env\n")
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.FAIL
    secrets = [f for f in result.findings if f.rule == SECRET.id]
    assert sorted((f.location, str(f.details["shape"])) for f in secrets) == sorted(
        (f"{p.path}:{p.line}", p.shape) for p in planted
    )
    low = {f.location for f in secrets if f.severity is Severity.LOW}
    assert low == {
        "app/settings.py:6",
        "tests/fixtures/server.key:1",
        "tests/test_client.py:1",
        "tests/test_client.py:2",
    }
    assert {f.priority for f in secrets if f.location in low} == {Priority.P2}
    assert {f.priority for f in secrets if f.location not in low} == {Priority.P0}
    assert result.metrics["secrets"] == 23
    assert result.metrics["secrets_low"] == 4
    assert result.metrics["test_keys"] == 1
    assert [c.text for c in result.criteria] == [
        (
            "no .env file with credentials tracked by git (0 tracked; 1 tracked"
            " fixture .env file without credentials not reported:"
            " tests/test_apps/.env)"
        ),
        ".env and its variants ignored by git (0 not ignored)",
        "untracked .env files owner-only, mode 0600 (0 readable by others)",
        (
            "no secret in the tracked files (23 found, 4 low-severity to review,"
            " 1 test key beside certificates under tests/certs not reported)"
        ),
    ]
    by_location = {f.location: f for f in secrets}
    assert by_location["deploy/release.sh:2"].message == (
        "GitHub personal access token committed"
    )
    assert by_location["app/settings.py:4"].message == (
        "secret-like literal assigned to SECRET_KEY"
    )
    assert by_location["tests/test_client.py:1"].message == (
        "secret-like literal assigned to API_TOKEN in a test file"
    )
    # no finding, command, criterion or metric holds any part of a secret
    text = shown(result)
    values = [
        line.split("=", 1)[-1].strip().strip('"')
        for p in planted
        for line in (root / p.path).read_text().splitlines()[p.line - 1 : p.line]
    ]
    assert [v for v in values if v[-12:] in text] == []


# --- the example -------------------------------------------------------------


def example_copy(tmp_path: Path) -> Path:
    """examples/legacy-app as its own git repository, everything committed."""
    root = tmp_path / "legacy-app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    commit_all(root)
    return root


@pytest.mark.tools
def test_the_examples_committed_env_is_a_critical_finding(
    tmp_path: Path, run_gate: RunGate
) -> None:
    root = example_copy(tmp_path)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.FAIL, result.reason
    assert by_rule(result) == {
        ENV_TRACKED.id: [".env"],
        ENV_NOT_IGNORED.id: [".gitignore"],
    }
    tracked = next(f for f in result.findings if f.rule == ENV_TRACKED.id)
    assert (tracked.severity, tracked.priority) == (Severity.CRITICAL, Priority.P0)
    assert tracked.message == (
        ".env is tracked by git and holds BROKER_API_KEY, BROKER_API_SECRET,"
        " DATA_API_TOKEN: they are in every clone"
    )
    assert dict(result.metrics) == {
        "env_files": 1,
        "git": "yes",
        "env_tracked": 1,
        "env_fixtures": 0,
        "env_not_ignored": 1,
        "dotenv": "env_file at src/legacy_app/config.py:11",
        "env_too_open": 0,
        "files_listed": 38,
        "files_scanned": 38,
        "files_skipped": 0,
        "secrets": 0,
        "secrets_low": 0,
        "secrets_in_baseline": 0,
        "test_keys": 0,
    }
    assert [c.met for c in result.criteria] == [False, False, True, True]
    values = [
        line.partition("=")[2]
        for line in (root / ".env").read_text().splitlines()
        if "=" in line
    ]
    assert values
    assert not [value for value in values if value in shown(result)]


@pytest.mark.tools
def test_the_example_in_place_answers_for_the_enclosing_repository(
    run_gate: RunGate,
) -> None:
    """examples/legacy-app is a sub-folder of readiness's work tree: git answers
    for that repository, where the example's .env is tracked (and ignored)."""
    if ".env" not in git(EXAMPLE, "ls-files"):
        pytest.skip("the example is not committed in this work tree")
    result = run_gate(SecretsGate(), EXAMPLE)
    assert by_rule(result) == {ENV_TRACKED.id: [".env"]}


# --- SE001, SE002, SE003: precision ------------------------------------------


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
def test_no_env_and_no_dotenv_use_means_no_ignore_finding(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Before: SE002 ".env is not ignored" at P0 on every project."""
    root = make_repo({"app.py": "print('hi')\n"})
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["dotenv"] == "not used"


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        (
            {"pyproject.toml": DOTENV_APPLICATION},
            "requires python-dotenv",
        ),
        (
            {"app.py": "import dotenv\n\ndotenv.load_dotenv()\n"},
            "load_dotenv at app.py:3",
        ),
        (
            {"compose.yaml": "services:\n  web:\n    env_file: .env\n"},
            "env_file at compose.yaml:3",
        ),
    ],
)
@pytest.mark.tools
def test_an_application_that_loads_a_dotenv_must_ignore_it(
    make_repo: MakeRepo, run_gate: RunGate, files: dict[str, str], evidence: str
) -> None:
    """An application by its declared kind, or by having no package at all."""
    root = make_repo({**files, "README.md": "Call load_dotenv() yourself.\n"})
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    (finding,) = result.findings
    assert finding.rule == ENV_NOT_IGNORED.id
    assert finding.message == (
        ".env is not ignored by git"
        f" (absent now, but the project loads one: {evidence})"
    )


@pytest.mark.tools
def test_mode_only_for_untracked_env_files(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """git stores 644 or 755: a tracked file's mode is every checkout's, not a gap."""
    root = make_repo({".gitignore": ".env.local\n", ".env": "DEBUG=1\n"})
    commit_all(root)
    (root / ".env").chmod(0o644)
    (root / ".env.local").write_text(API_SECRET + "\n")
    (root / ".env.local").chmod(0o640)
    result = run_gate(SecretsGate(), root)
    modes = [f for f in result.findings if f.rule == ENV_MODE.id]
    assert [(f.location, f.message) for f in modes] == [
        (".env.local", ".env.local has mode 0640; credentials files must be 0600")
    ]


@pytest.mark.tools
def test_variants_tracked_unignored_and_templates(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            ".gitignore": ".env\n",
            ".env.production": "DB_PASSWORD=prod\n",
            ".env.sample": "MODE=\n",
            "config/.env.staging": "API_TOKEN=staging\n",
        }
    )
    commit_all(root)
    (root / ".env.local").write_text("MODE=local\n")
    (root / ".env.local").chmod(0o600)
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
    assert [c.text for c in result.criteria] == [
        "untracked .env files owner-only, mode 0600 (1 readable by others)",
        "no secret in the files (2 found)",
    ]


# --- suppressions, baseline, options -----------------------------------------


@pytest.mark.tools
def test_the_baseline_accepts_known_secrets_unless_audited_real(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"a.py": f"ACCESS_KEY_ID = '{AWS_KEY}'\n", "b.py": "x = 1\n"})
    hashed = hashlib.sha1(AWS_KEY.encode(), usedforsecurity=False).hexdigest()
    entry = {"type": "AWS Access Key", "line_number": 1, "hashed_secret": hashed}
    (root / ".secrets.baseline").write_text(json.dumps({"results": {"a.py": [entry]}}))
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["secrets_in_baseline"] == 1
    assert result.criteria[-1].text == (
        "no secret in the tracked files (0 found, 1 accepted in the baseline)"
    )
    entry["is_secret"] = True
    (root / ".secrets.baseline").write_text(json.dumps({"results": {"a.py": [entry]}}))
    assert by_rule(run_gate(SecretsGate(), root)) == {SECRET.id: ["a.py:1"]}


@pytest.mark.tools
def test_exclude_exclude_lines_and_allowlist_pragmas(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": """
                [tool.readiness.secrets]
                exclude = ["corpus"]
                exclude_lines = ["FIXTURE_KEY"]
            """,
            "corpus/.env": API_SECRET + "\n",
            "corpus/leak.py": f"KEY = '{AWS_KEY}'\n",
            "app.py": f"FIXTURE_KEY = '{AWS_KEY}'\n",
            "b.py": f"K = '{AWS_KEY}'  # pragma: allowlist secret\n",
            "c.py": f"# pragma: allowlist nextline secret\nK = '{AWS_KEY}'\n",
            "d.py": f"K = '{AWS_KEY}'  # gitleaks:allow\n",
        }
    )
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["files_scanned"] == 5


@pytest.mark.tools
def test_binaries_and_big_files_are_skipped_and_reported(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"pyproject.toml": "[tool.readiness.secrets]\nmax_bytes = 1000\n"})
    (root / "logo.png").write_bytes(b"\x89PNG\0\0" + AWS_KEY.encode())
    (root / "big.csv").write_text(f"k,{AWS_KEY}\n" * 100)
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["files_skipped"] == 2
    assert (
        result.metrics["skipped"] == "big.csv (2,300 bytes > 1,000), logo.png (binary)"
    )


@pytest.mark.tools
def test_bad_options_are_errors_a_user_can_act_on(
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
    root.joinpath("pyproject.toml").write_text(
        "[tool.readiness.secrets]\nmax_bytes = 0\n"
    )
    assert run_gate(SecretsGate(), root).reason == (
        "[tool.readiness.secrets] max_bytes must be a positive integer"
    )


def test_a_baseline_that_is_not_json_is_an_error() -> None:
    with pytest.raises(GateError, match="is not JSON"):
        parse_json("Traceback", ".secrets.baseline")
    with pytest.raises(GateError, match="has no results table"):
        parse_json('{"results": []}', ".secrets.baseline")


# --- git ---------------------------------------------------------------------


class FakeGit(GateContext):
    """A context whose git fails with ``error``, or lists ``listed``."""

    def __init__(
        self, root: Path, error: Exception | None = None, listed: str = ""
    ) -> None:
        super().__init__(
            gate="secrets",
            target=discover(root),
            settings=settings_module.Settings(),
            scratch=root,
            deadline=time.monotonic() + 10,
        )
        self.error = error
        self.listed = listed

    def run(self, args: Sequence[str], **kwargs: object) -> command.Completed:
        if self.error is not None:
            raise self.error
        out = "true\n" if "rev-parse" in args else self.listed
        return command.Completed(
            args=tuple(args), returncode=0, stdout=out, stderr="", duration_s=0.0
        )


def test_git_state_missing_outside_crashed_and_paths_leaving_the_target(
    tmp_path: Path,
) -> None:
    missing = git_state(FakeGit(tmp_path, command.ToolNotFound("git")))
    assert (missing.tracked, missing.reason) == (None, "git is not installed")
    fatal = "fatal: not a git repository (or any of the parent directories): .git"
    outside = git_state(
        FakeGit(tmp_path, command.ToolFailed("128", output=fatal, returncode=128))
    )
    assert outside.reason == "not in a git repository"
    crashed = command.ToolFailed(
        "git exited with code 134: Aborted", output="Aborted", returncode=134
    )
    with pytest.raises(GateError, match="git failed: git exited with code 134"):
        git_state(FakeGit(tmp_path, crashed))
    listed = "a.py\0../../etc/passwd\0/etc/hosts\0sub/../../x\0b.py\0"
    assert git_state(FakeGit(tmp_path, listed=listed)).tracked == ("a.py", "b.py")


@pytest.mark.tools
def test_git_state_inside_a_bare_repository_folder(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "repo.git")
    ctx = GateContext(
        gate="secrets",
        target=discover(tmp_path / "repo.git"),
        settings=settings_module.Settings(),
        scratch=tmp_path,
        deadline=time.monotonic() + 60,
    )
    state = git_state(ctx)
    assert (state.tracked, state.reason) == (None, "not in a git work tree")


# --- pieces ------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("API_SECRET", True),
        ("db_password", True),
        ("self.token", True),
        ("client_secret", True),
        ("api_secret_env_var", False),
        ("TOKEN_URL", False),
        ("password_field", False),
        ("SECRET_NAME", False),
        ("token_id", False),
        ("TEST_PREFIX_TOKEN_COLOR", False),  # httpie: an ANSI colour for a token
        ("password_style", False),
        ("monkey", False),
    ],
)
def test_secret_names(name: str, expected: bool) -> None:  # noqa: FBT001
    assert secret_key(name) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SECRET_VALUE, True),
        ("d41d8cd98f00b204" + "e9800998ecf8427e0", True),  # 33 hex: not a digest size
        ("short#1A", True),
        ("from-env", False),
        ("test_secret", False),
        ("YOUR_API_KEY", False),
        ("ALPACA_API_SECRET", False),
        ("d41d8cd98f00b204e9800998ecf8427e", False),  # an MD5 digest
        ("sha256:" + "ab" * 32, False),
        ("${DB_PASSWORD}", False),
        ("https://auth.example.invalid/token", False),
        ("two words#1A", False),
        ("myapp.auth.Backend", False),
    ],
)
def test_secret_looking_values(value: str, expected: bool) -> None:  # noqa: FBT001
    assert looks_secret(value) is expected


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("tests/test_x.py", "test"),
        ("src/pkg/test_x.py", "test"),
        ("pkg/conftest.py", "test"),
        ("fixtures/a.pem", "test"),
        ("docs/index.rst", "docs"),
        ("README.md", "docs"),
        ("src/pkg/settings.py", ""),
    ],
)
def test_contexts(rel: str, expected: str) -> None:
    assert context_of(rel) == expected


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


def test_these_test_files_hold_no_literal_secret() -> None:
    """The fixtures assemble their secrets; the scanner sees none in the sources."""
    here = Path(__file__).parent
    names = ["test_gate_secrets.py", "secrets_planted.py", "test_redact.py"]
    names.append("test_secrets_precision.py")
    scan = scan_files(here, [n for n in names if (here / n).is_file()])
    assert scan.hits == ()


def test_hostile_files_cost_linear_time_and_symlinks_are_not_followed(
    tmp_path: Path,
) -> None:
    """A 900 kB line of one word with credential words in it, PEM headers with
    no END line, and a link to a file outside the target: nothing reported."""
    (tmp_path / "long.txt").write_text(("tokenpassword" * 70_000) + "\n")
    header = "-----BEGIN " + "PRIV" + "ATE KEY-----\n"
    (tmp_path / "pems.txt").write_text((header + "A" * 60 + "\n") * 5_000)
    outside = tmp_path.parent / "outside-secret.py"
    outside.write_text(f"KEY = '{AWS_KEY}'\n")
    (tmp_path / "link.py").symlink_to(outside)
    scan = scan_files(tmp_path, ["link.py", "long.txt", "pems.txt"])
    assert scan.hits == ()
    assert [(s.path, s.reason) for s in scan.skipped] == [
        ("link.py", "symbolic link, not followed")
    ]
