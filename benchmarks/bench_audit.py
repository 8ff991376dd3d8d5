"""Benchmark: readiness against the checklist by hand, cold, warm and incremental.

Not a test: run it by hand and copy the table into README.md.

    python benchmarks/bench_audit.py [--sizes 100 300 1000] [--field PROJECT...]
        [--repeat 3] [--compare SRC] [--formatter black|ruff]

Each repository measured is a synthetic legacy repository of each size
(``benchmarks/synth.py``), written to a temporary folder, or a project of the
field corpus (``--field flask nox ...``: its pinned sdist, checked out as a
git repository by ``tests/field/corpus.py``, its environments resolved as of
the corpus's cut-off date). readiness audits it once to build its
environments, then, in one run with interleaved repetitions:

- **A**, the checklist by hand: ``ruff check .`` (``flake8 .`` for a project
  that lints with flake8), ``black --check .`` (``ruff format --check .`` for
  a project formatted with ruff), ``bandit -r PKG``,
  ``mypy`` one after another (the seed's commands), cold like B: the tools'
  own caches (``.mypy_cache``, ``.ruff_cache``, black's) emptied first, as
  in a fresh CI checkout. The tools are the executables B ran (the target's
  pinned versions where it pins them); mypy runs as the maintainers would,
  with the interpreter of the typing environment B builds (where the
  target's dependencies are installed) on what B's mypy checks (the files
  its configuration names, else its packages), so both do the same work;
- **AD**, the same checklist again after D's change (below), the tools' own
  caches as A left them: what a maintainer waits for who re-runs the tools by
  hand after editing one file (mypy and ruff re-check incrementally, black
  skips the files its cache knows, bandit has no cache);
- **B**, ``readiness audit`` of the same gates (markers, lint, format, sast,
  typing) with an empty result cache (``--cache-dir`` new each time; the
  environments, built once before in a folder of the benchmark's own
  (``READINESS_CACHE_DIR``, one per readiness compared), are reused as they
  are between audits);
- **C**, the same audit again, nothing changed;
- **D**, the same audit after one source file changed (the synthetic
  ``module_1.py``, else the first module of the first package), and **Ddoc**
  after one docs page changed (the first Markdown or reST page of ``docs/``,
  else the README); both changes are undone after the round, and an audit
  that is not measured brings the environments back to that tree, so that
  each round's B starts from the tree its environments were built for.

With ``--formatter ruff`` the repository is formatted with ``ruff format``
(``synth.py --formatter ruff``), and A runs ``ruff format --check .`` where
it ran black: bandit and mypy are then the longest tools.

With ``--compare SRC`` (another checkout's ``src`` folder, e.g. from ``git
archive``), B, C and D also run with that readiness, interleaved in the same
rounds, and its rows follow: before and after, measured side by side.

Each command's wall time, CPU time (user + system of it and its children)
and peak memory (the largest resident set among them) come from ``os.wait4``.
readiness runs in-process under ``inprocess.py``, which records the CPU time
of every tool it starts. The table shows medians and the ratios B/A, C/B,
D/B, D/AD; the orchestration overhead: B's CPU time less its tools' (ruff, flake8,
black, bandit, mypy; their ``--version`` probes count as readiness's), as a share
of B's; the physical limit of B's work: its tools' CPU time divided by the
cores, or the longest serial tool's CPU time (black spreads over the cores),
whichever is larger, and B against it; and B's peak memory against the
largest single tool process it ran.

The measured processes run as on a machine without ``PYTHONDONTWRITEBYTECODE``
(readiness's byte code is written in the warm-up round, as ``pip install``
does), whatever the benchmark's own environment sets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess  # nosec B404 - runs the tools and readiness with fixed argument lists
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from synth import generate

from tests.field import corpus

GATES = ("markers", "lint", "format", "sast", "typing")
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
#: The tools of the audit (``python -m mypy`` by its module), and those that
#: spread their work over the cores themselves.
TOOLS = frozenset({"ruff", "flake8", "black", "bandit", "mypy"})
PARALLEL = frozenset({"black"})


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    peak_mb: float
    #: The physical limit of the work measured (A and B; 0 otherwise).
    limit: float = 0.0
    #: The CPU time of readiness's tools (B, C, D; 0 otherwise).
    tools_cpu: float = 0.0
    #: The peak memory of the largest tool process readiness ran (B, C, D).
    tool_peak_mb: float = 0.0


def machine_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured command: this one, as on a machine
    that writes byte code, plus ``extra``."""
    env = {**os.environ, **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run ``args``; its wall time, CPU time and peak RSS from ``os.wait4``."""
    env = machine_env(env)
    started = time.perf_counter()
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped by wait4
    wall = time.perf_counter() - started
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def checklist(
    repo: Path, packages: Sequence[str], argvs: Iterable[Sequence[str]]
) -> list[list[str]]:
    """The seed's commands (``ruff check .``, or ``flake8 .`` for a project
    that lints with flake8, ``black --check .`` or ``ruff format --check .``,
    ``bandit -r PKG``, ``mypy PKG``), run with the executables B ran
    (``argvs``, from its trace): the same tool versions (the target's pins
    where it has them), its linter and its formatter. mypy checks what
    B's mypy checks, as its maintainers run it: with the interpreter of the
    typing environment (where the target's dependencies are installed) and
    B's arguments (the files its configuration names, else its packages)
    but mypy's own cache folder (emptied first) and without the empty
    configuration B wrote for a target that has none.
    readiness's own tools where B ran none."""
    ruff, black, bandit = str(BIN / "ruff"), str(BIN / "black"), str(BIN / "bandit")
    mypy = [sys.executable, "-m", "mypy", *packages]
    formatter = "black"
    linter = None
    for argv in argvs:
        tool = _tool(list(argv))
        if tool == "flake8":
            linter = [argv[0], "."]
        elif tool == "ruff":
            ruff = argv[0]
            formatter = "ruff" if "format" in argv else formatter
        elif tool == "black":
            black = argv[0]
        elif tool == "bandit":
            bandit = argv[0]
        elif tool == "mypy":
            mypy = _mypy_by_hand(repo, argv)
    return [
        linter or [ruff, "check", "."],
        (
            [ruff, "format", "--check", "."]
            if formatter == "ruff"
            else [black, "--check", "."]
        ),
        [bandit, "-r", *packages, "-q"],
        mypy,
    ]


def _mypy_by_hand(repo: Path, argv: Sequence[str]) -> list[str]:
    """B's mypy command without its cache folder and its scratch configuration."""
    kept: list[str] = []
    options = iter(argv)
    for option in options:
        if option in ("--cache-dir", "--config-file"):
            value = next(options)
            if option == "--config-file" and (repo / value).exists():
                kept += [option, value]
        else:
            kept.append(option)
    return kept


def by_hand(
    repo: Path, scratch: Path, commands: Sequence[list[str]], *, cold: bool = True
) -> Sample:
    """The checklist by hand: each command once, in sequence; their sums and
    max. Cold like B: the tools' own caches emptied first; else (``cold``
    false) kept as the last run left them, as a maintainer's are when they run
    the checklist again after a change."""
    black_cache = scratch / "black-cache"
    if cold:
        for folder in (".mypy_cache", ".ruff_cache"):
            shutil.rmtree(repo / folder, ignore_errors=True)
        shutil.rmtree(black_cache, ignore_errors=True)
    env = {"BLACK_CACHE_DIR": str(black_cache)}
    runs = [measure(command, repo, env) for command in commands]
    cores = os.cpu_count() or 1
    return Sample(
        sum(r.wall for r in runs),
        sum(r.cpu for r in runs),
        max(r.peak_mb for r in runs),
        max(sum(r.cpu for r in runs) / cores, *(r.wall for r in runs)),
    )


def audit(
    repo: Path,
    cache: Path,
    envs: Path,
    src: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> tuple[Sample, list[list[str]]]:
    """``readiness audit`` of :data:`GATES`, and the commands it ran; ``src``:
    that readiness instead; ``extra``: more environment variables.

    ``envs``: its environments' folder (``READINESS_CACHE_DIR``), one per
    readiness compared, so that neither reuses what the other built.
    """
    selected = [arg for gate in GATES for arg in ("--gate", gate)]
    trace = cache.parent / f"{cache.name}.trace.json"
    env = {
        **(extra or {}),
        "READINESS_CACHE_DIR": str(envs),
        "READINESS_BENCH_TRACE": str(trace),
    }
    if src is not None:
        env["PYTHONPATH"] = str(src)
    program = [sys.executable, str(HERE / "inprocess.py")]
    sample = measure(
        [*program, "audit", str(repo), *selected, "--cache-dir", str(cache)],
        repo,
        env,
    )
    commands = json.loads(trace.read_text(encoding="utf-8"))["commands"]
    trace.unlink()
    tools = [c for c in commands if _tool(c["argv"])]
    tools_cpu = sum(c["cpu"] for c in tools)
    serial = [c["cpu"] for c in tools if _tool(c["argv"]) not in PARALLEL]
    cores = os.cpu_count() or 1
    limit = max(tools_cpu / cores, *serial, 0.0)
    tool_peak = max((c["peak_mb"] for c in tools), default=0.0)
    return (
        Sample(sample.wall, sample.cpu, sample.peak_mb, limit, tools_cpu, tool_peak),
        [c["argv"] for c in commands],
    )


def _tool(argv: list[str]) -> str | None:
    """The tool ``argv`` runs, if it is one of :data:`TOOLS` and no probe."""
    if "--version" in argv or "--help" in argv:
        return None
    name = Path(argv[0]).name
    if name.startswith("python") and "mypy" in argv[1:4] and "-m" in argv[1:3]:
        name = "mypy"
    return name if name in TOOLS else None


@dataclass(frozen=True)
class Subject:
    """A repository measured: its row's label, its packages, and the files
    D and Ddoc change."""

    label: str
    repo: Path
    packages: tuple[str, ...]
    source: Path
    docs: Path
    #: Environment variables of its audits (the field corpus's uv cut-off).
    env: Mapping[str, str]


def subject(label: str, repo: Path, env: Mapping[str, str] | None = None) -> Subject:
    """``repo`` as readiness discovers it: its packages; the source file D
    changes (the synthetic ``module_1.py``, else the first module of the first
    package), the docs page Ddoc changes (the first Markdown or reST page of
    ``docs/``, else the README)."""
    from readiness.target import discover  # noqa: PLC0415 - only here

    packages = discover(repo).packages
    modules = sorted(p for package in packages for p in (repo / package).rglob("*.py"))
    source = next(
        (p for p in modules if p.name == "module_1.py"),
        next((p for p in modules if p.name != "__init__.py"), modules[0]),
    )
    pages = sorted((repo / "docs").rglob("*.md")) + sorted(
        (repo / "docs").rglob("*.rst")
    )
    docs = pages[0] if pages else sorted(repo.glob("README*"))[0]
    lines = sum(len(p.read_text(errors="replace").splitlines()) for p in modules)
    return Subject(
        f"{label} ({lines / 1000:.0f}k lines)", repo, packages, source, docs, env or {}
    )


def touch_source(path: Path, round_: int) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"\n\nCHANGED_{round_} = {round_}\n")


def touch_docs(path: Path, round_: int) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"\nRevision {round_}.\n")


def median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        statistics.median(s.peak_mb for s in samples),
        statistics.median(s.limit for s in samples),
        statistics.median(s.tools_cpu for s in samples),
        statistics.median(s.tool_peak_mb for s in samples),
    )


def row(label: str, results: dict[str, Sample], suffix: str = "") -> str:
    a, ad = results["A"], results["AD"]
    b, c, d, e = (results[k + suffix] for k in ("B", "C", "D", "Ddoc"))
    cells = [
        f"{label}{suffix}",
        *(f"{s.wall:.1f} / {s.cpu:.1f} / {s.peak_mb:.0f}" for s in (a, ad, b, c, d, e)),
        f"{b.wall / a.wall:.2f}",
        f"{c.wall / b.wall:.3f}",
        f"{d.wall / b.wall:.3f}",
        f"{d.wall / ad.wall:.2f}",
        f"{(b.cpu - b.tools_cpu) / b.cpu * 100:.1f} %",
        f"{b.limit:.1f}",
        f"{b.wall / b.limit:.2f}",
        f"{b.peak_mb / b.tool_peak_mb:.2f}",
    ]
    return "| " + " | ".join(cells) + " |"


def rows(
    measured: Subject, scratch: Path, repeat: int, compare: Path | None
) -> list[str]:
    """A, B, C, D and Ddoc of one repository, interleaved; its table rows."""
    repo = measured.repo
    kinds: list[tuple[str, Path | None]] = [("", None)]
    if compare is not None:
        kinds.append((" before", compare.resolve()))
    samples: dict[str, list[Sample]] = {
        k + suffix: [] for k in ("A", "B", "C", "D", "Ddoc") for suffix, _ in kinds
    }
    samples["AD"] = []
    envs = {suffix: scratch / f"envs{suffix.strip()}" for suffix, _ in kinds}
    ran: list[list[str]] = []
    for suffix, src in kinds:  # builds the environments once
        warm = scratch / "warm-up"
        _, commands = audit(repo, warm, envs[suffix], src, measured.env)
        ran = ran or commands
        shutil.rmtree(warm, ignore_errors=True)
    # each round starts from the tree the environments were built for: B is
    # cold in its results, not in its environments (the typing environment
    # would otherwise install the target again for the previous round's D)
    originals = {path: path.read_bytes() for path in (measured.source, measured.docs)}
    by_hand_commands = checklist(repo, measured.packages, ran)
    print(f"{measured.label}: A runs {by_hand_commands}", file=sys.stderr)
    for round_ in range(repeat):
        samples["A"].append(by_hand(repo, scratch, by_hand_commands))
        caches = {
            suffix: scratch / f"cache-{round_}{suffix.strip()}" for suffix, _ in kinds
        }

        def audited(key: str, caches: Mapping[str, Path] = caches) -> None:
            for suffix, src in kinds:
                sample, _ = audit(repo, caches[suffix], envs[suffix], src, measured.env)
                samples[key + suffix].append(sample)

        audited("B")
        audited("C")
        touch_source(measured.source, round_)
        # the checklist again after the change, the tools' caches as A left them
        samples["AD"].append(by_hand(repo, scratch, by_hand_commands, cold=False))
        audited("D")
        touch_docs(measured.docs, round_)
        audited("Ddoc")
        for cache in caches.values():
            shutil.rmtree(cache, ignore_errors=True)
        for path, content in originals.items():
            path.write_bytes(content)
        if round_ + 1 < repeat:  # the environments brought back to that tree
            for suffix, src in kinds:
                audit(repo, scratch / "warm-up", envs[suffix], src, measured.env)
                shutil.rmtree(scratch / "warm-up", ignore_errors=True)
        print(f"{measured.label}: round {round_ + 1} done", file=sys.stderr)
    results = {k: median(v) for k, v in samples.items() if v}
    return [row(measured.label, results, suffix) for suffix, _ in kinds]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=None)
    parser.add_argument(
        "--field",
        nargs="*",
        default=[],
        metavar="PROJECT",
        help="projects of the field corpus (tests/field/corpus.toml) to measure too",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another readiness's src folder")
    parser.add_argument(
        "--formatter",
        choices=("black", "ruff"),
        default="black",
        help="the synthetic project's formatter (ruff: bandit and mypy lead)",
    )
    options = parser.parse_args()
    sizes = (
        options.sizes
        if options.sizes is not None
        else ([] if options.field else [100, 300, 1000])
    )
    projects = {p.name: p for p in corpus.load()}
    unknown = [name for name in options.field if name not in projects]
    if unknown:
        parser.error(f"not in the field corpus: {', '.join(unknown)}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores", file=sys.stderr)
    table = [
        (
            "| repository | A: by hand | AD: by hand, 1 source file"
            " | B: cold | C: unchanged | D: 1 source file"
            " | D: 1 docs file | B/A | C/B | D/B | D/AD | overhead (CPU)"
            " | physical limit (s) | B/limit | peak B/tool |"
        ),
        "| --- " * 15 + "|",
    ]
    with tempfile.TemporaryDirectory(prefix="readiness-bench-") as scratch:
        for size in sizes:
            repo = Path(scratch) / f"legacy-{size}"
            generate(repo, size, options.formatter)
            folder = Path(scratch) / f"run-{size}"
            folder.mkdir()
            measured = subject(f"{size} modules", repo)
            table.extend(rows(measured, folder, options.repeat, options.compare))
        for name in options.field:
            project = projects[name]
            folder = Path(scratch) / f"run-{name}"
            folder.mkdir()
            repo = corpus.checkout(project, folder / "src")
            env = {"UV_EXCLUDE_NEWER": corpus.EXCLUDE_NEWER}
            measured = subject(f"{project.name} {project.version}", repo, env)
            table.extend(rows(measured, folder, options.repeat, options.compare))
    print("\n".join(table))
    print(
        "\nCells: wall s / CPU s / peak MB (medians). AD: the checklist again"
        " after D's change, the tools' own caches as A left them. Overhead: B's"
        " CPU s less its"
        " tools'. Physical limit: B's tools' CPU s / cores, or the longest serial"
        " tool's CPU s, whichever is larger. Peak B/tool: B's peak against its"
        " largest tool process's."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
