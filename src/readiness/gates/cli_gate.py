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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from packaging.utils import canonicalize_name

from readiness import clistatic, clitree, command, helpwalk, prodenv, requirements
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import Evaluation, Gate, GateContext, GateSkipped
from readiness.target import Target

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
NEEDS_EXTRA = Rule(
    id="CL004",
    title="a command needs an optional extra",
    explanation=(
        "`--help` fails in the prod environment, which installs no extra, because"
        " the command needs a package that only one of the project's extras"
        " declares (the entry point names the extra, the failure names a module"
        " of it, or says to install it): a user who installs that extra has it."
    ),
    fix=(
        "nothing, if the extra is documented; a clearer message than a traceback"
        " helps users who installed without it"
    ),
)
#: readiness's own rules, for renderers and documentation.
RULES = (CRASH, HANG, MISSING, NEEDS_EXTRA)

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
_NO_MODULE = re.compile(r"No module named '(?P<module>[\w.]+)'")
#: Extras that install a development stack, not an optional feature: a command
#: that needs one of them is broken in production (the seed's gitpython case).
DEV_EXTRAS = frozenset(
    {
        *("dev", "devel", "develop", "development", "test", "tests", "testing"),
        *("doc", "docs", "lint", "linting", "typing", "types", "mypy", "style"),
        *("qa", "ci", "check", "checks", "coverage", "cov", "all"),
    }
)


@dataclass(frozen=True, kw_only=True)
class Failure:
    """One command whose ``--help`` failed, and why in one line."""

    shown: str
    reason: str
    returncode: int | None
    command: clitree.Command | None
    location: tuple[str, int] | None
    #: The extras the command needs, when that is why it fails.
    extras: tuple[str, ...] = ()


class CliGate(Gate):
    """Every console script and subcommand answers --help in the prod environment."""

    name = "cli"
    title = "CLI smoke test in the prod environment"
    priority = Priority.P2
    cost = 30.0

    def run(self, ctx: GateContext) -> Evaluation:
        project = clistatic.Project(ctx.target)
        scripts = clistatic.discover(ctx.target)
        if not scripts:
            raise GateSkipped(
                "no console script in [project.scripts] and no __main__ module"
            )
        if not ctx.target.installable:
            raise GateSkipped(
                "no [project] or [build-system] table, setup.py or setup.cfg:"
                " nothing to install in a prod environment"
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
        env = prodenv.ensure(ctx.target, run=ctx.run)
        findings: list[Finding] = []
        failures: list[Failure] = []
        total = passed = undiscovered = 0
        for script in scripts:
            if script.name in not_run:
                continue
            if script.missing:
                findings.append(missing_entry(ctx.target, script))
                continue
            argv0 = helpwalk.argv0(env, script)
            if argv0 is None:
                findings.append(not_installed(ctx.target, script))
                continue
            depth = 0 if script.name.startswith("python -m ") else 6
            tree, runs = helpwalk.walk(
                ctx, env, script, argv0, timeout=timeout, depth=depth
            )
            for run in runs:
                shown = " ".join((script.name, *run.path))
                if run.path and run.no_such_command:
                    findings.append(not_in_cli(script, run.path))
                    continue
                total += 1
                if run.ok:
                    passed += 1
                    continue
                known = node_at(script.root, run.path)
                failures.append(
                    Failure(
                        shown=shown,
                        reason=failure_reason(run, timeout),
                        returncode=run.returncode,
                        command=known,
                        location=traceback_location(project, run.output),
                        extras=(
                            ()
                            if run.timed_out
                            else needed_extras(ctx.target, script, run.output)
                        ),
                    )
                )
            undiscovered += count_undiscovered(script.root, tree)
        optional = [f for f in failures if f.extras]
        findings += grouped([f for f in failures if not f.extras])
        findings += grouped_by_extra(optional)
        missing = sum(1 for f in findings if f.rule == MISSING.id)
        hung = sum(1 for f in failures if f.returncode is None)
        total -= len(optional)
        helped = helped_text(passed, total, optional, not_run)
        return Evaluation(
            criteria=(
                Criterion(
                    text=f"every declared command exists ({missing} missing)",
                    met=missing == 0,
                ),
                Criterion(
                    text="every subcommand's --help exits 0 in the prod environment"
                    f" ({helped})",
                    met=passed == total,
                ),
            ),
            findings=tuple(findings),
            metrics={
                "scripts": len(scripts),
                "commands": total,
                "help_ok": passed,
                "help_failed": len(failures) - hung - len(optional),
                "needs_extra": len(optional),
                "help_timeouts": hung,
                "missing": missing,
                "not_run": len(not_run),
                "not_found_statically": undiscovered,
                "environment": "reused" if env.reused else "built",
            },
        )


def helped_text(
    passed: int, total: int, optional: Sequence[Failure], not_run: Sequence[str]
) -> str:
    """``2 of 3``, then the commands needing an extra and those not run."""
    text = f"{passed} of {total}"
    if optional:
        text += "; needs an extra: " + ", ".join(
            f"{f.shown} [{','.join(f.extras)}]" for f in optional
        )
    if not_run:
        text += f"; not run: {unchecked(not_run)}"
    return text


def unchecked(modules: Sequence[str]) -> str:
    """Why the ``python -m`` packages listed were not run."""
    return (
        f"{', '.join(modules)}: no command line found in the source of its"
        " __main__, which may do real work rather than parse --help"
    )


def failure_reason(run: clitree.HelpRun, timeout: float) -> str:
    if run.timed_out:
        return f"no answer within {timeout:g} s"
    return f"exit {run.returncode}, {command.last_line(run.output)}"


def needed_extras(
    target: Target, script: clitree.Script, output: str
) -> tuple[str, ...]:
    """The extras a failed ``--help`` needs, or ``()`` when the failure is not
    about one: the output says to install ``project[extra]`` (or "the '[extra]'
    extra"), or names a missing module that only extras declare; the extras of
    the entry point itself count when the output names any missing module."""
    features = [extra for extra in target.extras if extra.lower() not in DEV_EXTRAS]
    said = {
        extra
        for extra in features
        if f"{target.name}[{extra}]" in output or f"'[{extra}]'" in output
    }
    if said:
        return tuple(sorted(said))
    modules = [match["module"] for match in _NO_MODULE.finditer(output)]
    if not modules:
        return ()
    base = requirements.names(requirements.declared(target))
    wanted = {canonicalize_name(module.partition(".")[0]) for module in modules}
    by_extra = {
        extra
        for extra in features
        if wanted
        & (requirements.names(requirements.declared(target, extras=[extra])) - base)
    }
    if by_extra:
        return tuple(sorted(by_extra))
    return tuple(extra for extra in script.extras if extra in features)


def grouped_by_extra(failures: Sequence[Failure]) -> list[Finding]:
    """One CL004 per cause: the same reason and the same extras."""
    by_cause: dict[tuple[str, tuple[str, ...]], list[Failure]] = {}
    for failure in failures:
        by_cause.setdefault((failure.reason, failure.extras), []).append(failure)
    return [extra_finding(group) for group in by_cause.values()]


def extra_finding(group: Sequence[Failure]) -> Finding:
    """CL004 for the commands that fail for want of the same extras."""
    first = group[0]
    extras = ", ".join(f"[{extra}]" for extra in first.extras)
    subject = f"`{first.shown} --help`"
    if len(group) > 1:
        subject += f" and {len(group) - 1} more command{'s' if len(group) > 2 else ''}"
    verb = "need" if len(group) > 1 else "needs"
    location = next((f.location for f in group if f.location), None)
    return Finding(
        rule=NEEDS_EXTRA.id,
        severity=Severity.LOW,
        priority=Priority.P2,
        message=(
            f"{subject} {verb} the extra {extras}, which the prod environment"
            f" does not install: {first.reason}"
        ),
        path=location[0] if location else None,
        line=location[1] if location else None,
        fix=NEEDS_EXTRA.fix,
        details={
            "commands": ", ".join(f.shown for f in group),
            "extras": ",".join(first.extras),
        },
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
    by_reason: dict[str, list[Failure]] = {}
    for failure in failures:
        by_reason.setdefault(failure.reason, []).append(failure)
    findings = []
    for reason, group in by_reason.items():
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
                message=f"{subject} {verb} in the prod environment: {reason}",
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
