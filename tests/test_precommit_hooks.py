"""The hooks of ``.pre-commit-hooks.yaml``, run the way a user's repository runs them.

``pre-commit try-repo`` installs this repository's hooks as a
``.pre-commit-config.yaml`` naming it would (a clone, ``pip install .`` into an
environment of pre-commit's own) and runs them in a fixture repository. That
install comes from the package index: the test skips, saying so, where the
index cannot be reached (the tests gate's sandbox, for one, cuts the network).

The fixture plants nothing at first (a formatted module, committed), then
``app/core.py`` importing ``os`` unused (ruff F401 at line 1).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, MakeRepo

PROJECT = {
    "pyproject.toml": """
        [project]
        name = "app"
        version = "1"
        requires-python = ">=3.11"

        [tool.ruff]
    """,
    "app/__init__.py": "",
    "app/core.py": "VALUE = 1\n",
}
#: The hooks' names as pre-commit prints them (``name:`` in the hooks file).
STATIC = "readiness (markers, lint, sast, secrets, docs)"
FORMAT = "readiness (format)"


def index_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.tools,
    pytest.mark.skipif(
        importlib.util.find_spec("pre_commit") is None,
        reason="pre-commit is not installed (the test extra)",
    ),
]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def try_repo(
    root: Path, home: Path, hook: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this repository's ``hook`` in ``root`` (on
    the staged files, or ``--all-files``)."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
        "READINESS_CACHE_DIR": str(home / "readiness"),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(REPO_ROOT),
            hook,
            *options,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def verdict(output: str, name: str) -> str:
    """``Passed`` or ``Failed``: what pre-commit printed for the hook ``name``."""
    (line,) = [line for line in output.splitlines() if line.startswith(name + ".")]
    return line.rsplit(".", 1)[-1].strip()


def test_the_hooks_install_from_the_repository_and_judge_a_commit(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    if not index_reachable():
        pytest.skip(
            "the package index (pypi.org) cannot be reached to install the hooks"
        )
    root = make_repo(PROJECT)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "clean")

    static = try_repo(root, tmp_path, "readiness-static", "--all-files")
    assert static.returncode == 0, static.stdout + static.stderr
    assert verdict(static.stdout, STATIC) == "Passed"
    formatted = try_repo(root, tmp_path, "readiness-format", "--all-files")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    assert verdict(formatted.stdout, FORMAT) == "Passed"

    (root / "app" / "core.py").write_text("import os\n\nVALUE = 1\n", encoding="utf-8")
    git(root, "add", "-A")  # staged: the hook runs on what a commit changes
    flagged = try_repo(root, tmp_path, "readiness-static")
    assert flagged.returncode == 1, flagged.stdout + flagged.stderr
    assert verdict(flagged.stdout, STATIC) == "Failed"
    assert "- exit code: 1" in flagged.stdout
    assert "lint      fail" in flagged.stdout
