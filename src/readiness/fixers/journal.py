"""A journal for one fixer's files: after a kill at any moment each of them is
either as it was or fully fixed, and never some of one and some of the other.

**Where.** One well-known file at the target's root, ``.readiness-journal``,
present only while a fixer's files are being written (and after a kill). Not in
readiness's cache: the next run must find it whatever cache folder or ``HOME``
it has, and in a tree that was moved or copied; the temporaries it lists live
beside their destinations anyway (a rename is atomic only within one file
system); and ``git status`` shows it to whoever looks at the half-written tree.
The audit only looks for it (:func:`refuse_pending`); ``readiness fix`` alone
writes it and recovers it (:func:`recover`, at the start of every
``engine.fix``, and first of all on the command line).

**Phases**, each write step announced to a :data:`Step` hook first (the seam the
kill-at-every-step test uses, see :func:`hook_from_environment`):

1. *journal*: the journal is created exclusively, under an advisory lock on the
   root folder (one writer at a time), naming each file's destination,
   temporary and backup, its sha256 before and after, and the folders to
   create; fsynced with the root.
2. *stage*: each new text goes to its temporary (written, given the old file's
   mode and owner, fsynced; missing folders made first); each existing file
   gets a backup, a hard link to its inode (a copy where links are not
   supported); the folders are fsynced.
3. *commit*: the line ``commit`` is appended to the journal and fsynced: the
   point after which the fix is finished rather than undone.
4. *rename*: each temporary replaces its destination; the folders are fsynced.
5. *finish*: the backups, then the journal, are removed; the folders fsynced.

**Recovery.** A journal without its commit is *rolled back*: its temporaries,
backups and new folders are removed (no destination is touched before the
commit). A committed one is *rolled forward*: the remaining temporaries are
renamed. One marked ``abort`` (a rename failed in process) or that cannot be
finished (a temporary gone) is rolled back from the backups. Every destination
is checked by hash first: a file neither as it was nor as fixed (edited since
the kill) stops the recovery with nothing touched. The journal's paths must
stay inside the root, so a journal planted in a repository cannot reach out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import itertools
import json
import os
import secrets
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from readiness.atomicio import TEMP_SUFFIX, sync_folder
from readiness.errors import FixError, UsageError

#: The journal's name at the target's root.
JOURNAL = ".readiness-journal"
SCHEMA = "readiness-journal/1"
COMMIT = "commit"
ABORT = "abort"
#: Fault seam: SIGKILL readiness just before write step N (0-based) of a fix.
KILL_ENV = "READINESS_FAULT_KILL_AT_WRITE"

#: Called with a description before each write step.
Step = Callable[[str], None]


def no_steps(_description: str) -> None:
    """The hook of a normal run."""


def hook_from_environment() -> Step:
    """:data:`KILL_ENV` read here and nowhere else: the fault suite's kill switch."""
    value = os.environ.get(KILL_ENV, "")
    if not value.isdigit():
        return no_steps
    kill_at = int(value)
    counter = itertools.count()

    def step(_description: str) -> None:
        if next(counter) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    return step


class RecoveryError(UsageError):
    """An interrupted journal that cannot be finished or undone safely."""


@dataclass(frozen=True, kw_only=True)
class Change:
    """One file's new bytes; ``previous`` is ``None`` for a file to create."""

    path: str
    data: bytes
    mode: int
    previous: bytes | None


@dataclass(frozen=True, kw_only=True)
class Entry:
    path: str
    temporary: str
    backup: str | None
    before: str | None
    after: str


@dataclass(frozen=True, kw_only=True)
class Journal:
    entries: tuple[Entry, ...]
    folders: tuple[str, ...]
    state: Literal["staged", "committed", "aborted"] = "staged"

    def header(self) -> str:
        return json.dumps(
            {
                "schema": SCHEMA,
                "files": [vars(entry) for entry in self.entries],
                "folders": list(self.folders),
            },
            sort_keys=True,
        )


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """What :func:`recover` did with an interrupted journal."""

    direction: Literal["forward", "back"]
    files: tuple[str, ...]

    def describe(self) -> str:
        shown = ", ".join(self.files[:3]) + (", ..." if len(self.files) > 3 else "")
        count = f"{len(self.files)} file{'s' if len(self.files) != 1 else ''}"
        if self.direction == "forward":
            return (
                f"readiness: an interrupted fix was rolled forward: {count} fixed"
                f" ({shown}); review with git diff"
            )
        return (
            f"readiness: an interrupted fix was rolled back: {count} left as"
            f" they were ({shown})"
        )


def digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


# --- writing ---------------------------------------------------------------


def commit(root: Path, changes: Sequence[Change], step: Step = no_steps) -> None:
    """Write ``changes`` (paths relative to ``root``) all or none, through the
    journal (see the module doc); :class:`FixError` when they cannot be."""
    token = secrets.token_hex(4)
    journal = Journal(
        entries=tuple(_entry(change, token) for change in changes),
        folders=_missing_folders(root, changes),
    )
    by_path = {change.path: change for change in changes}
    current = JOURNAL
    with _locked(root):
        step("journal")
        _create(root, journal)
        try:
            for current in journal.folders:
                step(f"folder {current}")
                (root / current).mkdir()
            for entry in journal.entries:
                current = entry.path
                step(f"temporary {current}")
                _stage(root, entry, by_path[current])
            for entry in journal.entries:
                current = entry.path
                previous = by_path[current].previous
                if entry.backup is not None and previous is not None:
                    step(f"backup {current}")
                    _backup(
                        root / current,
                        root / entry.backup,
                        previous,
                        by_path[current].mode,
                    )
            _sync(root, journal)
        except OSError as error:
            _roll_back(root, journal)
            raise _failed(current, error) from None
        step("commit")
        _append(root, COMMIT)
        try:
            for entry in journal.entries:
                current = entry.path
                step(f"rename {current}")
                (root / entry.temporary).replace(root / current)
            _sync(root, journal)
        except OSError as error:
            _append(root, ABORT)
            _roll_back(root, dataclasses.replace(journal, state="aborted"))
            raise _failed(current, error) from None
        _finish(root, journal, step)


def _entry(change: Change, token: str) -> Entry:
    folder, _, name = change.path.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    return Entry(
        path=change.path,
        temporary=f"{prefix}.{name}.{token}.new{TEMP_SUFFIX}",
        backup=(
            None
            if change.previous is None
            else f"{prefix}.{name}.{token}.old{TEMP_SUFFIX}"
        ),
        before=digest(change.previous),
        after=hashlib.sha256(change.data).hexdigest(),
    )


def _missing_folders(root: Path, changes: Sequence[Change]) -> tuple[str, ...]:
    """The folders the new files need, parents first."""
    missing: list[str] = []
    for change in changes:
        parts = change.path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if folder not in missing and not (root / folder).is_dir():
                missing.append(folder)
    return tuple(missing)


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold the root's advisory lock: one journal writer or recoverer at a time."""
    try:
        handle = os.open(root, os.O_RDONLY)
    except OSError as error:
        raise FixError(f"{root} cannot be opened: {error.strerror or error}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FixError(
                f"another readiness fix is writing in {root}; nothing written"
            ) from None
        yield
    finally:
        os.close(handle)


def _create(root: Path, journal: Journal) -> None:
    try:
        handle = os.open(root / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise FixError(
            f"an interrupted fix's journal {JOURNAL} is in the way; run"
            " `readiness fix` again to finish or undo it"
        ) from None
    except OSError as error:
        raise _failed(JOURNAL, error) from None
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(journal.header() + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    sync_folder(root)


def _append(root: Path, marker: str) -> None:
    with (root / JOURNAL).open("a", encoding="utf-8") as stream:
        stream.write(marker + "\n")
        stream.flush()
        os.fsync(stream.fileno())


def _stage(root: Path, entry: Entry, change: Change) -> None:
    destination = root / entry.path
    handle = os.open(
        root / entry.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
    )
    with os.fdopen(handle, "wb") as stream:
        stream.write(change.data)
        stream.flush()
        os.fchmod(stream.fileno(), change.mode)
        if change.previous is not None:
            old = destination.stat()
            if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(PermissionError):
                    os.fchown(stream.fileno(), old.st_uid, old.st_gid)
        os.fsync(stream.fileno())


def _backup(destination: Path, backup: Path, previous: bytes, mode: int) -> None:
    """A second name for the original inode, which the rename leaves untouched."""
    try:
        os.link(destination, backup)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system: a copy
        handle = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(previous)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())


def _finish(
    root: Path, journal: Journal, step: Step = no_steps, *, prefix: str = ""
) -> None:
    for entry in journal.entries:
        if entry.backup is not None:
            step(f"{prefix}remove backup {entry.path}")
            (root / entry.backup).unlink(missing_ok=True)
    _sync(root, journal)
    step(f"{prefix}remove journal")
    (root / JOURNAL).unlink(missing_ok=True)
    sync_folder(root)


def _sync(root: Path, journal: Journal) -> None:
    for folder in sorted({(root / e.path).parent for e in journal.entries}):
        sync_folder(folder)
    sync_folder(root)


def _failed(rel: str, error: OSError) -> FixError:
    return FixError(
        f"{rel}: cannot be written ({error.strerror or error});"
        " this fixer's other files were left as they were"
    )


# --- recovery --------------------------------------------------------------


def pending(root: Path) -> bool:
    """Whether an interrupted fix left its journal at ``root``."""
    return (root / JOURNAL).is_file()


def refuse_pending(path: str | Path) -> None:
    """For commands that must not write (the audit, a dry run): a one-line
    :class:`UsageError` naming the recovery when a journal is there."""
    root = Path(path).expanduser()
    if pending(root):
        raise UsageError(
            f"{root / JOURNAL}: a `readiness fix` was interrupted while writing;"
            f" run `readiness fix {path} --priority P0` to finish or undo it first"
        )


def recover(path: str | Path, step: Step | None = None) -> Recovery | None:
    """Finish or undo an interrupted journal at ``path`` (see the module doc).

    Each write step is announced to ``step`` (the environment's kill seam by
    default). Recovery writes nothing into the journal and each of its steps
    is a rename or a removal, so a recovery killed at any step is finished
    by the next one, the same way.
    """
    root = Path(path).expanduser().resolve()
    if not pending(root):
        return None
    try:
        with _locked(root):
            return _recover(root, hook_from_environment() if step is None else step)
    except FixError as error:
        raise RecoveryError(str(error)) from None
    except OSError as error:
        raise RecoveryError(
            f"{root / JOURNAL}: an interrupted fix cannot be recovered"
            f" ({error.strerror or error}: {error.filename})"
        ) from None


def _recover(root: Path, step: Step) -> Recovery:
    journal = read(root)
    if journal is None:  # killed while writing the journal: nothing staged
        step("recover: remove journal")
        (root / JOURNAL).unlink()
        sync_folder(root)
        return Recovery(direction="back", files=())
    files = tuple(entry.path for entry in journal.entries)
    if journal.state == "committed" and _can_roll_forward(root, journal):
        for entry in journal.entries:
            if (root / entry.temporary).exists():
                step(f"recover: rename {entry.path}")
                (root / entry.temporary).replace(root / entry.path)
        _sync(root, journal)
        _finish(root, journal, step, prefix="recover: ")
        return Recovery(direction="forward", files=files)
    _check_roll_back(root, journal)
    _roll_back(root, journal, step)
    return Recovery(direction="back", files=files)


def read(root: Path) -> Journal | None:
    """The journal at ``root``; ``None`` when its header was never completed."""
    text = (root / JOURNAL).read_text(encoding="utf-8", errors="replace")
    header, newline, rest = text.partition("\n")
    if not newline:
        return None
    try:
        raw = json.loads(header)
        journal = _parse(raw)
    except (ValueError, TypeError, KeyError) as error:
        raise RecoveryError(
            f"{root / JOURNAL} is not a journal readiness wrote ({error});"
            " check the files it names and remove it"
        ) from None
    for entry in journal.entries:
        for rel in (entry.path, entry.temporary, entry.backup):
            if rel is not None and not _inside(root, rel):
                raise RecoveryError(
                    f"{root / JOURNAL} names {rel}, outside the target; not recovered"
                )
    markers = rest.split()
    if ABORT in markers:
        return dataclasses.replace(journal, state="aborted")
    if COMMIT in markers:
        return dataclasses.replace(journal, state="committed")
    return journal


def _parse(raw: Any) -> Journal:
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        raise ValueError(f"schema is not {SCHEMA}")
    entries = tuple(
        Entry(
            path=_text(item["path"]),
            temporary=_text(item["temporary"]),
            backup=None if item["backup"] is None else _text(item["backup"]),
            before=None if item["before"] is None else _text(item["before"]),
            after=_text(item["after"]),
        )
        for item in raw["files"]
    )
    for entry in entries:
        folder = entry.path.rpartition("/")[0]
        for name in (entry.temporary, entry.backup):
            if name is not None and (
                name.rpartition("/")[0] != folder or not name.endswith(TEMP_SUFFIX)
            ):
                raise ValueError(f"{name} is not a temporary of {entry.path}")
    return Journal(entries=entries, folders=tuple(_text(f) for f in raw["folders"]))


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{value!r} is not a path or digest")
    return value


def _inside(root: Path, rel: str) -> bool:
    if Path(rel).is_absolute() or ".." in rel.split("/"):
        return False
    return (root / rel).parent.resolve().is_relative_to(root)


def _state(path: Path) -> str | None:
    try:
        return digest(path.read_bytes())
    except FileNotFoundError:
        return None


def _can_roll_forward(root: Path, journal: Journal) -> bool:
    """Every file is fixed already, or as it was with a complete temporary."""
    for entry in journal.entries:
        now = _state(root / entry.path)
        if now == entry.after:
            continue
        if now != entry.before or _state(root / entry.temporary) != entry.after:
            return False
    return True


def _check_roll_back(root: Path, journal: Journal) -> None:
    """Every file is as it was, or fixed with its original in its backup."""
    if journal.state == "staged":  # no destination was touched
        return
    for entry in journal.entries:
        now = _state(root / entry.path)
        if now == entry.before:
            continue
        restorable = entry.backup is None or _state(root / entry.backup) == entry.before
        if now != entry.after or not restorable:
            raise RecoveryError(
                f"{entry.path} changed after a `readiness fix` was interrupted, so"
                f" {root / JOURNAL} can be neither finished nor undone; check the"
                " files it names, then remove it and its temporaries"
            )


def _roll_back(root: Path, journal: Journal, step: Step = no_steps) -> None:
    """Put every destination back as it was and remove what the journal made
    (each write step announced to ``step``, as ``recover: ...``)."""
    for entry in journal.entries:
        destination = root / entry.path
        if journal.state != "staged" and _state(destination) != entry.before:
            if entry.backup is None:
                step(f"recover: remove {entry.path}")
                destination.unlink(missing_ok=True)
            else:
                step(f"recover: restore {entry.path}")
                (root / entry.backup).replace(destination)
        if (root / entry.temporary).exists():
            step(f"recover: remove temporary {entry.path}")
            (root / entry.temporary).unlink(missing_ok=True)
        if entry.backup is not None and (root / entry.backup).exists():
            step(f"recover: remove backup {entry.path}")
            (root / entry.backup).unlink(missing_ok=True)
    _sync(root, journal)
    for folder in reversed(journal.folders):
        if (root / folder).is_dir():
            step(f"recover: remove folder {folder}")
            with contextlib.suppress(OSError):
                (root / folder).rmdir()
    step("recover: remove journal")
    (root / JOURNAL).unlink(missing_ok=True)
    sync_folder(root)
