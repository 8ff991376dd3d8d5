"""The nox sessions as a CI matrix: ``readiness ci github`` and ``invoke ci-matrix``.

The matrix is never a hand-kept list: it is what ``nox -l --json -t ci``
prints in the project (nox lists the sessions a tag selects, parametrised
Pythons expanded). Each matrix job runs one session; the sessions tagged
``report`` pass ``--format json --out DIR`` to ``readiness audit`` and upload
that partial report; a last job merges them with ``readiness report merge``,
uploads the SARIF to code scanning and writes the Markdown into the job
summary. :func:`render_github` is pure; reading nox and writing the file
happen at the edges.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from readiness import command
from readiness.atomicio import write_text_atomic
from readiness.errors import UsageError

#: The tag that puts a nox session into the CI matrix.
CI_TAG = "ci"
#: The tag of sessions that write a partial readiness report.
REPORT_TAG = "report"
#: Where the workflow goes, relative to the project.
WORKFLOW = Path(".github/workflows/readiness.yml")
#: Where each job writes its partial report, relative to the checkout.
REPORTS = "readiness-reports"
#: The Python that runs readiness itself in the merge job.
MERGE_PYTHON = "3.11"


@dataclass(frozen=True, kw_only=True)
class NoxSession:
    """One line of ``nox -l --json``."""

    session: str
    python: str | None
    tags: tuple[str, ...]
    description: str

    @property
    def reports(self) -> bool:
        return REPORT_TAG in self.tags


def parse_listing(text: str) -> list[NoxSession]:
    """The sessions of ``nox -l --json`` output; a one-line error when it is not."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"nox -l --json printed no JSON: {exc.msg}") from None
    if not isinstance(data, list):
        raise UsageError("nox -l --json printed JSON that is not a list of sessions")
    sessions = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("session"), str):
            raise UsageError("nox -l --json printed a session without a name")
        python = item.get("python")
        tags = item.get("tags") or []
        sessions.append(
            NoxSession(
                session=item["session"],
                python=python if isinstance(python, str) else None,
                tags=tuple(str(tag) for tag in tags),
                description=str(item.get("description") or ""),
            )
        )
    return sessions


def list_sessions(root: Path, *, tag: str = CI_TAG) -> list[NoxSession]:
    """``nox -l --json -t TAG`` in ``root``, run with this interpreter's nox."""
    if not (root / "noxfile.py").is_file():
        raise UsageError(f"{root}: no noxfile.py; the CI matrix is its nox sessions")
    try:
        completed = command.run(
            [sys.executable, "-m", "nox", "-l", "--json", "-t", tag],
            cwd=root,
            timeout_s=120,
        )
    except command.ToolError as exc:
        raise UsageError(f"cannot list the nox sessions: {exc}") from None
    sessions = parse_listing(completed.stdout)
    if not sessions:
        raise UsageError(f"no nox session is tagged {tag!r} in {root / 'noxfile.py'}")
    return sessions


def matrix(sessions: Sequence[NoxSession]) -> list[dict[str, Any]]:
    """The ``strategy.matrix.include`` list: one entry per session, in nox's order."""
    return [
        {
            "session": session.session,
            "python": session.python or MERGE_PYTHON,
            "report": session.reports,
        }
        for session in sessions
    ]


def _install_steps(python: str, *, locked: bool) -> list[dict[str, Any]]:
    install = (
        "python -m pip install --require-hashes -r constraints/dev.txt"
        " && python -m pip install --no-deps -e ."
        if locked
        else "python -m pip install nox uv -e ."
    )
    return [
        {"uses": "actions/checkout@v4"},
        {"uses": "actions/setup-python@v5", "with": {"python-version": python}},
        {"name": "Install readiness and nox", "run": install},
    ]


def render_github(sessions: Sequence[NoxSession], *, locked: bool) -> str:
    """The GitHub Actions workflow (``locked``: install from constraints/dev.txt)."""
    out = f"{REPORTS}/${{{{ matrix.session }}}}"
    session_job: dict[str, Any] = {
        "name": "nox -s ${{ matrix.session }}",
        "runs-on": "ubuntu-latest",
        "strategy": {"fail-fast": False, "matrix": {"include": matrix(sessions)}},
        "steps": [
            *_install_steps("${{ matrix.python }}", locked=locked),
            {
                "name": "Run the session",
                "if": "${{ !matrix.report }}",
                "run": 'python -m nox -s "${{ matrix.session }}"',
            },
            {
                "name": "Run the session's gates, writing a partial report",
                "if": "${{ matrix.report }}",
                "run": (
                    'python -m nox -s "${{ matrix.session }}" --'
                    f' . --format json --out "{out}"'
                ),
            },
            {
                "name": "Upload the partial report",
                "if": "${{ always() && matrix.report }}",
                "uses": "actions/upload-artifact@v4",
                "with": {
                    "name": "readiness-${{ matrix.session }}",
                    "path": out,
                    "if-no-files-found": "ignore",
                },
            },
        ],
    }
    merge_job: dict[str, Any] = {
        "name": "Merged readiness report",
        "needs": "session",
        "if": "${{ always() }}",
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "read", "security-events": "write"},
        "steps": [
            *_install_steps(MERGE_PYTHON, locked=locked),
            {
                "uses": "actions/download-artifact@v4",
                "with": {"pattern": "readiness-*", "path": REPORTS},
            },
            {
                "name": "Merge the partial reports",
                "run": (
                    "python -m readiness report merge"
                    f" {REPORTS}/*/readiness-report.json"
                    " --format sarif --format md --format json --out readiness-merged"
                ),
            },
            {
                "name": "Upload the SARIF to code scanning",
                "if": "${{ always() && hashFiles('readiness-merged/*.sarif') != '' }}",
                "uses": "github/codeql-action/upload-sarif@v3",
                "with": {
                    "sarif_file": "readiness-merged/readiness-report.sarif",
                    "category": "readiness",
                },
            },
            {
                "name": "Write the gap analysis into the job summary",
                "if": "${{ always() }}",
                "run": (
                    "cat readiness-merged/readiness-report.md"
                    ' >> "$GITHUB_STEP_SUMMARY" || true'
                ),
            },
        ],
    }
    workflow = {
        "name": "readiness",
        "on": {"push": {"branches": ["main"]}, "pull_request": {}},
        "permissions": {"contents": "read"},
        "jobs": {"session": session_job, "report": merge_job},
    }
    header = (
        "# Generated by `readiness ci github` from `nox -l --json -t ci`;\n"
        "# regenerate it after changing the nox sessions, do not edit it by hand.\n"
    )
    return header + yaml.safe_dump(workflow, sort_keys=False, width=100)


def write_github(root: Path) -> Path:
    """Write ``root``'s workflow from its nox sessions; the path written."""
    sessions = list_sessions(root)
    text = render_github(sessions, locked=(root / "constraints" / "dev.txt").is_file())
    path = root / WORKFLOW
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
    return path
