"""bandit's per-file memo: unchanged files reuse their results, changed ones are
re-scanned alone, and the result is the one a fresh run gives."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command
from readiness.findings import GateResult
from readiness.gates.interface import GateContext
from readiness.gates.sast import SastGate
from readiness.runner import execute
from readiness.session import Session

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo

pytestmark = pytest.mark.tools

# Plants: B307 (eval) in a.py, B602 (shell=True) in b.py, an unparsable c.py,
# a `# nosec` without an ID in a.py, and a clean d.py.
FILES = {
    "pyproject.toml": '[project]\nname = "app"\n',
    "app/__init__.py": "",
    "app/a.py": "def f(x):\n    return eval(x)  # nosec\n\n\ndef g(x):\n    eval(x)\n",
    "app/b.py": "import subprocess\n\nsubprocess.run('/bin/ls', shell=True)\n",
    "app/c.py": "def broken(:\n",
    "app/d.py": "x = 1\n",
}


def logging_bandit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, fail_on: str = ""
) -> Path:
    """The real bandit behind a wrapper that logs the targets of each scan
    (and, with ``fail_on``, fails without a report when given that file)."""
    real = command.which("bandit")
    log = tmp_path / "scans.jsonl"
    script = tmp_path / "bandit"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "if '-o' in sys.argv:\n"
        "    targets = sys.argv[2:sys.argv.index('-f')]\n"
        f"    with open({str(log)!r}, 'a') as out:\n"
        "        out.write(json.dumps(targets) + '\\n')\n"
        f"    if {fail_on!r} and {fail_on!r} in targets:\n"
        "        print('bandit: planted failure', file=sys.stderr)\n"
        "        sys.exit(2)\n"
        f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    monkeypatch.setattr(
        command, "which", lambda tool: str(script) if tool == "bandit" else real
    )
    return log


def scans(log: Path) -> list[list[str]]:
    if not log.is_file():
        return []
    lines = log.read_text(encoding="utf-8").splitlines()
    log.unlink()
    return sorted(json.loads(line) for line in lines)


def run(root: Path, cache: Path | None, cores: int = 1) -> GateResult:
    """The sast gate on ``root`` (``cores``: the processes bandit may use)."""
    session = Session.open(root, cache=cache)
    started = time.monotonic()
    ctx = GateContext.start(
        "sast",
        target=session.target,
        settings=session.settings,
        scratch=root.parent / ".scratch-sast",
        started=started,
        timeout_s=300.0,
        processes=cores,
    )
    return execute(SastGate(), ctx, started)


def comparable(result: GateResult) -> tuple[object, ...]:
    return (result.status, result.findings, result.criteria, result.metrics)


def test_unchanged_files_are_not_rescanned_and_a_changed_file_is_alone(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(FILES)
    log = logging_bandit(tmp_path, monkeypatch)
    cache = tmp_path / "cache"

    first = run(root, cache)
    assert scans(log) == [["app"]]
    assert [f"{f.location} {f.rule}" for f in first.findings] == [
        "app/a.py:6 B307",
        "app/b.py:3 B602",
        "app/a.py:2 SA001",
        "app/c.py SA003",
    ]
    assert first.metrics["files_scanned"] == 5

    second = run(root, cache)
    assert scans(log) == []  # nothing changed: no file scanned
    assert comparable(second) == comparable(first)
    assert second.command == first.command

    (root / "app" / "b.py").write_text("import subprocess\n", encoding="utf-8")
    third = run(root, cache)
    assert scans(log) == [["app/b.py"]]  # the changed file alone
    fresh = run(root, None)
    assert scans(log) == [["app"]]
    assert comparable(third) == comparable(fresh)
    assert [f"{f.location} {f.rule}" for f in third.findings] == [
        "app/a.py:6 B307",
        "app/a.py:2 SA001",
        "app/c.py SA003",
    ]


def test_a_new_file_or_another_configuration_is_a_full_scan(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(FILES)
    log = logging_bandit(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    run(root, cache)
    scans(log)

    (root / "app" / "e.py").write_text("eval(input())\n", encoding="utf-8")
    assert [f.location for f in run(root, cache).findings][:2] == [
        "app/a.py:6",
        "app/b.py:3",
    ]
    assert scans(log) == [["app"]]

    (root / ".bandit").write_text("[bandit]\nskips = B307\n", encoding="utf-8")
    result = run(root, cache)
    assert scans(log) == [["app"]]
    assert [f.rule for f in result.findings] == ["B404", "B602", "SA001", "SA003"]
