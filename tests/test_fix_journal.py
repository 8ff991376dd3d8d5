"""The fix journal: its phases, its recovery, and SIGKILL at every write step.

The fixture (:func:`plant`) plants four files and :data:`CHILD` applies two
fixers' edits through a real :class:`Workspace`: the first edits ``a.txt``
(CRLF, mode 0640) and creates ``new/dir/b.txt`` in two new folders, the second
edits ``c.py`` and ``d.cfg``; ``e.txt`` is never touched.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import signal
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from readiness.cli import main
from readiness.errors import UsageError
from readiness.findings import Priority
from readiness.fixers import engine, journal
from readiness.fixers.interface import FileEdit, FixError
from readiness.fixers.workspace import Workspace
from readiness.fixresults import FixRequest

ORIGINAL = {
    "pyproject.toml": b'[project]\nname = "app"\n',
    "a.txt": b"[x]\r\nkey = 1\r\n",
    "c.py": b"import x\n",
    "d.cfg": b"[d]\n",
    "e.txt": b"untouched\n",
}
FIRST = {"a.txt": b"[x]\r\nkey = 1\r\nmore = 2\r\n", "new/dir/b.txt": b"created\n"}
SECOND = {"c.py": b"import x\nimport y\n", "d.cfg": b"[d]\nkey = 2\n"}
#: The write steps of the two fixers, in order (what the hook is told).
STEPS = [
    "journal",
    "folder new",
    "folder new/dir",
    "temporary a.txt",
    "temporary new/dir/b.txt",
    "backup a.txt",
    "commit",
    "rename a.txt",
    "rename new/dir/b.txt",
    "remove backup a.txt",
    "remove journal",
    "journal",
    "temporary c.py",
    "temporary d.cfg",
    "backup c.py",
    "backup d.cfg",
    "commit",
    "rename c.py",
    "rename d.cfg",
    "remove backup c.py",
    "remove backup d.cfg",
    "remove journal",
]
CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from readiness.fixers.interface import FileEdit
    from readiness.fixers.workspace import Workspace

    ws = Workspace(Path(sys.argv[1]), dry_run=False)
    a = ws.read("a.txt")
    ws.apply([
        FileEdit(path="a.txt", before=a, after=a + "more = 2\\n"),
        FileEdit(path="new/dir/b.txt", before=None, after="created\\n"),
    ])
    c, d = ws.read("c.py"), ws.read("d.cfg")
    ws.apply([
        FileEdit(path="c.py", before=c, after=c + "import y\\n"),
        FileEdit(path="d.cfg", before=d, after=d + "key = 2\\n"),
    ])
    """)


class Stop(BaseException):
    """Ends a commit at a step the way a kill would: nothing after it runs."""


def plant(root: Path) -> Path:
    root.mkdir(exist_ok=True)
    for name, data in ORIGINAL.items():
        (root / name).write_bytes(data)
    (root / "a.txt").chmod(0o640)
    return root.resolve()


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (folders included as empty markers)."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        found[rel + "/" if path.is_dir() else rel] = (
            b"" if path.is_dir() else path.read_bytes()
        )
    return found


def state(first: bool, second: bool) -> dict[str, bytes]:  # noqa: FBT001
    files = dict(ORIGINAL)
    if first:
        files |= FIRST | {"new/": b"", "new/dir/": b""}
    if second:
        files |= SECOND
    return dict(sorted(files.items()))


def apply_both(root: Path, step: journal.Step) -> None:
    """What :data:`CHILD` does, in process."""
    ws = Workspace(root, dry_run=False, step=step)
    a = ws.read("a.txt")
    ws.apply(
        [
            FileEdit(path="a.txt", before=a, after=a + "more = 2\n"),
            FileEdit(path="new/dir/b.txt", before=None, after="created\n"),
        ]
    )
    c, d = ws.read("c.py"), ws.read("d.cfg")
    ws.apply(
        [
            FileEdit(path="c.py", before=c, after=c + "import y\n"),
            FileEdit(path="d.cfg", before=d, after=d + "key = 2\n"),
        ]
    )


def stop_at(n: int, seen: list[str] | None = None) -> journal.Step:
    count = [0]

    def step(description: str) -> None:
        if seen is not None:
            seen.append(description)
        count[0] += 1
        if count[0] - 1 == n:
            raise Stop(description)

    return step


# --- phases ----------------------------------------------------------------


def test_a_commit_announces_every_write_step_and_leaves_only_the_fix(
    tmp_path: Path,
) -> None:
    root = plant(tmp_path / "repo")
    seen: list[str] = []
    apply_both(root, seen.append)
    assert seen == STEPS
    assert tree(root) == state(first=True, second=True)
    assert stat.S_IMODE((root / "a.txt").stat().st_mode) == 0o640


def test_before_the_commit_the_journal_lists_complete_temporaries_and_backups(
    tmp_path: Path,
) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop, match=r"^commit$"):
        apply_both(root, stop_at(STEPS.index("commit")))
    staged = journal.read(root)
    assert staged is not None
    assert staged.state == "staged"
    assert staged.folders == ("new", "new/dir")
    a, b = staged.entries
    assert (a.path, b.path, b.backup, b.before) == (
        "a.txt",
        "new/dir/b.txt",
        None,
        None,
    )
    assert (root / a.temporary).read_bytes() == FIRST["a.txt"]
    assert stat.S_IMODE((root / a.temporary).stat().st_mode) == 0o640
    assert a.backup is not None
    assert (root / a.backup).samefile(root / "a.txt")  # a hard link: no copy
    assert (root / b.temporary).read_bytes() == FIRST["new/dir/b.txt"]
    assert (root / "a.txt").read_bytes() == ORIGINAL["a.txt"]  # untouched so far


def test_after_the_commit_the_journal_says_so(tmp_path: Path) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("rename new/dir/b.txt")))
    committed = journal.read(root)
    assert committed is not None
    assert committed.state == "committed"
    assert (root / "a.txt").read_bytes() == FIRST["a.txt"]
    assert not (root / "new/dir/b.txt").exists()


def test_an_uncommitted_journal_is_rolled_back(tmp_path: Path) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("commit")))
    recovered = journal.recover(root)
    assert recovered == journal.Recovery(
        direction="back", files=("a.txt", "new/dir/b.txt")
    )
    assert recovered.describe() == (
        "readiness: an interrupted fix was rolled back: 2 files left as they were"
        " (a.txt, new/dir/b.txt)"
    )
    assert tree(root) == state(first=False, second=False)
    assert journal.recover(root) is None  # nothing left to recover


def test_a_committed_journal_is_rolled_forward(tmp_path: Path) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("rename d.cfg")))
    recovered = journal.recover(root)
    assert recovered is not None
    assert recovered.describe() == (
        "readiness: an interrupted fix was rolled forward: 2 files fixed"
        " (c.py, d.cfg); review with git diff"
    )
    assert tree(root) == state(first=True, second=True)


def test_a_journal_killed_while_being_written_is_removed(tmp_path: Path) -> None:
    root = plant(tmp_path / "repo")
    (root / journal.JOURNAL).write_text('{"schema": "readiness-jou')
    assert journal.recover(root) == journal.Recovery(direction="back", files=())
    assert tree(root) == state(first=False, second=False)


def test_a_committed_journal_missing_a_temporary_is_rolled_back_from_the_backups(
    tmp_path: Path,
) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("rename d.cfg", 12)))
    committed = journal.read(root)
    assert committed is not None
    (root / committed.entries[1].temporary).unlink()  # d.cfg's, deleted by hand
    recovered = journal.recover(root)
    assert recovered is not None
    assert recovered.direction == "back"
    assert tree(root) == state(first=True, second=False)


def test_a_failed_rename_marks_the_journal_aborted_and_puts_files_back(
    tmp_path: Path,
) -> None:
    root = plant(tmp_path / "repo")
    seen: list[str] = []

    def fail_second_rename(description: str) -> None:
        seen.append(description)
        if description == "rename new/dir/b.txt":
            raise OSError(5, "Input/output error")

    with pytest.raises(FixError, match=r"^new/dir/b\.txt: cannot be written"):
        apply_both(root, fail_second_rename)
    assert tree(root) == state(first=False, second=False)
    assert seen[-1] == "rename new/dir/b.txt"


def test_a_file_edited_after_the_kill_stops_the_recovery(tmp_path: Path) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("rename d.cfg", 12)))
    (root / "d.cfg").write_bytes(b"someone's edit\n")
    before = tree(root)
    with pytest.raises(journal.RecoveryError, match=r"d\.cfg changed after"):
        journal.recover(root)
    assert tree(root) == before  # nothing touched


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('{"schema": "other"}', "is not a journal readiness wrote"),
        (
            (
                '{"schema": "readiness-journal/1", "folders": [], "files": [{"path":'
                ' "../x", "temporary": "../.x.1.new.readiness-tmp", "backup": null,'
                ' "before": null, "after": "0"}]}'
            ),
            r"names \.\./x, outside the target",
        ),
    ],
)
def test_a_journal_readiness_did_not_write_is_refused(
    tmp_path: Path, header: str, message: str
) -> None:
    root = plant(tmp_path / "repo")
    (root / journal.JOURNAL).write_text(header + "\ncommit\n")
    with pytest.raises(journal.RecoveryError, match=message):
        journal.recover(root)
    assert (root / journal.JOURNAL).exists()


def test_a_journal_in_the_way_stops_the_next_commit(tmp_path: Path) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("commit")))
    ws = Workspace(root, dry_run=False)
    c = ws.read("c.py")
    with pytest.raises(FixError, match=r"interrupted fix's journal .* is in the way"):
        ws.apply([FileEdit(path="c.py", before=c, after="x\n")])


def test_audit_and_dry_run_refuse_a_journal_and_fix_recovers_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("rename new/dir/b.txt")))
    refusal = (
        f"readiness: error: {root}/.readiness-journal: a `readiness fix` was"
        f" interrupted while writing; run `readiness fix {root} --priority P0`"
        " to finish or undo it first\n"
    )
    assert main(["audit", str(root), "--gate", "markers"]) == 2
    assert capsys.readouterr().err == refusal
    assert main(["fix", str(root), "--priority", "P0", "--dry-run"]) == 2
    assert capsys.readouterr().err == refusal
    # The recovery comes first; then the fix stops at the tree outside git.
    assert main(["fix", str(root), "--priority", "P0"]) == 2
    out, err = capsys.readouterr()
    assert out == (
        "readiness: an interrupted fix was rolled forward: 2 files fixed"
        " (a.txt, new/dir/b.txt); review with git diff\n"
    )
    assert "is not in a git work tree" in err
    assert tree(root) == state(first=True, second=False)


def test_refuse_pending_is_silent_without_a_journal(tmp_path: Path) -> None:
    journal.refuse_pending(tmp_path / "missing")
    journal.refuse_pending(plant(tmp_path / "repo"))
    (tmp_path / "repo" / journal.JOURNAL).write_text("")
    with pytest.raises(UsageError, match="was interrupted while writing"):
        journal.refuse_pending(tmp_path / "repo")


def test_the_seam_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(journal.KILL_ENV, raising=False)
    assert journal.hook_from_environment() is journal.no_steps
    monkeypatch.setenv(journal.KILL_ENV, "not a number")
    assert journal.hook_from_environment() is journal.no_steps


# --- SIGKILL at every write step ------------------------------------------


def test_sigkill_at_every_write_step_leaves_original_or_fixed_files(
    tmp_path: Path,
) -> None:
    """A real child process applies both fixers with the kill seam set to N,
    for every N; after recovery each fixer's files are all original or all
    fixed, none truncated, no temporary or journal left."""
    outcomes: list[tuple[int, str, bool, bool]] = []
    for n in range(len(STEPS) + 1):
        root = plant(tmp_path / f"kill-{n}")
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(root)],
            env=os.environ | {journal.KILL_ENV: str(n)},
            capture_output=True,
            check=False,
        )
        if n == len(STEPS):
            assert child.returncode == 0, child.stderr
            assert tree(root) == state(first=True, second=True)
            break
        assert child.returncode == -signal.SIGKILL, child.stderr
        recovered = journal.recover(root)  # None: killed before a journal existed
        files = tree(root)
        first, second = files.get("new/dir/b.txt") is not None, files["c.py"] != (
            ORIGINAL["c.py"]
        )
        assert files == state(first=first, second=second), STEPS[n]
        outcomes.append((n, recovered.direction if recovered else "", first, second))
    # Before a fixer's commit: rolled back; from its commit on: rolled forward.
    commits = [i for i, step in enumerate(STEPS) if step == "commit"]
    journals = [i for i, step in enumerate(STEPS) if step == "journal"]
    assert len(outcomes) == len(STEPS)
    for n, direction, first, second in outcomes:
        assert first == (n > commits[0])
        assert second == (n > commits[1])
        fixer = 0 if n < journals[1] else 1
        if n == journals[fixer]:
            expected = ""
        else:
            expected = "forward" if n > commits[fixer] else "back"
        assert direction == expected, STEPS[n]


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    """While another process holds the root's lock, neither a commit nor a
    recovery touches anything."""
    root = plant(tmp_path / "repo")
    holder = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        change = journal.Change(path="c.py", data=b"x\n", mode=0o644, previous=b"")
        with pytest.raises(FixError, match="another readiness fix is writing in"):
            journal.commit(root, [change])
        (root / journal.JOURNAL).write_text("")
        with pytest.raises(journal.RecoveryError, match="another readiness fix"):
            journal.recover(root)
    finally:
        os.close(holder)
    assert (root / journal.JOURNAL).exists()
    assert (root / "c.py").read_bytes() == ORIGINAL["c.py"]


# --- SIGKILL during the recovery itself -----------------------------------

#: A recovery in a child process, with the kill seam set by the caller.
RECOVER = (
    "import sys\n"
    "from readiness.fixers import journal\n"
    "journal.recover(sys.argv[1])\n"
)


def test_sigkill_at_every_write_step_of_a_recovery_then_a_second_one_finishes(
    tmp_path: Path,
) -> None:
    """For every write step N of the fix (stopped there in process: what a
    kill leaves on disk) and every write step M of the recovery that follows
    (a real child killed by the seam), a second recovery finishes: each
    fixer's files all original or all fixed, as an unkilled recovery leaves
    them, no temporary, backup, folder or journal left."""
    commits = [i for i, step in enumerate(STEPS) if step == "commit"]
    killed = 0
    for n in range(len(STEPS)):
        expected = state(first=n > commits[0], second=n > commits[1])
        for m in itertools.count():
            root = plant(tmp_path / f"kill-{n}-{m}")
            with pytest.raises(Stop):
                apply_both(root, stop_at(n))
            child = subprocess.run(  # nosec B603: the interpreter, list arguments
                [sys.executable, "-c", RECOVER, str(root)],
                env=os.environ | {journal.KILL_ENV: str(m)},
                capture_output=True,
                check=False,
                timeout=60,
            )
            if child.returncode == 0:  # the recovery has fewer than m + 1 steps
                assert tree(root) == expected, (STEPS[n], m)
                break
            assert child.returncode == -signal.SIGKILL, child.stderr
            assert journal.pending(root), (STEPS[n], m)
            killed += 1
            journal.recover(root, journal.no_steps)
            assert tree(root) == expected, (STEPS[n], m)
    # each interrupted fix's recovery has at least one step (its journal)
    assert killed >= len(STEPS) - 1


def test_recovery_announces_its_steps(tmp_path: Path) -> None:
    """Rolled back after the first fixer's backup; rolled forward after its
    first rename."""
    root = plant(tmp_path / "back")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("commit")))
    seen: list[str] = []
    journal.recover(root, seen.append)
    assert seen == [
        "recover: remove temporary a.txt",
        "recover: remove backup a.txt",
        "recover: remove temporary new/dir/b.txt",
        "recover: remove folder new/dir",
        "recover: remove folder new",
        "recover: remove journal",
    ]
    root = plant(tmp_path / "forward")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("rename new/dir/b.txt")))
    seen.clear()
    journal.recover(root, seen.append)
    assert seen == [
        "recover: rename new/dir/b.txt",
        "recover: remove backup a.txt",
        "recover: remove journal",
    ]


def test_engine_fix_recovers_whoever_calls_it(tmp_path: Path) -> None:
    """``engine.fix`` called directly (not through the command line) rolls
    an interrupted journal forward before anything else; a dry run refuses
    it and leaves the tree as the kill left it."""
    root = plant(tmp_path / "repo")
    with pytest.raises(Stop):
        apply_both(root, stop_at(STEPS.index("rename new/dir/b.txt")))
    left = tree(root)
    dry = FixRequest(path=str(root), priority=Priority.P0, dry_run=True)
    with pytest.raises(UsageError, match="was interrupted while writing"):
        engine.fix(dry, now=datetime.now(UTC))
    assert tree(root) == left
    real = FixRequest(path=str(root), priority=Priority.P0)
    with pytest.raises(engine.DirtyTree, match="is not in a git work tree"):
        engine.fix(real, now=datetime.now(UTC))
    assert tree(root) == state(first=True, second=False)
