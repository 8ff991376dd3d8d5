"""Extras on the pins of an exported lock: ``coverage[toml]==7.17.3``.

A requirements file that pins ``coverage==7.17.3`` while pytest-cov requires
``coverage[toml]>=7.10.6`` installs with a recent pip, but the pip that
Python 3.11 ships (23.2.1) reads ``coverage[toml]`` as a requirement of its
own and, under ``--require-hashes``, rejects it as unpinned. ``uv pip compile
--no-strip-extras`` writes ``coverage[toml]==7.17.3``; ``uv export`` has no
such option, so :mod:`readiness.locks` adds the extras to its lines: those
``uv.lock`` records, and those a resolution of the same requirements
constrained to the exported pins asks for (``uv.lock`` leaves out an extra
that adds no package for the project's Pythons, as ``toml`` does on Python
3.11 and later).
"""

from __future__ import annotations

import re
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness import command

#: The start of a pinned line without extras, as ``uv export`` writes it.
_PIN_START = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?===)")

Run = Callable[..., command.Completed]


def required(
    root: Path,
    *,
    project: str,
    selected: tuple[Iterable[str], Iterable[str]],
    python: str,
    pinned: str,
    run: Run,
) -> dict[str, set[str]]:
    """Which extras each package of a lock is required with.

    ``selected`` is the lock's (extras, dependency groups) of the project,
    ``pinned`` its ``name==version`` lines. Offline, the compile step fails
    and the extras ``uv.lock`` records are the answer.
    """
    extras, groups = (tuple(names) for names in selected)
    locked = {canonicalize_name(line.split("==", 1)[0]) for line in pinned.splitlines()}
    found = uv_lock_extras(
        root / "uv.lock", project=project, selected=(extras, groups), locked=locked
    )
    with tempfile.TemporaryDirectory(prefix="readiness-extras-") as folder:
        constraints = Path(folder) / "pins.txt"
        constraints.write_text(pinned, encoding="utf-8")
        args = [
            *("uv", "pip", "compile", "pyproject.toml", "--universal"),
            *("--python-version", python, "--no-strip-extras", "--no-annotate"),
            *("--no-header", "--quiet", "--constraint", str(constraints)),
            *(item for extra in extras for item in ("--extra", extra)),
            *(item for group in groups for item in ("--group", group)),
        ]
        try:
            compiled = run(args, cwd=root).require_complete().stdout
        except command.ToolError:
            compiled = ""
    for line in compiled.splitlines():
        try:
            requirement = Requirement(line.split(" #", 1)[0].strip())
        except InvalidRequirement:
            continue
        name = canonicalize_name(requirement.name)
        if requirement.extras and name in locked:
            found.setdefault(name, set()).update(requirement.extras)
    return found


def uv_lock_extras(
    path: Path,
    *,
    project: str,
    selected: tuple[Iterable[str], Iterable[str]],
    locked: Iterable[str],
) -> dict[str, set[str]]:
    """The extras ``uv.lock`` records for the packages of one lock: from the
    project's own requirements (with the extras and groups ``selected``) down
    through the locked packages and the extras they are required with."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}
    extras, groups = (tuple(names) for names in selected)
    wanted = set(locked)
    own = canonicalize_name(project)
    tables: dict[str, Mapping[str, object]] = {
        canonicalize_name(str(package["name"])): package
        for package in _entries(data.get("package"))
        if isinstance(package, Mapping) and "name" in package
    }

    def edges(name: str, active: Iterable[str]) -> list[object]:
        table: Mapping[str, object] = tables.get(name) or {}
        items = _entries(table.get("dependencies"))
        for extra in active:
            items += _entries(_get(table.get("optional-dependencies"), extra))
        if name == own:
            for group in groups:
                items += _entries(_get(table.get("dev-dependencies"), group))
        return items

    found: dict[str, set[str]] = {}
    pending = [(own, frozenset(extras)), *((name, frozenset()) for name in wanted)]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for entry in edges(*current):
            if not isinstance(entry, Mapping) or "name" not in entry:
                continue
            dependency = canonicalize_name(str(entry["name"]))
            asked = frozenset(str(e) for e in _entries(entry.get("extra")))
            if asked and dependency in wanted:
                found.setdefault(dependency, set()).update(asked)
                pending.append((dependency, asked))
    return found


def _get(table: object, key: str) -> object:
    return table.get(key) if isinstance(table, Mapping) else None


def _entries(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def with_extras(body: str, extras: Mapping[str, set[str]]) -> str:
    """``body`` with its ``name==`` lines written ``name[extra,...]==``."""
    lines = []
    for line in body.splitlines(keepends=True):
        match = _PIN_START.match(line)
        wanted = extras.get(canonicalize_name(match["name"])) if match else None
        if match is not None and wanted:
            listed = ",".join(sorted(wanted))
            lines.append(f"{match['name']}[{listed}]{line[match.end('name') :]}")
        else:
            lines.append(line)
    return "".join(lines)
