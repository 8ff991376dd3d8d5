"""How a project lints: with ruff or with flake8, and how flake8 is run for it.

A project that lints with flake8 and configures no ruff has never been held
to ruff's rules: ruff's E741 flags the second target of
``for i, l in enumerate(...)``, pycodestyle's does not (black's
``src/black/brackets.py``). Such a project is linted with flake8 itself, as
its CI does. :func:`linter` decides, first rule that holds:

1. a ruff configuration in the root (``.ruff.toml``, ``ruff.toml``,
   ``[tool.ruff]``): ruff;
2. a ``ruff`` / ``ruff-check`` pre-commit hook: ruff; a ``flake8`` hook: flake8;
3. a ``[flake8]`` section in ``setup.cfg``, ``tox.ini`` or ``.flake8``: flake8;
4. flake8 among the dev/test dependencies: flake8;
5. otherwise ruff (with its classic default rules).

flake8 then runs at the version the project pins (its lock, a dev pin, the
hook's ``rev``: :func:`readiness.pins.tool_pin`) with the plugins it pins
(:func:`plugins`: the flake8 hook's ``additional_dependencies`` and the
``flake8-*`` dev dependencies, when an exact pin or the lock fixes their
version; unpinned ones are named, not installed), with its own configuration
file (:func:`config_file`, flake8's own search order within the root) and the
configuration options among the hook's ``args`` (:func:`hook_args`).

flake8 has no JSON output; its ``--format`` string is written with the ASCII
unit separator between the fields (:data:`FORMAT`), which no path or message
holds, and read back exactly by :func:`parse`.
"""

from __future__ import annotations

import configparser
import glob
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness import pins, precommit

#: flake8's configuration files, in the order it tries them within a folder.
CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")
RUFF_HOOKS = ("ruff", "ruff-check")
FLAKE8_HOOKS = ("flake8",)
SEPARATOR = "\x1f"
FORMAT = SEPARATOR.join(("%(path)s", "%(row)d", "%(col)d", "%(code)s", "%(text)s"))
#: flake8's default ``exclude``, which a configured ``exclude`` replaces.
DEFAULT_EXCLUDE = (
    ".svn",
    "CVS",
    ".bzr",
    ".hg",
    ".git",
    "__pycache__",
    ".tox",
    ".nox",
    ".eggs",
    "*.egg",
)
#: Hook ``args`` that configure what flake8 checks (the rest shape its output,
#: which readiness sets itself).
CONFIG_OPTIONS = frozenset(
    {
        "--config",
        "--append-config",
        "--isolated",
        "--select",
        "--extend-select",
        "--ignore",
        "--extend-ignore",
        "--max-line-length",
        "--max-doc-length",
        "--max-complexity",
        "--per-file-ignores",
        "--exclude",
        "--extend-exclude",
        "--filename",
        "--hang-closing",
        "--indent-size",
        "--enable-extensions",
        "--builtins",
        "--doctests",
    }
)
_FLAGS = frozenset({"--isolated", "--hang-closing", "--doctests"})
#: How flake8 splits a list option (``utils.COMMA_SEPARATED_LIST_RE``).
_LIST_SEPARATOR = re.compile(r"[,\s]")


@dataclass(frozen=True, kw_only=True)
class Linter:
    tool: str  # "ruff" or "flake8"
    evidence: str


@dataclass(frozen=True, kw_only=True)
class Plugins:
    """flake8 plugins the project uses: pinned (``name==version``) or not."""

    pinned: tuple[str, ...] = ()
    unpinned: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Diagnostic:
    path: str
    row: int
    col: int
    code: str
    text: str


def _names(requirements: Iterable[str]) -> dict[str, Requirement]:
    found: dict[str, Requirement] = {}
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        found.setdefault(str(canonicalize_name(requirement.name)), requirement)
    return found


def _read(path: Path) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser


def config_file(root: Path) -> str | None:
    """The root's file flake8 reads: the first with a ``[flake8]`` section."""
    for name in CONFIG_FILES:
        if (root / name).is_file():
            parser = _read(root / name)
            if parser is not None and (
                parser.has_section("flake8")
                or parser.has_section("flake8:local-plugins")
            ):
                return name
    return None


def linter(
    root: Path, pyproject: Mapping[str, Any], *, dev_requirements: Iterable[str] = ()
) -> Linter:
    """The linter the project uses, and the evidence (see the module docstring)."""
    ruff_config = pins.ruff_config(root, pyproject)
    if ruff_config is not None:
        return Linter(tool="ruff", evidence=f"ruff configuration in {ruff_config}")
    if precommit.hooks(root, RUFF_HOOKS):
        return Linter(tool="ruff", evidence="the ruff pre-commit hook")
    if precommit.hooks(root, FLAKE8_HOOKS):
        return Linter(tool="flake8", evidence="the flake8 pre-commit hook")
    config = config_file(root)
    if config is not None:
        return Linter(tool="flake8", evidence=f"[flake8] in {config}")
    if "flake8" in _names(dev_requirements):
        return Linter(tool="flake8", evidence="flake8 in the dev/test dependencies")
    return Linter(
        tool="ruff", evidence="no linter configured: ruff's classic default rules"
    )


def _is_plugin(name: str) -> bool:
    return name.startswith("flake8-") or name == "pep8-naming"


def plugins(
    root: Path, hooks: Sequence[precommit.Hook], dev_requirements: Iterable[str]
) -> Plugins:
    """The flake8 hook's ``additional_dependencies`` and the ``flake8-*`` dev
    dependencies, pinned by an exact ``==`` or by the project's lock."""
    wanted = _names(dep for hook in hooks for dep in hook.additional_dependencies)
    for name, requirement in _names(dev_requirements).items():
        if _is_plugin(name):
            wanted.setdefault(name, requirement)
    locked = pins.locked_versions(root)
    pinned: list[str] = []
    unpinned: list[str] = []
    for name, requirement in sorted(wanted.items()):
        exact = pins.declared_pins([str(requirement)]).get(name)
        version = exact or (locked.versions.get(name) if locked else None)
        if version is None:
            unpinned.append(name)
        else:
            pinned.append(f"{name}=={version}")
    return Plugins(pinned=tuple(pinned), unpinned=tuple(unpinned))


def hook_args(
    hooks: Sequence[precommit.Hook],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The first flake8 hook's ``args``: (configuration options kept, others
    left out); an option's value may follow it as the next argument."""
    args = hooks[0].args if hooks else ()
    kept: list[str] = []
    dropped: list[str] = []
    index = 0
    while index < len(args):
        option = args[index].split("=", 1)[0]
        takes_next = (
            "=" not in args[index]
            and option.startswith("--")
            and option not in _FLAGS
            and index + 1 < len(args)
            and not args[index + 1].startswith("-")
        )
        group = list(args[index : index + (2 if takes_next else 1)])
        (kept if option in CONFIG_OPTIONS else dropped).extend(group)
        index += len(group)
    return tuple(kept), tuple(dropped)


def excludes(root: Path, config: str | None) -> tuple[str, ...]:
    """flake8's ``exclude`` and ``extend-exclude`` for ``config``, as ruff
    ``--extend-exclude`` globs (so readiness's ruff pass skips what flake8 skips)."""
    section: Mapping[str, str] = {}
    if config is not None:
        parser = _read(root / config)
        if parser is not None and parser.has_section("flake8"):
            section = dict(parser.items("flake8"))
    found: list[str] = []
    for key in ("exclude", "extend-exclude", "extend_exclude"):
        default = ",".join(DEFAULT_EXCLUDE) if key == "exclude" else ""
        for item in section.get(key, default).replace("\n", ",").split(","):
            pattern = item.strip().removeprefix("./").rstrip("/")
            if pattern:
                found.append(f"./{pattern}" if "/" in pattern else pattern)
    return tuple(dict.fromkeys(found))


def chooses_files(root: Path, config: str | None, args: Sequence[str]) -> bool:
    """Whether the project chooses which file names flake8 checks (``filename``
    in its configuration, or ``--filename`` among ``args``)."""
    if _values(args, "--filename"):
        return True
    parser = _read(root / config) if config is not None else None
    return parser is not None and parser.has_option("flake8", "filename")


#: The longest ``--filename`` value readiness passes (Linux allows 128 KiB per
#: argument); more changed files than that are checked by a whole run.
MAX_FILENAME_ARG = 100_000


def only_files(paths: Iterable[str]) -> str | None:
    """``--filename`` naming exactly ``paths`` (``./``-relative, as flake8's walk
    of ``.`` spells them), so that flake8 walks the tree with its own exclusions
    and checks those files alone (a path given as an argument would be checked
    even where an ``extend-exclude`` of a folder's name leaves it out).

    Each name is an fnmatch pattern with its wildcards bracketed; ``None`` for a
    path flake8 would split (a comma or whitespace) or a list too long."""
    patterns: list[str] = []
    for path in paths:
        if _LIST_SEPARATOR.search(path):
            return None
        patterns.append(re.sub(r"([\[*?])", r"[\1]", f"./{path}"))
    value = f"--filename={','.join(patterns)}"
    return value if len(value) <= MAX_FILENAME_ARG else None


def _values(args: Sequence[str], option: str) -> list[str]:
    """Every value ``args`` give ``option`` (``--opt=value`` or ``--opt value``)."""
    found: list[str] = []
    for index, arg in enumerate(args):
        if arg.startswith(f"{option}="):
            found.append(arg.split("=", 1)[1])
        elif arg == option and index + 1 < len(args):
            found.append(args[index + 1])
    return found


def _configured_extend_exclude(root: Path, name: str) -> list[str] | None:
    """The ``extend-exclude`` of the configuration file ``name`` (None: unset),
    its paths made relative to ``root`` (flake8 reads them from the file's
    folder; the command line's from the working directory, the root)."""
    path = root / name
    parser = _read(path)
    if parser is None or not parser.has_section("flake8"):
        return None
    value = None
    for key, raw in parser.items("flake8"):
        if key in ("extend-exclude", "extend_exclude"):
            value = raw
    if value is None:
        return None
    return [
        _from_root(pattern, path.parent, root) if "/" in pattern else pattern
        for pattern in _LIST_SEPARATOR.split(value)
        if pattern
    ]


def _from_root(pattern: str, folder: Path, root: Path) -> str:
    """A path pattern of a file in ``folder``, relative to ``root`` (with a ``/``)."""
    if folder == root:
        return pattern
    relative = os.path.relpath(os.path.normpath(folder / pattern), root)
    return relative if "/" in relative else f"./{relative}"


def link_exclusion(
    root: Path, args: Sequence[str], links: Sequence[str]
) -> tuple[str, ...]:
    """``--extend-exclude`` for ``links`` (files leaving the target: flake8
    reads every file its walk lists, links too), joined to the project's own
    value, which a command-line value would otherwise replace.

    flake8 keeps one ``extend-exclude``: the command line's (the last among
    ``args``, the configuration options readiness passes), else that of the
    last configuration file setting it (``--config``, then each
    ``--append-config``; none under ``--isolated``). It splits the value at
    commas and whitespace and matches each pattern with fnmatch, so a link's
    name is escaped and any comma or whitespace in it becomes ``?``.
    """
    if not links:
        return ()
    given = _values(args, "--extend-exclude")
    theirs: list[str] = []
    if given:
        theirs = [item for item in _LIST_SEPARATOR.split(given[-1]) if item]
    elif "--isolated" not in args:
        for name in (
            *_values(args, "--config")[-1:],
            *_values(args, "--append-config"),
        ):
            configured = _configured_extend_exclude(root, name)
            theirs = theirs if configured is None else configured
    ours = ["./" + _LIST_SEPARATOR.sub("?", glob.escape(link)) for link in links]
    return (f"--extend-exclude={','.join([*theirs, *ours])}",)


def parse_counted(text: str) -> list[Diagnostic]:
    """flake8's :data:`FORMAT` lines followed by its ``--count`` line: the count
    proves the output whole (a silent or cut flake8 is not a clean one);
    ``ValueError`` when it is missing or differs from the lines read."""
    body, _, last = text.rstrip().rpartition("\n")
    if not last.strip().isdigit():
        raise ValueError(
            "no error count at its end (--count), so its output is incomplete:"
            f" {last.strip()[:80] or '(no output)'!r}"
        )
    found = parse(body)
    if len(found) != int(last):
        raise ValueError(f"it counted {int(last)} errors but printed {len(found)}")
    return found


def parse(text: str) -> list[Diagnostic]:
    """flake8's :data:`FORMAT` lines; ``ValueError`` naming a line that is not one."""
    found: list[Diagnostic] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split(SEPARATOR, 4)
        if len(fields) != 5 or not fields[1].isdigit() or not fields[2].isdigit():
            raise ValueError(f"not a flake8 diagnostic: {line[:80]!r}")
        path, row, col, code, message = fields
        found.append(
            Diagnostic(path=path, row=int(row), col=int(col), code=code, text=message)
        )
    return found
