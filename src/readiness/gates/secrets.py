"""The ``secrets`` gate: no credential committed, ``.env`` files out of git.

The seed's "Configuration & Secrets": secrets are never committed and ``.env``
has ``chmod 600`` semantics. Precision first: a maintainer acts on every line;
what the gate leaves out is counted in its criteria, never silent.

* SE001: a ``.env`` (or ``.env.*`` variant; templates such as ``.env.example``
  excepted) that assigns a value to a credential-named variable or holds a
  secret shape is tracked (``git ls-files``): Critical. A tracked ``.env``
  with neither (flask's ``tests/test_apps/.env``: ``FOO=env``) is a fixture,
  committed on purpose: not a finding, counted and named in the criterion.
* SE002: a ``.env`` is not ignored (git answers: ``git check-ignore
  --no-index``). Checked for every ``.env`` that exists in the tree (fixtures
  excepted), and for an absent root ``.env`` only when the project is an
  application (:func:`readiness.projectkind.kind`) that loads one: python-dotenv,
  environs or django-environ among its requirements, or its code calling
  ``load_dotenv``, ``dotenv_values`` or ``read_env`` or naming an ``env_file``
  (read by :mod:`readiness.dotenvfiles`: docstrings, comments and strings are
  not code).
  A library that loads ``.env`` (``flask run`` loads its user's, through the
  optional python-dotenv) loads its users' file, not its own: the criterion
  says so, with the evidence of the kind.
* SE003: an *untracked* ``.env`` readable by group or others (git stores only
  644/755: a mode on a tracked file is not the repository's to fix).
* SE004: a secret in the tracked files (every file outside git), found
  in-process by :mod:`readiness.secretscan` with the shapes of
  :mod:`readiness.secretshapes`; see ``docs/secrets-scanner.md`` for why this
  rule set and not detect-secrets. Severity follows the evidence: a provider
  format is High (P0), a keyword assignment Medium (P0), and a private key,
  JWT, database password or keyword match in tests or docs is Low (P2, listed
  for review, not failing the gate). A test PKI's keys (a private key beside a
  certificate in a test folder: requests' ``tests/certs``) are counted, not
  reported. Binary files and files over ``max_bytes`` are skipped and counted.
  A ``.secrets.baseline`` (detect-secrets' format) is honoured: a secret
  recorded there (its SHA-1) is accepted unless audited as real
  (``is_secret: true``).

A finding names the secret's type, file and line, never the secret (nor its
hash). Outside a git repository the git checks are skipped, and the reason is
recorded in the ``git`` metric; a git that fails otherwise ends the gate as
``error``.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from readiness import command
from readiness.dotenvfiles import credentials, loading_evidence
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import Evaluation, Gate, GateContext, GateError
from readiness.projectkind import kind
from readiness.repofiles import (
    GIT_ENV,
    excluded,
    in_checkout,
    outside_repository,
    walk,
)
from readiness.secretscan import (
    MAX_BYTES,
    Hit,
    Scan,
    folder_of_tests,
    scan_files,
)
from readiness.secretshapes import KEYWORD
from readiness.wording import plural

ENV_TRACKED = Rule(
    id="SE001",
    title="a .env file is committed",
    explanation=(
        "A tracked .env file puts its credentials in every clone and in the"
        " history, where removing the file no longer reaches them."
    ),
    fix=(
        "git rm --cached the file, ignore it, and rotate every credential it held"
        " (the history keeps the old values)"
    ),
)
ENV_NOT_IGNORED = Rule(
    id="SE002",
    title="a .env file is not ignored by git",
    explanation=(
        "git would add the file with the next `git add -A`; ignoring it is what"
        " keeps local credentials out of commits."
    ),
    fix="add `.env` and `.env.*` to .gitignore (and `!.env.example` for a template)",
)
ENV_MODE = Rule(
    id="SE003",
    title="a .env file is readable by other users",
    explanation=(
        "Credentials files should be owner-only (chmod 600): group or world"
        " permission bits let other accounts on the host read them."
    ),
    fix="chmod 600 the file",
)
SECRET = Rule(
    id="SE004",
    title="a secret is committed",
    explanation=(
        "A provider-format token, a private key, a database password or a"
        " secret-like literal assigned to a credential name is in a tracked file."
        " Committed secrets must be rotated: deleting them does not remove them"
        " from the history."
    ),
    fix=(
        "remove and rotate it, and read it from the environment or a secrets store;"
        " for a false positive, mark the line `# pragma: allowlist secret`"
    ),
)
#: readiness's own rules, for renderers and documentation.
RULES = (ENV_TRACKED, ENV_NOT_IGNORED, ENV_MODE, SECRET)

#: Variants that are templates, meant to be committed.
TEMPLATES = (".env.example", ".env.sample")
DEFAULT_BASELINE = ".secrets.baseline"
SHOWN_SKIPPED = 5
SHOWN_FIXTURES = 5
CONTEXT_NOTE = {"test": " in a test file", "docs": " in documentation"}


def is_env_file(name: str, templates: Sequence[str] = TEMPLATES) -> bool:
    """``.env`` and ``.env.<anything>``, templates excepted."""
    return name not in templates and (name == ".env" or name.startswith(".env."))


@dataclass(frozen=True, kw_only=True)
class Git:
    """What git says about the target: its tracked files, or why it cannot say."""

    tracked: tuple[str, ...] | None
    reason: str = ""


class SecretsGate(Gate):
    """No secret committed; .env files untracked, ignored and owner-only."""

    name = "secrets"
    title = "secrets and .env hygiene"
    priority = Priority.P0
    criteria_from_findings = True
    cost = 2.0

    def run(self, ctx: GateContext) -> Evaluation:
        root = ctx.target.root
        exclude = ctx.options.strings("exclude")
        templates = ctx.options.strings("templates", TEMPLATES)
        baseline = baseline_path(ctx)
        git = git_state(ctx)
        on_disk = [
            rel
            for rel in walk(root, exclude)
            if is_env_file(PurePosixPath(rel).name, templates)
        ]
        files = scan_list(root, git, exclude, baseline)
        scan = scan_files(
            root,
            files,
            exclude_lines=ctx.options.strings("exclude_lines"),
            max_bytes=max_bytes(ctx),
            test_paths=ctx.target.test_paths,
        )
        findings: list[Finding] = []
        metrics: dict[str, int | float | str] = {"env_files": len(on_disk)}
        criteria: list[Criterion] = []

        if git.tracked is not None:
            tracked_env = [
                rel
                for rel in git.tracked
                if is_env_file(PurePosixPath(rel).name, templates)
                and not excluded(rel, exclude)
            ]
            holding = {rel: credentials(root / rel) for rel in tracked_env}
            fixtures = [rel for rel in tracked_env if not holding[rel]]
            committed = [rel for rel in tracked_env if holding[rel]]
            loads = dotenv_use(ctx, root, files)
            library = users_dotenv(ctx, loads)
            candidates = sorted(
                ({".env"} if loads and not library else set())
                | (set(on_disk) | set(tracked_env)) - set(fixtures)
            )
            matched = ignored(ctx, candidates) if candidates else frozenset()
            not_ignored = [p for p in candidates if p not in matched]
            findings += [tracked_finding(rel, holding[rel]) for rel in committed]
            findings += [
                ignore_finding(rel, exists=rel in on_disk, loads=loads)
                for rel in not_ignored
            ]
            metrics |= {
                "git": "yes",
                "env_tracked": len(committed),
                "env_fixtures": len(fixtures),
                "env_not_ignored": len(not_ignored),
                "dotenv": loads or "not used",
            }
            criteria += [
                Criterion(
                    text="no .env file with credentials tracked by git"
                    f" ({len(committed)} tracked{fixture_note(fixtures)})",
                    met=not committed,
                ),
                Criterion(
                    text=".env and its variants ignored by git"
                    f" ({len(not_ignored)} not ignored{library})",
                    met=not not_ignored,
                ),
            ]
            untracked = [rel for rel in on_disk if rel not in set(git.tracked)]
        else:
            metrics["git"] = f"checks skipped: {git.reason}"
            untracked = on_disk

        too_open = [
            (rel, mode) for rel in untracked if (mode := file_mode(root / rel)) & 0o077
        ]
        findings += [mode_finding(rel, mode) for rel, mode in too_open]
        metrics["env_too_open"] = len(too_open)
        criteria.append(
            Criterion(
                text=f"untracked .env files owner-only, mode 0600 ({len(too_open)}"
                " readable by others)",
                met=not too_open,
            )
        )

        known = baseline_entries(baseline) if baseline else {}
        accepted = [h for h in scan.hits if known.get((h.path, h.hashed)) is False]
        hits = [h for h in scan.hits if h not in accepted]
        serious = [h for h in hits if h.severity is not Severity.LOW]
        findings += [secret_finding(h) for h in hits]
        metrics |= scan_metrics(scan, len(files)) | {
            "secrets": len(serious),
            "secrets_low": len(hits) - len(serious),
            "secrets_in_baseline": len(accepted),
            "test_keys": len(scan.test_keys),
        }
        scope = "tracked files" if git.tracked is not None else "files"
        notes = [f"{len(accepted)} accepted in the baseline"] if accepted else []
        if len(hits) > len(serious):
            notes.append(f"{len(hits) - len(serious)} low-severity to review")
        if scan.test_keys:
            notes.append(test_key_note(scan.test_keys, ctx.target.test_paths))
        note = "".join(f", {n}" for n in notes)
        criteria.append(
            Criterion(
                text=f"no secret in the {scope} ({len(serious)} found{note})",
                met=not serious,
            )
        )
        return Evaluation(
            criteria=tuple(criteria),
            findings=tuple(sorted(findings, key=lambda f: (f.path or "", f.line or 0))),
            metrics=metrics,
        )


def scan_metrics(scan: Scan, listed: int) -> dict[str, int | float | str]:
    shown = ", ".join(f"{s.path} ({s.reason})" for s in scan.skipped[:SHOWN_SKIPPED])
    more = len(scan.skipped) - SHOWN_SKIPPED
    metrics: dict[str, int | float | str] = {
        "files_listed": listed,
        "files_scanned": scan.scanned,
        "files_skipped": len(scan.skipped),
    }
    if shown:
        metrics["skipped"] = shown + (f" and {more} more" if more > 0 else "")
    return metrics


def fixture_note(fixtures: Sequence[str]) -> str:
    """What SE001 left out: tracked ``.env`` files that assign no credential."""
    if not fixtures:
        return ""
    shown = ", ".join(fixtures[:SHOWN_FIXTURES])
    more = len(fixtures) - SHOWN_FIXTURES
    return (
        f"; {plural(len(fixtures), 'tracked fixture .env file')} without credentials"
        f" not reported: {shown}" + (f" and {more} more" if more > 0 else "")
    )


def test_key_note(keys: Sequence[Hit], test_paths: Sequence[str]) -> str:
    """What SE004 left out: a test PKI's keys, by the test folder they are under."""
    folders = sorted({folder_of_tests(h.path, test_paths) for h in keys})
    return (
        f"{plural(len(keys), 'test key')} beside certificates under"
        f" {', '.join(folders)} not reported"
    )


def users_dotenv(ctx: GateContext, loads: str) -> str:
    """Why an absent ``.env`` is not the project's own to ignore, or ``""``.

    A library's ``.env`` loading (``flask run`` loading the application's
    ``.env``) serves its users: the file is theirs, in their repositories.
    """
    if not loads:
        return ""
    project = kind(ctx.target)
    if project.application:
        return ""
    return (
        f"; an absent .env not checked: library ({project.evidence}):"
        f" its .env loading ({loads}) serves its users"
    )


def max_bytes(ctx: GateContext) -> int:
    value = ctx.options.values.get("max_bytes", MAX_BYTES)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise GateError("[tool.readiness.secrets] max_bytes must be a positive integer")
    return value


def baseline_path(ctx: GateContext) -> Path | None:
    configured = ctx.options.values.get("baseline")
    if configured is not None and not isinstance(configured, str):
        raise GateError("[tool.readiness.secrets] baseline must be a path")
    path = ctx.target.root / (configured or DEFAULT_BASELINE)
    if path.is_file():
        return path
    if configured:
        raise GateError(
            f"[tool.readiness.secrets] baseline {configured} does not exist"
        )
    return None


def git_state(ctx: GateContext) -> Git:
    """The tracked files (relative to the target), or why git cannot list them.

    Paths git prints that would leave the target (absolute, or with ``..``)
    are dropped: the gate reads only the target's own files.
    """
    try:
        inside = ctx.run(
            ["git", "rev-parse", "--is-inside-work-tree"], env=GIT_ENV, record=False
        )
    except command.ToolNotFound as error:
        if in_checkout(ctx.target.root):
            raise GateError(
                f"{error}; the .env checks of a git checkout need it"
            ) from None
        return Git(tracked=None, reason="git is not installed")
    except command.ToolFailed as error:
        if not outside_repository(error):
            raise GateError(f"git failed: {error}") from None
        return Git(tracked=None, reason="not in a git repository")
    answer = inside.stdout.strip()
    if answer not in ("true", "false"):
        raise GateError(f"git rev-parse answered {answer[:40]!r}, not true or false")
    if answer == "false":
        return Git(tracked=None, reason="not in a git work tree")
    listed = ctx.run(["git", "ls-files", "-z"], env=GIT_ENV).require_complete()
    return Git(tracked=tuple(p for p in listed.stdout.split("\0") if inside_root(p)))


def inside_root(rel: str) -> bool:
    path = PurePosixPath(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts


def ignored(ctx: GateContext, paths: Sequence[str]) -> frozenset[str]:
    """The paths git's ignore rules match (exit 1 means: none of them)."""
    completed = ctx.run(
        ["git", "-c", "core.quotePath=off", "check-ignore", "--no-index", "--", *paths],
        ok_codes=(0, 1),
        env=GIT_ENV,
    )
    return frozenset(line for line in completed.stdout.splitlines() if line)


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def scan_list(
    root: Path, git: Git, exclude: Sequence[str], baseline: Path | None
) -> list[str]:
    """The files to scan: tracked ones that exist (or every file, outside git).

    Symbolic links are listed, to be reported as skipped: never followed.
    """
    skip = {baseline.relative_to(root).as_posix()} if baseline else set()
    if git.tracked is None:
        return [rel for rel in walk(root, exclude) if rel not in skip]
    return [
        rel
        for rel in git.tracked
        if rel not in skip
        and not excluded(rel, exclude)
        and ((root / rel).is_file() or (root / rel).is_symlink())
    ]


def dotenv_use(ctx: GateContext, root: Path, files: Iterable[str]) -> str:
    """Where the project shows it loads a ``.env`` file, or ``""``."""
    return loading_evidence(root, files, ctx.target.declared_requirements())


def parse_json(text: str, what: str) -> Mapping[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise GateError(f"{what} is not JSON: {text.strip()[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results", {}), dict):
        raise GateError(f"{what} has no results table")
    return data


def baseline_entries(path: Path) -> dict[tuple[str, str], bool]:
    """``(file, hashed secret) -> audited as a real secret`` from a baseline."""
    data = parse_json(path.read_text(encoding="utf-8"), path.name)
    entries: dict[tuple[str, str], bool] = {}
    for path_name, items in data.get("results", {}).items():
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict):
                key = (str(path_name), str(item.get("hashed_secret", "")))
                entries[key] = item.get("is_secret") is True
    return entries


def tracked_finding(rel: str, names: Sequence[str]) -> Finding:
    shown = ", ".join(dict.fromkeys(names))
    return Finding(
        rule=ENV_TRACKED.id,
        severity=Severity.CRITICAL,
        priority=Priority.P0,
        message=f"{rel} is tracked by git and holds {shown}: they are in every clone",
        path=rel,
        fix=ENV_TRACKED.fix,
    )


def ignore_finding(rel: str, *, exists: bool, loads: str) -> Finding:
    state = "" if exists else f" (absent now, but the project loads one: {loads})"
    return Finding(
        rule=ENV_NOT_IGNORED.id,
        severity=Severity.MEDIUM,
        priority=Priority.P0,
        message=f"{rel} is not ignored by git{state}",
        path=".gitignore",
        fix=ENV_NOT_IGNORED.fix,
        details={"file": rel},
    )


def mode_finding(rel: str, mode: int) -> Finding:
    return Finding(
        rule=ENV_MODE.id,
        severity=Severity.MEDIUM,
        priority=Priority.P0,
        message=f"{rel} has mode {mode:04o}; credentials files must be 0600",
        path=rel,
        fix=f"chmod 600 {rel}",
        details={"mode": f"{mode:04o}"},
    )


def secret_finding(hit: Hit) -> Finding:
    """Type, place and evidence of a secret; never the value nor its hash."""
    if hit.shape.id == KEYWORD.id:
        message = f"secret-like literal assigned to {hit.key}"
    else:
        message = f"{hit.shape.title} committed"
    message += CONTEXT_NOTE.get(hit.context, "")
    return Finding(
        rule=SECRET.id,
        severity=hit.severity,
        priority=Priority.P2 if hit.severity is Severity.LOW else Priority.P0,
        message=message,
        path=hit.path,
        line=hit.line,
        fix=SECRET.fix,
        details={"type": hit.shape.title, "shape": hit.shape.id},
    )
