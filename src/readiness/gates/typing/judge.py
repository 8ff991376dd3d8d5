"""The typing gate's verdict: criteria, findings and metrics from one checker run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from readiness.findings import Criterion, Finding, Priority, Severity
from readiness.gates.interface import Evaluation
from readiness.wording import plural, summarise

from .checked import Checked
from .findings import (
    error_finding,
    locations,
    names,
    optional_packages,
    override_findings,
    stub_findings,
)
from .ratchet import ratchet
from .rules import IMPORT_CODES, NOT_ADOPTED


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
            text=f"{checked.checker.name} clean on the strict-scoped modules"
            f" ({scope_text})",
            met=not strict,
        )
    ]
    versions = (
        (recorded_with, checked.version)
        if recorded_with is not None and recorded_with != checked.version
        else None
    )
    legacy_check = ratchet(legacy, baseline, where, versions=versions)
    optional = optional_packages(
        checked.errors,
        optional=checked.optional_imports,
        declared=checked.provided,
        strict=checked.scope,
    )
    stubs = stub_findings(checked.errors, strict=checked.scope, leave_out=optional)
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
    criteria.extend(notes(checked))
    if optional:
        shown = "; ".join(f"{p} ({locations(found)})" for p, found in optional.items())
        criteria.append(
            Criterion(
                text=f"{plural(len(optional), 'optional import')} of a package the"
                " project does not declare left out of the missing-stub findings"
                f" (try/except ImportError fallbacks): {shown}",
                met=True,
            )
        )
    errors = [
        *(
            error_finding(e, severity=Severity.MEDIUM)
            for e in strict
            if e.code not in IMPORT_CODES
        ),
        *(f for f in legacy_check.findings if f.rule not in IMPORT_CODES),
    ]
    if errors and not checked.checker.adopted and baseline is None:
        errors = [not_adopted(checked, len(errors))]
    return Evaluation(
        title=f"{checked.checker.name} type check",
        criteria=tuple(criteria),
        findings=(
            *errors,
            *stubs,
            *(override_findings(checked.config) if checked.config else ()),
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
            "config": checked.config_file or f"none ({checked.checker.name} defaults)",
            f"{checked.checker.name}_s": checked.duration_s,
            **checker_metrics(checked, optional),
            **environment_metrics(checked),
        },
    )


def not_adopted(checked: Checked, count: int) -> Finding:
    """TY003: the one finding for the errors of a project that checks no types."""
    modules = Counter(e.module for e in checked.errors if e.code not in IMPORT_CODES)
    codes = Counter(e.code for e in checked.errors if e.code not in IMPORT_CODES)
    return Finding(
        rule=NOT_ADOPTED.id,
        severity=Severity.LOW,
        priority=Priority.P2,
        message=(
            f"no type checking adopted; {checked.checker.name} with its defaults"
            f" (readiness's choice) reports {plural(count, 'error')} in"
            f" {plural(len(modules), 'module')}, most: {summarise(codes, 3)}"
        ),
        fix=NOT_ADOPTED.fix,
        details={"errors": count, "modules": len(modules)},
    )


def checker_metrics(
    checked: Checked, optional: Mapping[str, object]
) -> dict[str, str | int]:
    """What differs from a plain mypy run: the checker, optional imports left out."""
    found: dict[str, str | int] = {}
    if checked.checker.name != "mypy":
        found["checker"] = f"{checked.checker.name} ({checked.checker.evidence})"
        found["warnings"] = checked.warnings
    if optional:
        found["optional_imports"] = names(list(optional))
    return found


def notes(checked: Checked) -> list[Criterion]:
    """What the run did differently from the project's own, said as held criteria:
    the gate judged what it could, and the reader learns what that was."""
    found = []
    if checked.python_version is not None:
        configured, used = checked.python_version
        found.append(
            Criterion(
                text=f"mypy checked the code for Python {used} (the configured"
                f" python_version {configured} is older than mypy {checked.version}"
                " supports)",
                met=True,
            )
        )
    prepared = checked.prepared
    if prepared is not None and prepared.not_installed is not None:
        found.append(
            Criterion(
                text="mypy checked the source with the dependencies installed but"
                f" not the target ({prepared.not_installed})",
                met=True,
            )
        )
    return found


def environment_metrics(checked: Checked) -> dict[str, str]:
    """Where the typing environment's versions came from, and what it holds."""
    prepared = checked.prepared
    if prepared is None:
        return {}
    found = {
        f"{checked.checker.name}_source": prepared.mypy_source,
        "versions_from": prepared.versions_from,
        "extras": ", ".join(prepared.extras) or "none",
        "guarded_extras": ", ".join(prepared.guarded_extras) or "none",
        "hook_packages": ", ".join(prepared.hook_packages) or "none",
        "target_installed": (
            "yes"
            if prepared.not_installed is None
            else f"no ({prepared.not_installed})"
        ),
    }
    if checked.python_version is not None:
        configured, used = checked.python_version
        found["python_version"] = f"{used} (configured {configured}: unsupported)"
    return found
