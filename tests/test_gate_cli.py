"""The cli gate: every command's --help in the prod environment, with real builds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import clistatic, clitree
from readiness.findings import Priority, Severity, Status
from readiness.gates.cli_gate import (
    CRASH,
    HANG,
    MISSING,
    CliGate,
    Failure,
    count_undiscovered,
    declaration_line,
    grouped,
    not_installed,
    traceback_location,
)
from readiness.helpwalk import failure_reason, needed_extras
from readiness.target import discover
from tests.conftest import EXAMPLE

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

DEV_ONLY = '''"""Developer tools: gitpython, which only the dev extra installs."""

import click
import git


@click.command("repo-info")
def repo_info():
    """Show the commit the repository is at."""
    click.echo(git.Repo(".").head.commit.hexsha)
'''

TOOL_PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "toolpkg"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["click>=8.1"]

[project.scripts]
tool = "toolpkg.cli:main"
slow = "toolpkg.slow:main"
ghost = "toolpkg.nothere:main"

[tool.hatch.build.targets.wheel]
packages = ["src/toolpkg"]

[tool.readiness.cli]
help_timeout = 3
"""
TOOL_CLI = """
import os

import click


@click.group()
def main():
    pass


@main.command()
def ok():
    pass


@click.command()
def extra():
    pass


if os.environ.get("TOOLPKG_EXTRA"):
    main.add_command(extra)
"""
SLOW = """
import argparse
import time

time.sleep(60)


def main():
    argparse.ArgumentParser().parse_args()
"""


def copy_example(tmp_path: Path) -> Path:
    root = tmp_path / "legacy-app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.tools
def test_every_real_subcommand_of_the_example_passes_in_prod(
    run_gate: RunGate,
) -> None:
    result = run_gate(CliGate(), EXAMPLE)
    assert result.status is Status.PASS, (result.reason, result.findings)
    assert result.findings == ()
    assert {k: v for k, v in result.metrics.items() if k != "environment"} == {
        "scripts": 2,
        "commands": 7,
        "help_ok": 7,
        "help_failed": 0,
        "with_extra": 0,
        "not_walked": 0,
        "help_timeouts": 0,
        "missing": 0,
        "not_run": 0,
        "not_found_statically": 0,
    }
    ran = [c for c in result.commands if c[-1] == "--help"]
    assert ran == [
        ("legacy-app", "--help"),
        ("legacy-app", "analyze-uptime", "--help"),
        ("legacy-app", "paper-trade", "--help"),
        ("legacy-app", "test-broker", "--help"),
        ("legacy-app", "test-data", "--help"),
        ("legacy-app", "verify-config", "--help"),
        ("python", "-m", "legacy_app", "--help"),
    ]
    assert result.criteria[-1].text == (
        "every subcommand's --help exits 0 in the prod environment (7 of 7)"
    )


@pytest.mark.tools
def test_a_subcommand_importing_a_dev_only_package_fails_in_prod(
    tmp_path: Path, run_gate: RunGate
) -> None:
    root = copy_example(tmp_path)
    (root / "src/legacy_app/devtools.py").write_text(DEV_ONLY)
    cli = root / "src/legacy_app/cli.py"
    cli.write_text(
        cli.read_text()
        + "\n\nfrom legacy_app.devtools import repo_info  # noqa: E402\n"
        + "main.add_command(repo_info)\n"
    )
    result = run_gate(CliGate(), root)
    assert result.status is Status.FAIL, result.reason
    (finding,) = result.findings
    assert finding.rule == CRASH.id
    assert (finding.severity, finding.priority) == (Severity.HIGH, Priority.P2)
    # the import that fails, mapped from the installed copy back to the source
    assert finding.location == "src/legacy_app/devtools.py:4"
    assert finding.message == (
        "`legacy-app --help` and 7 more commands fail in the prod environment:"
        " exit 1, ModuleNotFoundError: No module named 'git'"
    )
    commands = str(finding.details["commands"]).split(", ")
    assert "legacy-app repo-info" in commands
    assert len(commands) == 8
    assert result.metrics["help_failed"] == 8
    assert result.criteria[-1].text.endswith("(0 of 8)")


@pytest.mark.tools
def test_hanging_missing_and_unregistered_commands(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": TOOL_PYPROJECT,
            "src/toolpkg/__init__.py": "",
            "src/toolpkg/cli.py": TOOL_CLI,
            "src/toolpkg/slow.py": SLOW,
            # not a command line: python -m toolpkg does work, so it is not run
            "src/toolpkg/__main__.py": "import time\n\ntime.sleep(60)\n",
        }
    )
    result = run_gate(CliGate(), root)
    assert result.status is Status.FAIL, result.reason
    found = sorted((f.rule, f.location, f.message) for f in result.findings)
    assert found == [
        (
            HANG.id,
            "src/toolpkg/slow.py:8",
            "`slow --help` hangs in the prod environment: no answer within 3 s",
        ),
        (
            MISSING.id,
            "pyproject.toml:14",
            (
                "console script ghost = 'toolpkg.nothere:main':"
                " module toolpkg.nothere does not exist"
            ),
        ),
        (
            MISSING.id,
            "src/toolpkg/cli.py:16",
            (
                "`tool extra` is defined in the source but the installed command"
                " line does not have it"
            ),
        ),
    ]
    assert result.metrics["help_timeouts"] == 1
    assert result.metrics["missing"] == 2
    assert result.metrics["not_run"] == 1
    assert [c.met for c in result.criteria] == [False, False]
    # the part of the work not done is named in the criteria
    assert result.criteria[-1].text == (
        "every subcommand's --help exits 0 in the prod environment (2 of 3;"
        " not run: python -m toolpkg: no command line found in the source of its"
        " __main__, which may do real work rather than parse --help)"
    )


def test_no_console_script_skips(make_repo: MakeRepo, run_gate: RunGate) -> None:
    root = make_repo({"pyproject.toml": '[project]\nname = "lib"\n'})
    result = run_gate(CliGate(), root)
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "no console script in [project.scripts] and no __main__ module"
    )


def test_a_folder_that_cannot_be_installed_skips(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "app/__init__.py": "",
            "app/__main__.py": (
                "import argparse\nargparse.ArgumentParser().parse_args()\n"
            ),
        }
    )
    result = run_gate(CliGate(), root)
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "not installable: no pyproject.toml with [project] or [build-system],"
        " no setup.py, no setup.cfg: nothing to install in a prod environment"
    )


def test_nothing_to_run_skips_rather_than_passes(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # plants: an installable project whose only command is a __main__ doing work
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "0.1.0"\n',
            "src/app/__init__.py": "",
            "src/app/__main__.py": "import time\n\ntime.sleep(60)\n",
        }
    )
    result = run_gate(CliGate(), root)
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "no command to check: python -m app: no command line found in the source"
        " of its __main__, which may do real work rather than parse --help"
    )
    assert result.commands == ()


#: A flask-like command line (plants flask's `flask --help` without an app):
#: the root lists its commands from an application it cannot locate, so its
#: --help exits 0 with an "Error:" on stderr; `db` needs a database to list its
#: commands, so `appctl db --help` crashes. Nothing is visible statically.
APPCTL_PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "appctl"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["click>=8.1"]

[project.scripts]
appctl = "appctl.cli:main"

[tool.hatch.build.targets.wheel]
packages = ["src/appctl"]
"""
APPCTL_CLI = """
import os

import click


class AppGroup(click.Group):
    def list_commands(self, ctx):
        click.echo("Error: Could not locate an application (set APP).", err=True)
        return super().list_commands(ctx)


class DatabaseGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(self.commands) if os.environ["DATABASE_URL"] else []


@click.command()
@click.option("--port", type=int, default=5000)
def run(port):
    pass


@click.command()
def routes():
    pass


@click.command()
def upgrade():
    pass


db = DatabaseGroup(name="db", commands=[upgrade])
cli = AppGroup(name="appctl", commands=[run, routes, db])


def main():
    cli.main()
"""
APPCTL_FILES = {
    "pyproject.toml": APPCTL_PYPROJECT,
    "src/appctl/__init__.py": "",
    "src/appctl/cli.py": APPCTL_CLI,
}


@pytest.mark.tools
def test_help_is_read_from_stdout_and_a_failed_group_is_its_own_finding(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(APPCTL_FILES)
    result = run_gate(CliGate(), root)
    assert result.status is Status.FAIL, result.reason
    ran = [c for c in result.commands if c[-1] == "--help"]
    assert ran == [
        ("appctl", "--help"),
        ("appctl", "db", "--help"),
        ("appctl", "routes", "--help"),
        ("appctl", "run", "--help"),
    ]
    (finding,) = result.findings
    assert (finding.rule, finding.location) == (CRASH.id, "src/appctl/cli.py:14")
    assert finding.message == (
        "`appctl db --help` fails in the prod environment:"
        " exit 1, KeyError: 'DATABASE_URL'"
    )
    assert (result.metrics["commands"], result.metrics["help_ok"]) == (4, 3)


# --- pieces -----------------------------------------------------------------


def test_traceback_location_maps_installed_files_to_the_source() -> None:
    project = clistatic.Project(discover(EXAMPLE))
    output = (
        'File "/env/lib/python3.11/site-packages/click/core.py", line 9, in x\n'
        'File "/env/lib/python3.11/site-packages/legacy_app/utils/__init__.py",'
        " line 2\n"
        'File "/env/lib/python3.11/site-packages/legacy_app/cli.py", line 7\n'
        'File "/usr/lib/python3.11/importlib/__init__.py", line 126\n'
        "ModuleNotFoundError: No module named 'git'\n"
    )
    assert traceback_location(project, output) == ("src/legacy_app/cli.py", 7)
    package = 'File "/e/site-packages/legacy_app/utils/__init__.py", line 2\n'
    assert traceback_location(project, package) == (
        "src/legacy_app/utils/__init__.py",
        2,
    )
    foreign = 'File "/e/site-packages/click/core.py", line 1\n'
    assert traceback_location(project, foreign) is None
    assert traceback_location(project, 'File "/e/site-packages/x.pth", line 1') is None


def test_failures_are_grouped_by_cause() -> None:
    command = clitree.Command(name="sub", path="src/app/cli.py", line=12)
    single = grouped(
        [
            Failure(
                shown="app sub",
                reason="exit 2, boom",
                returncode=2,
                command=command,
                location=None,
            )
        ]
    )
    assert [(f.rule, f.location, f.message) for f in single] == [
        (
            CRASH.id,
            "src/app/cli.py:12",
            "`app sub --help` fails in the prod environment: exit 2, boom",
        )
    ]
    pair = grouped(
        [
            Failure(shown="a", reason="r", returncode=1, command=None, location=None),
            Failure(shown="a b", reason="r", returncode=1, command=None, location=None),
        ]
    )
    assert (
        pair[0].message
        == "`a --help` and 1 more command fail in the prod environment: r"
    )
    assert pair[0].path is None
    hung = clitree.HelpRun(path=(), returncode=None)
    assert failure_reason(hung, 2.5) == "no answer within 2.5 s"


def test_declarations_and_counts(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": (
                '[project]\nname = "app"\n\n[project.scripts]\n'
                '"my-app" = "app:main"\n\n[tool.x]\nmy-app = 1\n'
            )
        }
    )
    target = discover(root)
    assert declaration_line(target, "my-app") == 5
    assert declaration_line(target, "other") is None
    assert declaration_line(discover(root / ".."), "x") is None
    finding = not_installed(
        target, clitree.Script(name="my-app", entry="app:main", root=None)
    )
    assert (finding.rule, finding.location) == (MISSING.id, "pyproject.toml:5")
    static = clitree.Command(name="app", commands=(clitree.Command(name="a"),))
    walked = clitree.Command(
        name="app",
        commands=(
            clitree.Command(name="a"),
            clitree.Command(name="b"),
            clitree.Command(name="c", hidden=True),
        ),
    )
    assert count_undiscovered(static, walked) == 1
    assert count_undiscovered(None, walked) == 0


# --- commands behind an extra (field corpus: black, nox) ---------------------

EXTRAS_PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "svc"
version = "1"

[project.optional-dependencies]
server = ["aiohttp-fake-dist>=3"]
convert = ["Jinja2"]
dev = ["gitpython"]

[project.scripts]
svc-server = "svc.server:main [server]"
svc-convert = "svc.convert:main"
svc-render = "svc.render:main"
"""
SERVER = """
import argparse

try:
    import aiohttp_fake_dist
except ImportError as error:
    print(f"{error}: install svc[server] to run the server")
    raise SystemExit(1)


def main():
    parser = argparse.ArgumentParser(prog="svc-server")
    parser.parse_args()
"""
CONVERT = """
import argparse

import jinja2


def main():
    parser = argparse.ArgumentParser(prog="svc-convert")
    parser.parse_args()
"""


RENDER = """
import argparse

import jinja2
import svc_templates


def main():
    argparse.ArgumentParser(prog="svc-render").parse_args()
"""


def extras_target(make_repo: MakeRepo) -> Path:
    """Plants three commands behind extras: svc-server needs [server], whose
    package is on no index (its environment cannot be built); svc-convert
    needs [convert] (Jinja2) and works with it; svc-render needs [convert] too
    but then imports a module nothing provides (a real crash)."""
    return make_repo(
        {
            "pyproject.toml": EXTRAS_PYPROJECT,
            "src/svc/__init__.py": "",
            "src/svc/server.py": SERVER,
            "src/svc/convert.py": CONVERT,
            "src/svc/render.py": RENDER,
        }
    )


def test_which_failures_are_about_an_extra(make_repo: MakeRepo) -> None:
    """blackd says "install black[d]" and exits 1; nox's tox-to-nox imports
    jinja2, declared in its tox-to-nox extra. A module only a dev extra
    declares, or one no extra declares, is a real crash."""
    target = discover(extras_target(make_repo))
    plain = clitree.Script(name="svc-x", entry="svc.x:main", root=None)
    served = clitree.Script(
        name="svc-server",
        entry="svc.server:main [server]",
        root=None,
        extras=("server",),
    )
    assert needed_extras(target, plain, "run: pip install svc[server]") == ("server",)
    assert needed_extras(target, plain, "the '[server]' extra is needed") == ("server",)
    said = "ModuleNotFoundError: No module named 'jinja2'"
    assert needed_extras(target, plain, said) == ("convert",)
    assert needed_extras(target, plain, "No module named 'jinja2.ext'") == ("convert",)
    assert needed_extras(target, plain, "No module named 'git'") == ()
    assert needed_extras(target, plain, "No module named 'gitpython'") == ()
    assert needed_extras(target, plain, "No module named 'other'") == ()
    assert needed_extras(target, served, "No module named 'other'") == ("server",)
    assert needed_extras(target, served, "ValueError: bad config") == ()
    assert needed_extras(target, plain, "pip install svc[dev]") == ()


@pytest.mark.tools
def test_a_command_behind_an_extra_is_walked_with_it(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black 26.10.1: ``blackd`` (entry point ``blackd:patched_main [d]``)
    prints an install hint for ``black[d]`` and exits 1 in the prod
    environment, as an optional command should; it was CL003 and CL001 (High),
    then CL004 (Low) with nothing to act on. Now it is walked in the prod
    environment plus [d]: only a command that fails there too is a finding, and
    one whose extra cannot be installed is counted as not walked."""
    result = run_gate(CliGate(), extras_target(make_repo))
    assert result.status is Status.FAIL, (result.reason, result.findings)
    assert [(f.rule, f.severity, f.location, f.message) for f in result.findings] == [
        (
            CRASH.id,
            Severity.HIGH,
            "src/svc/render.py:4",
            (
                "`svc-render --help` fails in the prod environment with the extra"
                " [convert]: exit 1, ModuleNotFoundError: No module named"
                " 'svc_templates'"
            ),
        ),
    ]
    metrics = {k: v for k, v in result.metrics.items() if k != "environment"}
    assert metrics == {
        "scripts": 3,
        "commands": 2,
        "help_ok": 1,
        "help_failed": 1,
        "with_extra": 2,
        "not_walked": 1,
        "help_timeouts": 0,
        "missing": 0,
        "not_run": 0,
        "not_found_statically": 0,
    }
    assert result.criteria[-1].text == (
        "every subcommand's --help exits 0 in the prod environment (1 of 2;"
        " with their extra installed: svc-convert [convert], svc-render [convert];"
        " needs an extra, not walked: svc-server [server] (cannot build the"
        " prod+server environment: Because aiohttp-fake-dist was not found in the"
        " package registry and svc[server]==1 depends on aiohttp-fake-dist>=3, we"
        " can conclude that svc[server]==1 cannot be used.))"
    )
