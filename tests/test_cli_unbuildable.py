"""The cli gate when the target does not build (issue 11).

A target whose prod environment cannot be built has no ``--help`` to walk. The
gate is ``error`` (it could not run), says why, and names the commands the
source declares, so the reader knows what was not checked; it never passes
after checking no command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from readiness.findings import Status
from readiness.gates.cli_gate import CliGate

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

#: Plants a click command line (a group with two commands) in a package whose
#: setup.py stops the build, as one that needs a missing data file does.
UNBUILDABLE = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "appx"
        version = "1"
        dependencies = ["click"]

        [project.scripts]
        appx = "appx.cli:main"
    """,
    "setup.py": """
        from setuptools import setup

        with open("appx/_data/version.txt") as handle:
            handle.read()

        setup()
    """,
    "appx/__init__.py": "",
    "appx/cli.py": """
        import click


        @click.group()
        def main():
            pass


        @main.command()
        def serve():
            pass


        @main.command()
        def migrate():
            pass
    """,
}


@pytest.mark.tools
def test_a_target_that_does_not_build_is_an_error_naming_its_commands(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run_gate(CliGate(), make_repo(UNBUILDABLE))
    assert result.status is Status.ERROR
    assert result.reason == (
        "help walk not run, no prod environment: blocked: the package does not"
        " build (FileNotFoundError: [Errno 2] No such file or directory:"
        " 'appx/_data/version.txt'); the source declares 3 commands: appx,"
        " appx serve, appx migrate"
    )
    assert result.findings == ()


@pytest.mark.tools
def test_no_command_checked_is_an_error_not_a_pass(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants a project whose one command needs an extra whose package is on
    no index: nothing can be walked, so nothing passes."""
    root = make_repo(
        {
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "svc"
                version = "1"

                [project.optional-dependencies]
                server = ["aiohttp-fake-dist>=3"]

                [project.scripts]
                svc-server = "svc.server:main [server]"
            """,
            "svc/__init__.py": "",
            "svc/server.py": """
                import aiohttp_fake_dist


                def main():
                    pass
            """,
        }
    )
    result = run_gate(CliGate(), root)
    assert result.status is Status.ERROR
    assert result.reason == (
        "no command could be checked: needs an extra, not walked:"
        " svc-server [server] (cannot build the prod+server environment: Because"
        " aiohttp-fake-dist was not found in the package registry and"
        " svc[server]==1 depends on aiohttp-fake-dist>=3, we can conclude that"
        " svc[server]==1 cannot be used.)"
    )
