"""The ``docs`` gate: the commands and options the documentation shows exist.

The seed's "Documentation Consistency": guides said ``fetch-data`` where the
command is ``test-data``. Every Markdown, reStructuredText and notebook file of
the target (and its README) is read for invocations of the target's own
command line, ``<script> <sub> ...`` and ``python -m <package> <sub> ...``, in
code blocks (fenced, indented, reST literal blocks and ``code-block``
directives, notebook code cells' ``!`` shell lines and ``%%bash`` cells) and in
inline code. Each is walked down the CLI model (:mod:`readiness.clitree`):

* a word where a subcommand is expected that names none is a finding, with the
  closest real name (``difflib``);
* a ``--option`` the (sub)command does not accept is a finding, with the
  options it has.

Placeholders (``<file.py>``, ``{a,b}``, ``$VAR``, ``COMMAND``, ``...``,
optional ``[...]`` brackets) are not commands or options. After an option the
model does not know, the rest of the line is not judged: whether it reads a
value is unknown. Where the static model may be incomplete (a custom decorator,
a computed name), nothing is reported rather than a guess; when no static model
exists for a script at all, its ``--help`` is walked in the prod environment.

Paths matching ``[tool.readiness.docs] skip`` (globs, e.g. ``CHANGELOG.md``,
``docs/archive/**``) are not read.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from readiness import clistatic, clitree, environments
from readiness.findings import Criterion, Finding, Priority, Rule, Severity
from readiness.gates.cli_gate import DEFAULT_HELP_TIMEOUT_S as HELP_TIMEOUT_S
from readiness.gates.cli_gate import prod_spec, run_help
from readiness.gates.interface import Evaluation, Gate, GateContext, GateSkipped
from readiness.repofiles import walk

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

DOC_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".ipynb"})
#: Words that run the next word as the command.
WRAPPERS = frozenset({"sudo", "time", "nohup", "exec", "command", "env", "nice"})
RUNNERS = frozenset({"uv", "poetry", "pipenv", "hatch", "pdm", "rye", "pipx"})
OPERATORS = frozenset({"&&", "||", "|", ";", "&", "|&", "(", ")", "{", "}"})
_PROMPT = re.compile(r"^\s*(?:\([\w.-]+\)\s*)?[$%]\s+")
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_PYTHON = re.compile(r"^(?:python(?:3(?:\.\d+)?)?|py)$")
_INLINE_MD = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_INLINE_RST = re.compile(r"``(.+?)``")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_RST_CODE = re.compile(r"^\s*\.\.\s+(?:code-block|code|sourcecode|prompt)::")
_RST_DIRECTIVE = re.compile(r"^\s*\.\.\s+[\w:-]+::")
_NOTEBOOK_SHELL = re.compile(r"^\s*%%(?:bash|sh|script\s+(?:ba)?sh)\b")
_REDIRECT = re.compile(r"^\d*(?:>>?|<|&>)")
_ANGLED = re.compile(r"<[^<>\s]+>[.,]*")
_PLACEHOLDER = re.compile(r"[<>{}$…]|\.\.\.|^[A-Z][A-Z0-9_-]*$")


@dataclass(frozen=True, kw_only=True)
class Snippet:
    """Text that may hold a command: a logical line of a code block, or inline code."""

    line: int
    text: str


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

    def run(self, ctx: GateContext) -> Evaluation:
        scripts = clistatic.discover(ctx.target)
        if not scripts:
            raise GateSkipped(
                "no console script in [project.scripts] and no __main__ module"
            )
        skip = ctx.options.strings("skip")
        files = doc_files(ctx.target.root, skip)
        programs = {script.name: script for script in scripts}
        invocations = [
            invocation
            for rel in files
            for invocation in find_invocations(
                rel, read_snippets(ctx.target.root / rel), programs
            )
        ]
        models = {s.name: s.root for s in scripts if s.root is not None}
        # a __main__ with no command line found may do real work: never run it
        wanted = {
            i.program for i in invocations if not i.program.startswith("python -m ")
        } - set(models)
        models |= help_models(ctx, [programs[name] for name in sorted(wanted)])
        findings = []
        unchecked = 0
        for invocation in invocations:
            model = models.get(invocation.program)
            if model is None:
                unchecked += 1
                continue
            problem = check(model, invocation.program, invocation.args)
            if problem is not None:
                findings.append(problem_finding(invocation, problem))
        missing = sum(1 for f in findings if f.rule == MISSING_COMMAND.id)
        unknown = len(findings) - missing
        return Evaluation(
            criteria=(
                Criterion(
                    text=f"no docs reference a missing command ({missing} found)",
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
                "unchecked": unchecked,
            },
        )


def help_models(
    ctx: GateContext, scripts: Sequence[clitree.Script]
) -> dict[str, clitree.Command]:
    """``--help`` walks in the prod environment, for scripts with no static model."""
    if not scripts:
        return {}
    env = environments.ensure(ctx.target, prod_spec(ctx.target), run=ctx.run)
    found = {}
    for script in scripts:
        if script.name.startswith("python -m "):
            argv0 = [str(env.python), "-m", script.name.removeprefix("python -m ")]
        elif env.script(script.name).exists():
            argv0 = [str(env.script(script.name))]
        else:
            continue

        def runner(
            path: tuple[str, ...], argv0: Sequence[str] = argv0, name: str = script.name
        ) -> clitree.HelpRun:
            return run_help(
                ctx, env=env, argv0=argv0, name=name, path=path, timeout=HELP_TIMEOUT_S
            )

        tree, runs = clitree.walk(script.name, runner)
        if runs and runs[0].ok:
            found[script.name] = tree
    return found


# --- finding the files and the snippets ---------------------------------------


def doc_files(root: Path, skip: Sequence[str] = ()) -> list[str]:
    """Markdown, reST and notebook files, and README files of any suffix."""
    return [
        rel
        for rel in walk(root, skip)
        if PurePosixPath(rel).suffix.lower() in DOC_SUFFIXES
        or PurePosixPath(rel).name.upper().startswith("README")
    ]


def read_snippets(path: Path) -> list[Snippet]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return notebook_snippets(text)
    if suffix == ".rst":
        return rst_snippets(text)
    return markdown_snippets(text)


def logical_lines(lines: Sequence[tuple[int, str]]) -> Iterator[Snippet]:
    """Code lines with their prompt removed and ``\\`` continuations joined."""
    pending: list[str] = []
    start = 0
    for number, raw in lines:
        text = _PROMPT.sub("", raw) if not pending else raw
        if not pending:
            start = number
        if text.rstrip().endswith("\\"):
            pending.append(text.rstrip()[:-1])
            continue
        pending.append(text)
        yield Snippet(line=start, text=" ".join(part.strip() for part in pending))
        pending = []
    if pending:
        yield Snippet(line=start, text=" ".join(part.strip() for part in pending))


def inline(number: int, line: str, pattern: re.Pattern[str]) -> Iterator[Snippet]:
    for match in pattern.finditer(line):
        yield Snippet(line=number, text=match.group(match.lastindex or 1).strip())


def markdown_snippets(text: str, first: int = 1) -> list[Snippet]:
    """Fenced and indented code blocks (each logical line), and inline code."""
    found: list[Snippet] = []
    block: list[tuple[int, str]] = []
    fence: str | None = None
    blank_before = True
    in_list = False
    indented: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=first):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                found.extend(logical_lines(block))
                fence, block = None, []
            else:
                block.append((number, line))
            continue
        opening = _FENCE.match(line)
        if opening:
            found.extend(logical_lines(indented))
            indented = []
            fence = opening.group("fence")
            continue
        is_code = line.startswith(("    ", "\t")) and bool(line.strip())
        if is_code and (indented or (blank_before and not in_list)):
            indented.append((number, line))
            continue
        found.extend(logical_lines(indented))
        indented = []
        if line.strip():
            if not line.startswith(" "):
                in_list = bool(_LIST_ITEM.match(line))
            found.extend(inline(number, line, _INLINE_MD))
        blank_before = not line.strip()
    found.extend(logical_lines(block))
    found.extend(logical_lines(indented))
    return found


def rst_snippets(text: str) -> list[Snippet]:
    """Literal blocks (``::`` and code directives) and ````inline```` literals."""
    found: list[Snippet] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        number = index + 1
        literal = _RST_CODE.match(line) or (
            line.rstrip().endswith("::") and not _RST_DIRECTIVE.match(line)
        )
        found.extend(inline(number, line, _INLINE_RST))
        index += 1
        if not literal:
            continue
        base = len(line) - len(line.lstrip())
        block: list[tuple[int, str]] = []
        while index < len(lines):
            candidate = lines[index]
            if candidate.strip() and len(candidate) - len(candidate.lstrip()) <= base:
                break
            if candidate.strip() and not re.match(r"^\s*:[\w-]+:", candidate):
                block.append((index + 1, candidate))
            index += 1
        found.extend(logical_lines(block))
    return found


def notebook_snippets(raw: str) -> list[Snippet]:
    """Markdown cells as Markdown; code cells' ``!`` lines and shell cells.

    Lines are those of the ``.ipynb`` file where nbformat's usual layout
    (one source line per JSON line) allows finding them, else the cell's start.
    """
    try:
        notebook = json.loads(raw)
    except json.JSONDecodeError:
        return []
    cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
    raw_lines = raw.splitlines()
    cursor = 0
    found: list[Snippet] = []
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = text.splitlines()
        numbers = []
        for line in lines:
            encoded = '"' + json.dumps(line)[1:-1] if line.strip() else None
            position = next(
                (
                    i
                    for i in range(cursor, len(raw_lines))
                    if encoded and encoded in raw_lines[i]
                ),
                None,
            )
            if position is not None:
                cursor = position + 1
            numbers.append(position + 1 if position is not None else cursor or 1)
        if cell.get("cell_type") == "markdown":
            found.extend(
                replace(snippet, line=numbers[snippet.line - 1])
                for snippet in markdown_snippets(text)
            )
        elif cell.get("cell_type") == "code":
            shell = bool(lines) and _NOTEBOOK_SHELL.match(lines[0]) is not None
            picked = [
                (numbers[i], line if shell else line.lstrip()[1:])
                for i, line in enumerate(lines)
                if (shell and i > 0) or (not shell and line.lstrip().startswith("!"))
            ]
            found.extend(logical_lines(picked))
    return found


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


# --- checking one invocation -------------------------------------------------


def check(root: clitree.Command, program: str, args: Sequence[str]) -> Problem | None:
    """The first contradiction between ``args`` and the model, if any."""
    walker = Walker(root, program)
    for raw in args:
        if walker.done:
            break
        walker.feed(clean(raw))
    return walker.problem


class Walker:
    """Follows one invocation down the model, word by word, until it must stop."""

    def __init__(self, root: clitree.Command, program: str) -> None:
        self.node = root
        self.path = [program]
        self.skip_next = False
        self.done = False
        self.problem: Problem | None = None

    def feed(self, word: str) -> None:
        if self.skip_next:
            self.skip_next = False
        elif word == "--":
            self.done = True
        elif word.startswith("-") and len(word) > 1:
            self.option(word)
        elif self.node.is_group:
            self.subcommand(word)
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

    def subcommand(self, word: str) -> None:
        child = None if placeholder(word) else self.node.child(word)
        if child is not None:
            self.node = child
            self.path.append(word)
            return
        if not placeholder(word) and self.node.commands_complete:
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
