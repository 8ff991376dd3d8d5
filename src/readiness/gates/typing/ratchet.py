"""The legacy ratchet: errors outside the strict scope, per module, against the
``typing`` section of the baseline file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness.errors import ConfigError
from readiness.findings import Criterion, Finding, Severity
from readiness.wording import plural

from .findings import error_finding, names
from .output import MypyError


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
