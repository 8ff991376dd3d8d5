"""The ``cli`` gate: every console script and subcommand starts in the prod environment.

The seed's "CLI & Operational Validations": every operational command must be
exercised. The cheapest proof that a command can run in production is that its
``--help`` exits 0 where only the production dependencies are installed: it
imports the command's modules, so a command that imports a dev-only package
(pytest, freezegun, a linter) fails here, not in front of an operator.

The environment is the shared ``prod`` one (the target installed, not
editable, from ``constraints/prod.txt`` when present; see
:mod:`readiness.prodenv`). The commands are discovered twice
(:mod:`readiness.clitree`): statically from the source, and by walking the
``--help`` output. The walk is the truth; the static model adds the commands
help does not list (hidden ones, and ones declared in the source that the
installed command does not have) and still names the subcommands when the
top-level ``--help`` itself crashes.

Each ``--help`` runs in the gate's scratch folder (so the target's source tree
cannot shadow the installed package), with the user's site-packages and
``PYTHONPATH`` left out, and with its own timeout (:mod:`readiness.helpwalk`).
Help is read from stdout of a zero exit only; a failed ``--help`` of a group is
that group's finding, and its known subcommands are still tried. A
``python -m`` package whose ``__main__`` shows no command line is not run (it
may do real work) and the criteria say so. Failures with the same cause
(usually one import at module level) are reported once, at the line of the
target's source where the traceback ends when it ends there.

A command that fails only because it needs one of the target's optional
extras (it names the extra, or imports a module only an extra declares; dev
extras do not count) is doing what an optional command should: black's
``blackd`` without ``black[d]`` says to install it. It is not a finding; it is
walked again in the prod environment plus that extra and judged there, and
the criteria name it. When that environment cannot be built, the command is
counted as not walked, with the reason. When the prod environment itself
cannot be built, the gate is ``error`` and names the commands the source
declares; it never passes after checking no command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from readiness import clistatic, clitree, command, environments, helpwalk, prodenv
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.target import Target
from readiness.wording import plural

CRASH = Rule(
    id="CL001",
    title="a command fails to start in the prod environment",
    explanation=(
        "`--help` exits non-zero where only the production dependencies are"
        " installed: the command imports something production does not have"
        " (typically a dev or test package) or fails while loading."
    ),
    fix=(
        "declare the package in [project] dependencies, or import it inside the"
        " command that needs it"
    ),
)
HANG = Rule(
    id="CL002",
    title="a command's --help does not finish",
    explanation=(
        "`--help` should print and exit at once; one that hangs does work while"
        " importing (network, locks, heavy computation)."
    ),
    fix="move the work done at import time into the command's body",
)
MISSING = Rule(
    id="CL003",
    title="a declared command does not exist",
    explanation=(
        "A console script points at a module or function that does not exist,"
        " is not installed by the package, or a subcommand defined in the source"
        " is not part of the installed command line."
    ),
    fix="fix the entry point in [project.scripts] or register the command",
)
#: readiness's own rules, for renderers and documentation.
RULES = (CRASH, HANG, MISSING)

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


@dataclass(frozen=True, kw_only=True)
class Failure:
    """One command whose ``--help`` failed, and why in one line."""

    shown: str
    reason: str
    returncode: int | None
    command: clitree.Command | None
    location: tuple[str, int] | None
    #: Where it failed: the prod environment, or it plus an extra.
    environment: str = "the prod environment"


@dataclass
class Tally:
    """What the walks found, summed over the scripts."""

    findings: list[Finding] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    total: int = 0
    passed: int = 0
    #: Commands walked in the prod environment plus an extra, by extras.
    with_extra: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: Commands needing an extra whose environment could not be built, and why.
    not_walked: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)


class CliGate(Gate):
    """Every console script and subcommand answers --help in the prod environment."""

    name = "cli"
    title = "CLI smoke test in the prod environment"
    priority = Priority.P2
    criteria_from_findings = True
    cost = 30.0

    def run(self, ctx: GateContext) -> Evaluation:
        project = clistatic.Project(ctx.target)
        scripts = clistatic.discover(ctx.target)
        if not scripts:
            raise GateSkipped(
                "no console script in [project.scripts] and no __main__ module"
            )
        if ctx.target.not_installable is not None:
            raise GateSkipped(
                f"{ctx.target.not_installable}: nothing to install in a prod"
                " environment"
            )
        # a __main__ with no command line found may do real work: never run it
        not_run = [
            s.name
            for s in scripts
            if s.root is None and s.name.startswith("python -m ")
        ]
        if len(not_run) == len(scripts):
            raise GateSkipped(f"no command to check: {unchecked(not_run)}")
        timeout = ctx.options.number("help_timeout", helpwalk.DEFAULT_TIMEOUT_S)
        try:
            env = prodenv.ensure(ctx.target, run=ctx.run)
        except environments.BuildError as error:
            raise GateError(
                f"help walk not run, no prod environment: {error};"
                f" {declared_commands(scripts)}"
            ) from None
        walker = Walker(ctx=ctx, project=project, timeout=timeout)
        tally = Tally()
        undiscovered = 0
        for script in scripts:
            if script.name in not_run:
                continue
            if script.missing:
                tally.findings.append(missing_entry(ctx.target, script))
                continue
            argv0 = helpwalk.argv0(env, script)
            if argv0 is None:
                tally.findings.append(not_installed(ctx.target, script))
                continue
            tree, runs = walker.walk(env, script, argv0)
            optional = walker.tally(script, runs, tally)
            undiscovered += count_undiscovered(script.root, tree)
            for extras, paths in optional.items():
                walker.walk_with(extras, script, paths, tally)
        if not tally.total and not tally.findings:
            raise GateError(f"no command could be checked: {not_walked(tally)}")
        tally.findings += grouped(tally.failures)
        findings = tally.findings
        missing = sum(1 for f in findings if f.rule == MISSING.id)
        hung = sum(1 for f in tally.failures if f.returncode is None)
        return Evaluation(
            criteria=(
                Criterion(
                    text=f"every declared command exists ({missing} missing)",
                    met=missing == 0,
                ),
                Criterion(
                    text="every subcommand's --help exits 0 in the prod environment"
                    f" ({helped_text(tally, not_run)})",
                    met=tally.passed == tally.total,
                ),
            ),
            findings=tuple(findings),
            metrics={
                "scripts": len(scripts),
                "commands": tally.total,
                "help_ok": tally.passed,
                "help_failed": len(tally.failures) - hung,
                "with_extra": len(tally.with_extra),
                "not_walked": len(tally.not_walked),
                "help_timeouts": hung,
                "missing": missing,
                "not_run": len(not_run),
                "not_found_statically": undiscovered,
                "environment": "reused" if env.reused else "built",
            },
        )


@dataclass
class Walker:
    """Walks scripts' ``--help`` and sorts the runs into a :class:`Tally`.

    A command that fails for want of one of the target's optional extras is not
    a finding in the prod environment, which installs none: it is walked again
    in the prod environment plus that extra, and judged there. When that
    environment cannot be built, the command is counted as not walked, with
    the reason, never passed.
    """

    ctx: GateContext
    project: clistatic.Project
    timeout: float
    envs: dict[tuple[str, ...], environments.Environment | str] = field(
        default_factory=dict
    )

    def walk(
        self,
        env: environments.Environment,
        script: clitree.Script,
        argv0: Sequence[str],
    ) -> tuple[clitree.Command, tuple[clitree.HelpRun, ...]]:
        depth = 0 if script.name.startswith("python -m ") else 6
        return helpwalk.walk(
            self.ctx, env, script, argv0, timeout=self.timeout, depth=depth
        )

    def tally(
        self,
        script: clitree.Script,
        runs: Sequence[clitree.HelpRun],
        tally: Tally,
        extras: tuple[str, ...] = (),
    ) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
        """Count ``runs``; returns the paths that need an extra, by extras."""
        optional: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for run in runs:
            shown = " ".join((script.name, *run.path))
            if run.path and run.no_such_command:
                tally.findings.append(not_in_cli(script, run.path))
                continue
            needed = (
                helpwalk.needed_extras(self.ctx.target, script, run.output)
                if not run.ok and not run.timed_out and not extras
                else ()
            )
            if needed:
                optional.setdefault(needed, []).append(run.path)
                continue
            tally.total += 1
            if extras:
                tally.with_extra.append((shown, extras))
            if run.answered:
                tally.passed += 1
                continue
            tally.failures.append(
                Failure(
                    shown=shown,
                    reason=helpwalk.failure_reason(run, self.timeout),
                    returncode=run.returncode,
                    command=node_at(script.root, run.path),
                    location=traceback_location(self.project, run.output),
                    environment=helpwalk.environment_name(extras),
                )
            )
        return optional

    def walk_with(
        self,
        extras: tuple[str, ...],
        script: clitree.Script,
        paths: Sequence[tuple[str, ...]],
        tally: Tally,
    ) -> None:
        """Walk ``script`` with ``extras``; count the runs at or under ``paths``."""
        env = self.envs.get(extras)
        if env is None:
            try:
                env = helpwalk.extra_env(self.ctx.target, extras, run=self.ctx.run)
            except (environments.BuildError, command.ToolError) as error:
                env = str(error)
            self.envs[extras] = env
        argv0 = None if isinstance(env, str) else helpwalk.argv0(env, script)
        if isinstance(env, str) or argv0 is None:
            why = env if isinstance(env, str) else "the script is not installed"
            tally.not_walked += [
                (" ".join((script.name, *path)), extras, why) for path in paths
            ]
            return
        _, runs = self.walk(env, script, argv0)
        wanted = [
            run for run in runs if any(run.path[: len(path)] == path for path in paths)
        ]
        self.tally(script, wanted, tally, extras)


def declared_commands(scripts: Sequence[clitree.Script]) -> str:
    """What the source declares, for a gate that could not walk: ``the source
    declares 3 commands: black, blackd, tool run``."""
    names = [
        " ".join((script.name, *path))
        for script in scripts
        for path, _ in (script.root.walk() if script.root else [((), None)])
    ]
    shown = ", ".join(names[:12])
    if len(names) > 12:
        shown += f" and {len(names) - 12} more"
    return f"the source declares {plural(len(names), 'command')}: {shown}"


def helped_text(tally: Tally, not_run: Sequence[str]) -> str:
    """``2 of 3``, then the commands walked with an extra, not walked, not run."""
    text = f"{tally.passed} of {tally.total}"
    if tally.with_extra:
        text += "; with their extra installed: " + ", ".join(
            f"{shown} [{','.join(extras)}]" for shown, extras in tally.with_extra
        )
    if tally.not_walked:
        text += f"; {not_walked(tally)}"
    if not_run:
        text += f"; not run: {unchecked(not_run)}"
    return text


def not_walked(tally: Tally) -> str:
    """``needs an extra, not walked: blackd [d] (why)``."""
    return "needs an extra, not walked: " + ", ".join(
        f"{shown} [{','.join(extras)}] ({why})"
        for shown, extras, why in tally.not_walked
    )


def unchecked(modules: Sequence[str]) -> str:
    """Why the ``python -m`` packages listed were not run."""
    return (
        f"{', '.join(modules)}: no command line found in the source of its"
        " __main__, which may do real work rather than parse --help"
    )


def node_at(
    root: clitree.Command | None, path: Sequence[str]
) -> clitree.Command | None:
    node = root
    for name in path:
        node = node.child(name) if node else None
    return node


def traceback_location(
    project: clistatic.Project, output: str
) -> tuple[str, int] | None:
    """The last traceback frame in the target's own package, as a source location."""
    packages = set(project.target.package_names)
    for match in reversed(list(_FRAME.finditer(output))):
        parts = PurePath(match.group("file")).parts
        if "site-packages" not in parts:
            continue
        rest = list(parts[parts.index("site-packages") + 1 :])
        if not rest or rest[0] not in packages or not rest[-1].endswith(".py"):
            continue
        rest[-1] = rest[-1].removesuffix(".py")
        if rest[-1] == "__init__":
            rest.pop()
        path = project.find(".".join(rest))
        if path is not None:
            return project.target.rel(path), int(match.group("line"))
    return None


def count_undiscovered(static: clitree.Command | None, walked: clitree.Command) -> int:
    """Commands help lists that the static model does not know (0 without one)."""
    if static is None:
        return 0
    known = {path for path, _ in static.walk()}
    return sum(
        1 for path, node in walked.walk() if path not in known and not node.hidden
    )


def grouped(failures: Sequence[Failure]) -> list[Finding]:
    """One finding per cause: commands failing with the same reason share one."""
    by_reason: dict[tuple[str, str], list[Failure]] = {}
    for failure in failures:
        by_reason.setdefault((failure.reason, failure.environment), []).append(failure)
    findings = []
    for (reason, environment), group in by_reason.items():
        first = group[0]
        timed_out = first.returncode is None
        subject = f"`{first.shown} --help`"
        if len(group) > 1:
            subject += (
                f" and {len(group) - 1} more command{'s' if len(group) > 2 else ''}"
            )
        location = next((f.location for f in group if f.location), None)
        if location is None and first.command and first.command.path:
            location = (first.command.path, first.command.line or 0)
        rule = HANG if timed_out else CRASH
        plural = len(group) > 1
        verb = (
            ("hang" if plural else "hangs")
            if timed_out
            else ("fail" if plural else "fails")
        )
        findings.append(
            Finding(
                rule=rule.id,
                severity=Severity.HIGH,
                priority=Priority.P2,
                message=f"{subject} {verb} in {environment}: {reason}",
                path=location[0] if location else None,
                line=(location[1] or None) if location else None,
                fix=rule.fix,
                details={
                    "commands": ", ".join(f.shown for f in group),
                    "exit_code": -1 if timed_out else (first.returncode or 0),
                },
            )
        )
    return findings


def declaration_line(target: Target, name: str) -> int | None:
    """The line of ``name = ...`` in ``[project.scripts]`` of pyproject.toml."""
    path = target.root / "pyproject.toml"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    in_scripts = False
    pattern = re.compile(rf"""^\s*["']?{re.escape(name)}["']?\s*=""")
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_scripts = stripped == "[project.scripts]"
        elif in_scripts and pattern.match(line):
            return number
    return None


def missing_entry(target: Target, script: clitree.Script) -> Finding:
    return Finding(
        rule=MISSING.id,
        severity=Severity.HIGH,
        priority=Priority.P2,
        message=f"console script {script.name} = {script.entry!r}: {script.reason}",
        path="pyproject.toml",
        line=declaration_line(target, script.name),
        fix=MISSING.fix,
    )


def not_installed(target: Target, script: clitree.Script) -> Finding:
    return Finding(
        rule=MISSING.id,
        severity=Severity.HIGH,
        priority=Priority.P2,
        message=f"console script {script.name} is not installed by the package",
        path="pyproject.toml",
        line=declaration_line(target, script.name),
        fix=MISSING.fix,
    )


def not_in_cli(script: clitree.Script, path: tuple[str, ...]) -> Finding:
    known = node_at(script.root, path)
    shown = " ".join((script.name, *path))
    return Finding(
        rule=MISSING.id,
        severity=Severity.MEDIUM,
        priority=Priority.P2,
        message=f"`{shown}` is defined in the source but the installed command"
        " line does not have it",
        path=known.path if known else None,
        line=known.line if known else None,
        fix=MISSING.fix,
    )
