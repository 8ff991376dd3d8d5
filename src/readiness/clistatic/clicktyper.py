"""click and typer: decorators and registrations over every module of the target."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace

from readiness.clistatic.nodes import Node
from readiness.clistatic.project import ObjRef, Project
from readiness.clistatic.syntax import (
    is_false,
    is_true,
    keyword_value,
    option_names,
    string_of,
    strings_of,
)
from readiness.clitree import Option


class ClickTyper:
    """The click commands and typer apps of every module, by the object they are."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.objects: dict[ObjRef, Node] = {}
        self._scanned = False
        self._registered: set[ObjRef] = set()

    def scan(self) -> None:
        if self._scanned:
            return
        self._scanned = True
        modules = sorted(self.project.files)
        for module in modules:
            self._typer_apps(module)
            self._click_roots(module)
        changed = True
        while changed:  # @grp.command() on a group that is itself @other.group()
            results = [self._registrations(module) for module in modules]
            changed = any(results)
        for module in modules:
            self._calls(module)

    def _functions(
        self, module: str
    ) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        tree = self.project.tree(module)
        for node in tree.body if tree else ():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield node

    def _typer_apps(self, module: str) -> None:
        tree = self.project.tree(module)
        for node in tree.body if tree else ():
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            if self.project.external(module, node.value) != "typer.Typer":
                continue
            call = node.value
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.objects[ObjRef(module, target.id)] = Node(
                        framework="typer",
                        name=string_of(keyword_value(call, "name")),
                        group=True,
                        completion=not is_false(keyword_value(call, "add_completion")),
                        help_names=_help_names(call),
                        path=self.project.rel(module),
                        line=node.lineno,
                        options_complete=_help_names(call) is not None
                        or keyword_value(call, "context_settings") is None,
                    )

    def _click_roots(self, module: str) -> None:
        for function in self._functions(module):
            for decorator in function.decorator_list:
                qualname = self.project.external(module, decorator)
                if qualname in {"click.command", "click.group"}:
                    node = self._click_node(module, function, decorator)
                    node.group = qualname == "click.group"
                    self.objects[ObjRef(module, function.name)] = node

    def _registrations(self, module: str) -> bool:
        changed = False
        for function in self._functions(module):
            ref = ObjRef(module, function.name)
            if ref in self.objects or ref in self._registered:
                continue
            for decorator in function.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if not (
                    isinstance(call, ast.Attribute)
                    and call.attr in {"command", "group", "callback"}
                ):
                    continue
                parent_ref = self.project.resolve(module, call.value)
                parent = (
                    self.objects.get(parent_ref)
                    if isinstance(parent_ref, ObjRef)
                    else None
                )
                if parent is None:
                    continue
                if parent.framework == "typer":
                    self._typer_command(module, function, decorator, parent, call.attr)
                    if call.attr != "callback":
                        self.objects[ref] = parent.children[-1][1]
                else:
                    node = self._click_node(module, function, decorator)
                    node.group = call.attr == "group"
                    parent.children.append((None, node))
                    self.objects[ref] = node
                self._registered.add(ref)
                changed = True
                break
        return changed

    def _calls(self, module: str) -> None:
        """``grp.add_command(cmd, name=...)`` and ``app.add_typer(sub, name=...)``."""
        tree = self.project.tree(module)
        for node in ast.walk(tree) if tree else ():
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"add_command", "add_typer"}
            ):
                continue
            parent_ref = self.project.resolve(module, node.func.value)
            parent = (
                self.objects.get(parent_ref) if isinstance(parent_ref, ObjRef) else None
            )
            if parent is None:
                continue
            child_ref = (
                self.project.resolve(module, node.args[0]) if node.args else None
            )
            child = (
                self.objects.get(child_ref) if isinstance(child_ref, ObjRef) else None
            )
            if child is None:
                parent.commands_complete = False
                continue
            name_node = keyword_value(node, "name") or (
                node.args[1] if len(node.args) > 1 else None
            )
            name = string_of(name_node)
            if name_node is not None and name is None:
                parent.commands_complete = False
                continue
            if node.func.attr == "add_typer":
                name = name or child.name
                if name is None:
                    parent.merged.append(child)
                    continue
                if is_true(keyword_value(node, "hidden")):
                    child = replace(child, hidden=True)
            parent.children.append((name, child))

    def _click_node(
        self,
        module: str,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        decorator: ast.expr,
    ) -> Node:
        call = decorator if isinstance(decorator, ast.Call) else None
        name = None
        if call is not None:
            name_node = keyword_value(call, "name") or (
                call.args[0] if call.args else None
            )
            name = string_of(name_node)
        if name is None:
            name = function.name.lower().replace("_", "-")
            left, sep, suffix = name.rpartition("-")
            if sep and suffix in {"command", "cmd", "group", "grp"}:
                name = left
        node = Node(
            framework="click",
            name=name,
            path=self.project.rel(module),
            line=decorator.lineno,
        )
        if call is not None:
            node.hidden = is_true(keyword_value(call, "hidden"))
            if keyword_value(call, "cls") is not None:
                node.commands_complete = False
            node.help_names = _help_names(call)
            if is_false(keyword_value(call, "add_help_option")):
                node.help_names = ()
            if (
                node.help_names is None
                and keyword_value(call, "context_settings") is not None
            ):
                node.options_complete = False
        for other in function.decorator_list:
            if other is not decorator:
                self._click_decorator(module, other, node)
        return node

    def _click_decorator(self, module: str, decorator: ast.expr, node: Node) -> None:
        qualname = self.project.external(module, decorator) or ""
        call = decorator if isinstance(decorator, ast.Call) else None
        args = call.args if call else []
        declared = strings_of(args) if call else []
        defaults = {
            "click.version_option": (["--version"], False),
            "click.help_option": (["--help"], False),
            "click.password_option": (["--password"], True),
            "click.confirmation_option": (["--yes"], False),
        }
        if qualname == "click.option":
            if declared is None:
                node.options_complete = False
                return
            names, paired = option_names(declared)
            flag = (
                paired
                or is_true(keyword_value(call, "is_flag") if call else None)
                or is_true(keyword_value(call, "count") if call else None)
                or (call is not None and keyword_value(call, "flag_value") is not None)
            )
            node.add(names, takes_value=not flag)
        elif qualname in defaults:
            names, takes_value = defaults[qualname]
            if qualname == "click.version_option":
                declared = [d for d in declared or [] if d.startswith("-")]
            node.add(declared or names, takes_value=takes_value)
        elif qualname in {"click.argument", "click.pass_context", "click.pass_obj"}:
            return
        elif not self._is_pass_decorator(module, decorator):
            node.options_complete = False

    def _is_pass_decorator(self, module: str, decorator: ast.expr) -> bool:
        """``pass_config = click.make_pass_decorator(Config)`` is no option."""
        ref = self.project.resolve(module, decorator)
        if not isinstance(ref, ObjRef):
            return False
        node = self.project.definitions(ref.module).get(ref.name)
        return (
            isinstance(node, ast.Assign)
            and self.project.external(ref.module, node.value)
            == "click.make_pass_decorator"
        )

    def _typer_command(
        self,
        module: str,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        decorator: ast.expr,
        app: Node,
        kind: str,
    ) -> None:
        call = decorator if isinstance(decorator, ast.Call) else None
        if kind == "callback":
            app.callback = True
            app.options.extend(typer_options(self.project, module, function))
            return
        name = None
        if call is not None:
            name = string_of(
                keyword_value(call, "name") or (call.args[0] if call.args else None)
            )
        node = Node(
            framework="typer",
            name=name or function.name.lower().replace("_", "-"),
            options=typer_options(self.project, module, function),
            hidden=call is not None and is_true(keyword_value(call, "hidden")),
            help_names=_help_names(call) if call else None,
            path=self.project.rel(module),
            line=decorator.lineno,
        )
        app.children.append((None, node))


def _help_names(call: ast.Call | None) -> tuple[str, ...] | None:
    """``context_settings={"help_option_names": [...]}`` when written literally."""
    settings = keyword_value(call, "context_settings") if call else None
    if isinstance(settings, ast.Call) and isinstance(settings.func, ast.Name):
        pairs = [(k.arg, k.value) for k in settings.keywords]
    elif isinstance(settings, ast.Dict):
        pairs = [
            (string_of(k) if k else None, v)
            for k, v in zip(settings.keys, settings.values, strict=True)
        ]
    else:
        return None
    for key, value in pairs:
        if key == "help_option_names" and isinstance(value, ast.List | ast.Tuple):
            names = strings_of(value.elts)
            return tuple(names) if names is not None else None
    return None


def typer_options(
    project: Project, module: str, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[Option]:
    """The options typer makes of a function's parameters."""
    params = [*function.args.posonlyargs, *function.args.args]
    defaults: list[ast.expr | None] = [None] * (
        len(params) - len(function.args.defaults)
    )
    defaults += function.args.defaults
    pairs = [*zip(params, defaults, strict=True)]
    pairs += zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True)
    options = []
    for param, default in pairs:
        annotation = param.annotation
        info: ast.Call | None = None
        declarations: list[ast.expr] = []
        if isinstance(annotation, ast.Subscript) and _is_annotated(
            project, module, annotation
        ):
            elements = (
                annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            )
            annotation = elements[0] if elements else None
            for meta in elements[1:]:
                if isinstance(meta, ast.Call) and project.external(module, meta) in {
                    "typer.Option",
                    "typer.Argument",
                }:
                    info, declarations = meta, list(meta.args)
        if (
            info is None
            and isinstance(default, ast.Call)
            and project.external(module, default) in {"typer.Option", "typer.Argument"}
        ):
            info, declarations = default, list(default.args[1:])
        if _is_context(annotation):
            continue
        if info is not None and project.external(module, info) == "typer.Argument":
            continue
        if info is None and default is None:
            continue  # no default: typer makes it an argument
        is_bool = _is_bool(annotation)
        declared = strings_of(declarations) or []
        names, paired = option_names([d for d in declared if d.startswith("-")])
        if not names:
            flag = "--" + param.arg.replace("_", "-")
            names = [flag, "--no-" + flag[2:]] if is_bool else [flag]
            paired = is_bool
        flag_only = info is not None and is_true(keyword_value(info, "is_flag"))
        options.append(
            Option(names=tuple(names), takes_value=not (is_bool or paired or flag_only))
        )
    return options


def _is_annotated(project: Project, module: str, node: ast.Subscript) -> bool:
    qualname = project.external(module, node.value)
    return qualname in {"typing.Annotated", "typing_extensions.Annotated"}


def _is_context(annotation: ast.expr | None) -> bool:
    if isinstance(annotation, ast.Attribute):
        return annotation.attr == "Context"
    return isinstance(annotation, ast.Name) and annotation.id == "Context"


def _is_bool(annotation: ast.expr | None) -> bool:
    if isinstance(annotation, ast.Name):
        return annotation.id == "bool"
    if isinstance(annotation, ast.BinOp):  # bool | None
        return _is_bool(annotation.left) or _is_bool(annotation.right)
    if isinstance(annotation, ast.Subscript):  # Optional[bool]
        return _is_bool(annotation.slice)
    return False
