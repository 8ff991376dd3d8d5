"""The typing gate: mypy's real output on the example and on small fixture repositories.

Tests marked ``tools`` build a typing environment (uv, from PyPI) and run the
real mypy; the session-wide ``READINESS_CACHE_DIR`` (conftest) builds each
environment once. The others run a fake mypy, or the gate's parts directly.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.version import Version

from readiness import baselines, cli, command, environments
from readiness.errors import ConfigError
from readiness.findings import Criterion, Finding, GateResult, Severity, Status
from readiness.gates import registry
from readiness.gates import typing as typing_gate
from readiness.gates.interface import GateContext
from readiness.gates.typing import (
    MISSING_STUBS,
    MYPY_VERSION,
    STRICT_OVERRIDE,
    MypyChoice,
    MypyError,
    TypingGate,
    declared,
    evaluate,
    legacy_counts,
    mypy_requirement,
    ratchet,
    read_json,
    read_text,
    stub_findings,
)
from readiness.gates.typing import run as typing_run
from readiness.mypy_config import (
    EffectiveOptions,
    MypyConfig,
    Override,
    module_name,
    read_config,
    source_files,
    strict_scope,
)
from readiness.runner import execute
from readiness.session import Session
from readiness.target import discover
from readiness.wording import summarise
from tests.conftest import EXAMPLE, REPO_ROOT

if TYPE_CHECKING:  # tests/ fixtures' types, for mypy
    from tests.conftest import MakeRepo

#: The flags examples/legacy-app's strict override sets (all that --strict implies).
STRICT_OVERRIDE_FLAGS = """
disallow_any_generics = true
disallow_subclassing_any = true
disallow_untyped_calls = true
disallow_untyped_defs = true
disallow_incomplete_defs = true
check_untyped_defs = true
disallow_untyped_decorators = true
warn_unused_ignores = true
warn_return_any = true
no_implicit_reexport = true
strict_equality = true
extra_checks = true
"""
#: Real ``mypy -O json`` lines (mypy 2.4.1 on examples/legacy-app), plus the
#: non-JSON note mypy prints on stdout about unused configuration sections.
RECORDED_JSON = "\n".join(
    [
        json.dumps(
            {
                "file": "src/legacy_app/config.py",
                "line": 5,
                "column": 0,
                "end_line": 5,
                "end_column": 1,
                "message": 'Library stubs not installed for "yaml"',
                "hint": 'Hint: "python3 -m pip install types-PyYAML"\n(or run'
                ' "mypy --install-types" to install all missing stub packages)\nSee'
                " https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports",
                "code": "import-untyped",
                "severity": "error",
            }
        ),
        json.dumps(
            {
                "file": "src/legacy_app/utils/errors.py",
                "line": 18,
                "column": 25,
                "end_line": 18,
                "end_column": 29,
                "message": 'Missing type arguments for generic type "dict"',
                "hint": None,
                "code": "type-arg",
                "severity": "error",
            }
        ),
        json.dumps(
            {"file": "x.py", "line": 1, "message": "a note", "severity": "note"}
        ),
        "pyproject.toml: note: unused section(s): module = ['nothere']",
    ]
)
#: Real text output of mypy 2.4.1 (``--show-column-numbers``) on the example.
RECORDED_TEXT = """\
src/legacy_app/config.py:5:1: error: Library stubs not installed for "yaml"  [import-untyped]
src/legacy_app/config.py:5:1: note: Hint: "python3 -m pip install types-PyYAML"
src/legacy_app/config.py:5:1: note: (or run "mypy --install-types" to install all missing stub packages)
src/legacy_app/paper.py:20:12: error: Incompatible return value type (got "float", expected "int")  [return-value]
src/legacy_app/utils/errors.py:39: error: Function is missing a type annotation  [no-untyped-def]
Found 3 errors in 3 files (checked 16 source files)
"""  # noqa: E501 - recorded lines, kept whole


def error(
    module: str,
    message: str = "Incompatible return value type",
    *,
    code: str = "return-value",
    line: int = 1,
    hint: str = "",
) -> MypyError:
    path = module.replace(".", "/") + ".py"
    return MypyError(
        path=f"src/{path}",
        line=line,
        column=1,
        code=code,
        message=message,
        hint=hint,
        module=module,
    )


def toml_config(make_repo: MakeRepo, text: str) -> MypyConfig:
    root = make_repo({"pyproject.toml": "[project]\nname = 'x'\n" + text})
    return read_config(discover(root))


# --- configuration and strict scope ---


def test_registered_as_the_typing_gate() -> None:
    assert registry()["typing"] is TypingGate
    assert TypingGate.priority == "P1"
    assert "strict scope" in TypingGate.description()


def test_the_config_file_is_the_one_mypy_picks(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "setup.cfg": "[metadata]\nname = x\n",
            "pyproject.toml": "[project]\nname = 'x'\n",
        }
    )
    assert read_config(discover(root)).path is None  # neither has a mypy section
    (root / "setup.cfg").write_text("[mypy]\nfiles = src, tools\n")
    found = read_config(discover(root))
    assert (found.path, found.files) == ("setup.cfg", ("src", "tools"))
    (root / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n[tool.mypy]\nfiles = ['lib']\n"
    )
    assert read_config(discover(root)).path == "pyproject.toml"
    (root / ".mypy.ini").write_text(
        "[mypy]\nstrict = True\n[mypy-legacy.*,old]\ndisallow_untyped_defs = False\n"
    )
    found = read_config(discover(root))
    assert found.path == ".mypy.ini"
    assert found.overrides == (
        Override(
            patterns=("legacy.*", "old"), options={"disallow_untyped_defs": "False"}
        ),
    )
    assert not found.selects_sources


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.mypy]\noverrides = 3\n", "overrides must be an array of tables"),
        (
            "[[tool.mypy.overrides]]\ndisallow_untyped_defs = true\n",
            "[[tool.mypy.overrides]] #1 needs module =",
        ),
        ("[[tool.mypy.overrides]]\nmodule = 3\n", "#1 needs module ="),
        ("[tool]\nmypy = 3\n", "[tool.mypy] must be a table"),
    ],
)
def test_a_malformed_toml_config_is_a_one_line_error(
    make_repo: MakeRepo, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        toml_config(make_repo, text)
    assert "\n" not in str(raised.value)


def test_an_unreadable_mypy_ini_is_a_one_line_error(make_repo: MakeRepo) -> None:
    root = make_repo({"mypy.ini": "[mypy\n"})
    with pytest.raises(ConfigError, match=re.escape("mypy.ini: invalid INI: ")):
        read_config(discover(root))


@pytest.mark.parametrize(
    ("name", "text", "unknown"),
    [
        ("mypy.ini", "[mypy]\n[mypy_legacy]\nignore_errors = True\n", "mypy_legacy"),
        ("mypy.ini", "[mypy]\n[tool:mypy]\n", "tool:mypy"),
        ("setup.cfg", "[mypy]\n[metadata]\n[mypy:legacy]\n", "mypy:legacy"),
    ],
)
def test_an_unknown_mypy_section_is_a_one_line_error(
    make_repo: MakeRepo, name: str, text: str, unknown: str
) -> None:
    root = make_repo({name: text})
    with pytest.raises(ConfigError) as raised:
        read_config(discover(root))
    assert str(raised.value) == (
        f"{name}: unknown section [{unknown}] (mypy reads [mypy], [mypy-MODULE,...]"
        " and plugins' [mypy.plugins.NAME])"
    )
    plugins = "[mypy]\n[mypy.plugins.django-stubs]\ndjango_settings_module = a\n"
    (root / name).write_text(plugins)
    assert read_config(discover(root)).path == name


def test_strict_scope_from_an_override_with_the_strict_flags(
    make_repo: MakeRepo,
) -> None:
    found = toml_config(
        make_repo,
        "[tool.mypy]\ncheck_untyped_defs = false\n"
        f"[[tool.mypy.overrides]]\nmodule = 'app.utils.errors'\n{STRICT_OVERRIDE_FLAGS}"
        "[[tool.mypy.overrides]]\nmodule = ['requests', 'requests.*']\n"
        "ignore_missing_imports = true\n",
    )
    scope = strict_scope(found, None)
    assert "app.utils.errors" in scope
    assert "app.utils" not in scope
    assert "app.utils.errors.sub" not in scope
    assert "requests" not in scope
    assert scope.source == "the strict flags of pyproject.toml"


def test_disallow_untyped_defs_alone_is_gradual_typing_not_strict(
    make_repo: MakeRepo,
) -> None:
    found = toml_config(
        make_repo,
        "[tool.mypy]\ndisallow_untyped_defs = true\nwarn_return_any = true\n",
    )
    assert "app.core" not in strict_scope(found, None)


def test_global_strict_with_relaxed_legacy_packages(make_repo: MakeRepo) -> None:
    found = toml_config(
        make_repo,
        "[tool.mypy]\nstrict = true\n"
        "[[tool.mypy.overrides]]\nmodule = 'app.legacy.*'\n"
        "disallow_untyped_defs = false\n"
        "[[tool.mypy.overrides]]\nmodule = 'app.legacy.migrated'\n"
        "disallow_untyped_defs = true\n"
        "[[tool.mypy.overrides]]\nmodule = 'app.*.generated'\nignore_errors = true\n",
    )
    scope = strict_scope(found, None)
    assert "app.core" in scope
    assert "app.legacy" not in scope  # a.b.* covers a.b itself, as in mypy
    assert "app.legacy.old" not in scope
    assert "app.legacy.migrated" in scope
    assert "app.api.generated" not in scope  # unstructured glob, ignore_errors


def test_inverted_and_ini_spellings_of_the_strict_flags() -> None:
    flags = {
        "allow_untyped_defs": "False",
        "no_implicit_reexport": "yes",
        "implicit_reexport": "on",  # later spelling wins, as a dict would have it
        "allow_any_generics": "0",
        "no_warn_return_any": True,
        "check_untyped_defs": "1",
        "disallow_untyped_calls": True,
        "strict_equality": "true",
        "extra_checks": "maybe",  # not a boolean: mypy complains, the gate ignores it
        "warn_unused_ignores": True,
        "disallow_subclassing_any": "True",
    }
    found = MypyConfig(
        path="mypy.ini",
        options={},
        overrides=(Override(patterns=("a",), options=flags),),
    )
    effective = EffectiveOptions(found)
    assert dict(effective.flags("a")) == {
        "disallow_untyped_defs": True,
        "no_implicit_reexport": False,
        "disallow_any_generics": True,
        "warn_return_any": False,
        "check_untyped_defs": True,
        "disallow_untyped_calls": True,
        "strict_equality": True,
        "warn_unused_ignores": True,
        "disallow_subclassing_any": True,
    }
    assert effective.is_strict("a")  # disallow_untyped_defs and 6 others
    assert not effective.is_strict("b")
    fewer = {**flags, "disallow_subclassing_any": "False"}
    found = MypyConfig(
        path="mypy.ini",
        options={},
        overrides=(Override(patterns=("a",), options=fewer),),
    )
    assert not EffectiveOptions(found).is_strict("a")


def test_strict_true_in_an_override_is_global_in_mypy_and_reported(
    make_repo: MakeRepo,
) -> None:
    found = toml_config(
        make_repo,
        "[tool.mypy]\n[[tool.mypy.overrides]]\nmodule = 'app.new'\nstrict = true\n",
    )
    scope = strict_scope(found, None)
    assert "app.new" in scope
    assert "app.old" in scope  # what mypy really does
    (finding,) = typing_gate.override_findings(found)
    assert finding.rule == STRICT_OVERRIDE.id
    assert finding.path == "pyproject.toml"
    assert "module = app.new" in finding.message


@pytest.mark.parametrize(
    ("pattern", "inside", "outside"),
    [
        ("app.legacy", ["app.legacy"], ["app.legacy.sub", "app"]),
        ("app.legacy.*", ["app.legacy", "app.legacy.a.b"], ["app.legacyx"]),
        ("app.*.errors", ["app.utils.errors", "app.errors"], ["app.utils"]),
        ("app.mod_*", ["app.mod_a"], ["app.other"]),
        ("*", ["anything.at.all"], []),
    ],
)
def test_strict_scope_from_settings(
    pattern: str, inside: list[str], outside: list[str]
) -> None:
    scope = strict_scope(MypyConfig(path=None, options={}), (pattern,))
    assert scope.source == "[tool.readiness.typing] strict"
    assert all(module in scope for module in inside)
    assert not any(module in scope for module in outside)
    assert 3 not in scope


def test_module_names_follow_the_package_folders(tmp_path: Path) -> None:
    for name in (
        "src/app/__init__.py",
        "src/app/sub/__init__.pyi",
        "src/app/sub/mod.py",
        "src/app/nspkg/leaf.py",
        "shim-stubs/__init__.pyi",
        "top.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert module_name(tmp_path, "src/app/sub/mod.py") == "app.sub.mod"
    assert module_name(tmp_path, "src/app/__init__.py") == "app"
    assert module_name(tmp_path, str(tmp_path / "src/app/sub/__init__.pyi")) == (
        "app.sub"
    )
    assert module_name(tmp_path, "src/app/nspkg/leaf.py") == "leaf"
    assert module_name(tmp_path, "shim-stubs/__init__.pyi") == "shim"
    assert module_name(tmp_path, "top.py") == "top"


def test_source_files_honour_globs_folders_and_exclude(tmp_path: Path) -> None:
    for name in (
        "src/app/__init__.py",
        "src/app/core.py",
        "src/app/gen/auto.py",
        "src/app/.hidden/x.py",
        "src/app/__pycache__/core.py",
        "src/app/data.csv",
        "scripts/run.py",
        "setup.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    excluded = MypyConfig(path="x", options={"exclude": ["/gen/", "["]})
    assert source_files(tmp_path, ["src", "scripts/*.py", "setup.py"], excluded) == [
        "scripts/run.py",
        "setup.py",
        "src/app/__init__.py",
        "src/app/core.py",
    ]
    ini_style = MypyConfig(path="x", options={"exclude": "^src/app/core\\.py$"})
    assert source_files(tmp_path, ["src", "missing"], ini_style) == [
        "src/app/__init__.py",
        "src/app/gen/auto.py",
    ]


# --- options and the environment ---


def context(root: Path, scratch: Path, *, baseline: Path | None = None) -> GateContext:
    session = Session.open(root, baseline=baseline)
    return GateContext.start(
        "typing",
        target=session.target,
        settings=session.settings,
        scratch=scratch,
        timeout_s=600,
    )


def run_typing(
    root: Path, scratch: Path, *, baseline: Path | None = None
) -> GateResult:
    ctx = context(root, scratch, baseline=baseline)
    return execute(TypingGate(), ctx, time.monotonic())


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("stict = ['a']", "has unknown key 'stict'"),
        ("extras = ['nope']", "extras: the target declares no 'nope' (it declares:"),
        ("groups = ['lint']", "groups: the target declares no 'lint' (it declares:"),
        ("python = 3.12", "python must be a string"),
        ("strict = 'app'", "strict must be a list of strings"),
    ],
)
def test_wrong_gate_options_are_one_line_errors(
    make_repo: MakeRepo, tmp_path: Path, table: str, message: str
) -> None:
    root = make_repo(
        {
            "pyproject.toml": f"""
            [project]
            name = "app"
            [project.optional-dependencies]
            dev = ["mypy"]
            [dependency-groups]
            typing = ["types-PyYAML"]
            [tool.readiness.typing]
            {table}
            """,
            "app/__init__.py": "",
        }
    )
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.ERROR
    assert result.reason is not None
    assert message in result.reason


def test_the_default_extras_and_groups_and_the_mypy_to_install(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "pyproject.toml": """
            [project]
            name = "my-app"
            [project.optional-dependencies]
            test = ["pytest"]
            dev = ["my-app[test,typing]", "ruff"]
            typing = ["mypy>=1.11", "types-requests"]
            docs = ["sphinx"]
            [dependency-groups]
            types = ["pandas-stubs", {include-group = "lint"}]
            lint = ["ruff"]
            """,
        }
    )
    target = discover(root)
    requirements = declared(target, ("dev",), ("types",))
    assert sorted(requirements) == [
        "mypy>=1.11",
        "pandas-stubs",
        "pytest",
        "ruff",
        "ruff",
        "types-requests",
    ]
    ours = MypyChoice(
        requirements=(f"mypy=={MYPY_VERSION}",),
        source="readiness (the target pins no mypy)",
    )
    assert mypy_requirement(root, requirements) == ours
    assert mypy_requirement(root, ["ruff"]) == ours
    assert mypy_requirement(root, ["mypy==1.13.0", "not a requirement !"]) == (
        MypyChoice(
            requirements=("mypy==1.13.0",), source="pyproject.toml (dev/test pins)"
        )
    )
    assert mypy_requirement(root, ["mypy<2,>=1.11"]) == MypyChoice(
        requirements=(), source="the target's requirement (mypy<2,>=1.11)"
    )


def test_the_mypy_version_pinned_here_is_the_dev_lock_s() -> None:
    lock = (REPO_ROOT / "constraints" / "dev.txt").read_text()
    assert re.findall(r"^mypy==([^\s;]+)", lock, re.MULTILINE) == [MYPY_VERSION]


def fake_mypy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    version: str = MYPY_VERSION,
    stdout: str = "\n",  # what a clean ``mypy -O json`` prints
    stderr: str = "",
    code: int = 0,
    unbuildable: str | None = None,
) -> list[environments.Spec]:
    """An environment whose ``python -m mypy`` prints what it is told to;
    ``unbuildable``: the BuildError an environment with the target raises."""
    script = tmp_path / "fake-env" / "bin" / "python"
    script.parent.mkdir(parents=True)
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, pathlib, sys\n"
        "if sys.argv[-1] == '--version':\n"
        f"    print('mypy {version} (compiled: no)')\n"
        "    sys.exit(0)\n"
        f"pathlib.Path({str(tmp_path / 'argv.json')!r}).write_text("
        "json.dumps(sys.argv[1:]))\n"
        f"sys.stdout.write({stdout!r})\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({code})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    specs: list[environments.Spec] = []

    def ensure(
        target: object, spec: environments.Spec, **kwargs: object
    ) -> environments.Environment:
        specs.append(spec)
        if unbuildable is not None and spec.install_target:
            raise environments.BuildError(unbuildable)
        return environments.Environment(
            path=script.parent.parent,
            python=script,
            interpreter=environments.Interpreter(
                path=Path(sys.executable), version=Version("3.11.0")
            ),
            reused=True,
        )

    monkeypatch.setattr(environments, "ensure", ensure)
    return specs


def mypy_argv(tmp_path: Path) -> list[str]:
    argv: list[str] = json.loads((tmp_path / "argv.json").read_text())
    return argv


APP = {
    "pyproject.toml": """
    [project]
    name = "app"
    [project.optional-dependencies]
    dev = ["types-PyYAML"]
    docs = ["sphinx"]
    """,
    "src/app/__init__.py": "",
    "src/app/core.py": "",
    "src/app/legacy.py": "",
}


def line(path: str, number: int, message: str, code: str, hint: str = "") -> str:
    return json.dumps(
        {
            "file": path,
            "line": number,
            "column": 4,
            "message": message,
            "hint": hint or None,
            "code": code,
            "severity": "error",
        }
    )


def test_mypy_s_version_is_asked_again_only_when_mypy_is_installed_again(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run of any tool in the typing environment writes byte code
    into site-packages, whose mtime keyed the remembered answer: every audit
    after the first asked mypy for its version again, before mypy could
    start."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "envs"))
    python = tmp_path / "env" / "bin" / "python"
    python.parent.mkdir(parents=True)
    asked = tmp_path / "asked"
    python.write_text(
        f"#!{sys.executable}\n"
        f"open({str(asked)!r}, 'a').write('asked\\n')\n"
        "print('mypy 2.4.1 (compiled: yes)')\n",
        encoding="utf-8",
    )
    python.chmod(0o755)
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    (site / "mypy-2.4.1.dist-info").mkdir(parents=True)
    root = make_repo(APP)
    ctx = GateContext.start(
        "typing",
        target=discover(root),
        settings=Session.open(root, cache=tmp_path / "cache").settings,
        scratch=tmp_path / "scratch",
    )
    assert typing_run.mypy_version(ctx, python) == Version("2.4.1")
    (site / "__pycache__").mkdir()  # a tool's first run there
    assert typing_run.mypy_version(ctx, python) == Version("2.4.1")
    assert asked.read_text().count("asked") == 1
    (site / "mypy-2.4.1.dist-info").rename(site / "old")
    (site / "mypy-2.4.1.dist-info").mkdir()  # installed again
    assert typing_run.mypy_version(ctx, python) == Version("2.4.1")
    assert asked.read_text().count("asked") == 2


def test_without_config_mypy_runs_with_defaults_on_the_packages(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = fake_mypy(tmp_path, monkeypatch)
    result = run_typing(make_repo(APP), tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason
    (spec,) = specs
    assert (spec.kind, spec.extras, spec.groups) == ("typing", ("dev",), ())
    assert spec.packages == (f"mypy=={MYPY_VERSION}",)
    assert {k: result.metrics[k] for k in ENVIRONMENT_METRICS} == {
        "mypy_source": "readiness (the target pins no mypy)",
        "versions_from": "resolved",
        "extras": "dev",
        "guarded_extras": "none",
        "hook_packages": "none",
        "target_installed": "yes",
    }
    argv = mypy_argv(tmp_path)
    # isolated (-I): the target's root-level modules cannot shadow mypy's own
    assert argv[:4] == ["-I", "-m", "mypy", "--config-file"]
    assert Path(argv[4]).read_text() == "[mypy]\n"  # no parent or user config
    assert argv[argv.index("--cache-dir") + 1].startswith(str(tmp_path / "scratch"))
    assert argv[-3:] == ["-O", "json", "src/app"]
    assert "--strict" not in argv
    assert result.metrics["config"] == "none (mypy defaults)"
    assert (
        result.metrics["strict_scope"] == "the strict flags of the mypy configuration"
    )
    assert result.tools == {"mypy": MYPY_VERSION}
    assert [c.text for c in result.criteria] == [
        "mypy clean on the strict-scoped modules (no module is strict-scoped)",
        (
            "legacy error counts not above the baseline (no baseline at"
            " readiness-baseline.json: 0 legacy errors in 0 modules reported, not"
            " failing; `readiness baseline typing` records one)"
        ),
    ]


XDIST_LIKE = {
    "pyproject.toml": """
    [project]
    name = "plug"
    dependencies = ["pytest>=7"]
    [project.optional-dependencies]
    psutil = ["psutil>=3.0"]
    setproctitle = ["setproctitle"]
    docs = ["sphinx"]
    testing = ["filelock"]
    [tool.mypy]
    files = ["src"]
    """,
    ".pre-commit-config.yaml": """
    repos:
    - repo: https://github.com/astral-sh/ruff-pre-commit
      rev: v0.12.0
      hooks:
        - id: ruff
          additional_dependencies: [not-for-mypy]
    - repo: https://github.com/pre-commit/mirrors-mypy
      rev: v1.16.1
      hooks:
        - id: mypy
          additional_dependencies: [types-psutil, setproctitle, ".", plug]
    """,
    "src/xdist/__init__.py": "",
    # psutil and setproctitle imported under guards; filelock and sphinx unguarded
    # or not imported: only the extras of the first two are installed.
    "src/xdist/plugin.py": """
    import filelock
    try:
        import psutil
    except ImportError:
        psutil = None
    """,
    "src/xdist/remote.py": """
    try:
        from setproctitle import setproctitle
    except (ModuleNotFoundError, KeyError):
        def setproctitle(title: str) -> None: ...
    """,
}


def test_the_environment_installs_what_the_project_s_mypy_hook_installs(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest-xdist: its mypy hook installs types-psutil and setproctitle (and the
    hook's rev pins mypy 1.16.1); without them mypy reported psutil and
    setproctitle as import-untyped/import-not-found."""
    specs = fake_mypy(tmp_path, monkeypatch, version="1.16.1")
    result = run_typing(make_repo(XDIST_LIKE), tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason
    (spec,) = specs
    assert spec.extras == ("psutil", "setproctitle")
    assert spec.packages == ("types-psutil", "setproctitle", "mypy==1.16.1")
    assert spec.constraints is None
    assert {k: result.metrics[k] for k in ENVIRONMENT_METRICS} == {
        "mypy_source": ".pre-commit-config.yaml (hook rev)",
        "versions_from": "resolved",
        "extras": "psutil, setproctitle",
        "guarded_extras": "psutil, setproctitle",
        "hook_packages": "types-psutil, setproctitle",
        "target_installed": "yes",
    }
    assert result.tools == {"mypy": "1.16.1"}


ENVIRONMENT_METRICS = (
    "mypy_source",
    "versions_from",
    "extras",
    "guarded_extras",
    "hook_packages",
    "target_installed",
)


def test_guarded_imports_are_those_under_an_import_error_handler(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.py").write_text(textwrap.dedent("""
            import json
            try:
                import yaml.loader, ujson
                from toml import loads
                from . import sibling
            except ImportError:
                pass
            try:
                import tomli
            except KeyError:
                pass
            try:
                import orjson
            except:
                pass
            try:
                import lxml
            except builtins.ModuleNotFoundError:
                pass
            """))
    (tmp_path / "broken.py").write_text("try:\n")
    found = typing_gate.guarded_imports(tmp_path, ["a.py", "broken.py", "gone.py"])
    assert found == {"yaml", "ujson", "toml", "orjson", "lxml"}


def test_a_file_no_handler_of_which_could_catch_import_error_is_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readiness import pysource  # noqa: PLC0415

    parsed: list[str] = []
    parse = pysource.parse

    def counting(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
        parsed.append(filename)
        return parse(source, filename=filename)

    monkeypatch.setattr(pysource, "parse", counting)
    (tmp_path / "values.py").write_text(
        "try:\n    import tomli\nexcept (KeyError, ValueError):\n    pass\n"
    )
    (tmp_path / "bare.py").write_text("try:\n    import tomli\nexcept :\n    pass\n")
    (tmp_path / "base.py").write_text(
        "try:\n    import orjson\nexcept BaseException:\n    pass\n"
    )
    found = typing_gate.guarded_imports(tmp_path, ["values.py", "bare.py", "base.py"])
    assert found == {"tomli", "orjson"}
    assert parsed == ["bare.py", "base.py"]


def test_guarded_imports_nested_anywhere_in_the_statements(tmp_path: Path) -> None:
    """Only statements are walked (a try and an import are never inside an
    expression): tries in functions, classes, loops, match cases, handlers and
    other tries are all found, with the line of each import."""
    (tmp_path / "deep.py").write_text(textwrap.dedent("""
            class Loader:
                def load(self):
                    for _ in range(1):
                        match self:
                            case _:
                                try:
                                    if True:
                                        import yaml
                                except ImportError:
                                    try:
                                        import simplejson
                                    except* ModuleNotFoundError:
                                        pass
            while False:
                with open("x"):
                    try:
                        def inner():
                            from lxml import etree
                    except Exception:
                        pass
            value = [x for x in "try"]
            """))
    (tmp_path / "plain.py").write_text("import toml\n")
    found = typing_gate.guarded(tmp_path, ["deep.py", "plain.py"])
    assert found.modules == {"yaml", "simplejson", "lxml"}
    assert found.sites == {("deep.py", 9), ("deep.py", 12), ("deep.py", 19)}


def test_the_mypy_the_lock_pins_and_the_locked_versions(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flask: its uv.lock pins click 8.3.x, the typing environment got click 8.5.1,
    and mypy reported two strict errors the project does not have."""
    root = make_repo(
        {
            **APP,
            "uv.lock": """
            version = 1
            [[package]]
            name = "mypy"
            version = "1.19.1"
            """,
        }
    )
    exported: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def export_lock(
        target: object,
        *,
        extras: tuple[str, ...],
        groups: tuple[str, ...],
        dest: Path,
        run: object,
    ) -> Path:
        exported.append((extras, groups))
        dest.write_text("mypy==1.19.1\n")
        return dest

    monkeypatch.setattr(environments, "export_lock", export_lock)
    specs = fake_mypy(tmp_path, monkeypatch, version="1.19.1")
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason
    (spec,) = specs
    assert exported == [(("dev",), ())]
    assert spec.constraints == tmp_path / "scratch" / "typing-locked.txt"
    assert spec.packages == ("mypy==1.19.1",)
    assert (result.metrics["mypy_source"], result.metrics["versions_from"]) == (
        "uv.lock",
        "uv.lock",
    )


def test_a_lock_uv_cannot_export_falls_back_to_resolving(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def export_lock(target: object, **kwargs: object) -> Path:
        raise environments.BuildError("uv cannot export uv.lock: it is stale")

    monkeypatch.setattr(environments, "export_lock", export_lock)
    specs = fake_mypy(tmp_path, monkeypatch)
    root = make_repo({**APP, "uv.lock": "version = 1\n"})
    result = run_typing(root, tmp_path / "scratch")
    assert specs[0].constraints is None
    assert result.metrics["versions_from"] == (
        "resolved (uv cannot export uv.lock: it is stale)"
    )


def test_an_unsupported_python_version_is_replaced_by_the_interpreter_s(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flask: `python_version = "3.9"` with a mypy that supports 3.10 and later
    made the gate an error ("mypy rejects its configuration")."""
    files = {
        **APP,
        "pyproject.toml": """
        [project]
        name = "app"
        [tool.mypy]
        python_version = "3.9"
        """,
    }
    complaint = (
        "pyproject.toml: [mypy]: python_version: Python 3.9 is not supported (must"
        " be 3.10 or higher)\n"
    )
    fake_mypy(tmp_path, monkeypatch, stderr=complaint)
    result = run_typing(make_repo(files), tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason
    argv = mypy_argv(tmp_path)  # the second run's
    assert argv[:5] == ["-I", "-m", "mypy", "--python-version", "3.11"]
    assert result.metrics["python_version"] == "3.11 (configured 3.9: unsupported)"
    assert result.criteria[-1] == Criterion(
        text="mypy checked the code for Python 3.11 (the configured python_version"
        f" 3.9 is older than mypy {MYPY_VERSION} supports)",
        met=True,
    )


def test_a_target_that_does_not_build_is_checked_from_its_source(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 11: a legacy codebase whose setup.py cythonizes a git-ignored file left
    the typing gate in `error`, though mypy does not need the target installed."""
    files = {
        **APP,
        "pyproject.toml": """
        [project]
        name = "app"
        dependencies = ["attrs"]
        [project.optional-dependencies]
        dev = ["types-PyYAML", "app[extra]"]
        extra = ["rich"]
        [dependency-groups]
        typing = ["types-requests"]
        """,
    }
    specs = fake_mypy(
        tmp_path,
        monkeypatch,
        unbuildable="blocked: the package does not build (src/app/_ext.pyx: not found)",
    )
    result = run_typing(make_repo(files), tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason
    first, second = specs
    assert (first.install_target, first.extras) == (True, ("dev",))
    assert (second.install_target, second.extras, second.groups) == (
        False,
        (),
        ("typing",),
    )
    assert second.packages == (
        "attrs",
        "types-PyYAML",
        "rich",
        f"mypy=={MYPY_VERSION}",
    )
    assert result.metrics["target_installed"] == (
        "no (the package does not build (src/app/_ext.pyx: not found))"
    )
    assert result.criteria[-1] == Criterion(
        text="mypy checked the source with the dependencies installed but not the"
        " target (the package does not build (src/app/_ext.pyx: not found))",
        met=True,
    )


def test_other_build_errors_stay_gate_errors(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = fake_mypy(
        tmp_path, monkeypatch, unbuildable="cannot build the typing environment: x"
    )
    result = run_typing(make_repo(APP), tmp_path / "scratch")
    assert (result.status, result.reason) == (
        Status.ERROR,
        "cannot build the typing environment: x",
    )
    assert len(specs) == 1


def test_strict_scope_from_settings_fails_on_its_errors(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        **APP,
        "pyproject.toml": """
        [project]
        name = "app"
        [tool.mypy]
        files = ["src"]
        [tool.readiness.typing]
        strict = ["app.core"]
        extras = []
        packages = ["types-requests"]
        python = "3.11"
        """,
    }
    stdout = "\n".join(
        [
            line(
                "src/app/core.py",
                3,
                "Function is missing a type annotation",
                "no-untyped-def",
            ),
            line(
                "src/app/legacy.py", 9, 'Name "x" already defined on line 2', "no-redef"
            ),
        ]
    )
    specs = fake_mypy(tmp_path, monkeypatch, stdout=stdout + "\n", code=1)
    result = run_typing(make_repo(files), tmp_path / "scratch")
    assert result.status is Status.FAIL
    assert specs[0].packages == ("types-requests", f"mypy=={MYPY_VERSION}")
    assert mypy_argv(tmp_path)[-2:] == ["-O", "json"]  # the config names the files
    assert result.metrics["strict_scope"] == "[tool.readiness.typing] strict"
    assert (result.metrics["strict"], result.metrics["legacy"]) == (1, 1)
    assert result.criteria[0].text == (
        "mypy clean on the strict-scoped modules (app.core: 1 error)"
    )
    assert not result.criteria[0].met
    strict, legacy = result.findings
    assert (strict.rule, strict.location, strict.severity) == (
        "no-untyped-def",
        "src/app/core.py:3",
        Severity.MEDIUM,
    )
    assert strict.fix == "annotate every parameter and the return type"
    assert strict.details == {"module": "app.core", "column": 5}
    assert (legacy.rule, legacy.severity) == ("no-redef", Severity.LOW)


def test_mypy_rejecting_its_config_is_a_one_line_gate_error(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {**APP, "pyproject.toml": "[project]\nname = 'app'\n[tool.mypy]\nx = 1\n"}
    fake_mypy(
        tmp_path,
        monkeypatch,
        stderr="pyproject.toml: [mypy]: Unrecognized option: x = 1\n"
        "pyproject.toml: [mypy]: Unrecognized option: y = 2\n",
    )
    result = run_typing(make_repo(files), tmp_path / "scratch")
    assert result.status is Status.ERROR
    assert result.reason == (
        "mypy rejects its configuration: pyproject.toml: [mypy]: Unrecognized"
        " option: x = 1 (and 1 more)"
    )


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (
            ("", "missing: error: Cannot read file: No such file or directory\n", 2),
            (
                "mypy could not check the target: missing: error: Cannot read file: No"
                " such file or directory"
            ),
        ),
        (("{not json\n", "", 1), "mypy printed a line that is not JSON: '{not json'"),
    ],
)
def test_mypy_failures_are_gate_errors(
    make_repo: MakeRepo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    output: tuple[str, str, int],
    reason: str,
) -> None:
    stdout, stderr, code = output
    fake_mypy(tmp_path, monkeypatch, stdout=stdout, stderr=stderr, code=code)
    result = run_typing(make_repo(APP), tmp_path / "scratch")
    assert (result.status, result.reason) == (Status.ERROR, reason)


def test_a_blocking_error_fails_the_gate_and_cannot_be_baselined(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout = line("src/app/core.py", 1, "Expected `)`, found newline", "syntax")
    fake_mypy(tmp_path, monkeypatch, stdout=stdout, code=2)
    root = make_repo(APP)
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.FAIL
    assert result.criteria[-1].text == (
        "mypy checked every file (a blocking error stopped it at src/app/core.py:1:"
        " Expected `)`, found newline)"
    )
    assert cli.main(["baseline", "typing", str(root)]) == 3
    assert not (root / baselines.FILENAME).exists()


def test_a_missing_or_broken_mypy_is_a_gate_error(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_mypy(tmp_path, monkeypatch, version="unknown")
    root = make_repo(APP)
    result = run_typing(root, tmp_path / "scratch")
    assert result.reason == (
        "mypy --version printed no version: 'mypy unknown (compiled: no)'"
    )
    (tmp_path / "fake-env" / "bin" / "python").write_text(
        f"#!{sys.executable}\nimport sys\nsys.exit('No module named mypy')\n"
    )
    result = run_typing(root, tmp_path / "scratch")
    assert result.reason is not None
    assert result.reason.startswith("mypy is not usable in the typing environment: ")
    assert result.reason.endswith("No module named mypy")


def test_old_mypy_is_read_from_its_text_output(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout = "src/app/legacy.py:4:5: error: Bad thing  [misc]\n"
    fake_mypy(tmp_path, monkeypatch, version="1.10.1", stdout=stdout, code=1)
    result = run_typing(
        make_repo({**APP, "mypy.ini": "[mypy]\n"}), tmp_path / "scratch"
    )
    argv = mypy_argv(tmp_path)
    assert "-O" not in argv
    assert {"--show-error-codes", "--no-pretty", "--no-error-summary"} <= set(argv)
    assert result.tools == {"mypy": "1.10.1"}
    assert [f.location for f in result.findings] == ["src/app/legacy.py:4"]


def test_a_target_without_packages_or_files_is_skipped(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo({"pyproject.toml": "[project]\nname = 'nothing'\n"})
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "no Python packages found and the mypy configuration names no files"
    )


# --- reading mypy's output ---


def test_json_output_is_read_and_non_json_lines_skipped(tmp_path: Path) -> None:
    target = discover(EXAMPLE)
    found = read_json(target, RECORDED_JSON)
    assert [(e.location, e.code, e.module) for e in found] == [
        ("src/legacy_app/config.py:5", "import-untyped", "legacy_app.config"),
        ("src/legacy_app/utils/errors.py:18", "type-arg", "legacy_app.utils.errors"),
    ]
    assert found[0].hint.startswith('Hint: "python3 -m pip install types-PyYAML"')
    assert (found[0].column, found[1].column) == (1, 26)
    fileless = read_json(target, json.dumps({"severity": "error", "message": "m"}))
    assert [(e.path, e.module, e.code, e.line) for e in fileless] == [
        ("<unknown>", "<unknown>", "mypy", None)
    ]
    assert error_finding_path(fileless[0]) is None


def error_finding_path(found: MypyError) -> str | None:
    return typing_gate.error_finding(found, severity=Severity.LOW).path


def test_text_output_is_read_with_notes_as_hints() -> None:
    found = read_text(discover(EXAMPLE), RECORDED_TEXT)
    assert [(e.location, e.column, e.code) for e in found] == [
        ("src/legacy_app/config.py:5", 1, "import-untyped"),
        ("src/legacy_app/paper.py:20", 12, "return-value"),
        ("src/legacy_app/utils/errors.py:39", None, "no-untyped-def"),
    ]
    assert found[0].hint.splitlines() == [
        'Hint: "python3 -m pip install types-PyYAML"',
        '(or run "mypy --install-types" to install all missing stub packages)',
    ]
    assert found[1].hint == ""
    other_file = "a.py:1: error: Bad  [misc]\nb.py:1: note: about b, not a\n"
    assert [e.hint for e in read_text(discover(EXAMPLE), other_file)] == [""]


# --- missing stubs ---


def test_missing_stubs_are_grouped_by_package_with_the_distribution() -> None:
    hint = (
        'Hint: "python3 -m pip install types-PyYAML"\n(or run "mypy --install-types")'
    )
    not_found = "Cannot find implementation or library stub for module named"
    untyped = "module is installed, but missing library stubs or py.typed marker"
    errors = [
        error(
            "app.config",
            'Library stubs not installed for "yaml"',
            code="import-untyped",
            hint=hint,
        ),
        *(
            error(
                module, f'Library stubs not installed for "{name}"', code=code, line=n
            )
            for module, name, code, n in (
                ("app.broker", "requests", "import-untyped", 5),
                ("app.data", "requests.adapters", "import-untyped", 6),
            )
        ),
        error(
            "app.b",
            f'Skipping analyzing "exchange_calendars": {untyped}',
            code="import-untyped",
        ),
        error("app.c", f'{not_found} "ib_insync.contract"', code="import-not-found"),
        error("app.a", f'{not_found} "pandas"', code="import-not-found"),
        error("app.d", "Cannot find module without a quoted name", code="import"),
        error("app.e", 'Incompatible types in "x"', code="assignment"),
    ]
    by_package = {f.details["package"]: f for f in stub_findings(errors)}
    assert list(by_package) == [
        "exchange_calendars",
        "ib_insync",
        "pandas",
        "requests",
        "yaml",
    ]
    yaml = by_package["yaml"]
    assert (yaml.rule, yaml.severity, yaml.location) == (
        MISSING_STUBS.id,
        Severity.LOW,
        "src/app/config.py:1",
    )
    assert yaml.details["stub"] == "types-PyYAML"
    assert yaml.details["source"] == "mypy's hint"
    assert yaml.fix == "add types-PyYAML to the dev extra"
    requests = by_package["requests"]
    assert requests.details["errors"] == 2
    assert requests.details["source"] == "readiness's stub table"
    assert "(2 errors: src/app/broker.py:5, src/app/data.py:6)" in requests.message
    assert by_package["pandas"].details["stub"] == "pandas-stubs"
    calendars = by_package["exchange_calendars"]
    assert "stub" not in calendars.details
    assert calendars.message.endswith(
        "no stub package is known: keep ignore_missing_imports for"
        ' module = ["exchange_calendars", "exchange_calendars.*"] only'
    )
    assert calendars.fix == "ignore_missing_imports for exchange_calendars only"
    assert "not installed in the typing environment" in by_package["ib_insync"].message


def test_many_errors_of_one_package_are_shortened() -> None:
    errors = [
        error(
            f"app.m{n}", 'Library stubs not installed for "six"', code="import-untyped"
        )
        for n in range(5)
    ]
    (finding,) = stub_findings(errors)
    assert "(5 errors: src/app/m0.py:1, src/app/m1.py:1, src/app/m2.py:1, +2 more)" in (
        finding.message
    )


# --- the legacy ratchet ---


def test_baseline_keys_do_not_depend_on_line_numbers() -> None:
    moved = [
        error("app.a", 'Name "x" already defined on line 12', line=40),
        error("app.a", 'Name "x" already defined on line 30', line=80),
        error("app.b", "Bad", code="misc"),
    ]
    assert legacy_counts(moved) == {
        "app.a": {'return-value: Name "x" already defined on line N': 2},
        "app.b": {"misc: Bad": 1},
    }


def test_the_ratchet_names_regressed_and_improved_modules() -> None:
    baseline = {"app.a": {"misc: one": 1, "misc: two": 1}, "app.gone": {"misc: x": 1}}
    current = [
        error("app.a", "one", code="misc"),
        error("app.a", "three", code="misc", line=7),
        error("app.a", "three", code="misc", line=9),
        error("app.new", "fresh", code="misc", line=3),
    ]
    result = ratchet(current, baseline, "readiness-baseline.json")
    assert not result.criterion.met
    assert result.criterion.text == (
        "legacy error counts not above the baseline (4 legacy errors in 2 modules,"
        " baseline 3; regressed: app.a 2 -> 3, app.new 0 -> 1; improved: app.gone"
        " 1 -> 0; `readiness baseline typing` locks it in)"
    )
    assert [(f.location, f.severity) for f in result.findings] == [
        ("src/app/a.py:7", Severity.MEDIUM),
        ("src/app/a.py:9", Severity.MEDIUM),
        ("src/app/new.py:3", Severity.MEDIUM),
    ]
    assert result.findings[0].message == (
        "three (new since the baseline: app.a has 3, the baseline 2)"
    )
    assert dict(result.metrics) == {
        "baseline": "readiness-baseline.json",
        "baseline_errors": 3,
        "regressed": "app.a, app.new",
        "improved": "app.gone",
    }
    same = ratchet(current[:1], {"app.a": {"misc: one": 1}}, "b.json")
    assert same.criterion.met
    assert same.findings == ()
    assert same.criterion.text == (
        "legacy error counts not above the baseline (1 legacy error in 1 module,"
        " baseline 1)"
    )


def test_many_modules_are_summarised() -> None:
    counts = Counter({f"m{n:02}": 12 - n for n in range(12)})
    assert summarise(counts) == (
        "m00=12, m01=11, m02=10, m03=9, m04=8, m05=7, m06=6, m07=5, m08=4, m09=3,"
        " +2 more"
    )
    assert summarise(Counter({}), empty="none") == "none"
    assert typing_gate.names([f"m{n}" for n in range(12)], 2) == "m0, m1, +10 more"


def test_evaluate_lists_few_strict_modules_by_name_and_many_by_count() -> None:
    many = typing_gate.Checked(
        config=MypyConfig(path=None, options={}),
        scope=strict_scope(MypyConfig(path=None, options={}), ("app.*",)),
        errors=(),
        modules=("app.a", "app.b", "app.c", "app.d", "other"),
        version=MYPY_VERSION,
        duration_s=0.5,
        blocked=False,
    )
    evaluation = evaluate(many, None, "readiness-baseline.json")
    assert evaluation.criteria[0].text == (
        "mypy clean on the strict-scoped modules (4 modules: 0 errors)"
    )
    assert evaluation.metrics["modules_checked"] == 5
    unknown = typing_gate.Checked(
        config=MypyConfig(path=None, options={}),
        scope=strict_scope(MypyConfig(path=None, options={}), ("app.*",)),
        errors=(error("app.x"),),
        modules=(),
        version=MYPY_VERSION,
        duration_s=0.5,
        blocked=False,
    )
    evaluation = evaluate(unknown, None, "readiness-baseline.json")
    assert evaluation.criteria[0].text == (
        "mypy clean on the strict-scoped modules (1 error)"
    )
    older = evaluate(unknown, {}, "b.json", recorded_with="1.19.0")
    assert older.criteria[1].text == (
        "legacy error counts not above the baseline (0 legacy errors in 0 modules,"
        " baseline 0; the baseline was recorded with mypy 1.19.0, this run used"
        f" {MYPY_VERSION})"
    )
    same = evaluate(unknown, {}, "b.json", recorded_with=MYPY_VERSION)
    assert "recorded with" not in same.criteria[1].text


# --- the baseline file ---


def test_the_baseline_file_keeps_other_gates_and_is_stable(tmp_path: Path) -> None:
    path = tmp_path / "nested" / baselines.FILENAME
    assert baselines.read(path) == {}
    assert baselines.section(path, "typing") is None
    baselines.write(path, "lint", {"E501": 3})
    baselines.write(path, "typing", {"modules": {"b": {"x": 1}, "a": {"y": 2}}})
    first = path.read_text()
    assert json.loads(first) == {
        "schema": baselines.SCHEMA,
        "gates": {
            "lint": {"E501": 3},
            "typing": {"modules": {"a": {"y": 2}, "b": {"x": 1}}},
        },
    }
    assert first.index('"a"') < first.index('"b"')
    assert first.endswith("}\n")
    baselines.write(path, "typing", {"modules": {"a": {"y": 2}, "b": {"x": 1}}})
    assert path.read_text() == first
    assert [p.name for p in path.parent.iterdir()] == [baselines.FILENAME]
    assert baselines.location(tmp_path, None) == tmp_path / baselines.FILENAME
    assert baselines.location(tmp_path, path) == path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not a readiness baseline: Expecting property name"),
        ('{"schema": "other"}', 'not a readiness baseline (expected "schema"'),
        (
            json.dumps({"schema": baselines.SCHEMA, "gates": {"typing": 3}}),
            '"gates" must map gate names to objects',
        ),
    ],
)
def test_a_malformed_baseline_file_is_a_one_line_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / baselines.FILENAME
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        baselines.read(path)
    with pytest.raises(ConfigError):
        baselines.write(path, "typing", {})


def test_unreadable_or_unwritable_baseline_files(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot be read"):
        baselines.read(folder)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot be read: Not a directory"):
        baselines.read(blocker / baselines.FILENAME)
    # a folder that does not exist and cannot be made: a dangling symlink holds its name
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    path = tmp_path / "gone" / baselines.FILENAME
    with pytest.raises(ConfigError, match="cannot write the baseline: File exists"):
        baselines.write(path, "typing", {})
    assert not path.exists()


def test_a_malformed_typing_section_is_a_gate_error(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(APP)
    baselines.write(root / baselines.FILENAME, "typing", {"modules": {"a": {"x": "1"}}})
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.ERROR
    assert result.reason == (
        f"{root / baselines.FILENAME}: the typing baseline must map modules to"
        " {error: count} objects (re-record it with `readiness baseline typing`)"
    )


def test_baseline_command_usage_errors(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(APP)
    assert cli.main(["baseline", "lint", str(root)]) == 2
    assert capsys.readouterr().err.strip() == (
        "readiness: error: the 'lint' gate keeps no baseline; gates with a"
        " baseline: typing"
    )
    assert cli.main(["audit", str(root), "--baseline", str(root / "nope.json")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"readiness: error: {root / 'nope.json'}: no such baseline file"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert cli.main(["baseline", "typing", str(empty)]) == 2
    assert "the typing gate does not apply: no Python packages found" in (
        capsys.readouterr().err
    )


# --- the real mypy ---


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> GateResult:
    """The gate on examples/legacy-app (its environment is shared with test_example)."""
    return run_typing(EXAMPLE, tmp_path_factory.mktemp("example-scratch"))


def located(result: GateResult, severity: Severity) -> list[tuple[str, str, str]]:
    return [
        (f.location, f.rule, f.message)
        for f in result.findings
        if f.severity is severity and f.rule != MISSING_STUBS.id
    ]


@pytest.mark.tools
def test_the_example_fails_on_its_strict_module_with_the_exact_errors(
    example: GateResult,
) -> None:
    assert example.status is Status.FAIL, example.reason
    assert located(example, Severity.MEDIUM) == [
        (
            "src/legacy_app/utils/errors.py:18",
            "type-arg",
            'Missing type arguments for generic type "dict"',
        ),
        (
            "src/legacy_app/utils/errors.py:32",
            "no-any-return",
            'Returning Any from function declared to return "dict[str, str]"',
        ),
        (
            "src/legacy_app/utils/errors.py:36",
            "return-value",
            'Incompatible return value type (got "str", expected "int")',
        ),
        (
            "src/legacy_app/utils/errors.py:39",
            "no-untyped-def",
            "Function is missing a type annotation",
        ),
    ]
    assert [(c.text, c.met) for c in example.criteria] == [
        (
            (
                "mypy clean on the strict-scoped modules (legacy_app.utils.errors:"
                " 4 errors)"
            ),
            False,
        ),
        (
            (
                "legacy error counts not above the baseline (no baseline at"
                " readiness-baseline.json: 3 legacy errors in 3 modules reported, not"
                " failing; `readiness baseline typing` records one)"
            ),
            True,
        ),
    ]
    assert example.tools == {"mypy": MYPY_VERSION}
    assert example.command[1:6] == (
        "-I",
        "-m",
        "mypy",
        "--config-file",
        "pyproject.toml",
    )


@pytest.mark.tools
def test_the_example_s_legacy_counts_and_figures(example: GateResult) -> None:
    # config.py:5's import-untyped is carried by its TY001 (issue 12: one missing
    # module, one finding; test_the_example_suggests_types_pyyaml)
    assert located(example, Severity.LOW) == [
        (
            "src/legacy_app/paper.py:20",
            "return-value",
            'Incompatible return value type (got "float", expected "int")',
        ),
        (
            "src/legacy_app/uptime.py:50",
            "assignment",
            (
                'Incompatible default for parameter "interval" (default has type'
                ' "None", parameter has type "timedelta")'
            ),
        ),
    ]
    metrics = dict(example.metrics)
    assert isinstance(metrics.pop("mypy_s"), float)
    assert metrics == {
        "total": 7,
        "strict": 4,
        "legacy": 3,
        "strict_modules": 1,
        "modules_checked": 16,
        "strict_scope": "the strict flags of pyproject.toml",
        "by_code": "return-value=2, assignment=1, import-untyped=1, no-any-return=1,"
        " no-untyped-def=1, type-arg=1",
        "top_modules": "legacy_app.utils.errors=4, legacy_app.config=1,"
        " legacy_app.paper=1, legacy_app.uptime=1",
        "missing_stubs": "yaml (types-PyYAML)",
        "baseline": "none",
        "config": "pyproject.toml",
        "mypy_source": "readiness (the target pins no mypy)",
        "versions_from": "resolved",
        "extras": "dev, test",
        "guarded_extras": "none",
        "hook_packages": "none",
        "target_installed": "yes",
    }


@pytest.mark.tools
def test_the_example_suggests_types_pyyaml(example: GateResult) -> None:
    (stubs,) = [f for f in example.findings if f.rule == MISSING_STUBS.id]
    assert stubs.location == "src/legacy_app/config.py:5"
    assert stubs.details["stub"] == "types-PyYAML"
    assert stubs.details["source"] == "mypy's hint"
    assert stubs.message == (
        'no type information for an imported package: "yaml" (1 error:'
        " src/legacy_app/config.py:5); install types-PyYAML (add it to the dev extra)"
    )


RATCHET = {
    "pyproject.toml": f"""
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"

    [project]
    name = "ratchet-app"
    version = "0.1.0"
    requires-python = ">=3.11"

    [tool.hatch.build.targets.wheel]
    packages = ["src/ratchet_app"]

    [tool.mypy]
    files = ["src"]

    [[tool.mypy.overrides]]
    module = "ratchet_app.core"
    {textwrap.indent(STRICT_OVERRIDE_FLAGS.strip(), "    ").strip()}
    """,
    "src/ratchet_app/__init__.py": "",
    "src/ratchet_app/core.py": """
    def double(value: int) -> int:
        return value * 2
    """,
    "src/ratchet_app/legacy.py": """
    def half(value: int) -> int:
        return value / 2


    def label(value: int) -> str:
        return value
    """,
    "src/ratchet_app/other.py": """
    def ratio(a: int, b: int) -> int:
        return a // b
    """,
}


def audit_json(root: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = cli.main(
        [
            "audit",
            str(root),
            "--gate",
            "typing",
            "--format",
            "json",
            "--out",
            str(out),
            *extra,
        ]
    )
    report = json.loads((out / "readiness-report.json").read_text())
    gate: dict[str, Any] = report["gates"][0]
    return code, gate


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.tools
def test_the_baseline_round_trip(
    make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(RATCHET)
    out = tmp_path / "out"
    package = root / "src" / "ratchet_app"
    file = root / baselines.FILENAME

    assert cli.main(["baseline", "typing", str(root)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"wrote {file}: typing baseline, 2 legacy errors in 1 module (mypy"
        f" {MYPY_VERSION}); 0 errors in the strict scope are not baselined"
    )
    recorded = file.read_text()
    assert json.loads(recorded)["gates"]["typing"] == {
        "mypy": MYPY_VERSION,
        "modules": {
            "ratchet_app.legacy": {
                'return-value: Incompatible return value type (got "float",'
                ' expected "int")': 1,
                'return-value: Incompatible return value type (got "int",'
                ' expected "str")': 1,
            }
        },
    }

    # Lines inserted above the errors: same counts, the gate passes.
    edit(
        package / "legacy.py",
        "def half",
        '"""Moved down."""\n\nLIMIT = 3\n\n\ndef half',
    )
    code, gate = audit_json(root, out)
    assert (code, gate["status"]) == (0, "pass")
    assert gate["criteria"][1]["text"] == (
        "legacy error counts not above the baseline (2 legacy errors in 1 module,"
        " baseline 2)"
    )
    assert gate["findings"] == []
    assert cli.main(["baseline", "typing", str(root)]) == 0
    assert file.read_text() == recorded  # no churn

    # A new error in a legacy module: fail, naming the module and the error.
    edit(package / "other.py", "return a // b", "return a / b")
    code, gate = audit_json(root, out)
    assert (code, gate["status"]) == (1, "fail")
    assert gate["metrics"]["regressed"] == "ratchet_app.other"
    assert "regressed: ratchet_app.other 0 -> 1" in gate["criteria"][1]["text"]
    assert [
        (f["path"], f["line"], f["rule"], f["severity"]) for f in gate["findings"]
    ] == [("src/ratchet_app/other.py", 2, "return-value", "medium")]

    # That one reverted and one legacy error fixed: pass, the improvement named.
    edit(package / "other.py", "return a / b", "return a // b")
    edit(package / "legacy.py", "    return value\n", "    return str(value)\n")
    code, gate = audit_json(root, out)
    assert (code, gate["status"]) == (0, "pass")
    assert gate["metrics"]["improved"] == "ratchet_app.legacy"
    assert gate["criteria"][1]["text"] == (
        "legacy error counts not above the baseline (1 legacy error in 1 module,"
        " baseline 2; improved: ratchet_app.legacy 2 -> 1; `readiness baseline"
        " typing` locks it in)"
    )

    # --baseline FILE: another file, written and read.
    other = tmp_path / "elsewhere.json"
    assert cli.main(["baseline", "typing", str(root), "--baseline", str(other)]) == 0
    edit(package / "legacy.py", "    return str(value)\n", "    return value\n")
    code, gate = audit_json(root, out)
    assert (code, gate["metrics"]["baseline"]) == (0, baselines.FILENAME)
    code, gate = audit_json(root, out, "--baseline", str(other))
    assert (code, gate["status"]) == (1, "fail")
    assert gate["metrics"]["baseline"] == str(other)


@pytest.mark.tools
def test_mypy_rejecting_a_bad_config_value_with_the_real_mypy(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    files = {
        **RATCHET,
        "pyproject.toml": RATCHET["pyproject.toml"].replace(
            'files = ["src"]',
            'files = ["src"]\n    disallow_untyped_defs = "maybe"\n'
            "    [tool.mypy.legacy]\n    ignore_errors = true",
        ),
    }
    result = run_typing(make_repo(files), tmp_path / "scratch")
    assert (result.status, result.reason) == (
        Status.ERROR,
        (
            "mypy rejects its configuration: pyproject.toml: [mypy]:"
            " disallow_untyped_defs: Not a boolean: maybe (and 1 more)"
        ),
    )


@pytest.mark.tools
def test_readiness_itself_passes_strict_everywhere(tmp_path: Path) -> None:
    result = run_typing(REPO_ROOT, tmp_path / "scratch")
    assert result.status is Status.PASS, [f.location for f in result.findings]
    assert result.metrics["total"] == 0
    assert result.metrics["strict_modules"] == result.metrics["modules_checked"]
    assert result.findings == ()


def test_findings_have_stable_fingerprints() -> None:
    a = typing_gate.error_finding(error("app.a", line=3), severity=Severity.LOW)
    b = typing_gate.error_finding(error("app.a", line=30), severity=Severity.LOW)
    assert isinstance(a, Finding)
    assert a.fingerprint == b.fingerprint


def test_ctrl_c_while_recording_a_baseline_stops_the_tools(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped: list[bool] = []

    def interrupted(self: TypingGate, ctx: GateContext) -> baselines.Recorded:
        raise KeyboardInterrupt

    monkeypatch.setattr(TypingGate, "record_baseline", interrupted)
    monkeypatch.setattr(command, "terminate_all", lambda: stopped.append(True))
    root = make_repo(APP)
    assert cli.main(["baseline", "typing", str(root)]) == 130
    assert stopped == [True]
    assert not (root / baselines.FILENAME).exists()


def test_a_pyproject_that_is_not_toml_stops_at_discovery(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"pyproject.toml": "[tool.mypy\nstrict = true\n"})
    assert cli.main(["audit", str(root), "--gate", "typing"]) == 2
    assert cli.main(["baseline", "typing", str(root)]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2
    assert all(
        e.startswith(f"readiness: error: {root / 'pyproject.toml'}: invalid TOML: ")
        for e in errors
    )


def installed_version(python: Path, distribution: str) -> str:
    completed = command.run(
        [
            str(python),
            "-c",
            f"import importlib.metadata as m; print(m.version({distribution!r}))",
        ],
        cwd=python.parent,
        timeout_s=60,
    )
    return str(completed.stdout).strip()


@pytest.mark.tools
def test_the_typing_environment_holds_the_locked_versions(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """flask: its uv.lock pins click 8.3.x, the typing environment got click 8.5.1
    and mypy reported two strict errors the project does not have. Here the lock,
    resolved as of 2023-08-01, pins click 8.1.6 and mypy 1.4.1 (older than -O json)
    while the project asks for any click >= 8 and any mypy."""
    root = make_repo(
        {
            "pyproject.toml": """
            [project]
            name = "app"
            version = "0"
            requires-python = ">=3.11"
            dependencies = ["click>=8"]
            [dependency-groups]
            typing = ["mypy"]
            """,
            "app/__init__.py": "import click\n\nx: int = click.style('s')\n",
        }
    )
    command.run(
        ["uv", "lock", "--exclude-newer", "2023-08-01T00:00:00Z"],
        cwd=root,
        env=environments.UV_ENV,
        timeout_s=300,
    )
    ctx = context(root, tmp_path / "scratch")
    checked = typing_gate.check(ctx)
    assert checked.prepared is not None
    python = checked.prepared.env.python
    assert (installed_version(python, "click"), checked.version) == ("8.1.6", "1.4.1")
    assert (checked.prepared.versions_from, checked.prepared.mypy_source) == (
        "uv.lock",
        "uv.lock",
    )
    assert [(e.location, e.code) for e in checked.errors] == [
        ("app/__init__.py:3", "assignment")
    ]


@pytest.mark.tools
def test_a_target_that_does_not_build_is_still_type_checked(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """issue 11: a legacy codebase whose setup.py cythonizes a git-ignored file left
    the typing gate in `error`; mypy does not need the target installed."""
    root = make_repo(
        {
            "pyproject.toml": """
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "app"
            version = "0"
            dependencies = ["typing-extensions"]
            [tool.mypy]
            """,
            # the build fails; typing-extensions must still be there for mypy
            "setup.py": "raise FileNotFoundError('src/app/_ext.pyx')\n",
            "src/app/__init__.py": (
                "from typing_extensions import Literal\n\nx: Literal['a'] = 'b'\n"
            ),
        }
    )
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason  # a legacy error, no baseline
    assert result.metrics["target_installed"] == (
        "no (the package does not build (FileNotFoundError: src/app/_ext.pyx))"
    )
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        (
            "assignment",
            "src/app/__init__.py:3",
            (
                "Incompatible types in assignment (expression has type"
                " \"Literal['b']\", variable has type \"Literal['a']\")"
            ),
        )
    ]


def test_mypy_reads_the_tree_only_when_given_every_module(make_repo: MakeRepo) -> None:
    """The typing environment keeps a built install across module changes
    only when mypy is given every module of the packages as a source."""
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "1"\n',
            "src/app/__init__.py": "",
            "src/app/core.py": "",
            "src/app/data/gen.py": "",
        }
    )
    target = discover(root)
    assert target.packages == ("src/app",)
    every = ["src/app/__init__.py", "src/app/core.py", "src/app/data/gen.py"]
    assert typing_run.checks_every_module(target, [*every, "tests/test_core.py"])
    assert not typing_run.checks_every_module(target, every[:2])  # mypy excludes data/


@pytest.mark.parametrize(
    ("version", "args"),
    [
        ("1.18.2", ()),  # experimental there
        ("1.19.0", ("--fixed-format-cache",)),
        ("1.19.1", ("--fixed-format-cache",)),
        ("2.0.0", ()),  # mypy's default from 2.0
        ("2.4.1", ()),
    ],
)
def test_mypy_reads_its_binary_cache_where_it_is_stable_but_not_the_default(
    version: str, args: tuple[str, ...]
) -> None:
    assert typing_run.cache_format(Version(version)) == args
