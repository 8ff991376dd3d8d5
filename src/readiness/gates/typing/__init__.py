"""The ``typing`` gate: mypy as the target configures it, strict scope, legacy ratchet.

The seed found 2000+ errors when ``--strict`` was forced on a whole legacy tree
and recommended the opposite: run mypy with the project's own configuration,
demand zero errors only where the project has migrated to strict typing, keep
the legacy modules on a tracked path, and install stubs where they exist. So:

* **mypy as configured.** The configuration file mypy itself would pick at the
  target's root (``mypy.ini``, ``.mypy.ini``, ``pyproject.toml`` with
  ``[tool.mypy]``, ``setup.cfg`` with ``[mypy]``) is passed explicitly, with
  its overrides; no strictness flag is ever added. Without one, mypy runs with
  its defaults (an empty configuration, so that neither a parent folder's nor
  the user's configuration leaks in). The files are the configuration's
  ``files`` (or ``modules``/``packages``), else the target's packages.
* **The typing environment** (``environments.ensure``, kind ``typing``) holds
  the target with the extras and dependency groups named in
  ``[tool.readiness.typing]``, by default those of ``dev``, ``test``, ``typing``,
  ``types`` that exist, so mypy sees the target's dependencies and the stub
  packages it declares; plus mypy: readiness's own version (:data:`MYPY_VERSION`)
  unless the target requires a version that excludes it, in which case the
  target's requirement decides. mypy runs there (``python -m mypy``) with
  ``-O json`` (mypy >= 1.11; older versions are read from their text output)
  and ``--cache-dir`` in the gate's scratch folder, so the target is not written to.
* **Strict scope.** ``[tool.readiness.typing] strict = [...]`` (module names,
  mypy patterns such as ``pkg.sub.*``, or shell globs) when set. Otherwise the
  modules whose *effective* mypy options (the global section, then the matching
  overrides, with mypy's own precedence) turn on ``disallow_untyped_defs`` and
  at least 6 of the other eleven per-module flags that ``--strict`` implies
  (:mod:`readiness.mypy_config`). ``disallow_untyped_defs`` alone is the usual
  first step of gradual typing, applied to whole trees, not a migration to
  strict typing; an override that lists most of the strict flags is one
  (``strict = true`` cannot be used per module: mypy then applies it to every
  module, which the gate models and reports as TY002). Any error in a
  strict-scoped module fails the gate.
* **Legacy ratchet.** Errors outside the strict scope are counted per module and
  compared with the ``typing`` section of the baseline file
  (:mod:`readiness.baselines`), which ``readiness baseline typing`` writes. Its
  keys are module, error code and message, never line numbers, so edits above
  an error do not churn it. A module with more errors than its baseline fails
  the gate, with the errors whose count grew; fewer is reported as improvement.
  Without a baseline, legacy errors are reported as findings but do not fail.
* **Missing stubs.** ``import-untyped``/``import-not-found`` errors are grouped
  by top-level package, with the stub distribution to install (mypy's own hint,
  else :data:`STUBS`) or the advice to keep ``ignore_missing_imports`` for that
  package only.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from readiness import baselines, command, environments
from readiness.cache import tool_folder
from readiness.errors import ConfigError
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    PROJECT_FILES,
    PYTHON_SOURCES,
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.mypy_config import (
    MypyConfig,
    StrictScope,
    boolean,
    module_name,
    read_config,
    source_files,
    strict_scope,
)
from readiness.target import Target
from readiness.wording import plural, summarise

MISSING_STUBS = Rule(
    id="TY001",
    title="no type information for an imported package",
    explanation=(
        "mypy cannot see the types of this package (no stubs installed, no"
        " py.typed marker, or the package is not installed), so every use of it is"
        " unchecked and every error mypy reports about the import stays open."
    ),
    fix=(
        "install the stub distribution in the dev extra; if none exists, keep"
        " ignore_missing_imports for that package only"
    ),
)
STRICT_OVERRIDE = Rule(
    id="TY002",
    title="`strict = true` in a mypy override applies to every module",
    explanation=(
        "mypy accepts `strict = true` inside [[tool.mypy.overrides]] or a"
        " [mypy-...] section without a warning, but turns strict mode on for the"
        " whole tree: legacy modules are then checked strictly too."
    ),
    fix=(
        "list the per-module flags --strict implies instead (disallow_untyped_defs,"
        " disallow_incomplete_defs, check_untyped_defs, ...)"
    ),
)
#: readiness's own rules, for renderers and documentation.
RULES = (MISSING_STUBS, STRICT_OVERRIDE)

#: The mypy readiness installs unless the target requires a version excluding it;
#: the version examples/legacy-app's figures were recorded with (PLANTED.md).
MYPY_VERSION = "2.4.1"
#: The first mypy with ``-O json``.
JSON_OUTPUT_SINCE = Version("1.11")
#: Extras and dependency groups installed by default, when the target has them.
DEFAULT_EXTRAS = ("dev", "test", "typing", "types")
#: Options of ``[tool.readiness.typing]``.
OPTIONS = frozenset({"timeout", "strict", "extras", "groups", "packages", "python"})
IMPORT_CODES = frozenset({"import-untyped", "import-not-found", "import"})
#: Stub distributions of untyped packages, by top-level import name.
STUBS = {
    "boto": "types-boto",
    "boto3": "boto3-stubs",
    "botocore": "botocore-stubs",
    "cachetools": "types-cachetools",
    "colorama": "types-colorama",
    "croniter": "types-croniter",
    "dateutil": "types-python-dateutil",
    "docutils": "types-docutils",
    "jsonschema": "types-jsonschema",
    "lxml": "lxml-stubs",
    "markdown": "types-Markdown",
    "mock": "types-mock",
    "networkx": "types-networkx",
    "openpyxl": "types-openpyxl",
    "pandas": "pandas-stubs",
    "paramiko": "types-paramiko",
    "psutil": "types-psutil",
    "psycopg2": "types-psycopg2",
    "pygments": "types-Pygments",
    "pymysql": "types-PyMySQL",
    "pytz": "types-pytz",
    "requests": "types-requests",
    "scipy": "scipy-stubs",
    "setuptools": "types-setuptools",
    "simplejson": "types-simplejson",
    "six": "types-six",
    "tabulate": "types-tabulate",
    "toml": "types-toml",
    "tqdm": "types-tqdm",
    "ujson": "types-ujson",
    "xmltodict": "types-xmltodict",
    "yaml": "types-PyYAML",
}
#: Fix hints for the most frequent mypy error codes.
FIXES = {
    "no-untyped-def": "annotate every parameter and the return type",
    "no-untyped-call": "annotate the function being called",
    "type-arg": "give the generic type its arguments, e.g. dict[str, int]",
    "no-any-return": "narrow or convert the value to the declared return type",
    "return-value": "return the declared type, or correct the annotation",
    "arg-type": "pass the declared type, or correct the annotation",
    "assignment": "assign the declared type; a None default needs `X | None`",
    "var-annotated": "annotate the variable, e.g. items: list[str] = []",
    "attr-defined": "use an attribute the type declares, or correct the type",
    "union-attr": "narrow the union (e.g. `if x is not None:`) before the access",
    "unused-ignore": "remove the `# type: ignore` that no longer silences anything",
    "syntax": "fix the syntax error: mypy stops at it",
    "import-untyped": "install the package's stubs (TY001 names them), or keep"
    " ignore_missing_imports for that package only",
    "import-not-found": "install the package (or its stubs) in the dev extra, or keep"
    " ignore_missing_imports for that package only",
}
DEFAULT_FIX = (
    "fix the code or its annotations (`# type: ignore[{code}]` only with a reason)"
)
#: How many names the figures list before "+N more".
TOP = 10

_QUOTED = re.compile(r'"([^"]+)"')
_PIP_HINT = re.compile(r"pip install ([A-Za-z0-9][A-Za-z0-9._\-\[\]]*)")
_LINE_NUMBER = re.compile(r"\bline \d+\b")
_TEXT_LINE = re.compile(
    r"^(?P<file>[^:\n]+?):(?P<line>\d+)(?::(?P<column>\d+))?: "
    r"(?P<severity>error|note): (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


# --- running mypy ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MypyError:
    path: str
    line: int | None
    column: int | None
    code: str
    message: str
    hint: str
    module: str

    @property
    def key(self) -> str:
        """The baseline key: code and message (line numbers in the message masked)."""
        return f"{self.code}: {_LINE_NUMBER.sub('line N', self.message)}"

    @property
    def location(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True, kw_only=True)
class TypingOptions:
    """``[tool.readiness.typing]``, checked: unknown keys are errors (usually typos)."""

    strict: tuple[str, ...] | None
    extras: tuple[str, ...]
    groups: tuple[str, ...]
    packages: tuple[str, ...]
    python: str | None


def read_options(ctx: GateContext) -> TypingOptions:
    options = ctx.options
    unknown = sorted(set(options.values) - OPTIONS)
    if unknown:
        raise ConfigError(
            f"[tool.readiness.typing] has unknown key {unknown[0]!r}; known keys: "
            + ", ".join(sorted(OPTIONS))
        )
    target = ctx.target
    extras = options.strings(
        "extras", tuple(n for n in DEFAULT_EXTRAS if n in target.extras)
    )
    groups = options.strings(
        "groups", tuple(n for n in DEFAULT_EXTRAS if n in target.dependency_groups)
    )
    for kind, names, declared in (
        ("extras", extras, target.extras),
        ("groups", groups, target.dependency_groups),
    ):
        missing = [name for name in names if name not in declared]
        if missing:
            have = ", ".join(sorted(declared)) or "none"
            raise ConfigError(
                f"[tool.readiness.typing] {kind}: the target declares no"
                f" {missing[0]!r} (it declares: {have})"
            )
    python = options.values.get("python")
    if python is not None and not isinstance(python, str):
        raise ConfigError('[tool.readiness.typing] python must be a string like "3.12"')
    return TypingOptions(
        strict=options.strings("strict") if "strict" in options.values else None,
        extras=extras,
        groups=groups,
        packages=options.strings("packages"),
        python=python,
    )


def declared(target: Target, extras: Sequence[str], groups: Sequence[str]) -> list[str]:
    """The requirements of ``extras`` (self-references expanded) and ``groups``."""
    own = canonicalize_name(target.name)
    found: list[str] = []
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in target.extras.get(extra, ()):
            parsed = _requirement(requirement)
            if parsed is not None and canonicalize_name(parsed.name) == own:
                pending.extend(parsed.extras)
            else:
                found.append(requirement)
    for group in groups:
        found.extend(target.dependency_groups.get(group, ()))
    return found


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def mypy_requirement(requirements: Iterable[str]) -> tuple[str, ...]:
    """``mypy==MYPY_VERSION`` unless the target's own requirement excludes it."""
    specifiers = [
        parsed.specifier
        for parsed in map(_requirement, requirements)
        if parsed is not None and canonicalize_name(parsed.name) == "mypy"
    ]
    ours = Version(MYPY_VERSION)
    if all(spec.contains(ours, prereleases=True) for spec in specifiers):
        return (f"mypy=={MYPY_VERSION}",)
    return ()


@dataclass(frozen=True, kw_only=True)
class Checked:
    """What one mypy run found, with what is needed to judge it."""

    config: MypyConfig
    scope: StrictScope
    errors: tuple[MypyError, ...]
    modules: tuple[str, ...]
    version: str
    duration_s: float
    blocked: bool

    @property
    def strict_errors(self) -> list[MypyError]:
        return [error for error in self.errors if error.module in self.scope]

    @property
    def legacy_errors(self) -> list[MypyError]:
        return [error for error in self.errors if error.module not in self.scope]

    @property
    def strict_modules(self) -> list[str]:
        return [module for module in self.modules if module in self.scope]


def check(ctx: GateContext) -> Checked:
    """Build (or reuse) the typing environment and run mypy there once."""
    options = read_options(ctx)
    target = ctx.target
    config = read_config(target)
    paths = () if config.selects_sources else target.packages
    if not config.selects_sources and not paths:
        raise GateSkipped(
            "no Python packages found and the mypy configuration names no files"
        )
    requirements = [
        *declared(target, options.extras, options.groups),
        *options.packages,
    ]
    env = environments.ensure(
        target,
        environments.Spec(
            kind="typing",
            extras=options.extras,
            groups=options.groups,
            packages=(*options.packages, *mypy_requirement(requirements)),
        ),
        run=quiet(ctx),
        python=options.python,
    )
    version = mypy_version(ctx, env.python)
    ctx.record_tool("mypy", str(version))
    if config.path is None:
        empty = ctx.scratch / "mypy.ini"
        empty.write_text("[mypy]\n", encoding="utf-8")
        config_file = str(empty)
    else:
        config_file = config.path
    json_output = version >= JSON_OUTPUT_SINCE
    args = [
        str(env.python),
        "-m",
        "mypy",
        "--config-file",
        config_file,
        "--cache-dir",
        str(tool_folder(ctx.settings, ctx.scratch, "mypy")),
        "--no-color-output",
        *(
            ("--error-summary", "-O", "json")  # a clean run prints its empty summary
            if json_output
            else ("--show-error-codes", "--no-pretty", "--no-error-summary")
        ),
        *paths,
    ]
    completed = ctx.run(args, ok_codes=(0, 1, 2)).require_complete()
    complaints = [
        line.strip()
        for line in completed.stderr.splitlines()
        if line.startswith(f"{config_file}:")
    ]
    if complaints:
        more = f" (and {len(complaints) - 1} more)" if len(complaints) > 1 else ""
        raise GateError(f"mypy rejects its configuration: {complaints[0]}{more}")
    parse = read_json if json_output else read_text
    errors = tuple(
        sorted(
            parse(target, completed.stdout),
            key=lambda e: (e.path, e.line or 0, e.column or 0, e.code),
        )
    )
    if completed.returncode == 2 and not errors:
        reason = command.last_line(completed.stderr or completed.stdout)
        raise GateError(f"mypy could not check the target: {reason}")
    if completed.returncode == 1 and not errors:
        # mypy exits 1 only with an error to report: anything else is a crash.
        reason = command.last_line(completed.stderr or completed.stdout)
        raise GateError(f"mypy exited with code 1 without reporting an error: {reason}")
    if json_output and completed.returncode == 0 and not completed.stdout:
        # -O json hides the "Success" text, not the line it is printed on.
        reason = command.last_line(completed.stderr)
        raise GateError(f"mypy exited with code 0 without its summary line: {reason}")
    files = source_files(target.root, config.files or paths, config)
    return Checked(
        config=config,
        scope=strict_scope(config, options.strict),
        errors=errors,
        modules=tuple(sorted({module_name(target.root, f) for f in files})),
        version=str(version),
        duration_s=round(completed.duration_s, 3),
        blocked=completed.returncode == 2,
    )


def quiet(ctx: GateContext) -> environments.Runner:
    """``ctx.run`` without recording: the report's command is mypy's, not uv's."""

    def run(args: Sequence[str], **options: Any) -> command.Completed:
        return ctx.run(args, **{**options, "record": False})

    return run


def mypy_version(ctx: GateContext, python: Path) -> Version:
    try:
        completed = ctx.run([str(python), "-m", "mypy", "--version"], record=False)
    except command.ToolFailed as error:
        raise GateError(
            f"mypy is not usable in the typing environment: {error}"
        ) from None
    match = re.search(r"mypy (\S+)", completed.stdout)
    try:
        return Version(match.group(1) if match else "")
    except InvalidVersion:
        raise GateError(
            f"mypy --version printed no version: {completed.stdout.strip()[:80]!r}"
        ) from None


def _error(
    target: Target,
    *,
    file: str,
    line: int | None,
    column: int | None,
    code: str | None,
    message: str,
    hint: str,
) -> MypyError:
    path = target.rel(file) if file else "<unknown>"
    return MypyError(
        path=path,
        line=line,
        column=column,
        code=code or "mypy",
        message=message.strip(),
        hint=hint.strip(),
        module=module_name(target.root, path) if file else "<unknown>",
    )


def read_json(target: Target, stdout: str) -> list[MypyError]:
    """``-O json``: one object per line; other lines (config notes) are skipped."""
    found = []
    for raw in stdout.splitlines():
        if not raw.startswith(("{", "[")):
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError:
            raise GateError(
                f"mypy printed a line that is not JSON: {raw[:80]!r}"
            ) from None
        if not (
            isinstance(item, dict)
            and isinstance(item.get("severity"), str)
            and isinstance(item.get("message"), str)
        ):
            raise GateError(f"mypy printed JSON that is not a message: {raw[:80]!r}")
        if item["severity"] != "error":
            continue
        line, column = item.get("line"), item.get("column")
        found.append(
            _error(
                target,
                file=str(item.get("file") or ""),
                line=line if isinstance(line, int) and line > 0 else None,
                column=column + 1 if isinstance(column, int) else None,
                code=item.get("code") if isinstance(item.get("code"), str) else None,
                message=str(item.get("message", "")),
                hint=str(item.get("hint") or ""),
            )
        )
    return found


def read_text(target: Target, stdout: str) -> list[MypyError]:
    """mypy < 1.11: ``file:line:col: error: message  [code]``; notes become hints."""
    found: list[MypyError] = []
    notes: dict[int, list[str]] = {}
    for raw in stdout.splitlines():
        match = _TEXT_LINE.match(raw.rstrip())
        if match is None:
            continue
        if match["severity"] == "note":
            if found and found[-1].path == target.rel(match["file"]):
                notes.setdefault(len(found) - 1, []).append(match["message"])
            continue
        found.append(
            _error(
                target,
                file=match["file"],
                line=int(match["line"]),
                column=int(match["column"]) if match["column"] else None,
                code=match["code"],
                message=match["message"],
                hint="",
            )
        )
    return [
        dataclasses.replace(error, hint="\n".join(notes.get(index, ())))
        for index, error in enumerate(found)
    ]


# --- judging ---------------------------------------------------------------------


def names(items: Sequence[str], top: int = TOP) -> str:
    shown = ", ".join(items[:top])
    return shown + (f", +{len(items) - top} more" if len(items) > top else "")


def error_finding(error: MypyError, *, severity: Severity, note: str = "") -> Finding:
    details: dict[str, str | int | float | bool] = {"module": error.module}
    if error.hint:
        details["hint"] = error.hint
    if error.column is not None:
        details["column"] = error.column
    return Finding(
        rule=error.code,
        severity=severity,
        priority=Priority.P1,
        message=f"{error.message}{note}",
        path=error.path if error.path != "<unknown>" else None,
        line=error.line,
        fix=FIXES.get(error.code, DEFAULT_FIX.format(code=error.code)),
        details=details,
    )


def stub_findings(errors: Sequence[MypyError]) -> list[Finding]:
    """One TY001 per top-level package that mypy has no types for."""
    by_package: dict[str, list[MypyError]] = {}
    for error in errors:
        if error.code not in IMPORT_CODES:
            continue
        quoted = _QUOTED.search(error.message)
        if quoted is None:
            continue
        by_package.setdefault(quoted.group(1).split(".")[0], []).append(error)
    findings = []
    for package, found in sorted(by_package.items()):
        hinted = next(
            (m.group(1) for e in found if (m := _PIP_HINT.search(e.hint))), None
        )
        stub = hinted or STUBS.get(package)
        untyped = all(e.code == "import-untyped" for e in found)
        if stub:
            advice = f"install {stub} (add it to the dev extra)"
        elif untyped:
            advice = (
                "no stub package is known: keep ignore_missing_imports for"
                f' module = ["{package}", "{package}.*"] only'
            )
        else:
            advice = (
                "not installed in the typing environment: declare the distribution"
                " that provides it (dev extra or [tool.readiness.typing] packages),"
                f' or keep ignore_missing_imports for module = ["{package}",'
                f' "{package}.*"] only'
            )
        where = ", ".join(e.location for e in found[:3])
        more = f", +{len(found) - 3} more" if len(found) > 3 else ""
        details: dict[str, str | int | float | bool] = {
            "package": package,
            "errors": len(found),
        }
        if stub:
            details["stub"] = stub
            details["source"] = "mypy's hint" if hinted else "readiness's stub table"
        findings.append(
            Finding(
                rule=MISSING_STUBS.id,
                severity=Severity.LOW,
                priority=Priority.P1,
                message=(
                    f'{MISSING_STUBS.title}: "{package}"'
                    f" ({plural(len(found), 'error')}: {where}{more}); {advice}"
                ),
                path=found[0].path,
                line=found[0].line,
                fix=(
                    f"add {stub} to the dev extra"
                    if stub
                    else f"ignore_missing_imports for {package} only"
                ),
                details=details,
            )
        )
    return findings


def override_findings(config: MypyConfig) -> list[Finding]:
    return [
        Finding(
            rule=STRICT_OVERRIDE.id,
            severity=Severity.LOW,
            priority=Priority.P1,
            message=f"{STRICT_OVERRIDE.title} (module = {', '.join(o.patterns)})",
            path=config.path,
            fix=STRICT_OVERRIDE.fix,
        )
        for o in config.overrides
        if boolean(o.options.get("strict"))
    ]


def legacy_counts(errors: Iterable[MypyError]) -> dict[str, dict[str, int]]:
    """``{module: {key: count}}``, keys and modules sorted: the baseline's content."""
    counts: dict[str, Counter[str]] = {}
    for error in errors:
        counts.setdefault(error.module, Counter())[error.key] += 1
    return {module: dict(sorted(counts[module].items())) for module in sorted(counts)}


def baseline_counts(
    section: Mapping[str, Any], where: Path
) -> dict[str, dict[str, int]]:
    modules = section.get("modules")
    if not isinstance(modules, dict) or not all(
        isinstance(keys, dict)
        and all(
            isinstance(count, int) and not isinstance(count, bool) and count >= 0
            for count in keys.values()
        )
        for keys in modules.values()
    ):
        raise ConfigError(
            f"{where}: the typing baseline must map modules to {{error: count}}"
            " objects (re-record it with `readiness baseline typing`)"
        )
    return {str(m): {str(k): c for k, c in keys.items()} for m, keys in modules.items()}


@dataclass(frozen=True, kw_only=True)
class Ratchet:
    criterion: Criterion
    findings: tuple[Finding, ...]
    metrics: Mapping[str, int | float | str]


def ratchet(
    legacy: Sequence[MypyError],
    baseline: Mapping[str, Mapping[str, int]] | None,
    where: str,
    *,
    versions: tuple[str, str] | None = None,
) -> Ratchet:
    """Compare the legacy errors with the baseline, module by module.

    ``versions``: the mypy that recorded the baseline and the one that ran, when
    they differ (a new mypy finds other errors: the counts are then said to be
    comparable only with care).
    """
    current = legacy_counts(legacy)
    text = "legacy error counts not above the baseline"
    errors_text = (
        f"{plural(len(legacy), 'legacy error')} in {plural(len(current), 'module')}"
    )
    if baseline is None:
        return Ratchet(
            criterion=Criterion(
                text=f"{text} (no baseline at {where}: {errors_text} reported,"
                " not failing; `readiness baseline typing` records one)",
                met=True,
            ),
            findings=tuple(error_finding(e, severity=Severity.LOW) for e in legacy),
            metrics={"baseline": "none"},
        )
    totals = {m: sum(keys.values()) for m, keys in current.items()}
    before = {m: sum(keys.values()) for m, keys in baseline.items()}
    regressed = sorted(m for m in totals if totals[m] > before.get(m, 0))
    improved = sorted(
        m for m in {*totals, *before} if totals.get(m, 0) < before.get(m, 0)
    )
    grown = {
        (module, key)
        for module in regressed
        for key, count in current[module].items()
        if count > baseline.get(module, {}).get(key, 0)
    }
    findings = tuple(
        error_finding(
            error,
            severity=Severity.MEDIUM,
            note=(
                f" (new since the baseline: {error.module} has"
                f" {totals[error.module]}, the baseline {before.get(error.module, 0)})"
            ),
        )
        for error in legacy
        if (error.module, error.key) in grown
    )

    def changes(modules: Sequence[str]) -> str:
        return names([f"{m} {before.get(m, 0)} -> {totals.get(m, 0)}" for m in modules])

    parts = [f"{errors_text}, baseline {sum(before.values())}"]
    if regressed:
        parts.append(f"regressed: {changes(regressed)}")
    if improved:
        parts.append(
            f"improved: {changes(improved)}; `readiness baseline typing` locks it in"
        )
    if versions is not None:
        parts.append(
            f"the baseline was recorded with mypy {versions[0]}, this run used"
            f" {versions[1]}"
        )
    return Ratchet(
        criterion=Criterion(text=f"{text} ({'; '.join(parts)})", met=not regressed),
        findings=findings,
        metrics={
            "baseline": where,
            "baseline_errors": sum(before.values()),
            "regressed": names(regressed) or "none",
            "improved": names(improved) or "none",
        },
    )


def evaluate(
    checked: Checked,
    baseline: Mapping[str, Mapping[str, int]] | None,
    where: str,
    *,
    recorded_with: str | None = None,
) -> Evaluation:
    strict = checked.strict_errors
    legacy = checked.legacy_errors
    scoped = checked.strict_modules
    if scoped:
        shown = names(scoped, 3) if len(scoped) <= 3 else plural(len(scoped), "module")
        scope_text = f"{shown}: {plural(len(strict), 'error')}"
    elif strict:
        scope_text = plural(len(strict), "error")
    else:
        scope_text = "no module is strict-scoped"
    criteria = [
        Criterion(
            text=f"mypy clean on the strict-scoped modules ({scope_text})",
            met=not strict,
        )
    ]
    versions = (
        (recorded_with, checked.version)
        if recorded_with is not None and recorded_with != checked.version
        else None
    )
    legacy_check = ratchet(legacy, baseline, where, versions=versions)
    stubs = stub_findings(checked.errors)
    criteria.append(legacy_check.criterion)
    if checked.blocked:
        first = checked.errors[0]
        criteria.append(
            Criterion(
                text="mypy checked every file (a blocking error stopped it at"
                f" {first.location}: {first.message})",
                met=False,
            )
        )
    return Evaluation(
        criteria=tuple(criteria),
        findings=(
            *(error_finding(e, severity=Severity.MEDIUM) for e in strict),
            *legacy_check.findings,
            *stubs,
            *override_findings(checked.config),
        ),
        metrics={
            "total": len(checked.errors),
            "strict": len(strict),
            "legacy": len(legacy),
            "strict_modules": len(scoped),
            "modules_checked": len(checked.modules),
            "strict_scope": checked.scope.source,
            "by_code": summarise(Counter(e.code for e in checked.errors), empty="none"),
            "top_modules": summarise(
                Counter(e.module for e in checked.errors), empty="none"
            ),
            "missing_stubs": names(
                [
                    f"{f.details['package']} ({f.details.get('stub', 'no stubs')})"
                    for f in stubs
                ]
            )
            or "none",
            **legacy_check.metrics,
            "config": checked.config.path or "none (mypy defaults)",
            "mypy_s": checked.duration_s,
        },
    )


class TypingGate(Gate):
    """mypy as the target configures it: strict scope clean, legacy no worse."""

    name = "typing"
    title = "mypy type check"
    priority = Priority.P1
    inputs = (
        PYTHON_SOURCES
        + PROJECT_FILES
        + ("mypy.ini", ".mypy.ini", "*py.typed", "readiness-baseline.json")
    )
    cost = 60.0

    def run(self, ctx: GateContext) -> Evaluation:
        path = baselines.location(ctx.target.root, ctx.settings.baseline)
        section = baselines.section(path, self.name)
        counts = None if section is None else baseline_counts(section, path)
        recorded_with = None if section is None else section.get("mypy")
        checked = check(ctx)
        return evaluate(
            checked,
            counts,
            ctx.target.rel(path),
            recorded_with=recorded_with if isinstance(recorded_with, str) else None,
        )

    def record_baseline(self, ctx: GateContext) -> baselines.Recorded:
        checked = check(ctx)
        if checked.blocked:
            first = checked.errors[0]
            raise GateError(
                f"mypy stopped at a blocking error ({first.location}: {first.message});"
                " fix it before recording a baseline"
            )
        legacy = checked.legacy_errors
        counts = legacy_counts(legacy)
        return baselines.Recorded(
            data={"mypy": checked.version, "modules": counts},
            summary=(
                f"{plural(len(legacy), 'legacy error')} in"
                f" {plural(len(counts), 'module')} (mypy {checked.version});"
                f" {plural(len(checked.strict_errors), 'error')} in the strict scope"
                " are not baselined"
            ),
        )
