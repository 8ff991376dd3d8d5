"""Running pytest in the test environment and reading back what it wrote."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET  # nosec B405 - pytest's own report, see read_junit
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from readiness import command, environments, wording
from readiness.gates.interface import GateContext, GateError
from readiness.target import Target

from .config import Config
from .contain import Changes, Sandbox, contained_variables
from .selection import Selection

#: A JUnit ``line`` attribute as pytest writes it (ASCII digits, bounded).
_LINE = re.compile(r"[0-9]{1,9}")

PROGRESS_ENV = "READINESS_PYTEST_PROGRESS"
PLUGIN = "_readiness_pytest_progress"
#: Loaded into the target's pytest with ``-p``: appends a JSON line per event,
#: opened and closed each time so that nothing is lost when pytest is killed.
#: Plain Python 3 without f-strings, so that any interpreter runs it.
PLUGIN_SOURCE = '''\
"""readiness's progress probe: each test's start and finish, as JSON lines."""
import json
import os

_PATH = os.environ.get("READINESS_PYTEST_PROGRESS")


def _write(record):
    if _PATH:
        with open(_PATH, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\\n")


def pytest_collection_finish(session):
    _write({"event": "collected", "count": len(session.items)})


def pytest_deselected(items):
    _write({"event": "deselected", "count": len(items)})


def pytest_runtest_logstart(nodeid):
    _write({"event": "start", "nodeid": nodeid})


def pytest_runtest_logfinish(nodeid):
    _write({"event": "finish", "nodeid": nodeid})
'''
#: What pytest's exit codes mean (``pytest.ExitCode``).
EXIT_MEANINGS = {
    0: "all selected tests passed",
    1: "tests failed",
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}
#: pytest options that need the cache provider, which the gate normally turns off.
CACHE_OPTIONS = frozenset(
    {
        "--lf",
        "--last-failed",
        "--ff",
        "--failed-first",
        "--nf",
        "--new-first",
        "--sw",
        "--stepwise",
        "--sw-skip",
        "--stepwise-skip",
        "--cache-show",
        "--cache-clear",
        "--lfnf",
        "--last-failed-no-failures",
    }
)
#: xunit1 carries file and line; the captured output and log of failing tests
#: (only) go into the file, so that a failure a child process explains on its
#: output can be read. The long option, not ``-o``: code under test that
#: parses ``sys.argv`` (httpie's tests run its CLI on pytest's own arguments)
#: took ``-o junit_family=xunit1`` for its ``--output`` and wrote that file.
JUNIT_OPTIONS = (
    "--override-ini=junit_family=xunit1",
    "--override-ini=junit_logging=all",
    "--override-ini=junit_log_passing_tests=false",
)
#: pytest may exit with any code, or be killed by a signal; every one is read.
ANY_EXIT = range(-256, 256)


@dataclass(frozen=True, kw_only=True)
class Case:
    """One ``<testcase>`` of the JUnit report."""

    nodeid: str
    path: str | None
    line: int | None
    #: passed, failed, error, skipped, xfailed or collection
    outcome: str
    message: str = ""
    text: str = ""
    #: what the test printed and logged (JUnit ``system-out``/``system-err``,
    #: written for failing tests only), where a child process's error shows
    output: str = ""


@dataclass(frozen=True, kw_only=True)
class FileCoverage:
    path: str
    percent: float
    statements: int
    missing: int
    first_missing: int | None


@dataclass(frozen=True, kw_only=True)
class Coverage:
    percent: float
    statements: int
    missing: int
    files: tuple[FileCoverage, ...]


@dataclass(frozen=True, kw_only=True)
class Progress:
    started: tuple[str, ...] = ()
    finished: frozenset[str] = frozenset()
    collected: int | None = None
    deselected: int = 0

    @property
    def running(self) -> list[str]:
        return [n for n in dict.fromkeys(self.started) if n not in self.finished]


@dataclass(frozen=True, kw_only=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    cases: tuple[Case, ...] | None
    coverage: Coverage | None
    progress: Progress
    #: how coverage was measured: "pytest-cov" or "coverage run" (a pytest plugin)
    coverage_mode: str = "pytest-cov"
    #: the effective user id pytest ran as (``None`` where the OS has none):
    #: root (0) reads and writes files whatever their mode
    euid: int | None = None
    #: failing tests that passed when rerun alone (:func:`rerun_failures`)
    flaky: frozenset[str] = frozenset()
    #: failing tests that were rerun at all (a capped number)
    rerun: int = 0
    #: whether readiness cut the network for the run (``contain``)
    network_cut: bool = False
    #: how the run was contained, for the metrics: tree, home, network
    containment: tuple[tuple[str, str], ...] = ()
    #: what the suite did to the copy of the project (``None``: run in place)
    changes: Changes | None = None


def run_pytest(
    ctx: GateContext,
    env: environments.Environment,
    config: Config,
    selection: Selection,
    *,
    plugin: bool = False,
    sandbox: Sandbox | None = None,
) -> Outcome:
    """Run the suite; kill it at the gate's deadline, naming what was running.

    ``plugin``: the target is a pytest plugin (a ``pytest11`` entry point), which
    pytest imports while it loads plugins, before pytest-cov starts measuring;
    its coverage is then measured by ``coverage run -m pytest`` (the way
    pytest-cov's documentation advises for plugins), so the import counts.

    ``sandbox``: run in the copy of the target, home and network it describes
    (:mod:`.contain`); what pytest reports is read back with the original's
    paths. ``None``: in the target's own tree.
    """
    scratch = ctx.scratch
    junit = scratch / "junit.xml"
    coverage = scratch / "coverage.json"
    progress = scratch / "progress.jsonl"
    for stale in (junit, coverage, progress, scratch / ".coverage"):
        stale.unlink(missing_ok=True)
    plugin_dir = scratch / "plugin"
    plugin_dir.mkdir(exist_ok=True)
    (plugin_dir / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    addopts = ctx.target.pytest_config.addopts if ctx.target.pytest_config else ()
    by_coverage_run = plugin and bool(config.coverage)
    args = [str(env.python), "-m"]
    if by_coverage_run:
        args += ["coverage", "run", "--source", ",".join(config.coverage), "-m"]
    args += ["pytest"]
    if CACHE_OPTIONS.intersection(option.partition("=")[0] for option in addopts):
        args += ["-o", f"cache_dir={scratch / 'pytest-cache'}"]
    else:
        args += ["-p", "no:cacheprovider"]
    args += ["-p", PLUGIN, f"--junitxml={junit}", *JUNIT_OPTIONS]
    given = (*addopts, *config.args)
    if not any(option.partition("=")[0] == "--basetemp" for option in given):
        args += [f"--basetemp={scratch / 'basetemp'}"]
    if by_coverage_run:
        args += ["--no-cov"]
    elif config.coverage:
        args += [f"--cov={source}" for source in config.coverage]
        args += [f"--cov-report=json:{coverage}", "--cov-report=", "--cov-fail-under=0"]
    args += [*selection.args, *config.args]
    variables = contained_variables(ctx, env, sandbox)
    variables[PROGRESS_ENV] = str(progress)
    variables["PYTHONPATH"] = _joined(str(plugin_dir), variables["PYTHONPATH"])
    # pytest is the gate's main command: first, before the uv builds. The
    # network cut's launcher is in the metrics, not in the command to rerun.
    ctx.record_command(args, first=True)
    cwd = sandbox.root if sandbox else None
    run_args = sandbox.command(args) if sandbox else args
    try:
        # named after pytest, not after the launcher that cuts the network
        completed = ctx.run(
            run_args,
            ok_codes=ANY_EXIT,
            env=variables,
            record=False,
            cwd=cwd,
            name=command.tool_name(args),
        )
    except command.ToolTimeout as timeout:
        output = sandbox.restore(timeout.output) if sandbox else timeout.output
        said = str(timeout)
        raise GateError(timeout_reason(said, read_progress(progress), output)) from None
    cases = read_junit(junit, ctx.target)
    check_complete(completed, cases, junit)
    if by_coverage_run:
        coverage_json(ctx, env, coverage, variables, cwd=cwd)
    measured = read_coverage(coverage, ctx.target) if config.coverage else None
    restore = sandbox.restore if sandbox else str
    return Outcome(
        returncode=completed.returncode,
        stdout=restore(completed.stdout),
        stderr=restore(completed.stderr),
        duration_s=round(completed.duration_s, 3),
        cases=restored_cases(cases, ctx.target, sandbox),
        coverage=restored_coverage(measured, ctx.target, sandbox),
        progress=read_progress(progress),
        coverage_mode="coverage run" if by_coverage_run else "pytest-cov",
        euid=os.geteuid() if hasattr(os, "geteuid") else None,
        network_cut=bool(sandbox and sandbox.network_cut),
        containment=sandbox.metrics() if sandbox else (),
    )


def restored_cases(
    cases: tuple[Case, ...] | None, target: Target, sandbox: Sandbox | None
) -> tuple[Case, ...] | None:
    """``cases`` as if run in the original tree: its paths, not the copy's."""
    if cases is None or sandbox is None:
        return cases
    return tuple(
        replace(
            case,
            nodeid=sandbox.restore(case.nodeid),
            path=target.rel(sandbox.restore(case.path)) if case.path else None,
            message=sandbox.restore(case.message),
            text=sandbox.restore(case.text),
            output=sandbox.restore(case.output),
        )
        for case in cases
    )


def restored_coverage(
    coverage: Coverage | None, target: Target, sandbox: Sandbox | None
) -> Coverage | None:
    """``coverage`` with the original's paths (measured in the copy)."""
    if coverage is None or sandbox is None:
        return coverage
    files = tuple(
        replace(entry, path=target.rel(sandbox.restore(entry.path)))
        for entry in coverage.files
    )
    return replace(coverage, files=files)


#: At most this many failing tests are rerun; a suite failing more is broken,
#: not flaky.
MAX_RERUN = 20


def rerun_failures(
    ctx: GateContext,
    env: environments.Environment,
    failing: Sequence[Case],
    *,
    pytest_cov: bool,
    sandbox: Sandbox | None = None,
) -> frozenset[str]:
    """Run each failing test once more, alone, in one pytest call; the node ids
    that pass now. A test whose JUnit name is not its node id (an escaped
    parameter) is not found and stays a failure: nothing is guessed."""
    scratch = ctx.scratch
    junit = scratch / "rerun.xml"
    junit.unlink(missing_ok=True)
    nodeids = [case.nodeid for case in failing[:MAX_RERUN]]
    if not nodeids:
        return frozenset()
    addopts = ctx.target.pytest_config.addopts if ctx.target.pytest_config else ()
    args = [str(env.python), "-m", "pytest"]
    if CACHE_OPTIONS.intersection(option.partition("=")[0] for option in addopts):
        args += ["-o", f"cache_dir={scratch / 'pytest-cache'}"]
    else:
        args += ["-p", "no:cacheprovider"]
    args += [f"--junitxml={junit}", *JUNIT_OPTIONS]
    args += [f"--basetemp={scratch / 'basetemp-rerun'}"]
    args += ["--no-cov"] if pytest_cov else []
    variables = contained_variables(ctx, env, sandbox)
    ctx.record_command([*args, *nodeids])
    run_args = sandbox.command([*args, *nodeids]) if sandbox else [*args, *nodeids]
    try:
        ctx.run(
            run_args,
            ok_codes=ANY_EXIT,
            env=variables,
            record=False,
            cwd=sandbox.root if sandbox else None,
        )
    except command.ToolTimeout:
        return frozenset()
    cases = restored_cases(read_junit(junit, ctx.target), ctx.target, sandbox) or ()
    wanted = set(nodeids)
    return frozenset(
        case.nodeid
        for case in cases
        if case.outcome == "passed" and case.nodeid in wanted
    )


def check_complete(
    completed: command.Completed, cases: tuple[Case, ...] | None, junit: Path
) -> None:
    """Refuse a result that cannot be trusted: a cut terminal output when no
    report explains the exit, or no JUnit file where pytest must write one
    (with pytest's last words: a crash, or no pytest at all)."""
    code = completed.returncode
    if cases is None and completed.truncated:
        try:
            completed.require_complete()
        except command.ToolError as exc:
            raise GateError(str(exc)) from None
    if cases is None and code in {0, 1, 5}:
        said = command.last_line(completed.stderr or completed.stdout)
        if code == 1 and said.endswith("No module named pytest"):
            raise GateError(f"pytest is not installed in the test environment: {said}")
        heard = f"; its last output: {said}" if code and said != "(no output)" else ""
        raise GateError(
            f"pytest exited {code} ({exit_meaning(code)}) but wrote no JUnit report"
            f" ({junit.name}), so which tests ran is unknown{heard}; check that the"
            " target's configuration or a plugin does not disable --junitxml"
        )


def coverage_json(
    ctx: GateContext,
    env: environments.Environment,
    out: Path,
    variables: dict[str, str],
    *,
    cwd: Path | None = None,
) -> None:
    """``coverage combine`` (a no-op unless parallel) then ``coverage json``."""
    python = str(env.python)
    for step in (["combine"], ["json", "-o", str(out), "--fail-under=0"]):
        ctx.run(
            [python, "-m", "coverage", *step], ok_codes=ANY_EXIT, env=variables, cwd=cwd
        )


def _joined(*parts: str) -> str:
    return os.pathsep.join(part for part in parts if part)


def timeout_reason(message: str, progress: Progress, output: str) -> str:
    """One line: the kill, and the tests that were running (or where pytest was)."""
    running = progress.running
    if running:
        shown = ", ".join(running[:5])
        more = f" and {len(running) - 5} more" if len(running) > 5 else ""
        where = f"still running: {shown}{more}"
    elif progress.collected is None:
        last = command.last_line(output) if output else "(no output)"
        where = f"while collecting (last output: {last})"
    else:
        where = f"after {len(progress.finished)} tests had finished"
    return f"{message} with its process group, {where}"


def read_progress(path: Path) -> Progress:
    """Our plugin's JSON lines; unreadable lines and records are skipped."""
    started: list[str] = []
    finished: set[str] = set()
    collected: int | None = None
    deselected = 0
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue  # the last line may be cut short by the kill
        event = record.get("event") if isinstance(record, dict) else None
        try:
            if event == "start":
                started.append(str(record["nodeid"]))
            elif event == "finish":
                finished.add(str(record["nodeid"]))
            elif event == "collected":
                collected = int(record["count"])
            elif event == "deselected":
                deselected += int(record["count"])
        except (KeyError, TypeError, ValueError, OverflowError):
            continue  # a record a test rewrote: progress is a hint, not a verdict
    return Progress(
        started=tuple(started),
        finished=frozenset(finished),
        collected=collected,
        deselected=deselected,
    )


def read_junit(path: Path, target: Target) -> tuple[Case, ...] | None:
    """The cases of pytest's JUnit file; ``None`` when pytest wrote none.

    The file is pytest's own output in our scratch folder. ElementTree
    resolves no external entities, and the expat it uses (>= 2.4) limits
    entity expansion, so even a test that rewrote the file could not make
    reading it dangerous.
    """
    try:
        root = ET.parse(path).getroot()  # noqa: S314  # nosec B314 - see docstring
    except FileNotFoundError:
        return None
    except (ET.ParseError, OSError) as exc:
        raise GateError(
            f"pytest wrote a JUnit file that cannot be read: {exc}"
        ) from None
    if root.tag not in {"testsuites", "testsuite"}:  # pytest < 5.1: <testsuite>
        raise GateError(
            f"pytest wrote a JUnit file of the wrong shape: its root is <{root.tag}>,"
            " not <testsuites>, so which tests ran is unknown"
        )
    return tuple(_case(element, target) for element in root.iter("testcase"))


def _case(element: ET.Element, target: Target) -> Case:
    file = element.get("file") or None
    line_attr = element.get("line")
    line = int(line_attr) + 1 if line_attr and _LINE.fullmatch(line_attr) else None
    classname = element.get("classname", "")
    name = element.get("name", "")
    outcome, message, text = "passed", "", ""
    output = "\n".join(
        child.text or ""
        for child in element
        if child.tag in {"system-out", "system-err"}
    )
    for child in element:
        if child.tag in {"failure", "error", "skipped"}:
            message = child.get("message", "")
            text = child.text or ""
            if child.tag == "failure":
                outcome = "failed"
            elif child.tag == "error":
                collection = not classname and message == "collection failure"
                outcome = "collection" if collection else "error"
            else:
                xfail = child.get("type") == "pytest.xfail"
                outcome = "xfailed" if xfail else "skipped"
            if outcome in {"failed", "error", "collection"}:
                break
    path = target.rel(file) if file else None
    return Case(
        nodeid=_nodeid(path, classname, name),
        path=path,
        line=line,
        outcome=outcome,
        message=message,
        text=text,
        output=output,
    )


def _nodeid(path: str | None, classname: str, name: str) -> str:
    """``file::Class::name``, rebuilt from xunit1's ``file`` and ``classname``."""
    if path is None:
        return "::".join(part for part in (classname, name) if part)
    if not classname:
        return path
    module = path.removesuffix(".py").replace("/", ".")
    classes = (
        classname.removeprefix(module).strip(".").split(".")
        if classname.startswith(module)
        else []
    )
    return "::".join([path, *[c for c in classes if c], name])


def read_coverage(path: Path, target: Target) -> Coverage | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:
        raise GateError(
            f"pytest-cov wrote a coverage report that is not JSON: {exc}"
        ) from None
    try:
        totals = data["totals"]
        files = [
            FileCoverage(
                path=target.rel(name),
                percent=float(entry["summary"]["percent_covered"]),
                statements=int(entry["summary"]["num_statements"]),
                missing=int(entry["summary"]["missing_lines"]),
                first_missing=min(entry.get("missing_lines") or [0]) or None,
            )
            for name, entry in data["files"].items()
        ]
        return Coverage(
            percent=float(totals["percent_covered"]),
            statements=int(totals["num_statements"]),
            missing=int(totals["missing_lines"]),
            files=tuple(files),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise GateError("pytest-cov wrote JSON without coverage totals") from None


def exit_meaning(code: int, *, collection_errors: int = 0) -> str:
    if code < 0:
        return f"killed by signal {-code}"
    meaning = EXIT_MEANINGS.get(code, f"unknown exit code {code}")
    if collection_errors:
        meaning += f", {wording.plural(collection_errors, 'error')} during collection"
    return meaning
