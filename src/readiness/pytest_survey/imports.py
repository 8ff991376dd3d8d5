"""What the test modules import, and which names the repository itself provides.

Read with :mod:`ast`: the tests gate checks every import that runs when pytest
imports a module against the dependencies the target declares.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from readiness.pytest_survey.files import parse
from readiness.target import Target, list_of_str


@dataclass(frozen=True, kw_only=True)
class ImportSite:
    module: str
    path: str
    line: int

    @property
    def top(self) -> str:
        return self.module.partition(".")[0]


def import_sites(target: Target, files: Iterable[Path]) -> list[ImportSite]:
    """Absolute imports that run when the module is imported or a test runs.

    Imports guarded by ``try/except ImportError`` and ``if TYPE_CHECKING:``
    are optional by design and left out; unparsable files are the markers
    gate's and pytest's to report.
    """
    sites: list[ImportSite] = []
    for path in sorted(set(files)):
        try:
            tree = parse(path)
        except (SyntaxError, ValueError, OSError):
            continue
        rel = target.rel(path)
        sites.extend(
            ImportSite(module=module, path=rel, line=line)
            for module, line in _imports(tree)
        )
    return sites


def _imports(tree: ast.Module) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, *, guarded: bool) -> None:
        if isinstance(node, ast.Try | ast.TryStar):
            catches = any(_catches_import_error(h) for h in node.handlers)
            for statement in node.body:
                visit(statement, guarded=guarded or catches)
            for other in (*node.handlers, *node.orelse, *node.finalbody):
                visit(other, guarded=guarded)
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.orelse:
                visit(statement, guarded=guarded)
            return
        if not guarded:
            if isinstance(node, ast.Import):
                found.extend((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((node.module, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, guarded=guarded)

    visit(tree, guarded=False)
    return found


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        isinstance(name, ast.Name)
        and name.id in {"ImportError", "ModuleNotFoundError", "Exception"}
        for name in names
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def local_modules(target: Target, files: Iterable[Path]) -> frozenset[str]:
    """Names importable from the repository itself.

    pytest puts test folders (or the root, for packages of tests) and its
    ``pythonpath`` option on ``sys.path``; the target is installed editable.
    Every module and folder name in those places counts, generously, so that
    a local helper is never mistaken for a missing package.
    """
    folders = {target.root, target.root / "src"}
    for path in files:
        folders.update(p for p in path.parents if p.is_relative_to(target.root))
    config = target.pytest_config
    raw = config.options.get("pythonpath", ()) if config else ()
    entries = raw.split() if isinstance(raw, str) else list_of_str(raw)
    folders.update(target.root / entry for entry in entries)
    names = set(target.package_names)
    for folder in folders:
        if not folder.is_dir():
            continue
        for child in folder.iterdir():
            if child.is_dir() and child.name.isidentifier():
                names.add(child.name)
            elif child.suffix == ".py":
                names.add(child.stem)
    return frozenset(names)
