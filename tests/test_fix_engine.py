"""The fix engine with fake fixers and a fake auditor: selection, outcomes, refusals."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest

from readiness import cli
from readiness.audit import AuditRequest
from readiness.errors import ReadinessError
from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    PlanItem,
    Priority,
    Report,
    Status,
    Verdict,
)
from readiness.fixers import registry
from readiness.fixers.engine import DirtyTree, fix
from readiness.fixers.interface import (
    Changed,
    Failed,
    FileEdit,
    FixContext,
    Fixer,
    FixError,
    Left,
    Outcome,
    Skipped,
    outcome,
)
from readiness.fixers.routing import route, stamp
from readiness.fixresults import FixRequest, FixResult
from readiness.reports.fixsummary import summary
from tests.conftest import git
from tests.fixing import finding

if TYPE_CHECKING:
    from tests.conftest import MakeRepo

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FILES = {
    "pyproject.toml": '[project]\nname = "app"\n',
    "src/app/__init__.py": "",
    "notes.txt": "one\n",
}


def report(findings: dict[str, list[Finding]], *, met: bool) -> Report:
    gates = tuple(
        GateResult(
            name=name,
            status=Status.PASS if met else Status.FAIL,
            priority=Priority.P0 if name in ("sast", "markers") else Priority.P1,
            duration_s=0.0,
            findings=tuple(found),
        )
        for name, found in findings.items()
    )
    plan = (
        PlanItem(
            priority=Priority.P0,
            title="Security hotfixes",
            gates=("sast",),
            criteria=(Criterion(text="no open finding", met=met),),
        ),
        PlanItem(
            priority=Priority.P1,
            title="Lint and format baseline",
            gates=("lint",),
            criteria=(Criterion(text="lint clean", met=False),),
        ),
    )
    return Report(
        target=".",
        target_name="app",
        verdict=Verdict.READY if met else Verdict.NOT_READY,
        generated_at=NOW.isoformat(),
        readiness_version="0",
        python="3.11",
        tools={},
        gates=gates,
        plan=plan,
    )


class Auditor:
    """Returns the reports it is given, in order, and records the requests."""

    def __init__(self, *reports: Report) -> None:
        self.reports = list(reports)
        self.requests: list[AuditRequest] = []

    def __call__(self, request: AuditRequest) -> Report:
        self.requests.append(request)
        return self.reports.pop(0)


class Append(Fixer):
    """Appends a line to notes.txt for every finding it gets."""

    name = "append"
    title = "append a line"
    priority = Priority.P0
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"sast": frozenset({"X1"})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        before = ctx.read("notes.txt")
        after = before + "".join(f"fixed {f.rule}\n" for f in findings)
        return outcome(
            [FileEdit(path="notes.txt", before=before, after=after)], findings, []
        )


class Meddle(Append):
    """Someone else writes the file while this fixer works."""

    name = "meddle"
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"sast": frozenset({"X2"})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        planned = super().plan(ctx, findings)
        (ctx.target.root / "notes.txt").write_text("someone else\n")
        return planned


class Explode(Fixer):
    """Fails in every way a fixer can."""

    name = "explode"
    title = "explode"
    priority = Priority.P0
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"sast": frozenset({"X3", "X4"})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        if findings[0].rule == "X3":
            raise FixError("cannot do it")
        raise ZeroDivisionError("oops")


class Decline(Fixer):
    """Declines, with a reason for one finding."""

    name = "decline"
    title = "decline"
    priority = Priority.P1
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"lint": frozenset({"X5"})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        return Skipped(
            reason="not today", left=(Left(finding=findings[0], reason="never"),)
        )


def run(
    root: Path,
    auditor: Auditor,
    fixers: Sequence[Fixer],
    **options: object,
) -> FixResult:
    request = FixRequest(path=str(root), priority=Priority.P0, **options)  # type: ignore[arg-type]
    return fix(request, now=NOW, fixers=fixers, auditor=auditor)


X1 = finding("X1", "src/app/__init__.py", 1)
X1B = finding("X1", "src/app/__init__.py", 2, message="another")
UNFIXABLE = finding("B102", "src/app/__init__.py", 3, message="exec")
UNFIXABLE_WITH_HINT = dataclasses.replace(UNFIXABLE, fix="replace exec")


def test_dry_run_shows_a_diff_and_writes_nothing(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    auditor = Auditor(report({"sast": [X1, UNFIXABLE_WITH_HINT]}, met=False))
    result = run(root, auditor, [Append()], dry_run=True)
    assert (root / "notes.txt").read_text() == "one\n"
    assert result.diff == (
        "diff --git a/notes.txt b/notes.txt\n--- a/notes.txt\n+++ b/notes.txt\n"
        "@@ -1 +1,2 @@\n one\n+fixed X1\n"
    )
    assert result.after is None
    assert len(auditor.requests) == 1
    (append,) = result.runs
    assert append.resolved == (X1,)
    assert result.unfixable == (
        Left(finding=UNFIXABLE_WITH_HINT, reason="no automatic fix: replace exec"),
    )
    text = summary(result)
    assert "(dry run: nothing written)" in text
    assert "append (append a line): would change notes.txt" in text
    assert "    X1 src/app/__init__.py:1" in text
    assert "    B102 src/app/__init__.py:3: no automatic fix: replace exec" in text
    assert "audit P0: 0 of 1 criteria met" in text
    assert not result.met


def test_a_real_run_writes_and_confirms_with_the_re_audit(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    auditor = Auditor(
        report({"sast": [X1, X1B]}, met=False),
        report({"sast": [X1B]}, met=True),
    )
    result = run(root, auditor, [Append()], allow_dirty=True)
    assert (root / "notes.txt").read_text() == "one\nfixed X1\nfixed X1\n"
    assert auditor.requests[0] == auditor.requests[1]
    (append,) = result.runs
    assert append.resolved == (X1,)
    assert append.left == (Left(finding=X1B, reason="still reported after the fix"),)
    assert result.met
    assert result.changed == ("notes.txt",)
    assert "re-audit P0: 1 of 1 criteria met" in summary(result)


def test_nothing_to_do(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    result = run(
        root, Auditor(report({"sast": []}, met=True)), [Append()], allow_dirty=True
    )
    assert result.runs == ()
    assert result.met
    assert "nothing to do: no file needs a change" in summary(result)


def test_a_dirty_git_tree_is_refused_before_any_gate_runs(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(FILES)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    (root / "src/app/__init__.py").write_text("# edited\n")
    auditor = Auditor()  # no report to give: any audit would fail the test
    with pytest.raises(DirtyTree) as refused:
        run(root, auditor, [Append()])
    assert str(refused.value) == (
        f"{root} has uncommitted changes in 1 file (first: src/app/__init__.py);"
        " commit or stash them, or pass --allow-dirty; nothing run, nothing written"
        " (see --dry-run)"
    )
    assert (root / "notes.txt").read_text() == "one\n"
    # a dry run needs no clean tree
    run(root, Auditor(report({"sast": []}, met=True)), [Append()], dry_run=True)
    # --allow-dirty, or a clean tree: written
    run(
        root,
        Auditor(*[report({"sast": [X1]}, met=False)] * 2),
        [Append()],
        allow_dirty=True,
    )
    assert (root / "notes.txt").read_text() == "one\nfixed X1\n"
    git(root, "commit", "-qam", "fixed")
    run(root, Auditor(*[report({"sast": [X1]}, met=False)] * 2), [Append()])
    assert (root / "notes.txt").read_text() == "one\nfixed X1\nfixed X1\n"


def test_a_target_outside_git_is_refused_without_allow_dirty(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(FILES)
    with pytest.raises(DirtyTree, match="is not in a git work tree"):
        run(root, Auditor(report({"sast": [X1]}, met=False)), [Append()])
    assert (root / "notes.txt").read_text() == "one\n"


def test_a_file_changed_by_someone_else_fails_that_fixer_only(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(FILES)
    x2 = finding("X2", "notes.txt", 1)
    auditor = Auditor(*[report({"sast": [x2]}, met=False)] * 2)
    result = run(root, auditor, [Meddle()], allow_dirty=True)
    (meddle,) = result.runs
    assert isinstance(meddle.outcome, Failed)
    assert "changed by someone else after readiness read it" in meddle.outcome.reason
    assert meddle.left[0].reason.startswith("the fixer failed: notes.txt was changed")
    assert (root / "notes.txt").read_text() == "someone else\n"
    assert result.failed
    assert "meddle (append a line): FAILED: notes.txt was changed" in summary(result)


def test_a_read_only_file_is_reported_not_a_crash(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    (root / "notes.txt").chmod(0o444)
    auditor = Auditor(*[report({"sast": [X1]}, met=False)] * 2)
    result = run(root, auditor, [Append()], allow_dirty=True)
    (append,) = result.runs
    assert isinstance(append.outcome, Failed)
    assert append.outcome.reason == "notes.txt is read-only; nothing written"
    assert (root / "notes.txt").read_text() == "one\n"
    # the dry run predicts the same refusal
    dry = run(
        root, Auditor(report({"sast": [X1]}, met=False)), [Append()], dry_run=True
    )
    assert isinstance(dry.runs[0].outcome, Failed)
    assert dry.diff == ""


def test_exceptions_become_failures_and_skips_keep_their_reasons(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(FILES)
    x3, x4, x5 = (
        finding(r, "src/app/__init__.py", n)
        for n, r in enumerate(("X3", "X4", "X5"), 1)
    )
    x5b = finding("X5", "src/app/__init__.py", 9)
    p1 = FixRequest(path=str(root), priority=Priority.P1, dry_run=True)
    result = fix(
        p1,
        now=NOW,
        fixers=[Explode(), Decline()],
        auditor=Auditor(report({"sast": [x3], "lint": [x5, x5b]}, met=False)),
    )
    explode, decline = result.runs
    assert explode.outcome == Failed(reason="cannot do it")
    assert decline.left == (
        Left(finding=x5, reason="never"),
        Left(finding=x5b, reason="not today"),
    )
    crash = fix(
        p1,
        now=NOW,
        fixers=[Explode()],
        auditor=Auditor(report({"sast": [x4]}, met=False)),
    )
    assert crash.runs[0].outcome == Failed(
        reason="internal error: ZeroDivisionError: oops"
    )
    text = summary(result)
    assert "readiness fix P0..P1" in text
    assert "decline (decline): skipped: not today" in text


def test_priorities_select_findings_and_fixers(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    p1_finding = finding("X5", "src/app/__init__.py", 1, priority=Priority.P1)
    auditor = Auditor(report({"sast": [X1], "lint": [p1_finding]}, met=False))
    only = fix(
        FixRequest(path=str(root), priority=Priority.P1, only=True, dry_run=True),
        now=NOW,
        fixers=[Append(), Decline()],
        auditor=auditor,
    )
    assert [r.name for r in only.runs] == ["decline"]
    assert "readiness fix P1 on" in summary(only)
    # at P0 the P1 fixer does not run, and the P1 finding is not selected
    p0 = run(
        root,
        Auditor(report({"sast": [X1], "lint": [p1_finding]}, met=False)),
        [Append(), Decline()],
        dry_run=True,
    )
    assert [r.name for r in p0.runs] == ["append"]
    assert p0.unfixable == ()


def test_a_priority_without_gates_has_nothing_to_do(make_repo: MakeRepo) -> None:
    from readiness.gates import registry as gates  # noqa: PLC0415

    names = [n for n, g in gates().items() if g.priority is Priority.P1]
    skip = ", ".join(f'"{n}"' for n in names)
    root = make_repo(
        {**FILES, "pyproject.toml": f"[tool.readiness]\nskip = [{skip}]\n"}
    )
    result = fix(
        FixRequest(path=str(root), priority=Priority.P1, only=True, dry_run=True),
        now=NOW,
    )
    assert result.met
    assert "no gate of priority P1 is available yet: nothing to do" in summary(result)


def test_the_registry_lists_the_fixers_in_order() -> None:
    assert list(registry()) == [
        "markers",
        "tar-extract",
        "request-timeouts",
        "suppression-codes",
        "ruff-black",
        "mypy-scope",
        "locks",
    ]
    for cls in registry().values():
        assert cls.description().endswith(".")
        assert cls.priority in (Priority.P0, Priority.P1)


#: (gate, finding) → the fixer that takes it, for every fixer and the near misses.
ROUTES = [
    ("markers", finding("MK001", "tests/t.py", 1), "markers"),
    ("tests", finding("TS001", "tests/t.py", 1), "markers"),
    ("tests", finding("TS002", "pyproject.toml", None), None),
    ("markers", finding("TS001", "tests/t.py", 1), None),
    ("sast", finding("B202", "a.py", 1), "tar-extract"),
    ("sast", finding("B113", "a.py", 1), "request-timeouts"),
    ("sast", finding("SA001", "a.py", 1), "suppression-codes"),
    ("sast", finding("B102", "a.py", 1), None),
    ("lint", finding("PGH004", "a.py", 1), "suppression-codes"),
    ("lint", finding("LN001", "a.py", 1, tool_fix=False), "suppression-codes"),
    ("lint", finding("SA001", "a.py", 1), "ruff-black"),
    ("lint", finding("F401", "a.py", 1), "ruff-black"),
    ("lint", finding("E501", "a.py", 1, tool_fix=False), None),
    ("lint", finding("invalid-syntax", "a.py", 1), None),
    ("format", finding("FM001", "a.py", None, tool_fix=False), "ruff-black"),
    ("format", finding("FM003", "a.py", None, tool_fix=False), "ruff-black"),
    ("typing", finding("TY001", "pyproject.toml", None, tool_fix=False), "mypy-scope"),
    ("typing", finding("TY002", "a.py", 1), None),
    ("deps", finding("DP002", "pyproject.toml", None), "locks"),
    ("deps", finding("DP001", "pyproject.toml", None), None),
]


@pytest.mark.parametrize(("gate", "item", "fixer"), ROUTES)
def test_routing_decides_which_fixer_takes_a_finding(
    gate: str, item: Finding, fixer: str | None
) -> None:
    assert route(gate, item) == fixer


def test_every_fixer_takes_something_and_the_report_is_stamped_from_routing() -> None:
    routed = {fixer for _gate, _item, fixer in ROUTES}
    assert set(registry()) <= routed
    results = stamp(
        [
            GateResult(
                name=gate,
                status=Status.FAIL,
                priority=Priority.P0,
                duration_s=0.0,
                findings=(dataclasses.replace(item, fixable=fixer is None),),
            )
            for gate, item, fixer in ROUTES
        ]
    )
    assert [r.findings[0].fixable for r in results] == [
        fixer is not None for _gate, _item, fixer in ROUTES
    ]


def test_no_fixer_takes_an_expired_waiver_so_the_audit_need_not_restamp() -> None:
    """The audit's runner stamps each result as its gate finishes; the one
    finding added after (by accepted.apply) must stay unfixable on any gate."""
    from datetime import date  # noqa: PLC0415

    from readiness import accepted  # noqa: PLC0415
    from readiness.gates import registry as gates  # noqa: PLC0415

    for gate in gates():
        result = GateResult(
            name=gate, status=Status.PASS, priority=Priority.P0, duration_s=0.0
        )
        (judged,) = accepted.apply(
            [result],
            {},
            [accepted.Waiver(reason="old", rule="E501", expires=date(2020, 1, 1))],
            today=date(2026, 1, 1),
            from_findings={gate},
        )
        (expired,) = judged.findings
        assert expired.rule == accepted.WAIVER_EXPIRED.id
        assert route(gate, expired) is None
        assert stamp([judged]) == (judged,)


def test_routing_among_given_fixers_and_by_prefix() -> None:
    class Prefix(Append):
        name = "prefix"
        takes: ClassVar[Mapping[str, frozenset[str]]] = {"lint": frozenset({"E5*"})}

    assert route("lint", finding("E501", "a.py", 1), [Append(), Prefix()]) == "prefix"
    assert route("lint", finding("E401", "a.py", 1), [Prefix]) is None
    assert route("sast", finding("X1", "a.py", 1), [Prefix, Append]) == "append"


def test_outcome_helper() -> None:
    same = FileEdit(path="a", before="x", after="x")
    skipped = outcome([same], [X1], [Left(finding=X1, reason="why")])
    assert skipped == Skipped(reason="why", left=(Left(finding=X1, reason="why"),))
    mixed = outcome(
        [], [], [Left(finding=X1, reason="a"), Left(finding=X1, reason="b")]
    )
    assert isinstance(mixed, Skipped)
    assert mixed.reason == "nothing could be fixed automatically"
    changed = outcome([FileEdit(path="a", before="x", after="y")], [X1], [])
    assert isinstance(changed, Changed)


def test_ctrl_c_still_stops(make_repo: MakeRepo) -> None:
    class Interrupt(Append):
        def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
            raise KeyboardInterrupt

    root = make_repo(FILES)
    with pytest.raises(KeyboardInterrupt):
        run(
            root,
            Auditor(report({"sast": [X1]}, met=False)),
            [Interrupt()],
            dry_run=True,
        )


def test_cli_usage_errors(
    capsys: pytest.CaptureFixture[str], make_repo: MakeRepo
) -> None:
    root = make_repo(FILES)
    assert cli.main(["fix", str(root)]) == 2
    assert "the following arguments are required: --priority" in capsys.readouterr().err
    assert cli.main(["fix", str(root), "--priority", "P9"]) == 2
    assert "invalid choice: 'P9'" in capsys.readouterr().err
    (root / "pyproject.toml").write_text("[project\n")
    assert cli.main(["fix", str(root), "--priority", "P0"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("readiness: error: ")
    assert "invalid TOML" in error
    assert len(error.splitlines()) == 1


def test_errors_are_readiness_errors() -> None:
    assert issubclass(DirtyTree, ReadinessError)
    assert DirtyTree.exit_code == 2
