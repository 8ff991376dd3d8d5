"""The field benchmark: the full audit on each project of the field corpus.

Not a test: run it by hand, from the repository root, and commit what it writes.

    python -m benchmarks.field [--project NAME]... [--advisory-db FILE_OR_DIR]
    python -m benchmarks.field --render-only

For each project of ``tests/field/corpus.toml`` (real sdists pinned by hash,
see ``tests/field/corpus.py``) it checks the sources out into a fresh git
repository, runs ``readiness audit ROOT --format json --out DIR`` there and
keeps the report under ``--reports`` (default: the corpus cache's
``reports/`` folder). Then it writes ``docs/field.md``: per project and gate,
the status, the findings by severity and rule, and the time; and a sample of
each project's findings judged by hand.

The judgments live in ``benchmarks/field-judgments.toml``, keyed by finding
fingerprint and location (a judgment whose fingerprint changed, because a gate
reworded its message, is still found by rule and location). The sample is fixed by the
report, not chosen by the judge: one finding per rule in turn, worst severity
first, then by location, up to ``SAMPLE`` findings per project. Sampled
findings nobody has judged yet are listed in the page and printed as TOML to
fill in. ``--render-only`` re-renders from the kept reports after editing the
judgments, without auditing again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess  # nosec B404 - runs readiness and git with fixed argument lists
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness.atomicio import write_text_atomic
from tests.field import corpus

ROOT = Path(__file__).resolve().parent.parent
JUDGMENTS = Path(__file__).resolve().parent / "field-judgments.toml"
OUTPUT = ROOT / "docs" / "field.md"
SAMPLE = 10
SEVERITIES = ("critical", "high", "medium", "low", "info")
VERDICTS = ("true", "false")


@dataclass(frozen=True, kw_only=True)
class Judgment:
    project: str
    fingerprint: str
    rule: str
    location: str
    verdict: str
    why: str


@dataclass(frozen=True, kw_only=True)
class Run:
    """One project's kept audit: the report, and how the audit itself went."""

    project: corpus.Project
    report: Mapping[str, Any] | None
    meta: Mapping[str, Any]


def location(finding: Mapping[str, Any]) -> str:
    if finding.get("path") is None:
        return "-"
    line = finding.get("line")
    return finding["path"] if line is None else f"{finding['path']}:{line}"


def load_judgments(path: Path = JUDGMENTS) -> list[Judgment]:
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    judgments = []
    for entry in data.get("judgment", []):
        if entry["verdict"] not in VERDICTS:
            raise SystemExit(
                f"{path.name}: verdict {entry['verdict']!r} is not true or false"
            )
        judgments.append(
            Judgment(
                project=entry["project"],
                fingerprint=entry["fingerprint"],
                rule=entry["rule"],
                location=entry["location"],
                verdict=entry["verdict"],
                why=entry["why"],
            )
        )
    return judgments


class Judge:
    """Judgments of one project, by fingerprint and location, else rule and location.

    The fingerprint leaves the line out, so two findings of one rule and message
    in a file share it: the location tells them apart. A judgment whose finding
    the report no longer has (a gate reworded its message) is found by rule and
    location.
    """

    def __init__(
        self,
        project: str,
        judgments: Iterable[Judgment],
        present: Iterable[tuple[str, str]],
    ) -> None:
        mine = [j for j in judgments if j.project == project]
        keys = set(present)
        self.exact = {(j.fingerprint, j.location): j for j in mine}
        self.by_site = {
            (j.rule, j.location): j
            for j in mine
            if (j.fingerprint, j.location) not in keys
        }

    def of(self, finding: Mapping[str, Any]) -> Judgment | None:
        return self.exact.get(
            (finding["fingerprint"], location(finding))
        ) or self.by_site.get((finding["rule"], location(finding)))


def findings_of(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {**finding, "gate": gate["name"]}
        for gate in report["gates"]
        for finding in gate["findings"]
    ]


def sample(findings: Sequence[Mapping[str, Any]], size: int = SAMPLE) -> list[Any]:
    """One finding per rule in turn, rules by worst severity, each by location."""
    by_rule: dict[str, list[Mapping[str, Any]]] = {}
    ordered = sorted(
        findings,
        key=lambda f: (
            SEVERITIES.index(f["severity"]),
            f["rule"],
            f.get("path") or "",
            f.get("line") or 0,
        ),
    )
    for finding in ordered:
        by_rule.setdefault(finding["rule"], []).append(finding)
    picked: list[Mapping[str, Any]] = []
    while len(picked) < size and any(by_rule.values()):
        for queue in by_rule.values():
            if queue and len(picked) < size:
                picked.append(queue.pop(0))
    return picked


# --- running the audits -------------------------------------------------------


def git_commit() -> str:
    done = subprocess.run(  # nosec B603 B607 - git with fixed arguments
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def audit(
    project: corpus.Project, reports: Path, advisory_db: Path | None
) -> dict[str, Any]:
    """Check the project out, audit it, keep the report; return the run's facts."""
    out = reports / project.key
    out.mkdir(parents=True, exist_ok=True)
    (out / "readiness-report.json").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="field-") as work:
        root = corpus.checkout(project, Path(work) / "src")
        database = ["--advisory-db", str(advisory_db)] if advisory_db else []
        started = time.monotonic()
        done = subprocess.run(  # nosec B603 - this interpreter, fixed arguments
            [
                *(sys.executable, "-m", "readiness", "audit", str(root)),
                *("--format", "json", "--out", str(out), *database),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "UV_EXCLUDE_NEWER": corpus.EXCLUDE_NEWER},
        )
        wall = time.monotonic() - started
    meta = {
        "exit_code": done.returncode,
        "wall_s": round(wall, 1),
        "readiness_commit": git_commit(),
        "advisory_db": advisory_db.name if advisory_db else None,
        "stderr_tail": done.stderr.strip().splitlines()[-3:],
    }
    write_text_atomic(out / "run.json", json.dumps(meta, indent=1) + "\n")
    return meta


def load_runs(projects: Sequence[corpus.Project], reports: Path) -> list[Run]:
    runs = []
    for project in projects:
        folder = reports / project.key
        report_file = folder / "readiness-report.json"
        meta_file = folder / "run.json"
        runs.append(
            Run(
                project=project,
                report=(
                    json.loads(report_file.read_text(encoding="utf-8"))
                    if report_file.is_file()
                    else None
                ),
                meta=(
                    json.loads(meta_file.read_text(encoding="utf-8"))
                    if meta_file.is_file()
                    else {}
                ),
            )
        )
    return runs


# --- rendering ----------------------------------------------------------------


def cell(text: str, limit: int = 160) -> str:
    one_line = " ".join(str(text).split()).replace("|", "\\|")
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def by_severity(findings: Iterable[Mapping[str, Any]]) -> str:
    counts = Counter(f["severity"] for f in findings)
    return " ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s]) or "0"


def by_rule(findings: Iterable[Mapping[str, Any]]) -> str:
    counts = Counter(f["rule"] for f in findings)
    return ", ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))


@dataclass
class Tally:
    judged: int = 0
    true: int = 0
    false_high: int = 0
    unjudged: int = 0

    def add(self, other: Tally) -> None:
        self.judged += other.judged
        self.true += other.true
        self.false_high += other.false_high
        self.unjudged += other.unjudged

    @property
    def precision(self) -> str:
        return f"{100 * self.true / self.judged:.0f} %" if self.judged else "-"


def render_project(run: Run, judge: Judge, stubs: list[str]) -> tuple[list[str], Tally]:
    project, report = run.project, run.report
    lines = [f"### {project.name} {project.version}", ""]
    lines.append(f"Covers: {', '.join(project.covers)}.")
    tally = Tally()
    if report is None:
        return [*lines, "", "Not audited yet.", ""], tally
    meta = run.meta
    lines += [
        "",
        (
            f"Verdict **{report['verdict']}**, exit code {meta.get('exit_code', '?')},"
            f" {meta.get('wall_s', '?')} s wall for the whole audit."
        ),
        "",
        "| gate | status | findings | rules | time s | reason |",
        "| --- | --- | --- | --- | ---: | --- |",
    ]
    for gate in report["gates"]:
        lines.append(
            f"| {gate['name']} | {gate['status']} | {by_severity(gate['findings'])}"
            f" | {cell(by_rule(gate['findings']), 120)}"
            f" | {gate['duration_s']:.1f} | {cell(gate['reason'] or '', 140)} |"
        )
    lines += provenance(report)
    findings = findings_of(report)
    picked = sample(findings)
    picked_ids = {id(f) for f in picked}
    extra = [f for f in findings if id(f) not in picked_ids and judge.of(f)]
    lines += [
        "",
        f"Judged by hand: the sample of {len(picked)} of {len(findings)} findings"
        + (f", and {len(extra)} more" if extra else "")
        + ".",
        "",
        "| judged | gate | rule | severity | location | finding | why |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for finding in [*picked, *extra]:
        judgment = judge.of(finding)
        if judgment is None:
            tally.unjudged += 1
            verdict, why = "**unjudged**", ""
            stubs.append(stub(project, finding))
        else:
            tally.judged += 1
            tally.true += judgment.verdict == "true"
            tally.false_high += judgment.verdict == "false" and finding["severity"] in (
                "critical",
                "high",
            )
            verdict, why = judgment.verdict, judgment.why
        lines.append(
            f"| {verdict} | {finding['gate']} | {finding['rule']}"
            f" | {finding['severity']} | `{location(finding)}`"
            f" | {cell(finding['message'])} | {cell(why, 400)} |"
        )
    lines += [
        "",
        (
            f"Precision of the judged findings: {tally.precision}"
            f" ({tally.true} of {tally.judged} true); false alarms at High or"
            f" Critical: {tally.false_high}."
        ),
        "",
    ]
    return lines, tally


#: Gate metrics that say where an environment, a configuration or a tool's
#: version came from (the target's own, or readiness's default).
PROVENANCE_KEYS = ("environment", "versions_from", "config", "formatter", "linter")


def provenance(report: Mapping[str, Any]) -> list[str]:
    """Where each gate's environment, configuration and tool versions came from."""
    rows = []
    for gate in report["gates"]:
        metrics = gate.get("metrics")
        if not isinstance(metrics, Mapping):
            continue
        said = [
            f"{key} {metrics[key]}"
            for key in sorted(metrics)
            if key in PROVENANCE_KEYS or key.endswith(("_source", "_evidence"))
        ]
        if said:
            rows.append(f"| {gate['name']} | {cell('; '.join(said), 300)} |")
    if not rows:
        return []
    return [
        "",
        "Where the gates' environments, configurations and tool versions came from:",
        "",
        "| gate | from |",
        "| --- | --- |",
        *rows,
    ]


def stub(project: corpus.Project, finding: Mapping[str, Any]) -> str:
    return "\n".join(
        (
            "[[judgment]]",
            f'project = "{project.name}"',
            f'fingerprint = "{finding["fingerprint"]}"',
            f'rule = "{finding["rule"]}"',
            f"location = {json.dumps(location(finding))}",
            f"# {cell(finding['message'], 200)}",
            'verdict = ""',
            'why = ""',
            "",
        )
    )


def render(runs: Sequence[Run], judgments: Sequence[Judgment]) -> tuple[str, list[str]]:
    stubs: list[str] = []
    sections: list[str] = []
    total = Tally()
    rows = []
    for run in runs:
        report = run.report
        findings = findings_of(report) if report else []
        judge = Judge(
            run.project.name,
            judgments,
            ((f["fingerprint"], location(f)) for f in findings),
        )
        section, tally = render_project(run, judge, stubs)
        sections += section
        total.add(tally)
        rows.append(
            f"| {run.project.name} | {run.project.version}"
            f" | {report['verdict'] if report else 'not run'}"
            f" | {len(findings)} | {by_severity(findings)}"
            f" | {tally.judged} | {tally.precision} | {tally.false_high}"
            f" | {run.meta.get('wall_s', '-')} |"
        )
    commits = sorted({str(r.meta.get("readiness_commit")) for r in runs if r.meta})
    databases = sorted({str(r.meta.get("advisory_db")) for r in runs if r.meta})
    head = [
        "# The field corpus: readiness on real projects",
        "",
        (
            "Generated by `python -m benchmarks.field` from the audits it keeps; do not"
            " edit by hand. The projects are real releases, their sdists pinned by hash"
            " in `tests/field/corpus.toml`; each is checked out into a fresh git"
            " repository and audited with `readiness audit ROOT --format json` (locks"
            f" resolved as of {corpus.EXCLUDE_NEWER}). The judgments are in"
            " `benchmarks/field-judgments.toml`: each says whether a finding is true (a"
            " maintainer should act on it) or false (a false alarm), and why, from"
            " reading the flagged code. The sample is fixed by the report: one finding"
            f" per rule in turn, worst severity first, up to {SAMPLE} per project."
        ),
        "",
        (
            f"readiness commit: {', '.join(commits) or '-'}; advisory database:"
            f" {', '.join(databases) or '-'}."
        ),
        "",
        (
            "| project | version | verdict | findings | by severity | judged"
            " | precision | false alarms at High+ | audit s |"
        ),
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        (
            f"Overall: {total.true} of {total.judged} judged findings true"
            f" ({total.precision}); {total.false_high} false alarms at High or"
            f" Critical; {total.unjudged} sampled findings unjudged."
        ),
        "",
        "## Per project",
        "",
    ]
    return "\n".join(head + sections).rstrip() + "\n", stubs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="NAME",
        help="audit only this project (repeatable); the page shows every kept report",
    )
    parser.add_argument("--advisory-db", type=Path, metavar="FILE_OR_DIR")
    parser.add_argument(
        "--reports",
        type=Path,
        default=corpus.cache_dir() / "reports",
        metavar="DIR",
        help="where the audits' reports are kept (default: %(default)s)",
    )
    parser.add_argument(
        "--render-only", action="store_true", help="re-render from kept reports"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, metavar="FILE")
    args = parser.parse_args(argv)
    projects = corpus.load()
    unknown = set(args.project) - {p.name for p in projects}
    if unknown:
        parser.error(f"not in the corpus: {', '.join(sorted(unknown))}")
    if args.advisory_db is not None and not args.advisory_db.exists():
        parser.error(f"--advisory-db {args.advisory_db}: no such file or folder")
    if not args.render_only:
        for project in projects:
            if args.project and project.name not in args.project:
                continue
            print(f"auditing {project.key} ...", flush=True)
            try:
                meta = audit(project, args.reports, args.advisory_db)
            except corpus.Unreachable as error:
                print(f"  skipped: the package index cannot be reached: {error}")
                continue
            print(f"  exit {meta['exit_code']} in {meta['wall_s']} s", flush=True)
    page, stubs = render(load_runs(projects, args.reports), load_judgments())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.output, page)
    print(f"wrote {args.output}")
    if stubs:
        print(f"\n# {len(stubs)} sampled findings are unjudged:\n")
        print("\n".join(stubs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
