"""The hooks of ``.pre-commit-hooks.yaml``, run the way a user's repository runs them.

``pre-commit try-repo`` installs this repository's hooks as a
``.pre-commit-config.yaml`` naming it would (a clone of its committed tree
with the tracked changes, ``pip install .`` into an environment of
pre-commit's own, each call anew) and runs them in a fixture repository. That
install comes from the package index: the test skips, saying so, where the
index cannot be reached, and where this checkout is not a git repository of
its own (an sdist, or a copy without its ``.git``).

The fixture plants nothing at first (a formatted module, committed), then
``app/core.py`` importing ``os`` unused (ruff F401 at line 1), staged.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, MakeRepo, git

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
#: How long one ``try-repo`` may take (an install from the index, then audits).
TIMEOUT_S = 900

pytestmark = [
    pytest.mark.tools,
    pytest.mark.skipif(
        importlib.util.find_spec("pre_commit") is None,
        reason="pre-commit is not installed (the test extra)",
    ),
]


def index_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


def own_checkout() -> bool:
    """Whether :data:`REPO_ROOT` is the top of a git repository (try-repo
    clones it; a folder inside another repository would clone that one)."""
    shown = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    return shown.returncode == 0 and Path(shown.stdout.strip()) == REPO_ROOT


def try_repo(root: Path, home: Path, *options: str) -> tuple[int, str]:
    """``pre-commit try-repo`` of this repository's hooks in ``root`` (on the
    staged files, or ``--all-files``): its exit code and what it printed. On a
    timeout its whole process group (pip, the hooks' audits) is killed."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "PYTHONPATH"  # the hooks run the readiness pip installed
    }
    env |= {"READINESS_CACHE_DIR": str(home / "readiness"), "NO_COLOR": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), *options],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            printed, _ = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return process.returncode, printed


def verdict(printed: str, name: str) -> str:
    """``Passed`` or ``Failed``: what pre-commit printed for the hook ``name``."""
    (line,) = [line for line in printed.splitlines() if line.startswith(name + ".")]
    return line.rsplit(".", 1)[-1].strip()


def test_the_hooks_install_from_the_repository_and_judge_a_commit(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    if not own_checkout():
        pytest.skip(f"{REPO_ROOT} is not a git repository of its own to try")
    if not index_reachable():
        pytest.skip(
            "the package index (pypi.org) cannot be reached to install the hooks"
        )
    root = make_repo(PROJECT)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "clean")

    code, printed = try_repo(root, tmp_path, "--all-files")
    assert code == 0, printed
    assert (verdict(printed, STATIC), verdict(printed, FORMAT)) == ("Passed", "Passed")

    (root / "app" / "core.py").write_text("import os\n\nVALUE = 1\n", encoding="utf-8")
    git(root, "add", "-A")  # staged: the hooks run on what a commit changes
    code, printed = try_repo(root, tmp_path)
    assert code == 1, printed
    assert (verdict(printed, STATIC), verdict(printed, FORMAT)) == ("Failed", "Passed")
    assert "- exit code: 1" in printed
    assert "lint      fail" in printed
