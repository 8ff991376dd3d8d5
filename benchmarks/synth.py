"""A generator of synthetic legacy repositories for the performance benchmark.

    python benchmarks/synth.py DEST --modules 300

Writes a git repository in the shape of a real legacy codebase (the seed's):
a ``src/`` package of N modules in a dozen subpackages, about 280 lines
each (a real 85,000-line codebase has 299 modules), an argparse CLI, tests
using markers (one unregistered), Markdown docs naming CLI commands, and the
seed's gaps planted at a fixed rate: unused imports and long lines (lint),
unformatted code (format), ``requests`` without a timeout, ``tarfile``
extraction, SQL built with ``%`` and ``subprocess`` with ``shell=True``
(sast), and untyped functions (typing). Everything is derived from the module
index, so two runs with the same N write byte-identical trees.

``--formatter ruff`` writes a project formatted with ``ruff format`` (its
``[tool.ruff.format]`` table) instead of black: there the format gate is fast,
and bandit and mypy are the longest tools.
"""

from __future__ import annotations

import argparse
import subprocess  # nosec B404 - runs git with fixed argument lists
import textwrap
from pathlib import Path

PACKAGE = "legacyco"
SUBPACKAGES = (
    "assets", "broker", "calendars", "data", "finance", "gens",
    "lib", "pipeline", "protocol", "sources", "testing", "utils",
)  # fmt: skip
#: Lines of ordinary code per module (plus the planted gaps).
FUNCTIONS_PER_MODULE = 20


def module_text(index: int) -> str:
    """One module: typed and untyped functions, a class, and planted gaps."""
    lines = [f'"""Generated module {index} of a synthetic legacy codebase."""', ""]
    lines += ["from __future__ import annotations", "", "import json", "import os"]
    if index % 3 == 0:
        lines.append("import sys  # planted: unused import (F401)")
    if index % 7 == 0:
        lines += ["import tarfile"]
    if index % 5 == 0:
        lines += ["import requests"]
    if index % 11 == 0:
        lines += ["import subprocess"]
    lines += ["", ""]
    for number in range(FUNCTIONS_PER_MODULE):
        name = f"compute_{index}_{number}"
        if number % 4 == 0:
            # planted: an untyped function (mypy --strict), badly formatted
            lines += [
                f"def {name}(values, scale = 2):",
                "    total=0",
                "    for value in values :",
                "        total+=value*scale",
                "    return total",
            ]
        else:
            lines += [
                f"def {name}(values: list[float], scale: float = 2.0) -> float:",
                f'    """Weighted sum number {number} of module {index}."""',
                "    total = 0.0",
                "    for position, value in enumerate(values):",
                "        if position % 2 == 0:",
                "            total += value * scale",
                "        else:",
                "            total -= value / (scale + 1.0)",
                (
                    f"    record = {{'module': {index}, 'function': {number},"
                    " 'total': total}"
                ),
                "    if os.environ.get('LEGACY_DEBUG'):",
                "        print(json.dumps(record))",
                "    return total",
            ]
        lines += ["", ""]
    lines += [
        f"class Model{index}:",
        f'    """State of model {index}."""',
        "",
        "    def __init__(self, name: str) -> None:",
        "        self.name = name",
        "        self.values: list[float] = []",
        "",
        "    def add(self, value: float) -> None:",
        "        self.values.append(value)",
        "",
        "    def summary(self) -> str:",
        (
            "        return f'{self.name}: {len(self.values)} values, "
            "sum {sum(self.values):.2f} and some words to make this line long'"
        ),
        "",
        "    def query(self, table: str) -> str:",
        "        return 'SELECT * FROM %s WHERE name = %s' % (table, self.name)",
        "",
    ]
    if index % 7 == 0:
        lines += [
            "",
            "def unpack(path: str, dest: str) -> None:",
            "    with tarfile.open(path) as archive:",
            "        archive.extractall(dest)",
            "",
        ]
    if index % 5 == 0:
        lines += [
            "",
            "def fetch(url: str) -> bytes:",
            "    return requests.get(url).content",
            "",
        ]
    if index % 11 == 0:
        lines += [
            "",
            "def run(cmd: str) -> int:",
            "    return subprocess.call(cmd, shell=True)",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def test_text(index: int) -> str:
    subpackage = SUBPACKAGES[index % len(SUBPACKAGES)]
    marker = "slow" if index % 2 else "ib_integration"  # the second is unregistered
    return textwrap.dedent(f"""\
        import pytest

        from {PACKAGE}.{subpackage}.module_{index} import (
            Model{index},
            compute_{index}_1,
        )


        @pytest.mark.{marker}
        def test_compute() -> None:
            assert compute_{index}_1([1.0, 2.0]) == 2.0 - 2.0 / 3.0


        def test_model() -> None:
            model = Model{index}("m")
            model.add(1.5)
            assert model.summary().startswith("m: 1 values")
        """)


CLI = '''\
"""The legacyco command line."""

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="legacyco")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="load a data bundle")
    ingest.add_argument("--bundle", default="csv")
    commands.add_parser("report", help="print the daily report")
    args = parser.parse_args(argv)
    print(args.command)
    return 0
'''

PYPROJECT = f"""\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{PACKAGE}"
version = "1.0.0"
requires-python = ">=3.10"
dependencies = ["requests>=2.31"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.scripts]
legacyco = "{PACKAGE}.cli:main"

[tool.hatch.build.targets.wheel]
packages = ["src/{PACKAGE}"]

[tool.pytest.ini_options]
addopts = "--strict-markers"
markers = ["slow: slow tests"]

[tool.mypy]
strict = true
"""


def docs_text(page: int) -> str:
    return textwrap.dedent(f"""\
        # Operations guide, part {page}

        Load the data with `legacyco ingest --bundle csv`, then print the
        report:

        ```bash
        legacyco report
        legacyco rebalance --all
        ```
        """)


#: Appended to the pyproject of a project formatted with ``ruff format``.
RUFF_FORMAT = """
[tool.ruff.format]
quote-style = "double"
"""


def generate(dest: Path, modules: int, formatter: str = "black") -> Path:
    """Write the repository of ``modules`` modules into ``dest``; commit it
    (``formatter``: ``black`` or ``ruff``, the formatter the project uses)."""
    package = dest / "src" / PACKAGE
    for subpackage in SUBPACKAGES:
        (package / subpackage).mkdir(parents=True, exist_ok=True)
        (package / subpackage / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text('"""legacyco."""\n', encoding="utf-8")
    (package / "cli.py").write_text(CLI, encoding="utf-8")
    (dest / "tests").mkdir(exist_ok=True)
    (dest / "docs").mkdir(exist_ok=True)
    for index in range(modules):
        subpackage = SUBPACKAGES[index % len(SUBPACKAGES)]
        (package / subpackage / f"module_{index}.py").write_text(
            module_text(index), encoding="utf-8"
        )
        if index % 4 == 0:
            (dest / "tests" / f"test_module_{index}.py").write_text(
                test_text(index), encoding="utf-8"
            )
    for page in range(max(modules // 50, 1)):
        (dest / "docs" / f"guide-{page}.md").write_text(
            docs_text(page), encoding="utf-8"
        )
    extra = RUFF_FORMAT if formatter == "ruff" else ""
    (dest / "pyproject.toml").write_text(PYPROJECT + extra, encoding="utf-8")
    (dest / "README.md").write_text(
        "# legacyco\n\nRun `legacyco ingest`.\n", encoding="utf-8"
    )
    (dest / ".gitignore").write_text(".venv/\n__pycache__/\n", encoding="utf-8")
    git = ["git", "-c", "user.email=b@example.invalid", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-qm", "synthetic legacy"], cwd=dest, check=True)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--modules", type=int, default=300)
    parser.add_argument("--formatter", choices=("black", "ruff"), default="black")
    args = parser.parse_args()
    args.dest.mkdir(parents=True, exist_ok=False)
    generate(args.dest, args.modules, args.formatter)
    print(f"{args.dest}: {args.modules} modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
