"""A git that answers nonsense is no proof of which files a repository holds.

Where readiness lists a target's files with git only to save work (the result
cache's index, the copy an environment installs from), a git that prints
nothing or half a list makes it walk the tree instead: a superset, so nothing
is left out. The fixture: a git repository with ``app/__init__.py`` and
``pyproject.toml`` committed, and git replaced by a stand-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from readiness import command
from readiness.cache import FileIndex
from readiness.environments import sources
from readiness.target import discover
from tests.faults import harness
from tests.faults.standins import Fault, install, running

FILES = {"app/__init__.py": "x = 1\n", "pyproject.toml": '[project]\nname = "app"\n'}


@pytest.mark.tools
@pytest.mark.parametrize("fault", [Fault.SILENT, Fault.TRUNCATED])
def test_a_git_in_doubt_makes_the_cache_index_and_the_install_copy_walk_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    """Before, a silent git left the cache's index empty, so a changed file did
    not change the key and a stale result could be reused."""
    root = harness.write_files(tmp_path / "repo", FILES)
    harness.commit(root)
    pids = tmp_path / "pids"
    install(tmp_path / "tools", "git", fault, pids)
    monkeypatch.setenv(command.TOOLS_DIR_ENV, str(tmp_path / "tools"))
    target = discover(root)

    def run(
        args: Sequence[str], *, ok_codes: Iterable[int] = (0,), record: bool = True
    ) -> command.Completed:
        del record
        return command.run(args, cwd=root, timeout_s=30, ok_codes=ok_codes)

    index = FileIndex.of(target)
    listed = sources.listed(target, run)

    assert sorted(index.hashes) == sorted(FILES)
    assert (sorted(listed.files), listed.in_git) == (sorted(FILES), False)
    assert running(pids) == []
