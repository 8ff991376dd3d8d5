"""Precise recommendations for eval/exec and SQL built from strings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from readiness.bandit_advice import advice, at_line, enclosing_scope
from tests.conftest import EXAMPLE
from tests.fixing import dedent

APP = EXAMPLE / "src" / "legacy_app"


def at(tmp_path: Path, source: str, test_id: str, line: int) -> str | None:
    path = tmp_path / "m.py"
    path.write_text(dedent(source))
    return advice(path, test_id, line)


@pytest.mark.parametrize(
    ("file", "test_id", "line", "expected"),
    [
        (
            "storage.py",
            "B608",
            19,
            (
                "bind `symbol` as a query parameter (a placeholder such as ? or %s,"
                " without quotes, and the value passed to execute()); check"
                " `self.table` against an allow-list of table and column names"
                " (identifiers cannot be bound as parameters)"
            ),
        ),
        (
            "storage.py",
            "B608",
            26,
            (
                "check `self.table` against an allow-list of table and column names"
                " (identifiers cannot be bound as parameters)"
            ),
        ),
        (
            "algorithm.py",
            "B307",
            17,
            (
                "`eval(self.signal)` runs whatever `self.signal` holds: use"
                " ast.literal_eval if `self.signal` is only ever a literal; otherwise"
                " parse it with ast.parse and evaluate an allow-listed subset (names,"
                ' numbers, comparisons, arithmetic); an emptied "__builtins__" is not'
                " a sandbox"
            ),
        ),
        (
            "utils/preprocess.py",
            "B102",
            8,
            (
                "replace exec with explicit code: `source` is source generated from"
                " `name`, `expression`; build the function directly (a closure or"
                " functools.partial) and evaluate any expression with an ast-based"
                " allow-list instead of exec"
            ),
        ),
        (
            "utils/run_algo.py",
            "B102",
            9,
            (
                "replace exec with explicit code: `exec(compile(source, str(path),"
                " 'exec'))` runs a file's code; import it as a module with importlib,"
                " and only from a trusted, reviewed location"
            ),
        ),
        (
            "algorithm.py",
            "B102",
            12,
            (
                "replace exec with explicit code (a dispatch table, importlib):"
                " `exec(init_code)` runs whatever `init_code` holds; if it must stay,"
                " run only trusted code and document the threat model"
            ),
        ),
    ],
)
def test_the_examples_recommendations(
    file: str, test_id: str, line: int, expected: str
) -> None:
    assert advice(APP / file, test_id, line) == expected


def test_literal_shaped_eval_arguments(tmp_path: Path) -> None:
    source = """
    import ast

    LIMITS = eval("{'max': 3, 'min': [1, 2]}")

    def load(kind):
        raw = "[1, 2, 3]"
        if kind:
            raw = "(4, 5)"
        return eval(raw)

    def code(x):
        return eval("x + 1")

    def param(raw):
        return eval(raw)
    """
    assert at(tmp_path, source, "B307", 3) == (
        "use ast.literal_eval(\"{'max': 3, 'min': [1, 2]}\"): the string is a Python"
        " literal"
    )
    assert at(tmp_path, source, "B307", 9) == (
        "use ast.literal_eval(raw): every value assigned to `raw` is a Python literal"
    )
    assert str(at(tmp_path, source, "B307", 12)).startswith("`eval('x + 1')` runs")
    assert str(at(tmp_path, source, "B307", 15)).startswith("`eval(raw)` runs")


def test_sql_value_and_identifier_positions(tmp_path: Path) -> None:
    source = """
    def q(cur, table, name, limit, column, thing):
        cur.execute(f"SELECT {column} FROM {table} WHERE name = {name} LIMIT {limit}")
        cur.execute("UPDATE " + table + " SET name = '" + name + "'")
        cur.execute(f"SELECT * FROM t WHERE {thing}")
        cur.execute("SELECT 1")
        cur.execute("SELECT %s" % name)
    """
    assert at(tmp_path, source, "B608", 2) == (
        "bind `name`, `limit` as query parameters (a placeholder such as ? or %s,"
        " without quotes, and the value passed to execute()); check `column`,"
        " `table` against an allow-list of table and column names (identifiers"
        " cannot be bound as parameters)"
    )
    assert str(at(tmp_path, source, "B608", 3)).startswith("bind `name` as a query")
    assert at(tmp_path, source, "B608", 4) == (
        "bind `thing` as parameters if they are values, or allow-list them if they"
        " are identifiers"
    )
    assert at(tmp_path, source, "B608", 5) is None
    assert at(tmp_path, source, "B608", 6) is None


def test_nothing_specific_to_say(tmp_path: Path) -> None:
    assert at(tmp_path, "x = 1\n", "B101", 1) is None
    assert at(tmp_path, "x = 1\n", "B307", 1) is None
    assert at(tmp_path, "def f(:\n", "B307", 1) is None
    assert advice(tmp_path / "missing.py", "B102", 1) is None


def test_at_line_finds_what_a_whole_walk_finds() -> None:
    """The pruned walk yields, for every line, exactly the nodes of that line
    that :func:`ast.walk` yields, in the same order (readiness's own sources,
    decorated definitions, multi-line strings and calls included)."""
    paths = sorted((Path(__file__).parent.parent / "src" / "readiness").glob("*.py"))
    assert paths
    checked = 0
    for path in paths:
        tree = ast.parse(path.read_bytes())
        by_line: dict[int, list[ast.AST]] = {}
        for node in ast.walk(tree):
            line = getattr(node, "lineno", None)
            if isinstance(line, int):
                by_line.setdefault(line, []).append(node)
        for line, nodes in by_line.items():
            found = [
                n for n in at_line(tree, line) if getattr(n, "lineno", None) == line
            ]
            assert [id(n) for n in found] == [id(n) for n in nodes], (path, line)
            checked += 1
    assert checked > 1000


def test_the_enclosing_function_of_a_decorated_nested_call(tmp_path: Path) -> None:
    """eval inside a decorated inner function: its scope is that function,
    not the outer one whose ``text`` is no literal (the pruned walk keeps a
    definition whose decorator starts above it)."""
    source = """
        import functools


        def outer():
            text = input()

            @functools.wraps(outer)
            def inner():
                text = "[1, 2]"
                return eval(text)

            return inner
    """
    tree = ast.parse(dedent(source))
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.lineno == 10)
    scope = enclosing_scope(tree, call)
    assert isinstance(scope, ast.FunctionDef)
    assert scope.name == "inner"
    assert at(tmp_path, source, "B307", 10) == (
        "use ast.literal_eval(text): every value assigned to `text` is a Python literal"
    )
