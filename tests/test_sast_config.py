"""The target's bandit configuration, read as bandit reads it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from readiness.sast_config import DEFAULT_SKIPS, BanditSetup, read

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo


def setup_of(
    make_repo: MakeRepo, files: Mapping[str, str], tool: Mapping[str, Any]
) -> BanditSetup:
    root: Path = make_repo({"README.md": "", **files})
    return read(root, tool)


def test_no_configuration_means_readiness_defaults(make_repo: MakeRepo) -> None:
    setup = setup_of(make_repo, {"setup.cfg": "[metadata]\nname = app\n"}, {})

    assert setup == BanditSetup()
    assert setup.default_skips == DEFAULT_SKIPS
    assert setup.scope({"B404": 2, "B603": 0, "B403": 1}) == (
        "readiness's default skips: B403, B404, B405, B406, B407, B408, B409,"
        " B410, B603 (the target's bandit configuration sets none); left out:"
        " B403 1, B404 2"
    )
    assert setup.scope({}).endswith("left out: none")


def test_a_configuration_without_tests_or_skips_keeps_the_defaults(
    make_repo: MakeRepo,
) -> None:
    """``exclude_dirs`` alone chooses no tests: the defaults still apply."""
    setup = setup_of(make_repo, {}, {"bandit": {"exclude_dirs": ["tests"]}})

    assert setup.args == ("-c", "pyproject.toml")
    assert not setup.selects
    assert setup.default_skips == DEFAULT_SKIPS


def test_an_empty_skips_list_is_the_targets_choice(make_repo: MakeRepo) -> None:
    setup = setup_of(make_repo, {}, {"bandit": {"skips": []}})

    assert setup.selects
    assert setup.default_skips == {}
    assert setup.scope({}) == (
        "bandit's tests as the target's configuration selects them"
        " (pyproject.toml [tool.bandit]): skips none"
    )


def test_tests_and_skips_are_the_union_of_both_sources(make_repo: MakeRepo) -> None:
    """bandit unites the ``-c`` file's selection with the INI file's."""
    setup = setup_of(
        make_repo,
        {
            "bandit.yml": "tests: [B101, B602]\n",
            ".bandit": "[bandit]\nskips = B101, B311\ntests = B608\n",
        },
        {},
    )

    assert setup.args == ("-c", "bandit.yml", "--ini", ".bandit")
    assert setup.sources == ("bandit.yml", ".bandit [bandit]")
    assert setup.tests == {"B101", "B602", "B608"}
    assert setup.skips == {"B101", "B311"}
    assert setup.scope({}) == (
        "bandit's tests as the target's configuration selects them (bandit.yml;"
        " .bandit [bandit]): tests B101, B602, B608; skips B101, B311"
    )


def test_pyproject_comes_before_a_yaml_file_and_dot_bandit_before_setup_cfg(
    make_repo: MakeRepo,
) -> None:
    setup = setup_of(
        make_repo,
        {
            "bandit.yaml": "skips: [B101]\n",
            ".bandit": "[bandit]\nexclude = tests\n",
            "setup.cfg": "[bandit]\nskips = B311\n",
        },
        {"bandit": {"exclude_dirs": ["tests"]}},
    )

    assert setup.args == ("-c", "pyproject.toml", "--ini", ".bandit")
    assert not setup.selects


@pytest.mark.parametrize(
    ("files", "args"),
    [
        # bandit passes a `.bandit` without a [bandit] section, with a warning.
        ({".bandit": "skips = B101\n"}, ("--ini", ".bandit")),
        # A setup.cfg or tox.ini without [bandit] is not bandit's.
        ({"tox.ini": "[tox]\nenv_list = py3\n"}, ()),
        ({"tox.ini": "[bandit]\ntests = B602\n"}, ("--ini", "tox.ini")),
        # Unreadable files: bandit reports its own error; nothing selected here.
        ({"bandit.yaml": "skips: [B101\n"}, ("-c", "bandit.yaml")),
        ({"setup.cfg": "no section\n"}, ()),
    ],
)
def test_which_files_are_passed(
    make_repo: MakeRepo, files: Mapping[str, str], args: tuple[str, ...]
) -> None:
    setup = setup_of(make_repo, files, {})

    assert setup.args == args
    assert setup.selects is ("tox.ini" in files and "tests" in files["tox.ini"])
