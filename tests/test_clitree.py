"""The CLI model from --help: parsing help pages, and the walk down a command line."""

from __future__ import annotations

import pytest

from readiness import clitree
from readiness.helpwalk import failure_reason

# --- help output --------------------------------------------------------------

CLICK_HELP = """Usage: legacy-app [OPTIONS] COMMAND [ARGS]...

  Legacy App operations toolkit.

Options:
  --version  Show the version and exit.
  --help     Show this message and exit.

Commands:
  analyze-uptime  Compute uptime from heartbeat logs.
  test-data       Load a market data source and report what it holds.
"""
CLICK_SUB_HELP = """Usage: legacy-app test-data [OPTIONS]

Options:
  --source [csv|http]  [required]
  --path FILE
  --shout / --no-shout  Loudly.
  --help               Show this message and exit.
"""
ARGPARSE_HELP = """usage: readiness [-h] [--version] {audit,gates} ...

positional arguments:
  {audit,gates}
    audit        run the gates and write the gap analysis
    gates        list the gates

options:
  -h, --help     show this help message and exit
  --format FORMAT
                 write a report file
"""
ARGPARSE_METAVAR_HELP = """usage: app [-h] COMMAND ...

positional arguments:
  COMMAND
    run          run it
    stop         stop it
                 (a continuation line)
"""
TYPER_HELP = """
 Usage: app [OPTIONS] COMMAND [ARGS]...

╭─ Options ────────────────────────────────────────────────────────────╮
│ --install-completion          Install completion for the shell.      │
│ *  --source        TEXT       [default: None] [required]             │
│ --dry-run  --no-dry-run       [default: no-dry-run]                  │
│ --help                        Show this message and exit.            │
╰──────────────────────────────────────────────────────────────────────╯
╭─ Commands ───────────────────────────────────────────────────────────╮
│ db           Database.                                               │
│ fetch-data   Fetch.                                                  │
╰──────────────────────────────────────────────────────────────────────╯
"""


def test_parse_click_help() -> None:
    page = clitree.parse_help(CLICK_HELP)
    assert page.commands == ("analyze-uptime", "test-data")
    assert [o.names for o in page.options] == [("--version",), ("--help",)]
    sub = clitree.parse_help(CLICK_SUB_HELP)
    assert sub.commands == ()
    assert [(o.names, o.takes_value) for o in sub.options] == [
        (("--source",), True),
        (("--path",), True),
        (("--shout", "--no-shout"), False),
        (("--help",), False),
    ]


def test_parse_argparse_help() -> None:
    page = clitree.parse_help(ARGPARSE_HELP)
    assert page.commands == ("audit", "gates")
    assert [(o.names, o.takes_value) for o in page.options] == [
        (("-h", "--help"), False),
        (("--format",), True),
    ]
    assert clitree.parse_help(ARGPARSE_METAVAR_HELP).commands == ("run", "stop")


def test_parse_typer_rich_help() -> None:
    page = clitree.parse_help(TYPER_HELP)
    assert page.commands == ("db", "fetch-data")
    assert [(o.names, o.takes_value) for o in page.options] == [
        (("--install-completion",), False),
        (("--source",), True),
        (("--dry-run", "--no-dry-run"), False),
        (("--help",), False),
    ]


def test_parse_help_without_headings_and_with_colors() -> None:
    page = clitree.parse_help(
        "\x1b[1mtool\x1b[0m\n  -v, --verbose  more\n  --out DIR\n"
    )
    assert [(o.names, o.takes_value) for o in page.options] == [
        (("-v", "--verbose"), False),
        (("--out",), True),
    ]
    assert clitree.parse_help("") == clitree.HelpPage()


# --- the walk -----------------------------------------------------------------


def fake_runner(
    pages: dict[tuple[str, ...], tuple[int | None, str]],
) -> tuple[clitree.HelpRunner, list[tuple[str, ...]]]:
    seen: list[tuple[str, ...]] = []

    def run(path: tuple[str, ...]) -> clitree.HelpRun:
        seen.append(path)
        code, output = pages.get(path, (2, "Error: No such command 'x'."))
        if code == 0:
            return clitree.HelpRun(path=path, returncode=code, stdout=output)
        return clitree.HelpRun(path=path, returncode=code, stderr=output)

    return run, seen


def test_walk_follows_help_and_adds_what_only_the_source_knows() -> None:
    static = clitree.Command(
        name="legacy-app",
        commands=(
            clitree.Command(name="test-data", path="src/cli.py", line=3),
            clitree.Command(name="secret", hidden=True),
            clitree.Command(name="gone"),
        ),
    )
    run, seen = fake_runner(
        {
            (): (0, CLICK_HELP),
            ("analyze-uptime",): (0, "Options:\n  --log-dir DIR\n"),
            ("test-data",): (0, CLICK_SUB_HELP),
            ("secret",): (0, "Options:\n  --help\n"),
        }
    )
    walked, runs = clitree.walk("legacy-app", run, static)
    assert seen == [(), ("analyze-uptime",), ("test-data",), ("gone",), ("secret",)]
    assert [r.ok for r in runs] == [True, True, True, False, True]
    assert runs[3].no_such_command
    assert walked.command_names == ("analyze-uptime", "test-data")
    secret = walked.child("secret")
    assert secret is not None
    assert secret.hidden
    assert walked.child("gone") is None
    test_data = walked.child("test-data")
    assert test_data is not None
    assert (test_data.path, test_data.line) == ("src/cli.py", 3)


def test_walk_when_the_root_crashes_still_tries_known_subcommands() -> None:
    static = clitree.Command(
        name="app",
        options=(clitree.Option(names=("--x",)),),
        commands=(clitree.Command(name="run"),),
    )
    crash = "Traceback...\nModuleNotFoundError: No module named 'pytest'"
    run, seen = fake_runner({(): (1, crash), ("run",): (1, crash)})
    walked, runs = clitree.walk("app", run, static)
    assert seen == [(), ("run",)]
    assert not walked.commands_complete
    assert walked.option("--x") is not None
    assert [r.no_such_command for r in runs] == [False, False]
    hung = clitree.HelpRun(path=(), returncode=None)
    assert (hung.timed_out, hung.ok, hung.no_such_command) == (True, False, False)


@pytest.mark.parametrize(
    ("run", "answered", "reason"),
    [
        (clitree.HelpRun(path=(), returncode=0, stdout="usage: app\n"), True, ""),
        (
            clitree.HelpRun(path=(), returncode=0, stdout="usage: app", stderr="warn"),
            True,
            "",
        ),
        (clitree.HelpRun(path=(), returncode=0), False, "exit 0 but printed nothing"),
        (
            clitree.HelpRun(path=(), returncode=0, stdout=" \n", stderr="\n"),
            False,
            "exit 0 but printed nothing",
        ),
        (
            clitree.HelpRun(path=(), returncode=0, stderr="x" * 80, cut=True),
            False,
            "exit 0, printed more than 16 MiB",
        ),
        (
            clitree.HelpRun(path=(), returncode=2, stderr="usage: app\nbad flag\n"),
            False,
            "exit 2, bad flag",
        ),
        (clitree.HelpRun(path=(), returncode=None), False, "no answer within 5 s"),
    ],
)
def test_a_help_to_read_and_why_not(
    run: clitree.HelpRun, *, answered: bool, reason: str
) -> None:
    """One definition for the cli and docs gates: an empty or cut help is none."""
    assert run.answered is answered
    if not answered:
        assert failure_reason(run, 5) == reason


def test_help_is_read_from_stdout_of_a_zero_exit_only() -> None:
    # plants flask's `flask --help` without an app: exit 0, help on stdout, an
    # error on stderr; and a group `db` that prints help, then crashes
    no_app = "Error: Could not locate a Flask application.\n"
    crashed = "Commands:\n  upgrade\n"
    pages = {
        (): clitree.HelpRun(path=(), returncode=0, stdout=CLICK_HELP, stderr=no_app),
        ("db",): clitree.HelpRun(
            path=("db",), returncode=1, stdout=crashed, stderr="KeyError: 'DB'"
        ),
    }
    seen: list[tuple[str, ...]] = []

    def run(path: tuple[str, ...]) -> clitree.HelpRun:
        seen.append(path)
        return pages.get(path, clitree.HelpRun(path=path, returncode=0))

    static = clitree.Command(name="flask", commands=(clitree.Command(name="db"),))
    walked, runs = clitree.walk("flask", run, static)
    assert seen == [(), ("analyze-uptime",), ("test-data",), ("db",)]
    assert walked.command_names == ("analyze-uptime", "test-data")
    # the listing of a help that warned may be partial; its options are known
    assert (walked.commands_complete, walked.options_complete) == (False, True)
    assert runs[0].warned
    assert runs[0].output == CLICK_HELP + "\n" + no_app
    # a failed help is the group's failure, never a list of its commands
    db = walked.child("db")
    assert db is not None
    assert (db.commands, db.commands_complete, db.options_complete) == (
        (),
        False,
        False,
    )
    plain = walked.child("test-data")
    assert plain is not None
    assert (plain.commands_complete, runs[2].warned) == (True, False)


def test_walk_limits_depth_and_count() -> None:
    run, seen = fake_runner({(): (0, CLICK_HELP)})
    walked, _ = clitree.walk("app", run, depth=0)
    assert seen == [()]
    assert not walked.commands_complete
    run, seen = fake_runner({(): (0, CLICK_HELP), ("analyze-uptime",): (0, "")})
    clitree.walk("app", run, limit=2)
    assert seen == [(), ("analyze-uptime",)]
