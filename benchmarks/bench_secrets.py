"""Secret scanners compared: recall and decoys on the planted set, time on a corpus.

Not a test: run it by hand and copy the table into ``docs/secrets-scanner.md``.

    python benchmarks/bench_secrets.py CORPUS [--scanner NAME=EXECUTABLE]...

``CORPUS`` is a folder of real files (a git work tree: its tracked files are
scanned). Each ``--scanner`` names a detect-secrets-compatible executable
(``detect-secrets`` 1.5.0, or ``bc-detect-secrets``' own ``detect-secrets``
installed in another virtual environment); readiness's in-process scanner
always runs. The planted set is :mod:`tests.secrets_planted`: a secret counts
as found when the scanner reports its file and line; any other reported line
is a false alarm (decoys are a subset of those).
"""

from __future__ import annotations

import argparse
import json
import subprocess  # nosec B404 - runs the scanners with fixed argument lists
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from readiness.repofiles import walk
from readiness.secretscan import scan_files
from tests.secrets_planted import plant

Lines = set[tuple[str, int]]


def ours(root: Path, files: Sequence[str]) -> Lines:
    return {(h.path, h.line) for h in scan_files(root, files).hits}


def detect_secrets(executable: str) -> Callable[[Path, Sequence[str]], Lines]:
    def scan(root: Path, files: Sequence[str]) -> Lines:
        found: Lines = set()
        for start in range(0, len(files), 500):
            completed = subprocess.run(  # nosec B603 - argument list
                [executable, "scan", "-n", "--", *files[start : start + 500]],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            )
            for path, items in json.loads(completed.stdout)["results"].items():
                found |= {(path, item["line_number"]) for item in items}
        return found

    return scan


def tracked(root: Path) -> list[str]:
    completed = subprocess.run(
        ["git", "ls-files"],  # noqa: S607 - git from PATH, by design
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return [rel for rel in completed.stdout.splitlines() if (root / rel).is_file()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--scanner", action="append", default=[])
    args = parser.parse_args(argv)
    scanners: dict[str, Callable[[Path, Sequence[str]], Lines]] = {"readiness": ours}
    for spec in args.scanner:
        name, _, executable = spec.partition("=")
        scanners[name] = detect_secrets(executable)
    corpus_files = tracked(args.corpus)
    print(
        "| scanner | planted found | decoys reported | other false alarms"
        f" | corpus findings | corpus time ({len(corpus_files)} files) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        planted, decoys = plant(root)
        want = {(p.path, p.line) for p in planted}
        decoy_lines = {(d.path, d.line) for d in decoys}
        files = list(walk(root))
        for name, scan in scanners.items():
            got = scan(root, files)
            started = time.perf_counter()
            corpus = scan(args.corpus, corpus_files)
            elapsed = time.perf_counter() - started
            print(
                f"| {name} | {len(got & want)}/{len(want)}"
                f" | {len(got & decoy_lines)}/{len(decoy_lines)}"
                f" | {len(got - want - decoy_lines)} | {len(corpus)}"
                f" | {elapsed:.1f} s |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
