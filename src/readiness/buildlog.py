"""Reading a failed build's log: its root cause in one line, and the paths it names.

uv ends every failed build with its own summary ("Failed to build `...`", "The
build backend returned an error", a hint), which says that the build failed but
never why. The why is the build backend's last exception or compiler error,
printed above it. Shared by the ``build`` gate and by the environments, whose
installs of the target fail the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: uv's tree drawing on a terminal (a multiplication sign, box-drawing arrows).
_DRAWING = " \u00d7\u251c\u2500\u25b6\u2570\u2502"
#: Lines uv prints about the build rather than the backend's own output.
_UV_LINE = re.compile(
    r"^(?:error: Failed to (?:build|resolve|install)|Failed to build|cause:|hint:"
    r"|help:|Caused by:|Building (?:source distribution|wheel)|Successfully built"
    r"|The build backend returned an error|Call to `[^`]+` failed"
    r"|Using (?:CPython|Python))"
)
#: ``file.c:12:3: error: ...`` / ``fatal error: ...``: a compiler's diagnostic.
_COMPILER = re.compile(r"^\S+?:\d+(?::\d+)?: (?:fatal )?error: .+")
#: ``ModuleNotFoundError: ...``, ``pkg.errors.ConfigError: ...``, ``SystemExit: 1``,
#: and distutils' ``error: ...``.
_EXCEPTION = re.compile(
    r"^(?:(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Failure)(?::\s.*)?"
    r"|error: .+)$"
)
#: A quoted or backticked path (a ``/`` or a file extension inside).
_QUOTED = re.compile(r"""['"`]([^'"`\s]*(?:/|\.[A-Za-z]\w{0,5}\b)[^'"`\s]*)['"`]""")
_FAILED_TO_BUILD = re.compile(r"Failed to build `([^`]+)`")
_COMPILER_PATH = re.compile(r"^(\S+?):\d+(?::\d+)?: (?:fatal )?error: ")


def lines_of(log: str) -> list[str]:
    """The log's non-empty lines, without colours and uv's tree drawing."""
    lines = (_ANSI.sub("", raw).strip(_DRAWING).strip() for raw in log.splitlines())
    return [line for line in lines if line]


def root_cause(log: str) -> str:
    """The one line that says why the build failed, never just "Failed to build".

    In order: the backend's last compiler error, its last exception (a
    traceback's final line, distutils' ``error:``), uv's own explanation of a
    resolution failure ("Because ..."), uv's last ``cause:``; else the last line.
    """
    lines = lines_of(log)
    backend = [line for line in lines if not _UV_LINE.match(line)]
    for pattern in (_COMPILER, _EXCEPTION):
        found = [line for line in backend if pattern.match(line)]
        if found:
            return found[-1][:300]
    causes = [line.removeprefix("cause:").strip() for line in lines]
    because = [line for line in causes if line.startswith("Because")]
    if because:
        return because[-1][:300]
    uv_causes = [
        line.removeprefix("cause:").strip()
        for line in lines
        if line.startswith("cause:")
    ]
    if uv_causes:
        return uv_causes[-1][:300]
    return lines[-1][:300] if lines else "the build failed and printed nothing"


def named_paths(line: str) -> tuple[str, ...]:
    """The file paths a root-cause line names, in order, each once."""
    found: list[str] = []
    compiler = _COMPILER_PATH.match(line)
    if compiler:
        found.append(compiler.group(1))
    found.extend(match.group(1) for match in _QUOTED.finditer(line))
    return tuple(dict.fromkeys(path for path in found if not path.startswith("http")))


def tail(log: str, count: int = 12) -> str:
    """The last ``count`` non-empty lines of ``log`` (indentation kept), joined."""
    lines = (_ANSI.sub("", raw).rstrip() for raw in log.splitlines())
    return "\n".join([line for line in lines if line.strip()][-count:])


def target_build_failed(log: str, root: Path) -> bool:
    """Whether uv's log says that building the project at ``root`` failed.

    uv names what it failed to build ("Failed to build `pkg @ file:///...`"),
    except for an editable install of the target, where only the backend's
    error is left.
    """
    named = _FAILED_TO_BUILD.findall(log)
    if named:
        return any(str(root) in name for name in named)
    return "The build backend returned an error" in log
