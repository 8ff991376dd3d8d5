"""A CI cancel: SIGTERM (or SIGHUP) to a running ``readiness audit``.

The console script audits a small repository whose ``ruff`` is a stand-in that
starts a child and sleeps; once both run, the audit gets the signal. It must
exit with ``128 + signal`` and one line saying why, leaving no process it
started and no scratch folder behind (its temporary folder is redirected to an
empty one, which must be empty again).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readiness import command
from tests.faults.standins import Fault, install, running


def recorded(pids: Path) -> int:
    return len(pids.read_text(encoding="utf-8").split()) if pids.is_file() else 0


@pytest.mark.tools
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_stopped_audit_leaves_no_process_and_no_scratch_folder(
    tmp_path: Path, signum: signal.Signals
) -> None:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("import os\n", encoding="utf-8")
    tools, pids, scratch = tmp_path / "tools", tmp_path / "pids", tmp_path / "tmp"
    scratch.mkdir()
    install(tools, "ruff", Fault.TIMEOUT, pids)  # sleeps 300 s beside its child
    env = {**os.environ, command.TOOLS_DIR_ENV: str(tools), "TMPDIR": str(scratch)}
    script = Path(sys.executable).parent / "readiness"
    with (tmp_path / "stderr").open("w+", encoding="utf-8") as stderr:
        audit = subprocess.Popen(
            [str(script), "audit", str(root), "--gate", "lint"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            for _ in range(600):  # the stand-in and its child, up to a minute
                if recorded(pids) >= 2 or audit.poll() is not None:
                    break
                time.sleep(0.1)
            assert recorded(pids) >= 2, "the stand-in never started"
            audit.send_signal(signum)
            code = audit.wait(timeout=60)
        finally:
            if audit.poll() is None:
                audit.kill()
        stderr.seek(0)
        printed = stderr.read()

    assert code == 128 + signum
    assert printed.splitlines()[-1] == f"readiness: stopped by {signum.name}"
    assert running(pids) == []
    assert list(scratch.iterdir()) == []
