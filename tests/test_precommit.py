"""pre-commit's file selection for a tool's hooks, as ``pre_commit/commands/run.py``
applies it: top-level then per-hook ``files``/``exclude`` (``re.search`` on the
relative path), then ``types``/``types_or``/``exclude_types`` over the manifest's
defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from readiness import precommit

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo

REQUESTS_LIKE = """
    exclude: 'docs/|ext/'
    repos:
      - repo: https://github.com/astral-sh/ruff-pre-commit
        rev: v0.13.0
        hooks:
          - id: ruff-check
            args: [--fix]
          - id: ruff-format
            exclude: tests/test_lowlevel.py
"""


def test_requests_keeps_its_lowlevel_tests_out_of_ruff_format(
    make_repo: MakeRepo,
) -> None:
    """requests' .pre-commit-config.yaml: ``exclude: tests/test_lowlevel.py`` on
    the ruff-format hook (unanchored: ``re.search``), a top-level ``docs/|ext/``.

    Plants the config and the three files it is asked about."""
    root = make_repo(
        {
            ".pre-commit-config.yaml": REQUESTS_LIKE,
            "tests/test_lowlevel.py": "x = 1\n",
            "tests/test_utils.py": "x = 1\n",
            "docs/conf.py": "x = 1\n",
        }
    )

    fmt = precommit.scope(root, ["ruff-format"])
    lint = precommit.scope(root, ["ruff", "ruff-check"])

    assert fmt.left_out("tests/test_lowlevel.py") == (
        "ruff-format hook exclude `tests/test_lowlevel.py`"
    )
    assert fmt.left_out("tests/test_utils.py") is None
    assert fmt.left_out("docs/conf.py") == "top-level exclude `docs/|ext/`"
    assert lint.left_out("tests/test_lowlevel.py") is None
    assert [hook.id for hook in lint.hooks] == ["ruff-check"]
    assert lint.hooks[0].args == ("--fix",)
    assert lint.hooks[0].rev == "v0.13.0"


def test_files_top_level_and_per_hook_restrict_the_scope(
    make_repo: MakeRepo,
) -> None:
    """Plants a top-level ``files: ^(src|tests)/`` and a hook ``files: ^src/``."""
    root = make_repo(
        {
            ".pre-commit-config.yaml": """
                files: ^(src|tests)/
                repos:
                  - repo: local
                    hooks:
                      - id: flake8
                        name: flake8
                        entry: flake8
                        language: system
                        files: ^src/
            """,
        }
    )

    scope = precommit.scope(root, ["flake8"])

    assert scope.left_out("src/a.py") is None
    assert scope.left_out("tests/a.py") == "flake8 hook files `^src/`"
    assert scope.left_out("scripts/a.py") == "top-level files `^(src|tests)/`"


def test_a_file_is_in_scope_when_any_of_the_tools_hooks_receives_it(
    make_repo: MakeRepo,
) -> None:
    """Plants two ruff-format hooks, one for ``src/``, one for ``tests/``."""
    root = make_repo(
        {
            ".pre-commit-config.yaml": """
                repos:
                  - repo: local
                    hooks:
                      - {id: ruff-format, name: a, entry: a, language: system,
                         files: ^src/}
                      - {id: ruff-format, name: b, entry: b, language: system,
                         files: ^tests/}
            """,
        }
    )

    scope = precommit.scope(root, ["ruff-format"])

    assert scope.left_out("src/a.py") is None
    assert scope.left_out("tests/a.py") is None
    assert scope.left_out("tools/a.py") == "ruff-format hook files `^src/`"
    assert scope.folders() == ()  # two hooks: no folder is out for both


@pytest.mark.parametrize(
    ("hook", "path", "reason"),
    [
        # the manifests' defaults
        ("id: flake8", "stubs/a.pyi", "flake8 hook types [python]"),
        ("id: flake8", "src/a.py", None),
        ("id: black", "nb/a.ipynb", "black hook types_or [python, pyi]"),
        ("id: black-jupyter", "nb/a.ipynb", None),
        ("id: ruff-format", "nb/a.ipynb", None),
        ("id: ruff-format", "stubs/a.pyi", None),
        # the project's keys override them
        (
            "{id: ruff-format, types_or: [python]}",
            "stubs/a.pyi",
            "ruff-format hook types_or [python]",
        ),
        (
            "{id: ruff, exclude_types: [jupyter]}",
            "nb/a.ipynb",
            "ruff hook exclude_types [jupyter]",
        ),
        ("{id: flake8, types: [file]}", "stubs/a.pyi", None),
    ],
)
def test_types_come_from_the_manifest_unless_the_project_sets_them(
    make_repo: MakeRepo, hook: str, path: str, reason: str | None
) -> None:
    root = make_repo(
        {
            ".pre-commit-config.yaml": f"""
                repos:
                  - repo: https://example.invalid/hooks
                    rev: v1
                    hooks:
                      - {hook}
            """,
            path: "x = 1\n",
        }
    )
    hook_id = hook.strip("{}").split(",")[0].removeprefix("id: ")

    assert precommit.scope(root, [hook_id]).left_out(path) == reason


def test_without_a_hook_for_the_tool_nothing_is_left_out(
    make_repo: MakeRepo,
) -> None:
    """Plants a top-level exclude and only a mypy hook: the exclude concerns
    the hooks that run, and none of them is the formatter."""
    root = make_repo(
        {
            ".pre-commit-config.yaml": """
                exclude: ^vendored/
                repos:
                  - repo: https://github.com/pre-commit/mirrors-mypy
                    rev: v1.10.0
                    hooks:
                      - id: mypy
            """,
        }
    )

    assert precommit.scope(root, ["black"]).left_out("vendored/a.py") is None


@pytest.mark.parametrize(
    "text",
    ["repos: [", "just text", "repos: 3", "repos: [{hooks: 5}]", "- a list\n"],
)
def test_a_broken_config_has_no_hooks(make_repo: MakeRepo, text: str) -> None:
    root = make_repo({".pre-commit-config.yaml": text})
    assert precommit.scope(root, ["ruff"]).hooks == ()


def test_a_pattern_python_cannot_compile_matches_nothing(
    make_repo: MakeRepo,
) -> None:
    """pre-commit refuses such a config; readiness leaves nothing out by it."""
    root = make_repo(
        {
            ".pre-commit-config.yaml": """
                repos:
                  - repo: local
                    hooks:
                      - {id: ruff, name: r, entry: r, language: system,
                         exclude: "(unclosed"}
            """,
        }
    )
    assert precommit.scope(root, ["ruff"]).left_out("unclosed/a.py") is None


def test_a_single_hooks_folder_exclude_can_be_given_to_the_tool(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            ".pre-commit-config.yaml": """
                exclude: ^(profiling/|tests/data/)
                repos:
                  - repo: local
                    hooks:
                      - {id: ruff, name: r, entry: r, language: system,
                         exclude: ^src/blib2to3/}
            """,
        }
    )
    assert precommit.scope(root, ["ruff"]).folders() == (
        "^(profiling/|tests/data/)",
        "^src/blib2to3/",
    )


def test_tags_are_identifys_for_the_python_files(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "", "b.pyi": "", "c.ipynb": "{}"})
    (root / "a.py").chmod(0o755)
    (root / "link.py").symlink_to(root / "a.py")

    assert precommit.tags(root, "a.py") == {"file", "executable", "text", "python"}
    assert precommit.tags(root, "b.pyi") == {"file", "non-executable", "text", "pyi"}
    assert precommit.tags(root, "c.ipynb") == {
        "file",
        "non-executable",
        "text",
        "json",
        "jupyter",
    }
    assert precommit.tags(root, "link.py") == {"symlink"}
