"""repofiles.walk and unsafe_links: what a tree walk visits, in which order."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from readiness.repofiles import unsafe_links, walk


def files(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")


def test_each_folder_sorted_before_its_sub_folders_and_pruned_ones_skipped(
    tmp_path: Path,
) -> None:
    files(
        tmp_path,
        "b.py",
        "a.py",
        "z/inner.py",
        "m/deeper/x.py",
        "m/y.py",
        ".git/config",
        "node_modules/p.js",
        "pkg.egg-info/PKG-INFO",
        "env/pyvenv.cfg",
        "env/lib.py",
        "docs/skip.md",
    )
    (tmp_path / "link.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "folder-link").symlink_to(tmp_path / "m")
    (tmp_path / "outside.py").symlink_to(Path(sys.executable))
    assert list(walk(tmp_path, ("docs",))) == [
        "a.py",
        "b.py",
        "link.py",
        "m/y.py",
        "m/deeper/x.py",
        "z/inner.py",
    ]
    assert unsafe_links(tmp_path) == ("outside.py",)


def test_a_tree_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    deep = "/".join(["d"] * 200)
    files(tmp_path, f"{deep}/bottom.py", "top.py")
    (tmp_path / deep / "loop").symlink_to("loop")
    # a recursive walk would need a frame per folder: leave it far fewer
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)
    try:
        walked = list(walk(tmp_path))
        links = unsafe_links(tmp_path)
    finally:
        sys.setrecursionlimit(before)
    assert walked == ["top.py", f"{deep}/bottom.py"]
    assert links == (f"{deep}/loop",)
