"""The CLI model read from the source: click, typer, argparse (clistatic)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import clistatic, clitree
from readiness.target import discover
from tests.conftest import EXAMPLE, REPO_ROOT

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo


def pyproject(**scripts: str) -> str:
    lines = "\n".join(f'{name} = "{entry}"' for name, entry in scripts.items())
    return f'[project]\nname = "app"\n\n[project.scripts]\n{lines}\n'


def scripts_of(root: Path) -> dict[str, clitree.Script]:
    return {script.name: script for script in clistatic.discover(discover(root))}


def tree(script: clitree.Script) -> dict[tuple[str, ...], list[str]]:
    """Every command path with its long options (``--help`` left out)."""
    assert script.root is not None, script.reason
    return {
        path: [n for n in node.long_options if n != "--help"]
        for path, node in script.root.walk()
    }


# --- click ------------------------------------------------------------------

CLICK_CLI = """
import click
from click import option as opt

from app.sub import tools
from app import extra


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("1.0")
@click.option("--verbose/--quiet", "-v")
def main(verbose):
    '''App.'''


@main.command("fetch-data")
@opt("--source", type=click.Choice(["csv", "http"]), required=True)
@click.option("--dry-run", is_flag=True)
@click.argument("where")
@click.pass_context
def fetch(ctx, source, dry_run, where):
    '''Fetch.'''


@main.command()
def analyze_uptime_cmd():
    '''Renamed by click: analyze-uptime.'''


@main.group()
def db():
    '''Database.'''


@db.command(name="migrate")
@click.option("--to", "revision")
@click.option("--count", "-c", count=True)
def run_migrations(revision, count):
    '''Migrate.'''


@db.group("admin")
def admin_group():
    pass


@admin_group.command(hidden=True)
def wipe():
    pass


@click.command()
@click.confirmation_option()
def purge():
    pass


main.add_command(purge, name="purge-all")
main.add_command(tools)
main.add_command(extra.report, "make-report")
"""
CLICK_SUB = """
import click

pass_config = click.make_pass_decorator(dict)


@click.group()
def tools():
    pass


@tools.command()
@pass_config
@click.password_option()
def login(config, password):
    pass
"""
CLICK_EXTRA = """
import click

from app.cli import main
from app.helpers import common_options


@click.command()
@click.help_option("--info")
def report():
    pass


@main.command()
@common_options
def odd():
    pass


@main.group(cls=click.Group)
def plugins():
    pass
"""


def test_click_groups_renames_and_registrations(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(app="app.cli:main"),
            "src/app/__init__.py": "",
            "src/app/cli.py": CLICK_CLI,
            "src/app/sub/__init__.py": "from app.sub.commands import tools\n",
            "src/app/sub/commands.py": CLICK_SUB,
            "src/app/extra.py": CLICK_EXTRA,
            "src/app/helpers.py": "def common_options(f):\n    return f\n",
        }
    )
    script = scripts_of(root)["app"]
    assert tree(script) == {
        (): ["--quiet", "--verbose", "--version"],
        ("fetch-data",): ["--dry-run", "--source"],
        ("analyze-uptime",): [],
        ("db",): [],
        ("db", "migrate"): ["--count", "--to"],
        ("db", "admin"): [],
        ("db", "admin", "wipe"): [],
        ("purge-all",): ["--yes"],
        ("tools",): [],
        ("tools", "login"): ["--password"],
        ("make-report",): ["--info"],
        ("odd",): [],
        ("plugins",): [],
    }
    root_cmd = script.root
    assert root_cmd is not None
    # help option names are inherited from the group's context settings
    fetch = root_cmd.child("fetch-data")
    assert fetch is not None
    assert fetch.option("-h") is not None
    assert fetch.option("--source") == clitree.Option(
        names=("--source",), takes_value=True
    )
    assert fetch.option("--dry-run") == clitree.Option(
        names=("--dry-run",), takes_value=False
    )
    assert (fetch.path, fetch.line) == ("src/app/cli.py", 15)
    verbose = root_cmd.option("--verbose")
    assert verbose is not None
    assert verbose.names == ("--verbose", "--quiet", "-v")
    assert verbose.takes_value is False
    db = root_cmd.child("db")
    assert db is not None
    admin = db.child("admin")
    assert admin is not None
    assert admin.command_names == ()  # wipe is hidden, but known
    assert admin.child("wipe") is not None
    report = root_cmd.child("make-report")
    assert report is not None
    assert report.option("--info") is not None
    assert report.option("--help") is not None  # click keeps its own too
    odd = root_cmd.child("odd")
    assert odd is not None
    assert not odd.options_complete  # a decorator readiness cannot read
    plugins = root_cmd.child("plugins")
    assert plugins is not None
    assert not plugins.commands_complete  # a custom group class
    tools = root_cmd.child("tools")
    assert tools is not None
    login = tools.child("login")
    assert login is not None
    assert login.options_complete  # make_pass_decorator adds no option


# --- typer ------------------------------------------------------------------

TYPER_CLI = """
from typing import Annotated, Optional

import typer

from app import db

app = typer.Typer()
hidden_app = typer.Typer()
app.add_typer(db.app, name="db")
app.add_typer(hidden_app, name="secret", hidden=True)


@app.callback()
def main(verbose: bool = False):
    pass


@app.command()
def fetch_data(
    source: Annotated[str, typer.Option("--source", "-s")],
    dry_run: bool = False,
    limit: int = 10,
    path: str = typer.Argument(...),
    force: Optional[bool] = typer.Option(None, "--force/--no-force"),
    ctx: typer.Context = None,
):
    pass


@app.command("report", hidden=True)
def make_report(out: Annotated[str, typer.Argument()] = "-"):
    pass


@hidden_app.command()
def reveal():
    pass
"""
TYPER_DB = """
import typer

app = typer.Typer(name="database")


@app.command(name="migrate")
def run(to: str = typer.Option("head", help="revision")):
    pass


@app.command()
def seed(count: int):
    pass
"""


def test_typer_apps_commands_and_nested_apps(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(app="app.cli:app"),
            "src/app/__init__.py": "",
            "src/app/cli.py": TYPER_CLI,
            "src/app/db.py": TYPER_DB,
        }
    )
    script = scripts_of(root)["app"]
    assert tree(script) == {
        (): ["--install-completion", "--no-verbose", "--show-completion", "--verbose"],
        ("db",): [],
        ("db", "migrate"): ["--to"],
        ("db", "seed"): [],
        ("secret",): [],
        ("secret", "reveal"): [],
        ("fetch-data",): [
            "--dry-run",
            "--force",
            "--limit",
            "--no-dry-run",
            "--no-force",
            "--source",
        ],
        ("report",): [],
    }
    assert script.root is not None
    fetch = script.root.child("fetch-data")
    assert fetch is not None
    assert fetch.option("-s") == clitree.Option(
        names=("--source", "-s"), takes_value=True
    )
    limit = fetch.option("--limit")
    assert limit is not None
    assert limit.takes_value
    dry_run = fetch.option("--dry-run")
    assert dry_run is not None
    assert not dry_run.takes_value
    assert script.root.command_names == ("fetch-data", "db")


def test_typer_single_command_apps_and_typer_run(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(one="app.one:app", run="app.run:main"),
            "src/app/__init__.py": "",
            "src/app/one.py": (
                "import typer\napp = typer.Typer(add_completion=False)\n\n"
                "@app.command()\ndef hello(name: str = 'x'):\n    pass\n"
            ),
            "src/app/run.py": (
                "import typer\n\ndef greet(loud: bool = False):\n    pass\n\n"
                "def main():\n    typer.run(greet)\n"
            ),
        }
    )
    scripts = scripts_of(root)
    assert tree(scripts["one"]) == {(): ["--name"]}
    assert tree(scripts["run"]) == {(): ["--loud", "--no-loud"]}


def test_typer_sub_app_without_a_name_merges_its_commands(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(app="app.cli:app"),
            "src/app/__init__.py": "",
            "src/app/cli.py": (
                "import typer\nfrom app.more import extra\n\napp = typer.Typer()\n"
                "app.add_typer(extra)\n\n@app.command()\ndef first():\n    pass\n\n"
                "@app.command()\ndef second():\n    pass\n"
            ),
            "src/app/more.py": (
                "import typer\nextra = typer.Typer()\n\n"
                "@extra.command()\ndef third():\n    pass\n"
            ),
        }
    )
    script = scripts_of(root)["app"]
    assert script.root is not None
    assert script.root.command_names == ("first", "second", "third")


# --- argparse -----------------------------------------------------------------

ARGPARSE_CLI = """
import argparse
import sys


class Parser(argparse.ArgumentParser):
    pass


def common(parser):
    parser.add_argument("--config", metavar="FILE")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true")


def build_parser():
    parser = Parser(prog="app")
    parser.add_argument("--version", action="version", version="1")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", aliases=["r"])
    common(run)
    run.add_argument("target")
    run.add_argument("--color", action=argparse.BooleanOptionalAction)
    run.add_argument("--jobs", type=int, nargs="?")
    db = commands.add_parser("db", add_help=False)
    db_commands = db.add_subparsers()
    migrate = db_commands.add_parser("migrate")
    migrate.add_argument("--to")
    for name in ("a", "b"):
        db_commands.add_parser(name)
    shared = argparse.ArgumentParser(add_help=False)
    inherit = commands.add_parser("inherit", parents=[shared])
    inherit.add_argument("--own")
    commands.add_parser("plain", help="nothing else")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""


def test_argparse_subparsers_followed_through_helpers(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(app="app.cli:main"),
            "src/app/__init__.py": "",
            "src/app/cli.py": ARGPARSE_CLI,
            "src/app/__main__.py": (
                "from app.cli import main\n\nraise SystemExit(main())\n"
            ),
        }
    )
    scripts = scripts_of(root)
    script = scripts["app"]
    assert tree(script) == {
        (): ["--version"],
        ("run",): ["--color", "--config", "--jobs", "--no-color", "--quiet"],
        ("db",): [],
        ("db", "migrate"): ["--to"],
        ("inherit",): ["--own"],
        ("plain",): [],
    }
    assert script.root is not None
    assert script.root.abbreviations
    run = script.root.child("r")  # an alias
    assert run is not None
    assert run.name == "run"
    assert run.option("--conf") is not None  # argparse accepts unique prefixes
    config = run.option("--config")
    assert config is not None
    assert config.takes_value
    quiet = run.option("-q")
    assert quiet is not None
    assert quiet.takes_value is False
    db = script.root.child("db")
    assert db is not None
    assert db.option("--help") is None
    assert not db.commands_complete  # names computed in a loop
    inherit = script.root.child("inherit")
    assert inherit is not None
    assert not inherit.options_complete  # parents=[...]
    assert tree(scripts["python -m app"]) == tree(script)


def test_argparse_at_module_level_and_custom_actions(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(app="app.cli:main"),
            "src/app/__init__.py": "",
            "src/app/cli.py": (
                "from argparse import ArgumentParser\nimport argparse\n"
                "parser = ArgumentParser(allow_abbrev=False)\n"
                "parser.add_argument('--mode', action=MyAction)\n"
                "parser.add_argument(*FLAGS)\n"
                "def main():\n    args = parser.parse_args()\n    helper(parser)\n"
            ),
        }
    )
    script = scripts_of(root)["app"]
    assert script.root is not None
    mode = script.root.option("--mode")
    assert mode is not None
    assert mode.takes_value is None
    assert not script.root.options_complete
    assert not script.root.abbreviations
    assert script.root.option("--mo") is None


def test_the_example_and_readiness_itself() -> None:
    example = scripts_of(EXAMPLE)
    assert set(example) == {"legacy-app", "python -m legacy_app"}
    assert tree(example["legacy-app"]) == {
        (): ["--version"],
        ("test-data",): ["--path", "--source", "--url"],
        ("test-broker",): ["--broker", "--testnet", "--url"],
        ("analyze-uptime",): ["--end-date", "--log-dir", "--start-date", "--target"],
        ("verify-config",): ["--config"],
        ("paper-trade",): ["--broker", "--duration", "--log-dir", "--strategy"],
    }
    ours = scripts_of(REPO_ROOT)["readiness"]
    assert ours.root is not None
    assert {"audit", "gates", "uptime"} <= set(ours.root.command_names)
    uptime_cmd = ours.root.child("uptime")
    assert uptime_cmd is not None
    assert {"--log-dir", "--start", "--end", "--interval", "--target"} <= set(
        uptime_cmd.long_options
    )


# --- entry points that cannot be read ------------------------------------------


def test_entry_points_missing_foreign_or_not_a_cli(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(
                gone="app.gone:main",
                noattr="app.cli:nope",
                foreign="otherpkg.cli:main",
                plain="app.cli:main",
                broken="app.broken:main",
                bare="app.cli",
            ),
            "src/app/__init__.py": "",
            "src/app/cli.py": "def main():\n    print('hello')\n",
            "src/app/broken.py": "def main(:\n",
            "src/app/__main__.py": "print('no cli')\n",
        }
    )
    scripts = scripts_of(root)
    assert (scripts["gone"].missing, scripts["gone"].reason) == (
        True,
        "module app.gone does not exist",
    )
    assert (scripts["noattr"].missing, scripts["noattr"].reason) == (
        True,
        "app.cli defines no 'nope'",
    )
    assert (scripts["foreign"].missing, scripts["foreign"].reason) == (
        False,
        "module otherpkg.cli is not in the repository",
    )
    assert scripts["plain"].root is None
    assert not scripts["plain"].missing
    assert scripts["plain"].reason is not None
    assert "no click, typer or argparse" in scripts["plain"].reason
    assert scripts["broken"].reason == "module app.broken cannot be parsed"
    assert scripts["bare"].missing
    assert scripts["python -m app"].root is None


def test_a_registration_cycle_is_cut(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": pyproject(app="app.cli:main"),
            "src/app/__init__.py": "",
            "src/app/cli.py": (
                "import click\n\n@click.group()\ndef main():\n    pass\n\n"
                "@main.group()\ndef sub():\n    pass\n\nsub.add_command(main, 'loop')\n"
                "main.add_command(unknown_thing)\nmain.add_command(sub, name=NAME)\n"
            ),
        }
    )
    script = scripts_of(root)["app"]
    assert script.root is not None
    assert not script.root.commands_complete
    sub = script.root.child("sub")
    assert sub is not None
    loop = sub.child("loop")
    assert loop is not None
    assert loop.commands == ()
    assert not loop.commands_complete


@pytest.mark.parametrize(
    ("declarations", "names", "paired"),
    [
        (["--shout/--no-shout", "-s"], ["--shout", "--no-shout", "-s"], True),
        (["--out", "out_name"], ["--out"], False),
        (["-a / -A"], ["-a", "-A"], True),
    ],
)
def test_option_names(
    declarations: list[str],
    names: list[str],
    paired: bool,  # noqa: FBT001 - a parametrized expectation
) -> None:
    assert clistatic.option_names(declarations) == (names, paired)


#: An argparse command line with one option, for entry point tests.
ARGPARSE_MINIMAL = """
import argparse


def main():
    parser = argparse.ArgumentParser(prog="app")
    parser.add_argument("--port")
    parser.parse_args()
"""


def test_entry_point_extras_are_not_part_of_the_attribute(make_repo: MakeRepo) -> None:
    """black 26.10.1 declares ``blackd = "blackd:patched_main [d]"``: the
    ``[d]`` is the entry points specification's extras, which was read as part
    of the attribute name (CL003 High: "blackd defines no 'patched_main [d]'")."""
    root = make_repo(
        {
            "pyproject.toml": pyproject(
                served="app.cli:main [server]", both="app.cli:main[a, b]"
            ),
            "src/app/__init__.py": "",
            "src/app/cli.py": ARGPARSE_MINIMAL,
        }
    )
    scripts = scripts_of(root)
    assert not scripts["served"].missing
    assert scripts["served"].reason is None
    assert scripts["served"].extras == ("server",)
    assert scripts["both"].extras == ("a", "b")
    assert scripts["both"].root is not None


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("blackd:patched_main [d]", ("blackd", "patched_main", ("d",))),
        ("a.b:c.d", ("a.b", "c", ())),
        ("a.b", ("a.b", "", ())),
        ("a.b:c [x,y]", ("a.b", "c", ("x", "y"))),
        ("not valid!:x", ("not valid!", "x", ())),
    ],
)
def test_parse_entry(entry: str, parsed: tuple[str, str, tuple[str, ...]]) -> None:
    assert clistatic.entries.parse_entry(entry) == parsed
