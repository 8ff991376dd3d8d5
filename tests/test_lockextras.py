"""Extras on exported pins, so that pip 23.2.1 installs them under --require-hashes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from readiness import command, lockextras
from readiness.locks import LockSpec, parse, pins
from readiness.locks import _content as lock_content
from readiness.target import discover

EXPORTED = """\
coverage==7.17.3 \\
    --hash=sha256:aaaa
    # via pytest-cov
pytest-cov==7.1.0 \\
    --hash=sha256:bbbb
    # via app
coverage-extra==1.0 ; python_version >= '3.11' \\
    --hash=sha256:cccc
"""

UV_LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "1"
source = { editable = "." }
dependencies = [{ name = "pytest-cov" }]

[package.optional-dependencies]
test = [{ name = "httpx", extra = ["http2"] }]

[[package]]
name = "pytest-cov"
version = "7.1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "coverage", extra = ["toml"] }]

[[package]]
name = "coverage"
version = "7.17.3"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
toml = [{ name = "tomli", marker = "python_full_version <= '3.11.0a6'" }]
"""


def test_extras_are_written_into_the_pinned_lines() -> None:
    """pip 23.2.1 rejected readiness's own constraints/test.txt: pytest-cov
    requires ``coverage[toml]>=7.10.6`` and the lock said ``coverage==7.17.3``."""
    body = lockextras.with_extras(
        EXPORTED, {"coverage": {"toml"}, "coverage-extra": {"b", "a"}}
    )

    assert body.splitlines()[0] == "coverage[toml]==7.17.3 \\"
    assert body.splitlines()[3] == "pytest-cov==7.1.0 \\"
    assert (
        body.splitlines()[6] == "coverage-extra[a,b]==1.0 ; python_version >= '3.11' \\"
    )
    assert body.count("\n") == EXPORTED.count("\n")


def test_the_extras_uv_lock_records_for_the_packages_of_one_lock(
    tmp_path: Path,
) -> None:
    (tmp_path / "uv.lock").write_text(UV_LOCK)

    def extras(
        selected: tuple[tuple[str, ...], tuple[str, ...]], locked: set[str]
    ) -> dict[str, set[str]]:
        return lockextras.uv_lock_extras(
            tmp_path / "uv.lock", project="app", selected=selected, locked=locked
        )

    prod = {"pytest-cov", "coverage"}
    assert extras(((), ()), prod) == {"coverage": {"toml"}}
    # httpx[http2] only with the test extra, and only when httpx is in the lock
    assert extras((("test",), ()), prod) == {"coverage": {"toml"}}
    assert extras((("test",), ()), prod | {"httpx"}) == {
        "coverage": {"toml"},
        "httpx": {"http2"},
    }
    # without pytest-cov in the lock, nothing asks for coverage[toml]
    assert extras(((), ()), {"coverage"}) == {}
    assert (
        lockextras.uv_lock_extras(
            tmp_path / "absent.lock", project="app", selected=((), ()), locked=prod
        )
        == {}
    )


@pytest.mark.tools
def test_an_exported_lock_names_the_extras_uv_lock_leaves_out(tmp_path: Path) -> None:
    """readiness's own uv.lock does not record coverage's ``toml`` extra (it adds
    no package on Python >= 3.11), yet pip 23.2.1 needs it on the line: the
    constrained resolution finds it. (A fresh ``uv lock`` records it; it is
    taken out here to stand for such a lock.)"""
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
            [project]
            name = "app"
            version = "1"
            requires-python = ">=3.11"
            dependencies = ["pytest-cov==7.1.0", "coverage==7.10.6"]
            """))
    command.run(["uv", "lock", "--quiet"], cwd=tmp_path, timeout_s=300)
    lock = tmp_path / "uv.lock"
    lock.write_text(lock.read_text().replace(', extra = ["toml"]', ""))
    target = discover(tmp_path)

    def run(args: object, **kwargs: object) -> command.Completed:
        cwd = kwargs.get("cwd")
        assert isinstance(cwd, Path)
        return command.run(list(args), cwd=cwd, timeout_s=300)  # type: ignore[call-overload]

    text = lock_content(
        target,
        LockSpec(name="prod", description="runtime"),
        python="3.11",
        preferred=tmp_path / "none.txt",
        work=tmp_path / "work",
        run=run,
    )

    assert "\ncoverage[toml]==7.10.6 \\\n" in text
    assert "pytest-cov==7.1.0" in pins(parse(text, name="prod"))
