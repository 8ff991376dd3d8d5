"""The ``sast`` gate: bandit's results, and ``# nosec`` comments that hide them.

bandit runs on the target's packages with the target's own configuration
(:mod:`readiness.sast_config`: ``[tool.bandit]``, a ``bandit.yaml``, a
``.bandit`` or ``[bandit]`` INI section) and writes its JSON report into the
scratch folder (``-o``), which is read instead of stdout. When the gate is
the audit's longest pole (or, with no duration measured yet, may be:
:func:`readiness.runner.processes`), the file list is split across
processes (:mod:`readiness.sast_run` says when), with the same results as
one run.
With the cache on, bandit's per-file results are remembered
(:class:`readiness.perfile.PerFileMemo`) with readiness's judgement of them
(the triage below, the advice, the ``# nosec`` comments): a later run
re-scans and re-reads only the files whose content changed.

The seed's acceptance criterion is "Medium findings either remediated or
justified with documented ``# nosec`` annotations", so the comments bandit
honoured are checked too, with bandit's own syntax (``bandit/core/manager.py``):
``#\\s*nosec:?`` followed by test IDs or test names up to the next ``#``. A
comment naming no known test silences every check on its line; one naming
tests must also say why.

Results with nothing to act on are not reported but counted, and the gate's
scope notes say what was left out and why (:mod:`readiness.sast_triage`):
readiness's default skips where the target's configuration selects no tests
(``default_skipped``), ruff's ``# noqa: S###`` justifications
(``noqa_justified``), and the judged classes (``notes_left_out``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from readiness import command, sast_config, sast_run
from readiness.bandit_advice import ADVISED, advice
from readiness.cache import probed, probes_folder
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
from readiness.sast_config import BanditSetup
from readiness.sast_run import BanditFailed
from readiness.sast_triage import Reason, Sources, Triage, comments, triage
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
NOSEC_RULES = {rule.id: rule for rule in (NOSEC_WITHOUT_ID, NOSEC_WITHOUT_REASON)}

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
    criteria_from_findings = True
    inputs = PYTHON_SOURCES + PROJECT_FILES + (".bandit", *sast_config.YAML_FILES)
    cost = 30.0
    splits = True

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
        version = ctx.tool_version("bandit")
        setup = sast_config.read(ctx.target.root, ctx.target.tool)
        try:
            files, memo = sast_run.run_bandit(
                ctx, packages, setup, version, processes=ctx.processes
            )
        except BanditFailed as failed:
            raise GateError(str(failed)) from None
        found, results, nosec = judged(ctx, files, setup)
        if memo is not None:
            memo.save(files)
        report = sast_run.combined(files)
        unscanned = ordered(
            error_finding(ctx.target, item) for item in report["errors"]
        )
        scanned = sorted(report["metrics"])

        counts = {
            severity: sum(1 for f in results if f.severity is severity)
            for severity in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)
        }
        without_id = sum(1 for f in nosec if f.rule == NOSEC_WITHOUT_ID.id)
        without_reason = len(nosec) - without_id
        still_open = counts[Severity.MEDIUM] + len(nosec)
        scope = [setup.scope(found.skipped), found.scope()]
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
                # Scope notes: what was left out and why, never a failure.
                *(Criterion(text=text, met=True) for text in scope if text),
            ),
            findings=(*results, *nosec, *unscanned),
            metrics={
                "high": counts[Severity.HIGH],
                "medium": counts[Severity.MEDIUM],
                "low": counts[Severity.LOW],
                "nosec_without_id": without_id,
                "nosec_without_reason": without_reason,
                "noqa_justified": found.noqa,
                "notes_left_out": found.notes,
                "default_skipped": sum(found.skipped.values()),
                "files_scanned": len(scanned),
                "files_unparsable": len(unscanned),
                "loc": sum(_loc(data) for data in report["metrics"].values()),
            },
        )


def judged(
    ctx: GateContext, files: dict[str, Any], setup: BanditSetup
) -> tuple[Triage, list[Finding], list[Finding]]:
    """Each file's results triaged, advised and its ``# nosec`` comments read:
    per file (:func:`judge`), so a remembered file is not read again."""
    known: frozenset[str] | None = None
    for rel in sorted(files):
        if "judged" not in files[rel]:
            if known is None:
                known = known_tests(bandit_help(ctx))
            # a file's syntax tree is let go once it is judged: every tree kept
            # alive makes each garbage collection slower (2.7 s for 300 files
            # instead of 1 s)
            verdict = judge(Sources(ctx.target), rel, files[rel], setup, known)
            files[rel] = {**files[rel], "judged": verdict}
    skipped: Counter[str] = Counter()
    left_out: Counter[Reason] = Counter()
    kept: list[Mapping[str, Any]] = []
    results: list[Finding] = []
    nosec: list[Finding] = []
    for rel in sorted(files):
        verdict = files[rel]["judged"]
        skipped.update(verdict["skipped"])
        left_out.update({Reason[name]: n for name, n in verdict["left_out"].items()})
        for item, fix in verdict["kept"]:
            kept.append(item)
            results.append(_result(ctx.target, item, fix))
        nosec.extend(
            Finding(
                rule=rule,
                severity=Severity(severity),
                priority=Priority.P0,
                message=message,
                path=rel,
                line=line,
                fix=NOSEC_RULES[rule].fix,
            )
            for rule, severity, message, line in verdict["nosec"]
        )
    found = Triage(kept=tuple(kept), skipped=+skipped, left_out=+left_out)
    return found, ordered(results), ordered(nosec)


def judge(
    sources: Sources,
    rel: str,
    entry: Mapping[str, Any],
    setup: BanditSetup,
    known: frozenset[str],
) -> dict[str, Any]:
    """One file's judgement, as JSON data: the results kept with their advice,
    the counts left out, the ``# nosec`` problems."""
    found = triage(sources, entry["results"], setup.default_skips)
    target = sources.target
    return {
        "kept": [[dict(item), fix_for(target, item, sources)] for item in found.kept],
        "skipped": dict(found.skipped),
        "left_out": {reason.name: n for reason, n in found.left_out.items()},
        "nosec": [
            [f.rule, f.severity.value, f.message, f.line]
            for f in nosec_findings(target, [rel], known)
        ],
    }


def _loc(metrics: object) -> int:
    loc = metrics.get("loc") if isinstance(metrics, dict) else None
    return loc if isinstance(loc, int) else 0


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """By file and line, so reports do not depend on bandit's traversal order."""
    return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.rule))


def bandit_help(ctx: GateContext) -> str:
    """``bandit --help``, remembered while bandit and the environment that
    holds it (its plugins) are unchanged."""
    args = ["bandit", "--help"]
    try:
        env = Path(command.which("bandit")).parent.parent
    except command.ToolError:
        env = None
    site = sorted(env.glob("lib/python*/site-packages")) if env else []
    return probed(
        probes_folder(ctx.settings.cache_dir),
        args,
        lambda: ctx.run(args, record=False).stdout,
        depends=site,
    )


def known_tests(help_text: str) -> frozenset[str]:
    """The test IDs and names ``bandit --help`` lists; empty if it lists none."""
    found = _HELP_TEST.findall(help_text)
    if not found:
        return frozenset()
    return BUILTIN_TESTS | {part for pair in found for part in pair}


def result_finding(target: Target, item: Mapping[str, Any]) -> Finding:
    return _result(target, item, fix_for(target, item))


def fix_for(
    target: Target, item: Mapping[str, Any], sources: Sources | None = None
) -> str:
    """The fix of a result: advice for its code, else the test's recommendation
    (``sources``: the files already read, so each is parsed once)."""
    test_id = str(item["test_id"])
    filename = str(item["filename"])
    path = target.root / target.rel(filename)
    tree = (
        sources.tree(filename) if sources is not None and test_id in ADVISED else None
    )
    return advice(path, test_id, int(item["line_number"]), tree=tree) or FIXES.get(
        test_id, DEFAULT_FIX.format(id=test_id)
    )


def _result(target: Target, item: Mapping[str, Any], fix: str) -> Finding:
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
        fix=fix,
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
        for line, comment in comments(path, containing=b"nosec"):
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
