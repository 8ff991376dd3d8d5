"""The ``build`` gate: the package builds from a clean checkout of its tracked files.

A maintainer's working tree holds files a fresh clone does not: generated
sources, ignored data, modules never added. A build that needs one of them works
on that machine and nowhere else. So the gate builds as a clean checkout would:

* the export: the files ``git ls-files`` lists (their working-tree contents)
  are copied into the gate's scratch folder; untracked and ignored files never
  reach the build. A target that is not in a git repository is copied as it is
  (minus environments, caches and build output), and the criterion says so;
* the build: ``uv build --sdist`` on the export, then ``uv build --wheel`` from
  that sdist, with the project's own build backend in uv's isolated build
  environment, every output in the scratch folder: nothing is written into the
  target. setuptools-scm and pdm's SCM versions need ``.git``, which an export
  has not: they get the last tag's version through their ``PRETEND`` variables;
* on failure: the root cause in one line (the backend's last exception or
  compiler error, not uv's "Failed to build"), the log's tail in the finding's
  details (the JSON report) and the whole log in the scratch folder,
  and, where that line names a path, whether git ignores it (and which line of
  which ignore file does) or it is merely untracked;
* then the modules the tests import that exist in the tree but are missing
  from the sdist, which a test run from the sdist would not find.
"""

from __future__ import annotations

import ast
import contextlib
import re
import shutil
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.version import InvalidVersion, Version

from readiness import buildlog, command, environments, pysource, repofiles
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)
from readiness.target import Target

DOES_NOT_BUILD = Rule(
    id="BD001",
    title="the package does not build from a clean checkout",
    explanation=(
        "Building the sdist from the tracked files, then a wheel from that sdist,"
        " failed: CI, a release job or a user installing from the sdist meets the"
        " same error. When the build needs a file git does not track, it works"
        " only on the machines that happen to hold that file."
    ),
    fix="fix the error above; a file the build needs must be tracked by git",
)
LEFT_OUT = Rule(
    id="BD002",
    title="the tests import a module the sdist leaves out",
    explanation=(
        "The module is in the working tree, so the tests pass there, but the sdist"
        " does not hold it (it is untracked, ignored, or excluded by the build"
        " configuration): installed from the sdist, the package fails the tests."
    ),
    fix="track the module in git and include it in the sdist",
)
#: readiness's own rules, for renderers and documentation.
RULES = (DOES_NOT_BUILD, LEFT_OUT)

#: What the build log is saved as, in the gate's scratch folder.
LOG_NAME = "build.log"
#: How the export lists the tracked files (shown after the builds in the report).
LS_FILES = ("git", "ls-files", "-z", "--cached", "--recurse-submodules")
#: setuptools' legacy backend: what a frontend uses without ``build-backend``.
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
#: Build requirements that version from git metadata, which an export has not.
_SCM_REQUIRES = re.compile(r"^(setuptools[-_]scm|hatch[-_]vcs|pdm[-_]backend)\b")
#: ``git check-ignore -v``: ``SOURCE:LINE:PATTERN<TAB>PATH``.
_CHECK_IGNORE = re.compile(r"^(?P<source>.+?):(?P<line>\d+):(?P<pattern>.*)\t")
_SCM_VARIABLES = ("SETUPTOOLS_SCM_PRETEND_VERSION", "PDM_BUILD_SCM_VERSION")
#: uv's exit code for an error, such as a build that fails; any other failing
#: code (a crash, a signal) says nothing about the package.
UV_BUILD_FAILED = 2


@dataclass(frozen=True, kw_only=True)
class Export:
    """The files copied for the build, and where they came from."""

    folder: Path
    files: frozenset[str]
    #: The git work tree's top, or None when the target is not in a git repository.
    git_top: Path | None

    @property
    def source(self) -> str:
        if self.git_top is None:
            return "working tree (not a git repository)"
        return "git ls-files"


@dataclass(frozen=True, kw_only=True)
class Failure:
    stage: str
    log: str


class BuildGate(Gate):
    """The package builds from its tracked files: an sdist, then a wheel from it."""

    name = "build"
    title = "build from a clean checkout"
    priority = Priority.P0
    criteria_from_findings = True
    cost = 30.0

    def run(self, ctx: GateContext) -> Evaluation:
        target = ctx.target
        if target.not_installable is not None:
            raise GateSkipped(target.not_installable)
        ctx.tool_version("uv")
        try:
            interpreter = environments.choose(
                environments.interpreters(ctx.run), target.requires_python, None
            )
        except environments.BuildError as error:
            raise GateError(str(error)) from None
        export = export_files(ctx, ctx.scratch / "export")
        if not export.files:
            return nothing_tracked(ctx)
        out = ctx.scratch / "dist"
        env = {**environments.UV_ENV, **scm_version(ctx, target, export)}
        base = ["uv", "build", "--python", str(interpreter.path), "--out-dir"]
        logs: list[str] = []
        failure: Failure | None = None
        sdist = wheel = None
        try:
            logs.append(
                build(ctx, [*base, str(out), "--sdist", str(export.folder)], env)
            )
            sdist = only(out, "*.tar.gz")
            logs.append(build(ctx, [*base, str(out), "--wheel", str(sdist)], env))
            wheel = only(out, "*.whl")
        except command.ToolFailed as error:
            failure = build_failure(error, stage="wheel" if sdist else "sdist")
            logs.append(error.output)
        if export.git_top is not None:
            ctx.record_command(LS_FILES)
        log = "\n".join(logs)
        (ctx.scratch / LOG_NAME).write_text(log, encoding="utf-8")

        metrics: dict[str, int | float | str] = {
            "source": export.source,
            "files": len(export.files),
            "backend": backend(target),
            "python": str(interpreter.version),
        }
        if env.keys() - environments.UV_ENV.keys():
            metrics["scm_version"] = env[_SCM_VARIABLES[0]]
        findings: list[Finding] = []
        if failure is not None:
            finding = failure_finding(ctx, export, failure)
            findings.append(finding)
            metrics.update(
                stage=failure.stage,
                root_cause=buildlog.root_cause(failure.log),
            )
        if sdist is not None:
            members = sdist_members(sdist)
            metrics.update(sdist=sdist.name, sdist_files=len(members))
            if wheel is not None:
                metrics.update(wheel=wheel.name, wheel_files=wheel_size(wheel))
            left_out = left_out_findings(ctx, export, members)
            findings.extend(left_out)
            metrics["left_out_imports"] = len(left_out)
        where = "its tracked files" if export.git_top else "its working tree (no git)"
        criteria = [
            Criterion(
                text=f"the package builds from {where}: an sdist, then a wheel"
                " from the sdist",
                met=failure is None,
            )
        ]
        if "left_out_imports" in metrics:
            count = int(metrics["left_out_imports"])
            criteria.append(
                Criterion(
                    text=f"the sdist holds every module the tests import ({count}"
                    " left out)",
                    met=count == 0,
                )
            )
        return Evaluation(
            criteria=tuple(criteria), findings=tuple(findings), metrics=metrics
        )


def nothing_tracked(ctx: GateContext) -> Evaluation:
    """The target is in a git repository that tracks none of its files."""
    ctx.record_command(LS_FILES)
    return Evaluation(
        criteria=(
            Criterion(
                text="the package builds from its tracked files: git tracks none",
                met=False,
            ),
        ),
        findings=(
            Finding(
                rule=DOES_NOT_BUILD.id,
                severity=Severity.HIGH,
                priority=Priority.P0,
                message="git tracks no file of the target: a clean checkout of"
                " its repository holds nothing to build",
                fix="commit the project (`git add` its files)",
            ),
        ),
        metrics={"source": "git ls-files", "files": 0},
    )


def build(ctx: GateContext, args: Sequence[str], env: dict[str, str]) -> str:
    """Run one ``uv build``; its log (uv and the backend print to stderr)."""
    completed = ctx.run(args, cwd=ctx.scratch, env=env)
    return f"{completed.stderr}\n{completed.stdout}".strip()


def build_failure(error: command.ToolFailed, *, stage: str) -> Failure:
    """The package's failure to build, when uv says so (its error code);
    :class:`GateError` when uv itself crashed, which says nothing of the package."""
    if error.returncode != UV_BUILD_FAILED:
        raise GateError(
            f"uv crashed, so whether the package builds is unknown: {error}"
        ) from None
    return Failure(stage=stage, log=error.output)


def only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        names = ", ".join(path.name for path in found) or "nothing"
        raise GateError(f"uv build left {names} where one {pattern} was expected")
    return found[0]


def backend(target: Target) -> str:
    system = target.pyproject.get("build-system", {})
    value = system.get("build-backend") if isinstance(system, dict) else None
    return str(value) if value else LEGACY_BACKEND


# --- the export ----------------------------------------------------------------


def git(ctx: GateContext, *args: str, ok: Sequence[int] = (0,)) -> command.Completed:
    return ctx.run(["git", *args], ok_codes=ok, record=False)


def export_files(ctx: GateContext, folder: Path) -> Export:
    """Copy the target's tracked files (all of them, without git) into ``folder``."""
    root = ctx.target.root
    top = git(ctx, "rev-parse", "--show-toplevel", ok=(0, 128)).require_complete()
    git_top = Path(top.stdout.strip()) if top.returncode == 0 else None
    if git_top is not None and not (
        git_top.is_absolute() and root.resolve().is_relative_to(git_top.resolve())
    ):  # a git that answers nonsense is no proof of which files are tracked
        raise GateError(
            f"git rev-parse --show-toplevel answered {top.stdout.strip()[:80]!r},"
            " not a folder holding the target"
        )
    if git_top is not None:
        listed = git(ctx, *LS_FILES[1:]).require_complete()
        names: list[str] = [name for name in listed.stdout.split("\0") if name]
    else:
        names = list(repofiles.walk(root))
    copied = []
    for name in names:
        source = root / name
        if not source.is_file() and not source.is_symlink():
            continue  # deleted in the working tree, or a submodule not checked out
        destination = folder / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
        copied.append(name)
    folder.mkdir(parents=True, exist_ok=True)
    return Export(folder=folder, files=frozenset(copied), git_top=git_top)


def scm_version(ctx: GateContext, target: Target, export: Export) -> dict[str, str]:
    """``PRETEND`` variables for SCM-versioned builds: the last tag, else 0.0.0."""
    system = target.pyproject.get("build-system", {})
    requires = system.get("requires", []) if isinstance(system, dict) else []
    if export.git_top is None or not any(
        _SCM_REQUIRES.match(str(item).strip().lower()) for item in requires
    ):
        return {}
    described = git(ctx, "describe", "--tags", "--abbrev=0", ok=(0, 128))
    version = "0.0.0"
    if described.returncode == 0:
        with contextlib.suppress(InvalidVersion):
            version = str(Version(described.stdout.strip().removeprefix("v")))
    return dict.fromkeys(_SCM_VARIABLES, version)


# --- on failure ----------------------------------------------------------------


def failure_finding(ctx: GateContext, export: Export, failure: Failure) -> Finding:
    """The root cause, and the git state of the first path it names in the tree."""
    cause = buildlog.root_cause(failure.log)
    message = f"the {failure.stage} build fails: {cause}"
    path: str | None = None
    line: int | None = None
    fix = DOES_NOT_BUILD.fix
    for named in buildlog.named_paths(cause):
        rel = relative_to_export(named, export.folder)
        if rel is None or rel in export.files:
            continue
        ignored = check_ignore(ctx, export.git_top, rel) if export.git_top else None
        if ignored is not None:
            source, number, pattern = ignored
            message += f"; {rel} is ignored by git ({source}:{number}: {pattern})"
            path, line = source, number
            fix = (
                f"track {rel} (`git add -f {rel}`, and narrow the rule `{pattern}`"
                f" at {source}:{number}) or make the build generate it"
            )
        elif export.git_top and (ctx.target.root / rel).exists():
            message += f"; {rel} is untracked"
            path, fix = rel, f"track it: `git add {rel}`"
        else:
            continue
        break
    return Finding(
        rule=DOES_NOT_BUILD.id,
        severity=Severity.HIGH,
        priority=Priority.P0,
        message=message,
        path=path,
        line=line,
        fix=fix,
        details={"stage": failure.stage, "log_tail": buildlog.tail(failure.log)},
    )


def relative_to_export(named: str, folder: Path) -> str | None:
    """``named`` relative to the target's root, if it points inside the export."""
    path = PurePosixPath(named)
    if path.is_absolute():
        for base in (folder, folder.resolve()):
            if path.is_relative_to(base.as_posix()):
                return path.relative_to(base.as_posix()).as_posix()
        return None
    parts = [part for part in path.parts if part != "."]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts).as_posix()


def check_ignore(
    ctx: GateContext, git_top: Path, rel: str
) -> tuple[str, int, str] | None:
    """The ignore file (relative to the target), line and pattern ignoring ``rel``."""
    completed = git(ctx, "check-ignore", "-v", "--no-index", "--", rel, ok=(0, 1))
    match = _CHECK_IGNORE.match(completed.stdout)
    if completed.returncode != 0 or match is None:
        return None
    source = ctx.target.rel(git_top / match["source"])
    return source, int(match["line"]), match["pattern"]


# --- what the sdist holds --------------------------------------------------------


def sdist_members(sdist: Path) -> frozenset[str]:
    """The sdist's files, relative to its top folder (``name-version/``)."""
    try:
        with tarfile.open(sdist) as archive:
            names = [member.name for member in archive.getmembers() if member.isfile()]
    except (OSError, tarfile.TarError) as exc:
        raise GateError(f"{sdist.name} cannot be read: {exc}") from None
    return frozenset(name.split("/", 1)[1] for name in names if "/" in name)


def wheel_size(wheel: Path) -> int:
    try:
        with zipfile.ZipFile(wheel) as archive:
            return sum(1 for info in archive.infolist() if not info.is_dir())
    except (OSError, zipfile.BadZipFile) as exc:
        raise GateError(f"{wheel.name} cannot be read: {exc}") from None


def left_out_findings(
    ctx: GateContext, export: Export, members: frozenset[str]
) -> list[Finding]:
    """One finding per module the tests import that is in the tree, not the sdist.

    Modules under the test folders count only when the sdist ships tests.
    """
    target = ctx.target
    tests = tuple(path.rstrip("/") + "/" for path in target.test_paths)
    ships_tests = any(member.startswith(tests) for member in members)
    found: dict[str, tuple[str, str]] = {}
    for test_file, module in imported_modules(target):
        for rel in module_files(target, test_file, module):
            if rel in members or rel in found:
                continue
            if rel.startswith(tests) and not ships_tests:
                continue
            found[rel] = (module, test_file)
    findings = []
    for rel, (module, test_file) in sorted(found.items()):
        why = (
            "untracked by git"
            if export.git_top and rel not in export.files
            else "excluded by the build configuration"
        )
        findings.append(
            Finding(
                rule=LEFT_OUT.id,
                severity=Severity.MEDIUM,
                priority=Priority.P1,
                message=f"{test_file} imports {module}, but the sdist leaves out"
                f" {rel} ({why})",
                path=rel,
                fix=(
                    f"track it: `git add {rel}`"
                    if why.startswith("untracked")
                    else f"include {rel} in the sdist (the build backend's"
                    " include/exclude settings)"
                ),
            )
        )
    return findings


def imported_modules(target: Target) -> Iterator[tuple[str, str]]:
    """``(test file, dotted module)`` for every import in the target's tests.

    Relative imports are resolved against the test file's folder.
    """
    for base in target.test_paths:
        folder = target.root / base
        files = (
            [base]
            if folder.is_file()
            else [f"{base}/{n}" for n in repofiles.walk(folder)]
        )
        for rel in files:
            if not rel.endswith(".py"):
                continue
            try:  # under pysource's lock: gates parse at the same time
                tree = pysource.parse((target.root / rel).read_bytes(), filename=rel)
            except (SyntaxError, OSError):
                continue  # the tests gate reports files that do not parse
            package = PurePosixPath(rel).parent.parts
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        yield rel, alias.name
                elif isinstance(node, ast.ImportFrom):
                    keep = max(len(package) - node.level + 1, 0)
                    head = package[:keep] if node.level else ()
                    parts = [*head, *(node.module.split(".") if node.module else ())]
                    if not parts:
                        continue
                    yield rel, ".".join(parts)
                    for alias in node.names:
                        if alias.name != "*":
                            yield rel, ".".join([*parts, alias.name])


def module_files(target: Target, test_file: str, module: str) -> list[str]:
    """The tree's files that ``module`` and its parent packages are, relative."""
    folders = [PurePosixPath(test_file).parent, PurePosixPath("src")]
    folders.extend(PurePosixPath(package).parent for package in target.packages)
    bases = dict.fromkeys(["", *(f"{f.as_posix()}/" for f in folders if f.parts)])
    parts = module.split(".")
    stems = [
        base + "/".join(parts[:depth])
        for base in bases
        for depth in range(1, len(parts) + 1)
    ]
    candidates = (
        rel for stem in stems for rel in (f"{stem}.py", f"{stem}/__init__.py")
    )
    return list(dict.fromkeys(r for r in candidates if (target.root / r).is_file()))
