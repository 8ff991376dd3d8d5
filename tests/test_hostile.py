"""Hostile targets: each fixture plants one hostile property in a small project.

Every case audits through the real command line (``python -m readiness audit
ROOT --format json``) with the static gates and a one-record offline advisory
database, and asserts the contract of issue 13 beside its own expectations:

* the exit code DESIGN.md fixes (0 ready, 1 gaps, 2 configuration error);
* no traceback on stderr; a gate that cannot run ends ``error`` with a
  one-line reason, never an ``internal error``;
* the tree is left as it was: the content of every file and link, every
  folder's mtime (a temporary file created and removed changes it; the tree
  is read-only in one case, but the tests run as root, so that is what shows
  a write) and ``git status --porcelain --ignored``;
* no temporary file left behind (``TMPDIR`` is a folder of the test's own).

A target whose tests delete the project's files, write into ``$HOME`` or
open network connections: ``tests/test_containment.py`` (the tests gate runs
the suite on a copy, with a private home and, where the machine allows it,
no network).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess  # nosec B404: the audit under test runs as a child process
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git

pytestmark = pytest.mark.tools

#: The static gates: nothing of the target runs. ``build`` runs in one case.
STATIC = ("markers", "lint", "format", "sast", "secrets", "docs", "deps")

#: A small clean project: a package with a console script its README names,
#: one test, committed empty locks (the deps gate reads them, no resolver runs).
BASE = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "hostile"
        version = "1"
        requires-python = ">=3.11"
        dependencies = []

        [project.scripts]
        hostile = "hostile.cli:main"

        [project.optional-dependencies]
        test = ["pytest>=8"]
    """,
    "src/hostile/__init__.py": '''
        """A package."""


        def double(value: int) -> int:
            """Twice the value."""
            return 2 * value
    ''',
    "src/hostile/cli.py": '''
        """The command line."""

        import argparse


        def main() -> None:
            """Parse the arguments."""
            parser = argparse.ArgumentParser(prog="hostile")
            parser.add_argument("--verbose", action="store_true")
            parser.parse_args()
    ''',
    "tests/test_double.py": """
        from hostile import double


        def test_double() -> None:
            assert double(2) == 4
    """,
    "README.md": "# hostile\n\nRun `hostile --verbose`.\n",
    "constraints/prod.txt": "# constraints/prod.txt (no dependency)\n",
    "constraints/test.txt": "# constraints/test.txt (no dependency)\n",
    "constraints/dev.txt": "# constraints/dev.txt (no dependency)\n",
}

#: One OSV record for a package nobody uses: the deps gate's offline source.
OSV_RECORD = {
    "id": "TEST-0001",
    "modified": "2024-01-01T00:00:00Z",
    "summary": "planted: affects no package the fixtures use",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "readiness-no-such-package"},
            "versions": ["0.1"],
        }
    ],
}

#: Written outside the target, behind links: must appear in no output.
OUTSIDE_MARK = "OUTSIDE-TARGET-7f3a"


def project(root: Path, extra: Mapping[str, str | bytes] | None = None) -> Path:
    """Write :data:`BASE` plus ``extra`` (bytes as they are) into ``root``."""
    files: dict[str, str | bytes] = {**BASE, **(extra or {})}
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def commit(root: Path) -> None:
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "planted")


def snapshot(root: Path) -> dict[str, Any]:
    """Every file's and link's content, every folder's mtime (outside ``.git``),
    and git's view of the tree, ignored files included."""
    entries: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if d != ".git")
        entries[base.relative_to(root).as_posix() + "/"] = str(base.stat().st_mtime_ns)
        for name in [*files, *(d for d in dirs if (base / d).is_symlink())]:
            path = base / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                entries[rel] = "-> " + str(path.readlink())
            else:
                entries[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    if not (root / ".git").exists():
        return {"entries": entries, "git": None}
    status = git(root, "status", "--porcelain", "--ignored", "-z")
    return {"entries": entries, "git": sorted(status.split("\0"))}


@dataclass(frozen=True, kw_only=True)
class Audit:
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    def gate(self, name: str) -> dict[str, Any]:
        assert self.report is not None
        return next(g for g in self.report["gates"] if g["name"] == name)

    @property
    def statuses(self) -> dict[str, str]:
        assert self.report is not None
        return {g["name"]: g["status"] for g in self.report["gates"]}

    def findings(self, name: str) -> list[tuple[str, str | None, int | None]]:
        return [
            (f["rule"], f.get("path"), f.get("line"))
            for f in self.gate(name)["findings"]
        ]


def readiness(root: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``readiness ARGS`` in ``work`` (created here) and assert that it left
    no traceback, no change to ``root`` and no temporary file. git looks for no
    repository above the target's folder."""
    work.mkdir()
    scratch = work / "tmp"
    scratch.mkdir()
    before = snapshot(root)
    completed = subprocess.run(  # nosec B603: the interpreter, list arguments
        [sys.executable, "-m", "readiness", *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
        env={
            **os.environ,
            "TMPDIR": str(scratch),
            "GIT_CEILING_DIRECTORIES": str(root.parent),
        },
        check=False,
    )
    assert "Traceback" not in completed.stderr
    assert snapshot(root) == before
    assert list(scratch.iterdir()) == []
    return completed


def audit(root: Path, work: Path, gates: tuple[str, ...] = STATIC) -> Audit:
    """Audit ``root`` as a user would; assert the contract every case shares."""
    database = work.parent / f"{work.name}-osv"
    database.mkdir()
    (database / "TEST-0001.json").write_text(json.dumps(OSV_RECORD))
    out = work / "out"
    completed = readiness(
        root,
        work,
        "audit",
        str(root),
        "--no-cache",
        "--advisory-db",
        str(database),
        "--format",
        "json",
        "--out",
        str(out),
        *(arg for gate in gates for arg in ("--gate", gate)),
    )
    report_path = out / "readiness-report.json"
    report = (
        json.loads(report_path.read_text(encoding="utf-8"))
        if report_path.is_file()
        else None
    )
    for gate in report["gates"] if report else ():
        assert gate["status"] in {"pass", "fail", "error", "skipped"}
        if gate["status"] == "error":
            reason = gate["reason"]
            assert reason
            assert "\n" not in reason
            assert not reason.startswith("internal error")
    return Audit(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        report=report,
    )


def clean(**overrides: str) -> dict[str, str]:
    statuses = dict.fromkeys(STATIC, "pass")
    statuses.update(overrides)
    return statuses


def test_the_clean_project_is_ready(tmp_path: Path) -> None:
    """The control: the base project passes every static gate."""
    root = project(tmp_path / "repo")
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (0, clean())


def test_a_malformed_pyproject_is_a_one_line_configuration_error(
    tmp_path: Path,
) -> None:
    """Plants: an unclosed table header in pyproject.toml."""
    root = project(tmp_path / "repo", {"pyproject.toml": '[project\nname = "x"\n'})
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.report) == (2, None)
    assert result.stderr.splitlines() == [
        (
            f"readiness: error: {root / 'pyproject.toml'}: invalid TOML: Expected"
            " ']' at the end of a table declaration (at line 1, column 9)"
        )
    ]


def test_a_pyproject_with_a_byte_order_mark_is_named_as_such(tmp_path: Path) -> None:
    """Plants: the base pyproject.toml behind a UTF-8 BOM, which pip and build
    reject; tomllib said only "Invalid statement (at line 1, column 1)"."""
    text = textwrap.dedent(BASE["pyproject.toml"]).lstrip("\n")
    root = project(
        tmp_path / "repo", {"pyproject.toml": b"\xef\xbb\xbf" + text.encode()}
    )
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.report) == (2, None)
    assert result.stderr.splitlines() == [
        (
            f"readiness: error: {root / 'pyproject.toml'}: starts with a UTF-8"
            " byte-order mark (BOM), which TOML readers (pip, build, tomllib)"
            " reject: save it as UTF-8 without BOM"
        )
    ]


def test_latin1_sources_and_readme_are_findings_not_crashes(tmp_path: Path) -> None:
    """Plants: a latin-1 module (no coding cookie) and a latin-1 README."""
    root = project(
        tmp_path / "repo",
        {
            "src/hostile/legacy.py": '"""Caf\u00e9."""\n\nNAME = "Jos\u00e9"\n'.encode(
                "latin-1"
            ),
            "README.md": "# hostile\n\nCaf\u00e9: run `hostile --verbose`.\n".encode(
                "latin-1"
            ),
        },
    )
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (
        1,
        clean(lint="fail", format="fail", sast="fail"),
    )
    assert result.findings("lint") == [("E902", "src/hostile/legacy.py", 1)]
    assert result.findings("format") == [("FM002", "src/hostile/legacy.py", None)]
    assert result.findings("sast") == [("SA003", "src/hostile/legacy.py", None)]
    assert result.gate("docs")["metrics"]["invocations"] == 1


def test_links_that_leave_the_tree_or_loop_are_never_followed(tmp_path: Path) -> None:
    """Plants: file links to a module and a guide outside the target (in the
    package, in tests/ and at the root), folder links outside (docs/ and in the
    package), a link loop (loop_a <-> loop_b) and folder links back into their
    own folder (self -> ., parent -> ..). black walked ``self`` without end;
    ruff, bandit and the markers gate read the outside module and reported it
    with an absolute path; the docs gate read the outside guide."""
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    module = f'import os\n\nx = eval("1")\nMARK = "{OUTSIDE_MARK}"\n'
    (outside / "stolen.py").write_text(module)
    (outside / "dir" / "inner.py").write_text(module)
    guide = f"Run `hostile --{OUTSIDE_MARK}`.\n"
    (outside / "stolen.md").write_text(guide)
    (outside / "dir" / "guide.md").write_text(guide)
    root = project(tmp_path / "repo")
    links = {
        "src/hostile/stolen.py": outside / "stolen.py",
        "tests/test_stolen.py": outside / "stolen.py",
        "stolen.md": outside / "stolen.md",
        "src/hostile/linked": outside / "dir",
        "docs": outside / "dir",
        "loop_a": Path("loop_b"),
        "loop_b": Path("loop_a"),
        "src/hostile/self": Path(),
        "src/hostile/parent": Path(".."),
    }
    for name, destination in links.items():
        (root / name).symlink_to(destination)
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (0, clean())
    for text in (
        result.stdout,
        result.stderr,
        json.dumps(result.report, ensure_ascii=False),
    ):
        assert OUTSIDE_MARK not in text
        assert str(outside) not in text
    assert result.gate("markers")["metrics"]["files_scanned"] == 1
    assert result.gate("sast")["metrics"]["files_scanned"] == 2
    assert result.gate("docs")["metrics"]["files"] == 1
    assert result.gate("secrets")["metrics"]["files_skipped"] == len(links)


def test_a_50_mb_file_is_skipped_and_reported_not_read(tmp_path: Path) -> None:
    """Plants: a 50 MB Markdown file full of invocations (the docs gate took
    138 s on it) and a 50 MB sparse text file in the package."""
    root = project(tmp_path / "repo")
    line = b"Run `hostile --verbose` now.\n"
    with (root / "big.md").open("wb") as handle:
        handle.write(line * (50_000_000 // len(line) + 1))
    with (root / "src" / "hostile" / "data.txt").open("wb") as handle:
        handle.truncate(50_000_000)
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (0, clean())
    big = (root / "big.md").stat().st_size
    docs = result.gate("docs")["metrics"]
    assert (docs["files"], docs["invocations"], docs["skipped"]) == (
        1,
        1,
        f"big.md ({big:,} bytes > 2,000,000)",
    )
    assert result.gate("secrets")["metrics"]["skipped"] == (
        f"big.md ({big:,} bytes > 1,000,000),"
        " src/hostile/data.txt (50,000,000 bytes > 1,000,000)"
    )
    report_size = (tmp_path / "work" / "out" / "readiness-report.json").stat()
    assert report_size.st_size < 100_000


def test_a_5000_deep_expression_is_a_parse_error_not_a_crash(tmp_path: Path) -> None:
    """Plants: ``1 + 1 + ...`` 5,000 deep in the package and in a test (Python's
    parser raises RecursionError: markers and docs ended "internal error"),
    and 5,000 nested parentheses in the package."""
    deep = " + ".join(["1"] * 5000)
    root = project(
        tmp_path / "repo",
        {
            "src/hostile/deep.py": f"x = {deep}\n",
            "src/hostile/parens.py": "y = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
            "tests/test_deep.py": f"def test_deep() -> None:\n    assert {deep}\n",
        },
    )
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (
        1,
        clean(markers="fail", lint="error", format="fail", sast="fail"),
    )
    markers = result.gate("markers")["findings"]
    assert [(f["path"], f["message"]) for f in markers] == [
        (
            "tests/test_deep.py",
            (
                "test file does not parse (SyntaxError: too deeply nested for"
                " Python's parser); pytest cannot collect it"
            ),
        )
    ]
    # ruff itself overflows its stack: the gate says so and the others report.
    assert "stack overflow" in result.gate("lint")["reason"]
    # black --check --fast lays the files out without its AST check (which
    # Python's parser would refuse): three files it would reformat, in the one
    # finding of a project that adopts no formatter; bandit, which parses with
    # Python, names the two package files it cannot read (SA003).
    (format_finding,) = result.gate("format")["findings"]
    assert format_finding["rule"] == "FM005"
    assert format_finding["message"] == (
        "no formatter adopted; black (readiness's default) would reformat 3 files:"
        " src/hostile/deep.py, src/hostile/parens.py, tests/test_deep.py"
    )
    assert result.findings("sast") == [
        ("SA003", "src/hostile/deep.py", None),
        ("SA003", "src/hostile/parens.py", None),
    ]


def test_spaces_and_newlines_in_names_and_in_the_root(tmp_path: Path) -> None:
    """Plants: a root folder named ``my repo\\nname``, a module ``with space.py``
    and a module ``new\\nline.py`` (each with an eval), a guide named
    ``odd\\nguide name.md`` with an unknown option."""
    root = project(
        tmp_path / "my repo\nname",
        {
            "src/hostile/with space.py": 'z = eval("3")\n',
            "src/hostile/new\nline.py": 'w = eval("4")\n',
            "docs/odd\nguide name.md": "Run `hostile --nope`.\n",
        },
    )
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (1, clean(sast="fail", docs="fail"))
    assert result.findings("sast") == [
        ("B307", "src/hostile/new\nline.py", 1),
        ("B307", "src/hostile/with space.py", 1),
    ]
    assert result.findings("docs") == [("DC002", "docs/odd\nguide name.md", 1)]


def test_a_read_only_tree_is_audited_without_writing_into_it(tmp_path: Path) -> None:
    """Plants: the base project, committed, then ``chmod -R a-w``. The tests
    run as root, which may write anyway: the unchanged folder mtimes and
    contents show that nothing was written, the build included."""
    root = project(tmp_path / "repo")
    commit(root)
    modes = {path: path.stat().st_mode for path in [root, *root.rglob("*")]}
    for path in modes:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        result = audit(root, tmp_path / "work", gates=(*STATIC, "build"))
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert (result.returncode, result.statuses) == (0, {**clean(), "build": "pass"})


def test_an_empty_pyproject_is_read_as_no_configuration(tmp_path: Path) -> None:
    """Plants: an empty ``pyproject.toml`` (valid TOML: no build system, no
    metadata). The typing gate installed the target anyway (uv built
    setuptools' ``UNKNOWN`` project and left ``uv-setuptools-*.lock`` in
    ``TMPDIR``); now it checks the source without installing it, as the build
    gate says why it skips."""
    root = project(tmp_path / "repo", {"pyproject.toml": ""})
    commit(root)
    result = audit(root, tmp_path / "work", gates=(*STATIC, "build", "typing"))
    assert (result.returncode, result.statuses) == (
        0,
        {**clean(docs="skipped"), "build": "skipped", "typing": "pass"},
    )
    not_installable = (
        "not installable: no pyproject.toml with [project] or [build-system],"
        " no setup.py, no setup.cfg"
    )
    assert result.gate("build")["reason"] == not_installable
    assert result.gate("docs")["reason"] == (
        "no console script in [project.scripts] and no __main__ module"
    )
    typing = result.gate("typing")["metrics"]
    assert (typing["modules_checked"], typing["target_installed"]) == (
        2,
        f"no ({not_installable})",
    )


#: setuptools metadata in ``setup.cfg`` (with the usual ``setup.py`` stub: pip
#: and uv refuse a folder with neither it nor a ``pyproject.toml``).
SETUP_CFG = """
    [metadata]
    name = hostile
    version = 1

    [options]
    package_dir =
        = src
    packages = find:
    python_requires = >=3.11

    [options.packages.find]
    where = src

    [options.entry_points]
    console_scripts =
        hostile = hostile.cli:main

    [options.extras_require]
    test = pytest>=8

    [tool:pytest]
    markers =
        slow: a slow test
"""

#: Uses ``slow`` (line 6) and ``fast`` (line 11).
MARKED_TEST = """
    import pytest

    from hostile import double


    @pytest.mark.slow
    def test_double() -> None:
        assert double(2) == 4


    @pytest.mark.fast
    def test_quad() -> None:
        assert double(double(1)) == 4
"""


def setuptools_project(root: Path, extra: Mapping[str, str]) -> Path:
    """:data:`BASE` without ``pyproject.toml``: ``setup.cfg``, ``setup.py``."""
    project(
        root,
        {
            "setup.cfg": SETUP_CFG,
            "setup.py": "from setuptools import setup\n\nsetup()\n",
            "tests/test_double.py": MARKED_TEST,
            **extra,
        },
    )
    (root / "pyproject.toml").unlink()
    return root


def test_configuration_only_in_setup_cfg(tmp_path: Path) -> None:
    """Plants: no pyproject.toml; setuptools metadata with a console script and
    pytest's markers (``slow`` only) in ``setup.cfg``; a test using ``slow``
    and ``fast``. The console script is found through the backend's metadata
    (docs and cli run it), the build passes, only ``fast`` is unregistered."""
    root = setuptools_project(tmp_path / "repo", {})
    commit(root)
    result = audit(root, tmp_path / "work", gates=(*STATIC, "build", "cli"))
    assert (result.returncode, result.statuses) == (
        1,
        {**clean(markers="fail"), "build": "pass", "cli": "pass"},
    )
    assert result.findings("markers") == [("MK001", "tests/test_double.py", 11)]
    assert result.gate("docs")["metrics"]["invocations"] == 1
    assert result.gate("build")["metrics"]["backend"] == (
        "setuptools.build_meta:__legacy__"
    )


def test_configuration_in_tox_ini_takes_pytest_s_precedence(tmp_path: Path) -> None:
    """Plants: the setup.cfg project plus a ``tox.ini`` whose ``[pytest]``
    registers only ``fast`` (pytest reads it before setup.cfg, so ``slow`` is
    unregistered) and whose ``[flake8]`` sets ``max-line-length = 120``; a
    module with a 100- and a 130-character comment line."""
    comment = "# " + "word " * 19 + "end\n# " + "word " * 25 + "end\n"
    root = setuptools_project(
        tmp_path / "repo",
        {
            "tox.ini": """
                [tox]
                envlist = py311

                [pytest]
                markers =
                    fast: a fast test

                [flake8]
                max-line-length = 120
            """,
            "src/hostile/long.py": '"""Long comments."""\n\n' + comment,
        },
    )
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (
        1,
        clean(markers="fail", lint="fail"),
    )
    assert result.findings("markers") == [("MK001", "tests/test_double.py", 6)]
    assert result.findings("lint") == [("E501", "src/hostile/long.py", 4)]
    assert result.gate("lint")["metrics"]["linter_evidence"] == "[flake8] in tox.ini"


#: A GitHub token shape the secrets gate knows (planted, not a real token).
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
#: An eval on line 3, the token on line 4.
MODULE = f'"""A module."""\n\nVALUE = eval("1")\nKEY = "{TOKEN}"\n'
#: An unregistered marker on line 4.
TEST = (
    "import pytest\n\n\n@pytest.mark.fast\n"
    'def test_it() -> None:\n    assert eval("2") == 2\n'
)
#: An unknown option on line 3.
GUIDE = "# Guide\n\nRun `hostile --nope`.\n"
BOM = b"\xef\xbb\xbf"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def test_crlf_and_bom_sources_give_findings_at_their_lines(tmp_path: Path) -> None:
    """Plants: :data:`MODULE` with CRLF line ends, behind a UTF-8 BOM, and
    both; :data:`TEST` with CRLF and behind a BOM; :data:`GUIDE` likewise. Each
    finding is at the line it has in an LF file without BOM."""
    root = project(
        tmp_path / "repo",
        {
            "src/hostile/crlf.py": crlf(MODULE),
            "src/hostile/bom.py": BOM + MODULE.encode(),
            "src/hostile/both.py": BOM + crlf(MODULE),
            "tests/test_crlf.py": crlf(TEST),
            "tests/test_bom.py": BOM + TEST.encode(),
            "docs/crlf.md": crlf(GUIDE),
            "docs/bom.md": BOM + GUIDE.encode(),
        },
    )
    commit(root)
    result = audit(root, tmp_path / "work")
    assert (result.returncode, result.statuses) == (
        1,
        clean(markers="fail", sast="fail", secrets="fail", docs="fail"),
    )
    modules = ("src/hostile/bom.py", "src/hostile/both.py", "src/hostile/crlf.py")
    assert result.findings("sast") == [("B307", path, 3) for path in modules]
    assert result.findings("secrets") == [("SE004", path, 4) for path in modules]
    assert result.findings("markers") == [
        ("MK001", "tests/test_bom.py", 4),
        ("MK001", "tests/test_crlf.py", 4),
    ]
    assert result.findings("docs") == [
        ("DC002", "docs/bom.md", 3),
        ("DC002", "docs/crlf.md", 3),
    ]


def test_non_ascii_file_and_folder_names(tmp_path: Path) -> None:
    """Plants: :data:`MODULE` as ``café/naïve.py`` and ``日本.py`` in the
    package, :data:`TEST` as ``tests/test_ñandú.py``, :data:`GUIDE` as
    ``docs/guía/über.md`` and a tracked, not ignored ``conf/dév/.env`` (git
    quotes such paths unless asked not to). Every path is reported as it is,
    and the build (from ``git ls-files``) ships the modules."""
    root = project(
        tmp_path / "repo",
        {
            "src/hostile/caf\u00e9/__init__.py": '"""Caf\u00e9."""\n',
            "src/hostile/caf\u00e9/na\u00efve.py": MODULE,
            "src/hostile/\u65e5\u672c.py": MODULE,
            "tests/test_\u00f1and\u00fa.py": TEST,
            "docs/gu\u00eda/\u00fcber.md": GUIDE,
            "conf/d\u00e9v/.env": "API_KEY=x1\n",
        },
    )
    commit(root)
    result = audit(root, tmp_path / "work", gates=(*STATIC, "build"))
    assert (result.returncode, result.statuses) == (
        1,
        {
            **clean(markers="fail", sast="fail", secrets="fail", docs="fail"),
            "build": "pass",
        },
    )
    modules = ("src/hostile/caf\u00e9/na\u00efve.py", "src/hostile/\u65e5\u672c.py")
    assert result.findings("sast") == [("B307", path, 3) for path in modules]
    assert result.findings("secrets") == [
        ("SE002", ".gitignore", None),
        ("SE001", "conf/d\u00e9v/.env", None),
        *(("SE004", path, 4) for path in modules),
    ]
    assert result.findings("markers") == [("MK001", "tests/test_\u00f1and\u00fa.py", 4)]
    assert result.findings("docs") == [("DC002", "docs/gu\u00eda/\u00fcber.md", 3)]
    build = result.gate("build")["metrics"]
    assert (build["files"], build["wheel_files"]) == (14, 9)


def test_a_target_outside_git(tmp_path: Path) -> None:
    """Plants: the base project with :data:`MODULE`, a ``.env`` (mode 0644)
    and a ``.gitignore``, never put under git. The secrets gate says its git
    checks were skipped and still scans; the build takes the working tree;
    ``readiness fix`` refuses before running any gate (nothing would show or
    undo its edits)."""
    root = project(
        tmp_path / "repo",
        {".env": "API_KEY=x1\n", ".gitignore": ".env\n", "src/hostile/bad.py": MODULE},
    )
    (root / ".env").chmod(0o644)
    result = audit(root, tmp_path / "work", gates=(*STATIC, "build"))
    assert (result.returncode, result.statuses) == (
        1,
        {**clean(sast="fail", secrets="fail"), "build": "pass"},
    )
    assert result.findings("sast") == [("B307", "src/hostile/bad.py", 3)]
    assert result.findings("secrets") == [
        ("SE003", ".env", None),
        ("SE004", "src/hostile/bad.py", 4),
    ]
    secrets = result.gate("secrets")["metrics"]
    assert (secrets["git"], secrets["files_scanned"]) == (
        "checks skipped: not in a git repository",
        11,
    )
    assert result.gate("build")["metrics"]["source"] == (
        "working tree (not a git repository)"
    )
    fixed = readiness(root, tmp_path / "fix", "fix", str(root), "--priority", "P2")
    assert (fixed.returncode, fixed.stdout) == (2, "")
    assert fixed.stderr.splitlines() == [
        (
            f"readiness: error: {root} is not in a git work tree, so nothing would"
            " show or undo readiness's edits; put it under git, or pass"
            " --allow-dirty; nothing run, nothing written (see --dry-run)"
        )
    ]


def test_fix_refuses_a_read_only_tree_before_any_gate(tmp_path: Path) -> None:
    """Plants: the base project with an eval (a P0 finding a fixer could
    address), committed, then ``chmod -R a-w``. ``readiness fix`` ran every
    gate before the workspace found it could write nothing; now it refuses
    at once, ``--allow-dirty`` or not, and writes nothing."""
    root = project(tmp_path / "repo", {"src/hostile/bad.py": MODULE})
    commit(root)
    modes = {path: path.stat().st_mode for path in [root, *root.rglob("*")]}
    for path in modes:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        runs = [
            readiness(root, tmp_path / name, "fix", str(root), "--priority", "P2", *a)
            for name, a in (("plain", ()), ("dirty", ("--allow-dirty",)))
        ]
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    for completed in runs:
        assert (completed.returncode, completed.stdout) == (2, "")
        assert completed.stderr.splitlines() == [
            (
                f"readiness: error: {root} is read-only (its folder is not"
                " writable); nothing run, nothing written (see --dry-run)"
            )
        ]
