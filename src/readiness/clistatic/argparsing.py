"""argparse, and what an entry function runs: a small interpreter of its code."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from readiness.clistatic.clicktyper import ClickTyper, typer_options
from readiness.clistatic.nodes import Node
from readiness.clistatic.project import ObjRef, Project
from readiness.clistatic.syntax import (
    HELP,
    is_false,
    keyword_value,
    string_of,
    strings_of,
)


@dataclass(eq=False)
class Subparsers:
    parent: Node


Value = Node | Subparsers | ObjRef | None


class Interpreter:
    """Follows a function's statements far enough to see the command line it builds.

    It tracks local names bound to argparse parsers, follows calls into the
    target's own functions (with the parsers passed as arguments), and notes
    every click or typer object the code calls. What it cannot follow it
    records on the parser concerned as incomplete.
    """

    MAX_DEPTH = 8

    def __init__(self, clicktyper: ClickTyper, module: str) -> None:
        self.clicktyper = clicktyper
        self.project = clicktyper.project
        self.module = module
        self.roots: list[Node] = []
        self.called: list[Node] = []
        self._stack: list[ObjRef] = []
        self._globals: dict[str, dict[str, Value]] = {}

    def result(self) -> Node | None:
        """What the code runs: a click or typer object it calls, else a parser."""
        if self.called:
            return self.called[0]
        parsed = [root for root in self.roots if root.parsed]
        candidates = parsed or self.roots
        return candidates[0] if candidates else None

    def call(self, ref: ObjRef, args: list[Value], kwargs: dict[str, Value]) -> Value:
        function = self.project.function(ref)
        if function is None or ref in self._stack or len(self._stack) >= self.MAX_DEPTH:
            return None
        self._stack.append(ref)
        try:
            scope: dict[str, Value] = {}
            params = [*function.args.posonlyargs, *function.args.args]
            for param, value in zip(params, args, strict=False):
                scope[param.arg] = value
            for param in [*params, *function.args.kwonlyargs]:
                if param.arg in kwargs:
                    scope[param.arg] = kwargs[param.arg]
            return Frame(self, ref.module, scope).block(function.body)
        finally:
            self._stack.pop()

    def block(self, body: list[ast.stmt]) -> Value:
        """Run module-level statements (``__main__``) as that module's globals."""
        scope = self._globals.setdefault(self.module, {})
        return Frame(self, self.module, scope, top=True).block(body)

    @property
    def found(self) -> bool:
        return bool(self.roots or self.called)

    def module_globals(self, module: str) -> dict[str, Value]:
        """Parsers created at module level, built once per module."""
        if module not in self._globals:
            self._globals[module] = {}
            tree = self.project.tree(module)
            frame = Frame(self, module, self._globals[module], top=True)
            for node in tree.body if tree else ():
                if isinstance(node, ast.Assign | ast.AnnAssign | ast.Expr):
                    frame.statement(node)
        return self._globals[module]


class Frame:
    """One function's (or module's) local names while the interpreter runs it."""

    def __init__(
        self,
        interpreter: Interpreter,
        module: str,
        scope: dict[str, Value],
        *,
        top: bool = False,
    ) -> None:
        self.interpreter = interpreter
        self.module = module
        self.scope = scope
        self.top = top
        self.loops = 0
        self.returned: Value = None

    @property
    def project(self) -> Project:
        return self.interpreter.project

    def block(self, body: Sequence[ast.stmt]) -> Value:
        for node in body:
            self.statement(node)
        return self.returned

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.eval(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.scope[target.id] = value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            value = self.eval(node.value)
            if isinstance(node.target, ast.Name):
                self.scope[node.target.id] = value
        elif isinstance(node, ast.Expr):
            self.eval(node.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            value = self.eval(node.value)
            if self.returned is None:
                self.returned = value
        else:
            self.compound(node)

    def compound(self, node: ast.stmt) -> None:
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            self.loops += 1
            self.block(node.body)
            self.loops -= 1
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            self.eval(node.test)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            self.block(node.body)
        elif isinstance(node, ast.Try):
            for part in (
                node.body,
                *(h.body for h in node.handlers),
                node.orelse,
                node.finalbody,
            ):
                self.block(part)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            self.eval(node.exc)

    def lookup(self, name: str) -> Value:
        if name in self.scope:
            return self.scope[name]
        if not self.top:
            module_scope = self.interpreter.module_globals(self.module)
            if name in module_scope:
                return module_scope[name]
        binding = self.project.resolve(self.module, ast.Name(id=name))
        return binding if isinstance(binding, ObjRef) else None

    def eval(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            binding = self.project.resolve(self.module, node)
            return binding if isinstance(binding, ObjRef) else None
        if isinstance(node, ast.Await):
            return self.eval(node.value)
        if not isinstance(node, ast.Call):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.eval(child)
            return None
        return self.call(node)

    def call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.eval(func.value)
            if isinstance(owner, Node) and owner.framework == "argparse":
                return self.parser_method(owner, func.attr, node)
            if isinstance(owner, Subparsers) and func.attr == "add_parser":
                return self.add_parser(owner, node)
        return self.plain_call(node)

    def plain_call(self, node: ast.Call) -> Value:
        func = node.func
        args = [self.eval(a) for a in node.args if not isinstance(a, ast.Starred)]
        kwargs = {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
        qualname = self.project.external(self.module, node)
        if qualname == "typer.run" and node.args:
            return self.typer_run(node.args[0])
        target = (
            self.project.resolve(self.module, func)
            if isinstance(func, ast.Name | ast.Attribute)
            else None
        )
        if target is None and isinstance(func, ast.Name):
            local = self.lookup(func.id)
            target = local if isinstance(local, ObjRef) else None
        objects = self.interpreter.clicktyper.objects
        if isinstance(target, ObjRef) and target in objects:
            self.interpreter.called.append(objects[target])
            return None
        if self.project.is_parser_class(target):
            return self.new_parser(node)
        passes_parser = any(
            isinstance(v, Node | Subparsers) for v in (*args, *kwargs.values())
        )
        if (
            isinstance(target, ObjRef)
            and self.project.function(target) is not None
            and (passes_parser or not self.interpreter.found)
        ):
            return self.interpreter.call(target, args, kwargs)
        for value in (*args, *kwargs.values()):
            if isinstance(value, Node):
                value.options_complete = False  # handed to code we do not read
        return None

    def typer_run(self, func: ast.expr) -> Value:
        ref = self.project.resolve(self.module, func)
        function = self.project.function(ref) if isinstance(ref, ObjRef) else None
        if isinstance(ref, ObjRef) and function is not None:
            node = Node(
                framework="typer",
                options=typer_options(self.project, ref.module, function),
                path=self.project.rel(ref.module),
                line=function.lineno,
            )
            self.interpreter.called.append(node)
        return None

    def new_parser(self, node: ast.Call) -> Node:
        parser = Node(
            framework="argparse",
            abbreviations=not is_false(keyword_value(node, "allow_abbrev")),
            path=self.project.rel(self.module),
            line=node.lineno,
        )
        if not is_false(keyword_value(node, "add_help")):
            parser.add(HELP, takes_value=False)
        if keyword_value(node, "parents") is not None:
            parser.options_complete = False
        self.interpreter.roots.append(parser)
        return parser

    def parser_method(self, parser: Node, method: str, node: ast.Call) -> Value:
        if method == "add_argument":
            self.add_argument(parser, node)
        elif method == "add_subparsers":
            parser.group = True
            return Subparsers(parser)
        elif method in {"add_argument_group", "add_mutually_exclusive_group"}:
            return parser
        elif method in {"parse_args", "parse_known_args", "parse_intermixed_args"}:
            parser.parsed = True
        return None

    def add_argument(self, parser: Node, node: ast.Call) -> None:
        declared = strings_of(node.args)
        if declared is None:
            parser.options_complete = False
            return
        names = [d for d in declared if d.startswith("-")]
        if not names:
            return  # a positional argument
        action = keyword_value(node, "action")
        action_name = string_of(action)
        if action_name is None and isinstance(action, ast.Attribute):
            action_name = action.attr
        nargs = keyword_value(node, "nargs")
        takes_value: bool | None = not (
            action_name
            in {
                "store_true",
                "store_false",
                "store_const",
                "append_const",
                "count",
                "help",
                "version",
                "BooleanOptionalAction",
            }
            or (isinstance(nargs, ast.Constant) and nargs.value == 0)
        )
        if action is not None and action_name is None:
            takes_value = None  # a custom Action class
        if action_name == "BooleanOptionalAction":
            names += ["--no-" + n[2:] for n in names if n.startswith("--")]
        parser.add(names, takes_value=takes_value)

    def add_parser(self, subparsers: Subparsers, node: ast.Call) -> Node:
        name = (
            string_of(node.args[0])
            if node.args
            else string_of(keyword_value(node, "name"))
        )
        aliases_node = keyword_value(node, "aliases")
        aliases = (
            strings_of(aliases_node.elts)
            if isinstance(aliases_node, ast.List | ast.Tuple)
            else []
        )
        child = Node(
            framework="argparse",
            name=name,
            aliases=tuple(aliases or ()),
            abbreviations=subparsers.parent.abbreviations,
            path=self.project.rel(self.module),
            line=node.lineno,
        )
        if not is_false(keyword_value(node, "add_help")):
            child.add(HELP, takes_value=False)
        if keyword_value(node, "parents") is not None:
            child.options_complete = False
        if name is None or aliases is None:
            subparsers.parent.commands_complete = False
        else:
            subparsers.parent.children.append((None, child))
        return child
