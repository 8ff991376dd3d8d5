"""[tool.readiness] settings: defaults, typed access, one-line errors."""

from __future__ import annotations

import pytest

from readiness.errors import ConfigError
from readiness.findings import Priority
from readiness.settings import DEFAULT_TIMEOUT_S, load
from readiness.target import discover
from tests.conftest import MakeRepo

GATES = frozenset({"markers", "lint", "sast"})


def test_defaults_without_a_readiness_table(make_repo: MakeRepo) -> None:
    settings = load(
        discover(make_repo({"pyproject.toml": "[project]\nname='x'\n"})), GATES
    )
    assert settings.timeout_s == DEFAULT_TIMEOUT_S
    assert settings.skip == ()
    assert settings.timeout_for("lint") == DEFAULT_TIMEOUT_S
    assert settings.priority_for("B101", Priority.P0) is Priority.P0


def test_values_and_the_longest_prefix_wins(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": """
            [tool.readiness]
            timeout = 60
            skip = ["lint"]
            [tool.readiness.priorities]
            B = "P1"
            B101 = "P2"
            [tool.readiness.sast]
            timeout = 5
            packages = ["src/app"]
            strict = true
            """})
    settings = load(discover(root), GATES)
    assert settings.timeout_s == 60
    assert settings.skip == ("lint",)
    assert settings.timeout_for("sast") == 5
    assert settings.timeout_for("lint") == 60
    assert settings.priority_for("B101", Priority.P0) is Priority.P2
    assert settings.priority_for("B602", Priority.P0) is Priority.P1
    assert settings.priority_for("E501", Priority.P1) is Priority.P1
    options = settings.options("sast")
    assert options.strings("packages") == ("src/app",)
    assert options.flag("strict", default=False) is True
    assert settings.options("lint").strings("paths", (".",)) == (".",)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[tool.readiness]\ntimout = 5", "[tool.readiness] has unknown key 'timout'"),
        (
            "[tool.readiness]\ntimeout = -1",
            "[tool.readiness] timeout must be a positive",
        ),
        (
            "[tool.readiness]\ntimeout = true",
            "[tool.readiness] timeout must be a positive",
        ),
        (
            "[tool.readiness]\nskip = 'lint'",
            "[tool.readiness] skip must be a list of strings",
        ),
        (
            "[tool.readiness]\nskip = ['nope']",
            "[tool.readiness] skip names unknown gate 'nope'",
        ),
        (
            "[tool.readiness]\npriorities = 1",
            "[tool.readiness.priorities] must be a table",
        ),
        (
            "[tool.readiness.priorities]\nB101 = 'P9'",
            "[tool.readiness.priorities] B101 must be P0, P1 or P2, not 'P9'",
        ),
        ("[tool.readiness]\nsast = 1", "[tool.readiness.sast] must be a table"),
        ("[tool]\nreadiness = 1", "[tool.readiness] must be a table"),
    ],
)
def test_wrong_values_are_one_line_errors(
    make_repo: MakeRepo, table: str, message: str
) -> None:
    root = make_repo({"pyproject.toml": table})
    with pytest.raises(ConfigError) as raised:
        load(discover(root), GATES)
    assert str(raised.value).startswith(message)


def test_gate_option_types_are_checked(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"pyproject.toml": "[tool.readiness.lint]\npaths = [1]\nfix = 'yes'\n"}
    )
    options = load(discover(root), GATES).options("lint")
    with pytest.raises(
        ConfigError, match=r"^\[tool.readiness.lint\] paths must be a list"
    ):
        options.strings("paths")
    with pytest.raises(
        ConfigError, match=r"^\[tool.readiness.lint\] fix must be true or false"
    ):
        options.flag("fix", default=False)
