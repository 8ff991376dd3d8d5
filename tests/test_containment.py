"""Containment of the target's test suite (issue 13, hostile targets): the
suite runs on a copy of the project with a private home, without network
where the machine allows cutting it, and what it did is reported."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pytest
from packaging.version import Version

from readiness import command, environments, settings
from readiness.errors import ConfigError
from readiness.gates.interface import GateContext
from readiness.gates.tests import contain, machine, rules
from readiness.gates.tests.config import configure
from readiness.gates.tests.run import Case
from readiness.settings import GateOptions
from readiness.target import discover
from tests.test_hostile import audit, commit, project

#: The hostile suite: it deletes a planted file of the package, rewrites a
#: file at the root, creates one, writes into an ignored folder (no change
#: to report), writes into ``$HOME``, reads a file beside the project
#: (``../shared``, planted by the test), and serves and reaches 127.0.0.1
#: (which must keep working); ``test_imports_the_copy`` checks that the
#: package it imports is the one next to it. No coverage target.
HOSTILE_TESTS = {
    # the command line is not tested: no coverage target, no TS010
    ".coveragerc": "[report]\nfail_under = 0\n",
    ".gitignore": "out/\n",
    "src/hostile/data.txt": "planted: the suite deletes it\n",
    "NOTES.md": "planted: the suite rewrites it\n",
    "tests/test_hostile.py": """
        import os
        import socket
        import threading
        from pathlib import Path

        import hostile

        ROOT = Path(__file__).resolve().parent.parent


        def test_imports_the_copy() -> None:
            assert Path(hostile.__file__).resolve().is_relative_to(ROOT)


        def test_deletes_and_writes() -> None:
            (ROOT / "src" / "hostile" / "data.txt").unlink()
            (ROOT / "NOTES.md").write_text("rewritten")
            (ROOT / "out.log").write_text("created")
            (ROOT / "out").mkdir()
            (ROOT / "out" / "report.txt").write_text("ignored")
            Path(os.path.expanduser("~/.hostile-was-here")).write_text("home")


        def test_reads_beside_the_project() -> None:
            assert (ROOT.parent / "shared" / "data.txt").read_text() == "beside"


        def test_loopback() -> None:
            server = socket.create_server(("127.0.0.1", 0))
            port = server.getsockname()[1]

            def answer() -> None:
                server.accept()[0].sendall(b"hi")

            threading.Thread(target=answer, daemon=True).start()
            with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
                assert client.recv(2) == b"hi"
    """,
}
#: The network test: a documentation address (TEST-NET-1, RFC 5737).
EXTERNAL_TEST = {
    "tests/test_external.py": """
        import socket


        def test_external() -> None:
            socket.create_connection(("192.0.2.1", 80), timeout=5).close()
    """,
}
TREE_CHANGED = (
    "the test suite changed 3 files of the project: deleted src/hostile/data.txt;"
    " created out.log; modified NOTES.md (readiness ran it on a copy, so the"
    " project itself is untouched)"
)
CUT = (
    "tests/test_external.py::test_external failed because of the machine: the"
    " network is unreachable: readiness cut the network for the test suite"
)
CUT_FIX = (
    "allow the network with [tool.readiness.tests] network = true, or leave it"
    ' out here: --deselect "tests/test_external.py::test_external"'
)


def hostile(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    """The hostile project (plus ``extra``), committed, with the file its
    suite reads beside it (``../shared/data.txt``)."""
    root = project(tmp_path / "project", {**HOSTILE_TESTS, **(extra or {})})
    commit(root)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared/data.txt").write_text("beside")
    return root


def network_cut_allowed() -> bool:
    """Whether this machine lets an unprivileged process cut its network."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / contain.LAUNCHER
        path.write_text(contain.LAUNCHER_SOURCE, encoding="utf-8")
        completed = command.run(
            [sys.executable, "-I", str(path)],
            cwd=Path(folder),
            timeout_s=30,
            ok_codes=range(-256, 256),
        )
    return completed.returncode == 0


@pytest.fixture
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of the test's own for the audit (the caches and interpreters
    stay where they are, so that nothing is downloaded again)."""
    real = Path.home()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv(
        "XDG_CACHE_HOME", os.environ.get("XDG_CACHE_HOME", str(real / ".cache"))
    )
    monkeypatch.setenv("PYENV_ROOT", os.environ.get("PYENV_ROOT", str(real / ".pyenv")))
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.mark.tools
def test_the_suite_changes_a_copy_and_the_changes_are_reported(
    tmp_path: Path, private_home: Path
) -> None:
    """The tree and the home are untouched (``audit`` compares the tree's
    snapshot); the copy's changes are TS013, the home's are counted."""
    root = hostile(tmp_path)
    result = audit(root, tmp_path / "work", gates=("tests",))
    gate = result.gate("tests")
    assert gate["status"] == "pass", (gate["criteria"], gate["findings"])
    assert [
        (f["rule"], f["severity"], f["priority"], f["message"])
        for f in gate["findings"]
    ] == [("TS013", "medium", "P1", TREE_CHANGED)]
    metrics = gate["metrics"]
    assert {
        key: metrics[key]
        for key in ("passed", "failed", "tree_changes", "home_files_written")
    } == {"passed": 5, "failed": 0, "tree_changes": 3, "home_files_written": 1}
    assert metrics["contained_tree"] == "a copy in the scratch folder"
    assert list(private_home.iterdir()) == []
    assert (root / "src/hostile/data.txt").read_text() == HOSTILE_TESTS[
        "src/hostile/data.txt"
    ]


#: A test that runs a CLI on pytest's own ``sys.argv``, as httpie's do: the
#: CLI's ``-o``/``--output`` writes the file it names.
ARGV_READER = {
    ".coveragerc": "[report]\nfail_under = 0\n",
    "src/argvreader/__init__.py": "",
    "tests/test_argv.py": """
        import argparse
        import sys
        from pathlib import Path


        def test_runs_the_cli_on_pytest_s_arguments() -> None:
            parser = argparse.ArgumentParser(add_help=False)
            parser.add_argument("-o", "--output", action="append", default=[])
            known, _ = parser.parse_known_args(sys.argv[1:])
            for name in known.output:
                Path(name).write_text("")
    """,
}


@pytest.mark.tools
def test_readiness_s_own_pytest_options_are_no_short_option_a_cli_takes(
    tmp_path: Path, private_home: Path
) -> None:
    """httpie's suite created ``junit_family=xunit1`` and two more files (a
    TS013 of readiness's making) when the gate passed ``-o junit_family=...``:
    the options readiness adds must not read as another program's ``-o``."""
    root = project(tmp_path / "project", ARGV_READER)
    commit(root)
    result = audit(root, tmp_path / "work", gates=("tests",))
    gate = result.gate("tests")
    assert (gate["status"], gate["findings"]) == ("pass", [])
    assert gate["metrics"]["tree_changes"] == 0


@pytest.mark.tools
@pytest.mark.skipif(not network_cut_allowed(), reason="no user namespaces here")
def test_the_network_is_cut_and_its_failures_are_readiness_s(
    tmp_path: Path, private_home: Path
) -> None:
    """A connection to the outside fails at once and is TS011 (readiness's
    doing, with the setting that allows it); loopback still works."""
    root = hostile(tmp_path, EXTERNAL_TEST)
    result = audit(root, tmp_path / "work", gates=("tests",))
    gate = result.gate("tests")
    assert gate["status"] == "pass", (gate["criteria"], gate["findings"])
    assert [(f["rule"], f["message"], f["fix"]) for f in gate["findings"]] == [
        ("TS011", CUT, CUT_FIX),
        ("TS013", TREE_CHANGED, rules.TREE_CHANGED.fix),
    ]
    metrics = gate["metrics"]
    assert metrics["network"] == (
        "cut (loopback only; [tool.readiness.tests] network = true allows it)"
    )
    assert (metrics["passed"], metrics["environment_failures"]) == (5, 1)


def test_network_true_is_a_boolean(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    target = discover(root)
    assert configure(target, GateOptions(gate="tests", values={})).network is False
    allowed = GateOptions(gate="tests", values={"network": True})
    assert configure(target, allowed).network is True
    with pytest.raises(ConfigError) as raised:
        configure(target, GateOptions(gate="tests", values={"network": "yes"}))
    assert str(raised.value) == "[tool.readiness.tests] network must be true or false"


def environment(tmp_path: Path) -> environments.Environment:
    return environments.Environment(
        path=tmp_path / "env",
        python=tmp_path / "env/bin/python",
        interpreter=environments.Interpreter(
            path=tmp_path / "python", version=Version("3.11")
        ),
        reused=True,
    )


UNSHARE_REFUSED = "[Errno 1] unshare: Operation not permitted"


class Refusing(GateContext):
    """The launcher's probe fails as a container's seccomp policy makes it
    (other commands run)."""

    def run(self, args, **kwargs):  # type: ignore[no-untyped-def]
        if not str(args[-1]).endswith(contain.LAUNCHER):
            return super().run(args, **kwargs)
        return command.Completed(
            args=tuple(args),
            returncode=contain.LAUNCHER_FAILED,
            stdout="",
            stderr=f"cannot cut the network: {UNSHARE_REFUSED}\n",
            duration_s=0.01,
        )


def context(root: Path, scratch: Path, kind: type[GateContext]) -> GateContext:
    return kind(
        gate="tests",
        target=discover(root),
        settings=settings.Settings(),
        scratch=scratch,
        deadline=time.monotonic() + 30,
    )


def test_where_the_network_cannot_be_cut_the_run_goes_on_and_says_so(
    tmp_path: Path,
) -> None:
    """Planted: the tree, a ``.venv`` and a cache (neither copied), a FIFO
    (not copied: it would block)."""
    root = project(
        tmp_path / "project", {".venv/pyvenv.cfg": "", "x/__pycache__/a.pyc": ""}
    )
    os.mkfifo(root / "pipe")
    ctx = context(root, tmp_path / "scratch", Refusing)
    sandbox = contain.prepare(ctx, environment(tmp_path), network=False)
    assert sandbox.launcher == ()
    assert not sandbox.network_cut
    assert sandbox.network == (
        "not cut: this machine does not allow it (cannot cut the network:"
        " [Errno 1] unshare: Operation not permitted)"
    )
    assert sandbox.root == tmp_path / "scratch/tree/project"
    assert (sandbox.root / "tests/test_double.py").is_file()
    for absent in (".venv", "x/__pycache__", "pipe"):
        assert not (sandbox.root / absent).exists()
    assert contain.compare(ctx, sandbox) == contain.Changes()
    allowed = contain.prepare(ctx, environment(tmp_path), network=True)
    assert allowed.network == "allowed by [tool.readiness.tests] network = true"


def test_compare_leaves_out_caches_and_names_every_change(tmp_path: Path) -> None:
    """Planted in the copy: byte code, caches and coverage data (left out), a
    changed link, 12 created files (10 named, "and 2 more"), and what git
    ignores (left out): a file in an ignored folder, an ignored file changed
    and one deleted; a file rewritten with its content (left out); and the
    original edited during the run (left out)."""
    root = project(
        tmp_path / "project",
        {
            "link-target.txt": "t",
            ".gitignore": "out/\n*.log\n",
            "run.log": "before",
            "old.log": "before",
        },
    )
    (root / "link").symlink_to("link-target.txt")
    commit(root)
    ctx = context(root, tmp_path / "scratch", Refusing)
    sandbox = contain.prepare(ctx, environment(tmp_path), network=True)
    copy = sandbox.root
    for leftover in (
        "src/hostile/__pycache__/x.cpython-311.pyc",
        ".pytest_cache/v/cache",
        ".coverage",
        ".coverage.host.1",
        "htmlcov/index.html",
        ".hypothesis/examples/x",
    ):
        (copy / leftover).parent.mkdir(parents=True, exist_ok=True)
        (copy / leftover).write_text("x")
    (copy / "link").unlink()
    (copy / "link").symlink_to("README.md")
    for number in range(12):
        (copy / f"new{number:02d}.txt").write_text("new")
    (sandbox.home / "written").write_text("x")
    (copy / "out").mkdir()
    (copy / "out/report.txt").write_text("ignored")
    (copy / "run.log").write_text("after")
    (copy / "old.log").unlink()
    # the user edits the original during the run: no change the tests made
    (root / "link-target.txt").write_text("edited meanwhile")
    (root / "new-meanwhile.txt").write_text("x")
    (copy / "tests/test_double.py").write_text(  # rewritten as it was
        (root / "tests/test_double.py").read_text()
    )
    changes = contain.compare(ctx, sandbox)
    assert changes.modified == ("link",)
    assert changes.deleted == ()
    assert changes.home == ("written",)
    assert changes.count == 13
    assert contain.message(changes) == (
        "the test suite changed 13 files of the project: created new00.txt,"
        " new01.txt, new02.txt, new03.txt, new04.txt, new05.txt, new06.txt,"
        " new07.txt, new08.txt, new09.txt and 2 more; modified link (readiness"
        " ran it on a copy, so the project itself is untouched)"
    )
    assert sandbox.restore(f"{copy}/tests/test_double.py:3") == (
        f"{root}/tests/test_double.py:3"
    )


def test_outside_a_checkout_every_change_is_reported(tmp_path: Path) -> None:
    """Planted: the same ``.gitignore`` without a repository: git is not asked."""
    root = project(tmp_path / "project", {".gitignore": "*.log\n"})
    ctx = context(root, tmp_path / "scratch", Refusing)
    sandbox = contain.prepare(ctx, environment(tmp_path), network=True)
    (sandbox.root / "run.log").write_text("x")
    assert contain.compare(ctx, sandbox).created == ("run.log",)


def test_the_copy_sees_the_projects_siblings_but_not_their_repository(
    tmp_path: Path,
) -> None:
    """Planted beside the project: ``shared/data.txt`` (a test reads
    ``../shared/data.txt``), a ``.git`` (a monorepo's: not linked, git in the
    copy must not take it for its own) and the scratch folder (not linked into
    itself)."""
    root = project(tmp_path / "project")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared/data.txt").write_text("beside")
    (tmp_path / ".git").mkdir()
    ctx = context(root, tmp_path / "scratch", Refusing)
    sandbox = contain.prepare(ctx, environment(tmp_path), network=True)
    assert (sandbox.root / "../shared/data.txt").read_text() == "beside"
    assert sorted(p.name for p in sandbox.root.parent.iterdir()) == [
        "project",
        "shared",
    ]
    assert sandbox.left_out == ()


def test_a_crowded_parent_gets_no_links_and_the_metrics_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: three siblings against a limit of two."""
    root = project(tmp_path / "project")
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(contain, "SIBLING_LIMIT", 2)
    ctx = context(root, tmp_path / "scratch", Refusing)
    sandbox = contain.prepare(ctx, environment(tmp_path), network=True)
    assert [p.name for p in sandbox.root.parent.iterdir()] == ["project"]
    assert sandbox.left_out == ("links to the project's 4 siblings (over 2)",)
    assert dict(sandbox.metrics())["contained_tree"] == (
        "a copy in the scratch folder (not copied: links to the project's 4"
        " siblings (over 2))"
    )


def _failed(text: str) -> Case:
    return Case(
        nodeid="tests/test_a.py::test_fetch",
        path="tests/test_a.py",
        line=1,
        outcome="failed",
        message=text,
        text=f"E   {text}",
    )


@pytest.mark.parametrize(
    ("text", "plain", "cut"),
    [
        (
            "socket.gaierror: [Errno -3] Temporary failure in name resolution",
            "a host name could not be resolved (no DNS on this machine)",
            "a host name could not be resolved",
        ),
        (
            "BuildError: cannot build: Request failed after 3 retries in 8.2s",
            "a download failed (no network from this machine)",
            "a download failed",
        ),
        (
            "ConnectionRefusedError: host='10.1.2.3' [Errno 111] Connection refused",
            "a connection to 10.1.2.3 failed (no network from this machine)",
            "a connection to 10.1.2.3 failed",
        ),
    ],
)
def test_network_failures_are_said_to_be_readiness_s_when_it_cut_it(
    tmp_path: Path, text: str, plain: str, cut: str
) -> None:
    case = _failed(text)
    assert machine.cause(case, tmp_path) == machine.Cause(reason=plain)
    assert machine.cause(case, tmp_path, network_cut=True) == machine.Cause(
        reason=f"{cut}: readiness cut the network for the test suite",
        remedy="allow the network with [tool.readiness.tests] network = true",
    )
    loopback = _failed("ConnectionRefusedError: host='127.0.0.1' Connection refused")
    assert machine.cause(loopback, tmp_path, network_cut=True) is None
