"""Literal values read from the syntax tree: nothing is evaluated, nothing guessed."""

from __future__ import annotations

import ast
from collections.abc import Sequence

#: The help options argparse adds to every parser.
HELP = ("-h", "--help")


def string_of(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def strings_of(nodes: Sequence[ast.expr]) -> list[str] | None:
    """The values when every node is a string literal, else ``None``."""
    values = [string_of(n) for n in nodes]
    return None if any(v is None for v in values) else [v for v in values if v]


def keyword_value(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def option_names(declarations: Sequence[str]) -> tuple[list[str], bool]:
    """``("--shout/--no-shout", "-s")`` -> names, and whether a ``/`` pair was seen."""
    names: list[str] = []
    paired = False
    for declaration in declarations:
        names.extend(
            part.strip()
            for part in declaration.split("/")
            if part.strip().startswith("-")
        )
        paired = paired or ("/" in declaration and declaration.strip().startswith("-"))
    return names, paired
