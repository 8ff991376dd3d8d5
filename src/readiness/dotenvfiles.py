"""A project's ``.env`` files: what one holds, and where the project loads one.

For the ``secrets`` gate: a tracked ``.env`` matters when it holds credentials
(:func:`credentials`); a ``.env`` that does not exist yet matters when the
project loads one (:func:`loading_evidence`). Evidence of loading is read as
the tools read it: requirements by their PEP 508 name, Python by its syntax
tree (a docstring, comment or string that names ``load_dotenv`` loads
nothing: readiness's own secrets gate names it in its docstring), and
configuration files by their keys.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness import pysource
from readiness.secretscan import context_of
from readiness.secretshapes import find_shapes, secret_key

#: Distributions whose use means the project reads a ``.env`` file.
DOTENV_PACKAGES = frozenset({"python-dotenv", "environs", "django-environ"})
#: Calls that load a ``.env``: python-dotenv's, environs' and django-environ's.
DOTENV_CALLS = frozenset({"load_dotenv", "dotenv_values", "read_env"})
#: The name of a setting that points a loader at a ``.env`` (pydantic-settings,
#: compose, a project's own configuration mapping).
ENV_FILE = "env_file"
#: ``env_file:`` (compose) or ``env_files =`` (pytest-dotenv) as a key of a
#: configuration file: a key at the start of a line, so never in a comment.
CONFIG_USE = re.compile(r"(?m)^[ \t]*(?:-[ \t]*)?(env_files?)[ \t]*[:=]")
CONFIG_SUFFIXES = frozenset({".toml", ".cfg", ".ini", ".yaml", ".yml"})


def credentials(path: Path) -> list[str]:
    """Credential-named variables a dotenv file assigns, and its secret shapes."""
    if path.is_symlink():
        return []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    names = []
    for line in text.splitlines():
        key, sep, value = line.removeprefix("export ").partition("=")
        value = value.strip().strip("'\"")
        if sep and secret_key(key.strip()) and value and not value.startswith("$"):
            names.append(key.strip())
    names += sorted({m.shape.title for m in find_shapes(text)})
    return names


def loading_evidence(
    root: Path, files: Iterable[str], requirements: Iterable[str]
) -> str:
    """Where the project shows it loads a ``.env`` file, or ``""``.

    A requirement on a loader first, then the first of ``files`` (relative to
    ``root``) that loads one; documentation is skipped (its examples load
    their readers' files).
    """
    for requirement in requirements:
        try:
            name = canonicalize_name(Requirement(requirement).name)
        except InvalidRequirement:
            continue
        if name in DOTENV_PACKAGES:
            return f"requires {name}"
    for rel in files:
        suffix = PurePosixPath(rel).suffix
        if context_of(rel) == "docs" or suffix not in CONFIG_SUFFIXES | {".py"}:
            continue
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = loader_in_code(text) if suffix == ".py" else loader_in_config(text)
        if found:
            return f"{found[0]} at {rel}:{found[1]}"
    return ""


def loader_in_config(text: str) -> tuple[str, int] | None:
    """An ``env_file:`` or ``env_files =`` key of a configuration file, and its line."""
    key = CONFIG_USE.search(text)
    if key is None:
        return None
    return key.group(1), text.count("\n", 0, key.start(1)) + 1


def loader_in_code(source: str) -> tuple[str, int] | None:
    """The first line where Python code loads a ``.env``, and how.

    Read from the syntax tree, so that a docstring, comment or string that
    names a loader is not evidence: a call to a loader (``load_dotenv()``,
    ``env.read_env()``), an ``env_file=`` keyword (pydantic-settings), an
    ``env_file`` class attribute (pydantic's ``class Config``) or an
    ``"env_file"`` key of a mapping (a project's own configuration defaults).
    """
    if not any(name in source for name in (*DOTENV_CALLS, ENV_FILE)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the target's SyntaxWarnings
            tree = pysource.parse(source)  # its lock: gates parse at the same time
    except SyntaxError:
        return None
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = getattr(func, "id", None) or getattr(func, "attr", "")
            if called in DOTENV_CALLS:
                found.append((node.lineno, called))
            found += [
                (k.value.lineno, ENV_FILE) for k in node.keywords if k.arg == ENV_FILE
            ]
        elif isinstance(node, ast.Dict):
            found += [
                (k.lineno, ENV_FILE)
                for k in node.keys
                if isinstance(k, ast.Constant) and k.value == ENV_FILE
            ]
        elif isinstance(node, ast.ClassDef):
            found += [
                (statement.lineno, ENV_FILE)
                for statement in node.body
                if isinstance(statement, ast.Assign | ast.AnnAssign)
                and ENV_FILE in assigned_names(statement)
            ]
    if not found:
        return None
    line, how = min(found)
    return how, line


def assigned_names(statement: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = (
        statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    )
    return {t.id for t in targets if isinstance(t, ast.Name)}
