"""What the target pins: its lock, its tools' versions, its formatter."""

from __future__ import annotations

import pytest

from readiness import pins
from readiness.pins import Exclude, Formatter, Locked, Pin

from .conftest import MakeRepo

UV_LOCK = """
    version = 1
    requires-python = ">=3.10"

    [[package]]
    name = "Click"
    version = "8.1.7"

    [[package]]
    name = "pytest"
    version = "8.0.2"
"""

PRECOMMIT = """
    repos:
      - repo: https://github.com/astral-sh/ruff-pre-commit
        rev: v0.4.10
        hooks:
          - id: ruff
          - id: ruff-format
      - repo: https://github.com/pre-commit/mirrors-mypy
        rev: v1.10.0
        hooks:
          - id: mypy
"""


def test_uv_lock_versions_by_canonical_name(make_repo: MakeRepo) -> None:
    root = make_repo({"uv.lock": UV_LOCK, "requirements.txt": "click==1.0\n"})
    assert pins.locked_versions(root) == Locked(
        path="uv.lock", versions={"click": "8.1.7", "pytest": "8.0.2"}
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pylock.toml", '[[packages]]\nname = "pytest"\nversion = "7.4.4"\n'),
        ("poetry.lock", '[[package]]\nname = "pytest"\nversion = "7.4.4"\n'),
        ("pdm.lock", '[[package]]\nname = "pytest"\nversion = "7.4.4"\n'),
        ("requirements-dev.txt", "pytest==7.4.4 \\\n    --hash=sha256:ab\n"),
        (
            "constraints/test.txt",
            "# header\npytest[testing]==7.4.4 ; python_version>'3'\n",
        ),
    ],
)
def test_every_lock_format(make_repo: MakeRepo, name: str, text: str) -> None:
    root = make_repo({name: text})
    assert pins.locked_versions(root) == Locked(path=name, versions={"pytest": "7.4.4"})


def test_no_lock(make_repo: MakeRepo) -> None:
    assert (
        pins.locked_versions(make_repo({"requirements.txt": "requests>=2\n"})) is None
    )


def test_tool_pins_lock_first_then_dev_pins_then_hooks(make_repo: MakeRepo) -> None:
    root = make_repo({"uv.lock": UV_LOCK, ".pre-commit-config.yaml": PRECOMMIT})
    dev = ["ruff==0.5.0", "black>=24", "mypy==1.9.*"]
    assert pins.tool_pin(root, "pytest", dev_requirements=dev) == Pin(
        version="8.0.2", source="uv.lock"
    )
    assert pins.tool_pin(root, "ruff", dev_requirements=dev) == Pin(
        version="0.5.0", source="pyproject.toml (dev/test pins)"
    )
    assert pins.tool_pin(root, "mypy", dev_requirements=dev) == Pin(
        version="1.10.0", source=".pre-commit-config.yaml (hook rev)"
    )
    assert pins.tool_pin(root, "black", dev_requirements=dev) is None
    assert pins.tool_pin(root, "bandit") is None


def test_a_broken_precommit_config_pins_nothing(make_repo: MakeRepo) -> None:
    root = make_repo({".pre-commit-config.yaml": "repos: [\n"})
    assert pins.precommit_hooks(root) == []
    assert pins.hook_rev(root, "ruff") is None


@pytest.mark.parametrize(
    ("files", "pyproject", "dev", "expected"),
    [
        (
            {},
            {"tool": {"black": {}}},
            [],
            Formatter(tool="black", evidence="[tool.black] in pyproject.toml"),
        ),
        (
            {},
            {"tool": {"ruff": {"format": {}}}},
            [],
            Formatter(tool="ruff", evidence="[tool.ruff.format] in pyproject.toml"),
        ),
        (
            {".pre-commit-config.yaml": PRECOMMIT},
            {},
            [],
            Formatter(tool="ruff", evidence="the ruff-format pre-commit hook"),
        ),
        (
            {},
            {"tool": {"ruff": {"line-length": 100}}},
            ["black==24.1.0"],
            Formatter(tool="black", evidence="black in the dev/test dependencies"),
        ),
        (
            {},
            {"tool": {"ruff": {"line-length": 100}}},
            [],
            Formatter(
                tool="ruff", evidence="ruff is configured and black appears nowhere"
            ),
        ),
        (
            {"ruff.toml": "line-length = 100\n"},
            {},
            [],
            Formatter(
                tool="ruff", evidence="ruff is configured and black appears nowhere"
            ),
        ),
        (
            {},
            {},
            [],
            Formatter(
                tool="black",
                evidence="no formatter configured: black, the checklist's tool",
                adopted=False,
            ),
        ),
    ],
)
def test_formatter_choice_and_its_evidence(
    make_repo: MakeRepo,
    files: dict[str, str],
    pyproject: dict[str, object],
    dev: list[str],
    expected: Formatter,
) -> None:
    root = make_repo({"README.md": "x\n", **files})
    assert pins.formatter(root, pyproject, dev_requirements=dev) == expected


@pytest.mark.parametrize(
    ("pattern", "folders"),
    [
        ("^(profiling/|tests/data/)", ("./profiling", "./tests/data")),
        ("^(?:src/vendored/)", ("./src/vendored",)),
        (r"^a\.b/c-d/", ("./a.b/c-d",)),
        (r"^docs/conf\.py$", None),
        ("tests/data/", None),
        ("^(tests/.*/data/)", None),
        ("^src/gen", None),
    ],
)
def test_only_anchored_folder_excludes_translate_for_ruff(
    pattern: str, folders: tuple[str, ...] | None
) -> None:
    assert Exclude(pattern=pattern, source="x").folders() == folders


def test_excludes_match_as_precommit_and_black_do() -> None:
    precommit = Exclude(pattern="^(profiling/|tests/data/)", source="p")
    assert precommit.matches("tests/data/case.py")
    assert not precommit.matches("src/tests/data/case.py")
    black = Exclude(
        pattern="\n/(\n  tests/data/  # cases\n  | gen/\n)\n", source="b", black=True
    )
    assert black.matches("tests/data/case.py")
    assert black.matches("src/gen/out.py")
    assert not black.matches("src/generated.py")
    assert not Exclude(pattern="(", source="broken").matches("anything.py")


@pytest.mark.parametrize(
    ("files", "pyproject", "expected"),
    [
        ({}, {}, None),
        ({"pyproject.toml": ""}, {}, None),
        ({"pyproject.toml": ""}, {"tool": {"ruff": {}}}, "pyproject.toml"),
        ({"ruff.toml": "", ".ruff.toml": ""}, {}, ".ruff.toml"),
        ({"ruff.toml": "", "pyproject.toml": ""}, {"tool": {"ruff": {}}}, "ruff.toml"),
    ],
)
def test_ruff_config_in_ruffs_own_order(
    make_repo: MakeRepo,
    files: dict[str, str],
    pyproject: dict[str, object],
    expected: str | None,
) -> None:
    root = make_repo({"README.md": "x\n", **files})
    assert pins.ruff_config(root, pyproject) == expected
