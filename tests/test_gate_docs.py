"""The docs gate: documented invocations checked against the CLI model."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from readiness import clitree
from readiness.docsnippets import (
    Snippet,
    doc_files,
    markdown_snippets,
    notebook_snippets,
    rst_snippets,
)
from readiness.findings import Priority, Severity, Status
from readiness.gates.docs import (
    MISSING_COMMAND,
    UNKNOWN_OPTION,
    DocsGate,
    check,
    find_invocations,
    tokens,
)
from tests.conftest import EXAMPLE, REPO_ROOT
from tests.test_gate_cli import APPCTL_FILES

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

Option = clitree.Option
Command = clitree.Command

MODEL = Command(
    name="app",
    options=(Option(names=("--version",), takes_value=False),),
    commands=(
        Command(
            name="test-data",
            options=(
                Option(names=("--source",), takes_value=True),
                Option(names=("--path",), takes_value=True),
                Option(names=("--help",), takes_value=False),
            ),
        ),
        Command(
            name="db",
            commands=(
                Command(
                    name="migrate", options=(Option(names=("--to",), takes_value=True),)
                ),
            ),
        ),
        Command(name="plugin", options_complete=False, commands_complete=False),
        Command(name="run", options=(Option(names=("--mode",)),)),
    ),
)


def problem(*args: str) -> tuple[str, str] | None:
    found = check(MODEL, "app", args)
    return None if found is None else (found.rule, found.message)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("test-data", "--source", "csv"), None),
        (("test-data", "--source=csv", "--path", "x.csv"), None),
        (("--version",), None),
        (("db", "migrate", "--to", "head"), None),
        (("fetch-data", "--source", "csv"), (MISSING_COMMAND.id, "test-data")),
        (("db", "migrat"), (MISSING_COMMAND.id, "migrate")),
        (("zzz",), (MISSING_COMMAND.id, None)),
        (("test-data", "--sauce", "csv"), (UNKNOWN_OPTION.id, "--source")),
        (("test-data", "file.csv", "--verbose"), (UNKNOWN_OPTION.id, None)),
        (("<command>", "--help"), None),
        (("COMMAND", "--whatever"), None),
        (("...",), None),
        (("test-data", "[--source", "FILE]"), None),
        (("test-data", "--source", "<file.py>", "--path", "..."), None),
        (("test-data", "--<option>"), None),
        (("test-data", "--", "--not-an-option"), None),
        (("test-data", "-x", "--unknown"), None),
        (("plugin", "anything", "--goes"), None),
        (("run", "--mode", "fetch-data"), None),
        (("--unknown", "fetch-data"), (UNKNOWN_OPTION.id, None)),
        # alternations, file names and placeholders are not commands
        (("db", "list|info|validate"), None),
        (("__main__.py",), None),
        (("src/app",), None),
        (("db", "migrate.py"), None),
        (("[options]",), None),
        (("[command]", "--anything"), None),
        (("{x}",), None),
        (("NAME",), None),
    ],
)
def test_check_walks_the_model(
    args: tuple[str, ...], expected: tuple[str, str | None] | None
) -> None:
    found = check(MODEL, "app", args)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert found.rule == expected[0]
    assert found.suggestion == expected[1]


def test_messages_name_the_suggestion_and_the_real_options() -> None:
    assert problem("fetch-data") == (
        MISSING_COMMAND.id,
        "`app fetch-data`: app has no command 'fetch-data'; did you mean 'test-data'?",
    )
    assert problem("test-data", "--sauce") == (
        UNKNOWN_OPTION.id,
        (
            "`app test-data --sauce`: app test-data does not accept --sauce"
            " (did you mean --source?); its options: --help, --path, --source"
        ),
    )
    missing = check(MODEL, "app", ["zzz"])
    assert missing is not None
    assert missing.fix == "use one of its commands: test-data, db, plugin, run"


def test_argparse_prefixes_are_accepted_where_argparse_accepts_them() -> None:
    model = Command(
        name="app",
        abbreviations=True,
        options=(
            Option(names=("--format",), takes_value=True),
            Option(names=("--force",), takes_value=False),
        ),
    )
    assert check(model, "app", ["--form", "md"]) is None
    ambiguous = check(model, "app", ["--fo"])
    assert ambiguous is not None
    assert ambiguous.rule == UNKNOWN_OPTION.id


# --- extraction -----------------------------------------------------------------

MARKDOWN = """# Guide

Run `app test-data --source csv` first, or ``app db migrate``.

```bash
$ app test-data \\
    --sauce csv
(venv) % app fetch-data
echo hi && sudo APP_ENV=1 app nope | tee out.txt
uv run app db nope2 > log.txt 2>&1
/opt/app/bin/app plugin x
```

    app indented-block

- a list item

    app list-continuation

~~~
app tilde
~~~
```text
app unclosed
"""


def test_markdown_code_blocks_inline_code_and_continuations() -> None:
    snippets = markdown_snippets(MARKDOWN)
    assert [(s.line, s.text) for s in snippets] == [
        (3, "app test-data --source csv"),
        (3, "app db migrate"),
        (6, "app test-data --sauce csv"),
        (8, "app fetch-data"),
        (9, "echo hi && sudo APP_ENV=1 app nope | tee out.txt"),
        (10, "uv run app db nope2 > log.txt 2>&1"),
        (11, "/opt/app/bin/app plugin x"),
        (14, "app indented-block"),
        (21, "app tilde"),
        (24, "app unclosed"),
    ]
    script = clitree.Script(name="app", entry="app:main", root=MODEL)
    found = list(find_invocations("guide.md", snippets, {"app": script}))
    assert [(i.line, i.args) for i in found] == [
        (3, ("test-data", "--source", "csv")),
        (3, ("db", "migrate")),
        (6, ("test-data", "--sauce", "csv")),
        (8, ("fetch-data",)),
        (9, ("nope",)),
        (10, ("db", "nope2")),
        (11, ("plugin", "x")),
        (14, ("indented-block",)),
        (21, ("tilde",)),
        (24, ("unclosed",)),
    ]


RST = """Usage
=====

Run ``app test-data --source csv``. Then::

    app fetch-data
    app db \\
      migrate

.. code-block:: console
   :caption: shell

   $ app zzz

.. note::

   app not-code-in-a-note

Done.
"""


def test_rst_literal_blocks_and_inline_literals() -> None:
    assert [(s.line, s.text) for s in rst_snippets(RST)] == [
        (4, "app test-data --source csv"),
        (6, "app fetch-data"),
        (7, "app db migrate"),
        (13, "app zzz"),
    ]


def test_notebook_markdown_and_shell_cells() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title\n", "Use `app zzz`.\n"]},
            {
                "cell_type": "code",
                "source": ["import os\n", "!app test-data --sauce x\n"],
            },
            {"cell_type": "code", "source": "%%bash\napp fetch-data\n"},
            {"cell_type": "raw", "source": ["app raw\n"]},
            "junk",
        ],
        "nbformat": 4,
    }
    raw = json.dumps(notebook, indent=1)
    snippets = notebook_snippets(raw)
    lines = raw.splitlines()
    assert [s.text for s in snippets] == [
        "app zzz",
        "app test-data --sauce x",
        "app fetch-data",
    ]
    assert "Use `app zzz`" in lines[snippets[0].line - 1]
    assert "!app test-data" in lines[snippets[1].line - 1]
    assert notebook_snippets("not json") == []
    assert notebook_snippets("[1, 2]") == []


def test_tokens_fall_back_on_unbalanced_quotes() -> None:
    assert tokens('app run --mode "a b"') == ["app", "run", "--mode", "a b"]
    assert tokens('app run "open') == ["app", "run", '"open']
    assert tokens("see https://x.invalid/#frag") == ["see", "https://x.invalid/#frag"]


# --- the gate -------------------------------------------------------------------


def test_the_example_page_naming_fetch_data_is_found_with_the_suggestion(
    run_gate: RunGate,
) -> None:
    result = run_gate(DocsGate(), EXAMPLE)
    assert result.status is Status.FAIL, result.reason
    (finding,) = result.findings
    assert finding.rule == MISSING_COMMAND.id
    assert finding.location == "docs/troubleshooting.md:8"
    assert finding.message == (
        "`legacy-app fetch-data`: legacy-app has no command 'fetch-data';"
        " did you mean 'test-data'?"
    )
    assert finding.fix == "replace fetch-data with test-data"
    assert finding.details["suggestion"] == "test-data"
    assert (finding.severity, finding.priority) == (Severity.MEDIUM, Priority.P2)
    assert result.metrics["files"] == 4
    assert result.metrics["missing_commands"] == 1
    assert result.metrics["unknown_options"] == 0
    assert result.metrics["unchecked"] == 0
    assert [c.met for c in result.criteria] == [False, True]


def test_readiness_own_docs_match_its_cli(run_gate: RunGate) -> None:
    result = run_gate(DocsGate(), REPO_ROOT)
    assert result.status is Status.PASS, result.findings
    assert int(result.metrics["invocations"]) > 0


CLICK_APP = """
import click


@click.group()
def main():
    pass


@main.command("test-data")
@click.option("--source")
def test_data(source):
    pass
"""


def test_every_doc_format_and_the_skip_option(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    notebook = {"cells": [{"cell_type": "code", "source": ["!app nb-missing\n"]}]}
    root = make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "app"
                [project.scripts]
                app = "app.cli:main"
                [tool.readiness.docs]
                skip = ["CHANGELOG.md", "docs/archive"]
            """,
            "src/app/__init__.py": "",
            "src/app/cli.py": CLICK_APP,
            "src/app/__main__.py": "from app.cli import main\nmain()\n",
            "README.txt": "Try `app readme-missing`.\n"
            # none of these is a command: no finding at line 2
            "Or `app list|info`, `app __main__.py`, `app src/app/cli.py`,"
            " `app [options]`.\n",
            "docs/guide.rst": "Run::\n\n    python -m app test-data --sauce x\n",
            "docs/nb.ipynb": json.dumps(notebook),
            "docs/archive/old.md": "`app archived-missing`\n",
            "CHANGELOG.md": "`app renamed-long-ago`\n",
            ".venv/lib/README.md": "`app venv-missing`\n",
        }
    )
    assert doc_files(root, ["CHANGELOG.md", "docs/archive"]) == [
        "README.txt",
        "docs/guide.rst",
        "docs/nb.ipynb",
    ]
    result = run_gate(DocsGate(), root)
    assert sorted((f.rule, f.location) for f in result.findings) == [
        (MISSING_COMMAND.id, "README.txt:1"),
        (MISSING_COMMAND.id, "docs/nb.ipynb:1"),
        (UNKNOWN_OPTION.id, "docs/guide.rst:3"),
    ]
    option = next(f for f in result.findings if f.rule == UNKNOWN_OPTION.id)
    assert option.message.startswith(
        "`python -m app test-data --sauce`: python -m app test-data does not accept"
    )


def test_no_cli_skips(make_repo: MakeRepo, run_gate: RunGate) -> None:
    root = make_repo({"pyproject.toml": '[project]\nname = "lib"\n'})
    result = run_gate(DocsGate(), root)
    assert result.status is Status.SKIPPED


APP_PYPROJECT = """
[project]
name = "app"
[project.scripts]
app = "app.cli:main"
"""


def test_no_invocation_in_the_docs_skips_rather_than_passes(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # plants: a click app and two documentation files that never invoke it
    root = make_repo(
        {
            "pyproject.toml": APP_PYPROJECT,
            "src/app/__init__.py": "",
            "src/app/cli.py": CLICK_APP,
            "README.md": "# app\n\nInstall it with `pip install app`.\n",
            "docs/guide.md": "Nothing to run here.\n",
        }
    )
    result = run_gate(DocsGate(), root)
    assert result.status is Status.SKIPPED
    assert result.reason == "no invocation of app in 2 documentation files"


def test_no_invocation_that_can_be_checked_skips_with_the_reason(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # plants: only `python -m app` invocations, whose __main__ does work
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "app"\n',
            "src/app/__init__.py": "",
            "src/app/__main__.py": "import time\n\ntime.sleep(60)\n",
            "README.md": "`python -m app work` and `python -m app rest`\n",
        }
    )
    result = run_gate(DocsGate(), root)
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "no invocation could be checked: 2 invocations of python -m app not"
        " checked (its __main__ shows no command line and is not run: it may do"
        " real work)"
    )
    assert result.commands == ()


def test_snippet_is_plain_data() -> None:
    assert Snippet(line=1, text="x") == Snippet(line=1, text="x")


DYNAMIC_PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "dynapp"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["click>=8.1"]

[project.scripts]
dynapp = "dynapp.cli:main"

[tool.hatch.build.targets.wheel]
packages = ["src/dynapp"]
"""
DYNAMIC_CLI = """
import click


def make(name):
    @click.command(name)
    def command():
        pass
    return command


main = click.Group(commands=[make("alpha"), make("beta")])
"""


@pytest.mark.tools
def test_without_a_static_model_the_help_walk_in_prod_decides(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": DYNAMIC_PYPROJECT,
            "src/dynapp/__init__.py": "",
            "src/dynapp/cli.py": DYNAMIC_CLI,
            "src/dynapp/__main__.py": "import time\n\ntime.sleep(60)\n",
            "README.md": "`dynapp alpha`, `dynapp alpah` and `dynapp beta --bad`\n"
            "`python -m dynapp work` is not run: it does work, not a CLI\n",
        }
    )
    result = run_gate(DocsGate(), root)
    assert result.status is Status.FAIL, result.reason
    assert sorted(f.message for f in result.findings) == [
        "`dynapp alpah`: dynapp has no command 'alpah'; did you mean 'alpha'?",
        "`dynapp beta --bad`: dynapp beta does not accept --bad; its options: --help",
    ]
    assert result.metrics["unchecked"] == 1
    assert result.criteria[0].text == (
        "no docs reference a missing command (1 found in 3 checked invocations;"
        " 1 invocation of python -m dynapp not checked (its __main__ shows no"
        " command line and is not run: it may do real work))"
    )


@pytest.mark.tools
def test_help_that_warns_or_fails_is_not_read_as_commands(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    # plants flask's case: `appctl --help` exits 0 with "Error:" on stderr, and
    # `appctl db --help` crashes (see test_gate_cli); the docs run real commands
    root = make_repo(
        {
            **APPCTL_FILES,
            "README.md": "`appctl run --port 8000`, `appctl db upgrade`,"
            " `appctl plugin-cmd` and `appctl run --bad`\n",
        }
    )
    result = run_gate(DocsGate(), root)
    assert result.status is Status.FAIL, result.reason
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        (
            UNKNOWN_OPTION.id,
            "README.md:1",
            (
                "`appctl run --bad`: appctl run does not accept --bad;"
                " its options: --help, --port"
            ),
        )
    ]
    assert result.metrics["invocations"] == 4
