"""What the test modules import, and which names the repository itself provides.

Read with :mod:`ast`: the tests gate checks every import that runs when pytest
imports a module against the dependencies the target declares.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from readiness.pytest_survey.files import parse, python_files
from readiness.target import Target, list_of_str


@dataclass(frozen=True, kw_only=True)
class ImportSite:
    module: str
    path: str
    line: int
    #: inside a function body: runs when a test runs, not when pytest imports
    in_function: bool = False

    @property
    def top(self) -> str:
        return self.module.partition(".")[0]


def import_sites(target: Target, files: Iterable[Path]) -> list[ImportSite]:
    """Absolute imports that run when the module is imported or a test runs.

    Imports guarded by ``try/except ImportError``, ``with
    suppress(ImportError)``, ``if TYPE_CHECKING:`` or a ``pytest.importorskip``
    of the same module in the file are optional by design and left out;
    unparsable files are the markers gate's and pytest's to report.
    """
    sites: list[ImportSite] = []
    for path in sorted(set(files)):
        try:
            tree = parse(path)
        except (SyntaxError, ValueError, OSError):
            continue
        rel = target.rel(path)
        skipped = _importorskipped(tree)
        sites.extend(
            ImportSite(module=module, path=rel, line=line, in_function=nested)
            for module, line, nested in _imports(tree)
            if module.partition(".")[0] not in skipped and module not in skipped
        )
    return sites


def _imports(tree: ast.Module) -> list[tuple[str, int, bool]]:
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, *, guarded: bool, nested: bool) -> None:
        if isinstance(node, ast.Try | ast.TryStar):
            catches = any(_catches_import_error(h) for h in node.handlers)
            # the handler's imports are the fallback (requests' BaseHTTPServer
            # after http.server): they run only where the first choice fails
            for statement in (*node.body, *node.handlers):
                visit(statement, guarded=guarded or catches, nested=nested)
            for other in (*node.orelse, *node.finalbody):
                visit(other, guarded=guarded, nested=nested)
            return
        if isinstance(node, ast.With | ast.AsyncWith) and any(
            _suppresses_import_error(item.context_expr) for item in node.items
        ):
            guarded = True
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.orelse:
                visit(statement, guarded=guarded, nested=nested)
            return
        if not guarded:
            if isinstance(node, ast.Import):
                found.extend((alias.name, node.lineno, nested) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((node.module, node.lineno, nested))
        inner = nested or isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        for child in ast.iter_child_nodes(node):
            visit(child, guarded=guarded, nested=inner)

    visit(tree, guarded=False, nested=False)
    return found


def _suppresses_import_error(expr: ast.expr) -> bool:
    """``suppress(ImportError)`` / ``contextlib.suppress(ModuleNotFoundError)``."""
    if not isinstance(expr, ast.Call):
        return False
    function = expr.func
    name = function.id if isinstance(function, ast.Name) else None
    if isinstance(function, ast.Attribute):
        name = function.attr
    return name == "suppress" and any(
        isinstance(arg, ast.Name) and arg.id in _IMPORT_ERRORS for arg in expr.args
    )


def _importorskipped(tree: ast.Module) -> frozenset[str]:
    """Modules the file imports with ``pytest.importorskip("name")``."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
            == "importorskip"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return frozenset(found)


@dataclass(frozen=True, kw_only=True)
class FileFacts:
    """What a test file refers to, beyond its import sites."""

    #: every name an import statement in the file mentions, relative ones too
    references: frozenset[str]
    #: the file's string constants (file and module names a test writes)
    strings: frozenset[str]


def file_facts(path: Path) -> FileFacts:
    """The names the file's imports mention and its string constants."""
    try:
        tree = parse(path)
    except (SyntaxError, ValueError, OSError):
        return FileFacts(references=frozenset(), strings=frozenset())
    references: set[str] = set()
    strings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                references.update(alias.name.split("."))
        elif isinstance(node, ast.ImportFrom):
            references.update((node.module or "").split("."))
            references.update(alias.name for alias in node.names)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and len(node.value) < 200
        ):
            strings.add(node.value)
    references.discard("")
    return FileFacts(references=frozenset(references), strings=frozenset(strings))


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception"})


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        (isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS)
        or (isinstance(name, ast.Attribute) and name.attr in _IMPORT_ERRORS)
        for name in names
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def local_modules(target: Target, files: Iterable[Path]) -> frozenset[str]:
    """Names importable from the repository itself.

    pytest puts test folders (or the root, for packages of tests) and its
    ``pythonpath`` option on ``sys.path``; the target is installed editable;
    tests put folders of their own on ``sys.path`` (flask's ``test_apps``).
    Every module and folder name in those places counts, and so does every
    module anywhere in the tree, generously, so that a local helper is never
    mistaken for a missing package.
    """
    folders = {target.root, target.root / "src"}
    for path in python_files(target.root):
        folders.update(p for p in path.parents if p.is_relative_to(target.root))
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
