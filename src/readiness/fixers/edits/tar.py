"""Unsafe tar extractions made safe: ``filter="data"``, or a check of the
members (:mod:`readiness.fixers.tar_extract`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from readiness.fixers.edits.syntax import append_keyword, has_double_star, parse

HELPER = "_safe_tar_members"
HELPER_SOURCE = '''\
def {name}(archive, destination):
    """The members of ``archive``, refusing links, devices and any member that
    would land outside ``destination`` (added by readiness fix: this Python has
    no tarfile extraction filters)."""
{local_import}    root = os.path.realpath(destination)
    members = archive.getmembers()
    for member in members:
        path = os.path.realpath(os.path.join(root, member.name))
        if os.path.commonpath([root, path]) != root:
            raise ValueError(f"tar member outside {{root}}: {{member.name!r}}")
        if not (member.isfile() or member.isdir()):
            raise ValueError(f"tar member is a link or device: {{member.name!r}}")
    return members
'''


@dataclass
class Hardened:
    text: str
    fixed: set[int] = field(default_factory=set)
    left: dict[int, str] = field(default_factory=dict)


def harden(path: str, text: str, lines: set[int], *, use_filter: bool) -> Hardened:
    """Fix the ``extractall``/``extract`` calls that start on ``lines``."""
    module = parse(path, text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    transformer = _Harden(lines, use_filter=use_filter)
    changed = wrapper.visit(transformer)
    if transformer.needs_helper and not defines(changed, HELPER):
        changed = add_helper(changed)
    return Hardened(text=changed.code, fixed=transformer.fixed, left=transformer.left)


class _Harden(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: set[int], *, use_filter: bool) -> None:
        super().__init__()
        self.lines = lines
        self.use_filter = use_filter
        self.fixed: set[int] = set()
        self.left: dict[int, str] = {}
        self.needs_helper = False

    def leave_Call(  # noqa: N802 - libcst's visitor method name
        self, original: cst.Call, updated: cst.Call
    ) -> cst.BaseExpression:
        func = updated.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("extractall", "extract")
        ):
            return updated
        line = self.get_metadata(PositionProvider, original).start.line
        if line not in self.lines:
            return updated
        reason = self.refusal(updated, func)
        if reason is not None:
            self.left[line] = reason
            return updated
        self.fixed.add(line)
        if self.use_filter:
            return append_keyword(updated, "filter", '"data"')
        self.needs_helper = True
        destination = destination_code(updated)
        receiver = cst.Module([]).code_for_node(func.value)
        return append_keyword(
            updated, "members", f"{HELPER}({receiver}, {destination})"
        )

    def refusal(  # noqa: PLR0911 - one early return per reason to refuse
        self, call: cst.Call, func: cst.Attribute
    ) -> str | None:
        keywords = {arg.keyword.value for arg in call.args if arg.keyword}
        positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
        if has_double_star(call) or any(arg.star == "*" for arg in call.args):
            return "the call passes *args or **kwargs; add the filter by hand"
        if "filter" in keywords:
            return "the call already passes filter=; check that it is 'data'"
        if self.use_filter:
            return None
        if func.attr.value == "extract":
            return (
                "extract() of one member on a Python without extraction filters:"
                " check the member's path and type before the call"
            )
        if "members" in keywords or len(positional) > 1:
            return (
                "the call already passes members=: make sure it discards links,"
                " devices and paths outside the destination"
            )
        if not simple(func.value):
            return "the archive is not a plain name; extract through a variable first"
        expression = destination_expression(call)
        if expression is not None and not simple(expression):
            return (
                "the destination is not a plain name or string; assign it to a"
                " variable first"
            )
        return None


def simple(node: cst.BaseExpression) -> bool:
    """A name, a dotted attribute of names, or a string literal."""
    if isinstance(node, cst.Name | cst.SimpleString):
        return True
    return isinstance(node, cst.Attribute) and simple(node.value)


def destination_expression(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "path":
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None]
    return positional[0].value if positional else None


def destination_code(call: cst.Call) -> str:
    expression = destination_expression(call)
    if expression is None:
        return '"."'
    return cst.Module([]).code_for_node(expression)


def defines(module: cst.Module, name: str) -> bool:
    return any(
        isinstance(statement, cst.FunctionDef) and statement.name.value == name
        for statement in module.body
    )


def add_helper(module: cst.Module) -> cst.Module:
    """Insert the helper after the module's header (imports, constants), before
    the first function, class or statement that runs code."""
    local_import = "" if imports_os(module) else "    import os\n\n"
    source = HELPER_SOURCE.format(name=HELPER, local_import=local_import)
    source = source.replace("    ", module.default_indent)
    source = source.replace("\n", module.default_newline)
    helper = cst.parse_statement(source, config=module.config_for_parsing)
    body = list(module.body)
    index = next(
        (i for i, statement in enumerate(body) if not is_header(statement)),
        len(body),
    )
    two_blank = [cst.EmptyLine(), cst.EmptyLine()]
    if index:
        helper = helper.with_changes(leading_lines=two_blank)
    if index < len(body) and not body[index].leading_lines:
        body[index] = body[index].with_changes(leading_lines=two_blank)
    body.insert(index, helper)
    return module.with_changes(body=body)


def imports_os(module: cst.Module) -> bool:
    """Whether the module binds ``os`` with a top-level ``import os``."""
    return any(
        isinstance(small, cst.Import)
        and any(
            alias.asname is None
            and isinstance(alias.name, cst.Name)
            and alias.name.value == "os"
            for alias in small.names
        )
        for statement in module.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
    )


def is_header(statement: cst.CSTNode) -> bool:
    """Imports, docstrings, assignments, and ``try``/``if`` blocks of only those
    (``try: import x`` / ``except ImportError: x = None``)."""
    if isinstance(statement, cst.SimpleStatementLine):
        return all(_header_small(small) for small in statement.body)
    if isinstance(
        statement, cst.Try | cst.If | cst.Else | cst.ExceptHandler | cst.Finally
    ):
        return all(is_header(child) for child in _blocks(statement))
    return False


def _header_small(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Expr):
        return isinstance(small.value, cst.SimpleString | cst.ConcatenatedString)
    return isinstance(
        small, cst.Import | cst.ImportFrom | cst.Assign | cst.AnnAssign | cst.Pass
    )


def _blocks(statement: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements of a compound statement and its clauses, one level down."""
    found: list[cst.CSTNode] = []
    body = getattr(statement, "body", None)
    if isinstance(body, cst.IndentedBlock):
        found.extend(body.body)
    elif isinstance(body, cst.SimpleStatementSuite):
        found.append(cst.SimpleStatementLine(body=body.body))
    for attr in ("handlers", "orelse", "finalbody"):
        value = getattr(statement, attr, None)
        if isinstance(value, Sequence):
            found.extend(value)
        elif isinstance(value, cst.CSTNode):
            found.append(value)
    return found
