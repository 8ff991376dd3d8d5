"""The project model from the build backend: static [project], else prepared."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from readiness import metadata
from readiness.metadata import Metadata, MetadataError

from .conftest import MakeRepo

# Plants: a setuptools project that declares everything in setup.cfg (like
# httpie): two dependencies, a ``test`` extra with a marker beside the extra,
# two console scripts, and no [project] table at all.
SETUP_CFG_PROJECT = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
    """,
    "setup.cfg": """
        [metadata]
        name = cfgapp
        version = 1.2.0

        [options]
        packages = find:
        python_requires = >=3.9
        install_requires =
            requests>=2.0
            click

        [options.extras_require]
        test =
            pytest>=7
            pytest-httpbin; python_version >= "3.8"

        [options.entry_points]
        console_scripts =
            cfg = cfgapp.cli:main
            cfg-admin = cfgapp.admin:main
    """,
    "cfgapp/__init__.py": "",
    "cfgapp/cli.py": "def main() -> None: ...\n",
}


def test_a_complete_static_project_needs_no_backend() -> None:
    assert metadata.static_complete({"name": "a", "dependencies": []})
    assert metadata.static_complete({"name": "a", "dynamic": ["version"]})
    assert not metadata.static_complete({"name": "a", "dynamic": ["dependencies"]})
    assert not metadata.static_complete({"dynamic": ["version"]})
    assert not metadata.static_complete({})


def test_backend_name() -> None:
    assert (
        metadata.backend_name({"build-system": {"build-backend": "hatchling.build"}})
        == "hatchling.build"
    )
    assert metadata.backend_name({}) == "setuptools.build_meta:__legacy__"


def test_requires_dist_split_into_dependencies_and_extras() -> None:
    dependencies, extras = metadata.split_requires(
        [
            "requests>=2.0",
            'tomli; python_version < "3.11"',
            'pytest>=7; extra == "test"',
            'pytest-httpbin; python_version >= "3.8" and extra == "test"',
            'sphinx; extra == "docs"',
        ],
        ["test", "docs", "empty"],
    )
    assert dependencies == ("requests>=2.0", 'tomli; python_version < "3.11"')
    assert extras == {
        "test": ("pytest>=7", 'pytest-httpbin; python_version >= "3.8"'),
        "docs": ("sphinx",),
        "empty": (),
    }


def test_a_cached_result_is_used_while_the_backend_inputs_are_unchanged(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo({"setup.py": "raise SystemExit('never run')\n"})
    cached = Metadata(
        name="cached",
        requires_python=None,
        dependencies=("six",),
        extras={"test": ("pytest",)},
        scripts={"c": "cached:main"},
        source="setuptools.build_meta:__legacy__ (prepared metadata)",
    )
    path = tmp_path / "cache" / "metadata" / f"{metadata.input_hash(root)}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(metadata._to_json(cached)), encoding="utf-8")
    assert metadata.prepared(root, {}, cache_root=tmp_path / "cache") == cached


@pytest.mark.tools
def test_setup_cfg_metadata_comes_from_setuptools_and_leaves_no_trace(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(SETUP_CFG_PROJECT)
    before = sorted(os.walk(root))
    got = metadata.prepared(
        root,
        {"build-system": {"build-backend": "setuptools.build_meta"}},
        cache_root=tmp_path / "cache",
    )
    assert got == Metadata(
        name="cfgapp",
        requires_python=">=3.9",
        dependencies=("requests>=2.0", "click"),
        extras={
            "test": ("pytest>=7", 'pytest-httpbin; python_version >= "3.8"'),
        },
        scripts={"cfg": "cfgapp.cli:main", "cfg-admin": "cfgapp.admin:main"},
        source="setuptools.build_meta (prepared metadata)",
    )
    assert sorted(os.walk(root)) == before  # no egg-info, no build/ in the tree
    cached = list((tmp_path / "cache" / "metadata").iterdir())
    assert [path.name for path in cached] == [f"{metadata.input_hash(root)}.json"]


@pytest.mark.tools
def test_a_backend_failure_names_its_root_cause(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(
        {
            "setup.py": """
                from setuptools import setup
                open("src/_speedups.pyx").read()
                setup(name="broken", version="1")
            """,
        }
    )
    with pytest.raises(MetadataError) as failed:
        metadata.prepared(root, {}, cache_root=tmp_path / "cache")
    assert str(failed.value) == (
        "the build backend (setuptools.build_meta:__legacy__) could not prepare the"
        " metadata: FileNotFoundError: [Errno 2] No such file or directory:"
        " 'src/_speedups.pyx'"
    )
