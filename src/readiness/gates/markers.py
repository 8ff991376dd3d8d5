"""The ``markers`` gate: every pytest marker the tests use must be registered.

An unregistered marker is the seed's first test blocker: with
``--strict-markers`` (or ``strict = true``) pytest aborts collection, and with
``filterwarnings = error`` the ``PytestUnknownMarkWarning`` becomes an error
too. Without either, pytest only warns, and a typo such as ``@pytest.mark.slwo``
silently escapes the ``-m "not slow"`` selection.

The gate reads the tests with :mod:`ast` instead of running pytest, because the
target's test environment may not exist yet (building it is what the ``tests``
gate does) and importing the target's code is never safe.

Rules:

* ``MK001`` a marker is used but not registered where pytest reads it;
* ``MK002`` a test module or conftest does not parse, so collection breaks;
  only files pytest collects, imports for them or loads count (a formatter's
  input cases under ``tests/data`` are data: counted in ``not_collected``);
A marker no static registration names, while a conftest or plugin registers
markers under computed names (black's ``tests/optional.py`` turns each
``optional-tests`` line into ``x`` and ``no_x`` through a regex), is not a
finding: it may well be registered when pytest runs, and readiness cannot say
which, so a finding would leave nothing to act on. The criterion counts those
markers and names the registrations. Whether they are really undefined is
proved by running pytest (with ``--strict-markers`` collection aborts), which
is the ``tests`` gate's evidence, not this one's.

What the tests use and what is registered comes from the static survey in
:mod:`readiness.pytest_survey`, which the ``tests`` gate reads too; its known
limits are listed there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from readiness.cache import facts_folder
from readiness.filefacts import FileFacts
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    PROJECT_FILES,
    PYTHON_SOURCES,
    Evaluation,
    Gate,
    GateContext,
    GateSkipped,
)
from readiness.pytest_survey.files import test_files
from readiness.pytest_survey.marks import (
    BUILTIN_MARKERS,
    Dynamic,
    ParseError,
    Use,
    active_markers,
    plugin_markers,
    scan,
)
from readiness.pytest_survey.source import MODULE_FACTS
from readiness.regexes import compile_given
from readiness.target import PytestConfig, Target, list_of_str
from readiness.wording import plural

UNDEFINED = Rule(
    id="MK001",
    title="pytest marker is not registered",
    explanation=(
        "pytest knows a marker only when the configuration file it reads, a"
        " conftest.py (config.addinivalue_line) or an installed plugin registers"
        " it. With --strict-markers an unknown marker aborts collection; without"
        " it pytest warns, and a misspelt marker silently escapes -m selections."
    ),
    fix="register the marker in the markers option of the file pytest reads",
)
UNPARSABLE = Rule(
    id="MK002",
    title="test file does not parse",
    explanation=(
        "pytest imports every test module and conftest.py while collecting; a"
        " file that is not valid Python is a collection error for the whole run."
    ),
    fix="fix the syntax error",
)
#: readiness's own rules, for renderers and documentation.
RULES = (UNDEFINED, UNPARSABLE)

ALL_REGISTERED = "every pytest marker the tests use is registered"
ALL_PARSE = "every test module and conftest.py parses"
STRICT = "--strict-markers makes pytest abort collection"
WARN_ONLY = "pytest only warns (PytestUnknownMarkWarning) without --strict-markers"
#: Every category a ``filterwarnings`` entry may name to catch the unknown-mark
#: warning: its class and its bases.
UNKNOWN_MARK_CATEGORIES = frozenset(
    {"", "Warning", "UserWarning", "PytestWarning", "PytestUnknownMarkWarning"}
)
WARNING_ACTIONS = ("default", "always", "all", "ignore", "module", "once", "error")


class MarkersGate(Gate):
    """Every pytest marker the tests use is registered in the config pytest reads."""

    name = "markers"
    title = "pytest markers"
    priority = Priority.P0
    criteria_from_findings = True
    inputs = PYTHON_SOURCES + PROJECT_FILES + ("pytest.ini", "pytest.toml")
    cost = 1.0

    def run(self, ctx: GateContext) -> Evaluation:
        target = ctx.target
        # one parse of each module gives both its imports and its marks
        facts = FileFacts(facts_folder(ctx.settings), MODULE_FACTS)
        files = test_files(target, facts)
        if not files.collected:
            facts.save()
            raise GateSkipped("no test files found")
        survey = scan(target, files.modules, files.conftests, facts)
        facts.save()
        config = target.pytest_config
        registered = (
            active_markers(config)
            | survey.registered
            | plugin_markers(target.declared_requirements())
        )
        used = {use.marker for use in survey.uses}
        unknown = sorted(used - registered - BUILTIN_MARKERS)
        sites = [use for use in survey.uses if use.marker in unknown]
        # a computed registration may cover any unknown marker: counted, not reported
        undefined = [] if survey.dynamic else unknown
        possible = unknown if survey.dynamic else []
        findings = [
            undefined_finding(target, use) for use in sites if use.marker in undefined
        ]
        findings.extend(parse_finding(error) for error in survey.errors)
        findings.sort(key=lambda f: (f.path or "", f.line or 0, f.rule))
        return Evaluation(
            criteria=criteria(
                undefined,
                len(sites),
                survey.errors,
                possible=possible,
                dynamic=survey.dynamic,
            ),
            findings=tuple(findings),
            metrics={
                "markers_used": len(used),
                "markers_registered": len(registered - BUILTIN_MARKERS),
                "undefined": len(undefined),
                "possibly_registered": len(unknown) - len(undefined),
                "use_sites": len(sites),
                "files_scanned": survey.files,
                "not_collected": files.not_collected,
                "parse_errors": len(survey.errors),
                "strict_markers": "yes" if config and config.strict_markers else "no",
            },
        )


# --- what is registered -----------------------------------------------------


def inactive_registration(target: Target, marker: str) -> PytestConfig | None:
    """The first config file pytest ignores that registers ``marker``, if any."""
    return next(
        (
            config
            for config in target.pytest_configs[1:]
            if marker in active_markers(config)
        ),
        None,
    )


# --- findings ---------------------------------------------------------------


def undefined_finding(target: Target, use: Use) -> Finding:
    config = target.pytest_config
    severity, consequence = consequence_of(config, use.marker)
    path, section = (
        (config.path, config.section)
        if config
        else ("pyproject.toml", "tool.pytest.ini_options")
    )
    message = f"marker {use.marker!r} is not registered; {consequence}"
    details: dict[str, str | int | float | bool] = {
        "marker": use.marker,
        "config": path,
    }
    elsewhere = inactive_registration(target, use.marker)
    if elsewhere is not None:
        message += (
            f" (it is registered in {elsewhere.path} [{elsewhere.section}],"
            f" which pytest does not read: it reads {path})"
        )
        details["registered_in"] = elsewhere.path
    return Finding(
        rule=UNDEFINED.id,
        severity=severity,
        priority=Priority.P0,
        message=message,
        path=use.path,
        line=use.line,
        fix=f'register it in {path} [{section}] markers: "{use.marker}: <description>"',
        details=details,
    )


def consequence_of(config: PytestConfig | None, marker: str) -> tuple[Severity, str]:
    """How bad an unknown marker is under ``config``, and why."""
    if config is not None and config.strict_markers:
        return Severity.HIGH, STRICT
    if config is not None and unknown_mark_is_error(config, marker):
        return Severity.HIGH, (
            f"filterwarnings in {config.path} turns PytestUnknownMarkWarning"
            " into an error"
        )
    return Severity.MEDIUM, WARN_ONLY


def unknown_mark_is_error(config: PytestConfig, marker: str) -> bool:
    """Whether the warning filters make ``PytestUnknownMarkWarning`` an error.

    pytest applies the ``filterwarnings`` option, then ``-W`` options from
    ``addopts``; the last matching filter wins. Filters bound to a module or a
    line are left out: which module triggers the warning is not known here.
    """
    raw = config.options.get("filterwarnings", ())
    ini = raw.splitlines() if isinstance(raw, str) else list_of_str(raw)
    text = f"Unknown pytest.mark.{marker} - is this a typo?"
    action = "default"
    specs = [(spec, False) for spec in ini] + [
        (spec, True) for spec in w_options(config.addopts)
    ]
    for spec, escape in specs:
        matched = filter_action(spec, text, escape=escape) if spec.strip() else None
        action = matched or action
    return action == "error"


def w_options(addopts: Sequence[str]) -> Iterator[str]:
    """The values of ``-W X``, ``-WX``, ``--pythonwarnings X`` and ``=X`` forms."""
    for index, option in enumerate(addopts):
        following = addopts[index + 1] if index + 1 < len(addopts) else ""
        if option in {"-W", "--pythonwarnings"}:
            yield following
        elif option.startswith("--pythonwarnings="):
            yield option.partition("=")[2]
        elif option.startswith("-W"):
            yield option[2:]


def filter_action(spec: str, text: str, *, escape: bool) -> str | None:
    """The action of warning filter ``spec`` if it applies to ``text``, else None.

    ``spec`` is ``action:message:category:module:lineno`` as Python and pytest
    read it: actions may be abbreviated, the message is a case-insensitive
    regex matched at the start (escaped when it comes from ``-W``).
    """
    action, message, category, module, lineno = (
        part.strip() for part in (spec.split(":") + [""] * 4)[:5]
    )
    actions = [a for a in WARNING_ACTIONS if a.startswith(action or "default")]
    applies = (
        bool(actions)
        and not module
        and not lineno
        and category.rpartition(".")[2] in UNKNOWN_MARK_CATEGORIES
        and message_matches(message, text, escape=escape)
    )
    return actions[0] if applies else None


def message_matches(message: str, text: str, *, escape: bool) -> bool:
    pattern = re.escape(message) if escape else message
    try:
        return compile_given(pattern, re.IGNORECASE).match(text) is not None
    except re.error:
        return False


def parse_finding(error: ParseError) -> Finding:
    return Finding(
        rule=UNPARSABLE.id,
        severity=Severity.HIGH,
        priority=Priority.P0,
        message=f"{UNPARSABLE.title} ({error.reason}); pytest cannot collect it",
        path=error.path,
        line=error.line,
        fix=UNPARSABLE.fix,
        details={"reason": error.reason},
    )


def criteria(
    undefined: Sequence[str],
    sites: int,
    errors: Sequence[ParseError],
    *,
    possible: Sequence[str] = (),
    dynamic: Sequence[Dynamic] = (),
) -> tuple[Criterion, ...]:
    """The two P0 criteria, counted as a person counts: markers, then sites;
    the markers a computed registration may cover are counted, with where."""
    text = ALL_REGISTERED
    if undefined:
        text += (
            f" ({plural(len(undefined), 'undefined marker')}"
            f" at {plural(sites, 'site')}: {', '.join(undefined)})"
        )
    elif possible:
        text += f" ({run_time_scope(possible, dynamic)})"
    found = [Criterion(text=text, met=not undefined)]
    if errors:
        paths = sorted({error.path for error in errors})
        found.append(
            Criterion(
                text=f"{ALL_PARSE} ({len(paths)} do not: {', '.join(paths)})",
                met=False,
            )
        )
    return tuple(found)


def run_time_scope(possible: Sequence[str], dynamic: Sequence[Dynamic]) -> str:
    """``2 markers may be registered at run time by tests/optional.py:84: ...``."""
    where = ", ".join(f"{d.path}:{d.line}" for d in dynamic[:3])
    if len(dynamic) > 3:
        where += f" and {len(dynamic) - 3} more"
    ini = next((d.ini for d in dynamic if d.ini), None)
    source = f" from ini option {ini!r}" if ini else ""
    return (
        f"{plural(len(possible), 'marker')} may be registered at run time by"
        f" {where}{source}, not reported: {', '.join(possible)}"
    )
