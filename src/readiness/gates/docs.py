"""The ``docs`` gate: the commands and options the documentation shows exist.

The seed's "Documentation Consistency": guides said ``fetch-data`` where the
command is ``test-data``. Every Markdown, reStructuredText and notebook file of
the target (and its README) is read for invocations of the target's own
command line, ``<script> <sub> ...`` and ``python -m <package> <sub> ...``, in
code blocks (fenced, indented, reST literal blocks and ``code-block``
directives, notebook code cells' ``!`` shell lines and ``%%bash`` cells) and in
inline code (:mod:`readiness.docsnippets`). Each is walked down the CLI model
(:mod:`readiness.clitree`):

* a word where a subcommand is expected that names none is a finding, with the
  closest real name (``difflib``);
* a ``--option`` the (sub)command does not accept is a finding, with the
  options it has.

Placeholders (``<file.py>``, ``{a,b}``, ``$VAR``, ``COMMAND``, ``...``,
optional ``[...]`` brackets), alternations (``list|info``) and file names
(``__main__.py``, ``src/app``) are not commands or options. After an option the
model does not know, the rest of the line is not judged: whether it reads a
value is unknown. Where the static model may be incomplete (a custom decorator,
a computed name), nothing is reported rather than a guess; when no static model
exists for a script at all, its ``--help`` is walked in the prod environment
(:mod:`readiness.helpwalk`), and under a group whose help failed or warned
(flask's "Could not locate a Flask application") no command is reported
missing. A script whose help fails for want of one of the target's optional
extras (nox's ``tox-to-nox`` without ``[tox-to-nox]``) is walked in the prod
environment plus that extra. When the prod environment cannot be built, the
scripts that need a walk are not checked, with that reason, and the others
still are. Documentation with no invocation to check makes the gate
``skipped`` (``error`` when that is because nothing builds); invocations it
could not check are counted in its criteria, with the reason.

Paths matching ``[tool.readiness.docs] skip`` (globs, e.g. ``CHANGELOG.md``,
``docs/archive/**``) are not read.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from readiness import clistatic, clitree, command, environments, helpwalk, prodenv
from readiness.docsnippets import Snippet, doc_files, read_snippets, too_large
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.interface import (
    Evaluation,
    Gate,
    GateContext,
    GateError,
    GateSkipped,
)

MISSING_COMMAND = Rule(
    id="DC001",
    title="the docs name a command that does not exist",
    explanation=(
        "A guide tells the reader to run a subcommand the command line does not"
        " have; following it fails with 'No such command'."
    ),
    fix="use the real command name",
)
UNKNOWN_OPTION = Rule(
    id="DC002",
    title="the docs pass an option the command does not accept",
    explanation=(
        "A guide shows an option the (sub)command does not have; following it"
        " fails with a usage error."
    ),
    fix="use one of the command's real options",
)
#: readiness's own rules, for renderers and documentation.
RULES = (MISSING_COMMAND, UNKNOWN_OPTION)

#: Words that run the next word as the command.
WRAPPERS = frozenset({"sudo", "time", "nohup", "exec", "command", "env", "nice"})
RUNNERS = frozenset({"uv", "poetry", "pipenv", "hatch", "pdm", "rye", "pipx"})
OPERATORS = frozenset({"&&", "||", "|", ";", "&", "|&", "(", ")", "{", "}"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_PYTHON = re.compile(r"^(?:python(?:3(?:\.\d+)?)?|py)$")
_REDIRECT = re.compile(r"^\d*(?:>>?|<|&>)")
_ANGLED = re.compile(r"<[^<>\s]+>[.,]*")
_PLACEHOLDER = re.compile(r"[<>{}$…]|\.\.\.|^[A-Z][A-Z0-9_-]*$")
_FILE_NAME = re.compile(r"[/\\]|\.[A-Za-z0-9]+$")
#: Why a ``python -m`` package with no command line in its source is not checked.
NOT_RUN = "its __main__ shows no command line and is not run: it may do real work"


@dataclass(frozen=True, kw_only=True)
class Invocation:
    path: str
    line: int
    program: str
    args: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Problem:
    """A reference the model contradicts: a missing command or an unknown option."""

    rule: str
    shown: str
    message: str
    fix: str
    word: str
    suggestion: str | None = None


class DocsGate(Gate):
    """The docs name only commands and options the command line really has."""

    name = "docs"
    title = "docs match the CLI"
    priority = Priority.P2
    criteria_from_findings = True
    cost = 5.0

    def run(self, ctx: GateContext) -> Evaluation:
        scripts = clistatic.discover(ctx.target)
        if not scripts:
            raise GateSkipped(
                "no console script in [project.scripts] and no __main__ module"
            )
        skip = ctx.options.strings("skip")
        files = doc_files(ctx.target.root, skip)
        large = too_large(ctx.target.root, files)
        files = [rel for rel in files if rel not in large]
        programs = {script.name: script for script in scripts}
        invocations = [
            invocation
            for rel in files
            for invocation in find_invocations(
                rel, read_snippets(ctx.target.root / rel), programs
            )
        ]
        if not invocations:
            raise GateSkipped(
                f"no invocation of {', '.join(programs)} in {len(files)}"
                f" documentation file{'' if len(files) == 1 else 's'}"
            )
        models = {s.name: s.root for s in scripts if s.root is not None}
        wanted = sorted({i.program for i in invocations} - set(models))
        walked, why, blocked = help_models(ctx, [programs[name] for name in wanted])
        models |= walked
        findings = []
        unchecked: Counter[str] = Counter()
        for invocation in invocations:
            model = models.get(invocation.program)
            if model is None:
                unchecked[invocation.program] += 1
                continue
            problem = check(model, invocation.program, invocation.args)
            if problem is not None:
                findings.append(problem_finding(invocation, problem))
        checked = len(invocations) - unchecked.total()
        if not checked:
            # no prod environment: the gate could not run, rather than not apply
            failed = GateError if blocked else GateSkipped
            raise failed(f"no invocation could be checked: {scope(unchecked, why)}")
        missing = sum(1 for f in findings if f.rule == MISSING_COMMAND.id)
        unknown = len(findings) - missing
        partial = f"; {scope(unchecked, why)}" if unchecked else ""
        return Evaluation(
            criteria=(
                Criterion(
                    text=f"no docs reference a missing command ({missing} found"
                    f" in {checked} checked invocation{'' if checked == 1 else 's'}"
                    f"{partial})",
                    met=missing == 0,
                ),
                Criterion(
                    text=f"every documented option exists ({unknown} unknown)",
                    met=unknown == 0,
                ),
            ),
            findings=tuple(findings),
            metrics={
                "files": len(files),
                "invocations": len(invocations),
                "missing_commands": missing,
                "unknown_options": unknown,
                "unchecked": unchecked.total(),
                **(skipped_metrics(large) if large else {}),
            },
        )


def skipped_metrics(large: Mapping[str, str]) -> dict[str, int | str]:
    """The files too large to read, as the secrets gate reports its skipped ones."""
    shown = ", ".join(f"{rel} ({why})" for rel, why in large.items())
    return {"files_skipped": len(large), "skipped": shown}


def scope(unchecked: Mapping[str, int], why: Mapping[str, str]) -> str:
    """Which invocations were not checked, and why, by program."""
    return "; ".join(
        f"{count} invocation{'' if count == 1 else 's'} of {program} not checked"
        f" ({why.get(program, NOT_RUN)})"
        for program, count in sorted(unchecked.items())
    )


def help_models(
    ctx: GateContext, scripts: Sequence[clitree.Script]
) -> tuple[dict[str, clitree.Command], dict[str, str], bool]:
    """``--help`` walks in the prod environment, for scripts with no static model.

    A ``python -m`` package whose ``__main__`` shows no command line is never
    run (it may do real work). A script whose help fails for want of one of the
    target's extras is walked in the prod environment plus that extra, as the
    cli gate does. Also returns why a script has no model, and whether the
    prod environment could not be built.
    """
    scripts = [s for s in scripts if not s.name.startswith("python -m ")]
    if not scripts:
        return {}, {}, False
    try:
        env = prodenv.ensure(ctx.target, run=ctx.run)
    except environments.BuildError as error:
        reason = f"help walk not run, no prod environment: {error}"
        return {}, {script.name: reason for script in scripts}, True
    found: dict[str, clitree.Command] = {}
    why: dict[str, str] = {}
    for script in scripts:
        model, reason = help_model(ctx, env, script)
        if model is not None:
            found[script.name] = model
        else:
            why[script.name] = reason
    return found, why, False


def help_model(
    ctx: GateContext, env: environments.Environment, script: clitree.Script
) -> tuple[clitree.Command | None, str]:
    """``script``'s walked model, or why there is none; a help that fails for
    want of an extra is walked again with it."""
    model, reason, extras = walk_in(ctx, env, script)
    if model is not None or not extras:
        return model, reason
    try:
        env = helpwalk.extra_env(ctx.target, extras, run=ctx.run)
    except (environments.BuildError, command.ToolError) as error:
        return None, f"{reason}; with its extra: {error}"
    model, reason, _ = walk_in(ctx, env, script, extras)
    return model, reason


def walk_in(
    ctx: GateContext,
    env: environments.Environment,
    script: clitree.Script,
    extras: tuple[str, ...] = (),
) -> tuple[clitree.Command | None, str, tuple[str, ...]]:
    """The model walked in ``env`` (or why not, and the extras it asks for)."""
    place = helpwalk.environment_name(extras)
    argv0 = helpwalk.argv0(env, script)
    if argv0 is None:
        return None, f"not installed in {place}", ()
    tree, runs = helpwalk.walk(ctx, env, script, argv0)
    first = runs[0]
    if first.answered:
        return tree, "", ()
    if first.timed_out:
        return None, f"its --help does not finish in {place}", ()
    # an empty or cut help is no model to check against: unchecked, as the
    # cli gate reports it (the same words)
    failed = helpwalk.failure_reason(first, helpwalk.DEFAULT_TIMEOUT_S)
    reason = f"its --help fails in {place}: {failed}"
    needed = (
        ()
        if extras or first.ok
        else helpwalk.needed_extras(ctx.target, script, first.output)
    )
    return None, reason, needed


# --- finding the invocations -------------------------------------------------


def tokens(text: str) -> list[str]:
    """Shell words (quotes honoured, no comment handling), or plain words."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def find_invocations(
    rel: str, snippets: Sequence[Snippet], programs: Mapping[str, clitree.Script]
) -> Iterator[Invocation]:
    modules = {
        name.removeprefix("python -m "): name
        for name in programs
        if name.startswith("python -m ")
    }
    for snippet in snippets:
        words = tokens(snippet.text)
        for start in command_starts(words):
            found = program_at(words, start, programs, modules)
            if found is not None:
                program, first = found
                yield Invocation(
                    path=rel,
                    line=snippet.line,
                    program=program,
                    args=tuple(arguments(words, first)),
                )


def command_starts(words: Sequence[str]) -> Iterator[int]:
    expect = True
    for index, word in enumerate(words):
        if expect:
            yield index
        expect = word in OPERATORS or (word.endswith(";") and len(word) > 1)


def program_at(
    words: Sequence[str],
    index: int,
    programs: Mapping[str, clitree.Script],
    modules: Mapping[str, str],
) -> tuple[str, int] | None:
    """The program invoked at ``words[index]`` and where its arguments start."""
    while index < len(words):
        word = words[index]
        if _ASSIGNMENT.match(word) or word in WRAPPERS or word.startswith("-"):
            index += 1
        elif word in RUNNERS and index + 1 < len(words) and words[index + 1] == "run":
            index += 2
        else:
            break
    if index >= len(words):
        return None
    name = PurePosixPath(words[index]).name
    if name in programs and not name.startswith("python -m "):
        return name, index + 1
    rest = words[index + 1 : index + 3]
    if (
        _PYTHON.match(name)
        and len(rest) == 2
        and rest[0] == "-m"
        and rest[1] in modules
    ):
        return modules[rest[1]], index + 3
    return None


def arguments(words: Sequence[str], first: int) -> Iterator[str]:
    """The words after the program, up to an operator, redirection or comment."""
    for word in words[first:]:
        if word in OPERATORS or word.startswith("#") or redirection(word):
            return
        yield word.rstrip(";")
        if word.endswith(";"):
            return


def redirection(word: str) -> bool:
    """``>``, ``2>&1``, ``<in``; not a ``<placeholder>``."""
    return _REDIRECT.match(word) is not None and not _ANGLED.fullmatch(word)


def clean(word: str) -> str:
    """``[--testnet]`` -> ``--testnet``: usage-style brackets and ellipses off."""
    return word.strip("[]()").removesuffix("...").rstrip("]),")


def placeholder(word: str) -> bool:
    return not word or _PLACEHOLDER.search(word) is not None


def names_no_command(raw: str) -> bool:
    """A word where a command goes that names none.

    Placeholders (``<name>``, ``NAME``, ``{a,b}``, ``[options]``, ``...``),
    alternations (``list|info|validate``) and file names (``__main__.py``,
    ``src/app``: a suffix or a path separator).
    """
    word = clean(raw)
    return (
        placeholder(word)
        or raw.startswith("[")
        or "|" in word
        or _FILE_NAME.search(word) is not None
    )


# --- checking one invocation -------------------------------------------------


def check(root: clitree.Command, program: str, args: Sequence[str]) -> Problem | None:
    """The first contradiction between ``args`` and the model, if any."""
    walker = Walker(root, program)
    for raw in args:
        if walker.done:
            break
        walker.feed(raw)
    return walker.problem


class Walker:
    """Follows one invocation down the model, word by word, until it must stop."""

    def __init__(self, root: clitree.Command, program: str) -> None:
        self.node = root
        self.path = [program]
        self.skip_next = False
        self.done = False
        self.problem: Problem | None = None

    def feed(self, raw: str) -> None:
        word = clean(raw)
        if self.skip_next:
            self.skip_next = False
        elif word == "--":
            self.done = True
        elif word.startswith("-") and len(word) > 1:
            self.option(word)
        elif self.node.is_group:
            self.subcommand(raw)
        # else: a positional argument of a leaf command

    def option(self, word: str) -> None:
        if placeholder(word):
            self.done = True
            return
        name, equals, _ = word.partition("=")
        option = self.node.option(name)
        if option is None:
            if name.startswith("--") and self.node.options_complete:
                self.problem = unknown_option(self.node, self.path, name)
            self.done = True  # whether it reads a value is unknown
        elif option.takes_value is None:
            self.done = True
        else:
            self.skip_next = option.takes_value and not equals

    def subcommand(self, raw: str) -> None:
        word = clean(raw)
        child = None if placeholder(word) else self.node.child(word)
        if child is not None:
            self.node = child
            self.path.append(word)
            return
        if self.node.commands_complete and not names_no_command(raw):
            self.problem = missing_command(self.node, self.path, word)
        self.done = True


def missing_command(node: clitree.Command, path: Sequence[str], word: str) -> Problem:
    names = list(node.command_names)
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.5)
    suggestion = close[0] if close else None
    shown = " ".join([*path, word])
    message = f"`{shown}`: {' '.join(path)} has no command {word!r}"
    if suggestion:
        message += f"; did you mean {suggestion!r}?"
        fix = f"replace {word} with {suggestion}"
    else:
        fix = f"use one of its commands: {', '.join(names)}"
    return Problem(
        rule=MISSING_COMMAND.id,
        shown=shown,
        message=message,
        fix=fix,
        word=word,
        suggestion=suggestion,
    )


def unknown_option(node: clitree.Command, path: Sequence[str], name: str) -> Problem:
    options = list(node.long_options)
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    suggestion = close[0] if close else None
    shown = " ".join([*path, name])
    message = f"`{shown}`: {' '.join(path)} does not accept {name}"
    if suggestion:
        message += f" (did you mean {suggestion}?)"
    message += f"; its options: {', '.join(options) or 'none'}"
    return Problem(
        rule=UNKNOWN_OPTION.id,
        shown=shown,
        message=message,
        fix=f"use one of its options: {', '.join(options)}",
        word=name,
        suggestion=suggestion,
    )


def problem_finding(invocation: Invocation, problem: Problem) -> Finding:
    details: dict[str, str | int | float | bool] = {
        "command": problem.shown,
        "word": problem.word,
    }
    if problem.suggestion:
        details["suggestion"] = problem.suggestion
    return Finding(
        rule=problem.rule,
        severity=Severity.MEDIUM,
        priority=Priority.P2,
        message=problem.message,
        path=invocation.path,
        line=invocation.line,
        fix=problem.fix,
        details=details,
    )
