"""The one way readiness runs an external tool.

List arguments (never a shell), the tool resolved next to the running
interpreter first and on ``PATH`` second, per-call success codes, a wall-clock
timeout, and the command recorded in the result.

Process hygiene: every tool starts in its own process group (its own session),
and that group is ended -- ``SIGTERM``, then ``SIGKILL`` after
:data:`GRACE_S` -- whenever the call returns, times out or is interrupted, so a
background child the tool left behind never outlives the call. A child that
starts a session of its own (a daemon) leaves the group and is out of reach.
:func:`guard`, around every CLI command, turns ``SIGTERM`` and ``SIGHUP`` into
the same unwinding as Ctrl-C (scratch folders are removed on the way out), ends
every live group and exits with ``128 + signal``.

Bounded output: a tool writes into anonymous temporary files, not pipes (no
pipe can fill up, and a background child holding them cannot block the call);
at most :data:`MAX_OUTPUT_BYTES` of each stream are kept, its head and its last
:data:`TAIL_BYTES`. :attr:`Completed.truncated` says when output was cut, and
:meth:`Completed.require_complete` turns that into a :class:`ToolError` for
callers that parse the output: a result read from half an output is no result.

Fault injection: when the environment variable ``READINESS_TOOLS_DIR`` names a
folder, a tool called by its bare name (``ruff``, ``uv``, ``git``) is resolved
there first, so the tests can put stand-ins in front of the real tools without
patching anything. An entry there that is not an executable file (an empty
file, say) makes the tool count as not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess  # nosec B404 - the one place tools are run, always with argument lists
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

from readiness.errors import ReadinessError

#: Environment variable naming a folder whose executables shadow the real tools.
TOOLS_DIR_ENV = "READINESS_TOOLS_DIR"
#: How much of each output stream is kept (its head, up to the tail).
MAX_OUTPUT_BYTES = 16 * 1024 * 1024
#: How much of the end of a cut stream is kept: a tool's last words say why.
TAIL_BYTES = 64 * 1024
#: How much of the end of each stream a :class:`ToolFailed` or timeout carries.
FAILURE_OUTPUT_CHARS = 1024 * 1024
#: How long a process group has between SIGTERM and SIGKILL.
GRACE_S = 2.0
#: The signals :func:`guard` turns into an orderly exit.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


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

    def __init__(
        self, message: str, *, output: str = "", returncode: int | None = None
    ) -> None:
        super().__init__(message)
        self.output = output
        self.returncode = returncode


class OutputTruncated(ToolError):
    """The tool printed more than readiness keeps; its output cannot be trusted."""


class Stopping(ToolError):
    """readiness is stopping (a signal or Ctrl-C): no new tool is started."""


class Terminated(KeyboardInterrupt):
    """``SIGTERM``/``SIGHUP`` arrived: unwind as Ctrl-C does, then exit ``128 + N``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True, kw_only=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    truncated: bool = False
    """Whether stdout or stderr was cut at :data:`MAX_OUTPUT_BYTES`."""
    name: str = ""
    """How messages name the tool (default: :func:`tool_name` of ``args``)."""

    def require_complete(self) -> Completed:
        """``self``, or :class:`OutputTruncated` when its output was cut."""
        if self.truncated:
            limit = MAX_OUTPUT_BYTES // (1024 * 1024)
            raise OutputTruncated(
                f"{self.name or tool_name(self.args)} printed more than {limit} MiB"
                f" (exit code"
                f" {self.returncode}); its output was cut, so its result cannot"
                " be trusted"
            )
        return self


_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()
#: Set from a signal handler (a plain flag: handlers must not take locks).
_stopping = False


def which(tool: str) -> str:
    """Resolve ``tool``: ``READINESS_TOOLS_DIR``, beside ``sys.executable``, PATH."""
    if os.sep not in tool:
        shadow = _shadow(tool)
        if shadow is not None:
            return shadow
    beside = Path(sys.executable).parent
    found = shutil.which(tool, path=str(beside)) or shutil.which(tool)
    if found is None:
        raise ToolNotFound(
            f"{tool} is not installed (looked beside {beside} and on PATH)"
        )
    return found


def _shadow(tool: str) -> str | None:
    folder = os.environ.get(TOOLS_DIR_ENV)
    if not folder:
        return None
    candidate = Path(folder) / tool
    if not (candidate.exists() or candidate.is_symlink()):
        return None
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    raise ToolNotFound(
        f"{tool} is not installed ({TOOLS_DIR_ENV} hides it: {candidate}"
        " is not an executable file)"
    )


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    ok_codes: Iterable[int] = (0,),
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    shown_timeout_s: float | None = None,
    name: str | None = None,
) -> Completed:
    """Run ``args``; raise :class:`ToolError` subclasses with a one-line reason.

    ``input_text``, when given, is the tool's standard input (else it gets none).
    ``shown_timeout_s`` is the timeout a timeout message names when
    ``timeout_s`` is only what is left of it (a gate's deadline). ``name`` is
    how messages name the tool when ``args`` start with a launcher (the tests
    gate's network cut), else :func:`tool_name` decides.
    """
    resolved = (which(args[0]), *args[1:])
    shown = (Path(args[0]).name, *args[1:])
    name = name or tool_name(shown)
    with contextlib.ExitStack() as files:
        stdout_file = files.enter_context(tempfile.TemporaryFile())
        stderr_file = files.enter_context(tempfile.TemporaryFile())
        stdin: IO[bytes] | int = subprocess.DEVNULL
        if input_text is not None:
            stdin = files.enter_context(tempfile.TemporaryFile())
            stdin.write(input_text.encode("utf-8"))
            stdin.seek(0)
        started = time.monotonic()
        process = _start(
            resolved, cwd=cwd, env=env, streams=(stdin, stdout_file, stderr_file)
        )
        timed_out = False
        try:
            process.wait(timeout=max(timeout_s, 0.01))
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            duration = time.monotonic() - started
            # Whatever happened, the tool's group ends with the call.
            _end_groups([process])
        stdout, cut_out = _read(stdout_file)
        stderr, cut_err = _read(stderr_file)
    # What an error carries: the ends of both streams, where tools explain.
    output = f"{_tail(stderr)}\n{_tail(stdout)}".strip()
    if timed_out:
        limit = timeout_s if shown_timeout_s is None else shown_timeout_s
        raise ToolTimeout(
            f"{name} did not finish within {limit:g}s and was killed",
            output=output,
        )
    completed = Completed(
        args=shown,
        returncode=process.returncode,
        stdout=stdout,
        stderr=stderr,
        duration_s=duration,
        truncated=cut_out or cut_err,
        name=name,
    )
    if process.returncode not in set(ok_codes):
        reason = last_line(stderr or stdout)
        raise ToolFailed(
            f"{name} exited with code {process.returncode}: {reason}",
            output=output,
            returncode=process.returncode,
        )
    return completed


#: The interpreter options of a static tool run as ``python -m TOOL`` from the
#: target's root: isolated (``-I``: no working folder on ``sys.path``, no
#: ``PYTHON*`` variables, no user site), so that the target's own modules
#: cannot shadow the tool's imports (a project with a ``mypy_extensions.py``
#: at its root broke mypy, ran its code and left ``__pycache__/`` in the
#: tree). Its console script, which maintainers run, never has the folder
#: there either; the tests gate's ``python -m pytest`` keeps it, as pytest's
#: own ``python -m`` form does.
ISOLATED = ("-I",)


def tool_name(args: Sequence[str]) -> str:
    """How messages name the tool: ``mypy`` for ``python [-I] -m mypy ...``."""
    program = Path(args[0]).name
    rest = list(args[1:])
    if program.startswith("python") and rest[: len(ISOLATED)] == list(ISOLATED):
        rest = rest[len(ISOLATED) :]
    if program.startswith("python") and len(rest) > 1 and rest[0] == "-m":
        return rest[1]
    return program


def _start(
    resolved: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None,
    streams: tuple[IO[bytes] | int, IO[bytes], IO[bytes]],
) -> subprocess.Popen[bytes]:
    """Start the tool in a new session and register it, unless readiness is stopping."""
    stdin, stdout, stderr = streams
    name = Path(resolved[0]).name
    with _live_lock:
        if _stopping:
            raise Stopping(f"{name} was not started: readiness is stopping")
        try:
            process = subprocess.Popen(  # nosec B603 - argument list, no shell
                resolved,
                cwd=cwd,
                env={**os.environ, **env} if env is not None else None,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        except OSError as exc:
            raise ToolFailed(f"{name} could not start: {exc.strerror}") from None
        _live.add(process)
    return process


def _read(file: IO[bytes], limit: int = MAX_OUTPUT_BYTES) -> tuple[str, bool]:
    """The stream's text (universal newlines), and whether it was cut at ``limit``.

    Read into one buffer of the kept size, so that the bytes are held once.
    """
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    if size <= limit:
        data = bytearray(size)
        _fill(file, memoryview(data))
    else:
        head = limit - TAIL_BYTES
        marker = f"\n[readiness: {size - limit} bytes of output cut here]\n".encode()
        data = bytearray(limit + len(marker))
        view = memoryview(data)
        _fill(file, view[:head])
        view[head : head + len(marker)] = marker
        file.seek(size - TAIL_BYTES)
        _fill(file, view[head + len(marker) :])
        view.release()
    text = data.decode("utf-8", errors="replace")
    del data
    return text.replace("\r\n", "\n").replace("\r", "\n"), size > limit


def _fill(file: IO[bytes], view: memoryview) -> None:
    """Read ``len(view)`` bytes into ``view``, a MiB at a time."""
    filled = 0
    while filled < len(view):
        chunk = file.read(min(len(view) - filled, 1024 * 1024))
        if not chunk:
            return
        view[filled : filled + len(chunk)] = chunk
        filled += len(chunk)


def _tail(text: str, keep: int = FAILURE_OUTPUT_CHARS) -> str:
    return text if len(text) <= keep else text[-keep:]


def last_line(text: str) -> str:
    """The last non-blank line, its first 300 characters: scanned from the end,
    so that a flood of output is not copied."""
    end = len(text)
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start : min(end, start + 4096)].strip()
        if line:
            return line[:300]
        end = start - 1
    return "(no output)"


def terminate_all() -> None:
    """End every tool still running (Ctrl-C, a signal, a gate past its timeout)."""
    _end_live()


def _end_live() -> None:
    with _live_lock:
        processes = list(_live)
    _end_groups(processes)


def _end_groups(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group, SIGKILL what is left after :data:`GRACE_S`.

    Each process leads its group (it started a session), so its pid is the
    group's id; the group lives on after its leader exits while any child does.
    """
    try:
        running = [p for p in processes if _signal_group(p, signal.SIGTERM)]
        deadline = time.monotonic() + GRACE_S
        while running and time.monotonic() < deadline:
            time.sleep(0.02)
            running = [p for p in running if _group_alive(p)]
        for process in running:
            _signal_group(process, signal.SIGKILL)
        for process in processes:
            process.wait()
    finally:
        with _live_lock:
            _live.difference_update(processes)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> bool:
    """Send ``signum`` to the process's group; whether any member was there."""
    process.poll()  # reap the leader once it exits, or it counts as a member
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return False
    except PermissionError:  # the id was reused by someone else's group
        return False
    return True


def _group_alive(process: subprocess.Popen[bytes]) -> bool:
    """Whether a member of the group still runs; zombies do not count.

    An orphan's zombie waits for init to reap it, which can take a second or
    two; ``killpg(pgid, 0)`` would count it. Where ``/proc`` is missing, it must.
    """
    if not _signal_group(process, 0):
        return False
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return True
    group = str(process.pid).encode()
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_bytes()
        except OSError:
            continue  # it has just exited
        # After the command name: state, ppid, pgrp, ...
        fields = stat.rpartition(b")")[2].split()
        if len(fields) > 2 and fields[2] == group and fields[0] != b"Z":
            return True
    return False


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Around a CLI command: no tool outlives it, SIGTERM/SIGHUP exit cleanly.

    In the main thread, ``SIGTERM`` and ``SIGHUP`` raise :class:`Terminated`
    (a :class:`KeyboardInterrupt`, so every Ctrl-C path -- killing tools,
    removing scratch folders -- runs); leaving the block that way prints one
    line and raises ``SystemExit(128 + signal)``. On any exit, every live tool
    group is ended; after an interrupt, no new tool starts until the other
    threads have settled (at most :data:`GRACE_S`).
    """
    global _stopping  # noqa: PLW0603 - the one flag a signal handler may set
    main = threading.current_thread() is threading.main_thread()
    previous = (
        {sig: signal.signal(sig, _on_signal) for sig in STOP_SIGNALS} if main else {}
    )
    _stopping = False
    try:
        yield
    except Terminated as stop:
        _settle()
        name = signal.Signals(stop.signum).name
        print(f"readiness: stopped by {name}", file=sys.stderr)  # noqa: T201
        raise SystemExit(128 + stop.signum) from None
    except BaseException:
        _settle()
        raise
    finally:
        _end_live()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stopping = False


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    """Raise :class:`Terminated` once; later signals wait for that cleanup."""
    global _stopping  # noqa: PLW0603 - see guard()
    if _stopping:
        return
    _stopping = True
    raise Terminated(signum)


def _settle() -> None:
    """Refuse new tools, end the live ones, give other threads time to notice."""
    global _stopping  # noqa: PLW0603 - see guard()
    _stopping = True
    _end_live()
    deadline = time.monotonic() + GRACE_S
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.is_alive():
            thread.join(max(deadline - time.monotonic(), 0.0))
    _end_live()
