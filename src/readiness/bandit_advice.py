"""Precise recommendations for the findings readiness never rewrites itself.

``eval``/``exec`` and SQL built from strings cannot be fixed mechanically: the
right fix depends on what the code means. What *can* be read from the code is
which expression is evaluated and which interpolated values land where in the
SQL text, and that makes the recommendation concrete:

* B307 ``eval``: when the argument is a string literal (or a name only ever
  assigned string literals) that :func:`ast.literal_eval` accepts, use that;
  otherwise name the expression, and say that an emptied ``__builtins__`` is no
  sandbox when the call relies on one;
* B102 ``exec``: name what is executed, and for source generated with an
  f-string, the values it is generated from;
* B608 SQL: for each interpolated expression, whether it sits where a value
  goes (after ``=``, inside quotes, in ``VALUES (...)``: bind it as a query
  parameter) or where an identifier goes (after ``FROM``, ``INTO``, ``JOIN``,
  ``UPDATE``, ``ORDER BY``: parameters cannot carry identifiers, so check it
  against an allow-list).

Anything the code does not show leaves the gate's general fix text in place.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from readiness import pysource

#: SQL text right before an interpolation that makes it a value.
_VALUE_BEFORE = re.compile(
    r"(?:['\"%]|[=<>]|\bLIKE|\bIN\s*\(|\bVALUES\s*\(|,|\bLIMIT|\bOFFSET|\bBETWEEN"
    r"|\bAND|\bOR|\bTHEN|\bELSE|\bSET\s+\w+\s*=)\s*$",
    re.IGNORECASE,
)
#: SQL text right before an interpolation that makes it an identifier.
_IDENTIFIER_BEFORE = re.compile(
    r"(?:\bFROM|\bJOIN|\bINTO|\bUPDATE|\bTABLE|\bEXISTS|\bBY|\bSELECT|\bON|\.)\s*$",
    re.IGNORECASE,
)
MAX_NAMED = 3
#: The tests :func:`advice` has something specific to say about.
ADVISED = frozenset({"B102", "B307", "B608"})


def advice(
    path: Path, test_id: str, line: int, *, tree: ast.Module | None = None
) -> str | None:
    """A recommendation specific to the code at ``path:line``, or ``None``
    (``tree``: the file's, when the caller has parsed it already)."""
    if test_id not in ADVISED:
        return None
    try:
        tree = tree or pysource.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    if test_id == "B608":
        return sql_advice(tree, line)
    name = "eval" if test_id == "B307" else "exec"
    call = next(
        (
            node
            for node in at_line(tree, line)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == name
            and node.lineno == line
            and node.args
        ),
        None,
    )
    if call is None:
        return None
    scope = enclosing_scope(tree, call)
    return eval_advice(call, scope) if name == "eval" else exec_advice(call, scope)


def at_line(tree: ast.AST, line: int) -> Iterator[ast.AST]:
    """The nodes :func:`ast.walk` yields, in its order, without the subtrees
    whose lines cannot hold ``line``: a finding's node is found without a walk
    of the whole file (a node's lines hold its children's; a decorated
    definition starts at its first decorator)."""
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        start = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        if isinstance(start, int) and isinstance(end, int):
            decorators = getattr(node, "decorator_list", None) or ()
            start = min([start, *(d.lineno for d in decorators)])
            if not start <= line <= end:
                continue
        yield node
        todo.extend(ast.iter_child_nodes(node))


def enclosing_scope(tree: ast.Module, node: ast.AST) -> ast.AST:
    """The innermost function (or the module) that contains ``node``."""
    best: ast.AST = tree
    # only the functions around its line can hold it: no walk of every one
    line = getattr(node, "lineno", None)
    nodes = ast.walk(tree) if line is None else at_line(tree, line)
    for candidate in nodes:
        if isinstance(candidate, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            child is node for child in ast.walk(candidate)
        ):
            best = candidate
    return best


def assigned_values(scope: ast.AST, name: str) -> list[ast.expr]:
    """Every value assigned to the plain name ``name`` in ``scope``."""
    found = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found.append(node.value)
        elif (
            isinstance(node, ast.AnnAssign | ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            found.append(node.value)
    return found


def is_literal_text(node: ast.expr) -> bool:
    """A string constant that :func:`ast.literal_eval` accepts."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    try:
        ast.literal_eval(node.value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def is_parameter(scope: ast.AST, name: str) -> bool:
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    arguments = scope.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return any(arg.arg == name for arg in every)


def eval_advice(call: ast.Call, scope: ast.AST) -> str:
    argument = call.args[0]
    shown = ast.unparse(argument)
    if is_literal_text(argument):
        return f"use ast.literal_eval({shown}): the string is a Python literal"
    if isinstance(argument, ast.Name) and not is_parameter(scope, argument.id):
        values = assigned_values(scope, argument.id)
        if values and all(is_literal_text(value) for value in values):
            return (
                f"use ast.literal_eval({shown}): every value assigned to"
                f" `{shown}` is a Python literal"
            )
    text = (
        f"`eval({shown})` runs whatever `{shown}` holds: use ast.literal_eval"
        f" if `{shown}` is only ever a literal; otherwise parse it with ast.parse"
        " and evaluate an allow-listed subset (names, numbers, comparisons,"
        " arithmetic)"
    )
    if any(_empties_builtins(arg) for arg in call.args[1:2]):
        text += '; an emptied "__builtins__" is not a sandbox'
    return text


def _empties_builtins(node: ast.expr) -> bool:
    return isinstance(node, ast.Dict) and any(
        isinstance(key, ast.Constant) and key.value == "__builtins__"
        for key in node.keys
    )


def exec_advice(call: ast.Call, scope: ast.AST) -> str:
    argument = call.args[0]
    shown = ast.unparse(argument)
    generated = argument
    if isinstance(argument, ast.Name):
        values = assigned_values(scope, argument.id)
        if len(values) == 1:
            generated = values[0]
    head = "replace exec with explicit code"
    if isinstance(generated, ast.JoinedStr):
        names = _named(
            ast.unparse(part.value)
            for part in generated.values
            if isinstance(part, ast.FormattedValue)
        )
        return (
            f"{head}: `{shown}` is source generated from {names}; build the"
            " function directly (a closure or functools.partial) and evaluate any"
            " expression with an ast-based allow-list instead of exec"
        )
    if isinstance(generated, ast.Call) and _called(generated) == "compile":
        return (
            f"{head}: `exec({shown})` runs a file's code; import it as a module"
            " with importlib, and only from a trusted, reviewed location"
        )
    return (
        f"{head} (a dispatch table, importlib): `exec({shown})` runs whatever"
        f" `{shown}` holds; if it must stay, run only trusted code and document the"
        " threat model"
    )


def _called(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _named(expressions: Iterator[str]) -> str:
    names = list(dict.fromkeys(f"`{text}`" for text in expressions))
    if not names:
        return "values"
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (
        f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else ""
    )


# --- SQL -----------------------------------------------------------------------


def sql_advice(tree: ast.Module, line: int) -> str | None:
    """Where each interpolated value sits in the query bandit found at ``line``."""
    for node in at_line(tree, line):
        if getattr(node, "lineno", None) != line:
            continue
        pieces = sql_pieces(node)
        if pieces is None or not any(isinstance(p, ast.expr) for p in pieces):
            continue
        values: list[str] = []
        identifiers: list[str] = []
        unknown: list[str] = []
        text = ""
        for piece in pieces:
            if isinstance(piece, str):
                text += piece
                continue
            shown = ast.unparse(piece)
            if _VALUE_BEFORE.search(text):
                values.append(shown)
            elif _IDENTIFIER_BEFORE.search(text):
                identifiers.append(shown)
            else:
                unknown.append(shown)
            text += "?"
        return sql_text(values, identifiers, unknown)
    return None


def sql_pieces(node: ast.AST) -> list[str | ast.expr] | None:
    """The query as text and interpolated expressions, in order; ``None`` when
    ``node`` is not a string built from pieces."""
    if isinstance(node, ast.JoinedStr):
        pieces: list[str | ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                pieces.append(part.value)
            elif isinstance(part, ast.Constant):
                pieces.append(str(part.value))
        return pieces
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = sql_pieces(node.left)
        right = sql_pieces(node.right)
        if left is None and right is None:
            return None
        return (left or [node.left]) + (right or [node.right])
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return None


def sql_text(
    values: list[str], identifiers: list[str], unknown: list[str]
) -> str | None:
    parts = []
    if values:
        noun = "a query parameter" if len(values) == 1 else "query parameters"
        parts.append(
            f"bind {_named(iter(values))} as {noun} (a placeholder such as ? or"
            " %s, without quotes, and the value passed to execute())"
        )
    if identifiers:
        parts.append(
            f"check {_named(iter(identifiers))} against an allow-list of table and"
            " column names (identifiers cannot be bound as parameters)"
        )
    if unknown:
        parts.append(
            f"bind {_named(iter(unknown))} as parameters if they are values, or"
            " allow-list them if they are identifiers"
        )
    return "; ".join(parts) if parts else None
