"""The typing gate's findings: mypy's errors, missing stubs (TY001), global
``strict`` in an override (TY002)."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
