"""Running bandit for the ``sast`` gate: one process, or the file list split.

bandit has no parallelism of its own: on a 300-module codebase one process
takes about 10 CPU-seconds, and once the other gates are done it runs alone
while the other cores idle. So the file list is split across processes when
the gate may use more than one (``processes``: the runner gives every core
to the longest pole, or to this gate when nothing is measured yet,
:func:`readiness.runner.processes`) and the split pays:

- at least :data:`MIN_FILES` files per process (bandit's own start, about
  0.2 s, stays under a few per cent of a process's work), so at most
  ``min(processes, files // MIN_FILES)`` processes;
- the files are the ones bandit's ``-r`` would discover (``os.walk`` of each
  package, ``*.py``, the same path strings, so bandit applies the same
  ``exclude_dirs``, ``-x`` and ``.bandit`` exclusions to them), dealt to the
  processes largest file first to the least loaded process;
- never when readiness cannot list them as bandit would: a configuration
  naming an ``include`` glob, or a ``.bandit`` file inside a package while
  none is given with ``--ini`` (bandit reads it only from ``-r`` targets).

Each process has the same options and configuration and writes its own JSON
report; the reports are merged by file (:func:`per_file`), which is also the
form the per-file memo keeps, so a split run gives exactly what one run
gives. A process that fails fails the gate (``error``, with its reason):
there is no partial result.
"""

from __future__ import annotations

import configparser
import contextlib
import fnmatch
import json
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from readiness.cache import tool_folder
from readiness.codeid import code_identity
from readiness.command import ToolError, last_line
from readiness.context import Context
from readiness.errors import ReadinessError
from readiness.perfile import PerFileMemo, Plan, tool_key
from readiness.repofiles import unsafe_links
from readiness.sast_config import BanditSetup
from readiness.target import Target

#: The fewest files worth a bandit process of their own.
MIN_FILES = 50
#: bandit's default ``include`` (``bandit/core/manager.py``).
INCLUDED = ("*.py",)


class BanditFailed(ReadinessError):
    """bandit did not give a whole report; the message says why."""


def run_bandit(
    ctx: Context,
    packages: Sequence[str],
    setup: BanditSetup,
    version: str,
    *,
    processes: int = 1,
) -> tuple[dict[str, Any], PerFileMemo | None]:
    """bandit's results, errors and metrics by file (paths relative to the root),
    and the memo to save them in once judged: with the cache on, only files
    changed since the last run are scanned, and the others keep what was
    remembered of them (their judgement included). ``processes``: how many
    bandit processes the gate may run at once."""
    rest = [*setup.args, *link_exclusion(ctx.target)]
    memo = _memo(ctx, packages, setup, version)
    plan = memo.plan() if memo is not None else Plan(full=True)
    report = ctx.scratch / "bandit.json"
    if not plan.full and not plan.rerun:
        ctx.record_command(_args(packages, report, rest))
        return {**plan.reused}, memo
    if plan.full:
        files = listed(ctx.target.root, packages, setup)
        chunks = split(ctx.target.root, files, processes) if files else []
        targets = [list(packages)] if len(chunks) < 2 else chunks
    else:
        targets = split(ctx.target.root, list(plan.rerun), processes)
    if len(targets) == 1:
        return {**plan.reused, **_scan(ctx, _args(targets[0], report, rest))}, memo
    ctx.record_command(_args(packages, report, rest))
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        futures = [
            pool.submit(
                _scan,
                ctx,
                _args(chunk, ctx.scratch / f"bandit-{number}.json", rest),
                part=f"part {number} of {len(targets)}, {len(chunk)} files",
            )
            for number, chunk in enumerate(targets, start=1)
        ]
        failures = [error for future in futures if (error := future.exception())]
    if failures:
        raise failures[0]
    merged: dict[str, Any] = {**plan.reused}
    for future in futures:
        merged.update(future.result())
    return merged, memo


def _args(targets: Sequence[str], report: Path, rest: Sequence[str]) -> list[str]:
    return ["bandit", "-r", *targets, "-f", "json", "-o", str(report), "-q", *rest]


def _scan(ctx: Context, args: Sequence[str], *, part: str = "") -> dict[str, Any]:
    """One bandit process (``args``, ``-o`` its report): its report by file;
    ``part``: which part of a split run it is, for the reasons it fails."""
    report_path = Path(args[args.index("-o") + 1])
    report_path.unlink(missing_ok=True)
    which = f" ({part})" if part else ""
    try:
        completed = ctx.run(args, ok_codes=(0, 1), record=not part)
    except ToolError as failed:
        if not part:
            raise
        raise BanditFailed(f"{failed}{which}") from None
    if not report_path.is_file():
        raise BanditFailed(
            f"bandit exited with code {completed.returncode} without writing"
            f" its report: {last_line(completed.stderr or completed.stdout)}{which}"
        )
    try:
        report = read_report(report_path)
    except BanditFailed as failed:
        raise BanditFailed(f"{failed}{which}") from None
    return per_file(ctx.target, report)


def listed(root: Path, packages: Sequence[str], setup: BanditSetup) -> list[str]:
    """The files ``bandit -r PACKAGES`` would scan, as bandit names them, before
    its exclusions (which bandit applies to listed files too); empty when
    readiness cannot tell (see the module's docstring)."""
    if any("include" in text for text in setup.texts):
        return []
    found: list[str] = []
    for package in packages:
        if not (root / package).is_dir():
            found.append(package)
            continue
        top = os.path.join(root, package)  # noqa: PTH118 - bandit's path strings
        for folder, _, names in os.walk(top):
            here = package + folder[len(top) :]  # as bandit's os.walk(package)
            if ".bandit" in names and "--ini" not in setup.args:
                return []
            found.extend(
                os.path.join(here, name)  # noqa: PTH118 - bandit's path strings
                for name in names
                if any(fnmatch.fnmatch(name, glob) for glob in INCLUDED)
            )
    return sorted(found)


def split(root: Path, files: Sequence[str], processes: int) -> list[list[str]]:
    """``files`` in at most ``processes`` parts of :data:`MIN_FILES` or more,
    balanced by size (largest first, each to the lightest part)."""
    count = max(1, min(processes, len(files) // MIN_FILES))
    if count == 1:
        return [list(files)]
    sizes = {name: _size(root / name) for name in files}
    parts: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for name in sorted(files, key=lambda n: (-sizes[n], n)):
        lightest = loads.index(min(loads))
        parts[lightest].append(name)
        loads[lightest] += sizes[name]
    return [sorted(part) for part in parts]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def link_exclusion(target: Target) -> list[str]:
    """``-x`` for file links leaving the target: bandit reads them otherwise.

    ``-x`` replaces the ``exclude`` of a ``.bandit`` file, so that one is kept.
    """
    links = [link for link in unsafe_links(target.root) if link.endswith(".py")]
    if not links:
        return []
    ini = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(OSError, configparser.Error, UnicodeDecodeError):
        ini.read(target.root / ".bandit", encoding="utf-8")
    theirs = ini.get("bandit", "exclude", fallback="").strip()
    return ["-x", ",".join([*([theirs] if theirs else []), *links])]


def _memo(
    ctx: Context, packages: Sequence[str], setup: BanditSetup, version: str
) -> PerFileMemo | None:
    if ctx.settings.cache_dir is None:
        return None
    return PerFileMemo(
        tool_folder(ctx.settings, ctx.scratch, "bandit-files"),
        tool_key=tool_key(
            "bandit", code_identity(), version, *packages, *setup.args, *setup.texts
        ),
        root=ctx.target.root,
    )


def per_file(target: Target, report: Mapping[str, Any]) -> dict[str, Any]:
    """bandit's report by scanned file: its results, errors and metrics."""
    files: dict[str, Any] = {
        target.rel(name): {"results": [], "errors": [], "metrics": metrics}
        for name, metrics in report["metrics"].items()
        if name != "_totals"
    }
    for key in ("results", "errors"):
        for item in report[key]:
            if isinstance(item, dict) and isinstance(item.get("filename"), str):
                rel = target.rel(item["filename"])
                entry = files.setdefault(
                    rel, {"results": [], "errors": [], "metrics": {}}
                )
                entry[key].append({**item, "filename": rel})
    return files


def combined(files: Mapping[str, Any]) -> Mapping[str, Any]:
    """One report again from :func:`per_file`'s entries."""
    ordered_files = sorted(files)
    return {
        "results": [item for rel in ordered_files for item in files[rel]["results"]],
        "errors": [item for rel in ordered_files for item in files[rel]["errors"]],
        "metrics": {rel: files[rel]["metrics"] for rel in ordered_files},
    }


def read_report(path: Path) -> Mapping[str, Any]:
    """bandit's JSON report, checked for shape; :class:`BanditFailed` if not whole."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise BanditFailed(f"bandit wrote no report to {path}") from None
    except UnicodeDecodeError as exc:
        raise BanditFailed(f"bandit wrote a report that is not UTF-8: {exc}") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # bad JSON, huge ints, deep nesting
        raise BanditFailed(
            f"bandit wrote a report that is not JSON: {text.strip()[:80]!r}"
        ) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("results"), list)
        and isinstance(data.get("errors", []), list)
        and isinstance(data.get("metrics", {}), dict)
        and all(_is_result(item) for item in data["results"])
    ):
        raise BanditFailed("bandit wrote JSON without the expected results list")
    return {
        "results": data["results"],
        "errors": data.get("errors", []),
        "metrics": data.get("metrics", {}),
    }


def _is_result(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("filename"), str)
        and isinstance(item.get("test_id"), str)
        and isinstance(item.get("line_number"), int)
    )
