"""The target's modules by dotted name, and what each name in them refers to."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from readiness import pysource
from readiness.target import Target


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
