"""The typing gate's findings: mypy's errors, missing stubs (TY001), global
``strict`` in an override (TY002).

mypy's own ``import-not-found``/``import-untyped`` errors are not findings of
their own: each is carried by the TY001 of its package (its location listed
there, each location once), which adds the advice; reporting both would show
one missing module twice (unearth: ``keyring`` at auth.py:64).

An optional import of a package the project does not declare is not a TY001:
an import in a ``try`` whose handler catches ImportError, outside the strict
scope, of a package none of the project's requirements (dependencies, extras,
groups) names. The package is absent by design (requests' ``simplejson``
fallback), so neither installing stubs nor declaring it is advice its
maintainers would take; :func:`optional_packages` finds them and the verdict
says, counted, what was left out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container, Sequence

from readiness.findings import Finding, Priority, Severity
from readiness.mypy_config import MypyConfig, boolean
from readiness.wording import plural

from .output import MypyError
from .rules import (
    DEFAULT_FIX,
    FIXES,
    IMPORT_CODES,
    MISSING_STUBS,
    STRICT_OVERRIDE,
    STUBS,
    TOP,
)

_QUOTED = re.compile(r'"([^"]+)"')
_PIP_HINT = re.compile(r"pip install ([A-Za-z0-9][A-Za-z0-9._\-\[\]]*)")


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


def by_package(errors: Sequence[MypyError]) -> dict[str, list[MypyError]]:
    """mypy's import errors by the top-level package they name."""
    found: dict[str, list[MypyError]] = {}
    for error in errors:
        if error.code not in IMPORT_CODES:
            continue
        quoted = _QUOTED.search(error.message)
        if quoted is None:
            continue
        found.setdefault(quoted.group(1).split(".")[0], []).append(error)
    return found


def optional_packages(
    errors: Sequence[MypyError],
    *,
    optional: Collection[tuple[str, int]],
    declared: Container[str],
    strict: Container[str],
) -> dict[str, list[MypyError]]:
    """The packages whose every import error is at an optional import (``(path,
    line)`` in ``optional``), in a module outside the ``strict`` scope, and that no
    requirement of the project provides (``declared``: normalised names)."""
    return {
        package: found
        for package, found in sorted(by_package(errors).items())
        if package.lower() not in declared
        and all((e.path, e.line) in optional and e.module not in strict for e in found)
    }


def locations(errors: Sequence[MypyError], top: int = 3) -> str:
    """Each location once, in order, the first ``top`` of them."""
    unique = list(dict.fromkeys(e.location for e in errors))
    more = f", +{len(unique) - top} more" if len(unique) > top else ""
    return ", ".join(unique[:top]) + more


def stub_findings(
    errors: Sequence[MypyError],
    *,
    strict: Container[str] = (),
    leave_out: Container[str] = (),
) -> list[Finding]:
    """One TY001 per top-level package that mypy has no types for (but those in
    ``leave_out``): Medium when one of its errors is in the ``strict`` scope."""
    findings = []
    for package, found in sorted(by_package(errors).items()):
        if package in leave_out:
            continue
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
                severity=(
                    Severity.MEDIUM
                    if any(e.module in strict for e in found)
                    else Severity.LOW
                ),
                priority=Priority.P1,
                message=(
                    f'{MISSING_STUBS.title}: "{package}"'
                    f" ({plural(len(found), 'error')}: {locations(found)}); {advice}"
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
