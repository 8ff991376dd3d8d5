"""The workspace: atomic writes, refusals, rollback, line maps, git-compatible diffs."""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.fixers.interface import FileEdit, FixError
from readiness.fixers.text import insertions, keep_line_endings, line_map, unified_diff
from readiness.fixers.workspace import Workspace


def write(root: Path, name: str, data: bytes, mode: int = 0o644) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)
    return path


def edit(ws: Workspace, name: str, change: str = "new line\n") -> FileEdit:
    before = ws.read(name)
    return FileEdit(path=name, before=before, after=before + change)


def test_writes_atomically_keeping_mode_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "a.cfg", b"[x]\r\nkey = 1\r\n", 0o640)
    ws = Workspace(tmp_path, dry_run=False)
    ws.apply([edit(ws, "a.cfg", "more = 2\n")])
    assert path.read_bytes() == b"[x]\r\nkey = 1\r\nmore = 2\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.cfg"]  # no temp left
    assert ws.changed() == ["a.cfg"]


def test_a_dry_run_writes_nothing_but_the_next_fixer_sees_the_edit(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "a.txt", b"one\n")
    ws = Workspace(tmp_path, dry_run=True)
    ws.apply([edit(ws, "a.txt", "two\n")])
    assert path.read_bytes() == b"one\n"
    assert ws.read("a.txt") == "one\ntwo\n"
    assert ws.diff() == (
        "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n"
        "@@ -1 +1,2 @@\n one\n+two\n"
    )


def test_a_read_only_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"one\n", 0o444)
    ws = Workspace(tmp_path, dry_run=False)
    with pytest.raises(FixError, match=r"a\.txt is read-only; nothing written"):
        ws.apply([edit(ws, "a.txt")])
    assert path.read_bytes() == b"one\n"
    assert ws.changed() == []


def test_a_file_changed_after_it_was_read_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"one\n")
    ws = Workspace(tmp_path, dry_run=False)
    planned = edit(ws, "a.txt")
    path.write_bytes(b"someone else's\n")
    with pytest.raises(FixError, match="changed by someone else after readiness read"):
        ws.apply([planned])
    assert path.read_bytes() == b"someone else's\n"


def test_a_file_changed_between_fixers_is_noticed(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"one\n")
    ws = Workspace(tmp_path, dry_run=False)
    ws.apply([edit(ws, "a.txt")])
    path.write_bytes(b"edited meanwhile\n")
    with pytest.raises(FixError, match="changed by someone else while readiness ran"):
        ws.read("a.txt")


def test_a_failed_write_puts_back_the_files_already_written(tmp_path: Path) -> None:
    first = write(tmp_path, "a.txt", b"a\n")
    second = write(tmp_path, "b.txt", b"b\n")
    steps: list[str] = []

    def refuse_b(description: str) -> None:
        steps.append(description)
        if description == "rename b.txt":
            raise PermissionError(13, "Permission denied")

    ws = Workspace(tmp_path, dry_run=False, step=refuse_b)
    edits = [edit(ws, "a.txt"), edit(ws, "b.txt")]
    with pytest.raises(FixError, match=r"b\.txt: cannot be written"):
        ws.apply(edits)
    assert steps[-2:] == ["rename a.txt", "rename b.txt"]  # a.txt was replaced
    assert first.read_bytes() == b"a\n"
    assert second.read_bytes() == b"b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_creating_a_file_creates_its_folders_only_when_writing(tmp_path: Path) -> None:
    edit = FileEdit(path="constraints/sub/prod.txt", before=None, after="a\n")
    dry = Workspace(tmp_path, dry_run=True)
    dry.apply([edit])
    assert not (tmp_path / "constraints").exists()
    Workspace(tmp_path, dry_run=False).apply([edit])
    assert (tmp_path / "constraints/sub/prod.txt").read_text() == "a\n"
    (tmp_path / "blocker").write_text("a file")
    with pytest.raises(FixError, match="cannot be read: Not a directory"):
        Workspace(tmp_path, dry_run=False).apply(
            [FileEdit(path="blocker/x.txt", before=None, after="a\n")]
        )


def test_creating_a_file_in_an_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "constraints").mkdir()
    ws = Workspace(tmp_path, dry_run=False)
    ws.apply([FileEdit(path="constraints/prod.txt", before=None, after="a==1\n")])
    assert (tmp_path / "constraints/prod.txt").read_text() == "a==1\n"
    assert ws.diff().startswith(
        "diff --git a/constraints/prod.txt b/constraints/prod.txt\n"
        "new file mode 100644\n--- /dev/null\n+++ b/constraints/prod.txt\n"
        "@@ -0,0 +1 @@\n+a==1\n"
    )
    with pytest.raises(FixError, match="tried to create a file that exists"):
        Workspace(tmp_path, dry_run=False).read_absent("constraints/prod.txt")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("latin.txt", b"caf\xe9\n", "is not UTF-8"),
        ("missing.txt", None, "does not exist"),
    ],
)
def test_unreadable_files(
    tmp_path: Path, name: str, data: bytes | None, reason: str
) -> None:
    if data is not None:
        write(tmp_path, name, data)
    with pytest.raises(FixError, match=reason):
        Workspace(tmp_path, dry_run=True).read(name)


def test_paths_outside_the_target_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("x\n")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    ws = Workspace(root, dry_run=True)
    with pytest.raises(FixError, match="lies outside the target"):
        ws.read("link.txt")
    with pytest.raises(FixError, match="is not a regular file"):
        ws.read(".")


def test_the_edit_must_start_from_the_current_text(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", b"one\n")
    ws = Workspace(tmp_path, dry_run=True)
    ws.read("a.txt")
    with pytest.raises(FixError, match="not made on the file's current text"):
        ws.apply([FileEdit(path="a.txt", before="other\n", after="x\n")])


def test_line_map_follows_insertions_and_drops_edited_lines(tmp_path: Path) -> None:
    assert line_map("a\nb\nc\n", "new\na\nB\nc\n") == [2, None, 4]
    write(tmp_path, "m.py", b"a\nb\nc\n")
    ws = Workspace(tmp_path, dry_run=True)
    assert ws.line("m.py", 2) == 2
    ws.apply([FileEdit(path="m.py", before=ws.read("m.py"), after="x\na\nb\nc\n")])
    assert [ws.line("m.py", n) for n in (1, 2, 3, 4)] == [2, 3, 4, None]


def test_keep_line_endings() -> None:
    assert keep_line_endings("a\r\nb\r\n", "a\r\nb\nc\n") == "a\r\nb\r\nc\r\n"
    assert keep_line_endings("a\r\nb\n", "x\n") == "x\n"  # mixed: left alone
    assert keep_line_endings("a\n", "x\n") == "x\n"


def test_unified_diff_marks_a_missing_final_newline() -> None:
    assert unified_diff("f", "a\nb", "a\nc") == (
        "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n"
        "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
    )
    assert unified_diff("f", "same\n", "same\n") == ""


LINES = st.lists(
    st.sampled_from(["a", "b", "c", "d", "", "  x = 1", "é", "tab\t", "cr\r"]),
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    before=LINES,
    after=LINES,
    end_before=st.booleans(),
    end_after=st.booleans(),
)
def test_git_apply_accepts_the_diff(
    tmp_path: Path,
    before: list[str],
    after: list[str],
    end_before: bool,  # noqa: FBT001 - drawn by hypothesis
    end_after: bool,  # noqa: FBT001 - drawn by hypothesis
) -> None:
    old = "\n".join(before) + ("\n" if end_before and before else "")
    new = "\n".join(after) + ("\n" if end_after and after else "")
    patch = unified_diff("f.txt", old, new)
    if old == new:
        assert patch == ""
        return
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "f.txt").write_bytes(old.encode())
    (folder / "p.diff").write_bytes(patch.encode())
    subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "p.diff"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    assert (folder / "f.txt").read_bytes() == new.encode()


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file away")
def test_the_owner_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"one\n")
    os.chown(path, 1234, 1234)
    ws = Workspace(tmp_path, dry_run=False)
    ws.apply([edit(ws, "a.txt")])
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 1234)


def test_insertions_falls_back_to_a_subsequence_match() -> None:
    assert insertions("abc", "abd") is None
    assert insertions("abc", "ab") is None
    assert insertions("abc", "xaybzc!") == [(0, "x"), (1, "y"), (2, "z"), (3, "!")]
    # lines that align badly (a blank line matched too early) still count
    before = "import x\nrun(d)\n\n"
    after = "import x\n\n\ndef h():\n    run = 1\n\n\nrun(d, m=h())\n\n"
    pieces = insertions(before, after)
    assert pieces is not None
    assert sum(len(text) for _, text in pieces) == len(after) - len(before)
