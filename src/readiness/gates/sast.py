"""The ``sast`` gate: bandit's results, and ``# nosec`` comments that hide them.

bandit runs on the target's packages and writes its JSON report into the
scratch folder (``-o``), which is read instead of stdout. bandit reads
``[tool.bandit]`` only when told to (``-c pyproject.toml``), and a root
``.bandit`` file only when it lies inside a scanned folder, so both are passed
explicitly when present.

The seed's acceptance criterion is "Medium findings either remediated or
justified with documented ``# nosec`` annotations", so the comments bandit
honoured are checked too, with bandit's own syntax (``bandit/core/manager.py``):
``#\\s*nosec:?`` followed by test IDs or test names up to the next ``#``. A
comment naming no known test silences every check on its line; one naming
tests must also say why.

Projects that run bandit's checks through ruff (flake8-bandit, ``S`` + bandit's
number) justify a line with ``# noqa: S324`` (or a file with
``# ruff: noqa: S101``): such a result is counted in ``noqa_justified`` and not
reported again. Results with nothing to act on are counted in ``notes_left_out``
instead of reported: B603 on a literal argument list of constants (and
``sys.executable``), and B404 ("import subprocess") in a file where no other
subprocess result remains. B324 on a weak hash used as an HMAC digest (flask's
HMAC-SHA1 session signature) is Low: HMAC-SHA1 is not broken as SHA-1 is.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import dataclasses
import io
import json
import re
import tokenize
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from readiness import pysource
from readiness.bandit_advice import advice, fixed_command, hmac_digest
from readiness.command import last_line
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    PROJECT_FILES,
    PYTHON_SOURCES,
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.repofiles import unsafe_links
from readiness.target import Target

NOSEC_WITHOUT_ID = Rule(
    id="SA001",
    title="`# nosec` without a test ID silences every check on the line",
    explanation=(
        "bandit skips every test on a line whose `# nosec` names no test it knows,"
        " so a new, different issue on that line would go unreported."
    ),
    fix="name the test and say why: `# nosec B113 - internal host, trusted`",
)
NOSEC_WITHOUT_REASON = Rule(
    id="SA002",
    title="`# nosec` without a written reason",
    explanation=(
        "A suppressed bandit result counts as justified only when the comment says"
        " why the code is safe; reviewers cannot check an unexplained suppression."
    ),
    fix="write the reason after the IDs: `# nosec B113 - internal host, trusted`",
)
UNSCANNED = Rule(
    id="SA003",
    title="bandit could not scan this file",
    explanation=(
        "bandit could not parse the file, so none of its tests ran on it: the"
        " file's security issues are unknown."
    ),
    fix="fix the syntax error (bandit parses with the Python it runs on)",
)
#: readiness's own rules, for renderers and documentation.
RULES = (NOSEC_WITHOUT_ID, NOSEC_WITHOUT_REASON, UNSCANNED)

#: Precise recommendations for the seed's cases; others get :data:`DEFAULT_FIX`.
FIXES = {
    "B202": (
        'use extractall(path, filter="data") (Python >= 3.12, 3.11.4+, 3.10.12+)'
        " or validate that each member stays under the destination"
    ),
    "B307": (
        "ast.literal_eval when the input is a literal, otherwise restrict eval"
        " to trusted input"
    ),
    "B102": (
        "replace exec with explicit code (a dispatch table, importlib); if it must"
        " stay, run only trusted code and document the threat model"
    ),
    "B608": "bound parameters for values, an allow-list for identifiers",
    "B113": "pass timeout= (e.g. timeout=30)",
    "B301": "never unpickle untrusted data; prefer JSON",
    "B324": (
        "hashlib.new(name, usedforsecurity=False) when the hash is not for security,"
        " otherwise SHA-256 or better"
    ),
    "B506": "yaml.safe_load",
    "B602": "pass an argument list and leave shell=False",
    "B108": "tempfile.mkstemp() or tempfile.TemporaryDirectory(), not a fixed path",
}
DEFAULT_FIX = "review; fix or annotate `# nosec {id}` with a reason"

#: ruff's flake8-bandit rules (``crates/ruff_linter/src/codes.rs``): ``S`` and
#: the number of the bandit test each one reimplements.
RUFF_BANDIT = frozenset(
    {
        *(101, 102, 103, 104, 105, 106, 107, 108, 110, 112, 113, 201, 202),
        *range(301, 309),
        *range(310, 322),
        *(323, 324),
        *range(401, 414),
        415,
        *range(501, 510),
        *range(601, 613),
        *(701, 702, 704),
    }
)
_CODES = r"(?P<codes>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*)"
NOQA = re.compile(r"#\s*noqa\s*:\s*" + _CODES, re.IGNORECASE)
FILE_NOQA = re.compile(r"#\s*(?:ruff|flake8)\s*:\s*noqa\s*:\s*" + _CODES, re.IGNORECASE)
_CODE = re.compile(r"S(\d{3})", re.IGNORECASE)
#: bandit's subprocess tests, whose import note B404 goes with.
SUBPROCESS_TESTS = frozenset({"B602", "B603", "B604", "B605", "B606", "B607"})
HMAC_FIX = (
    "used as an HMAC digest, where SHA-1 is not broken: nothing to fix for"
    " security; prefer SHA-256 for new signatures (changing it invalidates"
    " existing ones)"
)

SEVERITIES = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}

#: bandit's own patterns (``bandit/core/manager.py``): the comment, then its tests.
NOSEC = re.compile(r"#\s*nosec:?\s*(?P<tests>[^#]+)?#?")
NOSEC_TESTS = re.compile(r"(?:(B\d+|[a-z\d_]+),?)+", re.IGNORECASE)
#: bandit's built-in blacklist test, which ``bandit --help`` does not list.
BUILTIN_TESTS = frozenset({"B001"})
_HELP_TEST = re.compile(r"^\s+(B\d+)\s+(\w+)\s*$", re.MULTILINE)
_TEST_ID = re.compile(r"B\d+")
_WORD = re.compile(r"\w+")
_SEPARATORS = " \t-:;,.\u2013\u2014"


class SastGate(Gate):
    """bandit finds no High issue, and every Medium is fixed or justified."""

    name = "sast"
    title = "bandit security scan"
    priority = Priority.P0
    inputs = PYTHON_SOURCES + PROJECT_FILES + (".bandit",)
    cost = 30.0

    def run(self, ctx: GateContext) -> Evaluation:
        packages = ctx.options.strings("packages", ctx.target.packages)
        if not packages:
            raise GateSkipped(
                "no Python packages found (set [tool.readiness.sast] packages)"
            )
        missing = [p for p in packages if not (ctx.target.root / p).exists()]
        if missing:
            raise GateError(
                f"[tool.readiness.sast] packages: {missing[0]} does not exist"
            )
        ctx.tool_version("bandit")
        known = known_tests(ctx.run(["bandit", "--help"], record=False).stdout)

        report_path = ctx.scratch / "bandit.json"
        report_path.unlink(missing_ok=True)
        args = ["bandit", "-r", *packages, "-f", "json", "-o", str(report_path), "-q"]
        if "bandit" in ctx.target.tool:
            args += ["-c", "pyproject.toml"]
        if (ctx.target.root / ".bandit").is_file():
            args += ["--ini", ".bandit"]
        args += link_exclusion(ctx.target)
        completed = ctx.run(args, ok_codes=(0, 1))
        if not report_path.is_file():
            raise GateError(
                f"bandit exited with code {completed.returncode} without writing"
                f" its report: {last_line(completed.stderr or completed.stdout)}"
            )
        report = read_report(report_path)

        sources = Sources(ctx.target)
        kept, justified, notes = reassess(sources, report["results"])
        results = ordered(reassessed(sources, item) for item in kept)
        unscanned = ordered(
            error_finding(ctx.target, item) for item in report["errors"]
        )
        scanned = [name for name in report["metrics"] if name != "_totals"]
        nosec = ordered(nosec_findings(ctx.target, scanned, known))

        counts = {
            severity: sum(1 for f in results if f.severity is severity)
            for severity in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)
        }
        without_id = sum(1 for f in nosec if f.rule == NOSEC_WITHOUT_ID.id)
        without_reason = len(nosec) - without_id
        still_open = counts[Severity.MEDIUM] + len(nosec)
        totals = report["metrics"].get("_totals")
        loc = totals.get("loc") if isinstance(totals, dict) else None
        return Evaluation(
            criteria=(
                Criterion(
                    text=f"bandit High = 0 ({counts[Severity.HIGH]} found)",
                    met=counts[Severity.HIGH] == 0,
                ),
                Criterion(
                    text="every bandit Medium fixed or `# nosec BXXX` with a reason"
                    f" ({still_open} open)",
                    met=still_open == 0,
                ),
                Criterion(
                    text="bandit parsed every file"
                    f" ({len(unscanned)} could not be parsed)",
                    met=not unscanned,
                ),
            ),
            findings=(*results, *nosec, *unscanned),
            metrics={
                "high": counts[Severity.HIGH],
                "medium": counts[Severity.MEDIUM],
                "low": counts[Severity.LOW],
                "nosec_without_id": without_id,
                "nosec_without_reason": without_reason,
                "noqa_justified": justified,
                "notes_left_out": notes,
                "files_scanned": len(scanned),
                "files_unparsable": len(unscanned),
                "loc": loc if isinstance(loc, int) else 0,
            },
        )


def link_exclusion(target: Target) -> list[str]:
    """``-x`` for file links leaving the target: bandit reads them otherwise.

    ``-x`` replaces the ``exclude`` of a ``.bandit`` file, so that one is kept.
    """
    links = [link for link in unsafe_links(target.root) if link.endswith(".py")]
    if not links:
        return []
    ini = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(OSError, configparser.Error, UnicodeDecodeError):
        ini.read(target.root / ".bandit", encoding="utf-8")
    theirs = ini.get("bandit", "exclude", fallback="").strip()
    return ["-x", ",".join([*([theirs] if theirs else []), *links])]


class Sources:
    """Each scanned file read once: its ruff justifications and its syntax tree."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._noqa: dict[str, tuple[dict[int, set[str]], set[str]]] = {}
        self._trees: dict[str, ast.Module | None] = {}

    def path(self, filename: str) -> Path:
        return self.target.root / self.target.rel(filename)

    def justified(self, item: Mapping[str, Any]) -> bool:
        """Whether a ``# noqa: S###`` on the result's lines names its test."""
        filename = str(item["filename"])
        if filename not in self._noqa:
            self._noqa[filename] = ruff_justifications(self.path(filename))
        by_line, whole_file = self._noqa[filename]
        lines = item.get("line_range")
        if not (isinstance(lines, list) and lines):
            lines = [item["line_number"]]
        test_id = str(item["test_id"])
        return test_id in whole_file or any(
            test_id in by_line.get(line, ()) for line in lines
        )

    def tree(self, filename: str) -> ast.Module | None:
        if filename not in self._trees:
            path = self.path(filename)
            try:
                self._trees[filename] = pysource.parse(
                    path.read_bytes(), filename=str(path)
                )
            except (OSError, SyntaxError, ValueError):
                self._trees[filename] = None
        return self._trees[filename]


def ruff_justifications(path: Path) -> tuple[dict[int, set[str]], set[str]]:
    """bandit test IDs justified per line by ``# noqa: S###``, and for the
    whole file by ``# ruff: noqa: S###``."""
    by_line: dict[int, set[str]] = {}
    whole_file: set[str] = set()
    for line, comment in comments(path):
        for match in FILE_NOQA.finditer(comment):
            whole_file.update(bandit_ids(match["codes"]))
        for match in NOQA.finditer(comment):
            by_line.setdefault(line, set()).update(bandit_ids(match["codes"]))
    return by_line, whole_file


def bandit_ids(codes: str) -> set[str]:
    """``"S324, E501"`` -> ``{"B324"}``: the ruff codes that are bandit tests."""
    return {
        f"B{match[1]}"
        for match in map(_CODE.fullmatch, re.split(r"[\s,]+", codes.strip()))
        if match and int(match[1]) in RUFF_BANDIT
    }


def reassess(
    sources: Sources, items: Iterable[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]], int, int]:
    """The results to report, how many ruff justified, and how many are notes
    with nothing to act on (see the module docstring)."""
    kept: list[Mapping[str, Any]] = []
    justified = notes = 0
    for item in items:
        tree = sources.tree(str(item["filename"]))
        if sources.justified(item):
            justified += 1
        elif (
            item["test_id"] == "B603"
            and tree is not None
            and fixed_command(tree, int(item["line_number"]))
        ):
            notes += 1
        else:
            kept.append(item)
    calls = {str(i["filename"]) for i in kept if i["test_id"] in SUBPROCESS_TESTS}
    left = [
        item
        for item in kept
        if item["test_id"] != "B404" or str(item["filename"]) in calls
    ]
    return left, justified, notes + len(kept) - len(left)


def reassessed(sources: Sources, item: Mapping[str, Any]) -> Finding:
    """bandit's result as a finding; B324 on an HMAC digest is Low."""
    finding = result_finding(sources.target, item)
    tree = sources.tree(str(item["filename"]))
    if (
        finding.rule == "B324"
        and finding.line is not None
        and tree is not None
        and hmac_digest(tree, finding.line)
    ):
        return dataclasses.replace(
            finding,
            severity=Severity.LOW,
            priority=Priority.P2,
            message=finding.message + "; here it is an HMAC digest",
            fix=HMAC_FIX,
            details={**finding.details, "hmac": True},
        )
    return finding


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """By file and line, so reports do not depend on bandit's traversal order."""
    return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.rule))


def known_tests(help_text: str) -> frozenset[str]:
    """The test IDs and names ``bandit --help`` lists; empty if it lists none."""
    found = _HELP_TEST.findall(help_text)
    if not found:
        return frozenset()
    return BUILTIN_TESTS | {part for pair in found for part in pair}


def read_report(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise GateError(f"bandit wrote no report to {path}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise GateError(
            f"bandit wrote a report that is not JSON: {text.strip()[:80]!r}"
        ) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("results"), list)
        and isinstance(data.get("errors", []), list)
        and isinstance(data.get("metrics", {}), dict)
        and all(_is_result(item) for item in data["results"])
    ):
        raise GateError("bandit wrote JSON without the expected results list")
    return {
        "results": data["results"],
        "errors": data.get("errors", []),
        "metrics": data.get("metrics", {}),
    }


def _is_result(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("filename"), str)
        and isinstance(item.get("test_id"), str)
        and isinstance(item.get("line_number"), int)
    )


def result_finding(target: Target, item: Mapping[str, Any]) -> Finding:
    test_id = str(item["test_id"])
    severity = SEVERITIES.get(
        str(item.get("issue_severity", "")).upper(), Severity.INFO
    )
    confidence = str(item.get("issue_confidence", "undefined")).lower()
    cwe = item.get("issue_cwe")
    cwe_id = cwe.get("id") if isinstance(cwe, dict) else None
    context = f"CWE-{cwe_id}, " if cwe_id else ""
    details: dict[str, str | int | float | bool] = {
        "confidence": confidence,
        "test_name": str(item.get("test_name", "")),
    }
    if isinstance(cwe_id, int):
        details["cwe"] = cwe_id
    if item.get("more_info"):
        details["more_info"] = str(item["more_info"])
    line = int(item["line_number"])
    return Finding(
        rule=test_id,
        severity=severity,
        priority=(
            Priority.P0 if severity in (Severity.HIGH, Severity.MEDIUM) else Priority.P2
        ),
        message=(f"{item.get('issue_text', '')} ({context}confidence {confidence})"),
        path=target.rel(item["filename"]),
        line=line,
        fix=advice(target.root / target.rel(item["filename"]), test_id, line)
        or FIXES.get(test_id, DEFAULT_FIX.format(id=test_id)),
        details=details,
    )


def error_finding(target: Target, item: object) -> Finding:
    entry = item if isinstance(item, dict) else {}
    reason = str(entry.get("reason", "unknown reason"))
    return Finding(
        rule=UNSCANNED.id,
        severity=Severity.MEDIUM,
        priority=Priority.P0,
        message=f"{UNSCANNED.title}: {reason}",
        path=target.rel(str(entry["filename"])) if "filename" in entry else None,
        fix=UNSCANNED.fix,
    )


def nosec_findings(
    target: Target, files: Iterable[str], known: frozenset[str]
) -> list[Finding]:
    """SA001/SA002 for the ``# nosec`` comments of the files bandit scanned."""
    findings = []
    for name in files:
        path = target.root / name
        for line, comment in comments(path):
            problem = classify_nosec(comment, known)
            if problem is None:
                continue
            rule, severity, message = problem
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=severity,
                    priority=Priority.P0,
                    message=message,
                    path=target.rel(path),
                    line=line,
                    fix=rule.fix,
                )
            )
    return findings


def comments(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of each comment, up to where the file stops tokenizing."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    found: list[tuple[int, str]] = []
    # bandit reports a file it cannot parse; the comments before the error count.
    with contextlib.suppress(tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        found.extend(
            (token.start[0], token.string)
            for token in tokenize.tokenize(io.BytesIO(data).readline)
            if token.type == tokenize.COMMENT
        )
    return found


def classify_nosec(
    comment: str, known: frozenset[str]
) -> tuple[Rule, Severity, str] | None:
    """What is wrong with a ``# nosec`` comment, as bandit reads it; None if nothing."""
    match = NOSEC.search(comment)
    if match is None:
        return None
    tests = match["tests"] or ""

    def is_test(word: str) -> bool:
        return word in known if known else _TEST_ID.fullmatch(word) is not None

    # group(1) holds the last of a comma-joined run, as in bandit itself.
    ids = [m.group(1) for m in NOSEC_TESTS.finditer(tests) if is_test(m.group(1))]
    if not ids:
        return (NOSEC_WITHOUT_ID, Severity.MEDIUM, NOSEC_WITHOUT_ID.title)
    rest = tests + " " + comment[match.end() :]
    reason = [
        w for w in _WORD.findall(rest) if not is_test(w) and not _TEST_ID.fullmatch(w)
    ]
    if reason:
        return None
    return (
        NOSEC_WITHOUT_REASON,
        Severity.LOW,
        f"`# nosec {tests.strip().rstrip(_SEPARATORS)}` without a written reason",
    )
