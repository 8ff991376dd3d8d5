"""bandit's file list split across processes: the same results as one run, a
failing part fails the gate, the per-file memo keeps working, and the runner
gives the processes to the longest pole only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest

from readiness.findings import Priority, Status
from readiness.gates.interface import Evaluation, Gate, GateContext
from readiness.runner import processes
from readiness.sast_config import BanditSetup
from readiness.sast_run import MIN_FILES, listed, split
from tests.test_sast_memo import comparable, logging_bandit, run, scans

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo

#: 120 modules, enough for two parts of at least MIN_FILES. Plants: B307
#: (eval) in every tenth module, B602 (shell=True, Low: a fixed command) in
#: m_15, m_45, m_75 and m_105, a `# nosec` without an ID in m_3, an
#: unparsable m_7, and B307 in a module under app/vendor/, which
#: [tool.bandit] exclude_dirs leaves out.
MODULES = 120


def _module(index: int) -> str:
    if index == 7:
        return "def broken(:\n"
    lines = [f'"""Module {index}."""', "import subprocess", ""]
    if index % 10 == 0:
        lines.append("def f(x):\n    return eval(x)\n")
    if index % 30 == 15:
        lines.append("subprocess.run('/bin/ls', shell=True)\n")
    if index == 3:
        lines.append("y = eval('1')  # nosec\n")
    lines.append(f"VALUE = {index}\n" * (1 + index % 5))
    return "\n".join(lines)


FILES = {
    "pyproject.toml": (
        '[project]\nname = "app"\n\n[tool.bandit]\nexclude_dirs = ["app/vendor"]\n'
    ),
    "app/__init__.py": "",
    "app/vendor/__init__.py": "",
    "app/vendor/v.py": "eval(input())\n",
    **{f"app/sub{i % 3}/m_{i}.py": _module(i) for i in range(MODULES)},
    **{f"app/sub{i}/__init__.py": "" for i in range(3)},
}


@pytest.mark.tools
def test_a_split_run_gives_what_one_run_gives(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(FILES)
    log = logging_bandit(tmp_path, monkeypatch)

    whole = run(root, None, cores=1)
    assert scans(log) == [["app"]]
    parted = run(root, None, cores=2)
    parts = scans(log)
    # 126 files, vendor's two too (bandit excludes them), balanced by size
    assert sorted(len(part) for part in parts) == [60, 66]
    assert sorted(name for part in parts for name in part) == sorted(
        name for name in FILES if name.endswith(".py")
    )

    assert comparable(parted) == comparable(whole)
    assert parted.command == whole.command  # the one command the report shows
    assert parted.status is Status.FAIL
    assert [f"{f.location} {f.rule}" for f in whole.findings][:3] == [
        "app/sub0/m_0.py:5 B307",
        "app/sub0/m_105.py:4 B602",
        "app/sub0/m_15.py:4 B602",
    ]
    assert whole.metrics["low"] == 4  # B602 in m_15, m_45, m_75, m_105
    assert whole.metrics["medium"] == 12  # B307 in m_0, m_10, ..., m_110
    assert whole.metrics["files_scanned"] == 124  # not app/vendor's two
    assert whole.metrics["files_unparsable"] == 1
    assert whole.metrics["nosec_without_id"] == 1


@pytest.mark.tools
def test_a_failing_part_fails_the_gate_with_its_reason(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(FILES)
    logging_bandit(tmp_path, monkeypatch, fail_on="app/sub1/m_1.py")

    result = run(root, None, cores=2)

    assert result.status is Status.ERROR
    assert result.findings == ()
    assert result.reason == (
        "bandit exited with code 2: bandit: planted failure (part 1 of 2, 66 files)"
    )


@pytest.mark.tools
def test_the_memo_keeps_working_after_a_split_run(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(FILES)
    log = logging_bandit(tmp_path, monkeypatch)
    cache = tmp_path / "cache"

    first = run(root, cache, cores=2)
    assert len(scans(log)) == 2
    assert comparable(run(root, cache, cores=2)) == comparable(first)
    assert scans(log) == []  # nothing changed: nothing scanned

    (root / "app/sub0/m_0.py").write_text("VALUE = 0\n", encoding="utf-8")
    changed = run(root, cache, cores=2)
    assert scans(log) == [["app/sub0/m_0.py"]]  # one file: one process
    assert comparable(changed) == comparable(run(root, None, cores=1))
    assert changed.metrics["medium"] == 11


def test_parts_are_balanced_by_size_and_never_below_the_minimum(
    tmp_path: Path,
) -> None:
    sizes = {f"f{i}.py": 100 * (i + 1) for i in range(2 * MIN_FILES)}
    for name, size in sizes.items():
        (tmp_path / name).write_text("x" * size, encoding="utf-8")
    names = sorted(sizes)

    assert split(tmp_path, names, 1) == [names]
    assert split(tmp_path, names[: 2 * MIN_FILES - 1], 4) == [
        names[: 2 * MIN_FILES - 1]
    ]
    parts = split(tmp_path, names, 4)
    assert len(parts) == 2
    loads = [sum(sizes[n] for n in part) for part in parts]
    assert loads == [252500, 252500]
    assert sorted(n for part in parts for n in part) == names


def test_files_are_listed_as_bandit_names_them_or_not_at_all(
    tmp_path: Path,
) -> None:
    for name in ("src/pkg/a.py", "src/pkg/sub/b.py", "src/pkg/c.txt", "top.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    setup = BanditSetup()

    assert listed(tmp_path, ["src/pkg", "top.py"], setup) == [
        "src/pkg/a.py",
        "src/pkg/sub/b.py",
        "top.py",
    ]
    # an include glob readiness does not replicate: one run
    included = BanditSetup(args=("-c", "pyproject.toml"), texts=("include = [...]",))
    assert listed(tmp_path, ["src/pkg"], included) == []
    # a .bandit bandit would find in the package itself: one run
    (tmp_path / "src/pkg/sub/.bandit").write_text("[bandit]\n", encoding="utf-8")
    assert listed(tmp_path, ["src/pkg"], setup) == []
    with_ini = BanditSetup(args=("--ini", ".bandit"))
    assert listed(tmp_path, ["src/pkg"], with_ini) == [
        "src/pkg/a.py",
        "src/pkg/sub/b.py",
    ]


class _Fake(Gate):
    title = "fake"
    priority = Priority.P1

    def run(self, ctx: GateContext) -> Evaluation:
        del ctx
        return Evaluation(criteria=())


class _Light(_Fake):
    name = "light"
    cost = 1.0


class _Heavy(_Fake):
    name = "heavy"
    cost = 30.0


class _Heaviest(_Fake):
    name = "heaviest"
    cost: ClassVar[float] = 60.0


class _Splitting(_Fake):
    name = "splitting"
    cost = 20.0
    splits = True


class _AlsoSplitting(_Fake):
    name = "also"
    cost = 70.0
    splits = True


def test_the_longest_pole_gets_every_core() -> None:
    gates = [_Light(), _Heavy(), _Heaviest()]

    assert processes(gates, {"light": 1.0}, 2) == {
        "heaviest": 2,
        "heavy": 1,
        "light": 1,
    }
    # measured durations replace the costs
    assert processes(gates, {"heaviest": 5.0}, 4) == {
        "heavy": 4,
        "heaviest": 1,
        "light": 1,
    }
    assert processes(gates, {"light": 1.0}, 1) == {
        "heaviest": 1,
        "heavy": 1,
        "light": 1,
    }


def test_with_nothing_measured_every_gate_that_splits_gets_every_core() -> None:
    """On a project formatted with ruff, bandit was the pole of a cold audit
    and ran as one process: the static costs put the typing gate first, and
    it could not use the cores. A gate run alone is the pole."""
    gates = [_Light(), _Splitting(), _Heavy(), _Heaviest(), _AlsoSplitting()]

    assert processes(gates, {}, 2) == {
        "also": 2,
        "heaviest": 1,
        "heavy": 1,
        "splitting": 2,
        "light": 1,
    }
    assert processes([_Light(), _Heaviest()], {}, 2) == {"heaviest": 1, "light": 1}
    assert processes([_Heaviest()], {}, 4) == {"heaviest": 4}
    # once durations are measured, only the measured pole gets them
    assert processes(gates, {"heavy": 90.0}, 2) == {
        "also": 1,
        "heaviest": 1,
        "heavy": 2,
        "splitting": 1,
        "light": 1,
    }
