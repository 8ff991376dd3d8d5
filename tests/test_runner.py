"""The runner: concurrency, per-gate deadlines, and every failure as a status."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from readiness import runner
from readiness.errors import ConfigError
from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    Priority,
    Severity,
    Status,
)
from readiness.gates.interface import (
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.settings import Settings
from readiness.target import discover
from tests.conftest import MakeRepo


class FakeGate(Gate):
    """A gate whose behaviour the test chooses."""

    name = "markers"
    title = "fake"
    priority = Priority.P0

    def __init__(self, name: str, behaviour: str) -> None:
        self.name = name  # type: ignore[misc]
        self.behaviour = behaviour

    def run(self, ctx: GateContext) -> Evaluation:
        if self.behaviour == "pass":
            return Evaluation(criteria=(Criterion(text="ok", met=True),))
        if self.behaviour == "fail":
            finding = Finding(
                rule="B101", severity=Severity.LOW, priority=Priority.P0, message="m"
            )
            return Evaluation(
                criteria=(Criterion(text="no findings", met=False),),
                findings=(finding,),
                metrics={"n": 1},
            )
        if self.behaviour == "titled":
            criteria = (Criterion(text="ok", met=True),)
            return Evaluation(criteria=criteria, title="fake by its tool")
        if self.behaviour == "skip":
            raise GateSkipped("nothing to check")
        if self.behaviour == "gate-error":
            raise GateError("tool printed garbage")
        if self.behaviour == "config-error":
            raise ConfigError("[tool.readiness.x] y must be a list of strings")
        if self.behaviour == "crash":
            raise ZeroDivisionError("division by zero")
        if self.behaviour == "tool-timeout":
            ctx.run([sys.executable, "-c", "import time; time.sleep(30)"])
        if self.behaviour == "hang":
            time.sleep(60)
        raise AssertionError(self.behaviour)


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock = threading.Lock()

    def started(self, gate: Gate) -> None:
        with self.lock:
            self.events.append(f"start {gate.name}")

    def finished(self, result: GateResult) -> None:
        with self.lock:
            self.events.append(f"end {result.name} {result.status}")


def run(
    tmp: Path, gates: list[Gate], settings: Settings | None = None
) -> tuple[GateResult, ...]:
    target = discover(tmp)
    return runner.run_gates(
        gates, target=target, settings=settings or Settings(), observer=Recorder()
    )


def test_a_result_is_titled_by_its_evaluation_else_by_the_gate(
    make_repo: MakeRepo,
) -> None:
    """The lint gate's results were all titled "ruff lint", flake8 runs too."""
    results = run(make_repo({}), [FakeGate("a", "titled"), FakeGate("b", "skip")])
    assert [(r.name, r.title) for r in results] == [
        ("a", "fake by its tool"),
        ("b", "fake"),
    ]


def test_each_failure_becomes_its_own_status_and_the_others_still_report(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({})
    gates: list[Gate] = [
        FakeGate("a", "pass"),
        FakeGate("b", "fail"),
        FakeGate("c", "skip"),
        FakeGate("d", "gate-error"),
        FakeGate("e", "config-error"),
        FakeGate("f", "crash"),
    ]
    results = run(root, gates)
    assert [(r.name, r.status, r.reason) for r in results] == [
        ("a", Status.PASS, None),
        ("b", Status.FAIL, None),
        ("c", Status.SKIPPED, "nothing to check"),
        ("d", Status.ERROR, "tool printed garbage"),
        ("e", Status.ERROR, "[tool.readiness.x] y must be a list of strings"),
        ("f", Status.ERROR, "internal error: ZeroDivisionError: division by zero"),
    ]
    assert results[1].metrics == {"n": 1}
    assert results[1].findings[0].priority is Priority.P0


def test_configured_priorities_are_applied_to_findings(make_repo: MakeRepo) -> None:
    root = make_repo({})
    settings = Settings(priorities={"B1": Priority.P2})
    (result,) = run(root, [FakeGate("b", "fail")], settings)
    assert result.findings[0].priority is Priority.P2


def test_a_tool_outrunning_the_gate_timeout_is_killed(make_repo: MakeRepo) -> None:
    root = make_repo({})
    settings = Settings(timeout_s=1)
    started = time.monotonic()
    results = run(
        root, [FakeGate("slow", "tool-timeout"), FakeGate("ok", "pass")], settings
    )
    assert time.monotonic() - started < 20
    assert results[0].status is Status.ERROR
    assert results[0].reason is not None
    assert results[0].reason.endswith("did not finish within 1s and was killed")
    assert results[0].commands[0][0] == Path(sys.executable).name
    assert results[1].status is Status.PASS


def test_a_gate_that_hangs_in_python_is_abandoned(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "GRACE_S", 0.2)
    root = make_repo({})
    gates: list[Gate] = [FakeGate("hang", "hang"), FakeGate("ok", "pass")]
    results = run(root, gates, Settings(timeout_s=1))
    assert [r.status for r in results] == [Status.ERROR, Status.PASS]
    assert results[0].reason == "did not finish within its 1s timeout and was abandoned"


def test_gates_run_concurrently(make_repo: MakeRepo) -> None:
    root = make_repo({})
    barrier = threading.Barrier(2, timeout=10)

    class Meeting(FakeGate):
        def run(self, ctx: GateContext) -> Evaluation:
            barrier.wait()  # both gates must be running at once to get past this
            return Evaluation(criteria=())

    results = run(root, [Meeting("x", ""), Meeting("y", "")])
    assert [r.status for r in results] == [Status.PASS, Status.PASS]


def test_one_gate_more_than_the_cores_runs_at_once(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    root = make_repo({})
    barrier = threading.Barrier(3, timeout=10)
    running: list[str] = []

    class Meeting(FakeGate):
        def run(self, ctx: GateContext) -> Evaluation:
            running.append(self.name)
            barrier.wait()  # three gates must be running at once to get past this
            return Evaluation(criteria=())

    results = run(root, [Meeting(name, "") for name in ("x", "y", "z")])
    assert [r.status for r in results] == [Status.PASS] * 3
    assert sorted(running) == ["x", "y", "z"]
    assert [runner.slots_for(cores) for cores in (1, 2, 4)] == [2, 3, 5]


def test_observer_sees_every_start_and_end(make_repo: MakeRepo) -> None:
    root = make_repo({})
    recorder = Recorder()
    runner.run_gates(
        [FakeGate("a", "pass"), FakeGate("b", "skip")],
        target=discover(root),
        settings=Settings(),
        observer=recorder,
        jobs=1,
    )
    # The runner reports ends from the main thread, so only each gate's own
    # start-before-end order is fixed.
    events = recorder.events
    assert sorted(events) == ["end a pass", "end b skipped", "start a", "start b"]
    assert events.index("start a") < events.index("end a pass")
    assert events.index("start b") < events.index("end b skipped")


def test_finish_completes_a_computed_result_before_it_is_stored(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """What ``finish`` returns is reported and cached; a cache hit comes back
    as stored, without ``finish`` running again (the audit's fixable stamp)."""
    root = make_repo({"a.py": "x = 1\n"})
    settings = Settings(cache_dir=tmp_path / "cache")
    seen: list[str] = []

    def finish(result: GateResult) -> GateResult:
        seen.append(result.name)
        findings = [dataclasses.replace(f, fixable=True) for f in result.findings]
        return dataclasses.replace(result, findings=tuple(findings))

    def audit() -> GateResult:
        (result,) = runner.run_gates(
            [FakeGate("lint", "fail")],
            target=discover(root),
            settings=settings,
            finish=finish,
        )
        return result

    first = audit()
    assert seen == ["lint"]
    assert [f.fixable for f in first.findings] == [True]
    second = audit()
    assert seen == ["lint"]  # from the cache: stored finished
    assert second.cached
    assert [f.fixable for f in second.findings] == [True]
