"""The shared environment layer: interpreter choice, cache keys, builds and reuse."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

from readiness import command, environments
from readiness.cache import PROBES_FOLDER
from readiness.environments import BuildError, Interpreter, Spec
from readiness.target import discover
from tests.conftest import MakeRepo

RUNNING = Version(".".join(map(str, sys.version_info[:3])))


def interpreter(version: str, path: str | None = None) -> Interpreter:
    return Interpreter(
        path=Path(path or f"/opt/python{version}/bin/python3"),
        version=Version(version),
    )


AVAILABLE = [
    interpreter("3.13.0"),
    interpreter("3.12.1"),
    interpreter("3.11.7"),
    interpreter("3.10.13"),
]


# --- choose -----------------------------------------------------------------


def test_choose_prefers_the_running_interpreter_when_it_fits() -> None:
    running = interpreter(str(RUNNING), sys.executable)
    chosen = environments.choose([interpreter("3.99.0"), running], ">=3.10", None)
    assert chosen is running


def test_choose_takes_the_newest_that_fits_otherwise() -> None:
    others = [interpreter("4.2.0"), interpreter("4.1.5"), interpreter("4.0.1")]
    assert environments.choose(others, "<4.2", None).version == Version("4.1.5")
    assert environments.choose(others, None, None).version == Version("4.2.0")


def test_choose_accepts_prereleases_and_no_requirement() -> None:
    candidate = interpreter("3.14.0rc1")
    assert environments.choose([candidate], ">=3.11", None) is candidate
    assert environments.choose([candidate], None, None) is candidate


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        pytest.param("3.12", "3.12.1", id="minor"),
        pytest.param("3.12.1", "3.12.1", id="exact"),
        pytest.param("3.10", "3.10.13", id="older"),
    ],
)
def test_choose_the_wanted_version(wanted: str, expected: str) -> None:
    assert environments.choose(AVAILABLE, ">=3.10", wanted).version == Version(expected)


@pytest.mark.parametrize(
    ("available", "requires", "wanted", "message"),
    [
        pytest.param(
            AVAILABLE,
            ">=3.99",
            None,
            "no installed interpreter is a Python satisfying requires-python >=3.99"
            " (found: 3.13.0, 3.12.1, 3.11.7, 3.10.13)",
            id="requires-python",
        ),
        pytest.param(
            AVAILABLE,
            ">=3.11",
            "3.10",
            "no installed interpreter is Python 3.10 satisfying requires-python"
            " >=3.11 (found: 3.13.0, 3.12.1, 3.11.7, 3.10.13)",
            id="wanted-conflicts",
        ),
        pytest.param(
            AVAILABLE,
            None,
            "3.1",
            "no installed interpreter is Python 3.1"
            " (found: 3.13.0, 3.12.1, 3.11.7, 3.10.13)",
            id="prefix-is-a-component",
        ),
        pytest.param(
            [],
            None,
            None,
            "no installed interpreter is a Python (found: none)",
            id="none-installed",
        ),
        pytest.param(
            AVAILABLE,
            ">=3.x",
            None,
            "requires-python '>=3.x' is not a valid version specifier",
            id="invalid-specifier",
        ),
    ],
)
def test_choose_fails_in_one_line_naming_the_version(
    available: list[Interpreter], requires: str | None, wanted: str | None, message: str
) -> None:
    with pytest.raises(BuildError) as caught:
        environments.choose(available, requires, wanted)
    assert str(caught.value) == message


# --- finding interpreters ---------------------------------------------------


def executable(path: Path, text: str = "#!/bin/sh\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_candidate_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyenv = tmp_path / "pyenv"
    old = executable(pyenv / "versions" / "3.9.1" / "bin" / "python3")
    bin_dir = tmp_path / "bin"
    on_path = executable(bin_dir / "python3.12")
    executable(bin_dir / "python3-config")
    (bin_dir / "python3.8").write_text("")  # not executable
    shims = tmp_path / "shims"
    executable(shims / "python3.10")
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    monkeypatch.setenv("PATH", os.pathsep.join(["", str(shims), str(bin_dir)]))
    found = environments.candidate_paths()
    assert found[0] == Path(sys.executable).resolve()
    assert found[1:] == [old, on_path]


def test_interpreters_keeps_cpython_that_answers_newest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {
        "/a/python3": '["CPython", "3.11.7"]',
        "/b/python3": '["PyPy", "3.10.14"]',
        "/c/python3": None,
        "/d/python3": "garbage",
        "/e/python3": '["CPython", "3.13.0"]',
        "/f/python3": '["CPython", "3.11.7"]',
    }
    monkeypatch.setattr(
        environments, "candidate_paths", lambda: [Path(p) for p in answers]
    )

    def run(args: Sequence[str], **_: object) -> command.Completed:
        answer = answers[args[0]]
        if answer is None:
            raise command.ToolFailed("python3 exited with code 1: broken")
        return command.Completed(
            args=tuple(args), returncode=0, stdout=answer, stderr="", duration_s=0.0
        )

    found = environments.interpreters(run)
    assert [(str(i.path), str(i.version)) for i in found] == [
        ("/e/python3", "3.13.0"),
        ("/a/python3", "3.11.7"),
    ]


def test_the_cache_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    assert environments.cache_root() == tmp_path / "cache"
    monkeypatch.delenv("READINESS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert environments.cache_root() == tmp_path / "xdg" / "readiness"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert environments.cache_root() == tmp_path / "home" / ".cache" / "readiness"


# --- keys and builds (fake uv) ----------------------------------------------


def test_the_key_follows_every_input(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"pyproject.toml": '[project]\nname = "app"\nversion = "1"\n'})
    target = discover(root)
    spec = Spec(kind="test", extras=("test",))
    python = interpreter("3.11.7")
    first = environments.key(target, spec, python)
    assert environments.key(target, spec, python) == first
    assert environments.key(target, Spec(kind="test"), python) != first
    assert environments.key(target, spec, interpreter("3.12.1")) != first
    constraints = tmp_path / "test.txt"
    constraints.write_text("pytest==9.2.0\n")
    constrained = Spec(kind="test", extras=("test",), constraints=constraints)
    pinned = environments.key(target, constrained, python)
    assert pinned != first
    constraints.write_text("pytest==9.1.0\n")
    assert environments.key(target, constrained, python) != pinned
    elsewhere = dataclasses.replace(target, root=tmp_path / "copy")
    assert environments.key(elsewhere, spec, python) != first


class FakeUv:
    """Records uv's commands; ``fail`` makes the n-th call raise it.

    ``uv export`` prints ``exported``; ``copies`` keeps, per install, the files
    of the target copy it was given (gone once the install returns).
    """

    def __init__(
        self, fail: dict[int, command.ToolError] | None = None, exported: str = ""
    ) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.fail = fail or {}
        self.exported = exported
        self.copies: list[list[str]] = []
        self.files: dict[str, str] = {}

    def __call__(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, **_: object
    ) -> command.Completed:
        if "-c" in args:  # an interpreter probe
            version = ".".join(map(str, sys.version_info[:3]))
            stdout = f'["CPython", "{version}"]'
            return command.Completed(
                args=tuple(args), returncode=0, stdout=stdout, stderr="", duration_s=0
            )
        self.calls.append(tuple(args))
        assert env == environments.UV_ENV
        error = self.fail.get(len(self.calls))
        if error is not None:
            raise error
        if args[1] == "venv":
            executable(Path(args[-1]) / "bin" / "python")
        stdout = self.exported if args[1] == "export" else ""
        for arg in args:
            folder = Path(arg.split("[")[0])
            if folder.name == "target" and folder.is_dir():
                self.copies.append(
                    sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
                )
            if arg.endswith(".txt") and Path(arg).is_file():
                self.files[Path(arg).name] = Path(arg).read_text()
        return command.Completed(
            args=tuple(args), returncode=0, stdout=stdout, stderr="", duration_s=0
        )


@pytest.fixture
def one_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environments, "candidate_paths", lambda: [Path(sys.executable)])


@pytest.mark.usefixtures("one_interpreter")
def test_what_uv_is_asked_to_install(make_repo: MakeRepo, tmp_path: Path) -> None:
    """The target is installed from a copy of its files, never from its tree."""
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "App"\nversion = "1"\n',
            "app/__init__.py": "",
            "build/lib/app/__init__.py": "",  # build output: not copied
        }
    )
    target = discover(root)
    constraints = tmp_path / "test.txt"
    constraints.write_text("")
    uv = FakeUv()
    spec = Spec(
        kind="test",
        extras=("test", "io"),
        groups=("lint",),
        packages=("pytest-cov",),
        constraints=constraints,
    )
    env = environments.ensure(target, spec, run=uv, root=tmp_path / "cache")
    assert env.reused is False
    assert env.path.parent == tmp_path / "cache" / "envs"
    assert env.path.name.startswith("app-")
    assert env.python == env.path / "bin" / "python"
    assert env.script("pytest") == env.path / "bin" / "pytest"
    assert env.versions_from == str(constraints)  # outside the target: absolute
    venv, install = uv.calls
    assert venv[:2] == ("uv", "venv")
    copy = install[8].removesuffix("[test,io]")
    assert Path(copy).name == "target"
    assert not Path(copy).exists(), "the copy outlived the install"
    assert install == (
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        str(env.python),
        "--constraints",
        str(constraints),
        f"{copy}[test,io]",
        "--group",
        f"{root / 'pyproject.toml'}:lint",
        "pytest-cov",
    )
    assert uv.copies == [["app", "app/__init__.py", "pyproject.toml"]]
    again = environments.ensure(target, spec, run=uv, root=tmp_path / "cache")
    assert (again.path, again.reused, len(uv.calls)) == (env.path, True, 2)
    (root / "app" / "__init__.py").write_text("VALUE = 2\n")
    changed = environments.ensure(target, spec, run=uv, root=tmp_path / "cache")
    assert (changed.path, changed.reused, len(uv.calls)) == (env.path, True, 3)
    assert uv.calls[-1][-2:] == ("--reinstall-package", "App")
    plain = environments.ensure(
        target, Spec(kind="prod", editable=False), run=uv, root=tmp_path / "cache"
    )
    assert Path(uv.calls[-1][-1]).name == "target"
    nothing = FakeUv()
    environments.ensure(
        target,
        Spec(kind="bare", install_target=False),
        run=nothing,
        root=tmp_path / "cache",
    )
    assert [call[1] for call in nothing.calls] == ["venv"]
    assert plain.path.exists()


@pytest.mark.usefixtures("one_interpreter")
def test_a_uv_lock_is_exported_for_the_extras_and_groups_and_installed_exactly(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Plants a uv.lock: its export is both the requirements and the constraints.

    flask's test environment ignored its uv.lock and got a newer pytest, whose
    internals its tests import.
    """
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "1"\n',
            "uv.lock": "version = 1\n",
        }
    )
    uv = FakeUv(exported="pytest==8.0.2\n")
    spec = Spec(kind="test", extras=("test",), groups=("dev",), packages=("x",))
    env = environments.ensure(discover(root), spec, run=uv, root=tmp_path / "cache")
    assert env.versions_from == "uv.lock"
    _, export, install = uv.calls
    assert export == (
        "uv",
        "export",
        "--quiet",
        "--frozen",
        "--no-hashes",
        "--no-header",
        "--no-emit-project",
        "--no-default-groups",
        "--project",
        str(root),
        "--extra",
        "test",
        "--group",
        "dev",
    )
    exported = install[7]
    assert Path(exported).name == "readiness-lock.txt"
    assert install[6:10] == ("--constraints", exported, "--requirements", exported)
    assert install[10].endswith("/target[test]")
    assert install[11:] == ("x",)  # the groups come from the export
    assert uv.files == {"readiness-lock.txt": "pytest==8.0.2\n"}


@pytest.mark.usefixtures("one_interpreter")
@pytest.mark.parametrize(
    ("files", "versions_from", "constraints"),
    [
        pytest.param(
            {"requirements-dev.txt": "pytest==8.0.2  # pinned\nclick>=8\n"},
            "requirements-dev.txt",
            "pytest==8.0.2\n",
            id="requirements",
        ),
        pytest.param(
            {
                "pylock.toml": '[[packages]]\nname = "Click"\nversion = "8.1.3"\n',
                "requirements.txt": "pytest==8.0.2\n",
            },
            "pylock.toml",
            "click==8.1.3\n",
            id="pylock-first",
        ),
        pytest.param({}, "resolved (no lock)", None, id="none"),
    ],
)
def test_another_lock_the_target_commits_constrains_the_versions(
    make_repo: MakeRepo,
    tmp_path: Path,
    files: dict[str, str],
    versions_from: str,
    constraints: str | None,
) -> None:
    root = make_repo({"pyproject.toml": '[project]\nname = "app"\n', **files})
    uv = FakeUv()
    env = environments.ensure(
        discover(root), Spec(kind="test"), run=uv, root=tmp_path / "cache"
    )
    assert env.versions_from == versions_from
    install = uv.calls[-1]
    if constraints is None:
        assert "--constraints" not in install
    else:
        assert install[6] == "--constraints"
        assert uv.files == {"readiness-constraints.txt": constraints}


@pytest.mark.usefixtures("one_interpreter")
def test_a_failed_or_timed_out_build_leaves_nothing_behind(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    target = discover(make_repo({"pyproject.toml": '[project]\nname = "a"\n'}))
    failed = FakeUv(
        {
            2: command.ToolFailed(
                "uv exited with code 1: boom",
                output="Using Python 3.11.7 environment at: x\nerror: boom",
            )
        }
    )
    with pytest.raises(BuildError) as caught:
        environments.ensure(target, Spec(kind="test"), run=failed, root=tmp_path)
    assert str(caught.value) == "cannot build the test environment: boom"
    timeout = FakeUv({1: command.ToolTimeout("uv did not finish within 5s")})
    with pytest.raises(command.ToolTimeout):
        environments.ensure(target, Spec(kind="test"), run=timeout, root=tmp_path)
    missing = FakeUv({1: command.ToolNotFound("uv is not installed")})
    with pytest.raises(BuildError, match=r"test environment: uv is not installed$"):
        environments.ensure(target, Spec(kind="test"), run=missing, root=tmp_path)
    assert [p.name for p in (tmp_path / "envs").iterdir() if p.is_dir()] == []


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        pytest.param(
            "Using Python 3.11.7 environment at: /x\n"
            "error: No solution found when resolving dependencies\n"
            "  cause: Because there is no version of click==99999 and you require"
            " click==99999, we can conclude that your requirements are"
            " unsatisfiable.",
            "Because there is no version of click==99999 and you require"
            " click==99999, we can conclude that your requirements are"
            " unsatisfiable.",
            id="plain-cause",
        ),
        pytest.param(
            "  \u00d7 No solution found when resolving dependencies:\n"
            "  \u2570\u2500\u25b6 Because nope was not found in the package registry"
            " and you require nope, we can conclude that your requirements are"
            " unsatisfiable.",
            "Because nope was not found in the package registry and you require"
            " nope, we can conclude that your requirements are unsatisfiable.",
            id="terminal-tree",
        ),
        pytest.param(
            "Using Python 3.11.7 environment at: /x\nerror: Failed to build `app`",
            "Failed to build `app`",
            id="error-line",
        ),
        pytest.param("something\nelse", "else", id="last-line"),
        pytest.param("", "uv failed", id="silent"),
    ],
)
def test_the_one_line_reason_of_a_uv_failure(output: str, reason: str) -> None:
    assert environments._reason(output) == reason


# --- real builds with uv ----------------------------------------------------


def real_run(cwd: Path) -> environments.Runner:
    def run(
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        ok_codes: Sequence[int] = (0,),
        record: bool = True,
        cwd: Path = cwd,
    ) -> command.Completed:
        return command.run(args, cwd=cwd, timeout_s=300, env=env, ok_codes=ok_codes)

    return run


TINY = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "tiny-app"
version = "{version}"
requires-python = ">=3.10"
dependencies = []

[dependency-groups]
test = ["iniconfig"]
"""


@pytest.mark.tools
def test_reused_while_unchanged_rebuilt_when_inputs_change(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("READINESS_CACHE_DIR", str(cache))
    root = make_repo(
        {
            "pyproject.toml": TINY.format(version="1"),
            "tiny_app/__init__.py": "VALUE = 1\n",
            "constraints/test.txt": "iniconfig>=2\n",
        }
    )
    run = real_run(root)
    spec = Spec(
        kind="test", groups=("test",), constraints=root / "constraints/test.txt"
    )
    first = environments.ensure(discover(root), spec, run=run)
    assert first.reused is False
    assert first.path.parent == cache / "envs"
    check = "import iniconfig, tiny_app; print(tiny_app.VALUE)"
    assert (
        command.run([str(first.python), "-c", check], cwd=tmp_path, timeout_s=60).stdout
        == "1\n"
    )

    second = environments.ensure(discover(root), spec, run=run)
    assert (second.path, second.reused) == (first.path, True)

    (root / "constraints/test.txt").write_text("iniconfig>=1\n")
    constrained = environments.ensure(discover(root), spec, run=run)
    assert constrained.reused is False
    assert constrained.path != first.path
    assert not first.path.exists(), "the stale environment was not removed"

    (root / "pyproject.toml").write_text(TINY.format(version="2"))
    rebuilt = environments.ensure(discover(root), spec, run=run)
    assert rebuilt.reused is False
    assert rebuilt.path not in {first.path, constrained.path}
    assert not constrained.path.exists()

    # a copy of the same project elsewhere gets its own environment and
    # leaves this one alone
    copy = tmp_path / "copy" / "repo"
    copy.mkdir(parents=True)
    for name in ("pyproject.toml", "tiny_app/__init__.py"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text((root / name).read_text())
    other = environments.ensure(discover(copy), Spec(kind="test"), run=real_run(copy))
    assert other.path != rebuilt.path
    assert rebuilt.path.exists()


LOCKED = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "locked-app"
version = "1"
requires-python = ">=3.10"
dependencies = ["click{click}"]

[project.optional-dependencies]
test = ["pytest{pytest}"]
"""


@pytest.mark.tools
def test_the_test_environment_holds_exactly_the_versions_of_the_uv_lock(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plants a uv.lock pinning pytest 8.0.2 and click 8.1.3 under open ranges.

    The lock is made with the old versions pinned, then the ranges are opened
    (as when a project loosens its requirements and keeps its lock): an
    environment resolved from pyproject.toml would get the newest versions.
    flask showed it: its test environment ignored its uv.lock.
    """
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    root = make_repo(
        {
            "pyproject.toml": LOCKED.format(click="==8.1.3", pytest="==8.0.2"),
            "locked_app/__init__.py": "",
        }
    )
    command.run(
        ["uv", "lock", "--quiet"], cwd=root, timeout_s=300, env=environments.UV_ENV
    )
    (root / "pyproject.toml").write_text(LOCKED.format(click=">=8", pytest=">=8"))
    lock = (root / "uv.lock").read_bytes()
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    env = environments.ensure(
        discover(root), Spec(kind="test", extras=("test",)), run=real_run(root)
    )
    assert env.versions_from == "uv.lock"
    read_back = (
        "import importlib.metadata as m;"
        "print(m.version('pytest'), m.version('click'), m.version('locked-app'))"
    )
    got = command.run([str(env.python), "-c", read_back], cwd=tmp_path, timeout_s=60)
    assert got.stdout == "8.0.2 8.1.3 1\n"
    assert (root / "uv.lock").read_bytes() == lock
    after = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert after == before  # no .venv, no build output in the tree


@pytest.mark.tools
def test_an_unresolvable_requirement_is_a_one_line_build_error(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    root = make_repo(
        {
            "pyproject.toml": TINY.format(version="1").replace(
                "dependencies = []",
                'dependencies = ["readiness-no-such-package-for-tests==99"]',
            ),
            "tiny_app/__init__.py": "",
        }
    )
    with pytest.raises(BuildError) as caught:
        environments.ensure(discover(root), Spec(kind="test"), run=real_run(root))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot build the test environment: Because ")
    assert "readiness-no-such-package-for-tests" in message
    left = (tmp_path / "cache" / "envs").glob("tiny-app-*-test-*")
    assert [path.name for path in left if path.is_dir()] == []


# --- remembered probes and served modules -------------------------------------


def test_interpreter_answers_are_remembered_until_the_interpreter_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run asks no interpreter; a changed executable or pyvenv.cfg is
    asked again; under probing_fresh (--no-cache) every one is asked again."""
    python = executable(tmp_path / "venv" / "bin" / "python3")
    config = tmp_path / "venv" / "pyvenv.cfg"
    config.write_text("home = /usr/bin\n")
    monkeypatch.setattr(environments, "candidate_paths", lambda: [python])
    asked: list[str] = []

    def run(args: Sequence[str], **_: object) -> command.Completed:
        asked.append(args[0])
        return command.Completed(
            args=tuple(args),
            returncode=0,
            stdout='["CPython", "3.12.4"]',
            stderr="",
            duration_s=0.0,
        )

    def found() -> list[str]:
        environments._probed.clear()  # a new process
        return [str(i.version) for i in environments.interpreters(run, root=tmp_path)]

    assert (found(), len(asked)) == (["3.12.4"], 1)
    assert (found(), len(asked)) == (["3.12.4"], 1)
    config.write_text("home = /opt/python/bin\n")
    assert (found(), len(asked)) == (["3.12.4"], 2)
    python.write_text("#!/bin/sh\n# upgraded\n")
    assert (found(), len(asked)) == (["3.12.4"], 3)
    assert (found(), len(asked)) == (["3.12.4"], 3)
    remembered = tmp_path / "envs" / PROBES_FOLDER
    before = sorted(p.read_text() for p in remembered.iterdir())
    with environments.probing_fresh():
        assert (found(), len(asked)) == (["3.12.4"], 4)
    assert sorted(p.read_text() for p in remembered.iterdir()) == before


@pytest.mark.parametrize(
    ("files", "copied"),
    [
        ({}, True),
        ({"pyproject.toml": TINY.format(version="1") + "[tool.x]\n"}, True),
        ({"setup.py": "import setuptools; setuptools.setup()\n"}, False),
        (
            {
                "pyproject.toml": TINY.format(version="1").replace(
                    'version = "1"', 'dynamic = ["version"]'
                )
            },
            False,
        ),
        (
            {
                "pyproject.toml": TINY.format(version="1")
                + "[tool.hatch.build.hooks.custom]\n"
            },
            False,
        ),
        (
            {
                "pyproject.toml": TINY.format(version="1")
                + "[tool.hatch.build.targets.wheel.hooks.custom]\n"
            },
            False,
        ),
        (
            {
                "pyproject.toml": TINY.format(version="1").replace(
                    "hatchling.build", "mybackend"
                )
            },
            False,
        ),
    ],
)
def test_which_builds_only_copy_the_modules(
    make_repo: MakeRepo, files: dict[str, str], *, copied: bool
) -> None:
    """Static metadata, a known backend and no hook: a module's content cannot
    change what is installed beside it; anything else may."""
    root = make_repo(
        {
            "pyproject.toml": TINY.format(version="1"),
            "tiny_app/__init__.py": "",
            **files,
        }
    )
    assert environments.sources.copied_as_is(discover(root)) is copied


def counting(
    run: environments.Runner, installs: list[tuple[str, ...]]
) -> environments.Runner:
    def counted(args: Sequence[str], **kwargs: object) -> command.Completed:
        if tuple(args[:3]) == ("uv", "pip", "install"):
            installs.append(tuple(args))
        return run(args, **kwargs)

    return counted


@pytest.mark.tools
def test_a_changed_module_is_served_from_the_tree_without_a_reinstall(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a package module changed: no reinstall, and what the environment
    imports and what mypy says of the tree equal a fresh environment's. A
    changed dependency declaration, a new module or a changed data file does
    reinstall."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    mypy = f"mypy=={version('mypy')}"
    root = make_repo(
        {
            "pyproject.toml": TINY.format(version="1"),
            "tiny_app/__init__.py": "",
            "tiny_app/mod.py": "VALUE: int = 1\n",
            "tiny_app/use.py": (
                "from tiny_app.mod import VALUE\n\nTWICE: int = VALUE * 2\n"
            ),
            "tiny_app/data.txt": "one\n",
        }
    )
    installs: list[tuple[str, ...]] = []
    run = counting(real_run(root), installs)
    spec = Spec(kind="typing", packages=(mypy,))
    check = (
        "import importlib.metadata as m, tiny_app.mod;"
        " print(tiny_app.mod.VALUE, m.version('tiny-app'))"
    )

    def said(env: environments.Environment) -> tuple[str, str]:
        imported = command.run(
            [str(env.python), "-c", check], cwd=tmp_path, timeout_s=60
        )
        checked = command.run(
            [str(env.python), "-m", "mypy", "--no-incremental", "--strict", "tiny_app"],
            cwd=root,
            timeout_s=300,
            ok_codes=(0, 1),
        )
        return imported.stdout, checked.stdout

    first = environments.ensure(discover(root), spec, run=run)
    assert (first.reused, first.from_tree, len(installs)) == (False, True, 1)

    (root / "tiny_app" / "mod.py").write_text('VALUE: str = "two"\n')
    served = environments.ensure(discover(root), spec, run=run)
    assert (served.path, served.reused, served.from_tree) == (first.path, True, True)
    assert len(installs) == 1, "a changed module reinstalled the target"
    fresh = environments.ensure(
        discover(root), spec, run=run, root=tmp_path / "fresh-cache"
    )
    assert fresh.reused is False
    assert said(served) == said(fresh)
    assert said(served)[0] == "two 1\n"
    assert "use.py:3: error" in said(served)[1]

    (root / "tiny_app" / "data.txt").write_text("two\n")
    environments.ensure(discover(root), spec, run=run)
    assert installs[-1][-2:] == ("--reinstall-package", "tiny-app")
    count = len(installs)
    (root / "tiny_app" / "new.py").write_text("NEW = 1\n")
    environments.ensure(discover(root), spec, run=run)
    assert (len(installs), installs[-1][-2:]) == (
        count + 1,
        ("--reinstall-package", "tiny-app"),
    )
    (root / "pyproject.toml").write_text(
        TINY.format(version="1").replace(
            "dependencies = []", 'dependencies = ["iniconfig"]'
        )
    )
    declared = environments.ensure(discover(root), spec, run=run)
    assert (declared.reused, len(installs)) == (False, count + 2)


@pytest.mark.tools
def test_a_checker_reading_every_module_from_the_tree_keeps_a_built_install(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that runs code (a hatch build hook) may make an installed copy
    differ from the tree's modules, so a changed module cannot be served from
    the tree; but mypy, given every module as a source, never reads that copy
    (``Spec.reads_tree``): no reinstall, and mypy says what it says with a
    fresh environment. The stale copy is recorded as such: an environment
    used without ``reads_tree``, or a change beside the modules, reinstalls.

    Plants: ``hatch_build.py`` (a hook doing nothing) and a type error in
    ``tiny_app/use.py`` once ``VALUE`` becomes a str."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    mypy = f"mypy=={version('mypy')}"
    root = make_repo(
        {
            "pyproject.toml": TINY.format(version="1")
            + "[tool.hatch.build.hooks.custom]\n",
            "hatch_build.py": (
                "from hatchling.builders.hooks.plugin.interface import"
                " BuildHookInterface\n\n\n"
                "class CustomBuildHook(BuildHookInterface):\n"
                '    PLUGIN_NAME = "custom"\n'
            ),
            "tiny_app/__init__.py": "",
            "tiny_app/mod.py": "VALUE: int = 1\n",
            "tiny_app/use.py": (
                "from tiny_app.mod import VALUE\n\nTWICE: int = VALUE * 2\n"
            ),
        }
    )
    assert not environments.sources.copied_as_is(discover(root))
    installs: list[tuple[str, ...]] = []
    run = counting(real_run(root), installs)
    spec = Spec(kind="typing", packages=(mypy,), reads_tree=True)

    def checked(env: environments.Environment) -> str:
        return command.run(
            [str(env.python), "-m", "mypy", "--no-incremental", "--strict", "tiny_app"],
            cwd=root,
            timeout_s=300,
            ok_codes=(0, 1),
        ).stdout

    first = environments.ensure(discover(root), spec, run=run)
    assert (first.reused, len(installs)) == (False, 1)
    (root / "tiny_app" / "mod.py").write_text('VALUE: str = "two"\n')
    kept = environments.ensure(discover(root), spec, run=run)
    assert (kept.path, kept.reused, len(installs)) == (first.path, True, 1)
    again = environments.ensure(discover(root), spec, run=run)
    assert len(installs) == 1, "a kept install was rebuilt by the next audit"
    fresh = environments.ensure(
        discover(root), spec, run=run, root=tmp_path / "fresh-cache"
    )
    assert checked(again) == checked(fresh)
    assert (
        'use.py:3: error: Incompatible types in assignment (expression has type "str"'
        in checked(again)
    )

    environments.ensure(
        discover(root), dataclasses.replace(spec, reads_tree=False), run=run
    )
    assert (len(installs), installs[-1][-2:]) == (
        3,
        ("--reinstall-package", "tiny-app"),
    )
    (root / "tiny_app" / "mod.py").write_text("VALUE: int = 3\n")
    (root / "README.md").write_text("Tiny.\n")
    environments.ensure(discover(root), spec, run=run)
    assert (len(installs), installs[-1][-2:]) == (
        4,
        ("--reinstall-package", "tiny-app"),
    )


def test_an_audit_without_the_cache_asks_every_interpreter_again(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--no-cache (AuditRequest.cache False): the gates run under
    probing_fresh; with the cache, remembered answers are used."""
    from datetime import UTC, datetime  # noqa: PLC0415 - this test's alone

    from readiness import audit as audit_module  # noqa: PLC0415

    root = make_repo({"pyproject.toml": TINY.format(version="1")})
    seen: list[bool] = []

    def run_gates(*_: object, **__: object) -> list[object]:
        seen.append(environments._remember["probes"])
        return []

    monkeypatch.setattr(audit_module, "run_gates", run_gates)
    now = datetime(2026, 12, 2, tzinfo=UTC)
    for cache in (False, True):
        request = audit_module.AuditRequest(
            path=str(root), gates=("markers",), cache=cache, cache_dir=tmp_path / "c"
        )
        audit_module.audit(request, now=now)
    assert seen == [False, True]
    assert environments._remember["probes"] is True


def test_installed_modules_reads_the_folder_named_for_the_distribution(
    tmp_path: Path,
) -> None:
    """Its own ``.dist-info`` first; a folder named otherwise (its ``Name``
    says which distribution it is) is found by reading the others'."""
    from readiness.environments.sources import installed_modules  # noqa: PLC0415

    def dist_info(folder: str, name: str, *rows: str) -> None:
        info = tmp_path / folder
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1\n\nName: a-body-line\n",
            encoding="utf-8",
        )
        (info / "RECORD").write_text(
            "".join(f"{row},sha256=x,1\n" for row in rows), encoding="utf-8"
        )

    dist_info("my_pkg-1.0.dist-info", "My.Pkg", "my_pkg/__init__.py", "my_pkg/a.py")
    dist_info("odd_folder-2.dist-info", "other-thing", "other/__init__.py", "../x.py")
    dist_info("z-3.dist-info", "z", "z.py", "z-3.dist-info/METADATA", "z/data.txt")
    assert installed_modules(tmp_path, "my-pkg") == [
        "my_pkg/__init__.py",
        "my_pkg/a.py",
    ]
    assert installed_modules(tmp_path, "Other_Thing") == ["other/__init__.py"]
    assert installed_modules(tmp_path, "z") == ["z.py"]
    assert installed_modules(tmp_path, "absent") is None
    assert installed_modules(tmp_path, "a-body-line") is None
