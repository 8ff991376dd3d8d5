"""Options in argparse's own argument groups are options (field corpus: httpie).

httpie 3.2.4 builds ``http``'s parser from a spec, so only ``http --help``
shows its command line; the options sit under argparse argument groups titled
"Network:", "Sessions:", "SSL:", "Troubleshooting:" ... The help parser read
options only under headings naming options, arguments or flags, so the docs
gate reported 77 documented options as unknown, ``http --manual`` among them.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import pytest

from readiness import clitree
from readiness.findings import Status
from readiness.gates.docs import UNKNOWN_OPTION, DocsGate

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate


def grouped_parser() -> argparse.ArgumentParser:
    """httpie's shape: a positional, then options in titled argument groups."""
    parser = argparse.ArgumentParser(prog="fetchy", description="Fetch things.")
    parser.add_argument("url")
    network = parser.add_argument_group("Network")
    network.add_argument("--offline", action="store_true")
    network.add_argument("--timeout", type=float)
    ssl = parser.add_argument_group("SSL", description="TLS settings.")
    ssl.add_argument("--verify", "-k", metavar="VERIFY")
    trouble = parser.add_argument_group("Troubleshooting")
    trouble.add_argument("--manual", action="store_true", help="Show the manual.")
    return parser


def test_options_of_every_argparse_group_are_read() -> None:
    page = clitree.parse_help(grouped_parser().format_help())
    assert page.commands == ()
    assert [(o.names, o.takes_value) for o in page.options] == [
        (("-h", "--help"), False),
        (("--offline",), False),
        (("--timeout",), True),
        (("--verify", "-k"), True),
        (("--manual",), False),
    ]


def test_commands_come_only_from_command_sections() -> None:
    """argparse subparsers under a title list ``{a,b}``; an option group's
    entries are never commands, and prose under a heading is never an option."""
    parser = argparse.ArgumentParser(prog="tool", epilog="-x is not an option")
    parser.add_argument_group("Output").add_argument("--quiet", action="store_true")
    sub = parser.add_subparsers(title="commands", dest="command")
    sub.add_parser("run", help="run it")
    sub.add_parser("stop", help="stop it")
    page = clitree.parse_help(parser.format_help())
    assert page.commands == ("run", "stop")
    assert [o.names for o in page.options] == [("-h", "--help"), ("--quiet",)]


#: An argparse command line the source does not show: the parser is built from
#: a spec in one module and run from a function that imports it at call time
#: (httpie's ``httpie.__main__:main`` -> ``httpie.core``). Plants options in
#: two argument groups, and a README naming two of them and one misspelt.
FETCHY = {
    "pyproject.toml": """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "fetchy"
version = "0.1.0"
requires-python = ">=3.11"

[project.scripts]
fetchy = "fetchy.__main__:main"

[tool.hatch.build.targets.wheel]
packages = ["src/fetchy"]
""",
    "src/fetchy/__init__.py": "",
    "src/fetchy/__main__.py": """
import sys


def main():
    from fetchy.core import run

    sys.exit(run(sys.argv[1:]))
""",
    "src/fetchy/core.py": """
from fetchy.cli import parser


def run(args):
    parser.parse_args(args)
    return 0
""",
    "src/fetchy/cli.py": """
import argparse

SPEC = {
    "Network": [("--offline", False), ("--timeout", True)],
    "Troubleshooting": [("--manual", False)],
}


def to_argparse(spec):
    built = argparse.ArgumentParser(prog="fetchy")
    built.add_argument("url")
    for title, options in spec.items():
        group = built.add_argument_group(title)
        for name, takes_value in options:
            group.add_argument(name, action="store" if takes_value else "store_true")
    return built


parser = to_argparse(SPEC)
""",
    "README.md": (
        "Run `fetchy --manual`, or `fetchy --timeout 3 --offline example.org`.\n"
        "\n"
        "`fetchy --ofline example.org` is misspelt.\n"
    ),
}


@pytest.mark.tools
def test_documented_options_of_argument_groups_exist(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run_gate(DocsGate(), make_repo(FETCHY))
    assert result.status is Status.FAIL, result.reason
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        (
            UNKNOWN_OPTION.id,
            "README.md:3",
            (
                "`fetchy --ofline`: fetchy does not accept --ofline (did you mean"
                " --offline?); its options: --help, --manual, --offline, --timeout"
            ),
        )
    ]
    assert result.metrics["invocations"] == 3
    assert result.metrics["unknown_options"] == 1
