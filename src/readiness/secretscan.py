"""Scanning files for secrets in-process, with the context that sets severity.

The shapes are :mod:`readiness.secretshapes`; this module decides which files
are read and what a match means where it was found:

* binary files (a NUL byte in the first 8 KiB) and
  files over ``max_bytes`` are not read; they are returned as skipped, with
  the reason;
* lock, requirement and checksum files (``uv.lock``, ``pylock.toml``,
  ``requirements*.txt``, ``PKGBUILD``, ``.pre-commit-config.yaml``, …) are
  grammars of hashes and commit ids: only provider formats are looked for
  there, never the generic keyword rule;
* in tests and documentation, a private key, a JWT, a database password or a
  keyword assignment is a fixture or an example until shown otherwise: it is
  reported at Low. A provider-format token stays High wherever it is;
* a database URL whose host is the local machine is Low;
* a line marked ``pragma: allowlist secret`` (detect-secrets' marker, or the
  line before it marked ``pragma: allowlist nextline secret``) or
  ``gitleaks:allow``, or matching an ``exclude_lines`` pattern, is skipped;
* a test PKI's key is set apart, not reported (:attr:`Scan.test_keys`, counted
  by the gate): a PEM private key in a test folder (a ``tests``, ``test`` or
  ``testing`` folder, or under a path the target declares as its tests) whose
  folder also holds a certificate (a ``-----BEGIN CERTIFICATE-----`` block in
  a scanned file of that folder, the key's own file included). That is the
  throw-away CA and server keys TLS tests need (requests' ``tests/certs``, made
  by its Makefile and openssl configs; httpie's ``tests/client_certs``): there
  is nothing to rotate. A private key anywhere else, or in a test folder with
  no certificate beside it, stays reported (Low in tests).

A hit records the secret's SHA-1 (what a detect-secrets baseline records)
so that a baseline can accept it; never the secret itself.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from readiness.findings import Severity
from readiness.regexes import compile_given
from readiness.secretshapes import (
    DATABASE_URL,
    KEYWORD,
    LOCAL_HOSTS,
    Shape,
    assignments,
    find_shapes,
    keyword_offsets,
)

#: Files above this size are skipped (and reported as skipped).
MAX_BYTES = 1_000_000
SNIFF_BYTES = 8192
#: Lock, requirement, checksum and package-recipe files: hashes by grammar.
DIGEST_FILES = (
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "Cargo.lock",
    "Gemfile.lock",
    "composer.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.sum",
    "PKGBUILD",
    ".SRCINFO",
    ".pre-commit-config.yaml",
    "*.lock",
    "pylock*.toml",
    "requirements*.txt",
    "requirements*.in",
    "constraints*.txt",
    "*.sha256",
    "*.sha512",
    "*SUMS",
    "*.sum",
)
TEST_DIRS = frozenset(
    {"tests", "test", "testing", "fixtures", "testdata", "test_data", "__fixtures__"}
)
#: Folders whose keys beside a certificate are a test PKI's (narrower than
#: TEST_DIRS: "fixtures" or "testdata" also name an application's data).
PKI_TEST_DIRS = frozenset({"tests", "test", "testing"})
CERTIFICATE = "-----BEGIN CERTIFICATE-----"
PRIVATE_KEY = "private-key"
TEST_FILES = ("test_*.py", "*_test.py", "conftest.py", "*_test.go", "*.test.[jt]s")
DOC_DIRS = frozenset({"docs", "doc", "examples", "example", "samples"})
DOC_SUFFIXES = frozenset({".md", ".rst", ".adoc", ".markdown"})
#: Formats whose unquoted values are literals (in code they are expressions).
BARE_SUFFIXES = frozenset(
    {".ini", ".cfg", ".conf", ".properties", ".yaml", ".yml", ".sh", ".bash", ".env"}
)
#: Contexts that lower a weak-evidence match to Low.
WEAK = frozenset({PRIVATE_KEY, "jwt", DATABASE_URL.id, KEYWORD.id})
ALLOW = re.compile(r"pragma: ?allowlist[ -]secret|gitleaks:allow")
ALLOW_NEXT = re.compile(r"pragma: ?allowlist[ -]nextline[ -]secret")


@dataclass(frozen=True, kw_only=True)
class Hit:
    """A secret found: where, which shape, how sure; its SHA-1, not its value."""

    path: str
    line: int
    shape: Shape
    severity: Severity
    context: str
    hashed: str
    #: the name the value was assigned to (the generic rule), else empty
    key: str = ""


@dataclass(frozen=True, kw_only=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Scan:
    hits: tuple[Hit, ...]
    skipped: tuple[Skipped, ...]
    scanned: int
    #: test PKI keys (private keys beside a certificate in a test folder)
    test_keys: tuple[Hit, ...] = ()


def context_of(rel: str) -> str:
    """``test``, ``docs`` or ``""`` (code and configuration)."""
    path = PurePosixPath(rel)
    folders = set(path.parts[:-1])
    if folders & TEST_DIRS or any(fnmatchcase(path.name, p) for p in TEST_FILES):
        return "test"
    if folders & DOC_DIRS or path.suffix.lower() in DOC_SUFFIXES:
        return "docs"
    return ""


def digest_file(rel: str) -> bool:
    name = PurePosixPath(rel).name
    return any(fnmatchcase(name, pattern) for pattern in DIGEST_FILES)


def dotenv_file(name: str) -> bool:
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def bare_literals(rel: str) -> bool:
    path = PurePosixPath(rel)
    return path.suffix.lower() in BARE_SUFFIXES or dotenv_file(path.name)


def severity_for(shape: Shape, context: str, host: str = "") -> Severity:
    """The evidence decides: weak shapes in tests and docs, or on localhost, are Low."""
    if shape.id == DATABASE_URL.id and host in LOCAL_HOSTS:
        return Severity.LOW
    if context and shape.id in WEAK:
        return Severity.LOW
    return shape.severity


class _Lines:
    """Line numbers and line texts of one file, split once, when first asked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        return self._starts

    def number(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line(self, number: int) -> str:
        starts = self.starts
        start = starts[number - 1]
        end = starts[number] - 1 if number < len(starts) else len(self.text)
        return self.text[start:end]


def scan_text(
    rel: str, text: str, exclude_lines: Sequence[re.Pattern[str]] = ()
) -> list[Hit]:
    """Every secret in one file's text, one per line and shape, in line order."""
    lines = _Lines(text)
    lower = text.lower()
    context = context_of(rel)
    hits: dict[tuple[int, str], Hit] = {}
    taken: set[int] = set()

    def allowed(number: int) -> bool:
        line = lines.line(number)
        previous = lines.line(number - 1) if number > 1 else ""
        return bool(
            ALLOW.search(line)
            or ALLOW_NEXT.search(previous)
            or any(p.search(line) for p in exclude_lines)
        )

    for match in find_shapes(text, lower):
        number = lines.number(match.start)
        if (number, match.shape.id) in hits or allowed(number):
            continue
        taken.add(number)
        hits[number, match.shape.id] = Hit(
            path=rel,
            line=number,
            shape=match.shape,
            severity=severity_for(match.shape, context, match.host),
            context=context,
            hashed=sha1(match.value),
        )
    if not digest_file(rel):
        bare = bare_literals(rel)
        candidates = sorted({lines.number(i) for i in keyword_offsets(lower)})
        for number in candidates:
            if number in taken or allowed(number):
                continue
            found = next(assignments(lines.line(number), bare=bare), None)
            if found is not None:
                hits[number, KEYWORD.id] = Hit(
                    path=rel,
                    line=number,
                    shape=KEYWORD,
                    severity=severity_for(KEYWORD, context),
                    context=context,
                    hashed=sha1(found.value),
                    key=found.key,
                )
    return sorted(hits.values(), key=lambda h: (h.line, h.shape.id))


def sha1(value: str) -> str:
    """The hash a detect-secrets baseline records for a secret."""
    return hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()


def read_text(path: Path, max_bytes: int) -> str | Skipped:
    """A file's text, or why it is not read (binary, too big, unreadable)."""
    rel = path.name
    if path.is_symlink():
        return Skipped(path=rel, reason="symbolic link, not followed")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Skipped(path=rel, reason=f"{size:,} bytes > {max_bytes:,}")
        data = path.read_bytes()
    except OSError as error:
        return Skipped(path=rel, reason=f"unreadable: {error.strerror or error}")
    if b"\0" in data[:SNIFF_BYTES]:
        return Skipped(path=rel, reason="binary")
    return data.decode("utf-8", errors="replace")


def scan_files(
    root: Path,
    files: Iterable[str],
    *,
    exclude_lines: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
    test_paths: Sequence[str] = (),
) -> Scan:
    """Scan ``files`` (relative to ``root``) in-process.

    ``test_paths``: folders the target declares as its tests (beside the
    ``tests``, ``test`` and ``testing`` folders), for the test PKI rule.
    """
    patterns = [compile_given(p) for p in exclude_lines]
    hits: list[Hit] = []
    skipped: list[Skipped] = []
    certified: set[PurePosixPath] = set()
    scanned = 0
    for rel in files:
        text = read_text(root / rel, max_bytes)
        if isinstance(text, Skipped):
            skipped.append(Skipped(path=rel, reason=text.reason))
            continue
        scanned += 1
        hits += scan_text(rel, text, patterns)
        if CERTIFICATE in text:
            certified.add(PurePosixPath(rel).parent)
    keys = [h for h in hits if in_test_pki(h, certified, test_paths)]
    return Scan(
        hits=tuple(h for h in hits if h not in keys),
        skipped=tuple(skipped),
        scanned=scanned,
        test_keys=tuple(keys),
    )


def folder_of_tests(rel: str, test_paths: Sequence[str] = ()) -> str:
    """The test folder ``rel`` lies in, one level down (``tests/certs``), or ``""``.

    One level down names the test PKI in a report (requests' keys are all
    under ``tests/certs``), not each of its sub-folders.
    """
    parts = PurePosixPath(rel).parts[:-1]
    declared = [PurePosixPath(p.strip("/")).parts for p in test_paths if p.strip("/.")]
    for depth in range(len(parts)):
        head = parts[: depth + 1]
        if parts[depth] in PKI_TEST_DIRS or head in declared:
            return "/".join(parts[: depth + 2])
    return ""


def in_test_pki(
    hit: Hit, certified: set[PurePosixPath], test_paths: Sequence[str] = ()
) -> bool:
    """A private key in a test folder with a certificate beside it."""
    return (
        hit.shape.id == PRIVATE_KEY
        and PurePosixPath(hit.path).parent in certified
        and bool(folder_of_tests(hit.path, test_paths))
    )
