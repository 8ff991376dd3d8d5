"""The sast gate with the real bandit on small fixture repositories."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.fixers.routing import route
from readiness.gates import registry
from readiness.gates.interface import GateContext
from readiness.gates.sast import (
    NOSEC_WITHOUT_ID,
    NOSEC_WITHOUT_REASON,
    UNSCANNED,
    SastGate,
    classify_nosec,
    error_finding,
    known_tests,
    result_finding,
)
from readiness.runner import execute
from readiness.sast_triage import comments
from readiness.settings import Settings
from readiness.target import discover

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

pytestmark = pytest.mark.tools

PYPROJECT = """
[project]
name = "app"

[tool.bandit]
skips = ["B101"]
"""
CORE = """
import tarfile

import requests


def unpack(archive, dest):
    with tarfile.open(archive) as tar:
        tar.extractall(dest)


def calculate(expression):
    return eval(expression)


def rows(cursor, table):
    return cursor.execute(f"SELECT * FROM {table} WHERE id = 1")


def fetch(url):
    return requests.get(url)


def fetch_blanket(url):
    return requests.get(url)  # nosec


def fetch_unexplained(url):
    return requests.get(url)  # nosec B113


def fetch_justified(url):
    return requests.get(url)  # nosec B113 - internal health check, proxy-bounded


def check(value):
    assert value
"""
SEED = {
    "pyproject.toml": PYPROJECT,
    "src/app/__init__.py": "",
    "src/app/core.py": CORE,
    "src/app/broken.py": "def f(:\n    pass\n",
}
KNOWN = frozenset({"B101", "B113", "B311", "B602", "random", "request_without_timeout"})


def scan(run_gate: RunGate, root: Path) -> GateResult:
    return run_gate(SastGate(), root)


def sites(result: GateResult) -> list[str]:
    return [f"{f.location} {f.rule}" for f in result.findings]


def fake_bandit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: str | None
) -> None:
    """A bandit that writes ``report`` (or nothing) where ``-o`` says."""
    script = tmp_path / "fake-bandit"
    write = (
        "sys.exit(0)"
        if report is None
        else f"open(sys.argv[sys.argv.index('-o') + 1], 'w').write({report!r})"
    )
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "if '--version' in sys.argv or '--help' in sys.argv:\n"
        "    print('bandit 9.9.9')\n"
        "    sys.exit(0)\n"
        f"{write}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    real = command.which
    monkeypatch.setattr(
        command, "which", lambda tool: str(script) if tool == "bandit" else real(tool)
    )


def test_registered_with_its_description() -> None:
    assert registry()["sast"] is SastGate
    assert SastGate.priority is Priority.P0
    assert SastGate.title == "bandit security scan"
    assert SastGate.description() == (
        "bandit finds no High issue, and every Medium is fixed or justified."
    )


def test_the_seeds_security_findings(make_repo: MakeRepo, run_gate: RunGate) -> None:
    result = scan(run_gate, make_repo(SEED))

    assert result.status is Status.FAIL
    assert sites(result) == [
        "src/app/core.py:8 B202",
        "src/app/core.py:12 B307",
        "src/app/core.py:16 B608",
        "src/app/core.py:20 B113",
        "src/app/core.py:24 SA001",
        "src/app/core.py:28 SA002",
        "src/app/broken.py SA003",
    ]
    tar = result.findings[0]
    assert tar == Finding(
        rule="B202",
        severity=Severity.HIGH,
        priority=Priority.P0,
        message=(
            "tarfile.extractall used without any validation. Please check and"
            " discard dangerous members. (CWE-22, confidence high)"
        ),
        path="src/app/core.py",
        line=8,
        fix=(
            'use extractall(path, filter="data") (Python >= 3.12, 3.11.4+, 3.10.12+)'
            " or validate that each member stays under the destination"
        ),
        details={
            "confidence": "high",
            "test_name": "tarfile_unsafe_members",
            "cwe": 22,
            "more_info": tar.details["more_info"],
        },
    )
    assert str(tar.details["more_info"]).startswith("https://bandit.readthedocs.io/")
    fixes = {
        f.rule: (f.severity, f.priority, f.fix, route("sast", f) is not None)
        for f in result.findings
    }
    assert fixes["B307"] == (
        Severity.MEDIUM,
        Priority.P0,
        (
            "`eval(expression)` runs whatever `expression` holds: use"
            " ast.literal_eval if `expression` is only ever a literal; otherwise"
            " parse it with ast.parse and evaluate an allow-listed subset (names,"
            " numbers, comparisons, arithmetic)"
        ),
        False,
    )
    assert fixes["B608"] == (
        Severity.MEDIUM,
        Priority.P0,
        (
            "check `table` against an allow-list of table and column names"
            " (identifiers cannot be bound as parameters)"
        ),
        False,
    )
    assert fixes["B113"] == (
        Severity.MEDIUM,
        Priority.P0,
        "pass timeout= (e.g. timeout=30)",
        True,
    )
    assert result.findings[3].message == (
        "Call to requests without timeout (CWE-400, confidence low)"
    )
    assert result.findings[4] == Finding(
        rule=NOSEC_WITHOUT_ID.id,
        severity=Severity.MEDIUM,
        priority=Priority.P0,
        message="`# nosec` without a test ID silences every check on the line",
        path="src/app/core.py",
        line=24,
        fix=NOSEC_WITHOUT_ID.fix,
    )
    assert result.findings[5] == Finding(
        rule=NOSEC_WITHOUT_REASON.id,
        severity=Severity.LOW,
        priority=Priority.P0,
        message="`# nosec B113` without a written reason",
        path="src/app/core.py",
        line=28,
        fix=NOSEC_WITHOUT_REASON.fix,
    )
    assert result.findings[6] == Finding(
        rule=UNSCANNED.id,
        severity=Severity.MEDIUM,
        priority=Priority.P0,
        message=(
            "bandit could not scan this file: syntax error while parsing AST from file"
        ),
        path="src/app/broken.py",
        fix=UNSCANNED.fix,
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        ("bandit High = 0 (1 found)", False),
        ("every bandit Medium fixed or `# nosec BXXX` with a reason (5 open)", False),
        ("bandit parsed every file (1 could not be parsed)", False),
        (
            (
                "bandit's tests as the target's configuration selects them"
                " (pyproject.toml [tool.bandit]): skips B101"
            ),
            True,
        ),
    ]
    assert result.metrics == {
        "high": 1,
        "medium": 3,
        "low": 0,
        "nosec_without_id": 1,
        "nosec_without_reason": 1,
        "noqa_justified": 0,
        "notes_left_out": 0,
        "default_skipped": 0,
        "files_scanned": 3,
        "files_unparsable": 1,
        "loc": 21,
    }
    assert result.command[:2] == ("bandit", "-r")
    assert result.command[2:5] == ("src/app", "-f", "json")
    assert result.command[-3:] == ("-q", "-c", "pyproject.toml")
    assert result.tools["bandit"].startswith("1.")


def test_without_bandit_settings_the_assert_is_reported_as_low_p2(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({**SEED, "pyproject.toml": '[project]\nname = "app"\n'})

    result = scan(run_gate, root)

    low = [f for f in result.findings if f.rule == "B101"]
    assert [(f.location, f.severity, f.priority) for f in low] == [
        ("src/app/core.py:36", Severity.LOW, Priority.P2)
    ]
    assert low[0].fix == "review; fix or annotate `# nosec B101` with a reason"
    assert result.metrics["low"] == 1
    assert "-c" not in result.command


def test_a_clean_package_passes(make_repo: MakeRepo, run_gate: RunGate) -> None:
    root = make_repo(
        {
            "app/__init__.py": """
                import requests


                def fetch(url):
                    return requests.get(url)  # nosec: B113 \u2014 the proxy bounds it
            """,
        }
    )

    result = scan(run_gate, root)

    assert result.status is Status.PASS
    assert result.findings == ()
    assert all(c.met for c in result.criteria)
    assert result.command[2] == "app"


def test_ruff_noqa_for_flake8_bandit_justifies_the_bandit_result(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """nox 2026.10.20 justifies its eval, sha1 and execle calls for ruff
    (``# noqa: S307``, ``S324``, ``S606``); bandit asked again for a ``# nosec``
    (2 High, 1 Medium). A noqa naming another rule, or a non-bandit code,
    justifies nothing."""
    root = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "app/__init__.py": """
                # ruff: noqa: S311
                import hashlib
                import os
                import random


                def key(path):
                    return hashlib.sha1(path).hexdigest()  # noqa: S324


                def run(expression, argv):
                    os.execl(argv[0], *argv)  # pragma: no cover # noqa:S606,E501
                    random.random()
                    return eval(  # noqa: S307
                        expression
                    )


                def other(expression):
                    return eval(expression)  # noqa: S102, E501
            """,
        }
    )

    result = scan(run_gate, root)

    assert sites(result) == ["app/__init__.py:20 B307"]
    assert result.metrics["noqa_justified"] == 4
    assert result.metrics["medium"] == 1
    assert result.criteria[-1].text == (
        "bandit results left out: 4 results justified with ruff's `# noqa: S###`"
    )


def test_notes_with_nothing_to_act_on_are_left_out(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """nox's ``subprocess.run([sys.executable, "-m", "pip", ...])``-style calls:
    B603 on a literal list of constants and ``sys.executable`` and the B404
    import note of a file whose calls are all such are counted, not reported;
    a call with a variable argument keeps both."""
    root = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "app/__init__.py": "",
            "app/fixed.py": """
                import subprocess
                import sys


                def pip():
                    subprocess.run([sys.executable, "-m", "pip", "list"], check=True)
                    subprocess.run(
                        args=("/usr/bin/git", "status"), check=True
                    )
            """,
            "app/variable.py": """
                import subprocess


                def run(command):
                    subprocess.run(["/usr/bin/git", command], check=True)
            """,
        }
    )

    result = scan(run_gate, root)

    assert sites(result) == ["app/variable.py:1 B404", "app/variable.py:5 B603"]
    assert result.metrics["notes_left_out"] == 3
    assert result.criteria[-1].text == (
        "bandit results left out: 2 B603 on fixed argument lists; 1 import note"
        " whose module's calls are not reported in its file"
    )


def test_a_weak_hash_used_as_an_hmac_digest_is_left_out(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """flask 3.1.3 signs its session cookie with HMAC-SHA1 through a lazy
    ``hashlib.sha1`` wrapper (``digest_method = staticmethod(_lazy_sha1)``);
    bandit's B324 called it High, then readiness Low with nothing to do.
    HMAC-SHA1 is not broken by SHA-1 collisions: counted, not reported. A bare
    SHA-1 digest stays High."""
    root = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "app/__init__.py": """
                import hashlib
                import hmac


                def _lazy_sha1(string=b""):
                    return hashlib.sha1(string)


                class Sessions:
                    digest_method = staticmethod(_lazy_sha1)


                def sign(key, message):
                    return hmac.new(key, message, hashlib.md5()).digest()


                def fingerprint(data):
                    return hashlib.sha1(data).hexdigest()
            """,
        }
    )

    result = scan(run_gate, root)

    assert [(f.location, f.rule, f.severity) for f in result.findings] == [
        ("app/__init__.py:18", "B324", Severity.HIGH),
    ]
    assert result.metrics["notes_left_out"] == 2
    assert result.criteria[-1].text == (
        "bandit results left out: 2 weak hashes used as HMAC digests, not broken"
        " by collisions (B324)"
    )


def test_a_dot_bandit_file_is_passed_to_bandit(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {".bandit": "[bandit]\nskips = B101\n", "app/__init__.py": "assert True\n"}
    )

    result = scan(run_gate, root)

    assert result.status is Status.PASS
    assert result.command[-2:] == ("--ini", ".bandit")


def test_the_packages_option_chooses_what_bandit_scans(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            "pyproject.toml": '[tool.readiness.sast]\npackages = ["tools"]\n',
            "app/__init__.py": "eval(input())\n",
            "tools/run.py": "exec(input())\n",
        }
    )

    result = scan(run_gate, root)

    assert sites(result) == ["tools/run.py:1 B102"]
    assert result.findings[0].fix.startswith("replace exec with explicit code")


def test_no_packages_skips_the_gate(make_repo: MakeRepo, run_gate: RunGate) -> None:
    result = scan(run_gate, make_repo({"README.md": "nothing to scan\n"}))

    assert result.status is Status.SKIPPED
    assert (
        result.reason == "no Python packages found (set [tool.readiness.sast] packages)"
    )
    assert result.commands == ()


def test_a_configured_package_that_does_not_exist_is_an_error(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"pyproject.toml": '[tool.readiness.sast]\npackages = ["nope"]\n'})

    result = scan(run_gate, root)

    assert result.status is Status.ERROR
    assert result.reason == "[tool.readiness.sast] packages: nope does not exist"


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (None, "bandit exited with code 0 without writing its report: (no output)"),
        ("garbage", "bandit wrote a report that is not JSON: 'garbage'"),
        ('{"results": {}}', "bandit wrote JSON without the expected results list"),
        (
            '{"results": [{"test_id": 1}]}',
            "bandit wrote JSON without the expected results list",
        ),
    ],
)
def test_an_unreadable_report_is_a_gate_error(
    *,
    make_repo: MakeRepo,
    run_gate: RunGate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    report: str | None,
    reason: str,
) -> None:
    fake_bandit(tmp_path, monkeypatch, report)

    result = scan(run_gate, make_repo({"app/__init__.py": ""}))

    assert result.status is Status.ERROR
    assert result.reason == reason.format(scratch=tmp_path / ".scratch-sast")
    assert result.tools == {"bandit": "9.9.9"}


def test_a_report_without_errors_or_metrics_is_read(
    make_repo: MakeRepo,
    run_gate: RunGate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_bandit(tmp_path, monkeypatch, '{"results": []}')

    result = scan(run_gate, make_repo({"app/__init__.py": ""}))

    assert result.status is Status.PASS
    assert result.metrics["files_scanned"] == 0
    assert result.metrics["loc"] == 0


def test_a_gate_past_its_deadline_is_an_error(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo({"app/__init__.py": ""})
    started = time.monotonic()
    ctx = GateContext.start(
        "sast",
        target=discover(root),
        settings=Settings(),
        scratch=tmp_path,
        started=started,
        timeout_s=0.0,
    )

    result = execute(SastGate(), ctx, started)

    assert result.status is Status.ERROR
    assert result.reason == "bandit did not finish within 0s and was killed"


def test_known_tests_reads_bandits_help() -> None:
    help_text = (
        "usage: bandit\n\nThe following tests:\n\tB101\tassert_used\n\tB307\teval\n"
    )
    assert known_tests(help_text) == {"B001", "B101", "assert_used", "B307", "eval"}
    assert known_tests("no list here") == frozenset()


@pytest.mark.parametrize(
    ("comment", "rule"),
    [
        ("# nosec", "SA001"),
        ("#nosec", "SA001"),
        ("# nosec B999", "SA001"),  # not a test bandit knows: everything is skipped
        ("# nosec b113", "SA001"),  # bandit's IDs are case-sensitive
        ("# nosec: B113", "SA002"),
        ("# nosec B113 -", "SA002"),
        ("# nosec B113, B602", "SA002"),
        ("# nosec request_without_timeout", "SA002"),
        ("# noqa: S113  # nosec B113", "SA002"),
        ("# nosec B113 - internal host, trusted", None),
        ("# nosec: B113 \u2014 the proxy bounds it", None),
        ("#nosec B113,B602 trusted input", None),
        ("# nosec B113  # trusted host", None),
        ("# nosec - random seed", None),  # bandit reads "random" as B311
        ("# a plain comment", None),
    ],
)
def test_classify_nosec_follows_bandits_syntax(comment: str, rule: str | None) -> None:
    problem = classify_nosec(comment, KNOWN)
    assert (problem[0].id if problem else None) == rule


def test_classify_nosec_names_the_ids_as_written() -> None:
    problem = classify_nosec("# nosec B113,B602 -", KNOWN)
    assert problem is not None
    assert problem[2] == "`# nosec B113,B602` without a written reason"


def test_without_bandits_test_list_any_b_number_is_an_id() -> None:
    unexplained = classify_nosec("# nosec B999", frozenset())
    assert unexplained is not None
    assert unexplained[0] is NOSEC_WITHOUT_REASON
    blanket = classify_nosec("# nosec random", frozenset())
    assert blanket is not None
    assert blanket[0] is NOSEC_WITHOUT_ID


def test_result_finding_tolerates_missing_fields(tmp_path: Path) -> None:
    target = discover(tmp_path)
    finding = result_finding(
        target,
        {"filename": "./pkg/x.py", "test_id": "B999", "line_number": 3},
    )
    assert finding == Finding(
        rule="B999",
        severity=Severity.INFO,
        priority=Priority.P2,
        message=" (confidence undefined)",
        path="pkg/x.py",
        line=3,
        fix="review; fix or annotate `# nosec B999` with a reason",
        details={"confidence": "undefined", "test_name": ""},
    )
    absolute = result_finding(
        target,
        {
            "filename": str(tmp_path / "pkg" / "y.py"),
            "test_id": "B105",
            "line_number": 1,
            "issue_severity": "LOW",
            "issue_cwe": {"id": 259},
        },
    )
    assert absolute.location == "pkg/y.py:1"
    assert absolute.details["cwe"] == 259


def test_error_finding_without_a_filename(tmp_path: Path) -> None:
    finding = error_finding(discover(tmp_path), {"reason": "odd"})
    assert finding.path is None
    assert finding.message == "bandit could not scan this file: odd"
    assert error_finding(discover(tmp_path), "junk").message.endswith("unknown reason")


def test_comments_of_unreadable_and_broken_files(tmp_path: Path) -> None:
    assert comments(tmp_path / "missing.py") == []
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1  # nosec\ny = (\n# after\n", encoding="utf-8")
    assert comments(broken) == [(1, "# nosec"), (3, "# after")]
    undecodable = tmp_path / "latin.py"
    undecodable.write_bytes(b"# nosec\nx = '\xff'\n")
    assert comments(undecodable) == []
