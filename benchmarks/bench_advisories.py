"""Benchmark of the offline OSV source: load time and match time, and their growth.

Not a test: run it by hand and copy the table into README.md.

    python benchmarks/bench_advisories.py [--repeat 7]

It needs ``../shared/advisory-db/`` beside the repository (it says so and
stops when that is absent) and, once, PyPI to resolve
``benchmarks/large-requirements.in`` (a real data/ML/web requirement set)
into a lock, cached in the system's temporary folder. Figures are medians
over ``--repeat`` runs:

- load time of each snapshot, and of 25/50/75/100 % of its records (a zip
  holding the first N records, written to a temporary folder);
- match time of this repository's dev lock, of the large lock and of its
  prefixes (how matching grows with the number of packages), and of every
  package the database names at version 0.0.1 (most records match: the worst
  case for range evaluation).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess  # nosec B404 - runs uv with a fixed argument list
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from readiness import command, locks
from readiness.advisories.osv import OsvDatabase

ROOT = Path(__file__).resolve().parent.parent
DATABASES = ROOT.parent / "shared" / "advisory-db"
SNAPSHOTS = ("osv-pypi-2024-10-10.zip", "pypa-advisory-database-2024-10-10.zip")
LARGE_IN = Path(__file__).resolve().parent / "large-requirements.in"


def medians(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``repeat`` runs of ``action``.

    CPU time is shown beside wall time because the machines are shared: a busy
    neighbour stretches the wall clock, not the work done.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def ms(seconds: tuple[float, float], digits: int = 0) -> str:
    return f"{seconds[0] * 1000:.{digits}f} | {seconds[1] * 1000:.{digits}f}"


def large_lock() -> locks.Lock | None:
    """The large requirement set resolved by uv (cached by the input's hash)."""
    digest = hashlib.sha256(LARGE_IN.read_bytes()).hexdigest()[:12]
    cached = Path(tempfile.gettempdir()) / f"readiness-bench-large-{digest}.txt"
    if not cached.is_file():
        print(f"resolving {LARGE_IN.name} with uv (once; needs PyPI) ...")
        done = subprocess.run(  # nosec B603 - fixed arguments, uv resolved by which
            [
                command.which("uv"),
                "pip",
                "compile",
                str(LARGE_IN),
                "--python-version",
                "3.11",
                "--no-header",
                "--quiet",
                "-o",
                str(cached),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            print(f"could not resolve it: {command.last_line(done.stderr)}")
            return None
    return locks.read(cached, name="large", root="large-requirements.in")


def subset_zip(source: Path, fraction: float, folder: Path) -> Path:
    """A zip of the first ``fraction`` of ``source``'s members, in ``folder``."""
    target = folder / f"{source.stem}-{int(fraction * 100)}.zip"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        members = sorted(archive.namelist())
        for name in members[: round(len(members) * fraction)]:
            out.writestr(name, archive.read(name))
    return target


def prefix(lock: locks.Lock, count: int) -> locks.Lock:
    return locks.Lock(name=f"{lock.name}[:{count}]", packages=lock.packages[:count])


def every_package(database: OsvDatabase) -> locks.Lock:
    names = sorted({a.package for record in database.records for a in record.affected})
    packages = tuple(locks.LockedPackage(name=n, version="0.0.1") for n in names)
    return locks.Lock(name="every-package", packages=packages)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    repeat: int = args.repeat
    if not all((DATABASES / name).is_file() for name in SNAPSHOTS):
        print(f"skipped: the advisory snapshots are not in {DATABASES}")
        return 0

    print(f"Python {sys.version.split()[0]}, medians of {repeat} runs\n")
    print("| load | records | wall ms | CPU ms |")
    print("| --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for name in SNAPSHOTS:
            for fraction in (0.25, 0.5, 0.75, 1.0):
                path = DATABASES / name
                if fraction < 1:
                    path = subset_zip(path, fraction, Path(folder))
                records = len(OsvDatabase.load(path).records)
                timing = medians(partial(OsvDatabase.load, path), repeat)
                shown = f"{name} ({int(fraction * 100)} %)"
                print(f"| {shown} | {records} | {ms(timing)} |")

    database = OsvDatabase.load(DATABASES / SNAPSHOTS[0])
    to_match: list[locks.Lock] = [
        locks.read(ROOT / "constraints" / "dev.txt", name="readiness dev", root="")
    ]
    large = large_lock()
    if large is not None:
        sizes = [n for n in (10, 50, 100, 200, 400) if n < len(large.packages)]
        to_match += [prefix(large, n) for n in sizes]
        to_match.append(large)
    to_match.append(every_package(database))
    print(
        f"\n| match against {SNAPSHOTS[0]} | packages | advisories | wall ms | CPU ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for lock in to_match:
        found = len(database.audit(lock).advisories)
        timing = medians(partial(database.audit, lock), repeat * 3)
        print(f"| {lock.name} | {len(lock.packages)} | {found} | {ms(timing, 2)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
