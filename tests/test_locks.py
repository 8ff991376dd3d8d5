"""The split locks: which uv command, the header, determinism, parsing back."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import cli, command, locks
from readiness.errors import ConfigError
from readiness.locks import LockedPackage, LockError
from readiness.target import discover
from tests.conftest import EXAMPLE

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"

PYPROJECT = """
[project]
name = "Demo_App"
version = "1.0"
requires-python = ">=3.11"
dependencies = ["requests>=2"]

[project.optional-dependencies]
tests = ["pytest"]
docs = ["sphinx"]

[dependency-groups]
lint = ["ruff"]
testing = ["hypothesis"]
"""

#: What ``uv pip compile --generate-hashes --universal`` writes (shape copied
#: from a real run on examples/legacy-app, hashes shortened).
COMPILED = """\
certifi==2026.10.18 \\
    --hash=sha256:aaa \\
    --hash=sha256:bbb
    # via requests
Click==8.5.1 \\
    --hash=sha256:ccc
    # via
    #   legacy-app (pyproject.toml)
    #   black
colorama==0.4.6 ; sys_platform == 'win32' \\
    --hash=sha256:ddd
    # via click
black==26.10.1 --hash=sha256:eee
    # via legacy-app (pyproject.toml:dev)
requests==2.34.2 \\
    --hash=sha256:fff
    # via legacy-app (pyproject.toml)
"""


class FakeUv:
    """Stands in for uv: records each command and writes ``body`` where -o says."""

    def __init__(self, body: str = COMPILED) -> None:
        self.body = body
        self.calls: list[tuple[str, ...]] = []
        self.seen_output: list[str | None] = []

    def __call__(
        self,
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = (0,),
        cwd: Path | None = None,
    ) -> command.Completed:
        self.calls.append(tuple(args))
        if "-o" in args:
            output = Path(args[list(args).index("-o") + 1])
            self.seen_output.append(
                output.read_text(encoding="utf-8") if output.is_file() else None
            )
            output.write_text(self.body, encoding="utf-8")
        return command.Completed(
            args=tuple(args), returncode=0, stdout=self.body, stderr="", duration_s=0.0
        )


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        (None, RUNNING),
        (">=3.11", "3.11"),
        (">=3.10,<4", "3.10"),
        ("<4,>=3.9.2", "3.9.2"),
        (">3.10", "3.11"),
        ("==3.12.*", "3.12"),
        ("~=3.9", "3.9"),
        ("<4", RUNNING),
        (">=3.8,>=3.11", "3.11"),
    ],
)
def test_python_version_is_the_lower_bound(requires: str | None, expected: str) -> None:
    assert locks.python_version(requires) == expected


def test_an_invalid_requires_python_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="requires-python 'three' is not a valid"):
        locks.python_version("three")


def test_specs_pick_the_test_extras_and_groups(make_repo: MakeRepo) -> None:
    target = discover(make_repo({"pyproject.toml": PYPROJECT}))

    prod, test, dev = locks.specs(target)

    assert (prod.name, prod.extras, prod.groups) == ("prod", (), ())
    assert (test.name, test.extras, test.groups) == ("test", ("tests",), ("testing",))
    assert (dev.name, dev.extras, dev.groups) == (
        "dev",
        ("docs", "tests"),
        ("lint", "testing"),
    )


def test_uv_pip_compile_without_a_uv_lock(make_repo: MakeRepo) -> None:
    target = discover(make_repo({"pyproject.toml": PYPROJECT}))
    dev = locks.specs(target)[2]

    assert locks.uv_command(target, dev, "3.11") == [
        *("uv", "pip", "compile", "pyproject.toml", "--universal"),
        *(
            "--python-version",
            "3.11",
            "--generate-hashes",
            "--no-strip-extras",
            "--no-header",
        ),
        *("--extra", "docs", "--extra", "tests", "--group", "lint"),
        *("--group", "testing"),
    ]


def test_uv_export_with_a_uv_lock(make_repo: MakeRepo) -> None:
    target = discover(make_repo({"pyproject.toml": PYPROJECT, "uv.lock": ""}))
    test = locks.specs(target)[1]

    assert locks.uv_command(target, test, "3.11") == [
        *("uv", "export", "--frozen", "--format", "requirements-txt"),
        *("--no-emit-project", "--no-header", "--no-default-groups"),
        *("--extra", "tests", "--group", "testing"),
    ]


def test_the_header_names_the_command_that_regenerates_the_file(
    make_repo: MakeRepo,
) -> None:
    target = discover(make_repo({"pyproject.toml": PYPROJECT}))

    assert locks.header(target, locks.specs(target)[0], "3.11") == (
        "# constraints/prod.txt for Demo_App: runtime dependencies only,\n"
        "# hash-pinned for Python >= 3.11. Generated; do not edit by hand.\n"
        "# Regenerate from the project root with:\n"
        "#    readiness lock .\n"
        "# which runs:\n"
        "#    uv pip compile pyproject.toml --universal --python-version 3.11"
        " --generate-hashes --no-strip-extras --no-header\n"
    )


def test_generate_writes_each_lock_and_a_second_run_changes_nothing(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT})
    target = discover(root)
    uv = FakeUv()

    first = locks.generate(target, root / "constraints", run=uv, work=tmp_path / "w")
    before = {p.name: p.read_text() for p in (root / "constraints").iterdir()}
    second = locks.generate(target, root / "constraints", run=uv, work=tmp_path / "w")

    assert [(w.name, w.changed, w.packages) for w in first] == [
        ("prod", True, 5),
        ("test", True, 5),
        ("dev", True, 5),
    ]
    assert [w.changed for w in second] == [False, False, False]
    assert {p.name: p.read_text() for p in (root / "constraints").iterdir()} == before
    assert before["prod.txt"].endswith(COMPILED)
    # uv saw no previous file the first time, and ours (the preference) after
    assert uv.seen_output[:3] == [None, None, None]
    assert uv.seen_output[3:] == [
        before["prod.txt"],
        before["test.txt"],
        before["dev.txt"],
    ]
    assert uv.calls[0][-3:] == ("--quiet", "-o", str(tmp_path / "w" / "prod.txt"))


def test_generate_with_a_uv_lock_reads_uv_exports_stdout(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT, "uv.lock": ""})
    uv = FakeUv()

    written = locks.generate(discover(root), root / "out", run=uv, only=("test",))

    assert [(w.name, w.path) for w in written] == [("test", root / "out" / "test.txt")]
    assert uv.calls[0][:3] == ("uv", "export", "--frozen")
    assert "-o" not in uv.calls[0]
    assert (root / "out" / "test.txt").read_text().endswith(COMPILED)


def test_generate_needs_a_project_table(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": "[tool.black]\n"})

    with pytest.raises(LockError, match=r"no \[project\] table in pyproject.toml"):
        locks.generate(discover(root), root / "constraints", run=FakeUv())


def test_a_uv_failure_is_a_lock_error(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT})

    def failing(
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = (0,),
        cwd: Path | None = None,
    ) -> command.Completed:
        raise command.ToolFailed("uv exited with code 1: No solution found")

    with pytest.raises(LockError) as raised:
        locks.generate(discover(root), root / "constraints", run=failing)
    assert str(raised.value) == (
        "the prod lock: uv exited with code 1: No solution found"
    )
    assert raised.value.exit_code == 2


def test_an_unwritable_destination_is_a_lock_error(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": PYPROJECT, "constraints": "a file, not a dir"})

    with pytest.raises(LockError, match="cannot write the lock"):
        locks.generate(discover(root), root / "constraints", run=FakeUv())


def test_parse_reads_pins_hashes_markers_and_via() -> None:
    lock = locks.parse(COMPILED, name="dev", root="legacy-app")

    assert lock.packages == (
        LockedPackage(
            name="certifi",
            version="2026.10.18",
            hashes=("sha256:aaa", "sha256:bbb"),
            via=("requests",),
            line=1,
        ),
        LockedPackage(
            name="click",
            version="8.5.1",
            hashes=("sha256:ccc",),
            via=("legacy-app (pyproject.toml)", "black"),
            line=5,
        ),
        LockedPackage(
            name="colorama",
            version="0.4.6",
            hashes=("sha256:ddd",),
            marker='sys_platform == "win32"',
            via=("click",),
            line=10,
        ),
        LockedPackage(
            name="black",
            version="26.10.1",
            hashes=("sha256:eee",),
            via=("legacy-app (pyproject.toml:dev)",),
            line=13,
        ),
        LockedPackage(
            name="requests",
            version="2.34.2",
            hashes=("sha256:fff",),
            via=("legacy-app (pyproject.toml)",),
            line=15,
        ),
    )
    assert lock.problems == ()
    assert lock.get("Click") is lock.packages[1]
    assert lock.get("missing") is None
    assert [p.name for p in lock] == [
        "certifi",
        "click",
        "colorama",
        "black",
        "requests",
    ]


def test_parse_skips_options_and_reports_what_it_cannot_read() -> None:
    text = (
        "# a header\n"
        "--index-url https://pypi.org/simple\n"
        "-e .\n"
        "PyYAML==6.0.3  # an inline comment\n"
        "not a requirement ===\n"
        "pkg @ https://example.invalid/pkg-1.0.tar.gz\n"
        "loose>=1.0\n"
        "tail==1.0 \\\n"
    )

    lock = locks.parse(text, name="prod")

    assert [(p.name, p.version, p.line) for p in lock] == [
        ("pyyaml", "6.0.3", 4),
        ("pkg", None, 6),
        ("loose", None, 7),
        ("tail", "1.0", 8),
    ]
    assert lock.problems == ("line 5: not a requirement: not a requirement ===",)
    assert locks.pins(lock) == "pyyaml==6.0.3\ntail==1.0\n"


def test_pin_keeps_the_marker() -> None:
    package = LockedPackage(name="colorama", version="0.4.6", marker="os_name == 'nt'")
    assert package.pin == "colorama==0.4.6 ; os_name == 'nt'"


def test_chain_is_the_shortest_path_from_the_project() -> None:
    text = (
        "a==1\n    # via app (pyproject.toml)\n"
        "b==1\n    # via a\n"
        "c==1\n    # via\n    #   b\n    #   d\n"
        "d==1\n    # via app (pyproject.toml)\n"
        "e==1\n"
        "f==1\n    # via g\n"
        "g==1\n    # via f\n"
        "h==1\n    # via app\n"
    )
    lock = locks.parse(text, name="prod", root="app")

    assert lock.chain("c") == ("app", "d", "c")
    assert lock.chain("B") == ("app", "a", "b")
    assert lock.chain("a") == ("app", "a")
    assert lock.chain("e") == ("app", "e")  # no annotation: a direct requirement
    assert lock.chain("h") == ("app", "h")  # uv export names the project bare
    assert lock.chain("f") == ("app", "f")  # a cycle with no way in
    assert lock.chain("zzz") == ()


def test_read_a_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "prod.txt"
    path.write_text(COMPILED, encoding="utf-8")

    lock = locks.read(path, name="prod", root="legacy-app")

    assert (lock.name, lock.path, lock.root, len(lock.packages)) == (
        "prod",
        path,
        "legacy-app",
        5,
    )
    with pytest.raises(LockError, match="cannot read the lock"):
        locks.read(tmp_path / "missing.txt", name="prod")
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(LockError, match="not UTF-8"):
        locks.read(path, name="prod")


def test_existing_lists_the_committed_locks(tmp_path: Path) -> None:
    (tmp_path / "constraints").mkdir()
    (tmp_path / "constraints" / "dev.txt").write_text("")
    (tmp_path / "constraints" / "prod.txt").write_text("")

    assert locks.existing(tmp_path) == {
        "prod": tmp_path / "constraints" / "prod.txt",
        "dev": tmp_path / "constraints" / "dev.txt",
    }


def test_local_runner_runs_in_the_root(tmp_path: Path) -> None:
    run = locks.local_runner(tmp_path, timeout_s=60)

    done = run(["python", "-c", "import os; print(os.getcwd())"])

    assert done.stdout.strip() == str(tmp_path)


@pytest.mark.tools
def test_lock_the_example_twice_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "legacy-app"
    shutil.copytree(EXAMPLE, root)

    assert cli.main(["lock", str(root)]) == 0
    first = {
        name: (root / "constraints" / f"{name}.txt").read_text()
        for name in locks.LOCK_NAMES
    }
    assert cli.main(["lock", str(root)]) == 0
    second = {
        name: (root / "constraints" / f"{name}.txt").read_text()
        for name in locks.LOCK_NAMES
    }

    assert first == second
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"wrote {root}/constraints/prod.txt (")
    assert out[3].startswith(f"unchanged {root}/constraints/prod.txt (")
    parsed = {
        name: locks.parse(text, name=name, root="legacy-app")
        for name, text in first.items()
    }
    prod = {p.name for p in parsed["prod"]}
    test = {p.name for p in parsed["test"]}
    dev = {p.name for p in parsed["dev"]}
    assert {"click", "requests", "pyyaml", "urllib3"} <= prod
    assert not prod & {"pytest", "pytest-cov", "responses", "ruff", "black", "mypy"}
    assert not prod & {"bandit", "gitpython", "gitdb"}
    assert {"pytest", "pytest-cov", "responses"} <= test
    assert not test & {"ruff", "mypy", "gitpython"}
    assert prod < test < dev
    gitpython = parsed["dev"].get("gitpython")
    assert gitpython is not None
    assert (gitpython.version, gitpython.via) == (
        "3.1.30",
        ("legacy-app (pyproject.toml)",),
    )
    assert parsed["dev"].chain("smmap") == ("legacy-app", "gitpython", "gitdb", "smmap")
    assert all(p.hashes for p in parsed["dev"])
    assert first["prod"].startswith(
        "# constraints/prod.txt for legacy-app: runtime dependencies only,\n"
        "# hash-pinned for Python >= 3.11."
    )
    assert not (EXAMPLE / "constraints").exists()


@pytest.mark.tools
def test_lock_a_uv_project_exports_its_uv_lock(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "tiny"
                version = "0"
                requires-python = ">=3.11"
                dependencies = ["smmap==5.0.3"]

                [dependency-groups]
                test = ["gitdb==4.0.12"]
            """,
        }
    )
    command.run(["uv", "lock", "--quiet"], cwd=root, timeout_s=300)

    written = locks.lock(discover(root))

    assert [(w.name, w.packages) for w in written] == [
        ("prod", 1),
        ("test", 2),
        ("dev", 2),
    ]
    test = locks.read(root / "constraints" / "test.txt", name="test", root="tiny")
    assert test.chain("smmap") == ("tiny", "smmap")
    assert test.chain("gitdb") == ("tiny", "gitdb")  # a group's entry: no "# via"
    assert "#    uv export --frozen" in (root / "constraints" / "test.txt").read_text()


def test_lock_without_a_project_is_a_usage_error(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"pyproject.toml": "[tool.black]\n"})

    assert cli.main(["lock", str(root)]) == 2
    assert capsys.readouterr().err == (
        f"readiness: error: {root}: no [project] table in pyproject.toml to lock\n"
    )
