"""Application or library: the evidence :func:`readiness.projectkind.kind` reads.

Each case is a minimal repository planting one piece of evidence; the field
corpus showed why it matters (pytest-xdist, nox, black, pip-audit and unearth
are packages their users install, and DP002 "no committed lock" was a false
alarm on each).
"""

from __future__ import annotations

import pytest

from readiness.errors import ConfigError
from readiness.projectkind import kind
from readiness.target import discover
from tests.conftest import MakeRepo

PACKAGE = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "1.0"
"""


@pytest.mark.parametrize(
    ("extra_files", "pyproject_tail", "expected", "evidence"),
    [
        ({}, "", "library", "a distributable package with no deployment evidence"),
        # black 26.10.1: a Dockerfile that publishes an image of a package
        ({"Dockerfile": "FROM python\n"}, "", "library", "a distributable package"),
        ({"compose.yaml": "services: {}\n"}, "", "application", "has a compose.yaml"),
        ({"Procfile": "web: app\n"}, "", "application", "has a Procfile"),
        ({".env": "A=1\n"}, "", "application", "has a .env"),
        (
            {},
            "[[tool.readiness.ops.commands]]\nname = 'x'\nrun = 'true'\n",
            "application",
            "declares [tool.readiness.ops] checks",
        ),
        (
            {"Dockerfile": "FROM python\n"},
            "[tool.readiness]\nkind = 'library'\n",
            "library",
            "[tool.readiness] kind",
        ),
    ],
)
def test_the_evidence_decides_the_kind(
    make_repo: MakeRepo,
    extra_files: dict[str, str],
    pyproject_tail: str,
    expected: str,
    evidence: str,
) -> None:
    root = make_repo({"pyproject.toml": PACKAGE + pyproject_tail, **extra_files})
    found = kind(discover(root))
    assert found.kind == expected
    assert found.evidence.startswith(evidence)
    assert found.application is (expected == "application")


def test_a_folder_with_no_package_is_an_application(make_repo: MakeRepo) -> None:
    root = make_repo({"app.py": "print('hi')\n"})
    assert kind(discover(root)).evidence == "is not a distributable package"
    (root / "Dockerfile").write_text("FROM python\n", encoding="utf-8")
    assert kind(discover(root)).evidence == "has a Dockerfile"


def test_a_wrong_kind_is_a_config_error(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": PACKAGE + "[tool.readiness]\nkind = 'app'\n"})
    with pytest.raises(ConfigError, match='kind must be "application" or "library"'):
        kind(discover(root))
