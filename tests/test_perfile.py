"""Per-file memo: the whole tool when a file appears, else only changed files."""

from __future__ import annotations

import json
from pathlib import Path

from readiness.perfile import PerFileMemo, Plan, python_files, tool_key

from .conftest import MakeRepo

FILES = {"a.py": "x = 1\n", "pkg/b.py": "y = 2\n", ".venv/c.py": "", "README.md": ""}


def memo(root: Path, folder: Path | None, key: str = "black 24") -> PerFileMemo:
    return PerFileMemo(folder, tool_key=key, root=root)


def test_python_files_skip_environments(make_repo: MakeRepo) -> None:
    assert sorted(python_files(make_repo(FILES))) == ["a.py", "pkg/b.py"]


def test_first_run_is_full_then_only_changed_files_rerun(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root, folder = make_repo(FILES), tmp_path / "memo"
    assert memo(root, folder).plan() == Plan(full=True)
    memo(root, folder).save({"a.py": "reformat", "pkg/b.py": "ok"})
    assert memo(root, folder).plan() == Plan(
        full=False, rerun=(), reused={"a.py": "reformat", "pkg/b.py": "ok"}
    )
    (root / "a.py").write_text("x = 2\n")
    assert memo(root, folder).plan() == Plan(
        full=False, rerun=("a.py",), reused={"pkg/b.py": "ok"}
    )
    (root / "pkg/b.py").unlink()
    assert memo(root, folder).plan() == Plan(full=False, rerun=("a.py",), reused={})


def test_a_new_file_or_another_setup_is_a_full_run(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root, folder = make_repo(FILES), tmp_path / "memo"
    memo(root, folder).save({"a.py": "ok", "pkg/b.py": "ok"})
    assert memo(root, folder, key="black 25").plan() == Plan(full=True)
    (root / "new.py").write_text("z = 3\n")
    assert memo(root, folder).plan() == Plan(full=True)


def test_no_folder_no_memory_and_a_damaged_state_is_a_full_run(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(FILES)
    memo(root, None).save({"a.py": "ok"})
    assert memo(root, None).plan() == Plan(full=True)
    folder = tmp_path / "memo"
    folder.mkdir()
    (folder / "perfile.json").write_text("{oops")
    assert memo(root, folder).plan() == Plan(full=True)
    (folder / "perfile.json").write_text('{"tool_key": "black 24", "seen": []}')
    assert memo(root, folder).plan() == Plan(full=True)


def test_a_state_changed_in_place_is_a_full_run(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Valid JSON whose content no longer matches its checksum (a damaged
    entry: a remembered result of the wrong shape would end the gate)."""
    root, folder = make_repo(FILES), tmp_path / "memo"
    memo(root, folder).save({"a.py": {"status": "ok"}, "pkg/b.py": {"status": "ok"}})
    assert not memo(root, folder).plan().full
    state = json.loads((folder / "perfile.json").read_text())
    state["results"]["a.py"] = "damaged"
    (folder / "perfile.json").write_text(json.dumps(state))
    assert memo(root, folder).plan() == Plan(full=True)


def test_tool_key_is_stable_and_sensitive() -> None:
    assert tool_key("black", "24.1", "cfg") == tool_key("black", "24.1", "cfg")
    assert tool_key("black", "24.1", "cfg") != tool_key("black", "24.2", "cfg")
    assert len(tool_key("x")) == 24
