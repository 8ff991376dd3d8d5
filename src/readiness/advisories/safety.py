"""``safety check``: Safety's vulnerability database, asked by safety.

The lock's pins go into a requirements file; the report is read from the file
``--save-json`` names (stdout also carries a deprecation banner). safety exits
64 when it finds vulnerabilities. Its JSON report (``safety/formatters/json.py``,
``json_version`` 1.1) lists ``vulnerabilities``, each with
``vulnerability_id``, ``package_name``, ``analyzed_version``, ``advisory``,
``fixed_versions``, ``CVE``, ``severity`` (``cvssv3`` / ``cvssv2`` with
``base_score`` and ``base_severity``, or null) and ``more_info_url``.
Safety's numeric IDs are shown as ``PYUP-<n>``; the bare number stays an
alias, so a waiver may name either. ``--db`` points it at a local mirror of
its database.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from readiness.advisories.interface import (
    Advisory,
    AdvisorySeverity,
    AuditResult,
    ToolSource,
    as_list,
    as_mapping,
    canonical,
    first_sentence,
    ordered,
    sorted_versions,
)
from readiness.locks import Lock, Runner, pins

EXIT_VULNERABLE = 64


class Safety(ToolSource):
    name = "safety"
    tool = "safety"

    def __init__(self, *, run: Runner, work: Path, db: str | None = None) -> None:
        super().__init__(run=run, work=work)
        self.db = db

    def audit(self, lock: Lock) -> AuditResult:
        requirements = self.write(f"safety-{lock.name}.txt", pins(lock))
        report = self.work / f"safety-{lock.name}.json"
        report.unlink(missing_ok=True)
        args = [
            "safety",
            "--disable-optional-telemetry",
            "check",
            "-r",
            str(requirements),
            "--output",
            "json",
            "--save-json",
            str(report),
        ]
        if self.db:
            args += ["--db", self.db]
        completed = self.execute(args, ok_codes=(0, EXIT_VULNERABLE))
        return self.parse(self.read_report(report, completed), lock=lock.name)

    def parse(self, text: str, *, lock: str) -> AuditResult:
        vulnerabilities = as_mapping(self.read_json(text)).get("vulnerabilities")
        if not isinstance(vulnerabilities, list) or not all(
            _is_vulnerability(item) for item in vulnerabilities
        ):
            raise self.unexpected("the expected vulnerabilities list")
        return AuditResult(
            source=self.describe(),
            lock=lock,
            advisories=ordered(_advisory(item) for item in vulnerabilities),
        )


def _is_vulnerability(item: object) -> bool:
    entry = as_mapping(item)
    return (
        entry.get("vulnerability_id") is not None
        and isinstance(entry.get("package_name"), str)
        and isinstance(entry.get("analyzed_version"), str)
    )


def _advisory(item: Mapping[str, Any]) -> Advisory:
    number = str(item["vulnerability_id"])
    aliases = [number]
    if item.get("CVE"):
        aliases.append(str(item["CVE"]))
    severity, score = severity_of(item.get("severity"))
    return Advisory(
        id=f"PYUP-{number}",
        aliases=tuple(aliases),
        package=canonical(item["package_name"]),
        version=str(item["analyzed_version"]),
        fixed=sorted_versions(str(v) for v in as_list(item.get("fixed_versions"))),
        severity=severity,
        score=score,
        summary=first_sentence(item.get("advisory")),
        link=str(item.get("more_info_url") or ""),
    )


def severity_of(raw: object) -> tuple[AdvisorySeverity, float | None]:
    """CVSS v3 first, then v2: the score when given, else the label."""
    for key in ("cvssv3", "cvssv2"):
        cvss = as_mapping(as_mapping(raw).get(key))
        score = cvss.get("base_score")
        if isinstance(score, int | float) and not isinstance(score, bool):
            return AdvisorySeverity.from_score(float(score)), float(score)
        label = AdvisorySeverity.from_label(cvss.get("base_severity"))
        if label is not AdvisorySeverity.UNKNOWN:
            return label, None
    return AdvisorySeverity.UNKNOWN, None
