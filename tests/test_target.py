"""Target discovery: what a repository declares, read without importing it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from readiness import command, metadata
from readiness.errors import ConfigError, UsageError
from readiness.metadata import Metadata, MetadataError
from readiness.target import discover
from tests.conftest import MakeRepo

PYPROJECT = """
[project]
name = "demo-app"
requires-python = ">=3.11"
dependencies = ["click>=8", "requests"]

[project.optional-dependencies]
test = ["pytest", "pytest-asyncio"]
dev = ["ruff"]

[project.scripts]
demo = "demo_app.cli:main"

[dependency-groups]
lint = ["ruff"]
all = [{include-group = "lint"}, "mypy"]

[tool.pytest.ini_options]
addopts = "-ra --strict-markers"
testpaths = ["tests"]
markers = ["slow: long tests", "live"]
"""


def test_reads_what_a_src_layout_project_declares(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "src/demo_app/__init__.py": "",
            "tests/test_x.py": "",
            "docs/index.md": "# docs\n",
            "README.md": "# demo\n",
        }
    )
    target = discover(root)
    assert target.name == "demo-app"
    assert target.requires_python == ">=3.11"
    assert target.dependencies == ("click>=8", "requests")
    assert target.extras == {"test": ("pytest", "pytest-asyncio"), "dev": ("ruff",)}
    assert target.dependency_groups == {"lint": ("ruff",), "all": ("ruff", "mypy")}
    assert target.scripts == {"demo": "demo_app.cli:main"}
    assert target.packages == ("src/demo_app",)
    assert target.package_names == ("demo_app",)
    assert target.test_paths == ("tests",)
    assert target.docs_paths == ("docs", "README.md")
    assert target.declared_requirements() == (
        "click>=8",
        "requests",
        "pytest",
        "pytest-asyncio",
        "ruff",
        "ruff",
        "ruff",
        "mypy",
    )
    config = target.pytest_config
    assert config is not None
    assert (config.path, config.section) == (
        "pyproject.toml",
        "tool.pytest.ini_options",
    )
    assert [m.name for m in config.markers] == ["slow", "live"]
    assert config.markers[0].description == "long tests"
    assert config.strict_markers is True


def test_pytest_config_files_are_listed_in_pytests_order(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "pytest.ini": "[pytest]\nmarkers =\n    first: one\n    second(arg): two\n",
            "tox.ini": "[tox]\nenvlist = py311\n[pytest]\naddopts = --strict\n",
            "setup.cfg": "[tool:pytest]\nstrict_markers = true\n",
        }
    )
    configs = discover(root).pytest_configs
    assert [(c.path, c.section) for c in configs] == [
        ("pytest.ini", "pytest"),
        ("pyproject.toml", "tool.pytest.ini_options"),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ]
    assert [m.name for m in configs[0].markers] == ["first", "second"]
    assert [c.strict_markers for c in configs] == [False, True, True, True]


def test_native_pytest_table_and_pytest_toml(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pytest.toml": '[pytest]\nstrict = true\nmarkers = ["a: x"]\n',
            "pyproject.toml": (
                '[tool.pytest]\naddopts = ["-q"]\nstrict_markers = false\n'
            ),
        }
    )
    configs = discover(root).pytest_configs
    assert [(c.path, c.section, c.strict_markers) for c in configs] == [
        ("pytest.toml", "pytest", True),
        ("pyproject.toml", "tool.pytest", False),
    ]
    assert configs[1].addopts == ("-q",)


def test_flat_layout_declared_packages_and_single_module(make_repo: MakeRepo) -> None:
    flat = make_repo(
        {
            "app/__init__.py": "",
            "tests/__init__.py": "",
            "docs/x.md": "",
            "setup.py": "",
        }
    )
    assert discover(flat).packages == ("app",)
    assert discover(flat).pytest_config is None


def test_hatch_and_setuptools_declarations(make_repo: MakeRepo, tmp_path: Path) -> None:
    hatch = make_repo(
        {
            "pyproject.toml": (
                '[tool.hatch.build.targets.wheel]\npackages = ["lib/pkg"]\n'
            ),
            "lib/pkg/__init__.py": "",
        }
    )
    assert discover(hatch).packages == ("lib/pkg",)
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text(
        '[tool.setuptools]\npackages = ["core", "core.sub"]\n'
        '[tool.setuptools.package-dir]\n"" = "code"\n'
    )
    (other / "code" / "core").mkdir(parents=True)
    assert discover(other).packages == ("code/core",)
    single = tmp_path / "single"
    single.mkdir()
    (single / "pyproject.toml").write_text('[project]\nname = "tool-x"\n')
    (single / "tool_x.py").write_text("")
    assert discover(single).packages == ("tool_x.py",)
    assert discover(single).package_names == ("tool_x",)


def test_rel_gives_posix_paths_under_the_root(make_repo: MakeRepo) -> None:
    root = make_repo({"src/a/b.py": ""})
    target = discover(root)
    assert target.rel(root / "src" / "a" / "b.py") == "src/a/b.py"
    assert target.rel("./src/a/b.py") == "src/a/b.py"
    assert target.rel("/elsewhere/x.py") == "/elsewhere/x.py"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pyproject.toml": "[project\nname = 1"}, "pyproject.toml: invalid TOML: "),
        (
            {"pyproject.toml": 'project = "x"'},
            "pyproject.toml: [project] must be a table",
        ),
        ({"tox.ini": "no section header"}, "tox.ini: invalid INI: "),
    ],
)
def test_malformed_config_is_a_one_line_error(
    make_repo: MakeRepo, files: dict[str, str], message: str
) -> None:
    root = make_repo(files)
    with pytest.raises(ConfigError) as raised:
        discover(root)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_and_unreadable_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UsageError, match=r"nope: no such directory$"):
        discover(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("")
    with pytest.raises(UsageError, match=r"not a directory$"):
        discover(tmp_path / "file.txt")

    def refuse(self: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(UsageError, match=r"cannot be read: Permission denied$"):
        discover(tmp_path)


# --- the package's metadata: static [project], else the build backend ---------


class FakeBackend:
    """Stands in for ``metadata.prepared``: counts calls, answers or fails."""

    def __init__(self, answer: Metadata | MetadataError) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self, root: Path, pyproject: object, *, cache_root: Path) -> Metadata:
        del root, pyproject, cache_root
        self.calls += 1
        if isinstance(self.answer, MetadataError):
            raise self.answer
        return self.answer


PREPARED = Metadata(
    name="cfgapp",
    requires_python=">=3.9",
    dependencies=("requests>=2.0",),
    extras={"test": ("pytest>=7",)},
    scripts={"cfg": "cfgapp.cli:main"},
    source="setuptools.build_meta (prepared metadata)",
)
SETUP_CFG_NAME = "[metadata]\nname = cfgapp\n"


def test_a_complete_static_project_never_asks_the_backend(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = FakeBackend(MetadataError("never asked"))
    monkeypatch.setattr(metadata, "prepared", backend)
    target = discover(make_repo({"pyproject.toml": PYPROJECT, "setup.py": ""}))
    assert (target.name, target.scripts) == ("demo-app", {"demo": "demo_app.cli:main"})
    assert (target.metadata_source, target.metadata_error) == (
        "pyproject.toml [project]",
        None,
    )
    assert backend.calls == 0


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"setup.cfg": SETUP_CFG_NAME, "setup.py": ""}, id="setup.cfg"),
        pytest.param(
            {
                "pyproject.toml": '[project]\nname = "cfgapp"\n'
                'dynamic = ["dependencies", "version"]\n'
            },
            id="dynamic-dependencies",
        ),
        pytest.param(
            {
                "pyproject.toml": '[tool.poetry]\nname = "cfgapp"\n'
                '[build-system]\nbuild-backend = "poetry.core.masonry.api"\n'
            },
            id="poetry",
        ),
    ],
)
def test_other_layouts_ask_the_backend_once_when_first_needed(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]
) -> None:
    """httpie declares everything in setup.cfg: its extras and scripts were lost."""
    backend = FakeBackend(PREPARED)
    monkeypatch.setattr(metadata, "prepared", backend)
    target = discover(make_repo(files))
    assert (target.name, backend.calls) == ("cfgapp", 0)  # the name is declared
    assert target.extras == {"test": ("pytest>=7",)}
    assert target.scripts == {"cfg": "cfgapp.cli:main"}
    assert target.dependencies == ("requests>=2.0",)
    assert target.requires_python == ">=3.9"
    assert target.metadata_source == "setuptools.build_meta (prepared metadata)"
    assert (target.metadata_error, backend.calls) == (None, 1)


def test_a_backend_failure_is_recorded_and_discovery_goes_on(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The large legacy codebase: its setup.py needs a git-ignored .pyx file."""
    why = (
        "the build backend (setuptools.build_meta:__legacy__) could not prepare the"
        " metadata: FileNotFoundError: 'src/_speedups.pyx'"
    )
    monkeypatch.setattr(metadata, "prepared", FakeBackend(MetadataError(why)))
    named = discover(make_repo({"setup.cfg": SETUP_CFG_NAME, "setup.py": ""}))
    assert (named.name, named.dependencies, named.scripts) == ("cfgapp", (), {})
    assert named.metadata_error == why
    assert named.metadata_source == (
        "the declared name only (the build backend could not prepare the rest)"
    )
    (named.root / "setup.cfg").unlink()
    unnamed = discover(named.root)
    assert (unnamed.name, unnamed.metadata_error) == ("repo", why)
    assert unnamed.metadata_source == "none (the build backend could not prepare it)"


def test_a_folder_that_is_no_package_has_no_backend_to_ask(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metadata, "prepared", FakeBackend(MetadataError("never")))
    target = discover(make_repo({"app.py": ""}))
    assert (target.name, target.dependencies, target.metadata_error) == (
        "repo",
        (),
        None,
    )
    assert target.metadata_source == (
        "none (no pyproject.toml with [project] or [build-system], no setup.py,"
        " no setup.cfg)"
    )


#: setuptools metadata, and a pyproject.toml holding only tool settings.
CFG_METADATA = (
    "[metadata]\nname = cfgapp\nversion = 1.0\n[options]\npy_modules = cfgapp\n"
)
TOOLS_ONLY = "[tool.black]\nline-length = 88\n"
SETUP_CFG_ALONE = (
    "not installable: a setup.cfg but no setup.py or pyproject.toml, one of"
    " which pip and uv need to build a project"
)


@pytest.mark.parametrize(
    ("files", "why"),
    [
        pytest.param(
            {"setup.cfg": CFG_METADATA, "cfgapp.py": ""},
            SETUP_CFG_ALONE,
            id="setup.cfg-alone",
        ),
        pytest.param(
            {
                "setup.cfg": "[flake8]\nmax-line-length = 88\n",
                "pyproject.toml": TOOLS_ONLY,
            },
            "not installable: no pyproject.toml with [project] or [build-system],"
            " no setup.py, and setup.cfg declares no [metadata] or [options]",
            id="setup.cfg-of-tool-settings",
        ),
        pytest.param({"app.py": ""}, None, id="no-build-files"),
    ],
)
def test_a_setup_cfg_alone_is_not_installable(
    make_repo: MakeRepo,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    why: str | None,
) -> None:
    """Plants: setuptools metadata in a setup.cfg with no setup.py or
    pyproject.toml (pip: "Neither 'setup.py' nor 'pyproject.toml' found"; uv:
    "does not appear to be a Python project"), which ``installable`` counted;
    and a setup.cfg of tool settings only beside a pyproject.toml of tool
    settings (setuptools builds ``UNKNOWN``). Neither asks the backend."""
    monkeypatch.setattr(metadata, "prepared", FakeBackend(MetadataError("never")))
    target = discover(make_repo(files))
    expected = why or (
        "not installable: no pyproject.toml with [project] or [build-system],"
        " no setup.py, no setup.cfg"
    )
    assert (target.installable, target.not_installable) == (False, expected)
    assert target.metadata_source == f"none ({expected.split(': ', 1)[1]})"
    assert target.metadata_error is None


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {"setup.cfg": CFG_METADATA, "pyproject.toml": TOOLS_ONLY}, id="cfg+tools"
        ),
        pytest.param({"setup.py": ""}, id="setup.py"),
        pytest.param({"pyproject.toml": "[build-system]\n"}, id="build-system"),
        pytest.param({"pyproject.toml": "[project]\n"}, id="project"),
    ],
)
def test_what_pip_and_uv_build_is_installable(
    make_repo: MakeRepo, files: dict[str, str]
) -> None:
    """A setup.cfg beside a pyproject.toml of tool settings is built by
    setuptools' legacy backend (pip and uv build ``cfgapp 1.0``)."""
    target = discover(make_repo(files))
    assert (target.installable, target.not_installable) == (True, None)


@pytest.mark.tools
def test_uv_refuses_a_setup_cfg_alone(make_repo: MakeRepo) -> None:
    """What ``installable`` follows, checked against uv itself (no download:
    uv refuses before it resolves anything)."""
    root = make_repo({"setup.cfg": CFG_METADATA, "cfgapp.py": ""})
    done = command.run(
        ["uv", "pip", "install", "--dry-run", "--python", sys.executable, str(root)],
        cwd=root,
        timeout_s=120,
        ok_codes=(1,),
    )
    assert "does not appear to be a Python project" in " ".join(done.stderr.split())
    assert discover(root).not_installable == SETUP_CFG_ALONE


# Plants: a setup.cfg-only setuptools project (like httpie) with a `test`
# extra, two console scripts and docs naming them.
SETUP_CFG_ONLY = {
    "setup.cfg": """
        [metadata]
        name = cfgapp
        version = 1.2.0

        [options]
        packages = find:
        install_requires =
            click

        [options.extras_require]
        test =
            pytest>=7

        [options.entry_points]
        console_scripts =
            cfg = cfgapp.cli:main
            cfg-admin = cfgapp.cli:admin
    """,
    "setup.py": "from setuptools import setup\nsetup()\n",
    "cfgapp/__init__.py": "",
    "cfgapp/cli.py": "def main() -> None: ...\ndef admin() -> None: ...\n",
    "docs/usage.md": "Run `cfg --help` or `cfg-admin --help`.\n",
}


@pytest.mark.tools
def test_a_setup_cfg_only_project_has_its_extra_and_scripts(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(SETUP_CFG_ONLY)
    target = discover(root)
    assert target.name == "cfgapp"
    assert target.extras == {"test": ("pytest>=7",)}
    assert target.scripts == {"cfg": "cfgapp.cli:main", "cfg-admin": "cfgapp.cli:admin"}
    assert target.dependencies == ("click",)
    assert target.metadata_source == (
        "setuptools.build_meta:__legacy__ (prepared metadata)"
    )
    assert target.metadata_error is None
    assert (target.packages, target.docs_paths) == (("cfgapp",), ("docs",))
