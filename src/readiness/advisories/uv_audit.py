"""``uv audit``: the OSV service, asked by uv about the lock's pins.

``uv audit`` audits a project or a PEP 723 script, not a requirements file, so
the lock's pins become the dependencies of a script written into the work
folder (``--script``). uv exits 1 when it finds vulnerabilities. Its JSON
(``--output-format json``, schema ``preview``) has, per vulnerability, the
dependency's name and version, ``id``, ``aliases``, ``summary``,
``description``, ``link`` and ``fix_versions``, and no severity: every
advisory from uv is ``unknown``. ``--service-url`` points it at an OSV mirror.
"""

from __future__ import annotations

import json
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
from readiness.command import last_line
from readiness.locks import Lock, Runner


class UvAudit(ToolSource):
    name = "uv audit"
    tool = "uv"

    def __init__(
        self,
        *,
        run: Runner,
        work: Path,
        python: str,
        service_url: str | None = None,
    ) -> None:
        super().__init__(run=run, work=work)
        self.python = python
        self.service_url = service_url

    def audit(self, lock: Lock) -> AuditResult:
        script = self.write(f"uv-audit-{lock.name}.py", script_for(lock, self.python))
        args = [
            "uv",
            "audit",
            "--script",
            str(script),
            "--output-format",
            "json",
            "--no-progress",
        ]
        if self.service_url:
            args += ["--service-url", self.service_url]
        completed = self.execute(args, ok_codes=(0, 1))
        if not completed.stdout.strip():  # it said why on stderr, if anywhere
            raise AdvisoryError(
                f"uv exited with code {completed.returncode} without its JSON"
                f" report: {last_line(completed.stderr)}"
            )
        return self.parse(completed.stdout, lock=lock.name)

    def parse(self, text: str, *, lock: str) -> AuditResult:
        data = self.read_json(text)
        vulnerabilities = as_mapping(data).get("vulnerabilities")
        if not isinstance(vulnerabilities, list) or not all(
            _is_vulnerability(item) for item in vulnerabilities
        ):
            raise self.unexpected("the expected vulnerabilities list")
        advisories = [_advisory(item) for item in vulnerabilities]
        notes = [
            f"uv reports an adverse status: {json.dumps(item, sort_keys=True)[:160]}"
            for item in as_list(as_mapping(data).get("adverse_statuses"))
        ]
        return AuditResult(
            source=self.describe(),
            lock=lock,
            advisories=ordered(advisories),
            notes=tuple(notes),
        )


def script_for(lock: Lock, python: str) -> str:
    """A PEP 723 script whose dependencies are the lock's pins."""
    lines = [
        "# /// script",
        f"# requires-python = {json.dumps('>=' + python)}",
        "# dependencies = [",
        *(f"#   {json.dumps(p.pin)}," for p in lock if p.version is not None),
        "# ]",
        "# ///",
    ]
    return "\n".join(lines) + "\n"


def _is_vulnerability(item: object) -> bool:
    dependency = as_mapping(as_mapping(item).get("dependency"))
    return (
        isinstance(as_mapping(item).get("id"), str)
        and isinstance(dependency.get("name"), str)
        and isinstance(dependency.get("version"), str)
    )


def _advisory(item: Mapping[str, Any]) -> Advisory:
    dependency = item["dependency"]
    summary = item.get("summary") or first_sentence(item.get("description"))
    return Advisory(
        id=str(item["id"]),
        aliases=tuple(str(a) for a in as_list(item.get("aliases"))),
        package=canonical(dependency["name"]),
        version=str(dependency["version"]),
        fixed=sorted_versions(str(v) for v in as_list(item.get("fix_versions"))),
        summary=str(summary),
        link=str(item.get("link") or f"https://osv.dev/vulnerability/{item['id']}"),
    )
