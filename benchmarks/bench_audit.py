"""Benchmark: readiness against the checklist by hand, cold, warm and incremental.

Not a test: run it by hand and copy the table into README.md.

    python benchmarks/bench_audit.py [--sizes 100 300 1000] [--repeat 3]
        [--compare SRC] [--formatter black|ruff]

For each size, a synthetic legacy repository (``benchmarks/synth.py``) is
written to a temporary folder, then, in one run with interleaved repetitions:

- **A**, the checklist by hand: ``ruff check .``, ``black --check .``,
  ``bandit -r src``, ``mypy src`` one after another (the seed's commands),
  cold like B: the tools' own caches (``.mypy_cache``, ``.ruff_cache``,
  black's) emptied first, as in a fresh CI checkout;
- **B**, ``readiness audit`` of the same gates (markers, lint, format, sast,
  typing) with an empty result cache (``--cache-dir`` new each time; the
  typing environment, built once before in a folder of the benchmark's own
  (``READINESS_CACHE_DIR``, one per readiness compared), is reused as it is
  between audits);
- **C**, the same audit again, nothing changed;
- **D**, the same audit after one source file changed, and **Ddoc** after one
  Markdown file changed.

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
D/B; the orchestration overhead: B's CPU time less its tools' (ruff, black,
bandit, mypy; their ``--version`` probes count as readiness's), as a share
of B's; the physical limit of B's work: its tools' CPU time divided by the
cores, or the longest serial tool's CPU time (black spreads over the cores),
whichever is larger, and B against it; and B's peak memory against the
largest single tool's in A.

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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import generate

GATES = ("markers", "lint", "format", "sast", "typing")
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
#: The tools of the audit (``python -m mypy`` by its module), and those that
#: spread their work over the cores themselves.
TOOLS = frozenset({"ruff", "black", "bandit", "mypy"})
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


def by_hand(repo: Path, scratch: Path, formatter: str = "black") -> Sample:
    """The checklist by hand, cold: each tool once, in sequence; their sums and max."""
    for folder in (".mypy_cache", ".ruff_cache"):
        shutil.rmtree(repo / folder, ignore_errors=True)
    black_cache = scratch / "black-cache"
    shutil.rmtree(black_cache, ignore_errors=True)
    env = {"BLACK_CACHE_DIR": str(black_cache)}
    runs = [
        measure([str(BIN / "ruff"), "check", "."], repo, env),
        measure(
            (
                [str(BIN / "ruff"), "format", "--check", "."]
                if formatter == "ruff"
                else [str(BIN / "black"), "--check", "."]
            ),
            repo,
            env,
        ),
        measure([str(BIN / "bandit"), "-r", "src", "-q"], repo, env),
        measure([sys.executable, "-m", "mypy", "src"], repo, env),
    ]
    cores = os.cpu_count() or 1
    return Sample(
        sum(r.wall for r in runs),
        sum(r.cpu for r in runs),
        max(r.peak_mb for r in runs),
        max(sum(r.cpu for r in runs) / cores, *(r.wall for r in runs)),
    )


def audit(repo: Path, cache: Path, envs: Path, src: Path | None = None) -> Sample:
    """``readiness audit`` of :data:`GATES`; ``src``: that readiness instead.

    ``envs``: its environments' folder (``READINESS_CACHE_DIR``), one per
    readiness compared, so that neither reuses what the other built.
    """
    selected = [arg for gate in GATES for arg in ("--gate", gate)]
    trace = cache.parent / f"{cache.name}.trace.json"
    env = {"READINESS_CACHE_DIR": str(envs), "READINESS_BENCH_TRACE": str(trace)}
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
    return Sample(sample.wall, sample.cpu, sample.peak_mb, limit, tools_cpu)


def _tool(argv: list[str]) -> str | None:
    """The tool ``argv`` runs, if it is one of :data:`TOOLS` and no probe."""
    if "--version" in argv or "--help" in argv:
        return None
    name = Path(argv[0]).name
    if name.startswith("python") and argv[1:3] == ["-m", "mypy"]:
        name = "mypy"
    return name if name in TOOLS else None


def touch_source(repo: Path, round_: int) -> None:
    module = next((repo / "src").rglob("module_1.py"))
    with module.open("a", encoding="utf-8") as stream:
        stream.write(f"\n\nCHANGED_{round_} = {round_}\n")


def touch_docs(repo: Path, round_: int) -> None:
    page = next((repo / "docs").glob("*.md"))
    with page.open("a", encoding="utf-8") as stream:
        stream.write(f"\nRevision {round_}.\n")


def median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        statistics.median(s.peak_mb for s in samples),
        statistics.median(s.limit for s in samples),
        statistics.median(s.tools_cpu for s in samples),
    )


def row(size: int, results: dict[str, Sample], lines: int, suffix: str = "") -> str:
    a = results["A"]
    b, c, d, e = (results[k + suffix] for k in ("B", "C", "D", "Ddoc"))
    cells = [
        f"{size} ({lines // 1000}k lines){suffix}",
        *(f"{s.wall:.1f} / {s.cpu:.1f} / {s.peak_mb:.0f}" for s in (a, b, c, d, e)),
        f"{b.wall / a.wall:.2f}",
        f"{c.wall / b.wall:.3f}",
        f"{d.wall / b.wall:.3f}",
        f"{(b.cpu - b.tools_cpu) / b.cpu * 100:.1f} %",
        f"{b.limit:.1f}",
        f"{b.wall / b.limit:.2f}",
        f"{b.peak_mb / a.peak_mb:.2f}",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another readiness's src folder")
    parser.add_argument(
        "--formatter",
        choices=("black", "ruff"),
        default="black",
        help="the synthetic project's formatter (ruff: bandit and mypy lead)",
    )
    options = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores", file=sys.stderr)
    table = [
        (
            "| modules | A: by hand | B: cold | C: unchanged | D: 1 source file"
            " | D: 1 docs file | B/A | C/B | D/B | overhead (CPU)"
            " | physical limit (s) | B/limit | peak B/tool |"
        ),
        "| --- " * 13 + "|",
    ]
    with tempfile.TemporaryDirectory(prefix="readiness-bench-") as scratch:
        for size in options.sizes:
            repo = Path(scratch) / f"legacy-{size}"
            generate(repo, size, options.formatter)
            lines = sum(
                len(p.read_text().splitlines()) for p in (repo / "src").rglob("*.py")
            )
            kinds = [("", None)]
            if options.compare is not None:
                kinds.append((" before", options.compare.resolve()))
            samples: dict[str, list[Sample]] = {
                k + suffix: []
                for k in ("A", "B", "C", "D", "Ddoc")
                for suffix, _ in kinds
            }
            envs = {
                suffix: Path(scratch) / f"envs{suffix.strip()}" for suffix, _ in kinds
            }
            for suffix, src in kinds:  # builds the typing environment once
                warm = Path(scratch) / "warm-up"
                audit(repo, warm, envs[suffix], src)
                shutil.rmtree(warm, ignore_errors=True)
            for round_ in range(options.repeat):
                samples["A"].append(by_hand(repo, Path(scratch), options.formatter))
                caches = {
                    suffix: Path(scratch) / f"cache-{size}-{round_}{suffix.strip()}"
                    for suffix, _ in kinds
                }
                for suffix, src in kinds:
                    samples["B" + suffix].append(
                        audit(repo, caches[suffix], envs[suffix], src)
                    )
                    samples["C" + suffix].append(
                        audit(repo, caches[suffix], envs[suffix], src)
                    )
                touch_source(repo, round_)
                for suffix, src in kinds:
                    samples["D" + suffix].append(
                        audit(repo, caches[suffix], envs[suffix], src)
                    )
                touch_docs(repo, round_)
                for suffix, src in kinds:
                    samples["Ddoc" + suffix].append(
                        audit(repo, caches[suffix], envs[suffix], src)
                    )
                for cache in caches.values():
                    shutil.rmtree(cache, ignore_errors=True)
                print(f"size {size}: round {round_ + 1} done", file=sys.stderr)
            results = {k: median(v) for k, v in samples.items() if v}
            for suffix, _ in kinds:
                table.append(row(size, results, lines, suffix))
    print("\n".join(table))
    print(
        "\nCells: wall s / CPU s / peak MB (medians). Overhead: B's CPU s less its"
        " tools'. Physical limit: B's tools' CPU s / cores, or the longest serial"
        " tool's CPU s, whichever is larger."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
