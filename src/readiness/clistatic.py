"""The command line of a target read from its source, with :mod:`ast` only.

click (``@click.group``/``@click.command``, ``@grp.command("name")``, ``name=``,
``add_command``, the function-name rule of click 8.2), typer (``typer.Typer()``,
``@app.command``, ``@app.callback``, ``add_typer``, ``typer.run``, options from
parameters and ``Annotated``) and argparse (``add_subparsers``, ``add_parser``,
``add_argument``, followed through the target's own helper functions by a small
interpreter). Names are resolved across the target's modules through their
imports, so a group defined in one module and extended in another is one tree.

Nothing is guessed: a custom decorator, a computed name, a parser handed to code
outside the target, a custom group class leave the node marked incomplete, and
the docs gate then reports nothing it cannot prove.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from readiness import pysource
from readiness.clitree import Command, Option, Script, unique_options
from readiness.target import Target

# --- static discovery: the module index --------------------------------------


@dataclass(frozen=True)
class ModuleRef:
    name: str


@dataclass(frozen=True)
class ObjRef:
    module: str
    name: str


@dataclass(frozen=True)
class External:
    qualname: str


Binding = ModuleRef | ObjRef | External

#: click-compatible packages, read as click.
CLICK_LIKE = {"rich_click": "click", "cloup": "click", "asyncclick": "click"}
HELP = ("-h", "--help")


class Project:
    """The target's Python modules by dotted name, parsed on demand."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.files: dict[str, Path] = {}
        for package in target.packages:
            path = target.root / package
            base = path.parent
            files = [path] if path.is_file() else sorted(path.rglob("*.py"))
            for file in files:
                parts = list(file.relative_to(base).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                if parts and all(p.isidentifier() for p in parts):
                    self.files[".".join(parts)] = file
        self._trees: dict[str, ast.Module | None] = {}
        self._bindings: dict[str, dict[str, Binding]] = {}

    def find(self, module: str) -> Path | None:
        """The file of ``module``: in the packages, else at the root or under src/."""
        if module in self.files:
            return self.files[module]
        parts = module.split(".")
        for base in (self.target.root, self.target.root / "src"):
            for candidate in (
                base.joinpath(*parts).with_suffix(".py"),
                base.joinpath(*parts, "__init__.py"),
            ):
                if candidate.is_file():
                    self.files[module] = candidate
                    return candidate
        return None

    def tree(self, module: str) -> ast.Module | None:
        if module not in self._trees:
            path = self.find(module)
            try:
                self._trees[module] = (
                    pysource.parse(path.read_bytes(), filename=str(path))
                    if path
                    else None
                )
            except (SyntaxError, ValueError, OSError):
                self._trees[module] = None
        return self._trees[module]

    def is_package(self, module: str) -> bool:
        path = self.find(module)
        return path is not None and path.name == "__init__.py"

    def rel(self, module: str) -> str | None:
        path = self.find(module)
        return self.target.rel(path) if path else None

    def definitions(self, module: str) -> dict[str, ast.stmt]:
        """Top-level functions, classes and assigned names of ``module``."""
        tree = self.tree(module)
        found: dict[str, ast.stmt] = {}
        for node in tree.body if tree else ():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found[node.name] = node
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = node
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                found[node.target.id] = node
        return found

    def bindings(self, module: str) -> dict[str, Binding]:
        """What each name of ``module`` refers to: its imports, then its definitions."""
        if module in self._bindings:
            return self._bindings[module]
        found: dict[str, Binding] = {}
        self._bindings[module] = found
        tree = self.tree(module)
        package = module if self.is_package(module) else module.rpartition(".")[0]
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = self._module_binding(alias.name)
                    else:
                        head = alias.name.split(".")[0]
                        found[head] = self._module_binding(head)
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(package, node.module, node.level)
                found.update(self._from_import(source, node.names))
        for name in self.definitions(module):
            found[name] = ObjRef(module, name)
        return found

    def _from_import(
        self, source: str, aliases: Sequence[ast.alias]
    ) -> Iterator[tuple[str, Binding]]:
        for alias in aliases:
            if alias.name == "*":
                continue
            name = alias.asname or alias.name
            sub = f"{source}.{alias.name}" if source else alias.name
            if self.find(sub) is not None:
                yield name, ModuleRef(sub)
            elif self.find(source) is not None:
                yield name, ObjRef(source, alias.name)
            else:
                yield name, External(_click_name(sub))

    def _module_binding(self, name: str) -> Binding:
        return ModuleRef(name) if self.find(name) else External(_click_name(name))

    def canonical(self, ref: ObjRef, depth: int = 0) -> Binding:
        """Follow re-exports (``from .cli import main`` in an ``__init__``)."""
        if depth > 10 or ref.name in self.definitions(ref.module):
            return ref
        binding = self.bindings(ref.module).get(ref.name)
        if isinstance(binding, ObjRef) and binding != ref:
            return self.canonical(binding, depth + 1)
        return binding or ref

    def resolve(self, module: str, expr: ast.expr) -> Binding | None:
        if isinstance(expr, ast.Name):
            binding = self.bindings(module).get(expr.id)
            return self.canonical(binding) if isinstance(binding, ObjRef) else binding
        if isinstance(expr, ast.Attribute):
            base = self.resolve(module, expr.value)
            if isinstance(base, External):
                return External(f"{base.qualname}.{expr.attr}")
            if isinstance(base, ModuleRef):
                sub = f"{base.name}.{expr.attr}"
                if self.find(sub) is not None:
                    return ModuleRef(sub)
                return self.canonical(ObjRef(base.name, expr.attr))
        return None

    def external(self, module: str, expr: ast.expr) -> str | None:
        """The outside name ``expr`` refers to, such as ``click.option``."""
        target = expr.func if isinstance(expr, ast.Call) else expr
        binding = self.resolve(module, target)
        return binding.qualname if isinstance(binding, External) else None

    def function(self, ref: ObjRef) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        node = self.definitions(ref.module).get(ref.name)
        return (
            node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None
        )

    def is_parser_class(self, ref: Binding | None, depth: int = 0) -> bool:
        """Whether ``ref`` is ``argparse.ArgumentParser`` or a class derived from it."""
        if isinstance(ref, External):
            return ref.qualname == "argparse.ArgumentParser"
        if not isinstance(ref, ObjRef) or depth > 5:
            return False
        node = self.definitions(ref.module).get(ref.name)
        return isinstance(node, ast.ClassDef) and any(
            self.is_parser_class(self.resolve(ref.module, base), depth + 1)
            for base in node.bases
        )


def _absolute(package: str, module: str | None, level: int) -> str:
    if not level:
        return module or ""
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join([*base, module] if module else base)


def _click_name(qualname: str) -> str:
    head, dot, rest = qualname.partition(".")
    return CLICK_LIKE.get(head, head) + dot + rest


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _strings(nodes: Sequence[ast.expr]) -> list[str] | None:
    """The values when every node is a string literal, else ``None``."""
    values = [_string(n) for n in nodes]
    return None if any(v is None for v in values) else [v for v in values if v]


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false(node: ast.expr | None) -> bool:
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


# --- static discovery: builders ----------------------------------------------


@dataclass(eq=False)
class _Node:
    """A command while the source is being read; frozen into :class:`Command` later."""

    framework: str
    name: str | None = None
    options: list[Option] = field(default_factory=list)
    children: list[tuple[str | None, _Node]] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    group: bool = False
    hidden: bool = False
    options_complete: bool = True
    commands_complete: bool = True
    abbreviations: bool = False
    help_names: tuple[str, ...] | None = None
    parsed: bool = False
    path: str | None = None
    line: int | None = None
    # typer: the app's callback options, and whether it completes the shell
    callback: bool = False
    completion: bool = False
    merged: list[_Node] = field(default_factory=list)

    def add(self, names: Sequence[str], *, takes_value: bool | None) -> None:
        if names:
            self.options.append(Option(names=tuple(names), takes_value=takes_value))


class Static:
    """Reads the click, typer and argparse command lines of a target's source."""

    def __init__(self, target: Target) -> None:
        self.project = Project(target)
        self.objects: dict[ObjRef, _Node] = {}
        self._scanned = False
        self._registered: set[ObjRef] = set()

    # -- click and typer: decorators and registrations over every module ----

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
                    self.objects[ObjRef(module, target.id)] = _Node(
                        framework="typer",
                        name=_string(_keyword(call, "name")),
                        group=True,
                        completion=not _false(_keyword(call, "add_completion")),
                        help_names=_help_names(call),
                        path=self.project.rel(module),
                        line=node.lineno,
                        options_complete=_help_names(call) is not None
                        or _keyword(call, "context_settings") is None,
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
            name_node = _keyword(node, "name") or (
                node.args[1] if len(node.args) > 1 else None
            )
            name = _string(name_node)
            if name_node is not None and name is None:
                parent.commands_complete = False
                continue
            if node.func.attr == "add_typer":
                name = name or child.name
                if name is None:
                    parent.merged.append(child)
                    continue
                if _true(_keyword(node, "hidden")):
                    child = replace(child, hidden=True)
            parent.children.append((name, child))

    def _click_node(
        self,
        module: str,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        decorator: ast.expr,
    ) -> _Node:
        call = decorator if isinstance(decorator, ast.Call) else None
        name = None
        if call is not None:
            name_node = _keyword(call, "name") or (call.args[0] if call.args else None)
            name = _string(name_node)
        if name is None:
            name = function.name.lower().replace("_", "-")
            left, sep, suffix = name.rpartition("-")
            if sep and suffix in {"command", "cmd", "group", "grp"}:
                name = left
        node = _Node(
            framework="click",
            name=name,
            path=self.project.rel(module),
            line=decorator.lineno,
        )
        if call is not None:
            node.hidden = _true(_keyword(call, "hidden"))
            if _keyword(call, "cls") is not None:
                node.commands_complete = False
            node.help_names = _help_names(call)
            if _false(_keyword(call, "add_help_option")):
                node.help_names = ()
            if (
                node.help_names is None
                and _keyword(call, "context_settings") is not None
            ):
                node.options_complete = False
        for other in function.decorator_list:
            if other is not decorator:
                self._click_decorator(module, other, node)
        return node

    def _click_decorator(self, module: str, decorator: ast.expr, node: _Node) -> None:
        qualname = self.project.external(module, decorator) or ""
        call = decorator if isinstance(decorator, ast.Call) else None
        args = call.args if call else []
        declared = _strings(args) if call else []
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
                or _true(_keyword(call, "is_flag") if call else None)
                or _true(_keyword(call, "count") if call else None)
                or (call is not None and _keyword(call, "flag_value") is not None)
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
        app: _Node,
        kind: str,
    ) -> None:
        call = decorator if isinstance(decorator, ast.Call) else None
        if kind == "callback":
            app.callback = True
            app.options.extend(typer_options(self.project, module, function))
            return
        name = None
        if call is not None:
            name = _string(
                _keyword(call, "name") or (call.args[0] if call.args else None)
            )
        node = _Node(
            framework="typer",
            name=name or function.name.lower().replace("_", "-"),
            options=typer_options(self.project, module, function),
            hidden=call is not None and _true(_keyword(call, "hidden")),
            help_names=_help_names(call) if call else None,
            path=self.project.rel(module),
            line=decorator.lineno,
        )
        app.children.append((None, node))

    # -- entry points ---------------------------------------------------------

    def script(self, name: str, entry: str) -> Script:
        module, _, attr = entry.partition(":")
        module, attr = module.strip(), attr.strip().split(".")[0]
        own = module.split(".")[0] in set(self.project.target.package_names)
        if self.project.tree(module) is None:
            where = "is not in the repository" if not own else "does not exist"
            return Script(
                name=name,
                entry=entry,
                root=None,
                reason=(
                    f"module {module} {where}"
                    if self.project.find(module) is None
                    else f"module {module} cannot be parsed"
                ),
                missing=own and self.project.find(module) is None,
            )
        if not attr or attr not in self.project.bindings(module):
            return Script(
                name=name,
                entry=entry,
                root=None,
                reason=f"{module} defines no {attr or 'attribute'!r}",
                missing=True,
            )
        self.scan()
        ref = self.project.resolve(module, ast.Name(id=attr))
        node = self._entry_node(ref)
        if node is None:
            return Script(
                name=name,
                entry=entry,
                root=None,
                reason=f"no click, typer or argparse command line found for {entry}",
            )
        return Script(name=name, entry=entry, root=freeze(node, name, root=True))

    def main_module(self, package: str) -> Script | None:
        """``python -m package``: what its ``__main__`` module runs, if anything."""
        module = f"{package}.__main__"
        tree = self.project.tree(module)
        if tree is None:
            return None
        self.scan()
        interpreter = Interpreter(self, module)
        interpreter.block(tree.body)
        node = interpreter.result()
        name = f"python -m {package}"
        if node is None:
            return Script(
                name=name,
                entry=module,
                root=None,
                reason=f"no click, typer or argparse command line found in {module}",
            )
        return Script(name=name, entry=module, root=freeze(node, name, root=True))

    def _entry_node(self, ref: Binding | None) -> _Node | None:
        if not isinstance(ref, ObjRef):
            return None
        if ref in self.objects:
            return self.objects[ref]
        function = self.project.function(ref)
        if function is None:
            return None
        interpreter = Interpreter(self, ref.module)
        interpreter.call(ref, [], {})
        return interpreter.result()


def _help_names(call: ast.Call | None) -> tuple[str, ...] | None:
    """``context_settings={"help_option_names": [...]}`` when written literally."""
    settings = _keyword(call, "context_settings") if call else None
    if isinstance(settings, ast.Call) and isinstance(settings.func, ast.Name):
        pairs = [(k.arg, k.value) for k in settings.keywords]
    elif isinstance(settings, ast.Dict):
        pairs = [
            (_string(k) if k else None, v)
            for k, v in zip(settings.keys, settings.values, strict=True)
        ]
    else:
        return None
    for key, value in pairs:
        if key == "help_option_names" and isinstance(value, ast.List | ast.Tuple):
            names = _strings(value.elts)
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
        declared = _strings(declarations) or []
        names, paired = option_names([d for d in declared if d.startswith("-")])
        if not names:
            flag = "--" + param.arg.replace("_", "-")
            names = [flag, "--no-" + flag[2:]] if is_bool else [flag]
            paired = is_bool
        flag_only = info is not None and _true(_keyword(info, "is_flag"))
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


# --- static discovery: argparse, and what an entry function runs -------------


@dataclass(eq=False)
class _Subparsers:
    parent: _Node


Value = _Node | _Subparsers | ObjRef | None


class Interpreter:
    """Follows a function's statements far enough to see the command line it builds.

    It tracks local names bound to argparse parsers, follows calls into the
    target's own functions (with the parsers passed as arguments), and notes
    every click or typer object the code calls. What it cannot follow it
    records on the parser concerned as incomplete.
    """

    MAX_DEPTH = 8

    def __init__(self, static: Static, module: str) -> None:
        self.static = static
        self.project = static.project
        self.module = module
        self.roots: list[_Node] = []
        self.called: list[_Node] = []
        self._stack: list[ObjRef] = []
        self._globals: dict[str, dict[str, Value]] = {}

    def result(self) -> _Node | None:
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
            if isinstance(owner, _Node) and owner.framework == "argparse":
                return self.parser_method(owner, func.attr, node)
            if isinstance(owner, _Subparsers) and func.attr == "add_parser":
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
        objects = self.interpreter.static.objects
        if isinstance(target, ObjRef) and target in objects:
            self.interpreter.called.append(objects[target])
            return None
        if self.project.is_parser_class(target):
            return self.new_parser(node)
        passes_parser = any(
            isinstance(v, _Node | _Subparsers) for v in (*args, *kwargs.values())
        )
        if (
            isinstance(target, ObjRef)
            and self.project.function(target) is not None
            and (passes_parser or not self.interpreter.found)
        ):
            return self.interpreter.call(target, args, kwargs)
        for value in (*args, *kwargs.values()):
            if isinstance(value, _Node):
                value.options_complete = False  # handed to code we do not read
        return None

    def typer_run(self, func: ast.expr) -> Value:
        ref = self.project.resolve(self.module, func)
        function = self.project.function(ref) if isinstance(ref, ObjRef) else None
        if isinstance(ref, ObjRef) and function is not None:
            node = _Node(
                framework="typer",
                options=typer_options(self.project, ref.module, function),
                path=self.project.rel(ref.module),
                line=function.lineno,
            )
            self.interpreter.called.append(node)
        return None

    def new_parser(self, node: ast.Call) -> _Node:
        parser = _Node(
            framework="argparse",
            abbreviations=not _false(_keyword(node, "allow_abbrev")),
            path=self.project.rel(self.module),
            line=node.lineno,
        )
        if not _false(_keyword(node, "add_help")):
            parser.add(HELP, takes_value=False)
        if _keyword(node, "parents") is not None:
            parser.options_complete = False
        self.interpreter.roots.append(parser)
        return parser

    def parser_method(self, parser: _Node, method: str, node: ast.Call) -> Value:
        if method == "add_argument":
            self.add_argument(parser, node)
        elif method == "add_subparsers":
            parser.group = True
            return _Subparsers(parser)
        elif method in {"add_argument_group", "add_mutually_exclusive_group"}:
            return parser
        elif method in {"parse_args", "parse_known_args", "parse_intermixed_args"}:
            parser.parsed = True
        return None

    def add_argument(self, parser: _Node, node: ast.Call) -> None:
        declared = _strings(node.args)
        if declared is None:
            parser.options_complete = False
            return
        names = [d for d in declared if d.startswith("-")]
        if not names:
            return  # a positional argument
        action = _keyword(node, "action")
        action_name = _string(action)
        if action_name is None and isinstance(action, ast.Attribute):
            action_name = action.attr
        nargs = _keyword(node, "nargs")
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

    def add_parser(self, subparsers: _Subparsers, node: ast.Call) -> _Node:
        name = _string(node.args[0]) if node.args else _string(_keyword(node, "name"))
        aliases_node = _keyword(node, "aliases")
        aliases = (
            _strings(aliases_node.elts)
            if isinstance(aliases_node, ast.List | ast.Tuple)
            else []
        )
        child = _Node(
            framework="argparse",
            name=name,
            aliases=tuple(aliases or ()),
            abbreviations=subparsers.parent.abbreviations,
            path=self.project.rel(self.module),
            line=node.lineno,
        )
        if not _false(_keyword(node, "add_help")):
            child.add(HELP, takes_value=False)
        if _keyword(node, "parents") is not None:
            child.options_complete = False
        if name is None or aliases is None:
            subparsers.parent.commands_complete = False
        else:
            subparsers.parent.children.append((None, child))
        return child


# --- freezing ---------------------------------------------------------------


def freeze(
    node: _Node,
    name: str,
    *,
    root: bool = False,
    inherited_help: tuple[str, ...] | None = None,
    seen: frozenset[int] = frozenset(),
) -> Command:
    """The immutable :class:`Command` of a builder node (cycles cut)."""
    if id(node) in seen:
        return Command(name=name, options_complete=False, commands_complete=False)
    seen = seen | {id(node)}
    help_names = node.help_names if node.help_names is not None else inherited_help
    options = list(node.options)
    children = list(node.children)
    for merged in node.merged:
        children.extend(merged.children)
    if node.framework in {"click", "typer"}:
        options.append(Option(names=help_names or ("--help",), takes_value=False))
    if node.framework == "typer":
        single = root and len(children) == 1 and not node.callback and not node.merged
        if single and not children[0][1].children:
            only = children[0][1]
            options = [
                *only.options,
                Option(names=help_names or ("--help",), takes_value=False),
            ]
            children = []
        if root and node.completion:
            options.append(Option(names=("--install-completion",), takes_value=False))
            options.append(Option(names=("--show-completion",), takes_value=False))
    frozen: dict[str, Command] = {}
    for override, child in children:
        child_name = override or child.name
        if child_name is None:
            continue
        frozen[child_name] = freeze(
            child, child_name, inherited_help=help_names, seen=seen
        )
    return Command(
        name=name,
        options=unique_options(options),
        commands=tuple(frozen.values()),
        aliases=node.aliases,
        hidden=node.hidden,
        options_complete=node.options_complete,
        commands_complete=node.commands_complete,
        abbreviations=node.abbreviations,
        path=node.path,
        line=node.line,
    )


def discover(target: Target) -> tuple[Script, ...]:
    """The static model of every console script, and of ``python -m`` packages."""
    static = Static(target)
    scripts = [static.script(name, entry) for name, entry in target.scripts.items()]
    for package in target.package_names:
        module = static.main_module(package)
        if module is not None:
            scripts.append(module)
    return tuple(scripts)
