"""The one way readiness runs an external tool.

List arguments (never a shell), the tool resolved next to the running
interpreter first and on ``PATH`` second, per-call success codes, a wall-clock
timeout that kills the tool's whole process group, and the command recorded
in the result.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess  # nosec B404 - the one place tools are run, always with argument lists
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from readiness.errors import ReadinessError


class ToolError(ReadinessError):
    """A tool could not be run or did not finish as expected."""


class ToolNotFound(ToolError):
    pass


class ToolTimeout(ToolError):
    """The tool was killed at its deadline; ``output`` is what it printed until then."""

    def __init__(self, message: str, *, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class ToolFailed(ToolError):
    """The tool exited with a failure code; ``output`` is everything it printed."""

    def __init__(self, message: str, *, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True, kw_only=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float


_live: set[subprocess.Popen[str]] = set()
_live_lock = threading.Lock()


def which(tool: str) -> str:
    """Resolve ``tool``: beside ``sys.executable`` first (our own venv), then PATH."""
    beside = Path(sys.executable).parent
    found = shutil.which(tool, path=str(beside)) or shutil.which(tool)
    if found is None:
        raise ToolNotFound(
            f"{tool} is not installed (looked beside {beside} and on PATH)"
        )
    return found


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    ok_codes: Iterable[int] = (0,),
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
) -> Completed:
    """Run ``args``; raise :class:`ToolError` subclasses with a one-line reason.

    ``input_text``, when given, is the tool's standard input (else it gets none).
    """
    resolved = (which(args[0]), *args[1:])
    shown = (Path(args[0]).name, *args[1:])
    started = time.monotonic()
    try:
        process = subprocess.Popen(  # nosec B603 - argument list, resolved executable
            resolved,
            cwd=cwd,
            env={**os.environ, **env} if env is not None else None,
            stdin=subprocess.DEVNULL if input_text is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        raise ToolFailed(f"{shown[0]} could not start: {exc.strerror}") from None
    with _live_lock:
        _live.add(process)
    try:
        stdout, stderr = process.communicate(
            input=input_text, timeout=max(timeout_s, 0.01)
        )
    except subprocess.TimeoutExpired:
        _kill_group(process)
        # After the kill, communicate() returns everything read so far.
        stdout, stderr = process.communicate()
        raise ToolTimeout(
            f"{shown[0]} did not finish within {timeout_s:.0f}s and was killed",
            output=f"{stderr}\n{stdout}".strip(),
        ) from None
    finally:
        with _live_lock:
            _live.discard(process)
    completed = Completed(
        args=shown,
        returncode=process.returncode,
        stdout=stdout,
        stderr=stderr,
        duration_s=time.monotonic() - started,
    )
    if process.returncode not in set(ok_codes):
        reason = last_line(stderr or stdout)
        raise ToolFailed(
            f"{shown[0]} exited with code {process.returncode}: {reason}",
            output=f"{stderr}\n{stdout}".strip(),
        )
    return completed


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


def terminate_all() -> None:
    """Kill every tool still running (Ctrl-C, or a gate abandoned at its timeout)."""
    with _live_lock:
        processes = list(_live)
    for process in processes:
        _kill_group(process)


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
