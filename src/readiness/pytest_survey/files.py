"""Which files pytest collects, and how to parse them, without running pytest.

The markers gate and the tests gate read the same files: the test modules
under the declared test folders (or, without any, the files named like
pytest's ``python_files`` anywhere in the root) and the ``conftest.py``
files pytest loads for them.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path

from readiness import pysource
from readiness.target import PytestConfig, Target, list_of_str

#: pytest's default ``norecursedirs`` plus caches and installed packages.
SKIPPED_DIRS = (
    "*.egg",
    "*.egg-info",
    ".*",
    "_darcs",
    "build",
    "CVS",
    "dist",
    "node_modules",
    "venv",
    "{arch}",
    "__pycache__",
    "site-packages",
)
#: pytest's default ``python_files``, used when no test folder is declared.
DEFAULT_TEST_FILES = ("test_*.py", "*_test.py")


def files_to_scan(target: Target) -> tuple[list[Path], list[Path]]:
    """The test modules to scan, and the conftest.py files pytest loads for them.

    Under declared test folders every ``.py`` file counts (helpers there apply
    marks too); without any, pytest collects the whole root, which is searched
    for files named like its ``python_files``, so that source code is not
    mistaken for tests.
    """
    conftests = [p for p in python_files(target.root) if p.name == "conftest.py"]
    if target.test_paths:
        starts = [target.root / entry for entry in target.test_paths]
        found = [path for start in starts for path in python_files(start)]
        conftests = [p for p in conftests if loaded_for(p, starts)]
    else:
        patterns = python_file_patterns(target.pytest_config)
        found = [
            path
            for path in python_files(target.root)
            if any(fnmatch(path.name, pattern) for pattern in patterns)
        ]
    tests = sorted({path for path in found if path.name != "conftest.py"})
    return tests, conftests


def loaded_for(conftest: Path, starts: Iterable[Path]) -> bool:
    """Whether pytest loads ``conftest`` when collecting ``starts``: it reads the
    ones in the collected folders and in their parents up to the root, not
    those of, say, an example project elsewhere in the repository."""
    return any(
        conftest.is_relative_to(start) or start.is_relative_to(conftest.parent)
        for start in starts
    )


def python_files(start: Path) -> Iterator[Path]:
    """``.py`` files at or under ``start``, pruning folders pytest never enters."""
    if start.is_file():
        if start.suffix == ".py":
            yield start
        return
    for folder, dirs, files in os.walk(start):
        dirs[:] = sorted(d for d in dirs if not skipped_dir(d))
        base = Path(folder)
        yield from (base / name for name in sorted(files) if name.endswith(".py"))


def skipped_dir(name: str) -> bool:
    return any(fnmatch(name, pattern) for pattern in SKIPPED_DIRS)


def python_file_patterns(config: PytestConfig | None) -> tuple[str, ...]:
    raw = config.options.get("python_files") if config else None
    if raw is None:
        return DEFAULT_TEST_FILES
    items = raw.split() if isinstance(raw, str) else list_of_str(raw)
    return tuple(items) or DEFAULT_TEST_FILES


def parse(path: Path) -> ast.Module:
    """Parse like Python imports: bytes in, so encoding cookies are honoured."""
    return pysource.parse(path.read_bytes(), filename=str(path))
