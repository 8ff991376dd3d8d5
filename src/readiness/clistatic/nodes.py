"""Commands while the source is read, and their freezing into :class:`Command`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from readiness.clitree import Command, Option, unique_options


@dataclass(eq=False)
class Node:
    """A command while the source is being read; frozen into :class:`Command` later."""

    framework: str
    name: str | None = None
    options: list[Option] = field(default_factory=list)
    children: list[tuple[str | None, Node]] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    group: bool = False
    hidden: bool = False
    options_complete: bool = True
    commands_complete: bool = True
    abbreviations: bool = False
    help_names: tuple[str, ...] | None = None
    parsed: bool = False
    path: str | None = None
    line: int | None = None
    # typer: the app's callback options, and whether it completes the shell
    callback: bool = False
    completion: bool = False
    merged: list[Node] = field(default_factory=list)

    def add(self, names: Sequence[str], *, takes_value: bool | None) -> None:
        if names:
            self.options.append(Option(names=tuple(names), takes_value=takes_value))


def freeze(
    node: Node,
    name: str,
    *,
    root: bool = False,
    inherited_help: tuple[str, ...] | None = None,
    seen: frozenset[int] = frozenset(),
) -> Command:
    """The immutable :class:`Command` of a builder node (cycles cut)."""
    if id(node) in seen:
        return Command(name=name, options_complete=False, commands_complete=False)
    seen = seen | {id(node)}
    help_names = node.help_names if node.help_names is not None else inherited_help
    options = list(node.options)
    children = list(node.children)
    for merged in node.merged:
        children.extend(merged.children)
    if node.framework in {"click", "typer"}:
        options.append(Option(names=help_names or ("--help",), takes_value=False))
    if node.framework == "typer":
        single = root and len(children) == 1 and not node.callback and not node.merged
        if single and not children[0][1].children:
            only = children[0][1]
            options = [
                *only.options,
                Option(names=help_names or ("--help",), takes_value=False),
            ]
            children = []
        if root and node.completion:
            options.append(Option(names=("--install-completion",), takes_value=False))
            options.append(Option(names=("--show-completion",), takes_value=False))
    frozen: dict[str, Command] = {}
    for override, child in children:
        child_name = override or child.name
        if child_name is None:
            continue
        frozen[child_name] = freeze(
            child, child_name, inherited_help=help_names, seen=seen
        )
    return Command(
        name=name,
        options=unique_options(options),
        commands=tuple(frozen.values()),
        aliases=node.aliases,
        hidden=node.hidden,
        options_complete=node.options_complete,
        commands_complete=node.commands_complete,
        abbreviations=node.abbreviations,
        path=node.path,
        line=node.line,
    )
