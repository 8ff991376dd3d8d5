"""What one module's source tells the pytest survey, read in one parse.

The markers gate follows a test module's imports (:mod:`.files`) and reads the
markers it uses (:mod:`.marks`): both come from the same tree, so
:func:`module_facts` derives them together, as one JSON value that
:class:`~readiness.filefacts.FileFacts` remembers by the file's content. A
cold survey of flask's 41 test modules parsed each twice and walked each tree
four times; it now parses each once, walks only the statements for imports
(an import is always a statement) and walks every node only of the modules
whose source names a mark at all (11 of the 41).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Any

from readiness import pysource

#: The kind of :class:`~readiness.filefacts.FileFacts` of :func:`module_facts`,
#: which the markers and tests gates share.
MODULE_FACTS = "test-modules"


def surveyed(content: bytes, filename: str) -> tuple[ast.Module | None, dict[str, Any]]:
    """The module's tree and :func:`module_facts` of it (no tree when it does
    not parse)."""
    try:
        tree = pysource.parse(content, filename=filename)
    except (SyntaxError, ValueError) as exc:
        # ValueError: NUL bytes, on the Pythons that do not raise SyntaxError
        reason = f"{type(exc).__name__}: {exc.args[0]}"
        line = getattr(exc, "lineno", None) or None
        return None, {"imports": [], "error": [line, reason]}
    statements = list(pysource.statements(tree.body))
    imports = [
        name if isinstance(name, str) else list(name)
        for name in imported_names(statements)
    ]
    # every use spells ``mark`` (``pytest.mark``, ``from pytest import mark``,
    # ``add_marker``): an ASCII module without the word uses none (Python
    # reads identifiers in NFKC, where other letters may spell it)
    uses = (
        [[name, line] for name, line in marker_uses(tree, statements)]
        if b"mark" in content or not content.isascii()
        else []
    )
    return tree, {"imports": imports, "uses": uses}


def module_facts(content: bytes, filename: str) -> dict[str, Any]:
    """``{"imports": [...], "uses": [[marker, line]...]}``, or
    ``{"imports": [], "error": [line, reason]}`` when the module does not
    parse. ``imports``: :func:`imported_names`, ``[level, name]`` for a
    relative one."""
    return surveyed(content, filename)[1]


def imported_names(statements: Iterable[ast.stmt]) -> Iterator[str | tuple[int, str]]:
    """Absolute module names, and ``(level, name)`` for relative imports; for
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a module)."""
    for node in statements:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            names = [base] if base else []
            names.extend(
                f"{base}.{alias.name}" if base else alias.name
                for alias in node.names
                if alias.name != "*"
            )
            for name in names:
                yield (node.level, name) if node.level else name


class Aliases:
    """The names a module binds to ``pytest`` and to ``pytest.mark``."""

    def __init__(self, statements: Iterable[ast.stmt]) -> None:
        self.pytest: set[str] = set()
        self.mark: set[str] = set()
        #: ``b = a``: the names bound to each name's value
        follows: dict[str, list[str]] = {}
        assignments: list[ast.Assign] = []
        for node in statements:
            if isinstance(node, ast.Import):
                self.pytest.update(
                    alias.asname or alias.name
                    for alias in node.names
                    if alias.name == "pytest"
                )
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module == "pytest"
                and not node.level
            ):
                self.mark.update(
                    alias.asname or "mark"
                    for alias in node.names
                    if alias.name in {"mark", "*"}
                )
            elif isinstance(node, ast.Assign):
                assignments.append(node)
        # ``m = pytest.mark`` once the imports are known, then ``m2 = m`` and
        # so on, in any order of the source, each assignment followed once
        for node in assignments:
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if isinstance(node.value, ast.Name):
                follows.setdefault(node.value.id, []).extend(names)
            elif self.is_mark(node.value):
                self.mark.update(names)
        pending = list(self.mark)
        while pending:
            for name in follows.pop(pending.pop(), ()):
                if name not in self.mark:
                    self.mark.add(name)
                    pending.append(name)

    def is_mark(self, node: ast.expr) -> bool:
        """Whether ``node`` is the ``pytest.mark`` namespace itself."""
        if isinstance(node, ast.Name):
            return node.id in self.mark
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "mark"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.pytest
        )


def marker_uses(
    tree: ast.Module, statements: Iterable[ast.stmt] | None = None
) -> Iterator[tuple[str, int]]:
    """``(marker, line)`` for every ``pytest.mark.NAME`` and ``add_marker("NAME")``.

    Every attribute of the mark namespace is a use wherever it appears
    (decorators, ``pytestmark``, ``pytest.param(marks=...)``, assignments,
    ``add_marker(pytest.mark.NAME)``), because each one is looked up, and
    checked, when pytest imports the module or runs the test.
    ``statements``: the tree's, when already listed.
    """
    aliases = Aliases(
        pysource.statements(tree.body) if statements is None else statements
    )
    for node in pysource.nodes(tree):
        if (
            isinstance(node, ast.Attribute)
            and aliases.is_mark(node.value)
            and not node.attr.startswith("_")
        ):
            yield node.attr, node.lineno
        elif isinstance(node, ast.Call):
            name = string_marker(node)
            if name is not None:
                yield name, node.lineno


def string_marker(call: ast.Call) -> str | None:
    """The name in ``node.add_marker("NAME")``, which pytest looks up the same way."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_marker"):
        return None
    arguments = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "marker")]
    for argument in arguments:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return None
