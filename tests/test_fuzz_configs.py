"""Fuzzing the readers of the target's configuration (issue 13, item 7).

``pyproject.toml``, INI files (``setup.cfg``, ``tox.ini``, ``.flake8``,
``mypy.ini``, ``.bandit``), ``.pre-commit-config.yaml``, locks and
requirement files: arbitrary bytes and well-formed files of the wrong shape.
The readers that report a broken configuration raise :class:`ConfigError`
(exit code 2, one line); the lenient ones (a tool would reject the file
itself) return their empty value. Nothing else may escape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import tomlkit
import yaml
from hypothesis import example, given, reject, settings
from hypothesis import strategies as st

from readiness import (
    flake8_config,
    lockextras,
    mypy_config,
    pins,
    precommit,
    sast_config,
)
from readiness import (
    settings as readiness_settings,
)
from readiness.errors import ConfigError, UsageError
from readiness.gates import registry
from readiness.target import Target, discover, load_ini, load_toml
from tests.fuzzing import (
    FUZZ,
    lines_like,
    make_target,
    mutated,
    one_line,
    texts,
    write,
)

GATE_NAMES = frozenset(registry())

#: Values TOML can hold (no null), nested.
toml_values = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
    ),
    max_leaves=12,
)

PYPROJECT: dict[str, Any] = {
    "project": {
        "name": "fuzzed",
        "version": "1.0",
        "requires-python": ">=3.11",
        "dependencies": ["requests>=2"],
        "optional-dependencies": {"test": ["pytest"]},
        "scripts": {"fuzzed": "fuzzed:main"},
    },
    "dependency-groups": {"dev": ["ruff==0.5.0", {"include-group": "test"}]},
    "build-system": {"requires": ["hatchling"], "build-backend": "hatchling.build"},
    "tool": {
        "pytest": {"ini_options": {"testpaths": ["tests"], "markers": ["slow: x"]}},
        "mypy": {
            "strict": True,
            "files": ["src"],
            "overrides": [{"module": "a.*", "ignore_errors": True}],
        },
        "bandit": {"skips": ["B101"], "exclude_dirs": ["tests"]},
        "black": {"line-length": 88, "extend-exclude": "^/vendor/"},
        "ruff": {"line-length": 88, "exclude": ["build"]},
        "pyright": {"strict": ["src"]},
        "readiness": {
            "kind": "library",
            "timeout": 60,
            "skip": ["ops"],
            "priorities": {"B101": "P2"},
            "typing": {"strict": ["fuzzed"]},
            "fix": {"allow": ["markers"]},
        },
    },
}

INI = """\
[metadata]
name = fuzzed
[options]
packages = find:
[flake8]
max-line-length = 88
exclude = .git,build
extend-exclude = vendor/
[mypy]
strict = True
files = src, tests
[mypy-tests.*]
ignore_errors = True
[mypy.plugins.django-stubs]
django_settings_module = x
[bandit]
skips = B101,B603
tests = B602
[tool:pytest]
testpaths = tests
markers =
    slow: long
"""

PRECOMMIT = {
    "files": "^src/",
    "exclude": "^vendor/",
    "repos": [
        {
            "repo": "https://github.com/astral-sh/ruff-pre-commit",
            "rev": "v0.5.0",
            "hooks": [
                {
                    "id": "ruff",
                    "args": ["--fix"],
                    "files": r"\.py$",
                    "exclude": "^docs/",
                    "types_or": ["python", "pyi"],
                    "additional_dependencies": ["x==1"],
                }
            ],
        },
        {
            "repo": "https://github.com/psf/black",
            "rev": "24.1.0",
            "hooks": [{"id": "black"}, {"id": "flake8", "types": ["python"]}],
        },
    ],
}

UV_LOCK = """\
version = 1
[[package]]
name = "fuzzed"
version = "1.0"
source = { editable = "." }
dependencies = [{ name = "requests", extra = ["socks"] }]
[package.optional-dependencies]
test = [{ name = "pytest" }]
[[package]]
name = "requests"
version = "2.32.0"
[package.optional-dependencies]
socks = [{ name = "pysocks", marker = "python_version >= '3.8'" }]
"""

REQUIREMENTS = """\
requests==2.32.0 \\
    --hash=sha256:abc
# a comment
black==24.1.0  # pinned
-r other.txt
ruff>=0.5
"""


def toml_text(data: object) -> str:
    """``data`` as TOML; examples TOML cannot hold are rejected."""
    if not isinstance(data, Mapping):
        reject()
    try:
        return tomlkit.dumps(data)
    except Exception:  # noqa: BLE001 - tomlkit refuses some shapes in many ways
        reject()


toml_files = st.one_of(
    mutated(PYPROJECT).map(toml_text),
    lines_like(toml_text(PYPROJECT)),
    texts,
    st.binary(max_size=200),
)
yaml_files = st.one_of(
    mutated(PRECOMMIT).map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
    lines_like(yaml.safe_dump(PRECOMMIT)),
    st.just("[" * 600),
    st.just("- " * 3000 + "x"),
    st.just("!!python/object:os.system {}"),
    texts,
    st.binary(max_size=200),
)
ini_files = st.one_of(lines_like(INI), texts, st.binary(max_size=200))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("configs")


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    return make_target(tmp_path_factory.mktemp("fuzz") / "repo")


def _fresh(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """A repository folder holding only ``files`` (the previous example's removed)."""
    root = folder / "repo"
    if root.exists():
        for path in sorted(root.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
    root.mkdir(exist_ok=True)
    for name, content in files.items():
        write(root / name, content)
    return root


@FUZZ
@given(content=toml_files)
@example(content=b"\xef\xbb\xbf[project]\nname = 'x'\n")
@example(content="a = " + "[" * 5000)
@example(content="a = " + "{ b = " * 3000)
def test_load_toml(folder: Path, content: str | bytes) -> None:
    path = write(folder / "pyproject.toml", content)
    assert isinstance(one_line(ConfigError, lambda: load_toml(path)), dict | str)


@FUZZ
@given(content=ini_files)
@example(content="[mypy]\nx = %(y)s\n")
@example(content="\ufeff[flake8]\n")
def test_load_ini(folder: Path, content: str | bytes) -> None:
    path = write(folder / "setup.cfg", content)
    one_line(ConfigError, lambda: load_ini(path))


@FUZZ
@given(pyproject=toml_files, setup_cfg=ini_files)
@example(pyproject="[dependency-groups]\n0=false\n", setup_cfg="")
@example(pyproject="tool = []\n", setup_cfg="")
@example(pyproject="", setup_cfg="[tool:pytest]\naddopts = '\n")
def test_discover_and_settings(
    folder: Path, pyproject: str | bytes, setup_cfg: str | bytes
) -> None:
    """What ``readiness audit`` reads first: a usage error, or a target and settings."""
    root = _fresh(folder, {"pyproject.toml": pyproject, "setup.cfg": setup_cfg})

    def read() -> None:
        found = discover(root)
        readiness_settings.load(found, GATE_NAMES)
        mypy_config.read_config(found)

    one_line(UsageError, read)


@FUZZ
@given(tool=st.dictionaries(st.sampled_from(["readiness", "mypy"]), toml_values))
@example(tool={"readiness": {"timeout": float("nan")}})
@example(tool={"readiness": {"priorities": {"x": ["P0"]}}})
@example(tool={"mypy": {"overrides": [{"module": []}]}})
def test_settings_and_mypy_tables(
    target: Target, tool: dict[str, Any], folder: Path
) -> None:
    changed = dataclasses.replace(target, pyproject={**target.pyproject, "tool": tool})

    def read() -> None:
        loaded = readiness_settings.load(changed, GATE_NAMES)
        for gate in GATE_NAMES:
            options = loaded.options(gate)
            options.number("timeout", 1.0)
            options.flag("enabled", default=True)
            options.strings("strict")
        mypy_config.read_config(changed)

    one_line(ConfigError, read)


@settings(max_examples=60, deadline=None)  # seven files per example
@given(precommit_yaml=yaml_files, ini=ini_files, pyproject=toml_files)
@example(
    precommit_yaml="files: '('\nrepos: [{hooks: [{id: ruff, exclude: '[' }]}]",
    ini="",
    pyproject="",
)
def test_tool_configs(
    folder: Path,
    precommit_yaml: str | bytes,
    ini: str | bytes,
    pyproject: str | bytes,
) -> None:
    """The lenient readers: a file the tool itself would reject reads as empty."""
    root = _fresh(
        folder,
        {
            ".pre-commit-config.yaml": precommit_yaml,
            "setup.cfg": ini,
            ".flake8": ini,
            ".bandit": ini,
            "bandit.yaml": precommit_yaml,
            "pyproject.toml": pyproject,
            "ruff.toml": pyproject,
        },
    )
    data = pins._load_toml(root / "pyproject.toml")
    tool = data.get("tool", {})
    tool = tool if isinstance(tool, Mapping) else {}
    assert isinstance(precommit.load(root), Mapping)
    scope = precommit.scope(root, {"ruff", "black", "flake8"})
    assert scope.left_out("src/a.py") is None or True
    assert isinstance(scope.folders(), tuple)
    assert isinstance(pins.precommit_hooks(root), list)
    assert isinstance(pins.hook_dependencies(root, "ruff"), tuple)
    assert isinstance(
        pins.formatter(root, data, dev_requirements=("black",)), pins.Formatter
    )
    pins.ruff_config(root, data)
    for exclude in pins.black_excludes(data):
        exclude.matches("src/a.py")
        exclude.folders()
    linter = flake8_config.linter(root, data, dev_requirements=("flake8",))
    assert linter.tool in {"ruff", "flake8"}
    assert isinstance(
        flake8_config.excludes(root, flake8_config.config_file(root)), tuple
    )
    assert isinstance(sast_config.read(root, tool), sast_config.BanditSetup)


@FUZZ
@given(
    lock=st.one_of(
        lines_like(UV_LOCK),
        mutated(tomlkit.parse(UV_LOCK).unwrap()).map(toml_text),
        texts,
    ),
    requirements=st.one_of(lines_like(REQUIREMENTS), texts, st.binary(max_size=100)),
)
@example(lock="package = 3", requirements="")
@example(lock='package = [{name = "x", version = 1}]', requirements="")
def test_locks(folder: Path, lock: str, requirements: str | bytes) -> None:
    root = _fresh(folder, {"uv.lock": lock, "requirements.txt": requirements})
    pins.locked_versions(root)
    assert isinstance(pins.requirement_pins(root / "requirements.txt"), dict)
    pins.tool_pin(root, "black", dev_requirements=("black==24.1.0", "x y z"))
    found = lockextras.uv_lock_extras(
        root / "uv.lock",
        project="fuzzed",
        selected=(("test",), ()),
        locked=("requests", "pysocks", "pytest"),
    )
    assert isinstance(found, dict)


@FUZZ
@given(requirements=st.lists(texts, max_size=5))
def test_declared_pins(requirements: list[str]) -> None:
    assert isinstance(pins.declared_pins(requirements), dict)
