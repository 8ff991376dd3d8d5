"""``readiness fix``: audit → assign findings → run fixers → write → re-audit.

0. An interrupted fix's journal is recovered first (:func:`journal.recover`:
   finished or undone), whoever calls :func:`fix`; a dry run refuses it
   instead (it must not write). The command line recovers before calling
   :func:`fix`, to print what the recovery did.
1. Unless it is a dry run or ``--allow-dirty`` is given, the target must be a
   git work tree without uncommitted changes to tracked files under it, so
   that ``git diff`` shows exactly what readiness changed and ``git checkout``
   undoes it. A target outside git is refused too (without git nothing shows
   the change or undoes it); ``--allow-dirty`` accepts both. Untracked files
   do not count: they are not part of ``git diff``. The refusal comes before
   any gate runs (a one-line error, exit 2), so nobody waits for an audit
   whose fixes could not be written. A read-only target (its folder not
   writable) is refused the same way, ``--allow-dirty`` or not.
2. The gates of the selected priorities run (``--priority P1`` selects P0 and
   P1, ``--only`` just P1), and each of their findings at those priorities goes
   to the fixer :func:`readiness.fixers.routing.route` picks for it.
3. Each fixer plans its edits; the workspace validates and writes them, all of
   one fixer's files or none (a dry run keeps them in memory, so the diff it
   prints is exactly what a real run writes).
4. The same gates run again; a finding a fixer addressed counts as resolved
   when the re-audit no longer reports it.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from readiness import command
from readiness.audit import AuditRequest, audit
from readiness.errors import ReadinessError, UsageError
from readiness.findings import Finding, Priority, Report
from readiness.fixers import journal, registry
from readiness.fixers.interface import FixContext, Fixer
from readiness.fixers.routing import route
from readiness.fixers.workspace import Workspace
from readiness.fixresults import (
    Changed,
    Failed,
    FixerRun,
    FixRequest,
    FixResult,
    Left,
    Outcome,
    Skipped,
)
from readiness.runner import Observer
from readiness.session import Session
from readiness.target import Target
from readiness.wording import plural

#: How long each git command may take.
GIT_TIMEOUT_S = 30.0

Auditor = Callable[[AuditRequest], Report]


class DirtyTree(UsageError):
    """The target has uncommitted changes (or is not in git) and would be edited."""


def fix(
    request: FixRequest,
    *,
    now: datetime,
    observer: Observer | None = None,
    fixers: Sequence[Fixer] | None = None,
    auditor: Auditor | None = None,
) -> FixResult:
    """Fix what can safely be fixed at ``request.priority`` (see the module doc)."""
    if request.dry_run:
        journal.refuse_pending(request.path)
    else:
        journal.recover(request.path)
    session = Session.open(request.path, advisory_db=request.advisory_db)
    target, config = session.target, session.settings
    locked = None if request.dry_run else read_only_problem(target)
    if locked is not None:
        raise UsageError(f"{locked}; nothing run, nothing written (see --dry-run)")
    dirty = None if request.dry_run or request.allow_dirty else git_problem(target)
    if dirty is not None:
        raise DirtyTree(f"{dirty}; nothing run, nothing written (see --dry-run)")
    gates = tuple(
        name
        for name, gate in session.gates.items()
        if gate.priority in request.priorities and name not in config.skip
    )

    def run_audit(req: AuditRequest) -> Report:
        return audit(req, now=now, observer=observer)

    auditor = auditor or run_audit
    if not gates:
        return FixResult(
            request=request,
            gates=(),
            before=None,
            after=None,
            runs=(),
            unfixable=(),
            changed=(),
            diff="",
        )
    before = auditor(
        AuditRequest(path=request.path, gates=gates, advisory_db=request.advisory_db)
    )
    chosen = [
        fixer
        for fixer in (
            fixers if fixers is not None else [cls() for cls in registry().values()]
        )
        if fixer.priority <= request.priority
    ]
    assigned, unfixable = assign(before, request.priorities, chosen)

    workspace = Workspace(target.root, dry_run=request.dry_run)
    outcomes: list[tuple[Fixer, list[Finding], Outcome]] = []
    with tempfile.TemporaryDirectory(prefix="readiness-fix-") as scratch:
        for fixer in chosen:
            mine = assigned.get(fixer.name, [])
            if not mine:
                continue
            folder = Path(scratch) / fixer.name
            folder.mkdir()
            ctx = FixContext(
                fixer=fixer.name,
                target=target,
                settings=config,
                workspace=workspace,
                scratch=folder,
                deadline=time.monotonic() + config.timeout_s,
            )
            outcome = run_fixer(fixer, ctx, mine)
            if isinstance(outcome, Changed):
                try:
                    workspace.apply(outcome.edits)
                except ReadinessError as error:
                    outcome = Failed(reason=str(error))
            outcomes.append((fixer, mine, outcome))

    changed = tuple(workspace.changed())
    after = before
    if changed and not request.dry_run:
        after = auditor(
            AuditRequest(
                path=request.path, gates=gates, advisory_db=request.advisory_db
            )
        )
    still = Counter(
        finding.fingerprint for gate in after.gates for finding in gate.findings
    )
    runs = tuple(
        settle(fixer, mine, outcome, still, dry_run=request.dry_run)
        for fixer, mine, outcome in outcomes
    )
    return FixResult(
        request=request,
        gates=gates,
        before=before,
        after=after if after is not before else None,
        runs=runs,
        unfixable=tuple(unfixable),
        changed=changed,
        diff=workspace.diff(),
    )


def assign(
    report: Report, priorities: frozenset[Priority], fixers: Sequence[Fixer]
) -> tuple[dict[str, list[Finding]], list[Left]]:
    """Each finding at ``priorities`` to the fixer :func:`route` picks among
    ``fixers``; the others are left with their fix hint."""
    assigned: dict[str, list[Finding]] = defaultdict(list)
    unfixable: list[Left] = []
    for gate in report.gates:
        for finding in gate.findings:
            if finding.priority not in priorities:
                continue
            name = route(gate.name, finding, fixers)
            if name is not None:
                assigned[name].append(finding)
                continue
            hint = f": {finding.fix}" if finding.fix else ""
            unfixable.append(Left(finding=finding, reason=f"no automatic fix{hint}"))
    return dict(assigned), unfixable


def run_fixer(fixer: Fixer, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
    """The one place a fixer's exceptions become an outcome; Ctrl-C still stops."""
    try:
        return fixer.plan(ctx, findings)
    except ReadinessError as error:
        return Failed(reason=str(error))
    except KeyboardInterrupt:
        command.terminate_all()
        raise
    except Exception as error:  # noqa: BLE001 - recorded as the fixer's failure
        return Failed(reason=f"internal error: {type(error).__name__}: {error}")


def settle(
    fixer: Fixer,
    mine: Sequence[Finding],
    outcome: Outcome,
    still: Counter[str],
    *,
    dry_run: bool,
) -> FixerRun:
    """Confirm the fixer's claims against the re-audit."""
    resolved: list[Finding] = []
    left: list[Left] = []
    files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    if isinstance(outcome, Changed):
        files = tuple(sorted(edit.path for edit in outcome.edits))
        notes = outcome.notes
        left.extend(outcome.left)
        for finding in outcome.addressed:
            if not dry_run and still[finding.fingerprint] > 0:
                still[finding.fingerprint] -= 1
                left.append(
                    Left(finding=finding, reason="still reported after the fix")
                )
            else:
                resolved.append(finding)
        reason = "not addressed by the fixer"
    elif isinstance(outcome, Skipped):
        left.extend(outcome.left)
        reason = outcome.reason
    else:
        reason = f"the fixer failed: {outcome.reason}"
    accounted = {id(f) for f in resolved} | {id(item.finding) for item in left}
    left.extend(Left(finding=f, reason=reason) for f in mine if id(f) not in accounted)
    return FixerRun(
        name=fixer.name,
        title=fixer.title,
        outcome=outcome,
        files=files,
        resolved=tuple(resolved),
        left=tuple(left),
        notes=notes,
    )


def read_only_problem(target: Target) -> str | None:
    """Why no fix could be written into the target's folder, or ``None``.

    The mode bits count as well as ``os.access``: root may write anyway, but a
    folder made read-only says its owner wants it left as it is (as
    :class:`Workspace` judges each file it writes).
    """
    mode = target.root.stat().st_mode
    if mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) and os.access(
        target.root, os.W_OK
    ):
        return None
    return f"{target.given} is read-only (its folder is not writable)"


# --- git -------------------------------------------------------------------


def git_problem(target: Target) -> str | None:
    """Why the target is not a clean git work tree, or ``None`` if it is."""
    advice = "commit or stash them, or pass --allow-dirty"
    try:
        inside = command.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            cwd=target.root,
            timeout_s=GIT_TIMEOUT_S,
            ok_codes=(0, 128),  # 128: not a git repository; else git failed
        ).require_complete()
        answer = inside.stdout.strip()
        if inside.returncode == 128 or answer == "false":
            return (
                f"{target.given} is not in a git work tree, so nothing would show"
                " or undo readiness's edits; put it under git, or pass --allow-dirty"
            )
        if answer != "true":
            return (
                f"cannot tell whether {target.given} is a clean git work tree (git"
                f" rev-parse answered {answer[:80]!r}); pass --allow-dirty to fix"
                " it anyway"
            )
        status = command.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "."],
            cwd=target.root,
            timeout_s=GIT_TIMEOUT_S,
        ).require_complete()
    except command.ToolError as error:
        return (
            f"cannot tell whether {target.given} is a clean git work tree ({error});"
            " pass --allow-dirty to fix it anyway"
        )
    dirty = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    if not dirty:
        return None
    return (
        f"{target.given} has uncommitted changes in {plural(len(dirty), 'file')}"
        f" (first: {dirty[0]}); {advice}"
    )
