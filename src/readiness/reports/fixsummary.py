"""The plain-text account of a ``readiness fix`` run (the diff is printed apart).

A pure function of the :class:`~readiness.fixresults.FixResult`: what each fixer
changed, resolved and left, the findings no fixer takes, and the acceptance
criteria of the selected priorities after the re-audit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from readiness.findings import Finding, Priority
from readiness.fixresults import Changed, FixerRun, FixResult, Left, Skipped
from readiness.wording import plural

#: How many findings one summary line lists before "and N more".
MAX_LISTED = 8


def summary(result: FixResult) -> str:
    """The plain-text account of a fix run (the diff is printed separately)."""
    request = result.request
    scope = (
        request.priority.value
        if request.only
        else "..".join(sorted({Priority.P0.value, request.priority.value}))
    )
    head = f"readiness fix {scope} on {request.path}"
    if request.dry_run:
        head += " (dry run: nothing written)"
    lines = [head]
    if not result.gates:
        lines.append(f"no gate of priority {scope} is available yet: nothing to do")
        return "\n".join(lines) + "\n"
    verb = "would change" if request.dry_run else "changed"
    if not result.changed:
        lines.append("nothing to do: no file needs a change")
    else:
        lines.append(f"{verb} {plural(len(result.changed), 'file')}")
    for run in result.runs:
        lines.append("")
        lines.extend(_run_lines(run, dry_run=request.dry_run))
    if result.unfixable:
        lines.append("")
        lines.append(f"no automatic fix ({len(result.unfixable)} findings):")
        lines.extend(_grouped(result.unfixable))
    report = result.after or result.before
    if report is not None:
        items = [item for item in report.plan if item.priority in request.priorities]
        criteria = [c for item in items for c in item.criteria]
        met = sum(1 for c in criteria if c.met)
        label = "re-audit" if result.after is not None else "audit"
        lines.append("")
        lines.append(f"{label} {scope}: {met} of {len(criteria)} criteria met")
        lines.extend(f"  [{'x' if c.met else ' '}] {c.text}" for c in criteria)
    return "\n".join(lines) + "\n"


def _run_lines(run: FixerRun, *, dry_run: bool) -> list[str]:
    outcome = run.outcome
    if isinstance(outcome, Changed):
        state = "would change" if dry_run else "changed"
        state += " " + ", ".join(run.files)
    elif isinstance(outcome, Skipped):
        state = f"skipped: {outcome.reason}"
    else:
        state = f"FAILED: {outcome.reason}"
    lines = [f"{run.name} ({run.title}): {state}"]
    if run.resolved:
        verb = "would resolve" if dry_run else "resolved"
        lines.append(f"  {verb} {len(run.resolved)}:")
        lines.extend(_grouped([Left(finding=f, reason="") for f in run.resolved]))
    lines.extend(f"  note: {note}" for note in run.notes)
    if run.left:
        lines.append(f"  left {len(run.left)}:")
        lines.extend(_grouped(run.left))
    return lines


def _grouped(left: Sequence[Left]) -> list[str]:
    """One line per (rule, reason), with the places it applies to."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for item in left:
        groups[(item.finding.rule, item.reason)].append(item.finding)
    lines = []
    for (rule, reason), findings in groups.items():
        places = list(dict.fromkeys(f.location for f in findings if f.location))
        text = f"    {rule}"
        if places:
            text += " " + ", ".join(places[:MAX_LISTED])
            if len(places) > MAX_LISTED:
                text += f" and {len(places) - MAX_LISTED} more"
        lines.append(f"{text}: {reason}" if reason else text)
    return lines
