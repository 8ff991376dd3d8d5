"""The one atomic writer: whole file or nothing, mode kept, no shared temporary."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from readiness.atomicio import (
    TEMP_SUFFIX,
    default_mode,
    write_atomic,
    write_text_atomic,
)


def test_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old")
    path.chmod(0o640)
    write_text_atomic(path, "new")
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o7777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_new_file_gets_the_default_mode_or_the_given_one(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a", b"a")
    assert (tmp_path / "a").stat().st_mode & 0o7777 == default_mode()
    write_atomic(tmp_path / "b", b"b", 0o600)
    assert (tmp_path / "b").stat().st_mode & 0o7777 == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lock.txt"
    path.write_text("old")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["lock.txt"]


def test_two_writers_of_one_path_never_share_a_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call stages its own file: the two audits writing one --out folder."""
    path = tmp_path / "readiness-report.json"
    staged: list[str] = []
    both_staged = threading.Barrier(2)
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        staged.append(Path(src).name)
        both_staged.wait(timeout=30)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    writers = [
        threading.Thread(target=write_text_atomic, args=(path, text))
        for text in ("first", "second")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert len(set(staged)) == 2
    assert all(name.endswith(TEMP_SUFFIX) for name in staged)
    assert path.read_text() in ("first", "second")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
