"""bandit's results with nothing to act on: left out, counted, said in the scope.

Each fixture plants one class of hand-judged false alarm from the field corpus
(the docstrings name the project that showed it) beside a true finding of the
same test, which must stay.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness.findings import GateResult
from readiness.gates.sast import SastGate
from readiness.pysource import parse
from readiness.sast_triage import (
    Sources,
    explains,
    lexical_token,
    placeholder_password,
    triage,
    version_assert,
)
from readiness.target import discover

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

#: A bandit configuration that selects tests: readiness's defaults stay off.
CONFIGURED = '[project]\nname = "app"\n\n[tool.bandit]\nskips = ["B311"]\n'
DEFAULTS_NOTE = (
    "readiness's default skips: B403, B404, B405, B406, B407, B408, B409, B410,"
    " B603 (the target's bandit configuration sets none); left out: {}"
)


def sites(result: GateResult) -> list[str]:
    return [f"{f.location} {f.rule}" for f in result.findings]


def notes(result: GateResult) -> list[str]:
    """The scope notes: criteria that are always met."""
    return [c.text for c in result.criteria[3:]]


IMPORTS = {
    "app/__init__.py": "",
    # nox, pip-audit, unearth: `import subprocess` and argument lists, no shell.
    "app/run.py": """
        import subprocess


        def run(argv):
            subprocess.run(argv, check=True)


        def shell(line):
            subprocess.run(line, shell=True)
    """,
    # black: `import pickle` beside the load bandit reports as B301.
    "app/cache.py": """
        import pickle


        def read(data):
            return pickle.loads(data)
    """,
    # httpie: xml.dom.minidom to build a document; telnetlib is the risk itself.
    "app/xml.py": """
        import telnetlib
        from xml.dom.minidom import Document


        def new():
            return Document(), telnetlib
    """,
}


@pytest.mark.tools
def test_readiness_default_skips_where_the_target_selects_no_tests(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """nox 2026.10.20, pip-audit 2.10.1, unearth 0.19.0 (B404, B603), black
    26.10.1 (B403), httpie 3.2.4 (B408): bandit's notes with nothing to act on
    when the project has no bandit configuration. The shell call (B602), the
    unpickling (B301) and telnetlib (B401) stay."""
    root = make_repo({"pyproject.toml": '[project]\nname = "app"\n', **IMPORTS})

    result = run_gate(SastGate(), root)

    assert sites(result) == [
        "app/cache.py:5 B301",
        "app/run.py:9 B602",
        "app/xml.py:1 B401",
    ]
    assert notes(result) == [DEFAULTS_NOTE.format("B403 1, B404 1, B408 1, B603 1")]
    assert result.metrics["default_skipped"] == 4
    assert result.metrics["notes_left_out"] == 0


@pytest.mark.tools
@pytest.mark.parametrize(
    ("files", "args", "source"),
    [
        (
            {"pyproject.toml": CONFIGURED},
            ("-c", "pyproject.toml"),
            "pyproject.toml [tool.bandit]",
        ),
        ({"bandit.yaml": "skips: ['B311']\n"}, ("-c", "bandit.yaml"), "bandit.yaml"),
        (
            {".bandit": "[bandit]\nskips = B311\n"},
            ("--ini", ".bandit"),
            ".bandit [bandit]",
        ),
        (
            {"setup.cfg": "[metadata]\nname = app\n\n[bandit]\nskips = B311\n"},
            ("--ini", "setup.cfg"),
            "setup.cfg [bandit]",
        ),
    ],
)
def test_the_targets_own_skips_decide(
    make_repo: MakeRepo,
    run_gate: RunGate,
    files: dict[str, str],
    args: tuple[str, ...],
    source: str,
) -> None:
    """Where the target's configuration selects tests, readiness's defaults do
    not apply: the import notes that go with a reported call are reported."""
    root = make_repo({**files, **IMPORTS})

    result = run_gate(SastGate(), root)

    assert sites(result) == [
        "app/cache.py:1 B403",
        "app/cache.py:5 B301",
        "app/run.py:1 B404",
        "app/run.py:5 B603",
        "app/run.py:9 B602",
        "app/xml.py:1 B401",
    ]
    assert result.command[-len(args) :] == args
    assert notes(result)[0] == (
        f"bandit's tests as the target's configuration selects them ({source}):"
        " skips B311"
    )
    assert result.metrics["default_skipped"] == 0
    # B408 goes with minidom's parsers (B318), and the file has none.
    assert result.metrics["notes_left_out"] == 1


@pytest.mark.tools
def test_empty_and_none_passwords_are_left_out(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """flask 3.1.3 ``"SECRET_KEY": None`` (bandit prints the constant as
    'None') and black 26.10.1 ``token_str == ""`` in its tokenizer: no
    hard-coded password. A real literal, and the string "None", stay."""
    root = make_repo(
        {
            "app/__init__.py": """
                CONFIG = {"SECRET_KEY": None, "DEBUG": False}


                def newline(token_str):
                    return token_str == ""


                def connect(client, password=""):
                    client.login(password="hunter2")
                    password = "None"
                    return password
            """,
        }
    )

    result = run_gate(SastGate(), root)

    assert sites(result) == ["app/__init__.py:9 B106", "app/__init__.py:10 B105"]
    assert notes(result)[1] == (
        "bandit results left out: 3 empty or None passwords (B105-B107)"
    )
    assert result.metrics["notes_left_out"] == 3


@pytest.mark.tools
def test_an_except_clause_that_says_why_is_left_out(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """flask 3.1.3 ``config.py:163`` and pytest-xdist 3.8.0 ``remote.py:65``:
    ``except Exception:`` then a comment saying why, then ``pass`` (B110). A
    comment on the except line or after ``continue`` (B112) says why too; a
    tool directive alone, or no comment, does not."""
    root = make_repo(
        {
            "app/__init__.py": """
                def title(setproctitle, name):
                    try:
                        setproctitle(name)
                    except Exception:
                        # changing the process name is optional, no errors please
                        pass


                def each(values, parse):
                    for value in values:
                        try:
                            parse(value)
                        except Exception:  # keep the raw string
                            continue
                        try:
                            parse(value)
                        except Exception:
                            continue  # pragma: no cover
                    try:
                        parse(values)
                    except Exception:
                        pass
            """,
        }
    )

    result = run_gate(SastGate(), root)

    assert sites(result) == ["app/__init__.py:17 B112", "app/__init__.py:21 B110"]
    assert notes(result)[1] == (
        "bandit results left out: 2 except clauses that say why in a comment"
        " (B110/B112)"
    )


@pytest.mark.tools
def test_an_assert_on_the_python_version_is_left_out(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black 26.10.1 ``__init__.py:598``: ``assert sys.version_info >= (3, 10)``
    repeats requires-python. An assert that guards a value stays."""
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "app"\nrequires-python = ">=3.10"\n',
            "app/__init__.py": """
                import sys


                def main(value):
                    assert sys.version_info >= (3, 10), "Python 3.10+"
                    assert value is not None
            """,
        }
    )

    result = run_gate(SastGate(), root)

    assert sites(result) == ["app/__init__.py:6 B101"]
    assert notes(result)[1] == (
        "bandit results left out: 1 assert on the Python version, as"
        " requires-python enforces (B101)"
    )


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("# changing the process name is optional", True),
        ("# keep", True),
        ("# noqa: S110", False),
        ("# noqa: S110 - optional dependency", True),
        ("# nosec B110", False),
        ("# pragma: no cover", False),
        ("# type: ignore[misc]", False),
        ("# pylint: disable=broad-except", False),
        ("#", False),
        ("# 1", False),
    ],
)
def test_explains_needs_words_beyond_tool_directives(
    comment: str, *, expected: bool
) -> None:
    assert explains(comment) is expected


@pytest.mark.parametrize(
    ("source", "shown", "expected"),
    [
        ("password = ''\n", "", True),
        ("d = {'password': None}\n", "None", True),
        ("password = 'None'\n", "None", False),
        ("password = 'x'\n", "x", False),
        ("password = 'x'\n", None, False),
    ],
)
def test_placeholder_password(
    source: str, shown: str | None, *, expected: bool
) -> None:
    assert placeholder_password(parse(source.encode()), [1], shown) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("assert sys.version_info >= (3, 10)\n", True),
        ("assert sys.version_info[:2] >= (3, 8), 'old'\n", True),
        ("assert sys.version_info.major == 3 and sys.version_info.minor > 7\n", True),
        ("assert version_info >= (3, 10)\n", True),
        ("assert sys.platform != 'win32'\n", False),
        ("assert sys.version_info >= minimum\n", False),
        ("assert value\n", False),
    ],
)
def test_version_assert(source: str, *, expected: bool) -> None:
    assert version_assert(parse(source.encode()), 1) is expected


def test_triage_without_a_tree_keeps_the_result(tmp_path: Path) -> None:
    """A file readiness cannot parse: bandit's result is reported as it is."""
    (tmp_path / "m.py").write_text("def f(:\n", encoding="utf-8")
    item = {"filename": "m.py", "test_id": "B101", "line_number": 1}
    found = triage(Sources(discover(tmp_path)), [item])
    assert found.kept == (item,)
    assert found.scope() is None


@pytest.mark.parametrize(
    ("source", "filename", "expected"),
    [
        # black 26.10.1 src/blib2to3/pgen2/tokenize.py:195: a soft keyword
        ("import token\nif token_str == 'lazy':\n    pass\n", "src/t.py", True),
        ("if tok.token == '...':\n    pass\n", "pkg/lexer.py", True),
        ("if token_str == 'async':\n    pass\n", "pkg/tokenizer.py", True),
        # no tokenizer: a token compared with a literal may be a credential
        ("if api_token == 'abc123':\n    pass\n", "app/auth.py", False),
        ("import token\ntoken_str = '.'\n", "src/t.py", True),
        # a tokenizer that assigns a password is still reported
        ("import tokenize\npassword = 'hunter2'\n", "app/t.py", False),
    ],
)
def test_lexical_token(source: str, filename: str, *, expected: bool) -> None:
    tree = parse(source.encode())
    line = len(source.splitlines()) - (1 if "pass" in source else 0)
    assert lexical_token(tree, filename, line) is expected
