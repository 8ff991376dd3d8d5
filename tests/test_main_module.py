"""``python -m readiness`` run from the audited project's root.

``-m`` puts the working folder first on ``sys.path``: an audit of the field
corpus's tomlkit, run that way from its root, imported the project's own
``tomlkit`` package in place of readiness's dependency (the project's code
run by the audit) and left ``tomlkit/__pycache__/`` in its tree.

The fixture project plants modules named like readiness's dependencies and
like a standard library module it imports late (``tomlkit``, ``yaml``,
``rich``, ``pathlib``), each writing a marker file when imported.
"""

from __future__ import annotations

import os
import subprocess  # nosec B404 - runs this interpreter with fixed arguments
import sys
from pathlib import Path

from .conftest import MakeRepo

SHADOWS = ("tomlkit", "yaml", "rich", "pathlib")


def test_the_project_s_modules_do_not_shadow_readiness_s(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    marker = tmp_path / "imported"
    planted = {
        f"{name}.py": f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n"
        for name in SHADOWS
    }
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "shadow"\nversion = "1.0"\n',
            "tests/test_it.py": "def test_it():\n    pass\n",
            **planted,
        }
    )
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    completed = subprocess.run(
        [sys.executable, "-m", "readiness", "audit", ".", "--gate", "markers"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "markers" in completed.stdout
    assert not marker.exists(), marker.read_text()
    after = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert after == before
