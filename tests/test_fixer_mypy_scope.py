"""The mypy-scope fixer: stub packages into the dev dependencies, strict overrides."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest
import tomlkit

from readiness.findings import Finding, Priority
from readiness.fixers.interface import Changed, FixError, Skipped
from readiness.fixers.mypy_scope import (
    STRICT_OVERRIDE_FLAGS,
    MypyScopeFixer,
    add_stubs,
    make_strict,
)
from readiness.mypy_config import EffectiveOptions, read_config
from readiness.target import discover
from tests.fixing import assert_fix, context, finding, plan, workspace

if TYPE_CHECKING:
    from tests.conftest import MakeRepo


def stubs(*names: str) -> object:
    def transform(text: str) -> str:
        document = tomlkit.parse(text)
        add_stubs(document, names)
        return tomlkit.dumps(document)

    return transform


def strict(*patterns: str) -> object:
    def transform(text: str) -> str:
        document = tomlkit.parse(text)
        make_strict(document, patterns)
        return tomlkit.dumps(document)

    return transform


FLAGS = "".join(f"{flag} = true\n" for flag in STRICT_OVERRIDE_FLAGS)


def test_adds_stubs_to_the_dev_extra_keeping_comments() -> None:
    assert_fix(
        stubs("types-requests", "types-PyYAML"),  # type: ignore[arg-type]
        """
        [project]
        name = "app"  # the name
        dependencies = ["requests", "pyyaml"]

        [project.optional-dependencies]
        # tools for developers
        dev = [
          "pytest>=8",  # the runner
          "Types_PyYAML>=6",
        ]
        docs = ["sphinx"]
        """,
        """
        [project]
        name = "app"  # the name
        dependencies = ["requests", "pyyaml"]

        [project.optional-dependencies]
        # tools for developers
        dev = [
          "pytest>=8",  # the runner
          "Types_PyYAML>=6",
          "types-requests",
        ]
        docs = ["sphinx"]
        """,
    )


def test_uses_the_dev_group_when_the_target_uses_groups() -> None:
    assert_fix(
        stubs("types-requests"),  # type: ignore[arg-type]
        """
        [project]
        name = "app"

        [dependency-groups]
        lint = ["ruff"]
        """,
        """
        [project]
        name = "app"

        [dependency-groups]
        lint = ["ruff"]
        dev = [
            "types-requests",
        ]
        """,
    )


def test_creates_the_dev_extra_when_there_is_none() -> None:
    assert_fix(
        stubs("types-requests"),  # type: ignore[arg-type]
        """
        [project]
        name = "app"
        dependencies = ["requests"]

        [tool.black]
        line-length = 88
        """,
        """
        [project]
        name = "app"
        dependencies = ["requests"]

        [project.optional-dependencies]
        dev = [
            "types-requests",
        ]

        [tool.black]
        line-length = 88
        """,
    )


def test_appends_a_strict_override_after_the_existing_ones() -> None:
    assert_fix(
        strict("app.core", "app.api.*"),  # type: ignore[arg-type]
        """
        [tool.mypy]
        python_version = "3.11"  # the oldest supported

        [[tool.mypy.overrides]]
        module = ["app.legacy.*"]
        ignore_errors = true

        [tool.black]
        line-length = 88
        """,
        f"""
        [tool.mypy]
        python_version = "3.11"  # the oldest supported

        [[tool.mypy.overrides]]
        module = ["app.legacy.*"]
        ignore_errors = true

        [[tool.mypy.overrides]]
        module = ["app.core", "app.api.*"]
        {FLAGS.replace(chr(10), chr(10) + " " * 8)}
        [tool.black]
        line-length = 88
        """,
    )


def test_creates_the_mypy_table_and_relaxes_an_inherited_ignore_errors() -> None:
    text = '[project]\nname = "app"\n\n[tool.mypy]\n\n[[tool.mypy.overrides]]\n'
    text += 'module = "app.*"\nignore_errors = true\n'
    document = tomlkit.parse(text)
    assert make_strict(document, ["app.core"]) == ["app.core"]
    after = tomlkit.dumps(document)
    assert after.startswith(text)
    assert after.endswith("ignore_errors = false\n")
    data = tomllib.loads(after)["tool"]["mypy"]
    assert "strict" not in data["overrides"][-1]  # never strict = true (TY002)
    assert make_strict(tomlkit.parse(after), ["app.core"]) == []

    bare = tomlkit.parse('[project]\nname = "app"\n')
    assert make_strict(bare, ["app"]) == ["app"]
    assert tomlkit.dumps(bare) == (
        f'[project]\nname = "app"\n\n[[tool.mypy.overrides]]\nmodule = ["app"]\n{FLAGS}'
    )


def test_modules_already_strict_are_left_alone() -> None:
    text = '[[tool.mypy.overrides]]\nmodule = ["app.core"]\n' + FLAGS
    document = tomlkit.parse(text)
    assert make_strict(document, ["app.core"]) == []
    assert tomlkit.dumps(document) == text


def test_an_inline_overrides_array_is_refused() -> None:
    document = tomlkit.parse('[tool.mypy]\noverrides = [{module = "x", a = 1}]\n')
    with pytest.raises(FixError, match="by hand"):
        make_strict(document, ["app"])


# --- the fixer on repositories ------------------------------------------------------


def ty001(package: str, stub: str | None) -> Finding:
    details: dict[str, str | int | float | bool] = {"package": package, "errors": 1}
    if stub:
        details["stub"] = stub
    return finding(
        "TY001",
        "src/app/core.py",
        1,
        details=details,
        priority=Priority.P1,
    )


PYPROJECT = """
[project]
name = "app"
version = "1.0"
dependencies = ["requests"]

[tool.readiness.typing]
strict = ["app.core", "app/*.py"]

[tool.mypy]
files = ["src"]  # what mypy checks
"""


def test_plan_adds_stubs_and_the_strict_override_once(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT, "src/app/__init__.py": ""})
    findings: Sequence[Finding] = [
        ty001("requests", "types-requests"),
        ty001("yaml", "types-PyYAML"),
        ty001("weird", None),
    ]
    outcome, ctx = plan(MypyScopeFixer(), root, findings)
    assert isinstance(outcome, Changed)
    (edit,) = outcome.edits
    assert edit.path == "pyproject.toml"
    assert edit.before is not None
    assert edit.after.startswith(edit.before.split("\n[tool.readiness")[0])
    data = tomllib.loads(edit.after)
    assert data["project"]["optional-dependencies"]["dev"] == [
        "types-PyYAML",
        "types-requests",
    ]
    (override,) = data["tool"]["mypy"]["overrides"]
    assert override["module"] == ["app.core"]
    assert all(override[flag] is True for flag in STRICT_OVERRIDE_FLAGS)
    assert len(outcome.addressed) == 2
    assert [left.finding.details["package"] for left in outcome.left] == ["weird"]
    assert any("app/*.py" in note for note in outcome.notes)

    # written, the scope is strict for mypy too, and a second run does nothing
    (root / "pyproject.toml").write_text(edit.after, encoding="utf-8")
    effective = EffectiveOptions(read_config(discover(root)))
    assert effective.is_strict("app.core")
    assert not effective.is_strict("app.other")
    again, _ctx = plan(MypyScopeFixer(), root, findings[:2])
    assert isinstance(again, Skipped)
    assert workspace(ctx).changed() == []


def test_plan_skips_a_malformed_pyproject_and_touches_nothing(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT, "src/app/__init__.py": ""})
    ctx = context(root)
    broken = PYPROJECT.lstrip("\n").replace("[tool.mypy]", "[tool.mypy")
    # the target was discovered before the file broke (as by an earlier fixer)
    (root / "pyproject.toml").write_text(broken, encoding="utf-8")
    outcome = MypyScopeFixer().plan(ctx, [ty001("requests", "types-requests")])
    assert isinstance(outcome, Skipped)
    assert "not valid TOML" in outcome.reason
    assert [left.reason for left in outcome.left] == [outcome.reason]
    assert (root / "pyproject.toml").read_text(encoding="utf-8") == broken
