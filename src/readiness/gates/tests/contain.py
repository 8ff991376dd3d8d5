"""Containment of the target's test suite: a copy of its tree, a private home,
no network where the machine allows cutting it.

The suite is the target's code, run with the user's rights. A test that
deletes a file next to it, writes into ``$HOME`` or talks to a server must
not reach the project or the user, and what it did must be reported:

* **tree**: pytest runs in a copy of the target in the gate's scratch folder
  (every file but environments and caches; ``.git`` too, unless it is larger
  than :data:`GIT_LIMIT`), under the same folder name, so relative paths,
  conftests, rootdir and the pytest configuration read from
  pyproject/setup.cfg/tox.ini/pytest.ini behave as in the original. The test
  environment imports the package from the tree (``environments.sources``,
  a ``.pth`` after the standard library); ``PYTHONPATH`` puts the copy's
  package folders first, so the copy is imported, in pytest and in the
  processes the tests start. After the run the copy is compared with itself
  as it was copied (:func:`compare`, from the size and mtime of each file
  then, and the original's content for a file rewritten as it was; caches and
  coverage data left out; an edit of the original during the run is no
  change the tests made): what the tests deleted, created or changed becomes
  TS013, but for what git ignores
  there (a test's output folder the project keeps out of version control is
  no change to the project). Beside the copy, links to the original's
  siblings (up to :data:`SIBLING_LIMIT`), so that ``../shared/data`` read by
  a test still resolves.
* **home**: ``HOME`` is a folder in scratch, with a copy of the user's git
  configuration (tests that commit need an identity).
* **network**: on Linux the suite runs in a new user and network namespace
  (:data:`LAUNCHER_SOURCE`: the same user id, only a loopback interface, so
  servers a test starts on 127.0.0.1 still work). Failures that follow are
  said to be readiness's doing (``machine``), with the setting that allows
  the network: ``[tool.readiness.tests] network = true``. Where namespaces are
  not allowed (a container's seccomp policy, a kernel setting) the network
  stays, and the gate's metrics say so and why.

Not contained: a test that writes through an absolute path (to the original
tree by its absolute name, or anywhere else the user may write), through
``..`` into a sibling of the project, and links in the tree that point
outside it. That needs a real sandbox
(``docs/security.md``).
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from readiness import command, environments, repofiles, wording
from readiness.environments import sources
from readiness.gates.interface import GateContext, GateError

#: Folders neither copied nor compared: environments and caches. The version
#: control folders and build outputs are the project's as the tests see them.
SKIPPED = repofiles.PRUNED - {".git", ".hg", ".svn", ".eggs", "build", "dist"}
#: What a test run leaves that is no change to the project's files: byte code,
#: caches, coverage data. Matched against every part of a path.
LEFTOVERS = (
    "*.pyc",
    ".coverage",
    ".coverage.*",
    "coverage.xml",
    "coverage.json",
    "htmlcov",
)
#: A ``.git`` larger than this is not copied (the copy would cost more than
#: the tests that need it): ``git`` in the copy then finds no repository.
GIT_LIMIT = 256 * 1024 * 1024
#: Siblings of the target linked beside its copy: a parent folder with more
#: entries (a home, ``/tmp``) gets none, a test reading ``../x`` fails there.
SIBLING_LIMIT = 200
#: Version control folders beside the target are not linked: git in the
#: copy would take the real repository for its own.
VCS = frozenset({".git", ".hg", ".svn"})
#: git with paths unquoted.
GIT = ("git", "-c", "core.quotePath=off")
#: The user's git configuration, copied into the private home.
GIT_CONFIGS = (".gitconfig", ".config/git/config")
#: Roots whose suite a tests gate is running, so that it does not start itself.
GUARD_ENV = "READINESS_TESTS_GATE_ROOTS"
LAUNCHER = "_readiness_netless.py"
#: What the launcher exits with when it cannot cut the network.
LAUNCHER_FAILED = 125
ALLOW = "[tool.readiness.tests] network = true"
#: Runs ``argv`` in new user and network namespaces: the same user and group
#: ids (mapped onto themselves), the loopback interface up, nothing else.
#: Without arguments it only checks that it can. ctypes, not ``os.unshare``:
#: that is Python 3.12 and later.
LAUNCHER_SOURCE = '''\
"""readiness's network cut: run a command without network (loopback only)."""
import ctypes
import fcntl
import os
import socket
import struct
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFREQ = "16sH14x"


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def enter():
    uid, gid = os.geteuid(), os.getegid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, "unshare: " + os.strerror(code))
    _write("/proc/self/uid_map", "%d %d 1\\n" % (uid, uid))
    if os.path.exists("/proc/self/setgroups"):
        _write("/proc/self/setgroups", "deny")
    _write("/proc/self/gid_map", "%d %d 1\\n" % (gid, gid))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        asked = fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack(IFREQ, b"lo", 0))
        flags = struct.unpack(IFREQ, asked)[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags | IFF_UP))
    finally:
        sock.close()


def main(argv):
    try:
        enter()
    except OSError as exc:
        sys.stderr.write("cannot cut the network: %s\\n" % exc)
        return 125
    if argv:
        os.execv(argv[0], argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''


@dataclass(frozen=True, kw_only=True)
class Sandbox:
    """Where and how the suite runs: the copy, the home, the launcher."""

    original: Path
    #: the copy's root: pytest's working folder
    root: Path
    home: Path
    #: the command that cuts the network, before pytest's; empty when not cut
    launcher: tuple[str, ...] = ()
    #: what happened to the network, for the metrics
    network: str = ""
    #: the copy's package folders, first on ``PYTHONPATH``
    imports: tuple[Path, ...] = ()
    #: what was not copied, and why
    left_out: tuple[str, ...] = ()
    #: files the private home held before the run (the git configuration)
    seeded: frozenset[str] = field(default_factory=frozenset)
    #: each file of the copy as it was copied: its size and mtime, or where
    #: a link pointed
    copied: Mapping[str, tuple[int, int] | str] = field(default_factory=dict)

    @property
    def network_cut(self) -> bool:
        return bool(self.launcher)

    def command(self, args: Iterable[str]) -> list[str]:
        return [*self.launcher, *args]

    def variables(self) -> dict[str, str]:
        """``HOME`` and the copy's package folders first on ``PYTHONPATH``."""
        return {"HOME": str(self.home), "PYTHONPATH": _joined(*map(str, self.imports))}

    def restore(self, text: str) -> str:
        """``text`` with the copy's paths turned back into the original's."""
        for copy in dict.fromkeys((str(self.root.resolve()), str(self.root))):
            text = text.replace(copy, str(self.original))
        return text

    def metrics(self) -> tuple[tuple[str, str], ...]:
        """How the run was contained, for the gate's metrics."""
        tree = "a copy in the scratch folder"
        if self.left_out:
            tree += f" (not copied: {', '.join(self.left_out)})"
        return (
            ("contained_tree", tree),
            ("contained_home", "a private folder in the scratch folder"),
            ("network", self.network),
        )


@dataclass(frozen=True, kw_only=True)
class Changes:
    """What the suite did to the project's files (relative ``/`` paths)."""

    deleted: tuple[str, ...] = ()
    created: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    #: files written into the private home
    home: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.deleted) + len(self.created) + len(self.modified)


def prepare(
    ctx: GateContext, env: environments.Environment, *, network: bool
) -> Sandbox:
    """Copy the target into scratch, make the home, find out whether the
    network can be cut (unless ``network``: the target allows it)."""
    original = ctx.target.root
    base = ctx.scratch / "tree"
    shutil.rmtree(base, ignore_errors=True)
    root = base / (original.name or "target")
    left_out = []
    git = original / ".git"
    size = _size(git) if git.is_dir() else 0
    if size > GIT_LIMIT:
        left_out.append(f".git ({size // (1024 * 1024)} MB)")
    skip_git = size > GIT_LIMIT
    try:
        shutil.copytree(
            original, root, symlinks=True, ignore=_ignore(original, skip_git=skip_git)
        )
    except shutil.Error as exc:  # every other file is copied: say which were not
        failed = [str(error[0]) for error in exc.args[0] if isinstance(error, tuple)]
        left_out.append(f"{wording.plural(len(failed), 'unreadable file')}")
    except OSError as exc:
        raise GateError(
            f"cannot copy the target into the scratch folder to run its tests"
            f" there: {exc}"
        ) from None
    left_out.extend(_link_siblings(original, base))
    home = ctx.scratch / "home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    seeded = set()
    for name in GIT_CONFIGS:
        found = Path.home() / name
        if found.is_file():
            (home / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(found, home / name)
            seeded.add(name)
    launcher: tuple[str, ...] = ()
    state = f"allowed by {ALLOW}"
    if not network:
        launcher, state = _launcher(ctx)
    return Sandbox(
        original=original,
        root=root,
        home=home,
        launcher=launcher,
        network=state,
        imports=tuple(_imports(ctx, env, root)),
        left_out=tuple(left_out),
        seeded=frozenset(seeded),
        copied={name: _signature(path) for name, path in _files(root)},
    )


def _link_siblings(original: Path, base: Path) -> list[str]:
    """Links in ``base`` to the entries beside ``original`` (its copy's
    siblings); what was left out, for the metrics."""
    parent = original.resolve().parent
    try:
        siblings = [e for e in parent.iterdir() if e.name not in {original.name, *VCS}]
    except OSError:
        return []
    if len(siblings) > SIBLING_LIMIT:
        count = len(siblings)
        return [f"links to the project's {count} siblings (over {SIBLING_LIMIT})"]
    inner = base.resolve()
    for sibling in siblings:
        if inner.is_relative_to(sibling.resolve()):
            continue  # the scratch folder's own ancestor: a loop
        with contextlib.suppress(OSError):  # a name the copy already holds
            (base / sibling.name).symlink_to(sibling)
    return []


def _launcher(ctx: GateContext) -> tuple[tuple[str, ...], str]:
    """The launcher's command when it works here, and what the metrics say."""
    if not sys.platform.startswith("linux"):
        return (), f"not cut: network namespaces are Linux only (here {sys.platform})"
    path = ctx.scratch / LAUNCHER
    path.write_text(LAUNCHER_SOURCE, encoding="utf-8")
    launcher = (sys.executable, "-I", str(path))
    try:
        probe = ctx.run(launcher, ok_codes=range(-256, 256), record=False, timeout_s=30)
    except command.ToolError as exc:
        return (), f"not cut: {exc}"
    if probe.returncode != 0:
        said = command.last_line(probe.stderr or probe.stdout)
        return (), f"not cut: this machine does not allow it ({said})"
    return launcher, f"cut (loopback only; {ALLOW} allows it)"


def _imports(ctx: GateContext, env: environments.Environment, root: Path) -> list[Path]:
    """The copy's folders that hold the package, when the environment imports
    it from the tree (else it imports the installed copy, already apart)."""
    if not env.from_tree:
        return []
    site = sources.site_packages(env.path)
    modules = sources.installed_modules(site, ctx.target.name) if site else None
    folders = sources.tree_folders(ctx.target, modules or ()) if modules else None
    original = ctx.target.root
    return [root / folder.relative_to(original) for folder in folders or ()]


def contained_variables(
    ctx: GateContext, env: environments.Environment, sandbox: Sandbox | None
) -> dict[str, str]:
    """The run's environment variables: scratch folders, the test
    environment first on ``PATH``, the sandbox's home and imports, and the
    roots whose suite is running (the original and its copy)."""
    variables = private_variables(ctx.scratch)
    own = sandbox.variables() if sandbox else {"PYTHONPATH": ""}
    roots = [str(ctx.target.root), *([str(sandbox.root)] if sandbox else [])]
    variables.update(own)
    variables.update(
        {
            "PYTHONPATH": _joined(own["PYTHONPATH"], os.environ.get("PYTHONPATH", "")),
            GUARD_ENV: _joined(os.environ.get(GUARD_ENV, ""), *roots),
            "VIRTUAL_ENV": str(env.path),
            "PATH": _joined(str(env.path / "bin"), os.environ.get("PATH", "")),
        }
    )
    return variables


def private_variables(scratch: Path) -> dict[str, str]:
    """Environment variables that keep the run's files in ``scratch``.

    pytest's default base temp folder (``$TMPDIR/pytest-of-<user>``) is shared
    by every pytest on the machine, which prunes the old ones: pytest-xdist's
    suite lost 130 tests' temporary folders to another run that way. So the
    temporary folder, the caches under ``$XDG_CACHE_HOME``, coverage's data
    file and hypothesis's database all live in the gate's scratch folder.
    """
    tmp = scratch / "tmp"
    cache = scratch / "cache"
    for folder in (tmp, cache):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_ADDOPTS": "",
        "TMPDIR": str(tmp),
        "TEMP": str(tmp),
        "TMP": str(tmp),
        "XDG_CACHE_HOME": str(cache),
        "COVERAGE_FILE": str(scratch / ".coverage"),
        # hypothesis keeps its example database in ./.hypothesis otherwise
        "HYPOTHESIS_STORAGE_DIRECTORY": str(scratch / "hypothesis"),
    }


def compare(ctx: GateContext, sandbox: Sandbox) -> Changes:
    """What the run changed in the copy, but for the files git ignores in
    the original."""
    before = sandbox.copied
    after = dict(_files(sandbox.root))
    deleted = [name for name in before if name not in after]
    created = [name for name in after if name not in before]
    modified = [
        name
        for name, path in after.items()
        if name in before
        and _signature(path) != before[name]
        and not _same(sandbox.original / name, path)
    ]
    ignored = git_ignored(ctx, sandbox.original, [*deleted, *created, *modified])
    deleted, created, modified = (
        sorted(name for name in names if name not in ignored)
        for names in (deleted, created, modified)
    )
    home = sorted(
        name
        for name, _ in _files(sandbox.home, leftovers=False)
        if name not in sandbox.seeded
    )
    return Changes(
        deleted=tuple(deleted),
        created=tuple(created),
        modified=tuple(modified),
        home=tuple(home),
    )


def git_ignored(ctx: GateContext, root: Path, names: list[str]) -> frozenset[str]:
    """Which of ``names`` git ignores in ``root`` (none outside a checkout, or
    when git cannot say: then every change is reported)."""
    if not names or not repofiles.in_checkout(root):
        return frozenset()
    try:
        completed = ctx.run(
            [*GIT, "check-ignore", "--stdin", "-z"],
            cwd=root,
            env=repofiles.GIT_ENV,
            input_text="\0".join(names) + "\0",
            ok_codes=(0, 1),
            record=False,
            timeout_s=60,
        )
    except command.ToolError:
        return frozenset()
    return frozenset(completed.stdout.split("\0")) & frozenset(names)


def summary(changes: Changes, shown: int = 10) -> str:
    """``deleted a, b; created c; modified d``, at most ``shown`` names each."""
    parts = []
    for verb, names in (
        ("deleted", changes.deleted),
        ("created", changes.created),
        ("modified", changes.modified),
    ):
        if names:
            listed = ", ".join(names[:shown])
            more = f" and {len(names) - shown} more" if len(names) > shown else ""
            parts.append(f"{verb} {listed}{more}")
    return "; ".join(parts)


def message(changes: Changes) -> str:
    """TS013's message."""
    return (
        f"the test suite changed {wording.plural(changes.count, 'file')} of the"
        f" project: {summary(changes)} (readiness ran it on a copy, so the"
        " project itself is untouched)"
    )


def _ignore(original: Path, *, skip_git: bool) -> Callable[[str, list[str]], set[str]]:
    """``copytree``'s filter: environments and caches (and a large ``.git``)."""

    def ignored(folder: str, names: list[str]) -> set[str]:
        base = Path(folder)
        out = {
            name
            for name in names
            if name in SKIPPED
            or _special(base / name)
            or (
                (base / name / "pyvenv.cfg").exists() and not (base / name).is_symlink()
            )
        }
        if skip_git and base == original:
            out.add(".git")
        return out

    return ignored


def _files(root: Path, *, leftovers: bool = True) -> Iterator[tuple[str, Path]]:
    """Every file and link under ``root`` but environments, caches, ``.git``
    and (``leftovers``) what a test run leaves (:data:`LEFTOVERS`)."""
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        dirs[:] = [
            d
            for d in dirs
            if d not in SKIPPED
            and d != ".git"
            and not (leftovers and _leftover(d))
            and not (base / d / "pyvenv.cfg").exists()
        ]
        # a link to a folder is listed with the files: it is not entered
        links = [d for d in dirs if (base / d).is_symlink()]
        dirs[:] = [d for d in dirs if d not in links]
        for name in [*files, *links]:
            path = base / name
            if not (leftovers and _leftover(name)) and not _special(path):
                yield path.relative_to(root).as_posix(), path


def _signature(path: Path) -> tuple[int, int] | str:
    """A file's size and mtime (``copytree`` keeps the original's), or where a
    link points; what cannot be read is a signature no file has."""
    try:
        if path.is_symlink():
            return str(path.readlink())
        stat = path.stat()
    except OSError:
        return ""
    return (stat.st_size, stat.st_mtime_ns)


def _special(path: Path) -> bool:
    """A socket, a pipe or a device: nothing to copy (a pipe would block)."""
    return not (path.is_symlink() or path.is_dir() or path.is_file())


def _leftover(name: str) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in LEFTOVERS)


def _same(one: Path, other: Path) -> bool:
    """Same content (or the same link target); stat signatures first."""
    if one.is_symlink() or other.is_symlink():
        return (
            one.is_symlink()
            and other.is_symlink()
            and one.readlink() == other.readlink()
        )
    try:
        return filecmp.cmp(one, other, shallow=True)
    except OSError:
        return False


def _size(folder: Path) -> int:
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            try:
                total += (Path(base) / name).lstat().st_size
            except OSError:
                continue
    return total


def _joined(*parts: str) -> str:
    return os.pathsep.join(part for part in parts if part)
