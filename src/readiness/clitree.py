"""The command-line model of a target: console scripts, subcommands, options.

A :class:`Command` tree comes from two sources:

* **static**: the target's source read with :mod:`ast`, nothing imported
  (:mod:`readiness.clistatic`: click, typer, argparse). Where the source does
  something it cannot follow, the node says so (``options_complete``,
  ``commands_complete``) instead of guessing;
* **help**: ``<script> [sub ...] --help`` run in an environment
  (:mod:`readiness.helpwalk`) and the stdout of a zero exit parsed here (click,
  argparse, typer's rich boxes): the truth of what the installed command
  accepts, and how the cli gate proves each command starts.

The docs gate checks documented invocations against this model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

# --- the model --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Option:
    names: tuple[str, ...]
    #: ``None`` when it is not known whether the option reads a value.
    takes_value: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Command:
    name: str
    options: tuple[Option, ...] = ()
    commands: tuple[Command, ...] = ()
    aliases: tuple[str, ...] = ()
    hidden: bool = False
    #: False when options may exist that the model does not know of.
    options_complete: bool = True
    #: False when subcommands may exist that the model does not know of.
    commands_complete: bool = True
    #: argparse accepts any unambiguous prefix of a long option.
    abbreviations: bool = False
    path: str | None = None
    line: int | None = None

    @property
    def is_group(self) -> bool:
        return bool(self.commands) or not self.commands_complete

    @property
    def command_names(self) -> tuple[str, ...]:
        """The visible subcommand names, as ``--help`` lists them."""
        return tuple(c.name for c in self.commands if not c.hidden)

    @property
    def long_options(self) -> tuple[str, ...]:
        return tuple(
            sorted(
                {n for o in self.options for n in o.names if n.startswith("--")},
            )
        )

    def child(self, name: str) -> Command | None:
        return next(
            (c for c in self.commands if name == c.name or name in c.aliases), None
        )

    def option(self, name: str) -> Option | None:
        exact = next((o for o in self.options if name in o.names), None)
        if exact is not None or not (self.abbreviations and name.startswith("--")):
            return exact
        matches = [o for o in self.options if any(n.startswith(name) for n in o.names)]
        return matches[0] if len(matches) == 1 else None

    def walk(
        self, prefix: tuple[str, ...] = ()
    ) -> Iterator[tuple[tuple[str, ...], Command]]:
        """Every node with its path of subcommand names, this one first."""
        yield prefix, self
        for child in self.commands:
            yield from child.walk((*prefix, child.name))


@dataclass(frozen=True, kw_only=True)
class Script:
    """A console script of ``[project.scripts]`` (or ``python -m pkg``)."""

    name: str
    entry: str
    root: Command | None
    #: Why the static model is missing, when it is.
    reason: str | None = None
    #: The entry point names a module or attribute of the target that does not exist.
    missing: bool = False
    #: The extras the entry point says it needs (``blackd:patched_main [d]``).
    extras: tuple[str, ...] = ()


def unique_options(options: Sequence[Option]) -> tuple[Option, ...]:
    seen: set[str] = set()
    kept = []
    for option in options:
        names = tuple(n for n in option.names if n not in seen)
        if names:
            seen.update(names)
            kept.append(replace(option, names=names))
    return tuple(kept)


# --- help output -------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BOX_TITLE = re.compile(r"^\s*[╭┌┏+][─━-]+\s*(?P<title>[^─━╮┐┓]+?)\s*[─━-]+[╮┐┓+]?\s*$")
_BOX_EDGE = re.compile(r"^\s*[╰└┗╭┌┏][─━-]*[╯┘┛╮┐┓]?\s*$")
_HEADING = re.compile(r"^(?P<title>[A-Za-z][\w /-]*):\s*$")
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z0-9?][\w-]*)")
_NAME = re.compile(r"^[A-Za-z0-9][\w.:-]*$")
_MISSING = re.compile(
    r"no such (sub)?command|invalid choice|unknown (sub)?command", re.I
)


@dataclass(frozen=True, kw_only=True)
class HelpPage:
    commands: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()


def parse_help(text: str) -> HelpPage:
    """Subcommands and options from a ``--help`` output (click, argparse, typer).

    Options are the indented ``-x, --long ARG`` lines of every section, whatever
    its title: argparse puts each argument group under its own title (httpie's
    "Network:", "SSL:", "Troubleshooting:"), as typer does with its panels.
    Only the usage line and the text before the first heading are left out.
    Commands are read only from the command sections: click's and typer's
    "Commands", argparse's subparsers (a ``{a,b}`` line or the entries under
    its metavar, in a "commands" or "positional arguments" section).
    """
    boxed = any(ch in text for ch in "╭│┃")
    sections: list[tuple[str, list[str]]] = [("", [])]
    for raw in _ANSI.sub("", text).splitlines():
        box = _BOX_TITLE.match(raw)
        if box:
            sections.append((box.group("title").strip(), []))
            continue
        if _BOX_EDGE.match(raw):
            continue
        line = raw.replace("│", " ").replace("┃", " ").rstrip()
        heading = _HEADING.match(line)
        if heading and not line.startswith(" "):
            sections.append((heading.group("title"), []))
        else:
            sections[-1][1].append(line)
    commands: list[str] = []
    options: list[Option] = []
    for title, lines in sections[1:]:
        lowered = title.lower()
        entries = [line for line in lines if _indent(line)]  # not the epilog
        if "command" in lowered and "option" not in lowered:
            commands.extend(_commands(entries))
        elif "positional" in lowered:
            commands.extend(_choices(entries))
        if lowered != "usage":
            options.extend(_options(lines, boxed=boxed, indented=True))
    if len(sections) == 1:  # no headings at all: every line that starts with "-"
        options.extend(_options(sections[0][1], boxed=boxed, indented=False))
    return HelpPage(
        commands=tuple(dict.fromkeys(commands)), options=unique_options(options)
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _commands(lines: Sequence[str]) -> list[str]:
    """A command section: argparse's subparsers (``{a,b}``) or one entry a line."""
    entries = [line for line in lines if line.strip()]
    least = min((_indent(line) for line in entries), default=0)
    braces = any(
        _indent(line) == least and line.strip().startswith("{") for line in entries
    )
    return _choices(lines) if braces else _entries(lines)


def _entries(lines: Sequence[str]) -> list[str]:
    entries = [line for line in lines if line.strip()]
    if not entries:
        return []
    least = min(_indent(line) for line in entries)
    names = []
    for line in entries:
        if _indent(line) != least:
            continue
        first = line.split()[0].rstrip(",")
        if _NAME.match(first):
            names.append(first)
    return names


def _choices(lines: Sequence[str]) -> list[str]:
    """argparse's ``{a,b,c}`` line, or the entries listed under a subparsers metavar."""
    entries = [line for line in lines if line.strip()]
    if not entries:
        return []
    least = min(_indent(line) for line in entries)
    braces: list[str] = []
    listed: list[str] = []
    for line in entries:
        first = line.split()[0]
        if _indent(line) == least and first.startswith("{"):
            braces.extend(n for n in first.strip("{}").split(",") if _NAME.match(n))
        elif _indent(line) == least + 2 and _NAME.match(first):
            listed.append(first)
    return braces or listed


def _options(lines: Sequence[str], *, boxed: bool, indented: bool) -> list[Option]:
    """The options of the lines that start with ``-`` (indented ones only, if
    ``indented``: a heading's entries are indented, its prose may not be)."""
    found = []
    for line in lines:
        text = line.strip().lstrip("*").strip()
        if not text.startswith("-") or (indented and not _indent(line)):
            continue
        columns = re.split(r"\s{2,}", text)
        signature = columns[0]
        while len(columns) > 1 and _OPTION.fullmatch(columns[1]):
            signature += " " + columns.pop(1)  # typer: "--flag  --no-flag"
        names = _OPTION.findall(signature)
        rest = _OPTION.sub("", signature).replace(",", " ").replace("/", " ").strip()
        takes_value = bool(rest)
        if boxed and not takes_value and len(columns) > 1:
            takes_value = re.match(r"[A-Z][A-Z_]+\b", columns[1]) is not None
        if names:
            found.append(Option(names=tuple(names), takes_value=takes_value))
    return found


@dataclass(frozen=True, kw_only=True)
class HelpRun:
    """One ``--help`` run: the command path, its exit code (``None``: timed out).

    Help is read from the stdout of a zero exit only. What a command writes on
    stderr (a warning, flask's "Error: Could not locate a Flask application")
    is never part of the help: it is the reason when the run fails, and on a
    zero exit it says the listing may be partial.
    """

    path: tuple[str, ...]
    returncode: int | None
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    #: Whether the output was cut (more than readiness keeps): no help to read.
    cut: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def answered(self) -> bool:
        """A help to read: a zero exit that printed something, all of it kept
        (an empty help is no working help; a cut one cannot be read)."""
        return self.ok and not self.cut and bool(self.output.strip())

    @property
    def warned(self) -> bool:
        """A zero exit that still wrote on stderr."""
        return self.ok and bool(self.stderr.strip())

    @property
    def output(self) -> str:
        """Both streams, stdout first: what a person reads to see why it failed."""
        return "\n".join(part for part in (self.stdout, self.stderr) if part)

    @property
    def no_such_command(self) -> bool:
        return (
            self.returncode not in (0, None)
            and _MISSING.search(self.output) is not None
        )


HelpRunner = Callable[[tuple[str, ...]], HelpRun]


def walk(
    name: str,
    run: HelpRunner,
    static: Command | None = None,
    *,
    limit: int = 300,
    depth: int = 6,
) -> tuple[Command, tuple[HelpRun, ...]]:
    """Walk ``--help`` from the root down; the static model adds what help hides.

    Subcommands the static model knows but the help output does not list are
    run too (a hidden command, or one that is declared but not installed), and
    when a group's help fails, its statically known subcommands are still tried.
    A group whose help fails, or succeeds but warns on stderr, is marked as
    possibly having commands the model does not know.
    """
    runs: list[HelpRun] = []

    def visit(path: tuple[str, ...], known: Command | None) -> Command | None:
        result = run(path)
        runs.append(result)
        if path and result.no_such_command:
            return None
        label = path[-1] if path else name
        if result.ok:
            page = parse_help(result.stdout)
            listed = list(page.commands)
            options: tuple[Option, ...] = page.options
        else:  # a failed help is the command's failure, never a list of commands
            listed = []
            options = known.options if known else ()
        # a help that warned (the app it lists commands from is missing) may list
        # only part of them
        complete = result.ok and not result.warned
        extra = [n for n in (known.command_names if known else ()) if n not in listed]
        hidden = [c.name for c in (known.commands if known else ()) if c.hidden]
        children = []
        for child in dict.fromkeys([*listed, *extra, *hidden]):
            if len(path) >= depth or len(runs) >= limit:
                complete = False
                break
            sub = visit((*path, child), known.child(child) if known else None)
            if sub is not None:
                children.append(replace(sub, hidden=child not in listed and result.ok))
        return Command(
            name=label,
            options=options,
            commands=tuple(children),
            aliases=known.aliases if known else (),
            options_complete=result.ok,
            commands_complete=complete,
            path=known.path if known else None,
            line=known.line if known else None,
        )

    root = visit((), static)
    if root is None:  # pragma: no cover - the root is never "no such command"
        root = Command(name=name, options_complete=False, commands_complete=False)
    return root, tuple(runs)
