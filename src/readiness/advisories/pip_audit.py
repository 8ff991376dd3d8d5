"""``pip-audit``: the PyPI JSON API (or OSV), asked by pip-audit.

The lock's pins go into a requirements file audited with ``--no-deps
--disable-pip`` (every package is pinned, so nothing is resolved or
installed); the report is read from the file ``-o`` names. pip-audit exits 1
when it finds vulnerabilities. Its JSON format (``pip_audit/_format/json.py``)
lists ``dependencies``, each ``{name, version, vulns: [{id, fix_versions,
aliases, description}]}`` or ``{name, skip_reason}``, and no severity: every
advisory from pip-audit is ``unknown``. ``--osv-url`` (with the OSV service)
points it at an OSV mirror.

Without network pip-audit still exits 0, having skipped every package ("not
found on PyPI and could not be audited"): a report in which nothing was
audited is an error here, not a clean lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from readiness.advisories.interface import (
    Advisory,
    AdvisoryError,
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


class PipAudit(ToolSource):
    name = "pip-audit"
    tool = "pip-audit"

    def __init__(
        self, *, run: Runner, work: Path, service_url: str | None = None
    ) -> None:
        super().__init__(run=run, work=work)
        self.service_url = service_url

    def audit(self, lock: Lock) -> AuditResult:
        requirements = self.write(f"pip-audit-{lock.name}.txt", pins(lock))
        report = self.work / f"pip-audit-{lock.name}.json"
        report.unlink(missing_ok=True)
        args = [
            "pip-audit",
            "-r",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--output",
            str(report),
            "--aliases",
            "on",
            "--desc",
            "on",
            "--progress-spinner",
            "off",
        ]
        if self.service_url:
            args += ["--vulnerability-service", "osv", "--osv-url", self.service_url]
        completed = self.execute(args, ok_codes=(0, 1))
        return self.parse(self.read_report(report, completed), lock=lock.name)

    def parse(self, text: str, *, lock: str) -> AuditResult:
        dependencies = as_mapping(self.read_json(text)).get("dependencies")
        if not isinstance(dependencies, list) or not all(
            isinstance(as_mapping(d).get("name"), str) for d in dependencies
        ):
            raise self.unexpected("the expected dependencies list")
        advisories: list[Advisory] = []
        notes: list[str] = []
        for dependency in dependencies:
            if "skip_reason" in dependency:
                notes.append(
                    f"pip-audit skipped {dependency['name']}:"
                    f" {dependency['skip_reason']}"
                )
                continue
            for vuln in as_list(dependency.get("vulns")):
                if not isinstance(as_mapping(vuln).get("id"), str):
                    raise self.unexpected("an id for each vulnerability")
                advisories.append(_advisory(dependency, vuln))
        if dependencies and len(notes) == len(dependencies):
            raise AdvisoryError(
                f"pip-audit audited none of the {len(notes)} packages ({notes[0]})"
            )
        return AuditResult(
            source=self.describe(),
            lock=lock,
            advisories=ordered(advisories),
            notes=tuple(notes),
        )


def _advisory(dependency: Mapping[str, Any], vuln: Mapping[str, Any]) -> Advisory:
    return Advisory(
        id=vuln["id"],
        aliases=tuple(str(a) for a in as_list(vuln.get("aliases"))),
        package=canonical(dependency["name"]),
        version=str(dependency.get("version", "")),
        fixed=sorted_versions(str(v) for v in as_list(vuln.get("fix_versions"))),
        summary=first_sentence(vuln.get("description")),
        link=f"https://osv.dev/vulnerability/{vuln['id']}",
    )
