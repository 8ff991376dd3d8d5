"""The ``secrets`` gate: ``.env`` files out of git and owner-only; no secret committed.

The seed's "Configuration & Secrets": secrets are never committed and ``.env``
has ``chmod 600`` semantics. Four checks:

* no ``.env`` (or ``.env.*`` variant, templates such as ``.env.example`` and
  ``.env.sample`` excepted) is tracked: ``git ls-files``;
* ``.env`` and every variant present are ignored: git itself answers
  (``git check-ignore --no-index``, which reads every ignore source and judges
  the patterns even for a file that is already tracked);
* every variant present is owner-only (no group or other permission bit);
* detect-secrets finds no secret in the tracked files (every file when the
  target is not in a git repository). Its own file discovery is not used: it
  finds nothing when the target is a sub-folder of a git repository, and walks
  virtual environments when it is not in one. The files are listed here and
  passed explicitly. A ``.secrets.baseline`` is honoured as the detect-secrets
  hook does: a secret recorded there is accepted unless it was audited as a
  real one (``is_secret: true``); the baseline's settings are used for the scan
  by handing detect-secrets a copy of it (it rewrites the file it is given).

A finding names the secret's type, file and line, never the secret (nor its
hash). In a folder that is not inside a git repository the two git checks are
skipped, and the reason is recorded in the ``git`` metric.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from readiness import command
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import Evaluation, Gate, GateContext, GateError
from readiness.repofiles import excluded, in_checkout, outside_repository, walk

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
        "detect-secrets found what looks like a credential in a tracked file."
        " Committed secrets must be rotated: deleting them does not remove them"
        " from the history."
    ),
    fix=(
        "remove and rotate it, and read it from the environment or a secrets store;"
        " for a false positive, record it in .secrets.baseline (detect-secrets"
        " audit) or mark the line `# pragma: allowlist secret`"
    ),
)
#: readiness's own rules, for renderers and documentation.
RULES = (ENV_TRACKED, ENV_NOT_IGNORED, ENV_MODE, SECRET)

#: Variants that are templates, meant to be committed.
TEMPLATES = (".env.example", ".env.sample")
DEFAULT_BASELINE = ".secrets.baseline"
#: Keep each detect-secrets command line far below ARG_MAX.
MAX_ARGS_CHARS = 100_000
#: git must not take locks or write anything in the target; C locale: its
#: "not a git repository" is read (repofiles.outside_repository).
GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


def is_env_file(name: str, templates: Sequence[str] = TEMPLATES) -> bool:
    """``.env`` and ``.env.<anything>``, templates excepted."""
    return name not in templates and (name == ".env" or name.startswith(".env."))


@dataclass(frozen=True, kw_only=True)
class Git:
    """What git says about the target: its tracked files, or why it cannot say."""

    tracked: tuple[str, ...] | None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Detected:
    path: str
    line: int | None
    kind: str
    hashed: str


class SecretsGate(Gate):
    """No .env file tracked, every one ignored and owner-only; no secret committed."""

    name = "secrets"
    title = "secrets and .env hygiene"
    priority = Priority.P0

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
            candidates = sorted({".env", *on_disk, *tracked_env})
            matched = ignored(ctx, candidates)
            not_ignored = [p for p in candidates if p not in matched]
            findings += [tracked_finding(rel) for rel in tracked_env]
            findings += [
                ignore_finding(rel, exists=rel in on_disk) for rel in not_ignored
            ]
            metrics |= {
                "git": "yes",
                "env_tracked": len(tracked_env),
                "env_not_ignored": len(not_ignored),
            }
            criteria += [
                Criterion(
                    text=f"no .env file tracked by git ({len(tracked_env)} tracked)",
                    met=not tracked_env,
                ),
                Criterion(
                    text=".env and its variants ignored by git"
                    f" ({len(not_ignored)} not ignored)",
                    met=not not_ignored,
                ),
            ]
        else:
            metrics["git"] = f"checks skipped: {git.reason}"

        too_open = [
            (rel, mode) for rel in on_disk if (mode := file_mode(root / rel)) & 0o077
        ]
        findings += [mode_finding(rel, mode) for rel, mode in too_open]
        metrics["env_too_open"] = len(too_open)
        criteria.append(
            Criterion(
                text=f".env files owner-only, mode 0600 ({len(too_open)} readable"
                " by others)",
                met=not too_open,
            )
        )

        files = scan_list(root, git, exclude, baseline)
        detected = scan(ctx, files, baseline)
        known = baseline_entries(baseline) if baseline else {}
        accepted = [d for d in detected if known.get((d.path, d.hashed)) is False]
        secrets = [d for d in detected if d not in accepted]
        findings += [secret_finding(d) for d in secrets]
        metrics |= {
            "files_scanned": len(files),
            "secrets": len(secrets),
            "secrets_in_baseline": len(accepted),
        }
        scope = "tracked files" if git.tracked is not None else "files"
        note = f", {len(accepted)} accepted in the baseline" if accepted else ""
        criteria.append(
            Criterion(
                text=f"no secret in the {scope} ({len(secrets)} found{note})",
                met=not secrets,
            )
        )
        return Evaluation(
            criteria=tuple(criteria),
            findings=tuple(sorted(findings, key=lambda f: (f.path or "", f.line or 0))),
            metrics=metrics,
        )


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
    """The tracked files (relative to the target), or why git cannot list them."""
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
    return Git(tracked=tuple(p for p in listed.stdout.split("\0") if p))


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
    """The files to scan: tracked ones that exist (or every file, outside git)."""
    skip = {baseline.relative_to(root).as_posix()} if baseline else set()
    if git.tracked is None:
        return [rel for rel in walk(root, exclude) if rel not in skip]
    return [
        rel
        for rel in git.tracked
        if rel not in skip
        and not excluded(rel, exclude)
        and (root / rel).is_file()
        and not (root / rel).is_symlink()
    ]


def chunks(files: Sequence[str], limit: int = MAX_ARGS_CHARS) -> Iterable[list[str]]:
    batch: list[str] = []
    size = 0
    for rel in files:
        if batch and size + len(rel) + 1 > limit:
            yield batch
            batch, size = [], 0
        batch.append(rel)
        size += len(rel) + 1
    if batch:
        yield batch


def scan(
    ctx: GateContext, files: Sequence[str], baseline: Path | None
) -> list[Detected]:
    """detect-secrets over ``files`` (``-n``: no network verification)."""
    if not files:
        return []
    ctx.tool_version("detect-secrets")
    lines = ctx.options.strings("exclude_lines")
    options = [arg for pattern in lines for arg in ("--exclude-lines", pattern)]
    found: list[Detected] = []
    args = ["detect-secrets", "scan", "-n", *options]
    if baseline is not None:
        args += ["--baseline", baseline.name]
    # the report shows the command once, without the file list
    ctx.record_command((*args, "--", f"<{len(files)} files>"))
    for index, batch in enumerate(chunks(files)):
        if baseline is None:
            completed = ctx.run([*args, "--", *batch], record=False)
            found += detected(parse_json(completed.stdout, "detect-secrets output"))
            continue
        copy = ctx.scratch / f"baseline-{index}.json"
        shutil.copyfile(baseline, copy)
        ctx.run([*args[:-1], str(copy), "--", *batch], record=False)
        found += detected(parse_json(copy.read_text(encoding="utf-8"), str(copy.name)))
    return sorted(set_of(found), key=lambda d: (d.path, d.line or 0, d.kind))


def set_of(items: Iterable[Detected]) -> list[Detected]:
    return list(dict.fromkeys(items))


def parse_json(text: str, what: str) -> Mapping[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise GateError(f"{what} is not JSON: {text.strip()[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results", {}), dict):
        raise GateError(f"{what} has no results table")
    return data


def detected(data: Mapping[str, Any]) -> list[Detected]:
    found = []
    for path, items in data.get("results", {}).items():
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict):
                continue
            line = item.get("line_number")
            found.append(
                Detected(
                    path=str(path).replace(os.sep, "/"),
                    line=line if isinstance(line, int) else None,
                    kind=str(item.get("type", "secret")),
                    hashed=str(item.get("hashed_secret", "")),
                )
            )
    return found


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


def tracked_finding(rel: str) -> Finding:
    return Finding(
        rule=ENV_TRACKED.id,
        severity=Severity.CRITICAL,
        priority=Priority.P0,
        message=f"{rel} is tracked by git: its credentials are in every clone",
        path=rel,
        fix=ENV_TRACKED.fix,
    )


def ignore_finding(rel: str, *, exists: bool) -> Finding:
    state = "" if exists else " (absent now: one created there could be committed)"
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


def secret_finding(item: Detected) -> Finding:
    return Finding(
        rule=SECRET.id,
        severity=Severity.HIGH,
        priority=Priority.P0,
        message=f"possible secret committed: {item.kind}",
        path=item.path,
        line=item.line,
        fix=SECRET.fix,
        details={"type": item.kind},
    )
