"""contenthash: a file's content hash is read once while its identity holds."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from readiness import contenthash
from readiness.contenthash import ContentHashes


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def later() -> int:
    """A clock past the racy window of every file written by the test."""
    return time.time_ns() + contenthash.SETTLED_NS


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose content was read."""
    seen: list[str] = []
    read_bytes = Path.read_bytes

    def counting(self: Path) -> bytes:
        seen.append(self.name)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return seen


def test_an_unchanged_file_is_read_once_and_a_changed_one_again(
    tmp_path: Path, reads: list[str]
) -> None:
    a = tmp_path / "a.py"
    a.write_text("x = 1\n", encoding="utf-8")
    hashes = ContentHashes(later)
    assert hashes.hash(a) == sha("x = 1\n")
    assert hashes.hash(a) == sha("x = 1\n")
    assert reads == ["a.py"]
    a.write_text("x = 2\n", encoding="utf-8")  # same size, new content
    assert hashes.hash(a) == sha("x = 2\n")
    assert reads == ["a.py", "a.py"]
    a.unlink()
    with pytest.raises(FileNotFoundError):
        hashes.hash(a)


def test_settled_hashes_are_kept_for_the_next_audit_racy_ones_are_not(
    tmp_path: Path, reads: list[str]
) -> None:
    """A file changed just now could change again within the clock's tick
    unseen: its hash serves this audit only (git's racily clean entries)."""
    old, new = tmp_path / "old.py", tmp_path / "new.py"
    old.write_text("old\n", encoding="utf-8")
    new.write_text("new\n", encoding="utf-8")
    while new.stat().st_ctime_ns <= old.stat().st_ctime_ns:  # the next clock tick
        new.write_text("new\n", encoding="utf-8")
    written = new.stat().st_ctime_ns
    # the clock when old.py had settled and new.py was just written
    first = ContentHashes(lambda: written + contenthash.SETTLED_NS - 1)
    first.hash(old)
    first.hash(new)
    first.hash(new)  # looked up again (the index, then an environment)
    memo = tmp_path / "memo" / contenthash.FILE
    first.save(memo, under=tmp_path)
    data = json.loads(memo.read_text(encoding="utf-8"))
    assert list(data["hashes"]) == [str(old)]

    second = ContentHashes(later)
    second.load(memo)
    assert second.hash(old) == sha("old\n")
    assert second.hash(new) == sha("new\n")
    assert reads == ["old.py", "new.py", "new.py"]


def test_only_the_files_under_the_target_that_were_looked_up_are_written(
    tmp_path: Path,
) -> None:
    target, other = tmp_path / "target", tmp_path / "target-other"
    for folder in (target, other):
        folder.mkdir()
        (folder / "a.py").write_text("a\n", encoding="utf-8")
    hashes = ContentHashes(later)
    hashes.hash(target / "a.py")
    hashes.hash(other / "a.py")
    memo = tmp_path / contenthash.FILE
    hashes.save(memo, under=target)
    assert list(json.loads(memo.read_text(encoding="utf-8"))["hashes"]) == [
        str(target / "a.py")
    ]
    written = memo.stat().st_mtime_ns
    again = ContentHashes(later)
    again.load(memo)
    again.hash(target / "a.py")
    again.save(memo, under=target)  # nothing new: not written again
    assert memo.stat().st_mtime_ns == written


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[:-5],  # cut
        lambda text: text.replace('"format": "1"', '"format": "0"'),  # old layout
        # an entry changed in place: valid JSON, checksum no longer matching
        lambda text: text.replace(sha("a\n"), sha("b\n")),
    ],
)
def test_a_damaged_memo_is_a_fresh_start(
    tmp_path: Path, reads: list[str], damage: object
) -> None:
    a = tmp_path / "a.py"
    a.write_text("a\n", encoding="utf-8")
    memo = tmp_path / "memo" / contenthash.FILE
    first = ContentHashes(later)
    first.hash(a)
    first.save(memo, under=tmp_path)
    assert callable(damage)
    memo.write_text(damage(memo.read_text(encoding="utf-8")), encoding="utf-8")
    second = ContentHashes(later)
    second.load(memo)
    assert second.hash(a) == sha("a\n")
    assert reads == ["a.py", "a.py"]


def test_a_memo_that_cannot_be_read_or_written_changes_nothing(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("a\n", encoding="utf-8")
    hashes = ContentHashes(later)
    hashes.load(tmp_path / "absent.json")
    assert hashes.hash(a) == sha("a\n")
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    hashes.save(blocked / contenthash.FILE, under=tmp_path)  # parent is a file
    assert blocked.read_text(encoding="utf-8") == ""
