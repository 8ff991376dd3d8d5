"""installed: distribution versions from ``.dist-info`` names, as importlib.metadata."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from readiness import installed


@pytest.fixture
def fresh() -> Iterator[None]:
    """A fresh listing in each test, and none of its folders left for the next."""
    installed._listed.cache_clear()
    yield
    installed._listed.cache_clear()


def dist_info(folder: Path, name: str) -> None:
    (folder / name).mkdir(parents=True)


@pytest.mark.usefixtures("fresh")
def test_versions_come_from_dist_info_names_the_first_path_winning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    dist_info(first, "Some_Tool-1.2.0.dist-info")
    dist_info(second, "some_tool-9.9.dist-info")
    dist_info(second, "other.pkg-0.3.1.dist-info")
    dist_info(second, "not_a_dist-info")
    monkeypatch.setattr(
        sys, "path", [str(first), str(tmp_path / "absent"), str(second)]
    )
    assert installed.version("some-tool") == "1.2.0"
    assert installed.version("Some.Tool") == "1.2.0"
    assert installed.version("other-pkg") == "0.3.1"
    assert installed.version("nothing-here") is None


@pytest.mark.usefixtures("fresh")
def test_a_name_not_listed_is_asked_of_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ``.egg-info`` install has no ``.dist-info`` folder to list."""
    egg = tmp_path / "legacy_pkg-2.0-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: legacy-pkg\nVersion: 2.0\n", encoding="utf-8"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert installed.version("legacy-pkg") == "2.0"


@pytest.mark.usefixtures("fresh")
def test_it_agrees_with_importlib_metadata_on_this_environment() -> None:
    names = {dist.metadata["Name"] for dist in metadata.distributions()}
    assert "readiness" in names
    assert {n: installed.version(n) for n in names} == {
        n: metadata.version(n) for n in names
    }
