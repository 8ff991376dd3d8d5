"""Parsing the target's source, and the fast walks over its trees."""

from __future__ import annotations

import ast
import textwrap

import pytest

from readiness import pysource
from readiness.pytest_survey.source import marker_uses, module_facts

#: Statements in every kind of block (function, class, if/else, for/else,
#: while, with, try/except/else/finally, try/except*, match cases, the async
#: ones), expressions holding lambdas and comprehensions, lists of expressions
#: (decorators, bases, keywords) and a ``global`` (a list of strings).
EVERY_BLOCK = textwrap.dedent("""
    import a
    @decorate(key=1)
    def f(x=lambda: [y for y in range(3)]):
        global g
        from . import b
        @decorate
        class C(Base, metaclass=Meta):
            import c
        if x:
            import d
        else:
            import e
        for i in x:
            import h
        else:
            import i
        while x:
            import j
        with x as y:
            import k
        try:
            import l
        except ImportError:
            import m
        else:
            import n
        finally:
            import o
        match x:
            case 1:
                import p
            case _:
                import q
    try:
        import r
    except* OSError:
        import s
    async def g():
        async for i in x:
            import t
        else:
            import u
        async with x:
            import v
    value = {**{}, "k": [z async for z in w] if 0 else None}
    """)


def test_statements_are_the_statements_ast_walk_finds() -> None:
    tree = ast.parse(EVERY_BLOCK)
    walked = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    listed = list(pysource.statements(tree.body))
    assert sorted(map(id, listed)) == sorted(map(id, walked))
    assert [node.lineno for node in listed] == sorted(node.lineno for node in listed)
    imported = sorted(
        alias.name
        for node in listed
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    )
    assert imported == list("abcdehijklmnopqrstuv")


def test_nodes_are_the_nodes_ast_walk_finds() -> None:
    tree = ast.parse(EVERY_BLOCK)
    assert sorted(map(id, pysource.nodes(tree))) == sorted(map(id, ast.walk(tree)))
    assert len(pysource.nodes(tree)) == len(list(ast.walk(tree)))


def test_module_facts_read_imports_and_marks_in_one_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    real = pysource.parse

    def parse(source: bytes, filename: str = "<unknown>") -> ast.Module:
        parsed.append(filename)
        return real(source, filename=filename)

    monkeypatch.setattr(pysource, "parse", parse)
    source = (
        b"import pytest\nfrom .helpers import VALUE\n\n@pytest.mark.slow\n"
        b"def test() -> None:\n    if VALUE:\n        import os.path\n"
    )
    assert module_facts(source, "tests/test_a.py") == {
        "imports": ["pytest", [1, "helpers"], [1, "helpers.VALUE"], "os.path"],
        "uses": [["slow", 4]],
    }
    assert parsed == ["tests/test_a.py"]


def test_a_module_without_the_word_mark_is_not_walked_for_marks_and_still_imports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def walked(tree: ast.AST) -> list[ast.AST]:
        raise AssertionError("walked for marks")

    monkeypatch.setattr(pysource, "nodes", walked)
    assert module_facts(
        b"import pytest\n\ndef test():\n    pytest.skip()\n", "t.py"
    ) == {
        "imports": ["pytest"],
        "uses": [],
    }
    # a source that is not ASCII may spell it otherwise: NFKC makes the
    # full-width letters of ``pytest.\uff4d\uff41\uff52\uff4b`` the name ``mark``
    monkeypatch.undo()
    wide = "import pytest\n\n@pytest.\uff4d\uff41\uff52\uff4b.slow\ndef test(): ...\n"
    assert module_facts(wide.encode(), "t.py") == {
        "imports": ["pytest"],
        "uses": [["slow", 3]],
    }


def test_a_module_that_does_not_parse_has_its_error_and_no_imports() -> None:
    assert module_facts(b"import pytest\ndef (:\n", "t.py") == {
        "imports": [],
        "error": [2, "SyntaxError: invalid syntax"],
    }


def test_an_alias_of_an_alias_counts_in_any_order_of_the_tree() -> None:
    """``m2 = m`` at module level, ``m = pytest.mark`` nested in a ``try``
    further up: ``ast.walk`` visits ``m2 = m`` first (it is shallower), the
    alias is resolved anyway."""
    tree = ast.parse(textwrap.dedent("""
            import pytest
            try:
                m = pytest.mark
            except AttributeError:
                raise
            m2 = m

            @m2.slow
            def test() -> None:
                pass
            """))
    assert list(marker_uses(tree)) == [("slow", 9)]


def test_a_chain_of_aliases_written_backwards_is_followed_to_its_end() -> None:
    tree = ast.parse(
        "import pytest\nm3 = m2\nm2 = m1\nm1 = pytest.mark\n@m3.slow\ndef t(): ...\n"
    )
    assert list(marker_uses(tree)) == [("slow", 5)]
