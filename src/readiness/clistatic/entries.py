"""Entry points: the command line each console script and ``python -m`` runs."""

from __future__ import annotations

import ast
from importlib.metadata import EntryPoint

from readiness.clistatic.argparsing import Interpreter
from readiness.clistatic.clicktyper import ClickTyper
from readiness.clistatic.nodes import Node, freeze
from readiness.clistatic.project import Binding, ObjRef, Project
from readiness.clitree import Script
from readiness.target import Target


class Static:
    """The static model of a target's entry points."""

    def __init__(self, target: Target) -> None:
        self.project = Project(target)
        self.clicktyper = ClickTyper(self.project)

    def script(self, name: str, entry: str) -> Script:
        module, attr, extras = parse_entry(entry)
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
                extras=extras,
            )
        if not attr or attr not in self.project.bindings(module):
            return Script(
                name=name,
                entry=entry,
                root=None,
                reason=f"{module} defines no {attr or 'attribute'!r}",
                missing=True,
                extras=extras,
            )
        self.clicktyper.scan()
        ref = self.project.resolve(module, ast.Name(id=attr))
        node = self._entry_node(ref)
        if node is None:
            return Script(
                name=name,
                entry=entry,
                root=None,
                reason=f"no click, typer or argparse command line found for {entry}",
                extras=extras,
            )
        return Script(
            name=name, entry=entry, root=freeze(node, name, root=True), extras=extras
        )

    def main_module(self, package: str) -> Script | None:
        """``python -m package``: what its ``__main__`` module runs, if anything."""
        module = f"{package}.__main__"
        tree = self.project.tree(module)
        if tree is None:
            return None
        self.clicktyper.scan()
        interpreter = Interpreter(self.clicktyper, module)
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

    def _entry_node(self, ref: Binding | None) -> Node | None:
        if not isinstance(ref, ObjRef):
            return None
        if ref in self.clicktyper.objects:
            return self.clicktyper.objects[ref]
        function = self.project.function(ref)
        if function is None:
            return None
        interpreter = Interpreter(self.clicktyper, ref.module)
        interpreter.call(ref, [], {})
        return interpreter.result()


def parse_entry(entry: str) -> tuple[str, str, tuple[str, ...]]:
    """``module``, the first part of ``attr`` and the extras of an entry point
    (``blackd:patched_main [d]``), as the entry points specification reads it."""
    point = EntryPoint(name="", value=entry, group="console_scripts")
    try:
        module, attr, extras = point.module, point.attr, tuple(point.extras)
    except AttributeError:  # not the specification's syntax: read it loosely
        module, _, attr = entry.partition(":")
        extras = ()
    return module.strip(), (attr or "").strip().split(".")[0], extras


def discover(target: Target) -> tuple[Script, ...]:
    """The static model of every console script, and of ``python -m`` packages."""
    static = Static(target)
    scripts = [static.script(name, entry) for name, entry in target.scripts.items()]
    for package in target.package_names:
        module = static.main_module(package)
        if module is not None:
            scripts.append(module)
    return tuple(scripts)
