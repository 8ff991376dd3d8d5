"""A full audit leaves no trace in the audited tree (``git status --ignored``).

Real projects were left with ``build/``, ``*.egg-info/`` and a generated
``src/pkg/_version.py`` after an audit (git-ignored, so plain ``git status``
looked clean). Builds and installs now happen on copies; pytest runs without
its cache provider. What readiness cannot contain is what the target's own
tests write into their tree: pytest runs in the target's root, as the
project's developers run it, so those writes land there and nothing else does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from readiness import command
from tests.conftest import MakeRepo

pytestmark = pytest.mark.tools

# Plants: a setuptools project configured only in setup.py, versioned by
# setuptools-scm from its git tag with `write_to` a git-ignored _version.py
# that its package imports; a console script named in its README; a test.
SCM_PROJECT = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=64", "setuptools-scm>=8"]
        build-backend = "setuptools.build_meta"
    """,
    "setup.py": """
        from setuptools import find_packages, setup

        setup(
            name="scmapp",
            use_scm_version={"write_to": "src/scmapp/_version.py"},
            package_dir={"": "src"},
            packages=find_packages("src"),
            install_requires=["click>=8"],
            extras_require={"test": ["pytest>=8", "pytest-cov"]},
            entry_points={"console_scripts": ["scmapp = scmapp.cli:main"]},
        )
    """,
    "src/scmapp/__init__.py": """
        \"\"\"A package versioned by setuptools-scm.\"\"\"

        from scmapp._version import version as __version__

        __all__ = ["__version__"]
    """,
    "src/scmapp/cli.py": """
        \"\"\"The command line.\"\"\"

        import click


        @click.command()
        def main() -> None:
            \"\"\"Print the version.\"\"\"
            from scmapp import __version__

            click.echo(__version__)
    """,
    "tests/test_app.py": """
        import scmapp
        from scmapp.cli import main


        def test_version() -> None:
            assert scmapp.__version__ == "1.0.0"
            assert main.name == "main"
    """,
    ".gitignore": "build/\n*.egg-info/\nsrc/scmapp/_version.py\n__pycache__/\n",
    "README.md": "# scmapp\n\nRun `scmapp --help`.\n",
}

# Plants: a hatchling project whose test writes tests/output/result.txt (a
# git-ignored folder) into its own tree.
WRITING_PROJECT = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "writer"
        version = "1"
        dependencies = []

        [project.optional-dependencies]
        test = ["pytest>=8"]
    """,
    "src/writer/__init__.py": """
        def double(value: int) -> int:
            return 2 * value
    """,
    "tests/test_writer.py": """
        from pathlib import Path

        from writer import double


        def test_writes_its_result_into_the_tree() -> None:
            out = Path(__file__).parent / "output"
            out.mkdir(exist_ok=True)
            (out / "result.txt").write_text(str(double(2)))
            assert double(2) == 4
    """,
    ".gitignore": "tests/output/\n",
}


def git(root: Path, *args: str) -> str:
    return command.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root,
        timeout_s=60,
    ).stdout


def committed(make_repo: MakeRepo, files: dict[str, str]) -> Path:
    root = make_repo(files)
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "initial")
    git(root, "tag", "v1.0.0")
    return root


#: One OSV record for a package nobody uses: the deps gate's offline source
#: (these machines reach no online advisory service).
OSV_RECORD = {
    "id": "TEST-0001",
    "modified": "2024-01-01T00:00:00Z",
    "summary": "planted: affects no package the fixtures use",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "readiness-no-such-package"},
            "versions": ["0.1"],
        }
    ],
}


def audit(root: Path, out: Path) -> dict[str, str]:
    """A full audit without the result cache; each gate's status by name."""
    database = out.parent / "osv"
    database.mkdir()
    (database / "TEST-0001.json").write_text(json.dumps(OSV_RECORD))
    completed = command.run(
        [
            sys.executable,
            "-m",
            "readiness",
            "audit",
            str(root),
            "--no-cache",
            "--advisory-db",
            str(database),
            "--format",
            "json",
            "--out",
            str(out),
        ],
        cwd=out.parent,
        timeout_s=900,
        ok_codes=(0, 1),
    )
    assert completed.returncode in {0, 1}
    report = json.loads((out / "readiness-report.json").read_text(encoding="utf-8"))
    return {gate["name"]: gate["status"] for gate in report["gates"]}


def status(root: Path) -> list[str]:
    return sorted(git(root, "status", "--ignored", "--porcelain").splitlines())


def test_a_setup_py_project_versioned_by_setuptools_scm_is_left_untouched(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = committed(make_repo, SCM_PROJECT)
    before = status(root)
    assert before == []
    statuses = audit(root, tmp_path / "out")
    assert status(root) == before  # no build/, egg-info or _version.py
    assert [name for name, state in statuses.items() if state == "error"] == []
    assert (statuses["build"], statuses["cli"], statuses["docs"]) == (
        "pass",
        "pass",
        "pass",
    )


def test_what_the_targets_own_tests_write_stays_in_the_copy(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """The suite runs on a copy of the project (the tests gate's containment):
    even the files its own tests write into the tree do not appear in it."""
    root = committed(make_repo, WRITING_PROJECT)
    before = status(root)
    assert before == []
    statuses = audit(root, tmp_path / "out")
    assert status(root) == before
    assert not (root / "tests" / "output").exists()
    assert [name for name, state in statuses.items() if state == "error"] == []
    assert statuses["tests"] == "pass"
