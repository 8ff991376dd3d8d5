"""The shape of ``src/readiness``, checked from its import graph (read with ``ast``).

1. No import cycle between modules (imports under ``TYPE_CHECKING`` and inside
   functions count: a cycle there is still two modules that know each other).
2. No gate imports another gate: a module under ``gates/`` imports only the
   gate interface, its own gate's modules and modules below ``gates/``.
3. No source file is longer than :data:`MAX_LINES` lines.
4. The layers of ``docs/architecture.md``: data flows down, imports never run
   back up (the domain never imports a gate, a renderer or the CLI, ...).
"""

from __future__ import annotations

import ast
import subprocess  # nosec B404 - runs this interpreter on a fixed script
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "readiness"
MAX_LINES = 600

#: Layers by module prefix; a module in none of them is in the domain layer.
LAYERS: Mapping[str, tuple[str, ...]] = {
    "gates": ("readiness.gates",),
    "fixers": ("readiness.fixers",),
    "reports": ("readiness.reports",),
    "catalogue": ("readiness.rules",),
    "orchestration": (
        "readiness.runner",
        "readiness.session",
        "readiness.audit",
        "readiness.merge",
        "readiness.console",
        "readiness.cli",
        "readiness.reportfiles",
        "readiness.resultstore",
        "readiness.__main__",
    ),
}
#: What each layer may not import (by layer, or a module prefix).
FORBIDDEN: Mapping[str, tuple[str, ...]] = {
    "domain": ("gates", "fixers", "reports", "catalogue", "orchestration"),
    "gates": ("fixers", "reports", "catalogue", "orchestration"),
    "reports": ("gates", "fixers", "orchestration"),
    "catalogue": ("fixers", "reports", "orchestration"),
    "fixers": ("reports", "readiness.console", "readiness.cli", "readiness.merge"),
    "orchestration": (),
}
#: Modules of ``gates/`` that are not one gate's own.
GATE_SHARED = ("readiness.gates", "readiness.gates.interface")


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = module_files()


def imports(name: str, path: Path) -> set[str]:
    """The package's modules that ``name`` imports, wherever the import sits."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(_known(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else _known(base))
    found.discard("")
    found.discard(name)
    return found


def _known(dotted: str) -> str:
    """The longest prefix of ``dotted`` that is one of our modules, else ``""``."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return ""


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> str:
    for name, prefixes in LAYERS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    return "domain"


def forbidden(source: str, target: str) -> bool:
    for rule in FORBIDDEN[layer(source)]:
        if rule in LAYERS or rule == "domain":
            if layer(target) == rule:
                return True
        elif target == rule or target.startswith(rule + "."):
            return True
    return False


def gate_of(module: str) -> str | None:
    """The gate a module under ``gates/`` belongs to: its first name under
    ``gates/`` (``gates/tests/run.py`` → ``tests``), a ``<gate>_*`` helper
    module to that gate (``sast_advice`` → ``sast``); None for the shared ones."""
    if module in GATE_SHARED or not module.startswith("readiness.gates."):
        return None
    first = module.split(".")[2]
    gates = {
        m.split(".")[2]
        for m in MODULES
        if m.startswith("readiness.gates.") and m not in GATE_SHARED
    }
    owners = [g for g in gates if first.startswith(g + "_") and g != first]
    return owners[0] if owners else first


def crossings() -> Iterator[str]:
    for source, targets in sorted(GRAPH.items()):
        mine = gate_of(source)
        if mine is None:
            continue
        for target in sorted(targets):
            theirs = gate_of(target)
            if theirs is not None and theirs != mine:
                yield f"{source} imports {target}"


def test_the_graph_is_read() -> None:
    assert "readiness.gates.interface" in GRAPH["readiness.gates.lint"]
    assert "readiness.fixers.tools" in GRAPH["readiness.fixers.ruff_black"]
    assert gate_of("readiness.gates.sast_advice") == "sast"
    assert gate_of("readiness.gates.interface") is None
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert forbidden("readiness.baselines", "readiness.gates.interface")
    assert not forbidden("readiness.gates.lint", "readiness.baselines")


def test_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


def test_no_gate_imports_another_gate() -> None:
    assert list(crossings()) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_too_long(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines (at most {MAX_LINES})"


def test_imports_follow_the_layers() -> None:
    wrong = [
        f"{source} ({layer(source)}) imports {target} ({layer(target)})"
        for source, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if forbidden(source, target)
    ]
    assert wrong == []


def test_only_the_command_line_reaches_the_cli_and_the_console() -> None:
    for module in ("readiness.cli", "readiness.console"):
        users = sorted(s for s, targets in GRAPH.items() if module in targets)
        assert set(users) <= {"readiness.cli", "readiness.__main__"}, users


def test_only_the_fixers_edits_import_libcst() -> None:
    """libcst costs 0.2 s to import: an audit, which stamps what the fixers
    take, must not pay it; only ``fixers/edits/`` import it (and the fixers
    import their edit when they plan one)."""
    users = sorted(
        name for name, path in MODULES.items() if "libcst" in _top_level_imports(path)
    )
    assert users == [
        "readiness.fixers.edits.syntax",
        "readiness.fixers.edits.tar",
        "readiness.fixers.edits.timeouts",
    ]


def test_a_gate_module_loads_when_its_gate_is_taken() -> None:
    """The start-up of an audit whose results are all cached is mostly
    imports: the registry loads a gate's module (and the libraries it reads
    with) when the gate is taken, so the command line loads none, and a lint
    audit loads the lint gate's module only."""
    script = (
        "import sys, readiness.cli\n"
        "from readiness.gates import registry\n"
        "def loaded():\n"
        "    return sorted(m.split('.')[2] for m in sys.modules"
        " if m.startswith('readiness.gates.') and m.count('.') == 2)\n"
        "print(loaded(), list(registry()) == [n for n, _, _ in GATES], loaded())\n"
        "print('ops' in registry(), 'nope' in registry(), loaded())\n"
        "print(registry()['lint'].name, loaded())\n"
        "print(all(registry()[n].name == n for n in registry()))\n"
    ).replace("GATES", "__import__('readiness.gates').gates.GATES")
    shown = _printed(script).splitlines()
    assert shown == [
        "['interface'] True ['interface']",
        "True False ['interface']",
        "lint ['interface', 'lint']",
        "True",
    ]


def test_the_command_line_loads_only_what_an_audit_needs() -> None:
    """What one command alone needs (fix, merge, uptime, the renderers an
    audit does not write), the fixers (stamped as gates finish) and
    ``importlib.metadata`` (about 50 ms: versions come from ``.dist-info``
    names) are not loaded by the command line."""
    script = (
        "import sys, readiness.cli, readiness\n"
        "readiness.__version__\n"
        "print(sorted(m for m in sys.modules if m in WANTED))\n"
    ).replace("WANTED", repr(_NOT_AT_START))
    shown = _printed(script)
    assert shown == "[]\n"


_NOT_AT_START = (
    "importlib.metadata",
    "email.parser",
    "readiness.fixers.interface",
    "readiness.fixers.engine",
    "readiness.fixresults",
    "readiness.merge",
    "readiness.uptime",
    "readiness.reports.html",
    "readiness.reports.sarif",
    "readiness.reports.junit",
    "readiness.reports.markdown",
    "tomlkit",
)


def test_only_pysource_parses_python() -> None:
    """CPython 3.11 and 3.12 fail ("AST constructor recursion depth
    mismatch") when two threads build syntax trees at once: every parse of
    the target's source goes through ``pysource.parse`` and its lock."""
    callers = sorted(
        name
        for name, path in MODULES.items()
        if name != "readiness.pysource"
        and any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "parse"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "ast"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    assert callers == []


def _printed(script: str) -> str:
    """What ``script`` prints, run in a fresh interpreter (nothing imported yet)."""
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def _top_level_imports(path: Path) -> set[str]:
    """The top packages a module imports outside functions."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found
