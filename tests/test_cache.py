"""The result cache: reused while no input changed, recomputed when one did."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from readiness import __version__, cache, codeid, pysource
from readiness.audit import AuditRequest, audit
from readiness.findings import Report
from readiness.reports.json import JsonRenderer, load
from readiness.settings import Settings

from .conftest import MakeRepo

NOW = datetime(2026, 12, 1, tzinfo=UTC)
GATES = ("markers", "lint", "docs")
ABORTS = "--strict-markers makes pytest abort collection"

# Plants: one ruff finding (F401 in app/core.py), one documented command that
# does not exist (`app deploy` in README.md), one unregistered marker.
PROJECT = {
    "pyproject.toml": """
        [project]
        name = "app"
        version = "1.0"

        [project.scripts]
        app = "app.cli:main"

        [tool.pytest.ini_options]
        addopts = "--strict-markers"
    """,
    "app/__init__.py": "",
    "app/core.py": "import os\n",
    "app/cli.py": """
        import argparse


        def main() -> None:
            parser = argparse.ArgumentParser(prog="app")
            commands = parser.add_subparsers(dest="command")
            commands.add_parser("serve")
            parser.parse_args()
    """,
    "tests/test_core.py": """
        import pytest


        @pytest.mark.slow
        def test_core() -> None:
            assert True
    """,
    "README.md": "Run `app serve`, then `app deploy`.\n",
}


def run(root: Path, cache_dir: Path | None, gates: tuple[str, ...] = GATES) -> Report:
    request = AuditRequest(
        path=str(root), gates=gates, cache=cache_dir is not None, cache_dir=cache_dir
    )
    return audit(request, now=NOW)


def cached(report: Report) -> dict[str, bool]:
    return {gate.name: gate.cached for gate in report.gates}


def comparable(report: Report) -> dict[str, Any]:
    """The JSON report without what may differ: timings and the cached mark."""
    data: dict[str, Any] = json.loads(JsonRenderer().render(report))
    for gate in data["gates"]:
        gate.pop("duration_s")
        gate.pop("cached")
    data.pop("generated_at", None)
    return data


@pytest.mark.tools
def test_unchanged_inputs_reuse_and_changed_ones_rerun_exactly_their_gates(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(PROJECT)
    store = tmp_path / "cache"
    first = run(root, store)
    assert cached(first) == {"markers": False, "lint": False, "docs": False}
    assert [len(g.findings) for g in first.gates] == [1, 1, 1]
    assert cached(run(root, store)) == {"markers": True, "lint": True, "docs": True}

    (root / "README.md").write_text("Run `app serve`.\n", encoding="utf-8")
    after_docs = run(root, store)
    assert cached(after_docs) == {"markers": True, "lint": True, "docs": False}
    assert after_docs.gate("docs") is not None
    assert after_docs.gate("docs").findings == ()  # type: ignore[union-attr]

    (root / "app" / "core.py").write_text("import os\nimport sys\n", encoding="utf-8")
    after_source = run(root, store)
    assert cached(after_source) == {"markers": False, "lint": False, "docs": False}
    assert len(after_source.gate("lint").findings) == 2  # type: ignore[union-attr]


@pytest.mark.tools
def test_a_cached_result_equals_a_fresh_one_but_for_timings_and_the_mark(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(PROJECT)
    store = tmp_path / "cache"
    fresh = run(root, None)
    run(root, store)
    reused = run(root, store)
    assert all(cached(reused).values())
    assert comparable(reused) == comparable(fresh)


@pytest.mark.tools
def test_a_damaged_entry_is_discarded_and_recomputed(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(PROJECT)
    store = tmp_path / "cache"
    fresh = run(root, store)
    entries = sorted(store.rglob("results/*.json"))
    assert len(entries) == 3
    entries[0].write_text("{not json", encoding="utf-8")
    entries[1].write_text('{"result": {"name": 3}}', encoding="utf-8")
    again = run(root, store)
    assert sorted(cached(again).values()) == [False, False, True]
    assert comparable(again) == comparable(fresh)
    assert all(json.loads(p.read_text()) for p in store.rglob("results/*.json"))
    assert all(cached(run(root, store)).values())


@pytest.mark.tools
def test_two_concurrent_audits_of_one_target_both_finish_right(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(PROJECT)
    store = tmp_path / "cache"
    expected = comparable(run(root, None))
    reports: list[Report] = []

    def one() -> None:
        reports.append(run(root, store))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reports) == 2
    assert [comparable(report) for report in reports] == [expected, expected]
    assert all(cached(run(root, store)).values())


def cli_audit(root: Path, *options: str, out: Path) -> subprocess.Popen[str]:
    """``readiness audit`` of :data:`GATES` in a process of its own."""
    gates = [arg for gate in GATES for arg in ("--gate", gate)]
    command = [sys.executable, "-m", "readiness", "audit", str(root), *gates]
    return subprocess.Popen(
        [*command, *options, "--format", "json", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def progress(stderr: str) -> list[str]:
    """The gates an audit's progress lines name, sorted: one line per gate and
    nothing else (a traceback would add lines)."""
    return sorted(line.split()[0] for line in stderr.splitlines())


def snapshot(folder: Path) -> dict[Path, tuple[bytes, int]]:
    """Every file and folder under ``folder``: its bytes and its mtime."""
    return {
        path: (path.read_bytes() if path.is_file() else b"", path.stat().st_mtime_ns)
        for path in folder.rglob("*")
    }


def report_in(out: Path) -> Report:
    return load((out / "readiness-report.json").read_text(encoding="utf-8"))


@pytest.mark.tools
def test_two_concurrent_audit_processes_of_one_target_both_finish_right(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(PROJECT)
    store = tmp_path / "cache"
    expected = comparable(run(root, None))
    outs = [tmp_path / "one", tmp_path / "two"]
    processes = [cli_audit(root, "--cache-dir", str(store), out=out) for out in outs]
    printed = [process.communicate()[1] for process in processes]
    assert [progress(text) for text in printed] == [sorted(GATES), sorted(GATES)]
    assert [process.returncode for process in processes] == [1, 1]
    assert [comparable(report_in(out)) for out in outs] == [expected, expected]
    assert all(cached(run(root, store)).values())


@pytest.mark.tools
def test_no_cache_ignores_a_filled_cache_and_leaves_it_as_it_was(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(PROJECT)
    store = tmp_path / "cache"
    expected = comparable(run(root, store))
    assert all(cached(run(root, store)).values())
    before = snapshot(store)
    process = cli_audit(root, "--no-cache", "--cache-dir", str(store), out=tmp_path)
    assert progress(process.communicate()[1]) == sorted(GATES)
    assert process.returncode == 1
    fresh = report_in(tmp_path)
    assert cached(fresh) == {"markers": False, "lint": False, "docs": False}
    assert comparable(fresh) == expected
    assert snapshot(store) == before


@pytest.mark.tools
def test_no_cache_reads_and_writes_nothing(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(PROJECT)
    home = tmp_path / "user-cache"
    monkeypatch.setenv("READINESS_CACHE_DIR", str(home))
    run(root, None, gates=("markers", "docs"))
    assert not (home / "targets").exists()
    default = audit(AuditRequest(path=str(root), gates=("markers",)), now=NOW)
    assert not default.gates[0].cached
    folders = list((home / "targets").iterdir())
    assert len(folders) == 1
    assert folders[0].name.startswith("repo-")


def test_the_key_follows_settings_and_the_gates_inputs(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"a.py": "x = 1\n", "README.md": "hello\n"})
    index = cache.FileIndex(hashes={"a.py": "1", "README.md": "2"})

    def key(**changes: Any) -> str:
        options: dict[str, Any] = {
            "gate": "lint",
            "patterns": ("*.py",),
            "extra": "",
            "settings": Settings(),
            "index": index,
        }
        options.update(changes)
        return cache.key(**options)

    assert key() == key()
    assert key(index=cache.FileIndex(hashes={"a.py": "1", "README.md": "3"})) == key()
    assert key(index=cache.FileIndex(hashes={"a.py": "9", "README.md": "2"})) != key()
    assert key(settings=Settings(timeout_s=5)) != key()
    assert key(extra="db 1") != key()
    assert key(gate="docs") != key()
    before = key()
    monkeypatch.setattr(cache, "code_identity", lambda: f"{__version__}+edited")
    assert key() != before
    assert root.is_dir()


def test_the_key_follows_readiness_own_code_not_only_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit under one version (an editable install) is a new identity."""
    package = tmp_path / "readiness"
    (package / "gates").mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n", encoding="utf-8")
    (package / "gates" / "lint.py").write_text("y = 1\n", encoding="utf-8")
    monkeypatch.setattr(codeid, "_PACKAGE", package)

    def identity() -> str:
        codeid.code_identity.cache_clear()
        return codeid.code_identity()

    first = identity()
    assert first.startswith(f"{__version__}+")
    assert identity() == first
    (package / "gates" / "lint.py").write_text("y = 2\n", encoding="utf-8")
    changed = identity()
    assert changed != first
    (package / "gates" / "lint.py").rename(package / "gates" / "lint2.py")
    assert identity() not in (first, changed)
    codeid.code_identity.cache_clear()


def test_the_file_index_hashes_content_not_mtimes(make_repo: MakeRepo) -> None:
    from readiness.target import discover  # noqa: PLC0415

    root = make_repo({"a.py": "x = 1\n", ".venv/lib.py": "ignored\n"})
    first = cache.FileIndex.of(discover(root))
    assert list(first.hashes) == ["a.py"]
    (root / "a.py").touch()
    assert cache.FileIndex.of(discover(root)) == first
    (root / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert cache.FileIndex.of(discover(root)) != first


@pytest.mark.tools
def test_black_rechecks_only_changed_files_and_agrees_with_a_fresh_run(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Per-file memo: after one file changes, black checks that file alone."""
    root = make_repo(
        {
            **PROJECT,
            "pyproject.toml": PROJECT["pyproject.toml"] + "\n[tool.black]\n",
            "app/ugly.py": "x=1\n",
            "app/other.py": "y=2\n",
        }
    )
    store = tmp_path / "cache"
    first = run(root, store, gates=("format",))
    assert [f.path for f in first.gates[0].findings] == ["app/other.py", "app/ugly.py"]
    (root / "app" / "ugly.py").write_text("x = 1\n", encoding="utf-8")
    second = run(root, store, gates=("format",))
    assert not second.gates[0].cached
    command = second.gates[0].commands[0]
    assert command[-1] == "app/ugly.py"  # only the changed file was checked
    fresh = comparable(run(root, None, gates=("format",)))
    incremental = comparable(second)
    for data in (fresh, incremental):  # the commands differ: a file list, -v
        data["gates"][0].pop("command")
        data["gates"][0].pop("commands")
    assert incremental == fresh
    assert [f.path for f in second.gates[0].findings] == ["app/other.py"]


@pytest.mark.tools
def test_flake8_rechecks_only_changed_files_with_its_own_exclusions(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Per-file memo of the lint gate under flake8: after a change, flake8 walks
    the tree checking only the changed files (``--filename``), so a folder its
    ``extend-exclude`` names stays out even when a file in it changed.

    Plants: F401 in ``app/core.py``; E225 in ``app/[x].py`` (a name with a
    wildcard); F401 in ``vendored/lib.py``, which ``.flake8`` excludes."""
    root = make_repo(
        {
            **PROJECT,
            ".flake8": "[flake8]\nextend-exclude = vendored\n",
            "app/[x].py": "x=1\n",
            "vendored/lib.py": "import json\n",
        }
    )
    store = tmp_path / "cache"
    first = run(root, store, gates=("lint",))
    assert first.gates[0].metrics["linter"] == "flake8"
    assert [f"{f.location} {f.rule}" for f in first.gates[0].findings] == [
        "app/[x].py:1 E225",
        "app/core.py:1 F401",
    ]
    (root / "app" / "core.py").write_text("import os\n\nos.sep\n", encoding="utf-8")
    with (root / "vendored" / "lib.py").open("a", encoding="utf-8") as stream:
        stream.write("import sys\n")
    second = run(root, store, gates=("lint",))
    assert not second.gates[0].cached
    flake8 = second.gates[0].commands[0]
    assert flake8[-2:] == ("--filename=./app/core.py,./vendored/lib.py", ".")
    assert [f"{f.location} {f.rule}" for f in second.gates[0].findings] == [
        "app/[x].py:1 E225"
    ]
    (root / "app" / "[x].py").write_text("x = 1\nimport os\n", encoding="utf-8")
    third = run(root, store, gates=("lint",))
    assert third.gates[0].commands[0][-2] == "--filename=./app/[[]x].py"
    fresh, *incremental = (
        comparable(report) for report in (run(root, None, gates=("lint",)), third)
    )
    for data in (fresh, *incremental):  # the commands differ: --filename
        data["gates"][0].pop("command")
        data["gates"][0].pop("commands")
    assert incremental == [fresh]
    assert [f"{f.location} {f.rule}" for f in third.gates[0].findings] == [
        "app/[x].py:2 F401",  # flake8's order: pyflakes first at one column
        "app/[x].py:2 E402",
    ]


def test_markers_reparses_only_changed_test_modules_and_agrees_with_a_fresh_run(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test module's marker uses and imports are remembered by content:
    after one changes, only it is parsed (conftests always are: their
    registrations need the tree).

    Plants: ``slow`` (tests/test_core.py) and ``flaky`` (tests/test_more.py,
    imported helper tests/helpers.py) unregistered; ``conftest.py`` registers
    ``online``."""
    root = make_repo(
        {
            **PROJECT,
            "tests/__init__.py": "",
            "tests/conftest.py": """
                def pytest_configure(config):
                    config.addinivalue_line("markers", "online: needs a network")
            """,
            "tests/helpers.py": "VALUE = 1\n",
            "tests/test_more.py": """
                import pytest

                from tests.helpers import VALUE


                @pytest.mark.flaky
                @pytest.mark.online
                def test_more() -> None:
                    assert VALUE
            """,
        }
    )
    parsed: list[str] = []
    real = pysource.parse

    def parse(source: bytes, filename: str = "<unknown>") -> object:
        parsed.append(Path(filename).relative_to(root).as_posix())
        return real(source, filename=filename)

    monkeypatch.setattr(pysource, "parse", parse)
    store = tmp_path / "cache"
    first = run(root, store, gates=("markers",))
    assert [f"{f.location} {f.message}" for f in first.gates[0].findings] == [
        f"tests/test_core.py:4 marker 'slow' is not registered; {ABORTS}",
        f"tests/test_more.py:6 marker 'flaky' is not registered; {ABORTS}",
    ]
    with (root / "tests" / "test_more.py").open("a", encoding="utf-8") as stream:
        stream.write("\n\n@pytest.mark.flaky\ndef test_again() -> None:\n    pass\n")
    parsed.clear()
    second = run(root, store, gates=("markers",))
    assert not second.gates[0].cached
    assert sorted(parsed) == [
        "tests/conftest.py",  # its collect_ignore, then its registrations
        "tests/conftest.py",
        "tests/test_more.py",  # its imports and its marks, in one parse
    ]
    assert [f.location for f in second.gates[0].findings] == [
        "tests/test_core.py:4",
        "tests/test_more.py:6",
        "tests/test_more.py:12",
    ]
    assert comparable(second) == comparable(run(root, None, gates=("markers",)))


@pytest.mark.tools
def test_bandit_rescans_and_rejudges_only_changed_files_and_agrees_with_a_fresh_run(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Per-file memo of the sast gate: bandit's results and readiness's judgement
    of them (triage, advice, ``# nosec`` comments) are remembered per file."""
    # Plants: B608 with SQL advice and a B105 left out as an empty password
    # (app/db.py), B307 eval and a `# nosec` without a reason (app/calc.py).
    root = make_repo(
        {
            **PROJECT,
            "app/db.py": """
                def find(cursor, name):
                    password = ""
                    return cursor.execute("SELECT * FROM t WHERE n = '%s'" % name)
            """,
            "app/calc.py": """
                def calc(text):
                    value = eval(text)
                    assert value  # nosec B101
                    return value
            """,
        }
    )
    store = tmp_path / "cache"
    first = run(root, store, gates=("sast",))
    assert sorted((f.rule, f.path, f.line) for f in first.gates[0].findings) == [
        ("B307", "app/calc.py", 2),
        ("B608", "app/db.py", 3),
        ("SA002", "app/calc.py", 3),
    ]
    assert first.gates[0].metrics["notes_left_out"] == 1
    with (root / "app" / "calc.py").open("a", encoding="utf-8") as stream:
        stream.write("\n\nCHANGED = eval('1')\n")
    second = run(root, store, gates=("sast",))
    assert not second.gates[0].cached
    assert second.gates[0].commands[0][2] == "app/calc.py"  # only it was scanned
    with (root / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write("\n# a comment: the gate runs, every file from the memo\n")
    third = run(root, store, gates=("sast",))
    assert not third.gates[0].cached
    fresh, *incremental = (
        comparable(report)
        for report in (run(root, None, gates=("sast",)), second, third)
    )
    for data in (fresh, *incremental):  # the commands differ: a file list
        data["gates"][0].pop("command")
        data["gates"][0].pop("commands")
    assert incremental == [fresh, fresh]
    assert [(f.rule, f.line) for f in second.gates[0].findings if f.rule == "B307"] == [
        ("B307", 2),
        ("B307", 7),
    ]


def test_a_probe_is_asked_once_while_its_executable_is_unchanged(
    tmp_path: Path,
) -> None:
    """``tool --version`` is remembered by the executable's path, size and
    mtime (and its ``depends``); ``None`` asks every time; a failure is not kept."""
    tool = tmp_path / "bin" / "faketool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\necho 1.0\n", encoding="utf-8")
    tool.chmod(0o755)
    site = tmp_path / "site"
    site.mkdir()
    folder = tmp_path / "cache"
    asked: list[str] = []

    def ask(answer: str) -> Any:
        def probe() -> str:
            asked.append(answer)
            return answer

        return probe

    args = [str(tool), "--version"]
    assert cache.probed(folder, args, ask("1.0"), depends=[site]) == "1.0"
    assert cache.probed(folder, args, ask("other"), depends=[site]) == "1.0"
    assert cache.probed(None, args, ask("uncached")) == "uncached"
    tool.write_text("#!/bin/sh\necho 2.0.0\n", encoding="utf-8")  # size changes
    assert cache.probed(folder, args, ask("2.0.0"), depends=[site]) == "2.0.0"
    (site / "newpkg").mkdir()  # the folder's mtime moves
    assert cache.probed(folder, args, ask("3.0"), depends=[site]) == "3.0"
    assert asked == ["1.0", "uncached", "2.0.0", "3.0"]

    def fails() -> str:
        raise ValueError("no version")

    other = [str(tool), "--help"]
    with pytest.raises(ValueError, match="no version"):
        cache.probed(folder, other, fails)
    assert cache.probed(folder, other, ask("help")) == "help"
    (folder / cache.PROBES).write_text("{damaged", encoding="utf-8")
    assert cache.probed(folder, other, ask("again")) == "again"


def test_probes_are_remembered_beside_the_environments_for_every_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tool's answer is the machine's: one folder beside the environments,
    whatever the audit's cache folder; none with ``--no-cache``; the oldest
    answers go past :data:`cache.PROBES_KEPT`."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "machine"))
    folder = cache.probes_folder(tmp_path / "one-target")
    assert folder == tmp_path / "machine/envs/probes"
    assert cache.probes_folder(tmp_path / "other-target") == folder
    assert cache.probes_folder(None) is None
    monkeypatch.setattr(cache, "PROBES_KEPT", 2)
    for name in ("sh", "ls", "cat"):
        cache.probed(folder, [name, "--version"], functools.partial(str, name))
    kept = json.loads((folder / cache.PROBES).read_text(encoding="utf-8"))
    assert sorted(kept.values()) == ["cat", "ls"]
