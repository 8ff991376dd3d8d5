"""The secrets gate's false-alarm classes from the field corpus, one fixture each.

Each fixture is the smallest repository that showed the class on a real
project (named in the test's docstring); before the fix each test failed.
PEM blocks are assembled at run time (``tests/secrets_planted.Maker``), so
this file holds nothing a secret scanner would flag.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness.dotenvfiles import loader_in_code, loader_in_config, loading_evidence
from readiness.findings import Severity, Status
from readiness.gates.secrets import ENV_NOT_IGNORED, SECRET, SecretsGate
from readiness.secretscan import folder_of_tests, scan_files
from tests.secrets_planted import Maker

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

REPO = Path(__file__).resolve().parent.parent
#: flask's shape: a library with python-dotenv as an optional extra, whose CLI
#: loads the .env of the application it runs.
LIBRARY = """
    [project]
    name = "webkit"
    version = "1.0"
    [project.optional-dependencies]
    dotenv = ["python-dotenv"]
    [build-system]
    requires = ["setuptools"]
    build-backend = "setuptools.build_meta"
"""
CLI = "import dotenv\n\n\ndef run():\n    dotenv.load_dotenv('.env')\n"
LIBRARY_EVIDENCE = (
    "a distributable package with no deployment evidence"
    ' (set [tool.readiness] kind = "application" if it is deployed)'
)


def commit_all(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )


# --- SE002: whose .env ---------------------------------------------------------


@pytest.mark.tools
def test_a_library_that_loads_its_users_dotenv_gets_no_ignore_finding(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """flask: `flask run` loads the user's .env (python-dotenv, an optional
    extra); flask's own tree has no .env. Before: SE002 at P0."""
    root = make_repo({"pyproject.toml": LIBRARY, "src/webkit/cli.py": CLI})
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.findings == ()
    assert result.metrics["dotenv"] == "requires python-dotenv"
    assert result.criteria[1].text == (
        ".env and its variants ignored by git (0 not ignored; an absent .env not"
        f" checked: library ({LIBRARY_EVIDENCE}): its .env loading"
        " (requires python-dotenv) serves its users)"
    )


@pytest.mark.tools
def test_the_same_project_deployed_must_ignore_its_dotenv(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """The rule is the kind, not the loader: with a Procfile it is an
    application, and the .env its code loads is its own."""
    root = make_repo(
        {
            "pyproject.toml": LIBRARY,
            "src/webkit/cli.py": CLI,
            "Procfile": "web: gunicorn webkit:app\n",
        }
    )
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    (finding,) = result.findings
    assert (finding.rule, finding.location, finding.severity) == (
        ENV_NOT_IGNORED.id,
        ".gitignore",
        Severity.MEDIUM,
    )
    assert finding.message == (
        ".env is not ignored by git"
        " (absent now, but the project loads one: requires python-dotenv)"
    )


@pytest.mark.tools
def test_a_library_with_a_dotenv_in_its_tree_must_still_ignore_it(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """A .env that exists is checked whatever the kind: it is in the tree."""
    root = make_repo({"pyproject.toml": LIBRARY, "src/webkit/cli.py": CLI})
    commit_all(root)
    (root / "src" / "webkit" / ".env").write_text("DEBUG=1\n")
    (root / "src" / "webkit" / ".env").chmod(0o600)
    result = run_gate(SecretsGate(), root)
    assert [(f.rule, f.details["file"]) for f in result.findings] == [
        (ENV_NOT_IGNORED.id, "src/webkit/.env")
    ]


@pytest.mark.tools
def test_a_docstring_that_names_a_loader_is_not_evidence(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """readiness itself: its secrets gate's docstring names ``load_dotenv``
    and was reported as the project loading a .env."""
    root = make_repo(
        {
            "scan.py": '"""Looks for load_dotenv and env_file."""\n'
            "# dotenv_values() is python-dotenv's\n"
            'WORDS = ("load_dotenv", "read_env")\n',
            "compose.yaml": "services:\n  web:\n    # env_file: .env\n",
        }
    )
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.metrics["dotenv"] == "not used"


def test_readiness_own_sources_do_not_load_a_dotenv() -> None:
    """Before: "load_dotenv at src/readiness/gates/secrets.py:11" (a docstring)."""
    files = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "src").rglob("*.py"))
    assert files
    assert loading_evidence(REPO, files, ()) == ""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import dotenv\ndotenv.load_dotenv()\n", ("load_dotenv", 2)),
        (
            "from dotenv import dotenv_values\nC = dotenv_values()\n",
            ("dotenv_values", 2),
        ),
        ("import environs\nenv = environs.Env()\nenv.read_env()\n", ("read_env", 3)),
        (
            (
                "from pydantic_settings import SettingsConfigDict as C\n"
                "config = C(\n    env_file='.env',\n)\n"
            ),
            ("env_file", 3),
        ),
        (
            "class Settings:\n    class Config:\n        env_file = '.env'\n",
            ("env_file", 3),
        ),
        ("DEFAULTS = {\n    'env_file': '.env',\n}\n", ("env_file", 2)),
        ('"""Call load_dotenv() first."""\n', None),
        ("# load_dotenv()\nx = 1\n", None),
        ("NAMES = ['load_dotenv', 'env_file']\n", None),
        ("def load_dotenv(path):\n    return path\n", None),
        ("env_file = tmp / 'prod.env'\n", None),
        ("def broken(:\n    load_dotenv()\n", None),
    ],
)
def test_loaders_in_code(source: str, expected: tuple[str, int] | None) -> None:
    assert loader_in_code(source) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("services:\n  web:\n    env_file: .env\n", ("env_file", 3)),
        ("services:\n  web:\n    env_file:\n      - .env\n", ("env_file", 3)),
        ("[pytest]\nenv_files =\n    .env\n", ("env_files", 2)),
        ("services:\n  web:\n    # env_file: .env\n", None),
        ("description: reads env_file: .env\n", None),
    ],
)
def test_loaders_in_configuration(text: str, expected: tuple[str, int] | None) -> None:
    assert loader_in_config(text) == expected


# --- SE001: a fixture .env -----------------------------------------------------


@pytest.mark.tools
def test_a_tracked_fixture_env_without_credentials_is_counted_not_reported(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """flask's tests/test_apps/.env (FOO=env, SPAM=1): the fixture of its
    .env-loading tests, tracked on purpose. Before: SE001 (Critical, then Low)."""
    root = make_repo(
        {
            "tests/test_apps/.env": "FOO=env\nSPAM=1\n",
            "tests/test_apps/.flaskenv": "FOO=flaskenv\n",
            "app.py": "x = 1\n",
        }
    )
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert result.findings == ()
    assert (result.metrics["env_tracked"], result.metrics["env_fixtures"]) == (0, 1)
    assert result.criteria[0].text == (
        "no .env file with credentials tracked by git (0 tracked; 1 tracked fixture"
        " .env file without credentials not reported: tests/test_apps/.env)"
    )


@pytest.mark.tools
def test_a_tracked_env_with_a_credential_beside_fixtures_is_still_critical(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            ".gitignore": ".env\n",
            "tests/a/.env": "FOO=env\n",
            "tests/b/.env": "MODE=b\n",
            "deploy/.env.prod": "DB_PASSWORD=kept\n",
        }
    )
    commit_all(root)  # add -A skips the fixtures .gitignore matches: force them
    subprocess.run(["git", "add", "-f", "tests"], cwd=root, check=True)
    result = run_gate(SecretsGate(), root)
    assert [(f.rule, f.location, f.severity) for f in result.findings] == [
        ("SE002", ".gitignore", Severity.MEDIUM),
        ("SE001", "deploy/.env.prod", Severity.CRITICAL),
    ]
    assert result.criteria[0].text == (
        "no .env file with credentials tracked by git (1 tracked; 2 tracked"
        " fixture .env files without credentials not reported: tests/a/.env,"
        " tests/b/.env)"
    )


# --- SE004: a test PKI's keys ----------------------------------------------------


def pki(root: Path, files: dict[str, str]) -> None:
    """Write ``{path: "key" | "cert" | "both"}`` as PEM files under ``root``."""
    maker = Maker(seed=7)
    for rel, what in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        blocks = {
            "key": [maker.pem("")],
            "cert": [maker.certificate()],
            "both": [maker.certificate(), maker.pem("RSA")],
        }[what]
        path.write_text("\n".join(blocks) + "\n")


def test_test_pki_keys_beside_certificates_are_set_apart(tmp_path: Path) -> None:
    """requests' tests/certs (a throw-away CA made by its Makefile: ca-private.key
    beside ca.crt) and httpie's tests/client_certs/client.pem (certificate and
    key in one file). Before: 6 and 3 SE004 findings, Low."""
    files = {
        "tests/certs/expired/ca/ca-private.key": "key",
        "tests/certs/expired/ca/ca.crt": "cert",
        "tests/client_certs/client.pem": "both",
        "src/pkg/test/tls/server.key": "key",
        "src/pkg/test/tls/server.pem": "cert",
        "qa/certs/ca.key": "key",
        "qa/certs/ca.crt": "cert",
        # stay reported: no certificate in the key's own folder, or not tests
        "tests/keys/server.key": "key",
        "tests/keys/ca/ca.crt": "cert",
        "tests/fixtures/alone.key": "key",
        "deploy/tls/server.key": "key",
        "deploy/tls/server.crt": "cert",
        "fixtures/certs/ca.key": "key",
        "fixtures/certs/ca.crt": "cert",
    }
    pki(tmp_path, files)
    scan = scan_files(tmp_path, sorted(files), test_paths=("qa",))
    assert sorted(f"{h.path}:{h.line}" for h in scan.test_keys) == [
        "qa/certs/ca.key:1",
        "src/pkg/test/tls/server.key:1",
        "tests/certs/expired/ca/ca-private.key:1",
        "tests/client_certs/client.pem:11",
    ]
    assert sorted((f"{h.path}:{h.line}", h.severity) for h in scan.hits) == [
        ("deploy/tls/server.key:1", Severity.HIGH),
        ("fixtures/certs/ca.key:1", Severity.LOW),
        ("tests/fixtures/alone.key:1", Severity.LOW),
        ("tests/keys/server.key:1", Severity.LOW),
    ]


@pytest.mark.tools
def test_the_gate_counts_test_keys_in_its_criterion(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"app.py": "x = 1\n"})
    pki(
        root,
        {
            "tests/certs/valid/ca/ca-private.key": "key",
            "tests/certs/valid/ca/ca.crt": "cert",
            "tests/certs/mtls/client.key": "key",
            "tests/certs/mtls/client.pem": "cert",
            "tests/client_certs/client.pem": "both",
        },
    )
    commit_all(root)
    result = run_gate(SecretsGate(), root)
    assert result.status is Status.PASS, result.findings
    assert [f for f in result.findings if f.rule == SECRET.id] == []
    assert result.metrics["test_keys"] == 3
    assert result.criteria[-1].text == (
        "no secret in the tracked files (0 found, 3 test keys beside certificates"
        " under tests/certs, tests/client_certs not reported)"
    )


@pytest.mark.parametrize(
    ("rel", "test_paths", "expected"),
    [
        ("tests/certs/expired/ca/ca-private.key", (), "tests/certs"),
        ("tests/server.key", (), "tests"),
        ("src/pkg/testing/tls/a.key", (), "src/pkg/testing/tls"),
        ("qa/integration/certs/a.key", ("qa/integration",), "qa/integration/certs"),
        ("qa/integration/certs/a.key", ("./qa/integration/",), "qa/integration/certs"),
        ("fixtures/certs/a.key", (), ""),
        ("deploy/tls/a.key", ("tests",), ""),
    ],
)
def test_folder_of_tests(rel: str, test_paths: tuple[str, ...], expected: str) -> None:
    assert folder_of_tests(rel, test_paths) == expected
