"""Tool environments: the target's pinned tool versions, built once with uv.

A stand-in ``uv`` (through ``READINESS_TOOLS_DIR``) records its calls and
builds a fake environment, so these tests need no network; the real install
of a pinned ruff is exercised by ``tests/test_gate_format.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from readiness import command, environments, toolenv
from readiness.target import discover
from readiness.toolenv import OWN, Tool, ToolEnvError

from .conftest import MakeRepo

FAKE_UV = """\
import os, pathlib, sys
with open(os.environ["FAKE_UV_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:3]) + "\\n")
if os.environ.get("FAKE_UV_FAIL"):
    sys.stderr.write(os.environ["FAKE_UV_FAIL"])
    sys.exit(1)
if sys.argv[1] == "venv":
    bin = pathlib.Path(sys.argv[-1]) / "bin"
    bin.mkdir(parents=True)
    (bin / "python").touch()
else:
    python = pathlib.Path(sys.argv[sys.argv.index("--python") + 1])
    tool = python.parent / sys.argv[-1].split("==")[0]
    tool.write_text("#!/bin/sh\\necho fake\\n")
    tool.chmod(0o755)
"""
UNSATISFIABLE = (
    "error: No solution found when resolving dependencies\n"
    "  cause: Because there is no version of ruff==0.0.1 and you require"
    " ruff==0.0.1, we can conclude that your requirements are unsatisfiable.\n"
)


@pytest.fixture
def uv_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in uv in front of the real one; the file its calls are logged to."""
    tools = tmp_path / "tools"
    tools.mkdir()
    script = tools / "uv"
    script.write_text(f"#!{sys.executable}\n{FAKE_UV}", encoding="utf-8")
    script.chmod(0o755)
    log = tmp_path / "uv.log"
    monkeypatch.setenv(command.TOOLS_DIR_ENV, str(tools))
    monkeypatch.setenv("FAKE_UV_LOG", str(log))
    return log


def runner(root: Path) -> environments.Runner:
    def run(args: list[str], **options: object) -> command.Completed:
        env = options.get("env")
        return command.run(
            args,
            cwd=root,
            timeout_s=120,
            env=env if isinstance(env, Mapping) else None,
        )

    return run


def test_an_environment_is_built_once_per_tool_and_version(
    tmp_path: Path, uv_log: Path
) -> None:
    run = runner(tmp_path)
    cache = tmp_path / "cache"

    first = toolenv.install("ruff", "0.0.1", source="uv.lock", run=run, root=cache)
    again = toolenv.install("ruff", "0.0.1", source="uv.lock", run=run, root=cache)

    assert first == again
    assert first.parent.parent.parent == cache / "tools"
    assert first.parent.parent.name.startswith("ruff-0.0.1-")
    assert uv_log.read_text(encoding="utf-8").splitlines() == [
        "venv --quiet",
        "pip install",
    ]


def test_a_pin_uv_cannot_install_names_tool_version_and_source(
    tmp_path: Path, uv_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_UV_FAIL", UNSATISFIABLE)
    source = ".pre-commit-config.yaml (hook rev)"

    with pytest.raises(ToolEnvError) as raised:
        toolenv.install(
            "ruff", "0.0.1", source=source, run=runner(tmp_path), root=tmp_path
        )

    assert str(raised.value) == (
        "ruff 0.0.1 (pinned by .pre-commit-config.yaml (hook rev)) cannot be"
        " installed: Because there is no version of ruff==0.0.1 and you require"
        " ruff==0.0.1, we can conclude that your requirements are unsatisfiable."
    )
    assert not list((tmp_path / "tools").glob("ruff-*/"))
    assert uv_log.read_text(encoding="utf-8").splitlines() == ["venv --quiet"]


def test_a_pin_that_is_no_version_is_refused_before_uv(
    tmp_path: Path, uv_log: Path
) -> None:
    with pytest.raises(ToolEnvError, match=r"^black main \(pinned by x\) is not a"):
        toolenv.install("black", "main", source="x", run=runner(tmp_path))
    assert not uv_log.exists()


def test_resolve_takes_the_targets_pin_or_readinesss_own(
    make_repo: MakeRepo, tmp_path: Path, uv_log: Path
) -> None:
    own = toolenv.own_version("ruff")
    assert own is not None
    root = make_repo({"pyproject.toml": f"""
                [project]
                name = "app"
                version = "1"
                [dependency-groups]
                lint = ["ruff=={own}"]
                [project.optional-dependencies]
                dev = ["black==0.0.1"]
            """})
    target = discover(root)
    run = runner(root)

    assert toolenv.resolve(target, "mypy", run=run) == Tool(
        name="mypy", executable="mypy", source=OWN
    )
    assert toolenv.resolve(target, "ruff", run=run) == Tool(
        name="ruff",
        executable="ruff",
        source="pyproject.toml (dev/test pins)",
        pinned=own,
    )
    black = toolenv.resolve(target, "black", run=run, root=tmp_path / "cache")
    assert not black.own
    assert black.pinned == "0.0.1"
    assert Path(black.executable).name == "black"
    assert toolenv.dev_requirements(target) == (
        "black==0.0.1",
        f"ruff=={own}",
    )
