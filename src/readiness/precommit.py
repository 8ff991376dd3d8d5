"""Which files the project's pre-commit hooks pass to a tool: its lint/format scope.

A project that runs ruff, black or flake8 from ``.pre-commit-config.yaml``
decides there which files the tool judges; a file its hooks never receive is
one its maintainers chose not to lint or format (requests keeps
``tests/test_lowlevel.py``, whose hand-split byte strings spell out raw HTTP,
out of its ruff-format hook). :func:`scope` reads that choice as pre-commit
applies it (``pre_commit/commands/run.py``, ``clientlib.py``):

* the top-level ``files`` (default ``''``) and ``exclude`` (default ``'^$'``)
  filter every file first, then each hook's own ``files`` and ``exclude``;
  all are Python regular expressions applied with ``re.search`` to the path
  relative to the root, with ``/``;
* then the hook's ``types`` (all of these tags), ``types_or`` (at least one)
  and ``exclude_types`` (none of them), matched against the file's tags as
  ``identify`` computes them. The hook's own manifest supplies the defaults
  (:data:`MANIFESTS`, from the hook repositories' ``.pre-commit-hooks.yaml``);
  the project's config overrides them key by key.

A file is in scope when at least one of the tool's hooks would receive it.
A project with no hook for the tool has no pre-commit scope for it
(:attr:`Scope.hooks` empty): nothing is left out.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from readiness.findings import Finding
from readiness.regexes import compile_given

CONFIG = ".pre-commit-config.yaml"


@dataclass(frozen=True, kw_only=True)
class Manifest:
    """A hook's defaults, from its repository's ``.pre-commit-hooks.yaml``."""

    types: tuple[str, ...] = ("file",)
    types_or: tuple[str, ...] = ()


#: The hooks of the tools readiness runs, as their repositories declare them
#: (astral-sh/ruff-pre-commit, psf/black, PyCQA/flake8).
MANIFESTS = {
    "ruff": Manifest(types_or=("python", "pyi", "jupyter")),
    "ruff-check": Manifest(types_or=("python", "pyi", "jupyter")),
    "ruff-format": Manifest(types_or=("python", "pyi", "jupyter")),
    "black": Manifest(types_or=("python", "pyi")),
    "black-jupyter": Manifest(types_or=("python", "pyi", "jupyter")),
    "flake8": Manifest(types=("python",)),
}
#: ``identify``'s tags for the extensions the Python tools read (every other
#: file is only a ``file`` to them, and none of these tools reads it).
_EXTENSION_TAGS = {
    ".py": frozenset({"text", "python"}),
    ".pyi": frozenset({"text", "pyi"}),
    ".ipynb": frozenset({"text", "json", "jupyter"}),
}


def tags(root: Path, path: str) -> frozenset[str]:
    """The ``identify`` tags of ``path`` that the Python hooks filter on."""
    full = root / path
    if full.is_symlink():
        return frozenset({"symlink"})
    mode = "executable" if os.access(full, os.X_OK) else "non-executable"
    return frozenset({"file", mode}) | _EXTENSION_TAGS.get(
        Path(path).suffix, frozenset()
    )


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return compile_given(pattern)
    except re.error:
        return None


def _search(pattern: str, path: str) -> bool:
    regex = _compiled(pattern)
    return regex is not None and regex.search(path) is not None


def _shown(pattern: str) -> str:
    one_line = " ".join(pattern.split())
    return one_line if len(one_line) <= 60 else one_line[:57] + "..."


@dataclass(frozen=True, kw_only=True)
class Hook:
    """One hook's file filter, the project's keys over the manifest's defaults."""

    id: str
    files: str = ""
    exclude: str = "^$"
    types: tuple[str, ...] = ("file",)
    types_or: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    additional_dependencies: tuple[str, ...] = ()
    rev: str = ""

    def refusal(self, path: str, tagged: frozenset[str]) -> str | None:
        """Why this hook would not receive ``path``; ``None`` if it would."""
        if not _search(self.files, path):
            return f"{self.id} hook files `{_shown(self.files)}`"
        if _search(self.exclude, path):
            return f"{self.id} hook exclude `{_shown(self.exclude)}`"
        if not tagged >= set(self.types):
            return f"{self.id} hook types [{', '.join(self.types)}]"
        if self.types_or and not tagged & set(self.types_or):
            return f"{self.id} hook types_or [{', '.join(self.types_or)}]"
        if tagged & set(self.exclude_types):
            return f"{self.id} hook exclude_types [{', '.join(self.exclude_types)}]"
        return None


@dataclass(frozen=True, kw_only=True)
class Scope:
    """The files the project's hooks for one tool receive."""

    root: Path
    hooks: tuple[Hook, ...] = ()
    files: str = ""
    exclude: str = "^$"

    def left_out(self, path: str) -> str | None:
        """Why pre-commit would not pass ``path`` to any of the tool's hooks;
        ``None`` when one of them would (or the tool has no hook)."""
        if not self.hooks:
            return None
        if not _search(self.files, path):
            return f"top-level files `{_shown(self.files)}`"
        if _search(self.exclude, path):
            return f"top-level exclude `{_shown(self.exclude)}`"
        tagged = tags(self.root, path)
        reasons = [hook.refusal(path, tagged) for hook in self.hooks]
        if any(reason is None for reason in reasons):
            return None
        return next(reason for reason in reasons if reason is not None)

    def folders(self) -> tuple[str, ...]:
        """Folder regexes every file under which is left out: the top-level
        ``exclude``, and a hook's when the tool has only that hook."""
        found = [self.exclude] if self.exclude != "^$" else []
        if len(self.hooks) == 1 and self.hooks[0].exclude != "^$":
            found.append(self.hooks[0].exclude)
        return tuple(found)


def load(root: Path) -> Mapping[str, Any]:
    """``.pre-commit-config.yaml`` as a mapping (empty if missing or unreadable)."""
    try:
        text = (root / CONFIG).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    # Imported here: PyYAML loads when there is YAML to read, not for every audit.
    import yaml  # noqa: PLC0415

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return {}
    return data if isinstance(data, Mapping) else {}


def _strings(value: object, default: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return default


def _regex(value: object, default: str) -> str:
    return value if isinstance(value, str) else default


def hooks(root: Path, hook_ids: Iterable[str]) -> tuple[Hook, ...]:
    """The hooks among ``hook_ids`` that ``.pre-commit-config.yaml`` configures."""
    wanted = frozenset(hook_ids)
    found: list[Hook] = []
    repos = load(root).get("repos", [])
    for repo in repos if isinstance(repos, list) else []:
        entries = repo.get("hooks", []) if isinstance(repo, Mapping) else []
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping) or str(entry.get("id")) not in wanted:
                continue
            manifest = MANIFESTS.get(str(entry["id"]), Manifest())
            found.append(
                Hook(
                    id=str(entry["id"]),
                    files=_regex(entry.get("files"), ""),
                    exclude=_regex(entry.get("exclude"), "^$"),
                    types=_strings(entry.get("types"), manifest.types),
                    types_or=_strings(entry.get("types_or"), manifest.types_or),
                    exclude_types=_strings(entry.get("exclude_types"), ()),
                    args=_strings(entry.get("args"), ()),
                    additional_dependencies=_strings(
                        entry.get("additional_dependencies"), ()
                    ),
                    rev=str(repo.get("rev", "")),
                )
            )
    return tuple(found)


def scope(root: Path, hook_ids: Iterable[str]) -> Scope:
    """The files pre-commit passes to the hooks among ``hook_ids``."""
    data = load(root)
    return Scope(
        root=root,
        hooks=hooks(root, hook_ids),
        files=_regex(data.get("files"), ""),
        exclude=_regex(data.get("exclude"), "^$"),
    )


def keep_in_scope(
    left_out: Callable[[str], str | None],
    findings: Iterable[Finding],
    excluded: Counter[str],
) -> list[Finding]:
    """The findings of files in scope; the others are counted in ``excluded``
    by the reason ``left_out`` gives for their path."""
    kept: list[Finding] = []
    for finding in findings:
        reason = left_out(finding.path or "")
        if reason is None:
            kept.append(finding)
        else:
            excluded[reason] += 1
    return kept
