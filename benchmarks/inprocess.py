"""Run ``readiness`` in this process and write down what its tools cost.

    READINESS_BENCH_TRACE=OUT.json python benchmarks/inprocess.py audit ...

For ``bench_audit.py``: the orchestration overhead is readiness's CPU time
less its tools', so each child process's CPU time must be known. ``os.wait4``
gives it when the child is reaped: ``os.waitpid`` (what ``subprocess`` reaps
with) is replaced by a wrapper that records each child's ``argv``, CPU time
(user + system, its own children included) and wall time. Not a test, and
nothing in ``src/`` depends on it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess  # nosec B404 - only wraps what readiness runs
import sys
import time
from pathlib import Path
from typing import Any

records: list[dict[str, Any]] = []
_started: dict[int, tuple[list[str], float]] = {}
_popen_init = subprocess.Popen.__init__
_waitpid = os.waitpid
#: When this process started its work (the interpreter's own start-up excluded).
_T0 = time.perf_counter()


def _init(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
    _popen_init(self, args, *rest, **options)
    argv = [args] if isinstance(args, (str, bytes)) else list(args)
    _started[self.pid] = ([str(a) for a in argv], time.perf_counter())


def _wait(pid: int, flags: int) -> tuple[int, int]:
    if pid <= 0:
        return _waitpid(pid, flags)
    reaped, status, usage = os.wait4(pid, flags)
    if reaped:
        argv, started = _started.pop(reaped, (["?"], time.perf_counter()))
        records.append(
            {
                "argv": argv,
                "cpu": usage.ru_utime + usage.ru_stime,
                "wall": time.perf_counter() - started,
                "peak_mb": usage.ru_maxrss / 1024,
                "start": started - _T0,
            }
        )
    return reaped, status


def main() -> int:
    subprocess.Popen.__init__ = _init  # type: ignore[method-assign]
    os.waitpid = _wait
    # imported once the wrappers are in place: what readiness starts is traced
    from readiness.cli import main as readiness  # noqa: PLC0415

    try:
        code = readiness(sys.argv[1:])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    own = resource.getrusage(resource.RUSAGE_SELF)
    trace = os.environ.get("READINESS_BENCH_TRACE")
    if trace:
        with Path(trace).open("w", encoding="utf-8") as stream:
            json.dump(
                {
                    "self_cpu": own.ru_utime + own.ru_stime,
                    "self_peak_mb": own.ru_maxrss / 1024,
                    "commands": records,
                },
                stream,
            )
    return code


if __name__ == "__main__":
    raise SystemExit(main())
