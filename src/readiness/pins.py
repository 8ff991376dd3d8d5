"""What the target pins: its lock files, its tools' versions, its formatter.

The target's own choices decide; readiness's defaults apply only where it says
nothing, and every answer carries its evidence so the report can say which.

- :func:`locked_versions` reads the lock the target commits, in this order:
  ``uv.lock``, ``pylock.toml`` (PEP 751), ``poetry.lock``, ``pdm.lock``, then
  ``==`` pins in ``requirements*.txt`` / ``constraints*.txt`` (top level and
  ``requirements/``, ``constraints/``).
- :func:`tool_pin` gives the version of ruff, black, mypy, pytest or bandit the
  target pins: its lock first, then an exact pin in its dev/test extras and
  dependency groups, then the ``rev`` of the matching hook in
  ``.pre-commit-config.yaml``.
- :func:`hook_dependencies` gives what a pre-commit hook installs beside its tool.
- :func:`formatter` says whether the project formats with ruff or black.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness import precommit
from readiness.regexes import compile_given

#: TOML locks: file name -> the array of package tables in it.
TOML_LOCKS = (
    ("uv.lock", "package"),
    ("pylock.toml", "packages"),
    ("poetry.lock", "package"),
    ("pdm.lock", "package"),
)
REQUIREMENT_GLOBS = (
    "requirements*.txt",
    "constraints*.txt",
    "requirements/*.txt",
    "constraints/*.txt",
)
#: pre-commit hook repositories whose ``rev`` is the tool's version.
HOOK_REPOS = {
    "ruff": ("astral-sh/ruff-pre-commit", "charliermarsh/ruff-pre-commit"),
    "black": ("psf/black", "psf/black-pre-commit-mirror"),
    "mypy": ("pre-commit/mirrors-mypy",),
    "bandit": ("PyCQA/bandit",),
    "flake8": ("PyCQA/flake8", "pycqa/flake8"),
    "pyright": ("RobertCraigie/pyright-python",),
    "basedpyright": ("DetachHead/basedpyright-pre-commit-mirror",),
}
_PIN = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#\\]+)"
)
_REV = re.compile(r"^v?(\d+(?:\.\d+)+\S*)$")


@dataclass(frozen=True, kw_only=True)
class Pin:
    """A version the target pins, and the file (and how) that says so."""

    version: str
    source: str


@dataclass(frozen=True, kw_only=True)
class Locked:
    """The versions of one committed lock file, by canonical name."""

    path: str
    versions: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class Formatter:
    tool: str  # "ruff" or "black"
    evidence: str
    #: Whether the project chose this formatter (False: readiness's default).
    adopted: bool = True


def _load_toml(path: Path) -> Mapping[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}


def locked_versions(root: Path) -> Locked | None:
    """The target's committed lock, or ``None`` when it commits none."""
    for name, key in TOML_LOCKS:
        path = root / name
        try:
            info = path.stat()
        except OSError:
            continue
        if path.is_file():
            identity = (str(path), info.st_size, info.st_mtime_ns)
            versions = dict(_toml_lock(identity, key))
            if versions:
                return Locked(path=name, versions=versions)
    for pattern in REQUIREMENT_GLOBS:
        for path in sorted(root.glob(pattern)):
            versions = requirement_pins(path)
            if versions:
                return Locked(path=path.relative_to(root).as_posix(), versions=versions)
    return None


@functools.lru_cache(maxsize=16)
def _toml_lock(identity: tuple[str, int, int], key: str) -> tuple[tuple[str, str], ...]:
    """The ``name, version`` pairs of a TOML lock (``identity``: its path,
    size and mtime), read once per process while they stay (the lint, format
    and typing gates each ask for their tool's pin: flask's ``uv.lock`` took
    0.05 s to parse each time)."""
    packages = _load_toml(Path(identity[0])).get(key, [])
    packages = packages if isinstance(packages, list) else []
    return tuple(
        (str(canonicalize_name(str(item["name"]))), str(item["version"]))
        for item in packages
        if isinstance(item, Mapping) and "name" in item and "version" in item
    )


def requirement_pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by canonical name."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return {}
    pins: dict[str, str] = {}
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            pins[str(canonicalize_name(match[1]))] = match[2]
    return pins


def declared_pins(requirements: Iterable[str]) -> dict[str, str]:
    """Exact ``==`` pins among requirement strings, by canonical name."""
    pins: dict[str, str] = {}
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        specifiers = list(requirement.specifier)
        if len(specifiers) == 1 and specifiers[0].operator in {"==", "==="}:
            version = specifiers[0].version
            if "*" not in version:
                pins[str(canonicalize_name(requirement.name))] = version
    return pins


def _hooks(repo: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    hooks = repo.get("hooks", [])
    return (
        [hook for hook in hooks if isinstance(hook, Mapping)]
        if isinstance(hooks, list)
        else []
    )


def _repos(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    repos = data.get("repos", [])
    return (
        [r for r in repos if isinstance(r, Mapping)] if isinstance(repos, list) else []
    )


def precommit_hooks(root: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(repo, rev, hook ids)`` of ``.pre-commit-config.yaml`` (empty if none)."""
    return [
        (
            str(repo.get("repo", "")),
            str(repo.get("rev", "")),
            tuple(str(hook.get("id")) for hook in _hooks(repo)),
        )
        for repo in _repos(precommit.load(root))
    ]


def hook_dependencies(root: Path, hook_id: str) -> tuple[str, ...]:
    """The ``additional_dependencies`` of the pre-commit hooks called ``hook_id``:
    what the project installs beside the tool when it runs it (stubs, plugins)."""
    found: list[str] = []
    for repo in _repos(precommit.load(root)):
        for hook in _hooks(repo):
            extra = hook.get("additional_dependencies", [])
            if hook.get("id") == hook_id and isinstance(extra, list):
                found.extend(str(item) for item in extra)
    return tuple(found)


def hook_rev(root: Path, tool: str) -> str | None:
    """The tool version a pre-commit hook's ``rev`` pins, if one does."""
    for repo, rev, _ in precommit_hooks(root):
        slug = repo.removesuffix(".git").split("github.com/")[-1]
        if slug in HOOK_REPOS.get(tool, ()):
            match = _REV.match(rev)
            if match:
                return match[1]
    return None


def tool_pin(
    root: Path, tool: str, *, dev_requirements: Iterable[str] = ()
) -> Pin | None:
    """The version of ``tool`` the target pins, with its source; ``None`` if none."""
    name = canonicalize_name(tool)
    locked = locked_versions(root)
    if locked is not None and name in locked.versions:
        return Pin(version=locked.versions[name], source=locked.path)
    declared = declared_pins(dev_requirements)
    if name in declared:
        return Pin(version=declared[name], source="pyproject.toml (dev/test pins)")
    rev = hook_rev(root, tool)
    if rev is not None:
        return Pin(version=rev, source=".pre-commit-config.yaml (hook rev)")
    return None


def formatter(
    root: Path, pyproject: Mapping[str, Any], *, dev_requirements: Iterable[str] = ()
) -> Formatter:
    """The formatter the project uses, and the evidence; black by default.

    The first rule that holds decides: explicit configuration, then the
    pre-commit hooks, then the dev dependencies, then ruff configured with no
    black anywhere.
    """
    tool = pyproject.get("tool", {})
    tool = tool if isinstance(tool, Mapping) else {}
    ruff = tool.get("ruff", {})
    hooks = {hook for _, _, ids in precommit_hooks(root) for hook in ids}
    names = set()
    for text in dev_requirements:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    ruff_configured = bool(ruff) or any(
        (root / name).is_file() for name in ("ruff.toml", ".ruff.toml")
    )
    rules = (
        ("black" in tool, "black", "[tool.black] in pyproject.toml"),
        (
            isinstance(ruff, Mapping) and "format" in ruff,
            "ruff",
            "[tool.ruff.format] in pyproject.toml",
        ),
        ("ruff-format" in hooks, "ruff", "the ruff-format pre-commit hook"),
        (
            bool(hooks & {"black", "black-jupyter"}),
            "black",
            "the black pre-commit hook",
        ),
        ("black" in names, "black", "black in the dev/test dependencies"),
        (ruff_configured, "ruff", "ruff is configured and black appears nowhere"),
    )
    for holds, chosen, evidence in rules:
        if holds:
            return Formatter(tool=chosen, evidence=evidence)
    return Formatter(
        tool="black",
        evidence="no formatter configured: black, the checklist's tool",
        adopted=False,
    )


def ruff_config(root: Path, pyproject: Mapping[str, Any]) -> str | None:
    """The configuration file ruff reads in the target's root, if there is one.

    ``.ruff.toml``, then ``ruff.toml``, then ``pyproject.toml`` with
    ``[tool.ruff]``: ruff's own order within one folder.
    """
    tool = pyproject.get("tool", {})
    for name in (".ruff.toml", "ruff.toml", "pyproject.toml"):
        if not (root / name).is_file():
            continue
        if name != "pyproject.toml" or (isinstance(tool, Mapping) and "ruff" in tool):
            return name
    return None


#: pre-commit hooks that format Python, by formatter.
FORMAT_HOOKS = {
    "ruff": frozenset({"ruff-format"}),
    "black": frozenset({"black", "black-jupyter"}),
}
_BLACK_EXCLUDES = ("exclude", "extend-exclude", "force-exclude")
#: A translatable pre-commit exclude: ``^dir/`` or ``^(dir/|other/dir/)``.
_LITERAL_DIRS = re.compile(r"^\^(?:\((?:\?:)?(?P<group>[^()]*)\)|(?P<single>[^()|]*))$")
_LITERAL_DIR = re.compile(r"^(?:[\w-]|\\[.-]|\.)+(?:/(?:[\w-]|\\[.-]|\.)+)*/$")


@dataclass(frozen=True, kw_only=True)
class Exclude:
    """One exclusion regex the project declares, and where it declares it.

    A pre-commit ``exclude`` is searched in the path relative to the root;
    a black one (``black=True``) in ``/PATH`` and in ``/DIR/`` for every folder
    above the file, as black matches it while walking the tree.
    """

    pattern: str
    source: str
    black: bool = False

    def matches(self, path: str) -> bool:
        flags = re.VERBOSE if self.black and "\n" in self.pattern else 0
        try:
            regex = compile_given(self.pattern, flags)
        except re.error:
            return False
        if not self.black:
            return regex.search(path) is not None
        parts = path.split("/")
        candidates = ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts))]
        return any(regex.search(text) for text in (*candidates, "/" + path))

    def folders(self) -> tuple[str, ...] | None:
        """The folders a pre-commit ``^dir/`` exclude names, as ruff's anchored
        ``./dir`` patterns; ``None`` when the regex is more than that."""
        match = None if self.black else _LITERAL_DIRS.match(self.pattern.strip())
        if match is None:
            return None
        alternatives = (match["group"] or match["single"] or "").split("|")
        if not all(_LITERAL_DIR.match(item) for item in alternatives):
            return None
        return tuple(
            "./" + re.sub(r"\\(.)", r"\1", item).rstrip("/") for item in alternatives
        )


def black_excludes(pyproject: Mapping[str, Any]) -> list[Exclude]:
    """``[tool.black]`` ``exclude``, ``extend-exclude`` and ``force-exclude``."""
    tool = pyproject.get("tool", {})
    black = tool.get("black", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(black, Mapping):
        return []
    return [
        Exclude(pattern=black[key], source=f"[tool.black] {key}", black=True)
        for key in _BLACK_EXCLUDES
        if isinstance(black.get(key), str) and black[key].strip()
    ]
