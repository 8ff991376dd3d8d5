"""The split locks: ``constraints/prod.txt``, ``test.txt`` and ``dev.txt``.

Each lock is resolved by uv for the target's Python (the lower bound of
``requires-python``), fully pinned with hashes:

- ``uv export --frozen`` when the target has a ``uv.lock`` (the versions it
  already pins; ``uv lock`` first when ``pyproject.toml`` changed);
- ``uv pip compile pyproject.toml --universal --generate-hashes`` otherwise,
  with the existing lock file as the preference, so that regenerating keeps
  the pins that still satisfy the declared requirements.

prod is the runtime dependencies alone; test adds the extras and dependency
groups named ``test``, ``tests`` or ``testing``; dev adds every extra and
group. uv's own header (which names a temporary path) is replaced by ours,
which names the command that regenerates the file, so that running
``readiness lock`` twice changes nothing.

The parser reads such files back, uv's ``# via`` annotations included: they
are the edges of the dependency graph that :meth:`Lock.chain` walks to say
how a lock pulls a package in.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from readiness import command, lockextras
from readiness.atomicio import write_text_atomic
from readiness.errors import ConfigError, UsageError
from readiness.target import Target

LOCK_NAMES = ("prod", "test", "dev")
#: Extras and dependency groups that make up the test lock (with prod).
TEST_NAMES = frozenset({"test", "tests", "testing"})
CONSTRAINTS = "constraints"
DEFAULT_TIMEOUT_S = 600.0

_HASH = re.compile(r"\s--hash[=\s]\s*(\S+)")
_VIA = "# via"


class LockError(UsageError):
    """The locks could not be produced: uv is missing or cannot resolve."""


class Runner(Protocol):
    """Runs a tool the way :func:`readiness.command.run` does (the gate records it)."""

    def __call__(
        self,
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = (0,),
        cwd: Path | None = None,
    ) -> command.Completed: ...


def local_runner(root: Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> Runner:
    """A :class:`Runner` for the command line: in ``root``, with a timeout."""

    def run(
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = (0,),
        cwd: Path | None = None,
    ) -> command.Completed:
        return command.run(
            args, cwd=cwd or root, timeout_s=timeout_s, ok_codes=ok_codes
        )

    return run


# --- what to resolve ---------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LockSpec:
    """One lock: which extras and dependency groups it adds to the runtime."""

    name: str
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    description: str


def specs(target: Target) -> tuple[LockSpec, ...]:
    extras = tuple(sorted(target.extras))
    groups = tuple(sorted(target.dependency_groups))
    return (
        LockSpec(name="prod", description="runtime dependencies only"),
        LockSpec(
            name="test",
            extras=tuple(e for e in extras if e in TEST_NAMES),
            groups=tuple(g for g in groups if g in TEST_NAMES),
            description="runtime and test dependencies",
        ),
        LockSpec(
            name="dev",
            extras=extras,
            groups=groups,
            description="runtime, every extra and every group",
        ),
    )


def python_version(requires_python: str | None) -> str:
    """The lowest Python ``requires-python`` allows, as ``X.Y`` (or ``X.Y.Z``).

    Without a lower bound, the running interpreter's ``X.Y``.
    """
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if not requires_python:
        return running
    try:
        specifiers = SpecifierSet(requires_python)
    except InvalidSpecifier:
        raise ConfigError(
            f"[project] requires-python {requires_python!r} is not a valid specifier"
        ) from None
    bounds: list[Version] = []
    for spec in specifiers:
        if spec.operator not in (">=", ">", "==", "~=", "==="):
            continue
        try:
            version = Version(spec.version.removesuffix(".*"))
        except InvalidVersion:
            continue
        if spec.operator == ">":
            version = Version(f"{version.major}.{version.minor + 1}")
        bounds.append(version)
    if not bounds:
        return running
    return max(bounds).base_version


def uses_uv_lock(target: Target) -> bool:
    return (target.root / "uv.lock").is_file()


def uv_command(target: Target, spec: LockSpec, python: str) -> list[str]:
    """The uv command that resolves ``spec`` (printed in the lock's header)."""
    if uses_uv_lock(target):
        args = [
            "uv",
            "export",
            "--frozen",
            "--format",
            "requirements-txt",
            "--no-emit-project",
            "--no-header",
            "--no-default-groups",
        ]
    else:
        args = [
            "uv",
            "pip",
            "compile",
            "pyproject.toml",
            "--universal",
            "--python-version",
            python,
            "--generate-hashes",
            "--no-strip-extras",
            "--no-header",
        ]
    for extra in spec.extras:
        args += ["--extra", extra]
    for group in spec.groups:
        args += ["--group", group]
    return args


def header(target: Target, spec: LockSpec, python: str) -> str:
    shown = " ".join(uv_command(target, spec, python))
    return (
        f"# {CONSTRAINTS}/{spec.name}.txt for {target.name}: {spec.description},\n"
        f"# hash-pinned for Python >= {python}. Generated; do not edit by hand.\n"
        "# Regenerate from the project root with:\n"
        "#    readiness lock .\n"
        "# which runs:\n"
        f"#    {shown}\n"
    )


# --- writing -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Written:
    name: str
    path: Path
    changed: bool
    packages: int


def generate(
    target: Target,
    out: Path,
    *,
    run: Runner,
    work: Path | None = None,
    only: Iterable[str] = LOCK_NAMES,
) -> tuple[Written, ...]:
    """Write the locks named in ``only`` into ``out``; a file is rewritten only
    when its content changes. ``work`` holds uv's output (a temporary folder
    when None)."""
    if "project" not in target.pyproject:
        raise LockError(f"{target.given}: no [project] table in pyproject.toml to lock")
    python = python_version(target.requires_python)
    wanted = set(only)
    with tempfile.TemporaryDirectory(prefix="readiness-lock-") as temporary:
        folder = work or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        written = [
            _write_one(target, spec, python=python, out=out, work=folder, run=run)
            for spec in specs(target)
            if spec.name in wanted
        ]
    return tuple(written)


def render(
    target: Target,
    *,
    run: Runner,
    work: Path,
    only: Iterable[str] = LOCK_NAMES,
) -> dict[str, str]:
    """The texts of the locks named in ``only``, by name, without writing them.

    What :func:`generate` would write into ``constraints/`` (uv prefers the pins
    of the lock already there, if any); for callers that write through their
    own machinery (the locks fixer, whose writes go through the workspace).
    """
    if "project" not in target.pyproject:
        raise LockError(f"{target.given}: no [project] table in pyproject.toml to lock")
    python = python_version(target.requires_python)
    wanted = set(only)
    work.mkdir(parents=True, exist_ok=True)
    return {
        spec.name: _content(
            target,
            spec,
            python=python,
            preferred=target.root / CONSTRAINTS / f"{spec.name}.txt",
            work=work,
            run=run,
        )
        for spec in specs(target)
        if spec.name in wanted
    }


def _content(
    target: Target,
    spec: LockSpec,
    *,
    python: str,
    preferred: Path,
    work: Path,
    run: Runner,
) -> str:
    """One lock's text; uv prefers the pins of ``preferred`` when it exists."""
    args = uv_command(target, spec, python)
    try:
        if uses_uv_lock(target):
            body = run(args, cwd=target.root).require_complete().stdout
            exported = parse(body, name=spec.name)
            extras = lockextras.required(
                target.root,
                project=target.name,
                selected=(spec.extras, spec.groups),
                python=python,
                pinned=pins(exported),
                run=run,
            )
            body = lockextras.with_extras(body, extras)
        else:
            # uv prefers the pins of an existing output file: copy ours there,
            # dated 1970 so that uv's own write can be told from the copy.
            scratch = work / f"{spec.name}.txt"
            if preferred.is_file():
                shutil.copyfile(preferred, scratch)
                os.utime(scratch, ns=(0, 0))
            else:
                scratch.unlink(missing_ok=True)
            run([*args, "--quiet", "-o", str(scratch)], cwd=target.root)
            body = _written_by_uv(scratch)
    except command.ToolError as error:
        raise LockError(f"the {spec.name} lock: {error}") from None
    _check_resolved(target, spec, body)
    return header(target, spec, python) + body.lstrip("\n")


def _written_by_uv(path: Path) -> str:
    """The lock uv wrote to ``path``: a clear error when it wrote none."""
    try:
        text = path.read_text(encoding="utf-8") if path.stat().st_mtime_ns else None
    except FileNotFoundError:
        text = None
    except UnicodeDecodeError:
        raise command.ToolFailed("uv wrote a lock that is not UTF-8") from None
    except OSError as exc:
        raise command.ToolFailed(f"uv's lock cannot be read: {exc.strerror}") from None
    if text is None:
        raise command.ToolFailed("uv exited with code 0 without writing the lock")
    return text


def _check_resolved(target: Target, spec: LockSpec, body: str) -> None:
    """uv's lock is machine output: every line must read, and none may be missing."""
    lock = parse(body, name=spec.name)
    if lock.problems:
        raise LockError(
            f"the {spec.name} lock: uv wrote a lock readiness cannot read"
            f" ({lock.problems[0]})"
        )
    own = canonicalize_name(target.name)
    declared = [
        *target.dependencies,
        *(r for extra in spec.extras for r in target.extras.get(extra, ())),
        *(r for group in spec.groups for r in target.dependency_groups.get(group, ())),
    ]
    foreign = [r for r in declared if _name_of(r) not in (own, None)]
    if foreign and not lock.packages:
        raise LockError(
            f"the {spec.name} lock: uv wrote no package, but pyproject.toml"
            f" declares {len(foreign)} requirement{'s' if len(foreign) > 1 else ''}"
            f" for it ({foreign[0]}"
            f"{', ...' if len(foreign) > 1 else ''})"
        )


def _name_of(requirement: str) -> str | None:
    try:
        return canonicalize_name(Requirement(requirement).name)
    except InvalidRequirement:
        return None


def _write_one(
    target: Target,
    spec: LockSpec,
    *,
    python: str,
    out: Path,
    work: Path,
    run: Runner,
) -> Written:
    destination = out / f"{spec.name}.txt"
    content = _content(
        target, spec, python=python, preferred=destination, work=work, run=run
    )
    packages = len(parse(content, name=spec.name).packages)
    try:
        current = destination.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current == content:
        return Written(
            name=spec.name, path=destination, changed=False, packages=packages
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(destination, content)
    except OSError as exc:
        raise LockError(
            f"{destination}: cannot write the lock: {exc.strerror}"
        ) from None
    return Written(name=spec.name, path=destination, changed=True, packages=packages)


# --- reading -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LockedPackage:
    name: str
    """Canonical name (PEP 503)."""
    version: str | None
    """None for a requirement that is not pinned with ``==`` (a URL, say)."""
    hashes: tuple[str, ...] = ()
    marker: str | None = None
    via: tuple[str, ...] = ()
    """Canonical names of the packages that require it; other entries
    (``app (pyproject.toml)``) are the project itself."""
    line: int = 0

    @property
    def pin(self) -> str:
        """``name==version ; marker``, the line an auditing tool reads."""
        pinned = f"{self.name}=={self.version}"
        return f"{pinned} ; {self.marker}" if self.marker else pinned


@dataclass(frozen=True, kw_only=True)
class Lock:
    name: str
    packages: tuple[LockedPackage, ...]
    root: str = "project"
    """What the chains start from: the project's name."""
    path: Path | None = None
    problems: tuple[str, ...] = ()

    @cached_property
    def _by_name(self) -> Mapping[str, LockedPackage]:
        return {package.name: package for package in self.packages}

    def get(self, name: str) -> LockedPackage | None:
        return self._by_name.get(canonicalize_name(name))

    def __iter__(self) -> Iterator[LockedPackage]:
        return iter(self.packages)

    def chain(self, name: str) -> tuple[str, ...]:
        """The shortest path by which the lock pulls ``name`` in, from the root.

        ``("app", "gitpython", "gitdb")``: the project requires gitpython, which
        requires gitdb. A package whose annotations lead nowhere is shown as
        required by the project directly.
        """
        start: str = canonicalize_name(name)
        if start not in self._by_name:
            return ()
        parents: dict[str, str | None] = {start: None}
        queue: deque[str] = deque([start])
        while queue:
            current = queue.popleft()
            package = self._by_name[current]
            known = [p for p in package.via if p in self._by_name]
            if len(known) < len(package.via) or not package.via:
                return self._unwind(current, parents)
            for parent in known:
                if parent not in parents:
                    parents[parent] = current
                    queue.append(parent)
        return (self.root, start)  # a cycle with no way in: say "directly"

    def _unwind(self, top: str, children: Mapping[str, str | None]) -> tuple[str, ...]:
        path = [self.root, top]
        node = children[top]
        while node is not None:
            path.append(node)
            node = children[node]
        return tuple(path)


def read(path: Path, *, name: str, root: str = "project") -> Lock:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise LockError(f"{path}: cannot read the lock: {reason}") from None
    lock = parse(text, name=name, root=root)
    return Lock(
        name=lock.name,
        packages=lock.packages,
        root=lock.root,
        path=path,
        problems=lock.problems,
    )


def parse(text: str, *, name: str, root: str = "project") -> Lock:
    """Read a pip requirements file as uv writes it: pins, hashes, ``# via``."""
    packages: list[LockedPackage] = []
    problems: list[str] = []
    current: LockedPackage | None = None
    via: list[str] = []
    in_via_list = False

    def close() -> None:
        if current is not None:
            packages.append(dataclasses.replace(current, via=tuple(via)))

    for number, logical in _logical_lines(text):
        stripped = logical.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comment = stripped
            if current is None:
                continue
            if comment == _VIA:
                in_via_list = True
            elif comment.startswith(_VIA + " "):
                via.append(_via_entry(comment[len(_VIA) + 1 :]))
                in_via_list = False
            elif in_via_list and comment.startswith("#   "):
                via.append(_via_entry(comment[1:]))
            else:
                in_via_list = False
            continue
        if logical[0].isspace() or stripped.startswith("-"):
            # options (--index-url, -e ., a stray --hash) are not packages
            continue
        close()
        current, via, in_via_list = None, [], False
        parsed = _requirement(logical, number)
        if isinstance(parsed, str):
            problems.append(parsed)
        else:
            current = parsed
    close()
    return Lock(
        name=name, packages=tuple(packages), root=root, problems=tuple(problems)
    )


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(first line number, text)`` with backslash continuations joined."""
    buffer: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        yield start, " ".join(buffer)
        buffer = []
    if buffer:
        yield start, " ".join(buffer)


def _via_entry(text: str) -> str:
    """A package's canonical name, or the project's label as uv wrote it."""
    entry = text.strip()
    if " " in entry or "(" in entry:
        return entry
    return canonicalize_name(entry)


def _requirement(logical: str, number: int) -> LockedPackage | str:
    hashes = tuple(_HASH.findall(" " + logical))
    spec = _HASH.sub("", " " + logical).strip()
    spec = spec.split(" #", 1)[0].strip()
    try:
        requirement = Requirement(spec)
    except InvalidRequirement:
        return f"line {number}: not a requirement: {spec[:80]}"
    pins = [s for s in requirement.specifier if s.operator in ("==", "===")]
    version = pins[0].version if len(pins) == 1 and "*" not in pins[0].version else None
    return LockedPackage(
        name=canonicalize_name(requirement.name),
        version=version,
        hashes=hashes,
        marker=str(requirement.marker) if requirement.marker else None,
        line=number,
    )


def pins(lock: Lock) -> str:
    """The lock as ``name==version`` lines, for tools that read requirements."""
    return "".join(f"{p.pin}\n" for p in lock if p.version is not None)


def existing(root: Path) -> dict[str, Path]:
    """The split locks present in ``root/constraints``, by name."""
    folder = root / CONSTRAINTS
    return {
        name: folder / f"{name}.txt"
        for name in LOCK_NAMES
        if (folder / f"{name}.txt").is_file()
    }


def lock(
    target: Target, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> tuple[Written, ...]:
    """``readiness lock PATH``: write ``constraints/{prod,test,dev}.txt``."""
    return generate(
        target, target.root / CONSTRAINTS, run=local_runner(target.root, timeout_s)
    )
