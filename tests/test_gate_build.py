"""The build gate: real ``uv build`` runs on git repositories the tests write.

Each fixture is committed with git, then given the untracked or ignored files
it plants, so that the gate's export (the tracked files only) differs from the
working tree exactly there.
"""

from __future__ import annotations

import subprocess  # nosec B404 - git, to write the fixture repositories
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from readiness import buildlog, command, environments
from readiness.command import Completed
from readiness.findings import Finding, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates.build import (
    DOES_NOT_BUILD,
    LEFT_OUT,
    BuildGate,
    imported_modules,
    module_files,
    relative_to_export,
)
from readiness.target import discover

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

BUILDS_FROM_TRACKED = (
    "the package builds from its tracked files: an sdist, then a wheel from the sdist"
)
RUNNING = ".".join(map(str, sys.version_info[:3]))
HATCH_PYPROJECT = """
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"

    [project]
    name = "hello"
    version = "1.0"
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(  # nosec B603 B607 - git on a fixture the test wrote
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def commit(root: Path) -> None:
    """Make ``root`` a git repository holding every file in it, committed."""
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(
        root,
        *("-c", "user.name=t", "-c", "user.email=t@example.com"),
        *("commit", "-q", "-m", "fixture"),
    )


def plant(root: Path, files: Mapping[str, str]) -> None:
    """Write files after the commit: untracked (or ignored) in the working tree."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def status(root: Path) -> str:
    return git(root, "status", "--ignored", "--porcelain")


def test_registered_first_at_p0() -> None:
    assert next(iter(registry())) == "build"
    assert registry()["build"] is BuildGate
    assert BuildGate.priority is Priority.P0
    assert BuildGate.description() == (
        "The package builds from its tracked files: an sdist, then a wheel from it."
    )


# --- reading a build log --------------------------------------------------------

UV_SUMMARY = (
    "error: Failed to build `/tmp/x/export`\n"
    "  cause: The build backend returned an error\n"
    "  cause: Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)\n"
    "\n"
    "hint: Build failures usually indicate a problem with the package\n"
)


@pytest.mark.parametrize(
    ("log", "cause"),
    [
        pytest.param(
            "Building source distribution...\nTraceback (most recent call last):\n"
            '  File "setup.py", line 1, in <module>\n'
            "ModuleNotFoundError: No module named 'Cython'\n" + UV_SUMMARY,
            "ModuleNotFoundError: No module named 'Cython'",
            id="traceback",
        ),
        pytest.param(
            "running build_ext\n"
            "error: [Errno 2] No such file or directory: 'pkg/_speedups.pyx'\n"
            + UV_SUMMARY,
            "error: [Errno 2] No such file or directory: 'pkg/_speedups.pyx'",
            id="distutils-error",
        ),
        pytest.param(
            "gcc -c pkg/_fast.c\npkg/_fast.c:3:10: fatal error: numpy/arrayobject.h:"
            " No such file or directory\n"
            "error: command '/usr/bin/gcc' failed with exit code 1\n" + UV_SUMMARY,
            "pkg/_fast.c:3:10: fatal error: numpy/arrayobject.h: No such file or"
            " directory",
            id="compiler-error",
        ),
        pytest.param(
            "  \u00d7 Failed to resolve requirements from `build-system.requires`\n"
            "  \u251c\u2500\u25b6 No solution found when resolving: `cython==99`\n"
            "  \u2570\u2500\u25b6 Because there is no version of cython==99 and you"
            " require cython==99, we can conclude that your requirements are"
            " unsatisfiable.\n",
            "Because there is no version of cython==99 and you require cython==99, we"
            " can conclude that your requirements are unsatisfiable.",
            id="resolution",
        ),
        pytest.param(
            UV_SUMMARY,
            "Call to `setuptools.build_meta.build_wheel`" " failed (exit status: 1)",
            id="uv-only",
        ),
        pytest.param("", "the build failed and printed nothing", id="silent"),
    ],
)
def test_root_cause_is_the_backends_last_error(log: str, cause: str) -> None:
    assert buildlog.root_cause(log) == cause


def test_named_paths_and_tail() -> None:
    assert buildlog.named_paths(
        "pkg/_fast.c:3:10: fatal error: 'numpy/arrayobject.h' not found"
        " (see https://x.org/a.html)"
    ) == ("pkg/_fast.c", "numpy/arrayobject.h")
    assert buildlog.named_paths("error: no module named 'Cython'") == ()
    assert buildlog.tail("a\n\n  b\nc\n", count=2) == "  b\nc"


def test_paths_a_build_names_relative_to_the_export(tmp_path: Path) -> None:
    export = tmp_path / "export"
    assert relative_to_export(f"{export}/pkg/a.pyx", export) == "pkg/a.pyx"
    assert relative_to_export("/usr/include/numpy/arrayobject.h", export) is None
    assert relative_to_export("./pkg/a.pyx", export) == "pkg/a.pyx"
    assert relative_to_export("../other/a.pyx", export) is None


def test_imports_of_the_tests_resolve_to_the_trees_files(make_repo: MakeRepo) -> None:
    # Plants: absolute, relative, star and too-deep relative imports.
    target = discover(
        make_repo(
            {
                "pyproject.toml": '[project]\nname = "app"\n',
                "src/app/__init__.py": "",
                "src/app/core.py": "",
                "tests/__init__.py": "",
                "tests/helpers.py": "",
                "tests/test_a.py": "import app.core\nfrom app import *\n"
                "from .helpers import thing\nfrom .... import nothing\n",
            }
        )
    )
    imports = list(imported_modules(target))
    assert imports == [
        ("tests/test_a.py", "app.core"),
        ("tests/test_a.py", "app"),
        ("tests/test_a.py", "tests.helpers"),
        ("tests/test_a.py", "tests.helpers.thing"),
    ]  # the import above the root names nothing
    assert module_files(target, "tests/test_a.py", "app.core") == [
        "src/app/__init__.py",
        "src/app/core.py",
    ]
    assert module_files(target, "tests/test_a.py", "tests.helpers.thing") == [
        "tests/__init__.py",
        "tests/helpers.py",
    ]


def test_whose_build_failed() -> None:
    root = Path("/work/app")
    assert buildlog.target_build_failed(
        "error: Failed to build `app @ file:///work/app`", root
    )
    assert not buildlog.target_build_failed(
        "error: Failed to build `numpy==1.0`\n"
        "  cause: The build backend returned an error",
        root,
    )
    assert buildlog.target_build_failed(
        "error: The build backend returned an error", root
    )
    assert not buildlog.target_build_failed("error: No solution found", root)


# --- real builds ------------------------------------------------------------------


@pytest.mark.tools
def test_a_hatchling_project_builds_from_its_tracked_files(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # Plants: an untracked and an ignored file, which must not reach the sdist.
    root = make_repo(
        {
            "pyproject.toml": HATCH_PYPROJECT,
            ".gitignore": "*.log\n",
            "src/hello/__init__.py": "VALUE = 1\n",
            "tests/test_hello.py": "import hello\n\n\ndef test_value():\n"
            "    assert hello.VALUE == 1\n",
        }
    )
    commit(root)
    plant(root, {"notes.txt": "untracked\n", "debug.log": "ignored\n"})
    before = status(root)

    result = run_gate(BuildGate(), root)

    assert result.status is Status.PASS, result.reason
    assert result.findings == ()
    assert result.metrics == {
        "source": "git ls-files",
        "files": 4,
        "backend": "hatchling.build",
        "python": RUNNING,
        "sdist": "hello-1.0.tar.gz",
        "sdist_files": 5,
        "wheel": "hello-1.0-py2.py3-none-any.whl",
        "wheel_files": 4,
        "left_out_imports": 0,
    }
    assert [(c.text, c.met) for c in result.criteria] == [
        (BUILDS_FROM_TRACKED, True),
        ("the sdist holds every module the tests import (0 left out)", True),
    ]
    assert [c[:3] for c in result.commands] == [
        ("uv", "build", "--python"),
        ("uv", "build", "--python"),
        ("git", "ls-files", "-z"),
    ]
    assert result.commands[0][-2] == "--sdist"
    assert result.commands[1][-2] == "--wheel"
    assert "uv" in result.tools
    assert status(root) == before


SDIST_EXCLUDES_EXTRA = """
    [tool.hatch.build.targets.sdist]
    exclude = ["src/hello/extra.py"]
"""
SETUP_PY = """
    from setuptools import setup

    with open("pkg/_data/version.txt") as handle:
        version = handle.read().strip()

    setup(name="legacy", version=version, packages=["pkg"])
"""


@pytest.mark.tools
def test_a_setup_py_that_needs_an_ignored_file_fails_with_the_ignore_rule(
    make_repo: MakeRepo, run_gate: RunGate, tmp_path: Path
) -> None:
    # Plants: setup.py reads pkg/_data/version.txt, which .gitignore's second
    # line ignores; the file is in the working tree, so a local build works.
    root = make_repo(
        {
            "setup.py": SETUP_PY,
            ".gitignore": "*.pyc\npkg/_data/\n",
            "pkg/__init__.py": "",
        }
    )
    commit(root)
    plant(root, {"pkg/_data/version.txt": "1.0\n"})
    before = status(root)

    result = run_gate(BuildGate(), root)

    cause = (
        "FileNotFoundError: [Errno 2] No such file or directory:"
        " 'pkg/_data/version.txt'"
    )
    assert result.status is Status.FAIL
    (finding,) = result.findings
    tail = str(finding.details["log_tail"])
    assert tail.splitlines()[-5:-4] == [cause]
    assert finding == (
        Finding(
            rule=DOES_NOT_BUILD.id,
            severity=Severity.HIGH,
            priority=Priority.P0,
            message=f"the sdist build fails: {cause}; pkg/_data/version.txt is"
            " ignored by git (.gitignore:2: pkg/_data/)",
            path=".gitignore",
            line=2,
            fix="track pkg/_data/version.txt (`git add -f pkg/_data/version.txt`,"
            " and narrow the rule `pkg/_data/` at .gitignore:2) or make the build"
            " generate it",
            details={"stage": "sdist", "log_tail": tail},
        )
    )
    assert result.metrics == {
        "source": "git ls-files",
        "files": 3,
        "backend": "setuptools.build_meta:__legacy__",
        "python": RUNNING,
        "stage": "sdist",
        "root_cause": cause,
    }
    assert [(c.text, c.met) for c in result.criteria] == [(BUILDS_FROM_TRACKED, False)]
    assert cause in (tmp_path / ".scratch-build" / "build.log").read_text()
    assert status(root) == before


@pytest.mark.tools
def test_an_untracked_file_the_build_needs_is_named(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # Plants: the same setup.py, its data file merely never added to git.
    root = make_repo({"setup.py": SETUP_PY, "pkg/__init__.py": ""})
    commit(root)
    plant(root, {"pkg/_data/version.txt": "1.0\n"})

    result = run_gate(BuildGate(), root)

    (finding,) = result.findings
    assert (finding.path, finding.line, finding.fix) == (
        "pkg/_data/version.txt",
        None,
        "track it: `git add pkg/_data/version.txt`",
    )
    assert finding.message.endswith(
        "'pkg/_data/version.txt'; pkg/_data/version.txt" " is untracked"
    )


@pytest.mark.tools
def test_a_wheel_that_fails_after_the_sdist_names_its_stage(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # Plants: a setup.py that builds its sdist but raises when building a wheel.
    root = make_repo(
        {
            "setup.py": """
                import sys
                from setuptools import setup

                if "bdist_wheel" in sys.argv:
                    raise RuntimeError("no compiler for pkg/_fast.c")
                setup(name="half", version="2.0", packages=["pkg"])
            """,
            "pkg/__init__.py": "",
        }
    )
    commit(root)

    result = run_gate(BuildGate(), root)

    assert result.status is Status.FAIL
    assert [f.message for f in result.findings] == [
        "the wheel build fails: RuntimeError: no compiler for pkg/_fast.c"
    ]
    assert (result.metrics["stage"], result.metrics["sdist"]) == (
        "wheel",
        "half-2.0.tar.gz",
    )
    assert "wheel" not in result.metrics


@pytest.mark.tools
def test_modules_the_tests_import_but_the_sdist_leaves_out(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # Plants: hello/extra.py, tracked but excluded from the sdist; hello/local.py
    # and tests/helpers.py, never added to git (the sdist ships the tests, so
    # their helper counts); all imported by the tests; os and pytest are not the
    # project's own modules.
    root = make_repo(
        {
            "pyproject.toml": HATCH_PYPROJECT + SDIST_EXCLUDES_EXTRA,
            "src/hello/__init__.py": "",
            "src/hello/extra.py": "EXTRA = 1\n",
            "tests/__init__.py": "",
            "tests/test_hello.py": "import os\n\nimport pytest\n\n"
            "from hello import extra, local\n\nfrom . import helpers\n",
        }
    )
    commit(root)
    plant(root, {"src/hello/local.py": "LOCAL = 1\n", "tests/helpers.py": ""})

    result = run_gate(BuildGate(), root)

    assert result.status is Status.FAIL
    assert result.findings == (
        Finding(
            rule=LEFT_OUT.id,
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message="tests/test_hello.py imports hello.extra, but the sdist leaves"
            " out src/hello/extra.py (excluded by the build configuration)",
            path="src/hello/extra.py",
            fix="include src/hello/extra.py in the sdist (the build backend's"
            " include/exclude settings)",
        ),
        Finding(
            rule=LEFT_OUT.id,
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message="tests/test_hello.py imports hello.local, but the sdist leaves"
            " out src/hello/local.py (untracked by git)",
            path="src/hello/local.py",
            fix="track it: `git add src/hello/local.py`",
        ),
        Finding(
            rule=LEFT_OUT.id,
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message="tests/test_hello.py imports tests.helpers, but the sdist leaves"
            " out tests/helpers.py (untracked by git)",
            path="tests/helpers.py",
            fix="track it: `git add tests/helpers.py`",
        ),
    )
    assert result.metrics["left_out_imports"] == 3
    assert [(c.text, c.met) for c in result.criteria][1:] == [
        ("the sdist holds every module the tests import (3 left out)", False)
    ]


@pytest.mark.tools
def test_a_folder_outside_git_builds_from_its_working_tree(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # Plants: no git repository, and a build/ folder the copy leaves out.
    root = make_repo(
        {
            "pyproject.toml": HATCH_PYPROJECT,
            "src/hello/__init__.py": "",
            "build/lib/stale.py": "",
        }
    )

    result = run_gate(BuildGate(), root)

    assert result.status is Status.PASS, result.reason
    assert (result.metrics["source"], result.metrics["files"]) == (
        "working tree (not a git repository)",
        2,
    )
    assert result.criteria[0].text == (
        "the package builds from its working tree (no git): an sdist, then a wheel"
        " from the sdist"
    )
    assert [c[:2] for c in result.commands] == [("uv", "build"), ("uv", "build")]
    assert sorted(p.name for p in root.iterdir()) == ["build", "pyproject.toml", "src"]


def test_a_target_git_does_not_track_fails_without_building(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # Plants: a project inside a git repository that has committed nothing of it.
    root = make_repo({"pyproject.toml": HATCH_PYPROJECT, "src/hello/__init__.py": ""})
    git(root, "init", "-q")

    result = run_gate(BuildGate(), root)

    assert result.status is Status.FAIL
    (finding,) = result.findings
    assert finding.rule == DOES_NOT_BUILD.id
    assert finding.message == (
        "git tracks no file of the target: a clean checkout of its repository"
        " holds nothing to build"
    )
    assert result.metrics == {"source": "git ls-files", "files": 0}
    assert [c[:2] for c in result.commands] == [("git", "ls-files")]


def test_a_folder_of_scripts_is_skipped(make_repo: MakeRepo, run_gate: RunGate) -> None:
    root = make_repo({"run.py": "print('hi')\n"})

    result = run_gate(BuildGate(), root)

    assert result.status is Status.SKIPPED
    assert result.reason == (
        "not installable: no pyproject.toml with [project] or [build-system],"
        " no setup.py, no setup.cfg"
    )
    assert result.commands == ()


@pytest.mark.tools
def test_an_environment_of_a_target_that_does_not_build_says_blocked(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    # Plants: the setup.py that reads pkg/_data/version.txt, which is absent.
    root = make_repo({"setup.py": SETUP_PY, "pkg/__init__.py": ""})
    commit(root)
    target = discover(root)

    def run(args: Sequence[str], *, record: bool = True, **kwargs: Any) -> Completed:
        return command.run(args, cwd=tmp_path, timeout_s=300, **kwargs)

    with pytest.raises(environments.BuildError) as caught:
        environments.ensure(
            target, environments.Spec(kind="test"), run=run, root=tmp_path / "cache"
        )

    assert str(caught.value) == (
        "blocked: the package does not build (FileNotFoundError: [Errno 2] No such"
        " file or directory: 'pkg/_data/version.txt')"
    )


@pytest.mark.tools
def test_an_scm_versioned_project_gets_its_last_tag(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # Plants: setuptools-scm versioning, tag v1.2.0; the export has no .git.
    root = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=64", "setuptools-scm>=8"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "scmpkg"
                dynamic = ["version"]

                [tool.setuptools_scm]
            """,
            "scmpkg/__init__.py": "",
        }
    )
    commit(root)
    git(root, "tag", "v1.2.0")
    before = status(root)

    result = run_gate(BuildGate(), root)

    assert result.status is Status.PASS, result.findings
    assert (
        result.metrics["scm_version"],
        result.metrics["sdist"],
        result.metrics["wheel"],
    ) == ("1.2.0", "scmpkg-1.2.0.tar.gz", "scmpkg-1.2.0-py3-none-any.whl")
    assert status(root) == before
